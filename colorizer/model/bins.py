"""The ab bins of the classification head (Zhang et al. 2016): the grid, its lookup, the annealed mean.

The head predicts, for each pixel of an S/4 grid, a distribution over the in-gamut cells
of a 10-unit ab grid; the colour shown is the distribution's annealed mean.

References
----------
R. Zhang, P. Isola, A. A. Efros, "Colorful Image Colorization", ECCV 2016.
"""

import numpy as np

from ..colour import lab
from .backend import keras, layers

AB_BIN_SPACING = 10  # Lab units between bin centres, as in Zhang et al.
AB_BIN_LIMIT = 110  # bin centres run from -110 to 110 in a and in b
AB_GRID_SIDE = 2 * AB_BIN_LIMIT // AB_BIN_SPACING + 1  # 23 centres along each axis


def gamut_bins():
    """Centres (Q x 2, Lab units) of the ab grid cells that some sRGB colour reaches, as in Zhang et al.

    A cell counts when its centre is inside the sRGB gamut at any lightness L = 1..99.
    """
    steps = np.arange(-AB_BIN_LIMIT, AB_BIN_LIMIT + 1, AB_BIN_SPACING, dtype=np.float64)
    a, b, lightness = np.meshgrid(steps, steps, np.arange(1, 100, 1.0), indexing="ij")
    linear = lab.lab_to_linear_rgb(lightness, a, b)
    in_gamut = np.all((linear >= 0) & (linear <= 1), axis=-1).any(axis=-1)
    return np.stack([a[..., 0][in_gamut], b[..., 0][in_gamut]], axis=-1).astype(np.float32)


AB_BINS = gamut_bins()


def nearest_bin_table():
    """For each cell of the ab grid, the index of the nearest in-gamut bin: a lookup, not a search.

    Indexed by a_cell * AB_GRID_SIDE + b_cell, cells counted from -AB_BIN_LIMIT.
    """
    steps = np.arange(-AB_BIN_LIMIT, AB_BIN_LIMIT + 1, AB_BIN_SPACING, dtype=np.float32)
    grid = np.stack(np.meshgrid(steps, steps, indexing="ij"), axis=-1).reshape(-1, 1, 2)
    return np.argmin(((grid - AB_BINS[None]) ** 2).sum(-1), axis=1).astype(np.int32)


_NEAREST_BIN = nearest_bin_table()


def nearest_bins(ab_normalized, ops=np):
    """Index of the nearest in-gamut bin of each normalised ab pair (..., 2), by table lookup (numpy or keras.ops)."""
    half = AB_BIN_LIMIT // AB_BIN_SPACING
    cell = ops.clip(ops.round(ab_normalized * (lab.AB_SCALE / AB_BIN_SPACING)), -half, half)
    cell = (cell.astype(np.int32) if ops is np else ops.cast(cell, "int32")) + half
    return ops.take(_NEAREST_BIN, cell[..., 0] * AB_GRID_SIDE + cell[..., 1])


def annealed_mean(logits, bins, temperature):
    """The mean of the bins (Q x 2) under softmax(logits / T): the colour the model shows; the layer and the loss share it."""
    probabilities = keras.ops.softmax(logits / temperature, axis=-1)
    return keras.ops.einsum("...q,qc->...c", probabilities, keras.ops.convert_to_tensor(bins))


@keras.saving.register_keras_serializable(package="colorizer")
class AnnealedMean(layers.Layer):
    """ab from bin logits: the mean of the bins under softmax(logits / T) (Zhang et al.'s annealed mean).

    T = 1 is the plain mean (greyish, like MSE); smaller T moves towards the most likely
    colour (vivid). T is a variable so it can be changed after training without rebuilding.
    """

    def __init__(self, bins, temperature, **kwargs):
        super().__init__(**kwargs)
        self.bins = np.asarray(bins, dtype=np.float32)
        self.temperature = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(temperature), trainable=False, name="temperature"
        )
        self._initial_temperature = float(temperature)

    def call(self, logits):
        return annealed_mean(logits, self.bins, self.temperature)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins.tolist(), "temperature": self._initial_temperature}
