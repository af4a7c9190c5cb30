"""How close one colorized photo comes to the truth: PSNR, SSIM, CIEDE2000, colourfulness, and what viewers notice.

Pure functions of sRGB photos (H x W x 3, uint8, the same size); the viewer's measures (chroma
ratio, false colour, green recall, border excess) are `colour.measures`'.
"""

import numpy as np
from skimage.color import deltaE_ciede2000
from skimage.metrics import structural_similarity

from ..colour import lab
from ..colour.measures import viewer_measures


def colourfulness(rgb):
    """Hasler and Suesstrunk's colourfulness, as in ../shared/data/README.md."""
    rgb = np.asarray(rgb, dtype=np.float64)
    rg = np.abs(rgb[..., 0] - rgb[..., 1])
    yb = np.abs((rgb[..., 0] + rgb[..., 1]) / 2 - rgb[..., 2])
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def psnr(truth, output, peak=255.0):
    """Peak signal-to-noise ratio in dB (RGB uint8: peak 255, as papers report it; L*: peak 100)."""
    mse = np.mean((np.asarray(truth, np.float64) - np.asarray(output, np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(peak**2 / mse))


def image_measures(truth, output, truth_lab=None):
    """Every measure of one output against its truth (both RGB uint8 of the same size); see `colour.measures` for the viewer's."""
    truth_lab = lab.rgb_to_lab(truth) if truth_lab is None else truth_lab
    output_lab = lab.rgb_to_lab(output)
    return {
        "psnr": psnr(truth, output),
        "ssim": float(structural_similarity(truth, output, channel_axis=2, data_range=255)),
        "ciede2000": float(deltaE_ciede2000(truth_lab, output_lab).mean()),
        "cf": colourfulness(output),
        "delta_cf": abs(colourfulness(output) - colourfulness(truth)),
        **viewer_measures(output_lab, truth_lab),
    }
