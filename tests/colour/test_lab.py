import warnings

import numpy as np
import pytest
from skimage import color

from colorizer.colour import lab


@pytest.fixture(scope="module")
def all_kinds_of_rgb():
    rng = np.random.default_rng(0)
    corners = np.array([[r, g, b] for r in (0, 255) for g in (0, 255) for b in (0, 255)], dtype=np.uint8)
    pixels = np.concatenate([corners, rng.integers(0, 256, (20000, 3), dtype=np.uint8)])
    return pixels.reshape(1, -1, 3)


def test_rgb_lab_round_trip_is_within_one_level(all_kinds_of_rgb):
    back = lab.lab_to_rgb(lab.rgb_to_lab(all_kinds_of_rgb))
    assert np.abs(np.round(back * 255) - all_kinds_of_rgb).max() <= 1


def test_fast_lightness_equals_scikit_image(all_kinds_of_rgb):
    expected = color.rgb2lab(all_kinds_of_rgb)[..., 0]
    assert np.abs(lab.lightness(all_kinds_of_rgb) - expected).max() < 1e-3
    assert np.abs(lab.lightness(all_kinds_of_rgb / 255.0) - expected).max() < 1e-3


def test_gray_lightness_equals_replicated_rgb():
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    expected = color.rgb2lab(np.stack([gray] * 3, axis=-1))[..., 0]
    assert np.abs(lab.lightness(gray) - expected).max() < 1e-3
    assert lab.lightness(np.zeros((1, 1), np.uint8))[0, 0] == pytest.approx(0.0, abs=1e-4)
    assert lab.lightness(np.full((1, 1), 255, np.uint8))[0, 0] == pytest.approx(100.0, abs=1e-3)


def random_lab(count, seed):
    rng = np.random.default_rng(seed)
    lightness = rng.uniform(0, 100, (count, 1)).astype(np.float32)
    ab = rng.uniform(-128, 128, (count, 1, 2)).astype(np.float32)
    return lightness, ab


def test_fast_lab_to_srgb_matches_scikit_image_in_gamut():
    lightness, ab = random_lab(200_000, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-image warns about the out-of-gamut ones
        expected = color.lab2rgb(np.dstack([lightness, ab]).astype(np.float64))
    round_trip = color.rgb2lab(expected)  # equal to the input where the colour was in gamut
    in_gamut = np.abs(round_trip - np.dstack([lightness, ab])).max(axis=-1) < 0.01
    assert in_gamut.sum() > 10_000
    fast = lab.lab_to_srgb(lightness, ab)
    assert np.abs(fast[in_gamut].astype(int) - np.round(expected[in_gamut] * 255)).max() <= 1


def test_colours_outside_the_gamut_keep_their_lightness_and_hue():
    lightness, ab = random_lab(50_000, 2)
    result = lab.rgb_to_lab(lab.lab_to_srgb(lightness, ab))
    assert np.abs(result[..., 0] - lightness).max() < 0.6  # only the 8-bit rounding
    chroma_in, chroma_out = np.hypot(ab[..., 0], ab[..., 1]), np.hypot(result[..., 1], result[..., 2])
    vivid = chroma_out > 10
    hue_in = np.arctan2(ab[..., 1], ab[..., 0])[vivid]
    hue_out = np.arctan2(result[..., 2], result[..., 1])[vivid]
    assert np.abs(np.angle(np.exp(1j * (hue_in - hue_out)))).max() < 0.1  # radians
    assert (chroma_out <= chroma_in + 1.0).all()


def test_lab_to_srgb_works_in_bands_of_rows():
    lightness = np.linspace(0, 100, 700 * 3, dtype=np.float32).reshape(700, 3)  # more rows than one band
    ab = np.zeros((700, 3, 2), np.float32)
    rgb = lab.lab_to_srgb(lightness, ab)
    assert rgb.shape == (700, 3, 3)
    assert np.abs(rgb[..., 0].astype(int) - rgb[..., 2]).max() <= 1  # a = b = 0 is neutral gray
    assert rgb[0, 0, 0] == 0 and rgb[-1, -1, 0] == 255


def test_lab_to_srgb_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="do not match"):
        lab.lab_to_srgb(np.zeros((4, 5), np.float32), np.zeros((5, 4, 2), np.float32))


def test_ab_normalisation_maps_every_srgb_colour_into_minus_one_to_one(all_kinds_of_rgb):
    ab = lab.normalize_ab(lab.rgb_to_lab(all_kinds_of_rgb)[..., 1:])
    assert ab.min() >= -1 and ab.max() <= 1
    assert np.allclose(lab.denormalize_ab(ab), lab.rgb_to_lab(all_kinds_of_rgb)[..., 1:])
