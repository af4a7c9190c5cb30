"""Hints a simulated user gives: the truth's own colour over small squares, for training and for measuring hints.

Training shows the model such hints on half of its samples (Zhang et al. 2017, "Real-Time
User-Guided Image Colorization with Learned Deep Priors"); evaluation gives every model the
same squares of a photo, so that models are compared on the same hints.
"""

import numpy as np

from .strokes import HINT_CHANNELS, Hints, hint_map

NO_HINTS_SHARE = 0.5  # of training samples, shown without hints: the model must stay good on its own
MEAN_HINT_PATCHES = 8  # patches per hinted training sample, geometrically distributed
MAX_PATCH = 9  # training patches are 1x1 to 9x9 pixels at the model's input size


def patch_hints(ab, centres, patch):
    """Hints revealing the truth's mean ab over square patches (`patch` pixels a side) at `centres` [(x, y)].

    `ab` is the truth's a and b (H x W x 2, Lab units). This is how a simulated user gives hints
    (evaluation) and how training samples them.
    """
    height, width = ab.shape[:2]
    xs, ys, colours = [], [], []
    for x, y in centres:
        left, top = max(0, x - patch // 2), max(0, y - patch // 2)
        right, bottom = min(width, left + patch), min(height, top + patch)
        columns, rows = np.meshgrid(np.arange(left, right), np.arange(top, bottom))
        xs.append(columns.ravel())
        ys.append(rows.ravel())
        colours.append(np.repeat(ab[top:bottom, left:right].reshape(-1, 2).mean(axis=0)[None], columns.size, axis=0))
    if not xs:
        return None
    return Hints(np.concatenate(xs), np.concatenate(ys), np.concatenate(colours).astype(np.float32))


def sample_training_hints(ab, rng, grid):
    """A random hint map for one training sample of truth `ab` (S x S x 2, Lab units), as Zhang et al. sample them:
    none for NO_HINTS_SHARE of the samples, else a geometric number of patches of 1 to MAX_PATCH pixels."""
    if rng.random() < NO_HINTS_SHARE:
        return np.zeros((grid, grid, HINT_CHANNELS), np.float32)
    size = ab.shape[0]
    count = rng.geometric(1 / MEAN_HINT_PATCHES)
    centres = rng.integers(0, size, (count, 2))
    hints = patch_hints(ab, centres, int(rng.integers(1, MAX_PATCH + 1)))
    return hint_map(hints, (size, size), grid)


def simulated_user_hints(ab, count, rng, patch=7):
    """`count` hints a simulated user gives: the truth's mean colour over `patch` x `patch` squares at random places."""
    height, width = ab.shape[:2]
    centres = np.stack([rng.integers(0, width, count), rng.integers(0, height, count)], axis=1)
    return patch_hints(ab, centres, patch)
