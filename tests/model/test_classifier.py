"""The ImageNet classifier beside VGG16: its weights read without torch, and the network rebuilt from them."""

import collections
import io
import os
import pickle
import struct
import sys
import types

import numpy as np
import pytest

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
