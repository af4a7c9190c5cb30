"""CIE Lab colour space: the model sees L, predicts a and b.

Every normalisation constant of the project lives here. The training data and the
evaluation use scikit-image's conversions; inference at a photo's full resolution uses
the two fast float32 functions below (`lightness` and `lab_to_srgb`), which the tests
check against scikit-image. `lab_to_srgb` also maps colours outside sRGB back inside
without touching L.
"""

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from skimage import color
from skimage.color.colorconv import rgb_from_xyz, xyz_from_rgb

L_MAX = 100.0  # L* runs from 0 (black) to 100 (white)
AB_SCALE = 128.0  # a*, b* of sRGB colours lie inside [-128, 128]; the model predicts ab / AB_SCALE
WHITE_D65 = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)  # scikit-image's D65 white point

_EPSILON = (6.0 / 29.0) ** 3  # below this, CIE's f(t) is linear
_KAPPA = 3.0 * (6.0 / 29.0) ** 2
_XYZ_TO_LINEAR_RGB = rgb_from_xyz.astype(np.float32)
_LINEAR_RGB_TO_Y = xyz_from_rgb[1].astype(np.float32)  # Y = 0.2126 R + 0.7152 G + 0.0722 B
_ROWS_PER_CHUNK = 128  # bounds the float32 temporaries of a huge photo to a few hundred MB


def rgb_to_lab(rgb):
    """sRGB (uint8, or float in [0, 1]) to Lab float32, by scikit-image."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8:
        rgb = rgb.astype(np.float32) / 255.0
    return color.rgb2lab(rgb.astype(np.float32, copy=False)).astype(np.float32, copy=False)


def lab_to_rgb(lab):
    """Lab to sRGB float in [0, 1], by scikit-image (the reference for `lab_to_srgb`)."""
    return color.lab2rgb(np.asarray(lab, dtype=np.float32))


def normalize_ab(ab):
    """Lab a, b to the model's [-1, 1] range."""
    return np.asarray(ab, dtype=np.float32) / AB_SCALE


def denormalize_ab(ab_normalized):
    """The model's [-1, 1] output back to Lab a, b."""
    return np.asarray(ab_normalized, dtype=np.float32) * AB_SCALE


def _srgb_to_linear(values):
    values = np.asarray(values, dtype=np.float32)
    return np.where(values > 0.04045, ((values + 0.055) / 1.055) ** 2.4, values / 12.92).astype(np.float32)


def _cie_f(t):
    return np.where(t > _EPSILON, np.cbrt(t), t / _KAPPA + 4.0 / 29.0)


_LINEAR_OF_BYTE = _srgb_to_linear(np.arange(256, dtype=np.float32) / 255.0)
_L_OF_GRAY_BYTE = (116.0 * _cie_f(_LINEAR_OF_BYTE) - 16.0).astype(np.float32)
_Y_OF_BYTE = (_LINEAR_RGB_TO_Y[:, None] * _LINEAR_OF_BYTE[None, :]).astype(np.float32)  # 3 x 256


def _lightness_of_y(y):
    """CIE L* of relative luminance Y (float32 array, 0..1)."""
    lightness = 116.0 * np.power(y, np.float32(1.0 / 3.0)) - 16.0  # twice as fast as np.cbrt here
    dark = y <= _EPSILON
    if dark.any():
        lightness[dark] = 116.0 * (y[dark] / _KAPPA + 4.0 / 29.0) - 16.0
    return lightness


def lightness(pixels):
    """L* (float32, 0..100) of an sRGB photo: what the model sees and what the output keeps.

    `pixels` is HxW (gray) or HxWx3 (RGB), uint8 or float in [0, 1]. A colour photo is
    reduced to the L* of its own colours, exactly as scikit-image's rgb2lab computes it.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype == np.uint8:
        if pixels.ndim == 2:
            return _L_OF_GRAY_BYTE[pixels]
        # Y = sum of each channel's weighted linear value, one table lookup per channel
        y = _Y_OF_BYTE[0][pixels[:, :, 0]]
        y += _Y_OF_BYTE[1][pixels[:, :, 1]]
        y += _Y_OF_BYTE[2][pixels[:, :, 2]]
        return _lightness_of_y(y)
    linear = _srgb_to_linear(np.clip(pixels, 0.0, 1.0))
    y = linear if pixels.ndim == 2 else linear @ _LINEAR_RGB_TO_Y
    return _lightness_of_y(np.ascontiguousarray(y, dtype=np.float32))


def _linear_to_srgb(linear):
    """sRGB's gamma encoding of linear values in [0, 1]."""
    return np.where(linear > 0.0031308, 1.055 * np.power(linear, 1 / 2.4) - 0.055, 12.92 * linear)


# sRGB encoding by table: a linear value in [0, 1] maps to its byte through 2**16 steps,
# which is exact to the byte (the steepest slope, 12.92 near black, moves 0.05 of a level per step).
_TABLE_STEPS = 65535
_BYTE_OF_LINEAR = np.clip(
    np.round(255.0 * _linear_to_srgb(np.arange(_TABLE_STEPS + 1, dtype=np.float64) / _TABLE_STEPS)),
    0,
    255,
).astype(np.uint8)


def _cie_f_inverse(t):
    return np.where(t > 6.0 / 29.0, t * t * t, _KAPPA * (t - 4.0 / 29.0))


def lab_to_linear_rgb(lightness, a, b):
    """Lab to linear (not yet gamma-encoded) sRGB, unclipped: values outside [0, 1] are out of gamut."""
    fy = (lightness + 16.0) / 116.0
    fx = fy + a / 500.0
    fz = np.maximum(fy - b / 200.0, 0.0)
    xyz = np.stack([_cie_f_inverse(fx), _cie_f_inverse(fy), _cie_f_inverse(fz)], axis=-1)
    return (xyz * WHITE_D65) @ _XYZ_TO_LINEAR_RGB.T


_GAMUT_TOLERANCE = 1e-4  # linear RGB this far outside [0, 1] is clipped: under 0.1 in L, even near black


def _outside_gamut(linear):
    return ((linear < -_GAMUT_TOLERANCE) | (linear > 1.0 + _GAMUT_TOLERANCE)).any(axis=-1)


def _reduce_chroma_into_gamut(lightness, a, b, steps=8):
    """For colours outside sRGB, the largest fraction s of their chroma that fits, by bisection
    (8 steps: within 1/256 of the gamut's edge). Returns their linear RGB.

    Scaling a and b together keeps L and the hue; clipping RGB instead would change L.
    Y depends on L alone, so each step recomputes only X and Z.
    """
    fy = (lightness + 16.0) / 116.0
    y = _cie_f_inverse(fy)
    step_a, step_b = a / 500.0, b / 200.0
    (m_rx, m_ry, m_rz), (m_gx, m_gy, m_gz), (m_bx, m_by, m_bz) = _XYZ_TO_LINEAR_RGB * WHITE_D65

    def linear_rgb(scale):
        x = _cie_f_inverse(fy + scale * step_a)
        z = _cie_f_inverse(np.maximum(fy - scale * step_b, 0.0))
        return m_rx * x + m_ry * y + m_rz * z, m_gx * x + m_gy * y + m_gz * z, m_bx * x + m_by * y + m_bz * z

    low, high = np.zeros_like(a), np.ones_like(a)
    for _ in range(steps):
        middle = (low + high) / 2
        red, green, blue = linear_rgb(middle)
        lowest, highest = np.minimum(np.minimum(red, green), blue), np.maximum(np.maximum(red, green), blue)
        fits = (lowest >= -_GAMUT_TOLERANCE) & (highest <= 1.0 + _GAMUT_TOLERANCE)
        low = np.where(fits, middle, low)
        high = np.where(fits, high, middle)
    return np.stack(linear_rgb(low), axis=-1)


def _map_clipped_into_gamut(band_lab, linear):
    """Where OpenCV clipped a colour (a channel at 0 or 1), recompute it exactly and, if it lies
    outside sRGB, replace the clipped RGB (which changes L) with its chroma reduced (which does not)."""
    lowest = np.minimum(np.minimum(linear[..., 0], linear[..., 1]), linear[..., 2])
    highest = np.maximum(np.maximum(linear[..., 0], linear[..., 1]), linear[..., 2])
    clipped = (lowest <= 0.0) | (highest >= 1.0)
    if not clipped.any():
        return
    band_l, band_a, band_b = (band_lab[..., channel][clipped] for channel in range(3))
    outside = _outside_gamut(lab_to_linear_rgb(band_l, band_a, band_b))
    if outside.any():
        fitted = _reduce_chroma_into_gamut(band_l[outside], band_a[outside], band_b[outside])
        rows, columns = np.nonzero(clipped)
        linear[rows[outside], columns[outside]] = np.clip(fitted, 0.0, 1.0)


def lab_to_srgb(lightness, ab, bits=8):
    """Full-resolution L (HxW) and a, b (HxWx2, Lab units) to an sRGB photo (HxWx3), uint8 or (bits=16) uint16.

    In-gamut colours get OpenCV's conversion (scikit-image's to a level). A colour outside
    sRGB loses chroma until it fits, keeping its L and hue (lab2rgb clips RGB, which
    changes L). Works in bands of rows spread over the CPU cores, so a 24 MP photo needs
    little extra memory and a 1 MP photo takes about 20 ms.
    """
    if bits not in (8, 16):
        raise ValueError(f"bits must be 8 or 16, not {bits}")
    lightness = np.asarray(lightness, dtype=np.float32)
    ab = np.asarray(ab, dtype=np.float32)
    if lightness.shape != ab.shape[:2] or ab.ndim != 3 or ab.shape[2] != 2:
        raise ValueError(f"L of shape {lightness.shape} and ab of shape {ab.shape} do not match")
    out = np.empty(lightness.shape + (3,), dtype=np.uint8 if bits == 8 else np.uint16)

    def convert_band(top):
        rows = slice(top, top + _ROWS_PER_CHUNK)
        band_lab = np.concatenate([lightness[rows, :, None], ab[rows]], axis=2)
        linear = cv2.cvtColor(band_lab, cv2.COLOR_Lab2LRGB)  # clipped to [0, 1]
        _map_clipped_into_gamut(band_lab, linear)
        if bits == 16:
            out[rows] = np.round(_linear_to_srgb(linear) * 65535.0).astype(np.uint16)
            return
        linear *= _TABLE_STEPS
        out[rows] = _BYTE_OF_LINEAR[(linear + 0.5).astype(np.uint16)]

    list(_band_pool().map(convert_band, range(0, lightness.shape[0], _ROWS_PER_CHUNK)))
    return out


@functools.cache
def _band_pool():
    """Threads for row bands: numpy releases the GIL, so bands convert in parallel."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="lab")
