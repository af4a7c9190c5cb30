"""What viewers notice in a colorized photo, measured: how much colour, colour on neutral things,
greens kept green, colour along the frame's edges, blotches.

Pure functions of Lab images (H x W x 3, as `lab.rgb_to_lab` gives them). Each returns NaN
where it has nothing to measure (no neutral pixels, too few green ones), so that a set's mean
leaves such photos out. `mean_chroma` alone takes an sRGB photo: how colourful it is at all
(training drops near-gray photos by it; the load test checks results with it).
"""

import numpy as np
from PIL import Image
from skimage.segmentation import felzenszwalb

from . import lab
from .regions import region_means, working_size
from .resize import resize_channels

NEUTRAL_CHROMA = 5.0  # the truth's C* below which a pixel is white, gray or black
GREEN_CHROMA = 15.0  # the truth's C* from which a pixel counts as clearly coloured
GREEN_HUES = (100.0, 170.0)  # hue angles (degrees) of greens, from yellow-green to blue-green
SHOWN_CHROMA = 8.0  # an output C* from which its colour counts as shown
HUE_TOLERANCE = 40.0  # degrees between the output's hue and the truth's that still count as the same colour
MIN_GREEN_PIXELS = 500  # photos with fewer green pixels say little about greens
BORDER_SHARE = 0.03  # the frame's band: this share of the short side
BLOTCH_SIDE = 256  # the long side at which blotches are measured
EVEN_SPREAD = 4.0  # the truth's a/b spread (RMS, Lab units) inside a region below which it is one even colour
TRUTH_SEGMENT_SCALE = 40.0  # Felzenszwalb's scale on the truth's Lab: regions of one colour and lightness
MIN_EVEN_SHARE = 0.002  # the smallest region that counts, as a share of the pixels


def chroma(lab_image: np.ndarray) -> np.ndarray:
    """C* = sqrt(a^2 + b^2) of each pixel, H x W."""
    return np.hypot(lab_image[..., 1], lab_image[..., 2])


def hue(lab_image: np.ndarray) -> np.ndarray:
    """The hue angle h of each pixel in degrees, 0..360, H x W."""
    return np.degrees(np.arctan2(lab_image[..., 2], lab_image[..., 1])) % 360


def false_colour(output_lab: np.ndarray, truth_lab: np.ndarray) -> float:
    """Mean output C* over the pixels the truth shows white, gray or black (C* < NEUTRAL_CHROMA); 0 for a gray output."""
    neutral = chroma(truth_lab) < NEUTRAL_CHROMA
    return float(chroma(output_lab)[neutral].mean()) if neutral.any() else float("nan")


def green_recall(output_lab: np.ndarray, truth_lab: np.ndarray) -> float:
    """Of the pixels the truth shows green (C* >= GREEN_CHROMA, hue within GREEN_HUES), the share the output shows
    green too (C* >= SHOWN_CHROMA, hue within HUE_TOLERANCE of the truth's); NaN below MIN_GREEN_PIXELS of them."""
    truth_hue = hue(truth_lab)
    green = (chroma(truth_lab) >= GREEN_CHROMA) & (truth_hue >= GREEN_HUES[0]) & (truth_hue <= GREEN_HUES[1])
    if green.sum() < MIN_GREEN_PIXELS:
        return float("nan")
    difference = np.abs(hue(output_lab)[green] - truth_hue[green])
    same_hue = np.minimum(difference, 360 - difference) <= HUE_TOLERANCE
    return float(((chroma(output_lab)[green] >= SHOWN_CHROMA) & same_hue).mean())


def border_ratio(lab_image: np.ndarray) -> float:
    """Mean C* in a band of BORDER_SHARE of the short side along the four edges, over the mean C* inside it."""
    height, width = lab_image.shape[:2]
    band = max(1, round(BORDER_SHARE * min(height, width)))
    values = chroma(lab_image)
    inside = np.zeros((height, width), bool)
    inside[band:-band, band:-band] = True
    epsilon = 1e-6  # a gray image (0 / 0) has the ratio 1, like any evenly coloured one
    return float((values[~inside].mean() + epsilon) / (values[inside].mean() + epsilon))


def border_excess(output_lab: np.ndarray, truth_lab: np.ndarray) -> float:
    """How much more the output's colour gathers along the frame's edges than the truth's: the difference of their `border_ratio`."""
    return border_ratio(output_lab) - border_ratio(truth_lab)


def blotchiness(output_lab: np.ndarray, truth_lab: np.ndarray) -> float:
    """How much the output's colour changes inside things the truth shows in one even colour: blotches.

    The truth (at BLOTCH_SIDE) is cut into regions of alike colour and lightness (Felzenszwalb on its Lab);
    those whose a/b spread (RMS about their mean) stays under EVEN_SPREAD are one even colour (a sky, a
    wall, a cap). The measure is the output's a/b spread inside them, RMS over their pixels, Lab units:
    0 for an even tint, whatever its hue, or for gray; a red patch in a gray sky raises it. NaN where
    the truth has no such region.
    """
    size = working_size(truth_lab.shape[:2], BLOTCH_SIDE)
    truth, output = resize_channels(truth_lab, size), resize_channels(output_lab[..., 1:], size)
    labels = felzenszwalb(truth, scale=TRUTH_SEGMENT_SCALE, sigma=0.8, min_size=max(1, round(MIN_EVEN_SHARE * size[0] * size[1])))
    count, pixels = int(labels.max()) + 1, np.bincount(labels.ravel())
    truth_a, truth_b, output_a, output_b = truth[..., 1], truth[..., 2], output[..., 0], output[..., 1]
    means = region_means(labels, count, truth_a, truth_b, truth_a**2 + truth_b**2, output_a, output_b, output_a**2 + output_b**2)
    truth_spread = means[2] - means[0] ** 2 - means[1] ** 2
    output_spread = np.maximum(means[5] - means[3] ** 2 - means[4] ** 2, 0)
    even = (truth_spread < EVEN_SPREAD**2) & (pixels >= MIN_EVEN_SHARE * labels.size)
    if not even.any():
        return float("nan")
    return float(np.sqrt(np.average(output_spread[even], weights=pixels[even])))


def viewer_measures(output_lab: np.ndarray, truth_lab: np.ndarray) -> dict:
    """The per-photo values a set's viewer measures are made of ("chroma" and "truth_chroma" give the chroma ratio)."""
    return {
        "chroma": float(chroma(output_lab).mean()),
        "truth_chroma": float(chroma(truth_lab).mean()),
        "false_colour": false_colour(output_lab, truth_lab),
        "green_recall": green_recall(output_lab, truth_lab),
        "border_excess": border_excess(output_lab, truth_lab),
        "blotchiness": blotchiness(output_lab, truth_lab),
    }


def mean_chroma(rgb: np.ndarray) -> float:
    """Mean of sqrt(a^2 + b^2) over a small copy of an sRGB photo (H x W x 3, uint8): how colourful it is at all."""
    small = np.asarray(Image.fromarray(rgb).resize((64, 64), Image.BILINEAR))
    ab = lab.rgb_to_lab(small)[..., 1:]
    return float(np.hypot(ab[..., 0], ab[..., 1]).mean())
