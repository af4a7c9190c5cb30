"""Strokes kept to the things they were painted on.

`spreading.spread_hints` carries a stroke's colour as far as lightness and texture stay alike, on
the model's coarse grid; where two things share a gray (two caps, a dog on dry grass) it carries
it onto both. So the spread colour is then kept to the things painted on: the photo's L cut into
regions finer than things (`PhotoRegions.things`), and

- a region the stroke lies in takes the spread colour whole, and, when it is small beside the
  strokes, their own colour outright where its lightness is theirs (a cap, a roof);
- any other region takes the spread colour only as far as it is alike to the painted ones, in
  mean lightness (ALIKE_LIGHTNESS) and in texture (ALIKE_TEXTURE): the rest of a dress in
  another fold, not the wall behind it.

All at the regions' working size: a few bincounts per render, no model.
"""

import numpy as np
from scipy.ndimage import gaussian_filter

from ..colour import lab
from ..colour.regions import PhotoRegions, region_means
from .spreading import Spreading, spread_hints
from .strokes import hint_sums, map_of_sums

PAINTED_SHARE = 0.1  # a region holding this share of a colour's stroke pixels was painted on (less: a brush's rim)
ALIKE_LIGHTNESS = 10.0  # mean L difference (L units) at which an unpainted region takes e^-1/2 of the spread colour
ALIKE_TEXTURE = 4.0  # likewise for the difference of L's spread within regions (texture)
FILL = 50.0  # a painted region up to FILL times its strokes' area takes their colour outright (gradually beyond)
FILL_LIGHTNESS = 8.0  # ...where its L is within this (plus the strokes' own spread of L) of the strokes' L
FEATHER = 6.0  # pixels (at the regions' size) over which these weights change from region to region


def read_painted(hints, photo_size, grid: int, regions: PhotoRegions | None):
    """(the model's hint map, grid x grid x 3; the strokes over the regions' pixels for `keep_to_painted`, or None
    without regions), from one reading of `hints` (anything `strokes.read_hints` takes) for a photo of `photo_size`."""
    shapes = [(grid, grid)] + ([regions.labels.shape] if regions is not None else [])
    sums = hint_sums(hints, photo_size, *shapes)
    return map_of_sums(*sums[0], grid), ((*sums[1], photo_size) if regions is not None else None)


def painted_colour(
    ab: np.ndarray, lightness: np.ndarray, hint_map: np.ndarray, spreading: Spreading, regions: PhotoRegions | None, painted,
) -> np.ndarray:
    """The colour `ab` with the hints spread along edges (`spreading.spread_hints`, with `lightness`, `hint_map` and
    `spreading`), then kept to the things `painted` on (`keep_to_painted`) where `ab` is at the `regions`' size."""
    spread = spread_hints(ab, lightness, hint_map, spreading)
    if not spreading.keep_to_things or painted is None or ab.shape[:2] != regions.labels.shape:
        return spread
    return keep_to_painted(ab, spread, regions, painted)


def keep_to_painted(ab: np.ndarray, spread: np.ndarray, regions: PhotoRegions, painted) -> np.ndarray:
    """The colour `spread` (hints spread over `ab`), its change kept to the things the hints were painted on.

    Parameters
    ----------
    ab, spread : (h, w, 2) float arrays
        The colour before and after the hints were spread, a and b / AB_SCALE, at the regions' size.
    regions : PhotoRegions
        The photo's regions; their `things` are what strokes are kept to.
    painted : (counts, sums, photo_size)
        The strokes over the regions' pixels (`read_painted`): how many of the photo's painted pixels fall in
        each, (h, w), the sums of their a and b, (2, h, w), and the photo's (width, height).

    Returns
    -------
    (h, w, 2) float32 array.
    """
    things, lightness = regions.things, regions.lightness
    count = int(things.max()) + 1
    counts, sums, photo_size = painted
    if not counts.any():
        return spread
    painted = _painted_regions(things, count, counts, sums)
    sizes = np.bincount(things.ravel(), minlength=count)
    mean, mean_square = region_means(things, count, lightness, lightness**2)
    texture = np.sqrt(np.maximum(mean_square - mean**2, 0))
    region_counts = np.bincount(things.ravel(), counts.ravel(), minlength=count)  # photo pixels painted in each
    weights = region_counts[painted]
    alike = np.exp(
        -((mean - np.average(mean[painted], weights=weights)) ** 2) / (2 * ALIKE_LIGHTNESS**2)
        - ((texture - np.average(texture[painted], weights=weights)) ** 2) / (2 * ALIKE_TEXTURE**2)
    )
    alike[painted] = 1.0
    correction = (spread - ab) * _softened(alike[things])[..., None]

    stroke_mean = np.average(lightness, weights=counts)
    stroke_spread = np.sqrt(np.average((lightness - stroke_mean) ** 2, weights=counts))
    near_stroke = np.exp(-((lightness - stroke_mean) ** 2) / (2 * (FILL_LIGHTNESS + stroke_spread) ** 2))
    stroke_area = counts.sum() * things.size / (photo_size[0] * photo_size[1])  # in the regions' pixels
    fill = np.where(painted, np.clip(FILL * stroke_area / np.maximum(sizes, 1), 0, 1), 0)[things] * near_stroke
    fill = _softened(fill) * painted[things]  # faded to the spread colour towards its edges, not beyond them
    stroke_ab = np.stack([np.bincount(things.ravel(), sums[channel].ravel(), minlength=count) for channel in (0, 1)], -1)
    stroke_ab = lab.normalize_ab(stroke_ab / np.maximum(region_counts, 1)[:, None])[things]
    correction = fill[..., None] * (stroke_ab - ab) + (1 - fill[..., None]) * correction
    return (ab + correction).astype(np.float32)


def _softened(weights):
    """A per-pixel weight blurred over FEATHER pixels: no hard step of colour where two regions meet inside one thing."""
    return gaussian_filter(weights.astype(np.float32), FEATHER) if FEATHER else weights


def _painted_regions(things, count, counts, sums):
    """Which regions were painted on: for each colour painted, the regions holding PAINTED_SHARE of its pixels (at least one)."""
    cells = counts > 0
    colours = np.round(np.stack([sums[0][cells], sums[1][cells]], -1) / counts[cells][:, None] / 2)  # 2 Lab units apart
    _, group = np.unique(colours, axis=0, return_inverse=True)
    painted = np.zeros(count, bool)
    labels, pixels = things[cells], counts[cells]
    for colour in range(group.max() + 1):
        mine = group.ravel() == colour
        per_region = np.bincount(labels[mine], pixels[mine], minlength=count)
        painted |= per_region >= min(PAINTED_SHARE * per_region.sum(), per_region.max())  # a colour spread thin: its largest
    return painted
