"""One colour per thing: regions of the gray photo, the model's colour made even inside them, and the blotch measure."""

import numpy as np

from colorizer.colour.images import Photo
from colorizer.colour.lab import AB_SCALE
from colorizer.colour.measures import blotchiness
from colorizer.colour.processor import ImageProcessor
from colorizer.colour.regions import RegionColour, even_colour, find_regions

SIDE = 256
RED, YELLOW = np.array([0.35, 0.2], np.float32), np.array([0.0, 0.45], np.float32)  # a and b / AB_SCALE


def shape_masks(side):
    """A square and a disc on a background: the three things of `shapes_photo`, as masks."""
    rows, columns = np.mgrid[:side, :side]
    square = (rows >= side // 8) & (rows < side // 2) & (columns >= side // 8) & (columns < side // 2)
    disc = (rows - side * 0.7) ** 2 + (columns - side * 0.7) ** 2 < (side * 0.2) ** 2
    return square, disc, ~(square | disc)


def shapes_photo(side):
    """The gray photo (L, side x side): a light square and a dark disc on a mid-gray wall, each flat."""
    square, disc, _ = shape_masks(side)
    return np.where(square, 85.0, np.where(disc, 25.0, 55.0)).astype(np.float32)


def inner(mask, margin):
    """`mask` without the pixels within `margin` of its outline."""
    kept = mask.copy()
    for shift, axis in ((margin, 0), (-margin, 0), (margin, 1), (-margin, 1)):
        kept &= np.roll(mask, shift, axis)
    return kept


def model_colour_with_two_hues_in_the_square():
    """What a blotchy model gives: the square red with a yellow patch over a third of it, the rest gray."""
    ab = np.zeros((SIDE, SIDE, 2), np.float32)
    square, _, _ = shape_masks(SIDE)
    ab[square] = RED
    patch = square.copy()
    patch[:, : SIDE * 2 // 5] = False
    patch[: SIDE * 9 // 20] = False
    ab[patch] = YELLOW
    return ab


def test_a_shape_gets_one_colour_and_keeps_its_edges():
    lightness = shapes_photo(SIDE)
    settings = RegionColour(agreement_power=1.0, gain=1.0)  # the plain mean: one decision, easy to predict
    evened = even_colour(model_colour_with_two_hues_in_the_square(), find_regions(lightness, settings), settings)
    square, disc, background = shape_masks(SIDE)
    inside = evened[inner(square, 3)]
    assert np.ptp(inside, axis=0).max() < 1e-3  # one colour, where the model had two
    assert inside[:, 0].mean() > 0.1 and inside[:, 1].mean() > 0.05  # red and yellow, mixed: an orange red
    assert np.abs(evened[inner(background, 3)]).max() < 0.01  # the gray wall stays gray (within a Lab unit) up to the outline
    assert np.abs(evened[disc]).max() < 1e-3


def test_colour_goes_where_the_model_disagrees_with_itself_and_stays_where_it_agrees():
    lightness = shapes_photo(SIDE)
    ab = model_colour_with_two_hues_in_the_square()
    square, disc, _ = shape_masks(SIDE)
    green = np.array([-0.3, 0.25], np.float32)
    ab[disc] = -np.array(RED)  # the disc: half red, half its opposite (cyan): no agreement
    ab[disc & (np.arange(SIDE)[None, :] < SIDE * 3 // 4)] = RED
    ab[square] = green  # the square: one green, sure
    settings = RegionColour(gain=1.3)
    evened = even_colour(ab, find_regions(lightness, settings), settings)
    assert np.allclose(evened[inner(square, 4)], green * 1.3, atol=1e-3)  # full colour, and the gain
    assert np.hypot(*evened[inner(disc, 4)].T).max() < 0.02  # hues that cancel: nearly gray, not a muddy mix


def test_two_shapes_of_the_same_gray_are_two_regions_where_an_outline_parts_them():
    lightness = np.full((SIDE, SIDE), 60.0, np.float32)
    lightness[:, SIDE // 2 - 1 : SIDE // 2 + 1] = 20.0  # a thin dark outline between two halves of one gray
    regions = find_regions(lightness)
    left, right = regions.labels[SIDE // 2, SIDE // 4], regions.labels[SIDE // 2, SIDE * 3 // 4]
    assert left != right
    assert (regions.labels[:, : SIDE // 2 - 4] == left).all() and (regions.labels[:, SIDE // 2 + 4 :] == right).all()


def test_texture_that_follows_lightness_keeps_its_variation():
    rng = np.random.default_rng(0)
    lightness = np.clip(50 + 6 * rng.standard_normal((SIDE, SIDE)), 0, 100).astype(np.float32)  # foliage: one textured region
    ab = np.stack([-0.2 + 0.01 * (lightness - 50), 0.2 + 0.005 * (lightness - 50)], axis=-1).astype(np.float32)
    settings = RegionColour(gain=1.0)
    regions = find_regions(lightness, settings)
    evened = even_colour(ab, regions, settings)
    darker, lighter = regions.lightness < 45, regions.lightness > 55
    assert evened[..., 0][lighter].mean() - evened[..., 0][darker].mean() > 0.08  # lighter leaves stay yellower


def test_a_photo_smaller_than_the_working_size_is_not_enlarged():
    regions = find_regions(np.full((30, 50), 50.0, np.float32))
    assert regions.labels.shape == (30, 50) and regions.size == (50, 30) and regions.count == 1


def test_strength_zero_stays_exactly_gray_after_evening():
    lightness = shapes_photo(SIDE)
    processor = ImageProcessor(SIDE)
    evened = even_colour(model_colour_with_two_hues_in_the_square(), find_regions(lightness))
    pixels = processor.postprocess(Photo(lightness), evened, chroma_gain=0.0)
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()


def test_the_blotch_measure_ranks_a_blotchy_output_worse_than_an_even_tint():
    lightness = shapes_photo(SIDE)
    truth = np.dstack([lightness, np.zeros((SIDE, SIDE, 2), np.float32)])  # a gray wall, a white square, a dark disc
    blotchy = np.dstack([lightness, model_colour_with_two_hues_in_the_square() * AB_SCALE])
    tinted = np.dstack([lightness, np.broadcast_to(np.array([12.0, 20.0], np.float32), (SIDE, SIDE, 2))])  # even, wrong
    assert blotchiness(truth, truth) == 0
    assert blotchiness(tinted, truth) < 0.01
    assert blotchiness(blotchy, truth) > 2  # Lab units over the whole photo: the patch covers a tenth of it
