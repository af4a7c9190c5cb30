"""A reader for PyTorch's legacy checkpoint format (`torch.save` before PyTorch 1.6) into numpy, without torch.

The file is five things one after another: a pickled magic number, the protocol version, the
writer's type sizes, the pickled state dict (whose tensors refer to storages by key), the
pickled list of storage keys, and then each storage's raw little-endian data, after an 8-byte
element count. Only the classes a state dict needs are allowed out of the pickle (an
`OrderedDict`, tensors, storages): anything else in the file is refused, not run.

References: PyTorch's `torch/serialization.py` (`_legacy_save`, `_legacy_load`).
"""

import collections
import pickle
import struct
from pathlib import Path

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16, "CharStorage": np.int8,
    "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class CheckpointError(ValueError):
    """A file that is not a legacy PyTorch state dict, or holds more than one; the message says why."""


class _Storage:
    """One storage: its element type, filled with its data once the pickle is read."""

    def __init__(self, dtype):
        self.dtype, self.data = dtype, None


class _Tensor:
    """A tensor as the pickle describes it: a view (offset, shape, strides in elements) into a storage."""

    def __init__(self, storage, offset, shape, strides, *_):
        self.storage, self.offset, self.shape, self.strides = storage, offset, tuple(shape), tuple(strides)

    def array(self):
        data, size = self.storage.data, self.storage.data.itemsize
        if self.shape and self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.strides)) >= len(data):
            raise CheckpointError("a tensor reaches past the end of its storage")
        view = np.lib.stride_tricks.as_strided(data[self.offset:], self.shape, [stride * size for stride in self.strides])
        return view.copy()


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickles a state dict and nothing else."""

    def __init__(self, file, storages):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _Tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return name
        raise CheckpointError(f"the checkpoint holds {module}.{name}, which a state dict does not")

    def persistent_load(self, saved_id):
        kind, storage_type, key, _location, _size = saved_id[:5]
        if kind != "storage" or storage_type not in STORAGE_DTYPES:
            raise CheckpointError(f"unexpected storage {kind!r} of {storage_type!r}")
        return self.storages.setdefault(key, _Storage(STORAGE_DTYPES[storage_type]))


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """{name: array} of a PyTorch state dict saved in the legacy format.

    Parameters
    ----------
    path : the `.pth` file.

    Returns
    -------
    The tensors in the file's order, as numpy arrays of their own shapes and types (PyTorch's
    layouts: a convolution's weight is out x in x height x width).
    """
    storages = {}
    with open(path, "rb") as file:
        try:
            if pickle.load(file) != LEGACY_MAGIC or pickle.load(file) != LEGACY_PROTOCOL:
                raise CheckpointError(f"{path}: not a legacy PyTorch checkpoint")
            pickle.load(file)  # the writer's type sizes
            state = _StateDictUnpickler(file, storages).load()
            keys = pickle.load(file)
        except (pickle.UnpicklingError, EOFError, TypeError, ValueError) as error:
            if isinstance(error, CheckpointError):
                raise
            raise CheckpointError(f"{path}: not a legacy PyTorch checkpoint ({error})") from None
        for key in keys:
            storage = storages[key]
            (count,) = struct.unpack("<q", file.read(8))
            data = file.read(count * np.dtype(storage.dtype).itemsize)
            if len(data) != count * np.dtype(storage.dtype).itemsize:
                raise CheckpointError(f"{path}: the file ends inside a tensor's data")
            storage.data = np.frombuffer(data, storage.dtype)
    if not isinstance(state, dict) or not all(isinstance(tensor, _Tensor) for tensor in state.values()):
        raise CheckpointError(f"{path}: holds something other than a state dict of tensors")
    return {name: tensor.array() for name, tensor in state.items()}
