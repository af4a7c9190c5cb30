"""The image processor: how a photo becomes the model's input, its training target, and the output.

One object, used by `Colorizer`, training and evaluation alike, so the model sees in
training exactly what it sees in use: the photo's L* taken at its own resolution, then
resized bilinearly (antialiased) to the model's input size. The predicted ab come back at
that size and are upsampled onto the photo's own full-resolution L.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import lab
from .images import Photo, load_photo
from .resize import resize_channel, resize_channels


@dataclass(frozen=True)
class ImageProcessor:
    """Preprocessing for the model, postprocessing to full resolution, and training pairs.

    Parameters
    ----------
    input_size : int
        The model's square input side S.
    frame_margin : int
        Pixels of the model's input, on each side, given to a mirrored border around the photo
        (`model_input`), whose colour `unframed` cuts away again. Training sees whole frames.
    """

    input_size: int
    frame_margin: int = 0

    RECIPE = "L* at full size, then bilinear resize; ab likewise"  # part of the feature cache's key

    def preprocess(self, photo: Photo) -> np.ndarray:
        """The model's input: the photo's L (0..100) resized to S x S, shape (S, S, 1), float32."""
        return resize_channel(photo.lightness, (self.input_size, self.input_size))[:, :, None]

    def model_input(self, photo: Photo) -> tuple[np.ndarray, np.ndarray]:
        """(`preprocess`'s L, what the model is given): the same array without a frame margin, else L resized to
        S - 2m a side and mirrored out to S x S. Both (S, S, 1), float32."""
        lightness = self.preprocess(photo)
        margin = self.frame_margin
        if not margin:
            return lightness, lightness
        inner = self.input_size - 2 * margin
        return lightness, np.pad(resize_channel(photo.lightness, (inner, inner)), margin, mode="reflect")[:, :, None]

    def unframed(self, ab: np.ndarray) -> np.ndarray:
        """The model's ab for `model_input`'s input without the margin, resized back to S x S: the photo's own."""
        margin = self.frame_margin
        if not margin:
            return ab
        return resize_channels(ab[margin:-margin, margin:-margin], (self.input_size, self.input_size))

    def postprocess(self, photo: Photo, ab_normalized: np.ndarray, chroma_gain: float = 1.0) -> np.ndarray:
        """The photo's own full-resolution L joined with the predicted ab (S x S x 2, in [-1, 1]) upsampled to its size.

        `chroma_gain` scales a and b together (more or less colour, the same hue); colours
        pushed outside sRGB are brought back by reducing their chroma, keeping L and hue.
        Returns sRGB pixels, H x W x 3, or x 4 when the photo had alpha (kept as it was);
        uint16 for a photo of more than 8 bits, else uint8.
        """
        ab_small = lab.denormalize_ab(ab_normalized)  # upsampling is linear: scale the small array
        if chroma_gain != 1.0:
            ab_small = ab_small * np.float32(chroma_gain)
        ab = resize_channels(ab_small, photo.size)
        rgb = lab.lab_to_srgb(photo.lightness, ab, bits=photo.metadata.bits)
        if photo.alpha is None:
            return rgb
        alpha = photo.alpha if rgb.dtype == np.uint8 else photo.alpha.astype(np.uint16) * 257
        return np.dstack([rgb, alpha])

    def training_pair(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A colour photo (H x W x 3, uint8) as (model input L, shape (S, S, 1); target ab in Lab units, (S, S, 2)).

        L goes through `preprocess`, the same path as in use; ab is taken at full size and
        resized the same way.
        """
        size = (self.input_size, self.input_size)
        lightness = self.preprocess(Photo(lab.lightness(rgb)))
        ab = lab.rgb_to_lab(rgb)[..., 1:]
        return lightness, resize_channels(ab, size)


def grayscale(image) -> Image.Image:
    """The gray version the model sees (L alone, as sRGB, alpha kept) of any image `load_photo` takes: to show beside the result."""
    photo = load_photo(image)
    zeros = np.zeros(photo.lightness.shape + (2,), np.float32)
    gray = lab.lab_to_srgb(photo.lightness, zeros)
    return Image.fromarray(gray if photo.alpha is None else np.dstack([gray, photo.alpha]))
