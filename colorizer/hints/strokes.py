"""Colour hints: a user's strokes of colour, in the form the model takes them.

A hint says "this pixel is this colour". The model sees hints on its S/4 grid as three
channels: a and b (divided by AB_SCALE) averaged over the hinted pixels of each cell, and a
mask that is 1 where a cell holds a hint (Zhang et al. 2017, "Real-Time User-Guided Image
Colorization with Learned Deep Priors"). A user gives hints as an RGBA image the size of the
photo (transparent: no hint; a colour's lightness is ignored, its a and b are the hint) or as a
list of (x, y, colour) points. Training and evaluation sample hints from the truth (`simulated.py`).
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..colour import lab
from ..colour.images import ImageError, image_size, open_image

HINT_CHANNELS = 3  # a, b, mask
HINT_OPACITY = 128  # a pixel at least half opaque is a hint; a soft brush's rim is not (page and API alike)
HINT_BAND_ROWS = 64  # rows of a hints image converted at once: the Lab arrays of a band stay small


@dataclass(frozen=True)
class Hints:
    """Hinted pixels of a photo: their columns `x`, rows `y` (int arrays, N) and colours `ab` (N x 2, Lab units)."""

    x: np.ndarray
    y: np.ndarray
    ab: np.ndarray

    def __len__(self):
        return len(self.x)


def read_hints(hints, size):
    """`hints` for a photo of `size` (width, height): None, an RGBA image or a list of (x, y, colour).

    The image may be a path, bytes, a PIL image or an H x W x 4 array; its pixels less than half opaque
    are not hints. `Hints` (a simulated user's) pass as they are. A colour is (r, g, b) with 0..255 values or "#rrggbb". Returns `Hints`, or
    None for no hints; anything else is an `ImageError` saying what is wrong.
    """
    if hints is None or isinstance(hints, Hints):
        return hints
    if isinstance(hints, (list, tuple)):
        return _hints_from_points(hints, size)
    pixels = _hint_pixels(hints, size)
    y, x = np.nonzero(pixels[:, :, 3] >= HINT_OPACITY)
    if len(x) == 0:
        return None
    return Hints(x, y, lab.rgb_to_lab(pixels[y, x, :3][None])[0, :, 1:].astype(np.float32))


def _hint_pixels(hints, size):
    """An RGBA hints image (path, bytes, file, PIL image or array) as H x W x 4 uint8, the photo's `size`;
    a file's size is checked from its header, before it is decoded."""
    try:
        if not isinstance(hints, (np.ndarray, Image.Image)):
            width, height = image_size(hints)
            if (width, height) != tuple(size):
                raise ImageError(f"the image is {width}x{height}, the photo {size[0]}x{size[1]}")
        pixels = np.asarray(hints) if isinstance(hints, np.ndarray) else _rgba_pixels(open_image(hints))
    except ImageError as error:
        raise ImageError(f"hints: {error}") from None
    if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
        raise ImageError(f"hints: an RGBA image (H x W x 4, 8 bits) is needed, not {pixels.shape} {pixels.dtype}")
    if (pixels.shape[1], pixels.shape[0]) != tuple(size):
        raise ImageError(f"hints: the image is {pixels.shape[1]}x{pixels.shape[0]}, the photo {size[0]}x{size[1]}")
    return pixels


def _rgba_pixels(image):
    """An image's pixels as RGBA, H x W x 4 uint8, with no more copies than needed."""
    return np.asarray(image if image.mode == "RGBA" else image.convert("RGBA"))


def photo_hint_map(hints, size, grid):
    """`hint_map` of anything `read_hints` takes, for a photo of `size`; an image of hints is read in bands of rows,
    so that a photo's worth of hints (a 49 MP image painted all over) needs no per-pixel lists or Lab arrays."""
    [(counts, sums)] = hint_sums(hints, size, (grid, grid))
    return map_of_sums(counts, sums, grid)


def hint_sums(hints, size, *shapes):
    """For each (rows, columns) grid in `shapes` over a photo of `size`: how many hinted pixels fall in each cell, and
    the sums of their a and b (Lab units): a list of ((rows, columns), (2, rows, columns)) float arrays, from one
    reading of `hints` (anything `read_hints` takes; an image is read in bands, as in `photo_hint_map`)."""
    width, height = size
    totals = [(np.zeros(rows * columns), np.zeros((2, rows * columns))) for rows, columns in shapes]

    def add(x, y, ab):
        for (rows, columns), (counts, sums) in zip(shapes, totals):
            cells = (y * rows // height) * columns + x * columns // width
            counts += np.bincount(cells, minlength=rows * columns)
            for channel in (0, 1):
                sums[channel] += np.bincount(cells, weights=ab[:, channel], minlength=rows * columns)

    if hints is None or isinstance(hints, (Hints, list, tuple)):
        read = read_hints(hints, size)
        if read is not None:
            add(np.asarray(read.x), np.asarray(read.y), read.ab)
    else:
        pixels = _hint_pixels(hints, size)
        for top in range(0, height, HINT_BAND_ROWS):
            band = pixels[top : top + HINT_BAND_ROWS]
            y, x = np.nonzero(band[:, :, 3] >= HINT_OPACITY)
            if len(x):
                add(x, y + top, lab.rgb_to_lab(band[y, x, :3][None])[0, :, 1:])
    return [(counts.reshape(shape), sums.reshape(2, *shape)) for shape, (counts, sums) in zip(shapes, totals)]


def _hints_from_points(points, size):
    width, height = size
    xs, ys, colours = [], [], []
    for point in points:
        try:
            x, y, colour = point
        except (TypeError, ValueError):
            raise ImageError(f"hints: a point is (x, y, colour), not {point!r}") from None
        if not (isinstance(x, (int, np.integer)) and isinstance(y, (int, np.integer)) and 0 <= x < width and 0 <= y < height):
            raise ImageError(f"hints: the point ({x}, {y}) is not a pixel of the {width}x{height} photo")
        xs.append(int(x))
        ys.append(int(y))
        colours.append(parse_colour(colour))
    if not xs:
        return None
    rgb = np.array(colours, dtype=np.uint8)[None]
    return Hints(np.array(xs), np.array(ys), lab.rgb_to_lab(rgb)[0, :, 1:].astype(np.float32))


def parse_colour(colour):
    """(r, g, b) with 0..255 integers, or "#rrggbb": the sRGB colour as a tuple of three ints."""
    if isinstance(colour, str):
        text = colour.strip().removeprefix("#")
        if len(text) != 6 or any(character not in "0123456789abcdefABCDEF" for character in text):
            raise ImageError(f"hints: {colour!r} is not a colour; give '#rrggbb' or (r, g, b)")
        return tuple(int(text[index : index + 2], 16) for index in (0, 2, 4))
    try:
        values = tuple(colour)
    except TypeError:
        raise ImageError(f"hints: {colour!r} is not a colour; give '#rrggbb' or (r, g, b)") from None
    if len(values) != 3 or not all(isinstance(value, (int, np.integer)) and 0 <= value <= 255 for value in values):
        raise ImageError(f"hints: {colour!r} is not an sRGB colour: three integers from 0 to 255 are needed")
    return values


def hint_map(hints, size, grid):
    """The model's hint input for a photo of `size` (width, height): grid x grid x 3 (a, b / AB_SCALE and mask).

    Each hinted pixel falls in the cell its position maps to (the photo is resized to the
    model's square input, so the mapping is per axis); a cell's ab is the mean of its hints.
    """
    return photo_hint_map(hints, size, grid)  # the same cells and means, counted by `hint_sums`


def map_of_sums(counts, sums, grid):
    """The hint map from each cell's count of hinted pixels and the sums of their a and b (Lab units), as `hint_sums` gives them."""
    counts, sums = np.ravel(counts), np.reshape(sums, (2, -1))
    result = np.zeros((grid, grid, HINT_CHANNELS), np.float32)
    for channel in (0, 1):
        result[..., channel] = lab.normalize_ab(sums[channel] / np.maximum(counts, 1)).reshape(grid, grid)
    result[..., 2] = (counts > 0).reshape(grid, grid)
    return result
