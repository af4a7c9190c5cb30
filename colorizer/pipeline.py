"""`Colorizer`: the one object the CLI, the app, training and evaluation share.

A photo's full-resolution L is kept; the model sees it resized to its input size and
predicts a and b there; the ab are upsampled to the photo's own size and joined with
its own L. The output never loses the input's resolution or its luminance detail.
"""

import numpy as np
from PIL import Image

from . import lab, weights
from .images import load_photo
from .model import ModelConfig, build_colorizer


class Colorizer:
    """Black-and-white photo in, colour photo out, at the photo's own size.

    >>> colorizer = Colorizer.from_pretrained()            # the shipped weights/
    >>> colorizer.colorize("old_photo.jpg").save("colour.png")
    """

    def __init__(self, model, config, info=None, source="untrained"):
        self.model = model  # L (N x S x S x 1, 0..100) -> ab / AB_SCALE (N x S x S x 2)
        self.config = config
        self.info = info or {}  # the weights folder's config.json, if loaded from one
        self.source = source  # where the weights came from, for messages: a folder or USER/REPO@REVISION

    @classmethod
    def from_pretrained(cls, name_or_path=None, revision=None):
        """Load a weights folder: None for the shipped one, a local path, or a Hub id "USER/REPO"."""
        folder = weights.resolve(name_or_path, revision=revision)
        config, decoder, document = weights.load_folder(folder)
        weights.warn_if_encoder_differs(config)
        source = "the shipped weights/" if name_or_path is None else str(name_or_path) + (f"@{revision}" if revision else "")
        return cls(build_colorizer(config, decoder), config, document, source)

    @classmethod
    def untrained(cls, config=None, decoder=None):
        """A colorizer with a fresh (or given) decoder: the start of training, and tests."""
        config = config or ModelConfig()
        return cls(build_colorizer(config, decoder), config)

    @property
    def input_size(self):
        return self.config.input_size

    def predict_ab(self, lightness_batch):
        """The model on a batch of L at its input size: N x S x S x 1 (0..100) -> N x S x S x 2 in [-1, 1]."""
        return np.asarray(self.model.predict_on_batch(np.asarray(lightness_batch, dtype=np.float32)))

    def colorize(self, image):
        """Colorize one image (path, bytes, PIL image or numpy array); returns a PIL image (RGBA if it had alpha)."""
        return self.colorize_batch([image])[0]

    def colorize_batch(self, images, batch_size=8):
        """Colorize several images, `batch_size` at a time through the model; returns PIL images in order."""
        results = []
        for start in range(0, len(images), batch_size):
            photos = [load_photo(image) for image in images[start : start + batch_size]]
            model_inputs = np.stack([self._model_input(photo) for photo in photos])
            ab_batch = self.predict_ab(model_inputs)
            results.extend(_to_image(photo, ab) for photo, ab in zip(photos, ab_batch))
        return results

    def _model_input(self, photo):
        size = self.input_size
        return resize_channel(photo.lightness, (size, size))[:, :, None]


def resize_channel(channel, size):
    """Resize one float32 channel to `size` = (width, height) bilinearly (antialiased when shrinking)."""
    height, width = channel.shape
    if (width, height) == tuple(size):
        return channel
    return np.asarray(Image.fromarray(np.asarray(channel, dtype=np.float32)).resize(size, Image.BILINEAR))


def _to_image(photo, ab_normalized):
    """Join the photo's own full-resolution L with the predicted ab, upsampled to its size."""
    ab_small = lab.denormalize_ab(ab_normalized)  # upsampling is linear: scale the small array
    ab = np.stack([resize_channel(ab_small[:, :, channel], photo.size) for channel in (0, 1)], axis=-1)
    rgb = lab.lab_to_srgb8(photo.lightness, ab)
    if photo.alpha is not None:
        return Image.fromarray(np.dstack([rgb, photo.alpha]))
    return Image.fromarray(rgb)


def grayscale(image):
    """The gray version the model sees (L alone, as sRGB): for showing beside the result."""
    photo = load_photo(image)
    return Image.fromarray(lab.lab_to_srgb8(photo.lightness, np.zeros(photo.lightness.shape + (2,), np.float32)))
