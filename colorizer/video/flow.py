"""Optical flow between two frames' lightness (OpenCV's DIS), warping by it, and where it can be trusted.

Flow is computed both ways; a pixel's flow is trusted where going there and coming back
lands where it started (the forward-backward check of Sundaram, Brox and Keutzer 2010) and
where the lightness it is carried from matches its own: occlusions and new objects fail both.

References
----------
T. Kroeger, R. Timofte, D. Dai, L. Van Gool, "Fast Optical Flow using Dense Inverse Search", ECCV 2016.
N. Sundaram, T. Brox, K. Keutzer, "Dense Point Trajectories by GPU-accelerated Large Displacement Optical Flow", ECCV 2010.
"""

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from ..colour.lab import L_MAX

CONSISTENCY_SHARE = 0.05  # the round trip may miss by this share of the motion...
CONSISTENCY_PIXELS = 0.5  # ...plus this many pixels
LIGHTNESS_MATCH = 8.0  # L units between a pixel and where it is carried from, beyond which it is not trusted
FLOW_PRESET = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM  # "fast" halves the time and loses a moving object's motion (tests)
REFINEMENT_ITERATIONS = 0  # of the preset's variational smoothing (5): three fifths of the time, and no steadier colour


def lightness_image(lightness: np.ndarray) -> np.ndarray:
    """L (0..100, H x W) as the 8-bit image DIS takes."""
    return np.clip(np.asarray(lightness, np.float32) * (255.0 / L_MAX), 0, 255).astype(np.uint8)


def dense_flow(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """For each pixel x of `source` (8-bit, H x W), where it lies in `target`: x + flow[x] (H x W x 2, in pixels: dx, dy)."""
    search = cv2.DISOpticalFlow_create(FLOW_PRESET)
    search.setVariationalRefinementIterations(REFINEMENT_ITERATIONS)
    return search.calc(source, target, None)


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """`image` (of the target frame) sampled at x + flow[x]: the target's content brought to the source's pixels (bilinear)."""
    columns, rows = _pixel_grid(*flow.shape[:2])
    return cv2.remap(np.asarray(image, np.float32), columns + flow[..., 0], rows + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@functools.cache
def _pixel_grid(height, width):
    return np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))


def _squared_length(vectors: np.ndarray) -> np.ndarray:
    """dx² + dy² of H x W x 2 vectors (np.sum over an axis of two is ten times slower)."""
    return vectors[..., 0] * vectors[..., 0] + vectors[..., 1] * vectors[..., 1]


@dataclass(frozen=True)
class FramePair:
    """The flow between the previous frame and the current one, both ways, and where the backward one can be trusted.

    `backward` takes each pixel of the current frame to where it was; `forward` the previous frame's pixels to where
    they went; `trusted` (H x W bool) marks the current frame's pixels whose backward flow passes both checks.
    """

    backward: np.ndarray
    forward: np.ndarray
    trusted: np.ndarray

    @classmethod
    def between(cls, previous: np.ndarray, current: np.ndarray) -> "FramePair":
        """From two frames' L (0..100, H x W, the same size)."""
        previous_image, current_image = lightness_image(previous), lightness_image(current)
        backward, forward = dense_flow(current_image, previous_image), dense_flow(previous_image, current_image)
        returning = warp(forward, backward)  # the forward flow where each pixel came from: its opposite, where trusted
        round_trip = backward + returning
        tolerance = CONSISTENCY_SHARE * (_squared_length(backward) + _squared_length(returning)) + CONSISTENCY_PIXELS
        consistent = _squared_length(round_trip) <= tolerance
        matching = np.abs(warp(previous, backward) - current) <= LIGHTNESS_MATCH
        return cls(backward, forward, consistent & matching)

    def carry(self, image: np.ndarray) -> np.ndarray:
        """The previous frame's `image` (H x W or H x W x C) moved onto the current frame."""
        return warp(image, self.backward)
