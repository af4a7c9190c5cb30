"""The frozen encoder's features of every training sample, computed once and kept on disk.

The frozen part of the encoder runs once per (augmented) photo and its features are cached
in float16, so the decoder trains without running VGG16 again.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

from ..files import write_json_atomically


class FeatureCache:
    """Encoder features (float16) and ab targets (int8, Lab units) of every training sample, on disk.

    One .npy file per encoder output (`feature_shapes`: {name: shape}) and one for ab. Filled
    in chunks and resumable: an interrupted run continues where it stopped. The folder's key
    covers everything the contents depend on, so a changed setting makes a new cache.
    """

    def __init__(self, folder, samples, feature_shapes, size):
        self.folder = Path(folder)
        self.count, self.size = samples, size
        self.feature_shapes = {name: tuple(shape) for name, shape in feature_shapes.items()}

    @staticmethod
    def key(**settings):
        return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @property
    def done(self):
        path = self.folder / "progress.json"
        return json.loads(path.read_text())["done"] if path.exists() else 0

    def _arrays(self, mode):
        shapes = {name: ((self.count, *shape), np.float16) for name, shape in self.feature_shapes.items()}
        shapes["ab"] = ((self.count, self.size, self.size, 2), np.int8)
        arrays = {}
        for name, (shape, dtype) in shapes.items():
            path = self.folder / f"{name}.npy"
            if mode == "w+" and not path.exists():
                arrays[name] = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
            else:
                arrays[name] = np.load(path, mmap_mode="r+" if mode == "w+" else "r")
        return arrays

    def fill(self, make_batch, encoder, batch_size=32, progress=None):
        """Compute what is missing: make_batch(start, stop) -> (L batch, ab batch); the encoder gives {name: features}."""
        self.folder.mkdir(parents=True, exist_ok=True)
        arrays = self._arrays("w+")
        start = self.done
        bar = progress(total=self.count, initial=start) if progress else None
        while start < self.count:
            stop = min(start + batch_size * 8, self.count)
            lightness, ab = make_batch(start, stop)
            for first in range(0, stop - start, batch_size):
                batch = lightness[first : first + batch_size]
                outputs = encoder.predict_on_batch(batch)  # {name: features}
                rows = slice(start + first, start + first + len(batch))
                for name in self.feature_shapes:
                    arrays[name][rows] = np.asarray(outputs[name]).astype(np.float16)
            arrays["ab"][start:stop] = np.clip(np.round(ab), -128, 127).astype(np.int8)
            for array in arrays.values():
                array.flush()
            write_json_atomically(self.folder / "progress.json", {"done": stop})
            if bar:
                bar.update(stop - start)
            start = stop
        if bar:
            bar.close()

    def load(self):
        """({name: features float16}, ab int8) as read-only memory maps."""
        if self.done < self.count:
            raise RuntimeError(f"feature cache {self.folder} is incomplete ({self.done} of {self.count})")
        arrays = self._arrays("r")
        return {name: arrays[name] for name in self.feature_shapes}, arrays["ab"]
