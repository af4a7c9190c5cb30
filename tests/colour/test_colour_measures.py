"""The viewer's measures on tiny synthetic images with known answers (no TensorFlow)."""

import numpy as np
import pytest

from colorizer.colour import measures
from colorizer.evaluate.evaluation import _mean


def lab_image(height, width, lightness=50.0, a=0.0, b=0.0):
    image = np.zeros((height, width, 3))
    image[..., 0], image[..., 1], image[..., 2] = lightness, a, b
    return image


def test_a_gray_output_has_no_false_colour_and_a_tinted_one_has_its_chroma():
    truth = lab_image(40, 40)  # white/gray things
    assert measures.false_colour(lab_image(40, 40), truth) == 0
    assert measures.false_colour(lab_image(40, 40, a=6, b=8), truth) == pytest.approx(10)
    assert np.isnan(measures.false_colour(lab_image(40, 40), lab_image(40, 40, a=30)))  # nothing neutral to judge


def test_green_recall_counts_greens_shown_green():
    truth = lab_image(40, 40, a=-30, b=30)  # hue 135: green
    assert measures.green_recall(truth, truth) == 1
    assert measures.green_recall(lab_image(40, 40), truth) == 0  # gray: not shown
    assert measures.green_recall(lab_image(40, 40, a=20, b=20), truth) == 0  # brown (hue 45): the wrong hue
    assert measures.green_recall(lab_image(40, 40, a=-5, b=12), truth) == 1  # muted, but green (C* 13, hue 113)
    assert np.isnan(measures.green_recall(truth, lab_image(20, 20, a=-30, b=30)))  # 400 green pixels: too few


def test_a_uniformly_tinted_border_has_positive_border_excess():
    truth = lab_image(100, 100, a=10)
    tinted = truth.copy()
    tinted[:3, :, 2] = tinted[-3:, :, 2] = tinted[:, :3, 2] = tinted[:, -3:, 2] = 20  # a 3% band of blue-ish colour
    assert measures.border_excess(tinted, truth) > 0.5
    assert measures.border_excess(truth, truth) == 0
    assert measures.border_excess(lab_image(100, 100), lab_image(100, 100)) == pytest.approx(0)


def test_the_chroma_ratio_is_the_sets_mean_chroma_over_the_truths():
    truth = lab_image(30, 30, a=20)
    rows = [measures.viewer_measures(lab_image(30, 30, a=10), truth), measures.viewer_measures(lab_image(30, 30, a=5), truth)]
    assert _mean(rows)["chroma_ratio"] == pytest.approx(7.5 / 20)
    assert np.isnan(_mean(rows)["green_recall"])  # no photo had greens
