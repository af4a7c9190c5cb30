"""The multi-scale (U-Net) decoder: shapes at odd sizes, the encoder's matching outputs, a save/load round trip."""

import numpy as np
import pytest

from colorizer import Colorizer, ModelConfig
from colorizer.model import build_decoder, build_encoder, decoder_inputs, feature_shapes
from colorizer.weights import load_folder, save_folder

from conftest import gradient_image


@pytest.mark.parametrize("size", [32, 96, 160])
@pytest.mark.parametrize("head", ["classification", "regression"])
def test_unet_shapes_at_any_multiple_of_32(size, head):
    config = ModelConfig(decoder="unet", head=head, input_size=size, encoder_weights=None)
    encoder, decoder = build_encoder(config), build_decoder(config)
    assert [tuple(output.shape[1:]) for output in encoder.outputs] == list(feature_shapes(config).values())
    assert [tensor.name for tensor in decoder.inputs] == list(decoder_inputs(config))
    lightness = np.random.default_rng(0).uniform(0, 100, (2, size, size, 1)).astype(np.float32)
    ab = np.asarray(decoder.predict_on_batch(encoder.predict_on_batch(lightness)))
    assert ab.shape == (2, size, size, 2)
    assert np.all(np.abs(ab) <= 1.0)


def test_unet_colorizes_odd_sized_photos_at_their_own_size():
    colorizer = Colorizer.untrained(ModelConfig(decoder="unet", head="classification", input_size=64, encoder_weights=None))
    for width, height in [(53, 37), (1, 90), (129, 31)]:
        assert colorizer.colorize(gradient_image(width, height)).size == (width, height)


def test_unet_save_and_load_round_trip(tmp_path):
    config = ModelConfig(decoder="unet", head="classification", input_size=64, encoder_weights=None, temperature=0.5)
    original = Colorizer.untrained(config)
    save_folder(tmp_path / "unet", config, original.model.get_layer("decoder"))
    loaded_config, decoder, _ = load_folder(tmp_path / "unet")
    assert loaded_config.decoder == "unet" and loaded_config.temperature == 0.5
    # the random encoder is rebuilt differently each time: compare the decoders on the same features
    rng = np.random.default_rng(1)
    features = [rng.normal(size=(2, *shape)).astype(np.float32) for shape in feature_shapes(config).values()]
    expected = original.model.get_layer("decoder").predict_on_batch(features)
    assert np.allclose(expected, decoder.predict_on_batch(features), atol=1e-6)
