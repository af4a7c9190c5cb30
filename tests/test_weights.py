"""The weights folder: round trip, hashes, formats."""

import json

import numpy as np
import pytest

from colorizer import Colorizer, WeightsError
from colorizer.weights import CONFIG_FILE, DECODER_FILE, read_config, resolve

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
