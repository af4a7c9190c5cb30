"""Spreading hints: a hinted cell takes its colour, the colour fills its region and stops at edges."""

import numpy as np

from colorizer.hints.spreading import Spreading, spread_hints

SIZE, GRID = 64, 16  # a model input of 64 and its S/4 hint grid


def hint_at(row, column, ab):
    hints = np.zeros((GRID, GRID, 3), np.float32)
    hints[row, column] = (*ab, 1.0)
    return hints


def at_cell(ab, row, column):
    """The mean of `ab` (S x S x 2) over one hint-grid cell."""
    cell = SIZE // GRID
    return ab[row * cell : (row + 1) * cell, column * cell : (column + 1) * cell].reshape(-1, 2).mean(axis=0)


def test_no_hints_leave_the_models_colours_as_they_are():
    ab = np.random.default_rng(0).uniform(-0.3, 0.3, (SIZE, SIZE, 2)).astype(np.float32)
    assert spread_hints(ab, np.full((SIZE, SIZE), 50.0), np.zeros((GRID, GRID, 3), np.float32)) is ab


def test_a_hinted_cell_takes_its_hint_and_its_flat_surroundings_follow_fading():
    ab = np.full((SIZE, SIZE, 2), 0.05, np.float32)
    result = spread_hints(ab, np.full((SIZE, SIZE), 50.0), hint_at(8, 2, (0.4, -0.3)))
    moved = (at_cell(result, 8, 2) - 0.05) / (np.array([0.4, -0.3]) - 0.05)
    assert np.all(moved > 0.8)  # (the rest: the cell's edges blend with its neighbours when upsampled)
    shifts = [at_cell(result, 8, column)[0] - 0.05 for column in (4, 8, 15)]
    assert shifts[0] > shifts[1] > shifts[2] > 0.02  # fading with distance, still felt across the photo


def test_a_hint_stays_on_its_side_of_an_edge():
    lightness = np.full((SIZE, SIZE), 25.0)
    lightness[:, SIZE // 2 :] = 75.0  # a dark left half, a light right half
    ab = np.zeros((SIZE, SIZE, 2), np.float32)
    result = spread_hints(ab, lightness, hint_at(8, 1, (0.5, 0.2)))
    assert at_cell(result, 8, 6)[0] > 0.1  # the dark half takes the colour, fading...
    assert np.abs(result[:, SIZE // 2 + 4 :]).max() < 0.01  # ...the light half keeps the model's


def test_the_correction_is_what_the_model_missed():
    ab = np.zeros((SIZE, SIZE, 2), np.float32)
    ab[..., 0] = 0.4  # the model already said this colour: a hint of it changes nothing
    result = spread_hints(ab, np.full((SIZE, SIZE), 50.0), hint_at(3, 3, (0.4, 0.0)))
    assert np.allclose(result, ab, atol=1e-4)


def test_a_hint_on_texture_stops_where_a_smooth_thing_of_the_same_gray_begins():
    """Grass beside a helmet of the same mean lightness: no edge in L, but the texture changes."""
    rng = np.random.default_rng(0)
    lightness = np.full((SIZE, SIZE), 50.0)
    lightness[:, : SIZE // 2] += rng.choice([-12.0, 12.0], (SIZE, SIZE // 2))  # textured left half, same mean
    ab = np.zeros((SIZE, SIZE, 2), np.float32)
    hints = hint_at(8, 2, (0.5, 0.2))
    with_texture = spread_hints(ab, lightness, hints)
    lightness_only = spread_hints(ab, lightness, hints, Spreading(texture_sigma=None))
    far_side = (slice(None), slice(SIZE // 2 + 8, None))  # the smooth half, away from the boundary
    assert np.abs(with_texture[far_side]).mean() < 0.5 * np.abs(lightness_only[far_side]).mean()
    assert at_cell(with_texture, 8, 5)[0] > 0.15  # the textured region itself still takes the colour (0.5 at the hint)


def test_a_stroke_is_kept_to_the_thing_it_was_painted_on():
    """Two boxes side by side, a light one fading into a darker one, on a dark ground: a stroke on the light box colours
    it whole, and the darker box far less than the spreading alone did (on the model's coarse grid, step by small
    step of lightness, it carried the colour across the fade), the ground not at all."""
    from PIL import Image

    from colorizer.colour.regions import find_regions
    from colorizer.hints.objects import painted_colour, read_painted
    from colorizer.hints.spreading import DEFAULT_SPREADING

    lightness = np.full((128, 256), 15.0, np.float32)
    lightness[32:96, 24:232] = 45.0
    lightness[32:96, 24:100] = 70.0
    lightness[32:96, 100:164] = np.linspace(70.0, 45.0, 64)  # the fade between the two boxes
    regions = find_regions(lightness)
    ab = np.zeros((*regions.labels.shape, 2), np.float32)
    model_lightness = np.asarray(Image.fromarray(lightness).resize((64, 64), Image.BILINEAR))
    hints = [(x, y, "#c0392b") for x in range(50, 70) for y in range(60, 66)]  # a short red stroke on the left square
    hint_map, painted = read_painted(hints, (256, 128), 16, regions)
    kept = painted_colour(ab, model_lightness, hint_map, DEFAULT_SPREADING, regions, painted)
    spread = painted_colour(ab, model_lightness, hint_map, Spreading(keep_to_things=False), regions, painted)
    scale = regions.labels.shape[1] / 256
    rows = slice(round(40 * scale), round(88 * scale))
    left, right = (rows, slice(round(32 * scale), round(92 * scale))), (rows, slice(round(176 * scale), round(224 * scale)))
    ground = (slice(0, round(20 * scale)), slice(None))
    chroma = lambda colour, where: np.hypot(*colour[where].reshape(-1, 2).T).mean()
    assert chroma(kept, left) > 0.3  # the left square is red all over (a and b / AB_SCALE)
    assert chroma(kept, right) < 0.3 * chroma(spread, right) and chroma(spread, right) > 0.1  # carried across the fade
    assert chroma(kept, ground) < 0.01
