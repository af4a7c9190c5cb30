"""The weights folder: round trip, hashes, formats, replacing a folder whole."""

import json
import zipfile

import keras
import numpy as np
import pytest

from colorizer import Colorizer, ModelConfig, WeightsError
from colorizer.colour.lab import AB_SCALE
from colorizer.files import sha256_of
from colorizer.model.decoders import build_decoder
from colorizer.model.weights import CONFIG_FILE, DECODER_FILE, read_config, resolve, save_folder

from conftest import gradient_image


def test_round_trip_gives_identical_output(tiny_colorizer, tiny_weights):
    loaded = Colorizer.from_pretrained(tiny_weights)
    photo = gradient_image(50, 40)
    assert np.array_equal(np.asarray(loaded.colorize(photo)), np.asarray(tiny_colorizer.colorize(photo)))
    assert loaded.config == tiny_colorizer.config
    assert loaded.info["training"] == {"note": "test model"}


def test_folder_holds_config_and_decoder_only(tiny_weights):
    files = sorted(path.name for path in tiny_weights.iterdir())
    assert files == [CONFIG_FILE, DECODER_FILE]
    document = json.loads((tiny_weights / CONFIG_FILE).read_text())
    assert document["model"]["input_size"] == 32
    assert len(document["files"][DECODER_FILE]) == 64  # sha256 hex
    assert (tiny_weights / DECODER_FILE).stat().st_size < 20_000_000  # the frozen encoder is not stored


def test_altered_weights_are_refused(tiny_weights, tmp_path):
    import shutil

    altered = tmp_path / "altered"
    shutil.copytree(tiny_weights, altered)
    with open(altered / DECODER_FILE, "ab") as file:
        file.write(b"\0")
    with pytest.raises(WeightsError, match="does not match the sha256"):
        Colorizer.from_pretrained(altered)


def test_missing_or_foreign_folders_are_refused(tmp_path, tiny_weights):
    with pytest.raises(WeightsError, match="has no config.json"):
        Colorizer.from_pretrained(tmp_path)
    (tmp_path / CONFIG_FILE).write_text('{"architectures": ["BertModel"]}')
    with pytest.raises(WeightsError, match="not a colorizer weights folder"):
        read_config(tmp_path)
    document = json.loads((tiny_weights / CONFIG_FILE).read_text())
    document["format_version"] = 99
    (tmp_path / CONFIG_FILE).write_text(json.dumps(document))
    with pytest.raises(WeightsError, match="newer colorizer"):
        read_config(tmp_path)


def test_unknown_names_are_refused():
    with pytest.raises(WeightsError, match="neither a weights folder nor a Hub repo id"):
        resolve("no such folder")


def test_a_folder_saved_in_half_precision_is_half_the_size_and_colours_the_same(tmp_path):
    """As the shipped model is stored (scripts/ship_model.py): float16 on disk, float32 again once loaded."""
    config = ModelConfig(input_size=32, encoder_weights=None, decoder="unet", head="classification")
    decoder = build_decoder(config)
    for index, weight in enumerate(decoder.trainable_weights):
        weight.assign(np.random.default_rng(index).normal(0, 0.1, weight.shape))
    save_folder(tmp_path / "full", config, decoder)
    save_folder(tmp_path / "half", config, decoder, half_precision=True)
    assert (tmp_path / "half" / "decoder.keras").stat().st_size < 0.6 * (tmp_path / "full" / "decoder.keras").stat().st_size
    loaded = Colorizer.from_pretrained(tmp_path / "half")  # the sha256 in config.json is the half file's
    assert all(weight.dtype == "float32" for weight in loaded.decoder.weights)
    features = {name: np.random.default_rng(7).normal(size=(1, *tensor.shape[1:])).astype(np.float32) for name, tensor in decoder.input.items()}
    difference = np.abs(loaded.decoder.predict_on_batch(features)["ab"] - decoder.predict_on_batch(features)["ab"]) * AB_SCALE
    assert 0 < difference.mean() < 0.25  # Lab units; a trained model on real photos moves less (scripts/ship_model.py prints it)


def test_a_version_1_folder_loads_with_the_same_colours(tmp_path):
    """Version 1 stored a decoder with its inputs in a list and "ab" as its only output."""
    config = ModelConfig(input_size=32, encoder_weights=None, decoder="unet", head="classification")
    current = build_decoder(config)
    for index, weight in enumerate(current.trainable_weights):
        weight.assign(np.random.default_rng(index).normal(0, 0.1, weight.shape))
    version_1 = keras.Model(list(current.input.values()), current.output["ab"])
    save_folder(tmp_path / "v1", config, version_1)
    document = json.loads((tmp_path / "v1" / CONFIG_FILE).read_text())
    (tmp_path / "v1" / CONFIG_FILE).write_text(json.dumps({**document, "format_version": 1}))

    loaded = Colorizer.from_pretrained(tmp_path / "v1")
    features = {name: np.random.default_rng(7).normal(size=(1, *tensor.shape[1:])).astype(np.float32) for name, tensor in current.input.items()}
    assert np.allclose(loaded.decoder.predict_on_batch(features)["ab"], current.predict_on_batch(features)["ab"], atol=1e-6)
    assert loaded.colorize(np.zeros((20, 30), np.uint8)).size == (30, 20)


def test_saving_replaces_a_weights_folder_whole_and_nothing_else(tiny_colorizer, tmp_path):
    folder = tmp_path / "model"
    tiny_colorizer.save(folder, extra_files={"old.txt": "from the first save"})
    tiny_colorizer.save(folder)
    assert sorted(path.name for path in folder.iterdir()) == [CONFIG_FILE, DECODER_FILE]  # the new folder, whole
    assert [path.name for path in tmp_path.iterdir()] == ["model"]  # no staging or old copies left
    (tmp_path / "album").mkdir()
    (tmp_path / "album" / "photo.jpg").write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="not a weights folder"):
        tiny_colorizer.save(tmp_path / "album")
    assert (tmp_path / "album" / "photo.jpg").read_bytes() == b"precious"


def test_a_folder_saved_before_the_package_had_rooms_loads(tmp_path):
    """decoder.keras names the module of its custom layer; before the rooms it was colorizer.bins (the shipped model's is)."""
    colorizer = Colorizer.untrained(ModelConfig(input_size=32, encoder_weights=None, decoder="bottleneck"), precision="float32")
    folder = colorizer.save(tmp_path / "model")
    with zipfile.ZipFile(folder / DECODER_FILE) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    assert b'"module": "colorizer.model.bins", "class_name": "AnnealedMean"' in members["config.json"]
    members["config.json"] = members["config.json"].replace(b'"module": "colorizer.model.bins"', b'"module": "colorizer.bins"')
    with zipfile.ZipFile(folder / DECODER_FILE, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    document = json.loads((folder / CONFIG_FILE).read_text())
    document["files"][DECODER_FILE] = sha256_of(folder / DECODER_FILE)
    (folder / CONFIG_FILE).write_text(json.dumps(document))
    loaded = Colorizer.from_pretrained(folder, precision="float32")
    assert type(loaded.decoder.get_layer("annealed_mean")) is type(colorizer.decoder.get_layer("annealed_mean"))
    assert all(np.array_equal(a, b) for a, b in zip(loaded.decoder.get_weights(), colorizer.decoder.get_weights(), strict=True))
