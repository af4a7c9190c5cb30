"""Colours that come out of the pipeline, at the photo's own size, with its own lightness."""

import numpy as np
import pytest
from PIL import Image

from colorizer import Colorizer, grayscale
from colorizer.colour.lab import lightness, rgb_to_lab
from colorizer.config import ModelConfig
from colorizer.evaluate.measures import psnr
from colorizer.model.encoder import ENCODER_LAYERS, build_encoder, hed_weights_path

from conftest import SHOWN_AB, gradient_image


@pytest.mark.parametrize("width, height", [(1, 1), (3, 300), (4000, 40), (97, 61)])  # up to the aspect-ratio limit of 100
def test_output_keeps_the_photo_size(tiny_colorizer, width, height):
    result = tiny_colorizer.colorize(gradient_image(width, height))
    assert result.size == (width, height)
    assert result.mode == "RGB"


def test_output_keeps_the_lightness_and_adds_the_predicted_colour(tiny_colorizer):
    gray = gradient_image(320, 240)
    result = np.asarray(tiny_colorizer.colorize(gray))
    out_lab = rgb_to_lab(result)
    in_l = lightness(gray)
    assert psnr(in_l, out_lab[..., 0], peak=100) >= 45  # everywhere: out-of-gamut colours lose chroma, not L
    mid = (in_l > 30) & (in_l < 80)  # where this orange fits in sRGB at full chroma
    assert np.allclose(out_lab[..., 1][mid].mean(), SHOWN_AB[0], atol=2)
    assert np.allclose(out_lab[..., 2][mid].mean(), SHOWN_AB[1], atol=2)
    assert result[..., 0].mean() > result[..., 2].mean()  # orange: more red than blue


def test_colour_input_is_reduced_to_its_lightness(tiny_colorizer):
    rng = np.random.default_rng(3)
    colour = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    gray_twin = Image.fromarray(colour).convert("RGB")
    a = np.asarray(tiny_colorizer.colorize(colour))
    b = np.asarray(tiny_colorizer.colorize(gray_twin))
    assert np.array_equal(a, b)


def test_alpha_comes_back(tiny_colorizer):
    rgba = np.dstack([gradient_image(30, 20)] * 3 + [np.full((20, 30), 128, np.uint8)])
    result = tiny_colorizer.colorize(rgba)
    assert result.mode == "RGBA"
    assert (np.asarray(result)[..., 3] == 128).all()


def test_paths_pil_and_arrays_give_the_same_result(tiny_colorizer, tmp_path):
    gray = gradient_image(64, 48)
    path = tmp_path / "photo.png"
    Image.fromarray(gray).save(path)
    from_array = np.asarray(tiny_colorizer.colorize(gray))
    assert np.array_equal(from_array, np.asarray(tiny_colorizer.colorize(path)))
    assert np.array_equal(from_array, np.asarray(tiny_colorizer.colorize(Image.open(path))))
    assert np.array_equal(from_array, np.asarray(tiny_colorizer.colorize(path.read_bytes())))


def test_batch_equals_one_by_one():
    config = ModelConfig(input_size=32, encoder_weights=None, decoder="bottleneck", head="regression")
    colorizer = Colorizer.untrained(config)  # random decoder: every photo gets its own colours
    photos = [gradient_image(40 + 7 * i, 30 + 3 * i) for i in range(5)]
    batch = colorizer.colorize_batch(photos, batch_size=2)
    for photo, result in zip(photos, batch):
        assert np.abs(np.asarray(result, int) - np.asarray(colorizer.colorize(photo), int)).max() <= 1


def test_grayscale_shows_what_the_model_sees():
    rgb = np.random.default_rng(0).integers(0, 256, (10, 12, 3), dtype=np.uint8)
    gray = np.asarray(grayscale(rgb))
    assert gray.shape == (10, 12, 3)
    assert np.array_equal(gray[..., 0], gray[..., 1])
    assert np.abs(rgb_to_lab(gray)[..., 0] - lightness(rgb)).max() < 0.5


def test_encoder_is_vgg16_through_block5_pool_and_frozen():
    encoder = build_encoder(ModelConfig(input_size=64, encoder_weights=None), ["block5_pool"])
    vgg16 = encoder.get_layer("vgg16")
    assert len(vgg16.layers) == ENCODER_LAYERS
    assert vgg16.layers[-1].name == "block5_pool"
    assert encoder.output["block5_pool"].shape[1:] == (2, 2, 512)
    assert encoder.trainable_weights == []


def test_hed_encoder_weights_are_copied_by_layer_name():
    import h5py

    encoder = build_encoder(ModelConfig(input_size=32, encoder_weights="hed"), ["block5_pool"])
    vgg16 = encoder.get_layer("vgg16")
    with h5py.File(hed_weights_path(), "r") as stored:
        assert np.array_equal(vgg16.get_layer("block1_conv1").get_weights()[0], stored["block1/layers/conv2d/vars/0"][()])
        assert np.array_equal(vgg16.get_layer("block5_conv3").get_weights()[1], stored["block5/layers/conv2d_2/vars/1"][()])


def test_a_missing_encoder_weights_file_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="encoder weights file not found"):
        build_encoder(ModelConfig(input_size=32, encoder_weights="/nowhere/vgg16.weights.h5"), ["block5_pool"])
