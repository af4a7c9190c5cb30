"""The registered decoders: named outputs at any size, the encoder's matching outputs, a save/load round trip."""

import numpy as np
import pytest

from colorizer import Colorizer, ModelConfig, load_photo
from colorizer.colour.lab import AB_SCALE
from colorizer.model.bins import AB_BIN_LIMIT, AB_BINS
from colorizer.model.decoders import DECODERS, build_decoder
from colorizer.model.encoder import build_encoder, feature_shapes
from colorizer.model.weights import load_folder, save_folder

from conftest import gradient_image


@pytest.mark.parametrize("size", [32, 96, 160])
@pytest.mark.parametrize("head", ["classification", "regression"])
@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_every_decoder_gives_named_outputs_at_any_multiple_of_32(size, head, decoder):
    config = ModelConfig(decoder=decoder, head=head, input_size=size, encoder_weights=None)
    names = DECODERS[decoder].inputs
    encoder, model = build_encoder(config, names), build_decoder(config)
    features = encoder.predict_on_batch(np.random.default_rng(0).uniform(0, 100, (2, size, size, 1)).astype(np.float32))
    assert {name: tuple(value.shape[1:]) for name, value in features.items()} == feature_shapes(config, names)
    outputs = model.predict_on_batch(features)
    assert outputs["ab"].shape == (2, size, size, 2)
    if head == "classification":
        assert set(outputs) == {"ab", "logits"}
        assert outputs["logits"].shape == (2, size // 4, size // 4, len(AB_BINS))
        # the annealed mean of the bin centres never leaves their grid
        assert np.abs(outputs["ab"]).max() <= AB_BIN_LIMIT / AB_SCALE + 1e-6
    else:
        assert set(outputs) == {"ab"}


def test_unet_colorizes_odd_sized_photos_at_their_own_size():
    colorizer = Colorizer.untrained(ModelConfig(decoder="unet", head="classification", input_size=64, encoder_weights=None))
    for width, height in [(53, 37), (1, 90), (129, 31)]:
        assert colorizer.colorize(gradient_image(width, height)).size == (width, height)


def test_unet_save_and_load_round_trip(tmp_path):
    config = ModelConfig(decoder="unet", head="classification", input_size=64, encoder_weights=None, temperature=0.5)
    original = Colorizer.untrained(config)
    save_folder(tmp_path / "unet", config, original.decoder)
    loaded_config, decoder, _ = load_folder(tmp_path / "unet")
    assert loaded_config == config
    # the random encoder is rebuilt differently each time: compare the decoders on the same features
    rng = np.random.default_rng(1)
    features = {name: rng.normal(size=(2, *shape)).astype(np.float32) for name, shape in feature_shapes(config, DECODERS["unet"].inputs).items()}
    expected, loaded = original.decoder.predict_on_batch(features), decoder.predict_on_batch(features)
    assert set(expected) == set(loaded) == {"ab", "logits"}
    assert all(np.allclose(expected[name], loaded[name], atol=1e-6) for name in expected)


@pytest.mark.parametrize("decoder", sorted(DECODERS))
@pytest.mark.parametrize("blocks", [1, 2])
def test_fine_tuned_encoder_blocks_are_trained_with_the_decoder_and_saved_with_it(decoder, blocks, tmp_path):
    from colorizer.model.decoders import frozen_inputs

    config = ModelConfig(decoder=decoder, input_size=64, encoder_weights=None, encoder_trainable=blocks)
    colorizer = Colorizer.untrained(config)
    top = colorizer.decoder.get_layer("encoder_top")
    assert top.trainable_weights and {name for name in top.output} == {f"block{b}_pool" for b in range(6 - blocks, 6)}
    assert set(colorizer.encoder.output) == set(frozen_inputs(config))  # the frozen part stops below the top
    assert f"block{5 - blocks}_pool" in colorizer.encoder.output

    colorizer.save(tmp_path / "model")
    loaded = Colorizer.from_pretrained(tmp_path / "model")
    assert loaded.config.encoder_trainable == blocks
    for saved, restored in zip(top.get_weights(), loaded.decoder.get_layer("encoder_top").get_weights()):
        assert np.array_equal(saved, restored)
    photo = gradient_image(70, 50)
    features = colorizer.encoder.predict_on_batch(colorizer.processor.preprocess(load_photo(photo))[None])
    assert np.allclose(colorizer.decoder.predict_on_batch(features)["ab"], loaded.decoder.predict_on_batch(features)["ab"], atol=1e-6)


def test_the_fine_tuned_top_starts_from_the_pretrained_encoder():
    config = ModelConfig(decoder="unet", input_size=32, encoder_weights="hed", encoder_trainable=1)
    top = Colorizer.untrained(config).decoder.get_layer("encoder_top")
    full = build_encoder(ModelConfig(input_size=32, encoder_weights="hed"), ["block5_pool"]).get_layer("vgg16")
    assert np.array_equal(top.get_layer("block5_conv2").get_weights()[0], full.get_layer("block5_conv2").get_weights()[0])
