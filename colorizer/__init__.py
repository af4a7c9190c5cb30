"""Colorize black-and-white photos: L in, a and b out, at the photo's own resolution.

    from . import Colorizer
    Colorizer.from_pretrained().colorize("photo.jpg").save("colour.png")

The model classes import TensorFlow, which takes seconds: they load on first use, so
`colorize --help` and the image helpers stay instant.
"""

import importlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of users' terminals

from .colour.images import MAX_PIXELS, ImageError, load_photo
from .colour.outputs import save_image, save_png

__version__ = "0.2.0"
_LAZY = {
    "Colorizer": "pipeline",
    "Prediction": "pipeline",
    "ImageProcessor": "colour.processor",
    "grayscale": "colour.processor",
    "ModelConfig": "config",
    "TrainingSettings": "config",
    "WeightsError": "model.weights",
}
__all__ = [
    "MAX_PIXELS",
    "Colorizer",
    "ImageError",
    "ImageProcessor",
    "ModelConfig",
    "Prediction",
    "TrainingSettings",
    "WeightsError",
    "grayscale",
    "load_photo",
    "save_image",
    "save_png",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
