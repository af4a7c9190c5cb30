"""What a stroke shows first: the photo's prediction, and its colour, at the size of the view.

A stroke's colour is shown at `paint_box.preview_size` (at most 1024 pixels a side, the size of the
picture painted on) as soon as it is rendered; the full-resolution file follows as the download.
"""

import dataclasses

import numpy as np
from PIL import Image

from ..colour.images import Photo
from ..colour.resize import resize_channel
from ..pipeline import Prediction
from .paint_box import preview_size

VIEW_QUALITY = 90  # JPEG quality of the colour shown after a stroke (the download is the full-resolution file)


def view_of(prediction: Prediction) -> Prediction:
    """`prediction` with its photo at `paint_box.preview_size`, 8 bits, without metadata: what a stroke renders first."""
    photo = prediction.photo
    size = preview_size(photo.size)
    alpha = photo.alpha
    if alpha is not None and size != photo.size:
        alpha = np.asarray(Image.fromarray(alpha).resize(size, Image.BILINEAR))
    return dataclasses.replace(prediction, photo=Photo(resize_channel(photo.lightness, size), alpha))


def save_view(pixels, stem_path):
    """The colour at the size of the view, for the page only: JPEG (fast to write and to show), PNG with transparency."""
    if pixels.shape[2] == 4:
        path = stem_path.with_name(stem_path.name + ".png")
        Image.fromarray(pixels).save(path, compress_level=1)
    else:
        path = stem_path.with_name(stem_path.name + ".jpg")
        Image.fromarray(pixels).save(path, quality=VIEW_QUALITY)
    return str(path)
