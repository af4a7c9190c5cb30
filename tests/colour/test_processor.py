"""The image processor: training sees exactly what inference sees."""

import numpy as np
from PIL import Image

from colorizer import ImageProcessor, load_photo
from colorizer.colour.lab import rgb_to_lab

from conftest import colour_photo


def test_training_input_is_the_inference_input_of_the_same_photo():
    """Training once resized RGB bicubically before taking L; now both paths take L first, then resize."""
    processor = ImageProcessor(32)
    rgb = colour_photo(3, size=75)
    training_lightness, _ = processor.training_pair(rgb)
    assert training_lightness.shape == (32, 32, 1)
    assert np.array_equal(training_lightness, processor.preprocess(load_photo(rgb)))
    bicubic_first = rgb_to_lab(np.asarray(Image.fromarray(rgb).resize((32, 32), Image.BICUBIC)))[..., :1]
    assert np.abs(bicubic_first - training_lightness).max() > 0.1  # the old recipe really was different


def test_training_targets_are_the_photos_own_colour():
    colour = np.array([200, 60, 40], np.uint8)
    rgb = np.broadcast_to(colour, (50, 70, 3)).copy()
    _, ab = ImageProcessor(32).training_pair(rgb)
    assert ab.shape == (32, 32, 2)
    assert np.allclose(ab, rgb_to_lab(colour[None, None])[0, 0, 1:], atol=0.01)


def test_postprocess_lays_the_colour_on_the_photos_own_lightness():
    processor = ImageProcessor(32)
    photo = load_photo(colour_photo(4, size=90))
    result = processor.postprocess(photo, np.full((32, 32, 2), 0.1, np.float32))
    assert result.shape == (90, 90, 3) and result.dtype == np.uint8
    result_lab = rgb_to_lab(result)
    assert np.abs(result_lab[..., 0] - photo.lightness).mean() < 0.3


def test_the_frame_margin_mirrors_the_photo_outwards_and_is_cut_away_again():
    processor = ImageProcessor(32, frame_margin=4)
    photo = load_photo(colour_photo(5, size=60))
    lightness, framed = processor.model_input(photo)
    framed = framed[..., 0]
    assert np.array_equal(lightness, processor.preprocess(photo))  # the photo's own L at the model's size, for hints
    inner = np.asarray(Image.fromarray(photo.lightness).resize((24, 24), Image.BILINEAR))
    assert framed.shape == (32, 32) and np.allclose(framed[4:-4, 4:-4], inner)
    assert np.allclose(framed[:4, 4:-4], inner[4:0:-1])  # the top rows mirror the photo's first rows
    ab = np.zeros((32, 32, 2), np.float32)
    ab[4:-4, 4:-4] = 0.25  # the model's colour for the photo; the margin's colour is thrown away
    ab[:4] = -0.5
    assert np.allclose(processor.unframed(ab), 0.25)
    plain, model_input = ImageProcessor(32).model_input(photo)
    assert model_input is plain  # no margin: the plain input, not made again
