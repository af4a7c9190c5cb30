"""Colour strength: one setting from gray (0) through subtle (0.5) to vivid (2), the same hue throughout."""

import numpy as np
import pytest

from colorizer import Colorizer, ModelConfig
from colorizer.colour.lab import rgb_to_lab

from conftest import gradient_image


def mean_chroma(image):
    ab = rgb_to_lab(np.asarray(image.convert("RGB")))[..., 1:]
    return float(np.hypot(ab[..., 0], ab[..., 1]).mean())


def test_higher_strength_gives_more_chroma_on_the_same_photo(tiny_colorizer):
    photo = gradient_image(64, 48)
    chroma = {strength: mean_chroma(tiny_colorizer.colorize(photo, strength=strength)) for strength in (0, 0.5, 1, 2)}
    assert chroma[0] < 0.5  # gray
    assert chroma[0.5] < chroma[1] < chroma[2]
    assert chroma[2] >= 1.5 * chroma[0.5]


def test_strength_keeps_the_hue_and_the_lightness(tiny_colorizer):
    photo = gradient_image(64, 48)
    subtle, vivid = (rgb_to_lab(np.asarray(tiny_colorizer.colorize(photo, strength=s))) for s in (0.5, 2))
    middle = (subtle[..., 0] > 30) & (subtle[..., 0] < 80)
    hue = lambda lab: np.arctan2(lab[..., 2], lab[..., 1])[middle]
    assert np.abs(hue(subtle) - hue(vivid)).mean() < 0.05
    assert np.abs(subtle[..., 0] - vivid[..., 0]).mean() < 0.5


def test_the_models_own_gain_is_strength_one(tiny_colorizer):
    import dataclasses

    photo = gradient_image(40, 30)
    boosted = Colorizer(tiny_colorizer.encoder, tiny_colorizer.decoder, dataclasses.replace(tiny_colorizer.config, chroma_gain=2.0))
    assert np.array_equal(np.asarray(boosted.colorize(photo)), np.asarray(tiny_colorizer.colorize(photo, strength=2.0)))


@pytest.mark.parametrize("strength", [-0.1, 3.5, "2", None, True])
def test_bad_strengths_are_refused(tiny_colorizer, strength):
    with pytest.raises(ValueError, match="strength must be a number from 0 to 3"):
        tiny_colorizer.colorize(gradient_image(8, 8), strength=strength)


def test_a_bad_chroma_gain_is_refused():
    with pytest.raises(ValueError, match="chroma_gain"):
        ModelConfig(chroma_gain=0)


def test_the_command_line_takes_a_strength(tiny_weights, tmp_path, capsys):
    from PIL import Image

    from colorizer.cli.colorize import main

    Image.fromarray(gradient_image(40, 30)).save(tmp_path / "a.png")
    for strength in ("0.5", "2"):
        assert main([str(tmp_path / "a.png"), "-o", str(tmp_path / strength), "-m", str(tiny_weights), "--strength", strength]) == 0
    assert mean_chroma(Image.open(tmp_path / "2" / "a.png")) >= 1.5 * mean_chroma(Image.open(tmp_path / "0.5" / "a.png"))
    assert main([str(tmp_path / "a.png"), "-o", str(tmp_path / "x"), "-m", str(tiny_weights), "--strength", "9"]) == 2
    assert "strength must be a number from 0 to 3" in capsys.readouterr().err
