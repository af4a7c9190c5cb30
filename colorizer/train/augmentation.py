"""Augmentation of training photos: each sample a random rotation, crop and flip, the same for the same photo and seed."""

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps


@dataclass
class Augmentation:
    """Random rotation (without empty corners), crop and flip; the crop keeps its own resolution.

    The processor then resizes it to the model's input, as it does every photo.
    """

    max_rotation: float = 10.0  # degrees
    min_crop_area: float = 0.5  # fraction of the (rotated) photo
    flip: bool = True

    def __call__(self, rgb, rng):
        image = Image.fromarray(rgb)
        angle = rng.uniform(-self.max_rotation, self.max_rotation)
        if angle:
            image = _rotate_without_corners(image, angle)
        width, height = image.size
        area = width * height * rng.uniform(self.min_crop_area, 1.0)
        aspect = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        crop_w = min(width, max(1, round(math.sqrt(area * aspect))))
        crop_h = min(height, max(1, round(math.sqrt(area / aspect))))
        left = int(rng.integers(0, width - crop_w + 1))
        top = int(rng.integers(0, height - crop_h + 1))
        image = image.crop((left, top, left + crop_w, top + crop_h))
        if self.flip and rng.random() < 0.5:
            image = ImageOps.mirror(image)
        return np.asarray(image)


def _rotate_without_corners(image, angle):
    """Rotate, then keep the largest centred rectangle of the same shape with no empty corners."""
    width, height = image.size
    radians = math.radians(abs(angle))
    scale = 1.0 / (math.cos(radians) + max(width, height) / min(width, height) * math.sin(radians))
    rotated = image.rotate(angle, Image.BICUBIC)
    keep_w, keep_h = width * scale, height * scale
    left, top = (width - keep_w) / 2, (height - keep_h) / 2
    return rotated.crop((round(left), round(top), round(left + keep_w), round(top + keep_h)))


def sample_rng(seed, sha256, variant):
    """Each photo's augmentation depends on the seed and its content, not on its place in the list."""
    return np.random.default_rng([seed, int(sha256[:12], 16), variant])
