"""Colour that holds steady from frame to frame, and strokes that follow the film.

The model colours each frame on its own, and small changes of a frame change its guesses: the
colour flickers. `SteadyColour` carries the colour shown on the previous frame along the
optical flow and blends it with the new prediction, trusting the carried colour where the flow
is trusted (`flow.FramePair`) and the new prediction where it is not (occlusions, new
objects). The new prediction keeps a share of every frame, so errors do not build up over a
long shot. At a scene cut (the lightness histogram jumps) nothing is carried.
`StrokeTrack` moves a user's hinted pixels along the same flow, dropping those that are
hidden or leave the frame, and forgets them at a cut.
"""

import numpy as np

from ..hints.strokes import Hints
from .flow import FramePair

CARRIED_SHARE = 0.8  # of the colour shown, where the flow is trusted: the carried colour's share, the rest the new prediction's
HISTOGRAM_BINS = 32
CUT_DISTANCE = 0.5  # total variation distance between consecutive frames' lightness histograms (0..1) that marks a cut
CUT_TRUSTED_SHARE = 0.2  # a frame whose flow is trusted on less than this share of its pixels starts a new shot too


def is_cut(previous: np.ndarray, current: np.ndarray, pair: FramePair) -> bool:
    """Whether `current` starts a new shot: its lightness histogram jumps, or the flow finds too little of `previous` in it."""
    bins = np.linspace(0, 100, HISTOGRAM_BINS + 1)
    before, after = (np.histogram(frame, bins)[0] / frame.size for frame in (previous, current))
    return 0.5 * np.abs(before - after).sum() > CUT_DISTANCE or pair.trusted.mean() < CUT_TRUSTED_SHARE


class SteadyColour:
    """Per film, for each frame in order: `next_frame(lightness)` finds the motion from the previous frame,
    then `show(ab)` gives the colour to show (ab at the model's size, S x S x 2, as the model gives it)."""

    def __init__(self, carried_share: float = CARRIED_SHARE):
        self.carried_share = carried_share
        self.previous_lightness = self.previous_ab = self.pair = None
        self.cuts = 0

    def next_frame(self, lightness: np.ndarray) -> FramePair | None:
        """The flow from the previous frame to this one (its L at the model's size, S x S, 0..100); None at the first frame and at a cut."""
        lightness = np.asarray(lightness, np.float32).reshape(np.shape(lightness)[:2])
        self.pair = None
        if self.previous_lightness is not None:
            pair = FramePair.between(self.previous_lightness, lightness)
            if is_cut(self.previous_lightness, lightness, pair):
                self.cuts += 1
            else:
                self.pair = pair
        self.previous_lightness = lightness
        return self.pair

    def show(self, ab: np.ndarray) -> np.ndarray:
        """The colour shown for the frame `next_frame` saw: the previous frame's carried where the flow is trusted, blended with `ab`."""
        shown = ab
        if self.pair is not None:
            weight = (self.carried_share * self.pair.trusted)[..., None]
            shown = (weight * self.pair.carry(self.previous_ab) + (1 - weight) * ab).astype(np.float32)
        self.previous_ab = shown
        return shown


class StrokeTrack:
    """A user's hints given on one frame, moved along the flow to each following frame of the same shot.

    Positions are kept to a fraction of a pixel, so that slow motion adds up instead of rounding away.
    """

    def __init__(self, hints: Hints | None, photo_size, model_size):
        self.photo_size, self.model_size = photo_size, model_size
        self.x = self.y = self.ab = None
        if hints is not None and len(hints):
            self.x, self.y, self.ab = hints.x.astype(np.float32), hints.y.astype(np.float32), hints.ab

    @property
    def hints(self) -> Hints | None:
        """The hints on the current frame (None once every hinted pixel is gone)."""
        if self.x is None:
            return None
        return Hints(np.round(self.x).astype(int), np.round(self.y).astype(int), self.ab)

    def follow(self, pair: FramePair | None) -> Hints | None:
        """Move to the next frame, given the flow to it (None: a cut, where the strokes end with their shot)."""
        if self.x is None or pair is None:
            self.x = self.y = self.ab = None
            return None
        width, height = self.photo_size
        scale_x, scale_y = self.model_size / width, self.model_size / height
        grid_x, grid_y = (self.x + 0.5) * scale_x - 0.5, (self.y + 0.5) * scale_y - 0.5  # on the model's grid
        motion = pair.forward[_index(grid_y, self.model_size), _index(grid_x, self.model_size)]
        arrived_x, arrived_y = grid_x + motion[:, 0], grid_y + motion[:, 1]
        x, y = self.x + motion[:, 0] / scale_x, self.y + motion[:, 1] / scale_y
        kept = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
        kept &= pair.trusted[_index(arrived_y, self.model_size), _index(arrived_x, self.model_size)]
        if not kept.any():
            self.x = self.y = self.ab = None
            return None
        self.x, self.y, self.ab = x[kept], y[kept], self.ab[kept]
        return self.hints


def _index(position, size):
    return np.clip(np.round(position), 0, size - 1).astype(int)
