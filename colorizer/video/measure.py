"""How steady and how right a coloured film is, against the colour film it was made from.

*Flicker* is how much a region's colour changes from one frame to the next beyond what the
motion explains: the mean over frames of |ab(t) - ab(t-1) carried to t| (Lab units), the
carrying done by the optical flow of the truth's lightness, over the pixels where that flow is
trusted, with ab blurred by a few pixels so that region colour, not pixel noise, is measured.
It is measured the same way on the truth itself (whose colour does change a little).
"""

import cv2
import numpy as np
from skimage.color import deltaE_ciede2000

from ..colour import lab
from .flow import FramePair

FLICKER_BLUR = 5  # pixels: the Gaussian's sigma applied to ab before comparing frames


def film_measures(pairs) -> dict:
    """Flicker, CIEDE2000 against the truth and mean chroma of a coloured film.

    Parameters
    ----------
    pairs : iterable of (output RGB, truth RGB) frames, H x W x 3 uint8, in order.

    Returns
    -------
    dict: "flicker" and "truth_flicker" (Lab units), "ciede2000", "chroma" and "truth_chroma", "frames".
    """
    flickers, truth_flickers, errors, chromas, truth_chromas = [], [], [], [], []
    previous = None
    for output_rgb, truth_rgb in pairs:
        output, truth = lab.rgb_to_lab(output_rgb), lab.rgb_to_lab(truth_rgb)
        errors.append(float(deltaE_ciede2000(truth, output).mean()))
        chromas.append(float(np.hypot(output[..., 1], output[..., 2]).mean()))
        truth_chromas.append(float(np.hypot(truth[..., 1], truth[..., 2]).mean()))
        current = (truth[..., 0], _blurred_ab(output), _blurred_ab(truth))
        if previous is not None:
            pair = FramePair.between(previous[0], current[0])
            flickers.append(_change(pair, previous[1], current[1]))
            truth_flickers.append(_change(pair, previous[2], current[2]))
        previous = current
    return {
        "frames": len(errors), "flicker": _mean(flickers), "truth_flicker": _mean(truth_flickers),
        "ciede2000": _mean(errors), "chroma": _mean(chromas), "truth_chroma": _mean(truth_chromas),
    }


def _blurred_ab(lab_image):
    return cv2.GaussianBlur(np.ascontiguousarray(lab_image[..., 1:], np.float32), (0, 0), FLICKER_BLUR)


def _change(pair, previous_ab, current_ab):
    """Mean ab distance between this frame and the previous one carried to it, where the flow is trusted."""
    distance = np.linalg.norm(current_ab - pair.carry(previous_ab), axis=-1)
    return float(distance[pair.trusted].mean()) if pair.trusted.any() else float("nan")


def _mean(values):
    return float(np.nanmean(values)) if values else float("nan")
