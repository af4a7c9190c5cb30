"""Resizing float channels (L, a and b) between a photo's own size and the model's: one rule for every path.

Bilinear, antialiased when shrinking (Pillow's filter spans the source pixels each output covers),
so the model's input is the photo's L averaged, not sampled; enlarging, OpenCV gives the same values.
"""

import cv2
import numpy as np
from PIL import Image


def resize_channel(channel: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize one float32 channel (H x W) to `size` = (width, height), bilinearly (antialiased when shrinking)."""
    height, width = channel.shape
    if (width, height) == tuple(size):
        return channel
    return np.asarray(Image.fromarray(np.asarray(channel, dtype=np.float32)).resize(size, Image.BILINEAR))


def resize_channels(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`resize_channel` of each channel of an H x W x C array (a and b, say), stacked again.

    Enlarging, OpenCV's bilinear resize gives the same values (within 0.002) many times faster.
    """
    height, width = image.shape[:2]
    if size[0] >= width and size[1] >= height and image.shape[-1] <= 4:
        resized = cv2.resize(np.asarray(image, dtype=np.float32), tuple(size), interpolation=cv2.INTER_LINEAR)
        return resized.reshape(size[1], size[0], image.shape[-1])
    return np.stack([resize_channel(image[..., channel], size) for channel in range(image.shape[-1])], axis=-1)
