"""Tampered weights folders: each kind gets a clear WeightsError, and no tampered file ever runs code."""

import json
import pickle
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from colorizer import Colorizer, ModelConfig, WeightsError
from colorizer.files import sha256_of
from colorizer.model.decoders import build_decoder
from colorizer.model.weights import CONFIG_FILE, DECODER_FILE

MARKER = "/tmp/colorizer-tampered-code-ran"


def write_config(folder, change):
    document = json.loads((folder / CONFIG_FILE).read_text())
    document = change(document)
    (folder / CONFIG_FILE).write_text(json.dumps(document))


def rehash(folder):
    """What an attacker who controls config.json does after changing the decoder."""
    write_config(folder, lambda document: {**document, "files": {DECODER_FILE: sha256_of(folder / DECODER_FILE)}})


def replace_decoder(folder, save):
    (folder / DECODER_FILE).unlink()
    save(folder / DECODER_FILE)
    rehash(folder)


def lambda_decoder(path):
    inputs = keras.Input((1, 1, 512), name="block5_pool")
    outputs = keras.layers.Lambda(lambda x: (Path(MARKER).write_text("ran"), x)[1])(inputs)
    keras.Model(inputs, {"ab": outputs}).save(path)


def legacy_h5_decoder(path):
    model = build_decoder(ModelConfig(input_size=32, encoder_weights=None, decoder="bottleneck", head="regression"))
    h5 = path.with_name("legacy.h5")
    model.save_weights(h5.with_suffix(".weights.h5"))
    shutil.move(h5.with_suffix(".weights.h5"), path)


def other_decoder(path):
    build_decoder(ModelConfig(input_size=64, encoder_weights=None, decoder="bottleneck", head="regression")).save(path)


TAMPERING = {
    "no files listed": lambda folder: write_config(folder, lambda d: {**d, "files": {}}),
    "a Lambda layer": lambda folder: replace_decoder(folder, lambda_decoder),
    "a pickle": lambda folder: replace_decoder(folder, lambda path: path.write_bytes(pickle.dumps({"evil": True}))),
    "a legacy .h5 file": lambda folder: replace_decoder(folder, legacy_h5_decoder),
    "a decoder for another size": lambda folder: replace_decoder(folder, other_decoder),
    "a config that is a list": lambda folder: (folder / CONFIG_FILE).write_text("[]"),
    "a config without the model": lambda folder: write_config(folder, lambda d: {k: v for k, v in d.items() if k != "model"}),
    "a model setting missing": lambda folder: write_config(folder, lambda d: {**d, "model": {k: v for k, v in d["model"].items() if k != "decoder"}}),
    "a size that is text": lambda folder: write_config(folder, lambda d: {**d, "model": {**d["model"], "input_size": "32"}}),
    "an unknown decoder": lambda folder: write_config(folder, lambda d: {**d, "model": {**d["model"], "decoder": "transformer"}}),
    "a file name outside the folder": lambda folder: write_config(folder, lambda d: {**d, "files": {**d["files"], "../../etc/passwd": "0" * 64}}),
    "a hash that is not a hash": lambda folder: write_config(folder, lambda d: {**d, "files": {DECODER_FILE: "abc"}}),
    "a version that is text": lambda folder: write_config(folder, lambda d: {**d, "format_version": "2"}),
    "not JSON": lambda folder: (folder / CONFIG_FILE).write_bytes(b"\xff\xfe{"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampered_folders_are_refused_with_a_clear_error(kind, tiny_weights, tmp_path):
    import os

    folder = tmp_path / "model"
    shutil.copytree(tiny_weights, folder)
    TAMPERING[kind](folder)
    if os.path.exists(MARKER):
        os.remove(MARKER)  # building the Lambda model ran its function once, here in the test
    with pytest.raises(WeightsError) as error:
        Colorizer.from_pretrained(folder)
    assert str(folder) in str(error.value)
    assert not os.path.exists(MARKER)


@pytest.mark.parametrize("source", ["/etc/passwd", "../elsewhere/vgg16.weights.h5", "config.json"])
def test_encoder_weights_can_name_only_a_known_source_or_a_file_the_folder_lists(tiny_weights, tmp_path, source):
    """config.json's encoder_weights named any local file: /etc/passwd was read and hashed, then the CLI showed a traceback."""
    folder = tmp_path / "model"
    shutil.copytree(tiny_weights, folder)
    write_config(folder, lambda document: {**document, "model": {**document["model"], "encoder_weights": source}})
    with pytest.raises(WeightsError, match="encoder_weights must be 'hed', 'imagenet', or a file the folder lists"):
        Colorizer.from_pretrained(folder)
    from colorizer.cli.colorize import main

    photo = Path(__file__).resolve().parents[2] / "examples" / "coffee.jpg"
    assert main([str(photo), "-o", str(tmp_path / "out"), "-m", str(folder)]) == 1  # a message, not a traceback


def test_a_model_trained_on_vgg16_weights_of_its_own_keeps_a_copy_and_loads_it(tmp_path):
    vgg16 = keras.applications.VGG16(include_top=False, weights=None, input_shape=(32, 32, 3))
    vgg16.save_weights(tmp_path / "my-vgg16.weights.h5")
    config = ModelConfig(input_size=32, encoder_weights=str(tmp_path / "my-vgg16.weights.h5"), decoder="bottleneck", head="regression")
    original = Colorizer.untrained(config, precision="float32")
    original.save(tmp_path / "model")
    (tmp_path / "my-vgg16.weights.h5").unlink()  # the folder alone is enough
    loaded = Colorizer.from_pretrained(tmp_path / "model", precision="float32")
    assert Path(loaded.config.encoder_weights) == tmp_path / "model" / "encoder.weights.h5"
    photo = np.random.default_rng(0).integers(0, 255, (24, 24, 3), np.uint8)
    assert np.array_equal(np.asarray(loaded.colorize(photo)), np.asarray(original.colorize(photo)))
