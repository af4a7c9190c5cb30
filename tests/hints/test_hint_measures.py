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


def test_the_stroke_leak_of_a_known_object_is_small_kept_to_it_and_large_spread_alike(tiny_colorizer):
    """A light box fading into a darker one on a dark ground; the light box is the object (its mask known). A red stroke
    on it: kept to things, the colour outside the box hardly changes and the box takes the red; spread alone (as before
    issue 33) the colour crosses the fade into the darker box."""
    from colorizer import Colorizer
    from colorizer.hints.measures import stroke_leak
    from colorizer.hints.spreading import Spreading

    lightness = np.full((128, 256), 15.0, np.float32)
    lightness[32:96, 24:232] = 45.0
    lightness[32:96, 24:100] = 70.0
    lightness[32:96, 100:164] = np.linspace(70.0, 45.0, 64)  # the fade
    photo = lab_to_srgb(lightness, np.zeros((128, 256, 2), np.float32))
    mask = np.zeros((128, 256), bool)
    mask[32:96, 24:100] = True
    strokes = np.zeros((128, 256, 4), np.uint8)
    strokes[58:68, 40:80] = (192, 57, 43, 255)
    kept = stroke_leak(tiny_colorizer, tiny_colorizer.predict(photo), strokes, mask)
    before = Colorizer(*[getattr(tiny_colorizer, name) for name in ("encoder", "decoder", "config", "info", "source", "precision")],
                       spreading=Spreading(keep_to_things=False))
    spread = stroke_leak(before, before.predict(photo), strokes, mask)
    assert kept["leak"] < 0.5 * spread["leak"] and kept["leak_area"] < spread["leak_area"]
    assert kept["take"] <= spread["take"] + 1 and kept["take"] < 20
