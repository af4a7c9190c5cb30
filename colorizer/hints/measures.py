"""How far a hint's colour reaches beyond the thing it was painted on (leakage), measured with a simulated user.

A simulated user paints one small patch of the truth's own colour (`simulated.simulated_user_hints`).
The photo is rendered with and without it; *leakage* is the mean change of ab (Lab units) over
the pixels whose true colour is far from the hint's (another thing: a helmet beside the grass),
*reach* how much closer to the truth the pixels whose true colour is close to the hint's came
(the same thing: the rest of the grass). Good spreading has a large reach and a small leakage.
"""

import numpy as np

from ..colour import lab
from .simulated import simulated_user_hints

OTHER_COLOUR = 20.0  # ab distance (Lab units) from the hint's colour beyond which a pixel belongs to something else
SAME_COLOUR = 8.0  # ...and within which it is the same thing's
MIN_PIXELS = 200  # a trial needs this many pixels of each kind to say something


def hint_spread(colorizer, truth_rgb: np.ndarray, rng: np.random.Generator, trials: int = 3) -> dict:
    """Mean leakage and reach (Lab units) of `trials` single-hint trials on one photo (NaN where a trial has too few pixels).

    Parameters
    ----------
    colorizer : Colorizer
    truth_rgb : H x W x 3 uint8, the colour photo (its lightness is what the colorizer sees).
    rng : where the simulated user paints.
    """
    truth_ab = lab.rgb_to_lab(truth_rgb)[..., 1:]
    prediction = colorizer.predict(truth_rgb)
    plain_ab = lab.rgb_to_lab(colorizer.render_pixels(prediction)[..., :3])[..., 1:]
    plain_error = np.linalg.norm(plain_ab - truth_ab, axis=-1)
    leakage, reach = [], []
    for _ in range(trials):
        hints = simulated_user_hints(truth_ab, 1, rng)
        hinted_ab = lab.rgb_to_lab(colorizer.render_pixels(prediction, hints=hints)[..., :3])[..., 1:]
        change = np.linalg.norm(hinted_ab - plain_ab, axis=-1)
        distance = np.linalg.norm(truth_ab - hints.ab[0], axis=-1)
        other, same = distance > OTHER_COLOUR, distance < SAME_COLOUR
        leakage.append(change[other].mean() if other.sum() >= MIN_PIXELS else np.nan)
        closer = plain_error - np.linalg.norm(hinted_ab - truth_ab, axis=-1)
        reach.append(closer[same].mean() if same.sum() >= MIN_PIXELS else np.nan)
    return {"leakage": float(np.nanmean(leakage)) if np.isfinite(leakage).any() else np.nan,
            "reach": float(np.nanmean(reach)) if np.isfinite(reach).any() else np.nan}


EDGE_BAND = 6  # pixels either side of a hand-drawn object's outline that count as neither inside nor outside it


def stroke_leak(colorizer, prediction, strokes: np.ndarray, mask: np.ndarray, band: int = EDGE_BAND) -> dict:
    """How much a user's strokes change the colour outside the object they were painted on, and how well the object took them.

    Parameters
    ----------
    colorizer : Colorizer
    prediction : Prediction
        The photo's prediction (`Colorizer.predict`).
    strokes : (H, W, 4) uint8 array
        The strokes, drawn at the photo's size (`app.paint_box.read_strokes`), all of one colour.
    mask : (H, W) bool array
        The object painted on (made by hand, so `band` pixels either side of its outline are not judged).

    Returns
    -------
    dict: *leak*, the mean change of a and b (Lab units) outside the object; *leak_area*, the share of the
    pixels outside it changed by more than 5; *take*, the mean CIEDE2000 inside it between the result and
    the stroke's colour at the result's own lightness.
    """
    from scipy.ndimage import binary_dilation, binary_erosion
    from skimage.color import deltaE_ciede2000

    plain = lab.rgb_to_lab(colorizer.render_pixels(prediction)[..., :3])
    painted = lab.rgb_to_lab(colorizer.render_pixels(prediction, hints=strokes)[..., :3])
    change = np.linalg.norm(painted[..., 1:] - plain[..., 1:], axis=-1)
    outside = ~binary_dilation(mask, iterations=band)
    inside = binary_erosion(mask, iterations=band)
    brush = lab.rgb_to_lab(strokes[strokes[..., 3] > 0][:1, :3][None])[0, 0, 1:]
    target = painted[inside].copy()
    target[:, 1:] = brush
    return {
        "leak": float(change[outside].mean()),
        "leak_area": float((change[outside] > 5).mean()),
        "take": float(deltaE_ciede2000(painted[inside], target).mean()),
    }
