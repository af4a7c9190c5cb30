"""The predictions of the photos visitors are working on, kept so that a stroke, a strength or a
format change renders again without running the model (`Colorizer.render`).

A prediction keeps its photo's full-resolution L (float32: 4 bytes a pixel) and its regions (at
most 512 pixels a side), so the store is bounded in entries and in pixels, and entries expire; the
oldest go first.
"""

import dataclasses
import mmap
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..pipeline import Prediction

MAX_KEPT = 4  # photos kept at once, over all visitors: two being painted per worker
MAX_KEPT_PIXELS = 50_000_000  # 200 MB of L at most: one photo of the largest size
KEPT_S = 300  # a photo is forgotten this long after it was coloured (its gray file lives twice as long); then predicted again


@dataclass(frozen=True)
class Kept:
    """A prediction with what the page made of it once: the gray file, the name the photo came with, and, once it
    is painted on, the prediction at the size of the view (`view.view_of`), which strokes render first."""

    prediction: Prediction
    gray: str
    name: str
    view: Prediction | None = None


class PredictionStore:
    """Kept predictions by key (a session and the upload it came from)."""

    def __init__(self):
        self._kept = OrderedDict()  # key -> (time stored, Kept)
        self._lock = threading.Lock()

    def get(self, key) -> Kept | None:
        with self._lock:
            self._forget_expired()
            if key not in self._kept:
                return None
            self._kept.move_to_end(key)
            return self._kept[key][1]

    def put(self, key, kept: Kept):
        if kept.prediction.photo.lightness.size > MAX_KEPT_PIXELS:
            return
        kept = dataclasses.replace(kept, prediction=kept_apart(kept.prediction), view=None)
        with self._lock:
            self._kept.pop(key, None)
            self._kept[key] = (time.monotonic(), kept)
            while len(self._kept) > MAX_KEPT or self._pixels() > MAX_KEPT_PIXELS:
                self._kept.popitem(last=False)

    def add_view(self, key, view: Prediction) -> Kept | None:
        """The kept prediction of `key` with `view` (its prediction at the size of the view, sharing its regions) kept
        beside it; None if it is no longer kept."""
        view = kept_apart(dataclasses.replace(view, regions=None))
        with self._lock:
            if key not in self._kept:
                return None
            stored, kept = self._kept[key]
            kept = dataclasses.replace(kept, view=dataclasses.replace(view, regions=kept.prediction.regions))
            self._kept[key] = (stored, kept)
            return kept

    def __len__(self):
        return len(self._kept)

    def _pixels(self):
        return sum(kept.prediction.photo.lightness.size for _, kept in self._kept.values())

    def _forget_expired(self):
        deadline = time.monotonic() - KEPT_S
        for key in [key for key, (stored, _) in self._kept.items() if stored < deadline]:
            del self._kept[key]


def kept_apart(prediction: Prediction) -> Prediction:
    """`prediction` with its photo's arrays and its regions `outside_the_heap`."""
    photo = prediction.photo
    photo = dataclasses.replace(photo, lightness=outside_the_heap(photo.lightness), alpha=outside_the_heap(photo.alpha))
    regions = prediction.regions
    if regions is not None:
        regions = dataclasses.replace(regions, labels=outside_the_heap(regions.labels), lightness=outside_the_heap(regions.lightness))
    return dataclasses.replace(prediction, photo=photo, regions=regions)


def outside_the_heap(array):
    """A copy of `array` in memory of its own (an anonymous mmap), given back to the system when it goes.

    A kept array allocated among the short-lived ones of every request would pin the heap around
    it, and the server would hold far more memory than the kept photos need.
    """
    if array is None or array.nbytes == 0:
        return array
    copy = np.frombuffer(mmap.mmap(-1, array.nbytes), dtype=array.dtype).reshape(array.shape)
    copy[...] = array
    return copy
