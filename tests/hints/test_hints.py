"""Colour hints: the formats a user gives them in, the errors bad hints get, the model input they become."""

import numpy as np
import pytest
from PIL import Image

from colorizer import Colorizer, ImageError, ModelConfig
from colorizer.app.loadtest import PeakMemory
from colorizer.colour.lab import AB_SCALE, rgb_to_lab
from colorizer.hints.simulated import patch_hints, sample_training_hints
from colorizer.hints.strokes import hint_map, parse_colour, read_hints
from colorizer.model.decoders import HintPooling
from colorizer.train.run import CachedSamples

from conftest import gradient_image, two_halves

RED = (220, 30, 40)
RED_AB = rgb_to_lab(np.array([[RED]], np.uint8))[0, 0, 1:]


def hint_config():
    return ModelConfig(input_size=32, encoder_weights=None, decoder="unet", hints=True)


@pytest.fixture(scope="module")
def hinted_colorizer():
    return Colorizer.untrained(hint_config())


def test_an_rgba_image_and_a_list_of_points_give_the_same_hints(tmp_path):
    canvas = np.zeros((30, 40, 4), np.uint8)
    canvas[10, 20] = (*RED, 255)
    canvas[5, 3] = (0, 0, 255, 255)
    Image.fromarray(canvas).save(tmp_path / "strokes.png")
    points = [(20, 10, "#dc1e28"), (3, 5, (0, 0, 255))]
    for given in (canvas, Image.fromarray(canvas), tmp_path / "strokes.png", points):
        hints = read_hints(given, (40, 30))
        assert sorted(zip(hints.x.tolist(), hints.y.tolist())) == [(3, 5), (20, 10)], type(given)
        red = hints.ab[(hints.x == 20) & (hints.y == 10)][0]
        assert np.allclose(red, RED_AB, atol=0.5)


def test_a_hints_lightness_is_ignored():
    dark, light = np.zeros((1, 1, 4), np.uint8), np.zeros((1, 1, 4), np.uint8)
    dark[0, 0], light[0, 0] = (120, 20, 20, 255), (250, 150, 150, 255)  # one hue, two lightnesses
    for canvas in (dark, light):
        ab = read_hints(canvas, (1, 1)).ab[0]
        assert ab[0] > 20 and abs(np.degrees(np.arctan2(ab[1], ab[0]))) < 40  # red, whatever its L


def test_transparent_or_no_hints_are_none():
    assert read_hints(None, (4, 4)) is None
    assert read_hints(np.zeros((4, 4, 4), np.uint8), (4, 4)) is None
    assert read_hints([], (4, 4)) is None
    assert hint_map(None, (4, 4), 8).sum() == 0


@pytest.mark.parametrize(
    ("hints", "message"),
    [
        (np.zeros((5, 5, 4), np.uint8), "the image is 5x5, the photo 40x30"),
        (b"not an image", "hints: .*not an image"),
        (np.zeros((30, 40, 3), np.uint8), "an RGBA image"),
        ([(2, 3, (300, 0, 0))], "not an sRGB colour"),
        ([(2, 3, "#12345")], "not a colour"),
        ([(40, 3, "#123456")], r"the point \(40, 3\) is not a pixel"),
        ([(1, 2)], r"a point is \(x, y, colour\)"),
    ],
)
def test_bad_hints_get_a_clear_error(hints, message):
    with pytest.raises(ImageError, match=message):
        read_hints(hints, (40, 30))


def test_each_hint_lands_in_its_cell_of_the_model_grid():
    hints = read_hints([(0, 0, RED), (39, 29, RED), (38, 28, (0, 0, 255))], (40, 30))
    grid = hint_map(hints, (40, 30), 8)
    assert grid.shape == (8, 8, 3)
    assert grid[..., 2].sum() == 2 and grid[0, 0, 2] == 1 and grid[7, 7, 2] == 1
    assert np.allclose(grid[0, 0, :2] * AB_SCALE, RED_AB, atol=0.5)
    blue_ab = rgb_to_lab(np.array([[[0, 0, 255]]], np.uint8))[0, 0, 1:]
    assert np.allclose(grid[7, 7, :2] * AB_SCALE, (RED_AB + blue_ab) / 2, atol=0.5)  # a cell's hints averaged


def test_a_simulated_user_reveals_the_truths_mean_colour_over_a_patch():
    ab = np.zeros((20, 20, 2), np.float32)
    ab[:, 10:] = (30, -20)
    hints = patch_hints(ab, [(15, 5)], patch=7)
    assert len(hints) == 49 and np.allclose(hints.ab, (30, -20))
    half = patch_hints(ab, [(10, 5)], patch=4)  # over the edge: half and half
    assert np.allclose(half.ab[0], (15, -10))


def test_training_hints_are_often_none_and_reproducible():
    ab = np.full((32, 32, 2), (25.0, 10.0), np.float32)
    maps = [sample_training_hints(ab, np.random.default_rng(seed), 8) for seed in range(200)]
    hinted = [grid for grid in maps if grid[..., 2].any()]
    assert 60 < len(hinted) < 140  # about half
    assert all(np.allclose(grid[grid[..., 2] > 0][:, :2] * AB_SCALE, (25, 10), atol=1e-4) for grid in hinted)
    features = {"x": np.zeros((10, 1), np.float16)}
    truth = np.full((10, 32, 32, 2), 20, np.int8)
    first = CachedSamples(features, truth, 5, seed=3, hint_grid=8)[1][0]["hints"]
    again = CachedSamples(features, truth, 5, seed=3, hint_grid=8)[1][0]["hints"]
    assert first.shape == (5, 8, 8, 3) and np.array_equal(first, again)


def test_a_model_that_takes_hints_uses_them_and_works_without(hinted_colorizer, tmp_path):
    photo = gradient_image(48, 36)
    plain = np.asarray(hinted_colorizer.colorize(photo))
    again = np.asarray(hinted_colorizer.colorize(photo, hints=[]))
    assert plain.shape == (36, 48, 3) and np.array_equal(plain, again)
    hinted = np.asarray(hinted_colorizer.colorize(photo, hints=[(10, 10, RED), (30, 20, "#00ff00")]))
    assert not np.array_equal(plain, hinted)  # the hints reach the decoder

    folder = hinted_colorizer.save(tmp_path / "hinted")
    loaded = Colorizer.from_pretrained(folder)
    assert loaded.trained_with_hints  # (its untrained encoder is drawn anew, so its colours differ from the original's)
    assert not np.array_equal(np.asarray(loaded.colorize(photo, hints=[(10, 10, RED)])), np.asarray(loaded.colorize(photo)))


def assert_hue(lab_pixels, colour, within=10):
    a, b = lab_pixels[..., 1:].reshape(-1, 2).mean(axis=0)
    target = rgb_to_lab(np.array([[colour]], np.uint8))[0, 0, 1:]
    assert abs(np.degrees(np.arctan2(b, a) - np.arctan2(target[1], target[0]))) < within and np.hypot(a, b) > 15


def test_a_model_trained_without_hints_takes_them_too(tiny_colorizer):
    """Its orange everywhere, but blue where the hints are and around them, up to the edge."""
    assert not tiny_colorizer.trained_with_hints
    photo = two_halves(80, 40)
    plain = rgb_to_lab(np.asarray(tiny_colorizer.colorize(photo)))
    hinted = rgb_to_lab(np.asarray(tiny_colorizer.colorize(photo, hints=[(x, y, (32, 96, 224)) for x in range(4, 12) for y in range(16, 24)])))
    assert_hue(hinted[16:24, 4:12], (32, 96, 224))
    assert np.abs(hinted[:, 46:] - plain[:, 46:]).max() < 1  # the light half keeps the model's colours


def test_hint_colours_parse_both_ways():
    assert parse_colour("#FF8000") == parse_colour((255, 128, 0)) == (255, 128, 0)


def test_the_command_line_takes_hints_for_one_photo(hinted_colorizer, tiny_weights, tmp_path, capsys):
    from colorizer.cli.colorize import main

    folder = hinted_colorizer.save(tmp_path / "hinted")
    photo = tmp_path / "photo.png"
    Image.fromarray(gradient_image(48, 36)).save(photo)
    strokes = np.zeros((36, 48, 4), np.uint8)
    strokes[5:9, 5:20] = (*RED, 255)
    Image.fromarray(strokes).save(tmp_path / "strokes.png")
    assert main([str(photo), "-o", str(tmp_path / "hinted"), "--model", str(folder), "--hints", str(tmp_path / "strokes.png")]) == 0
    assert main([str(photo), "-o", str(tmp_path / "plain"), "--model", str(folder)]) == 0
    assert not np.array_equal(np.asarray(Image.open(tmp_path / "hinted" / "photo.png")),
                              np.asarray(Image.open(tmp_path / "plain" / "photo.png")))

    Image.fromarray(strokes[:10]).save(tmp_path / "small.png")
    assert main([str(photo), "-o", str(tmp_path / "bad"), "--model", str(folder), "--hints", str(tmp_path / "small.png")]) == 2
    assert "small.png is 48x10, the photo 48x36" in capsys.readouterr().err  # before the model loads
    assert main([str(photo), "-o", str(tmp_path / "any"), "--model", str(tiny_weights), "--hints", str(tmp_path / "strokes.png")]) == 0
    assert (tmp_path / "any" / "photo.png").exists()  # a model trained without hints takes them too
    assert main([str(photo), str(photo), "-o", str(tmp_path / "two"), "--model", str(folder), "--hints", str(tmp_path / "strokes.png")]) == 2
    assert "give one photo with --hints" in capsys.readouterr().err


def test_a_lone_hint_keeps_its_whole_colour_on_coarser_grids():
    hints = np.zeros((1, 8, 8, 3), np.float32)
    hints[0, 1, 2] = (0.5, -0.25, 1.0)  # one hinted cell in the top-left 4x4 block
    pooled = np.asarray(HintPooling(4)(hints))
    assert pooled.shape == (1, 2, 2, 3)
    np.testing.assert_allclose(pooled[0, 0, 0], (0.5, -0.25, 1.0), atol=1e-6)
    np.testing.assert_allclose(pooled[0, 1:, :].ravel(), 0, atol=1e-6)
    np.testing.assert_allclose(pooled[0, 0, 1], 0, atol=1e-6)


def test_a_model_trained_with_hints_colours_their_place_of_the_photo(hint_painting_colorizer):
    photo = two_halves(80, 40)
    plain = rgb_to_lab(np.asarray(hint_painting_colorizer.colorize(photo)))
    hinted = rgb_to_lab(np.asarray(hint_painting_colorizer.colorize(photo, hints=[(x, y, "#2060e0") for x in range(4, 16) for y in range(3, 12)])))
    assert_hue(hinted[5:10, 6:14], (32, 96, 224))
    assert np.abs(hinted[:, 46:] - plain[:, 46:]).max() < 1  # across the edge: as without the hints


def test_the_hint_map_of_an_image_equals_the_map_of_its_hinted_pixels():
    from colorizer.hints.strokes import hint_map, photo_hint_map, read_hints

    rng = np.random.default_rng(1)
    strokes = rng.integers(0, 256, (300, 500, 4), dtype=np.uint8)
    strokes[..., 3] = np.where(rng.random((300, 500)) < 0.3, 255, 0)
    banded = photo_hint_map(strokes, (500, 300), 56)
    assert np.allclose(banded, hint_map(read_hints(strokes, (500, 300)), (500, 300), 56), atol=1e-6)
    assert banded[..., 2].sum() > 1000


def test_a_hints_image_of_the_wrong_size_is_refused_before_it_is_decoded(tmp_path):
    """A 7000x7000 hints image for a small photo was decoded before it was refused: +740 MB."""
    from colorizer.hints.strokes import photo_hint_map

    big = tmp_path / "hints.png"
    Image.new("RGBA", (7000, 7000)).save(big)

    with PeakMemory() as memory, pytest.raises(ImageError, match="hints: the image is 7000x7000, the photo 640x480"):
        photo_hint_map(big, (640, 480), 56)
    assert memory.extra_mb < 30


def test_a_photo_painted_all_over_needs_little_more_than_its_hints_image(tmp_path):
    """A 49 MP photo with a 49 MP opaque hints image peaked at +4.2 GB: per-pixel lists and Lab arrays of every pixel."""
    from colorizer.hints.strokes import photo_hint_map

    size = (4000, 3000)  # 12 MP: the RGBA image alone is 48 MB
    painted = tmp_path / "painted.png"
    Image.new("RGBA", size, (200, 40, 30, 255)).save(painted)
    with PeakMemory() as memory:
        hint_map_of_photo = photo_hint_map(painted, size, 56)
    assert hint_map_of_photo[..., 2].all() and memory.extra_mb < 150, memory.extra_mb
