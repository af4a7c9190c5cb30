"""One colour per thing: the model's a and b made even within the regions of the gray photo.

A colorizer's colour that stops in the middle of a thing (a red patch in a gray sky, a green
smear on a white cap) gives a photo away at once, where an even but wrong tint does not. So the
photo's L is cut into regions once, when it is predicted (Felzenszwalb and Huttenlocher's graph
segmentation, 2004, at a working size), and each region gets one decision when it is rendered:

- its colour: the mean of the model's a and b inside it, plus the part that follows lightness
  (a least-squares slope of a and b on L, so foliage's lighter and darker leaves keep their
  difference, while a patch that changes colour where L does not is evened out);
- its amount: the region's mean chroma where the model agrees with itself, less where it does
  not: agreement is the length of the region's mean (a, b) over its mean chroma, 1 for one hue
  and near 0 for hues that cancel, and the colour is scaled by agreement ** AGREEMENT_POWER;
  times GAIN, the colour that evenness makes affordable.

Pure functions of numpy arrays; `render` stays model-free: a few bincounts at the working size.
"""

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image
from skimage.segmentation import felzenszwalb

from .resize import resize_channel, resize_channels

WORKING_SIDE = 512  # the long side (pixels) at which regions are found and the colour evened
SEGMENT_SCALE = 300.0  # Felzenszwalb's scale: larger, larger regions
SEGMENT_SIGMA = 0.8  # Gaussian smoothing of L (pixels) before segmenting
MIN_REGION_SHARE = 0.002  # the smallest region, as a share of the working image's pixels
AGREEMENT_POWER = 9.0  # how fast colour goes where the model's hues inside a region disagree
GAIN = 1.6  # chroma of the evened colour, times the model's: chosen by eye once blotches are gone
SLOPE_RIDGE = 4.0  # L^2 units added to a region's variance of L: a flat region gets no slope
THING_SCALE = 100.0  # Felzenszwalb's scale of the finer regions a user's strokes are kept to (`things`)
THING_SIDE = 256  # ...found at this long side (then enlarged to the regions' size): 6x faster than at 512, as good


@dataclass(frozen=True)
class RegionColour:
    """How the model's colour is made one per thing (`find_regions`, `even_colour`); the module's constants by default."""

    working_side: int = WORKING_SIDE
    scale: float = SEGMENT_SCALE
    sigma: float = SEGMENT_SIGMA
    min_region_share: float = MIN_REGION_SHARE
    agreement_power: float = AGREEMENT_POWER
    gain: float = GAIN


DEFAULT_REGION_COLOUR = RegionColour()


@dataclass(frozen=True)
class PhotoRegions:
    """A photo's regions at the working size: what `even_colour` needs, found once per photo.

    Attributes
    ----------
    labels : (h, w) int32 array
        The region of each pixel, 0 .. count - 1.
    lightness : (h, w) float32 array
        The photo's L (0..100) at the same size.
    """

    labels: np.ndarray
    lightness: np.ndarray

    @property
    def count(self) -> int:
        return int(self.labels.max()) + 1

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), as PIL and `resize_channels` take it."""
        return self.labels.shape[1], self.labels.shape[0]

    @functools.cached_property
    def things(self) -> np.ndarray:
        """Finer regions of the same L ((h, w) int32 labels, at THING_SCALE, found at THING_SIDE): the things a stroke
        of colour is kept to (`hints.objects`). Found on the first stroke, then kept with the regions."""
        small = resize_channel(self.lightness, working_size(self.lightness.shape, THING_SIDE))
        labels = segment(small, THING_SCALE, SEGMENT_SIGMA, MIN_REGION_SHARE)
        return np.asarray(Image.fromarray(labels).resize(self.size, Image.NEAREST)) if small.shape != self.labels.shape else labels


def working_size(shape: tuple[int, int], side: int) -> tuple[int, int]:
    """(width, height) of an image of `shape` (height, width) with its long side `side`, never enlarged."""
    height, width = shape
    factor = min(1.0, side / max(height, width))
    return max(1, round(width * factor)), max(1, round(height * factor))


def find_regions(lightness: np.ndarray, settings: RegionColour = DEFAULT_REGION_COLOUR) -> PhotoRegions:
    """The regions of a photo's L (H x W, 0..100): Felzenszwalb's segmentation at the working size.

    Regions follow the photo's edges; two things of the same gray with an outline between them are two regions.
    """
    small = resize_channel(np.asarray(lightness, np.float32), working_size(lightness.shape, settings.working_side))
    return PhotoRegions(segment(small, settings.scale, settings.sigma, settings.min_region_share), small)


def segment(lightness: np.ndarray, scale: float, sigma: float, min_region_share: float) -> np.ndarray:
    """Felzenszwalb's regions of an L image (0..100): (h, w) int32 labels, none smaller than `min_region_share` of it."""
    min_size = max(1, round(min_region_share * lightness.size))
    return felzenszwalb(lightness / 100.0, scale=scale, sigma=sigma, min_size=min_size, channel_axis=None).astype(np.int32)


def region_means(labels: np.ndarray, count: int, *values: np.ndarray) -> list[np.ndarray]:
    """The mean of each of `values` (arrays of the labels' shape) within each region: one array of `count` per value."""
    flat = labels.ravel()
    pixels = np.maximum(np.bincount(flat, minlength=count), 1)
    return [np.bincount(flat, np.asarray(value, np.float64).ravel(), minlength=count) / pixels for value in values]


def even_colour(ab: np.ndarray, regions: PhotoRegions, settings: RegionColour = DEFAULT_REGION_COLOUR) -> np.ndarray:
    """The model's a and b (any size x 2, normalised or not) made one decision per region, at the regions' size.

    Parameters
    ----------
    ab : (S, S, 2) float array
        The model's a and b; resized to the regions' size first.
    regions : PhotoRegions
        The photo's regions (`find_regions`).
    settings : RegionColour
        How strongly disagreement takes colour away, and the gain.

    Returns
    -------
    (h, w, 2) float32 array, in `ab`'s units: per region, (mean + slope x (L - mean L)) x gain x agreement ** power.
    """
    ab = resize_channels(np.asarray(ab, np.float32), regions.size)
    a, b, lightness, labels = ab[..., 0], ab[..., 1], regions.lightness, regions.labels
    mean_a, mean_b, mean_chroma, mean_l, mean_ll, mean_al, mean_bl = region_means(
        labels, regions.count, a, b, np.hypot(a, b), lightness, lightness * lightness, a * lightness, b * lightness
    )
    agreement = np.hypot(mean_a, mean_b) / np.maximum(mean_chroma, 1e-9)
    amount = settings.gain * np.minimum(agreement, 1.0) ** settings.agreement_power
    spread_of_l = mean_ll - mean_l**2 + SLOPE_RIDGE
    slope_a, slope_b = (mean_al - mean_a * mean_l) / spread_of_l, (mean_bl - mean_b * mean_l) / spread_of_l
    above_mean = lightness - mean_l[labels]
    evened_a = (mean_a[labels] + slope_a[labels] * above_mean) * amount[labels]
    evened_b = (mean_b[labels] + slope_b[labels] * above_mean) * amount[labels]
    return np.stack([evened_a, evened_b], axis=-1).astype(np.float32)
