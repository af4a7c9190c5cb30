"""Leakage and reach of a simulated user's hint, on a photo of two things of different colour and lightness."""

import numpy as np

from colorizer.colour.lab import lab_to_srgb
from colorizer.hints.measures import hint_spread


def test_a_hint_reaches_its_own_thing_and_hardly_the_other(tiny_colorizer):
    lightness = np.full((64, 96), 35.0, np.float32)
    lightness[:, 48:] = 80.0  # a dark red thing beside a light blue one
    ab = np.zeros((64, 96, 2), np.float32)
    ab[:, :48], ab[:, 48:] = (50, 30), (-10, -40)
    truth = lab_to_srgb(lightness, ab)
    measured = hint_spread(tiny_colorizer, truth, np.random.default_rng(1), trials=6)
    assert measured["reach"] > 5  # the tiny model paints orange; a hint brings its thing much closer to the truth
    assert measured["leakage"] < 0.25 * measured["reach"]
