"""Spreading colour hints through their regions, along the photo's edges.

Where the user gave a colour, the model's colours are corrected to it, and the correction
spreads to neighbouring cells as far as they stay alike (Levin, Lischinski and Weiss 2004,
"Colorization using Optimization"), fading with distance so that far regions keep the model's
own colours. Alike means two things: lightness (an edge stops the colour) and texture (grass
beside a smooth helmet of the same gray: the colour stops there too). It is solved on the model's S/4 grid, the grid of the hint map and of
the classification head: one sparse linear system of (S/4)^2 unknowns, a few milliseconds.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from ..colour.resize import resize_channels

EDGE_SIGMA = 5.0  # lightness step (L units) across which neighbours are still e^-1/2 alike
TEXTURE_SIGMA = 5.0  # step in texture (the standard deviation of L within a cell, L units) likewise
REACH = 0.4  # share of the photo's width over which a correction fades to 1/e where lightness stays alike
HINT_WEIGHT = 100.0  # pull of a hinted cell to its hint: far above the others, so it takes the hint


@dataclass(frozen=True)
class Spreading:
    """How a hint's colour spreads: across which steps of lightness and texture, and how far (`spread_hints`).

    texture_sigma None: lightness alone decides what is alike. keep_to_things: then kept to the things
    painted on (`objects.keep_to_painted`, where the photo has regions); False: spread as before issue 33.
    """

    edge_sigma: float = EDGE_SIGMA
    reach: float = REACH
    texture_sigma: float | None = TEXTURE_SIGMA
    keep_to_things: bool = True


DEFAULT_SPREADING = Spreading()


def spread_hints(ab: np.ndarray, lightness: np.ndarray, hints: np.ndarray, spreading: Spreading = DEFAULT_SPREADING) -> np.ndarray:
    """The model's colours corrected by hints, each correction carried through its region.

    Minimises, over a correction field u on the hint grid (G x G cells),
    sum over neighbours i, j of w_ij (u_i - u_j)^2 + sum_i u_i^2 / (reach G)^2 + HINT_WEIGHT * sum over hinted i of
    (u_i - (hint_i - ab_i))^2, with w_ij = exp(-(L_i - L_j)^2 / (2 edge_sigma^2)) times the same
    of the cells' texture t (the standard deviation of L within each) with texture_sigma (None: lightness
    alone), the three from `spreading`: a screened, region-aware diffusion of the hints' corrections.

    Parameters
    ----------
    ab : (h, w, 2) float array
        The colour to correct, a and b / AB_SCALE: the model's (S x S) or made even in regions (any size).
    lightness : (S, S) or (S, S, 1) float array
        The model's input L (0..100).
    hints : (S/4, S/4, 3) float array
        The hint map (`strokes.hint_map`): a and b / AB_SCALE, and a mask of hinted cells.
    spreading : Spreading
        How far and along what the colour spreads.

    Returns
    -------
    (h, w, 2) float32 array: `ab` plus the correction, bilinearly upsampled; `ab` itself when there are no hints.
    """
    grid = hints.shape[0]
    hinted = hints[..., 2].ravel() > 0
    if not hinted.any():
        return ab
    side = lightness.shape[0]
    factor = side // grid
    coarse_ab = resize_channels(ab, (side, side)).reshape(grid, factor, grid, factor, 2).mean(axis=(1, 3))
    cells_of_lightness = np.asarray(lightness, np.float32).reshape(grid, factor, grid, factor)
    coarse_lightness = cells_of_lightness.mean(axis=(1, 3))

    cells = np.arange(grid * grid).reshape(grid, grid)
    first = np.concatenate([cells[:, :-1].ravel(), cells[:-1, :].ravel()])  # right and lower neighbours
    second = np.concatenate([cells[:, 1:].ravel(), cells[1:, :].ravel()])
    alike = [(coarse_lightness.ravel(), spreading.edge_sigma)]
    if spreading.texture_sigma:
        alike.append((cells_of_lightness.std(axis=(1, 3)).ravel(), spreading.texture_sigma))
    weights = np.exp(-sum((values[first] - values[second]) ** 2 / (2 * sigma**2) for values, sigma in alike))
    affinity = scipy.sparse.coo_matrix(
        (np.concatenate([weights, weights]), (np.concatenate([first, second]), np.concatenate([second, first]))),
        shape=(grid * grid,) * 2,
    ).tocsr()
    pull = 1 / (spreading.reach * grid) ** 2 + HINT_WEIGHT * hinted
    system = scipy.sparse.diags(np.asarray(affinity.sum(axis=1)).ravel() + pull) - affinity
    wanted = HINT_WEIGHT * hinted[:, None] * (hints[..., :2].reshape(-1, 2) - coarse_ab.reshape(-1, 2))
    # Symmetric positive definite and diagonally dominant: a symmetric ordering, no pivoting.
    factors = scipy.sparse.linalg.splu(system.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0, options={"SymmetricMode": True})
    correction = factors.solve(wanted).reshape(grid, grid, 2)
    size = (ab.shape[1], ab.shape[0])
    return (ab + resize_channels(correction, size)).astype(np.float32)
