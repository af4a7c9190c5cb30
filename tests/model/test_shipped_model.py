"""The shipped model in weights/, through the command users run."""

import numpy as np
import pytest
from PIL import Image
from skimage import data

from colorizer.cli.colorize import main
from colorizer.colour.lab import lightness, rgb_to_lab
from colorizer.evaluate.measures import psnr
from colorizer.resources import shipped_weights

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shipped_weights() / "config.json").exists(), reason=f"no shipped model in {shipped_weights()} (train one with train.py)"
    ),
]


def test_cli_colorizes_a_1024x768_photo_keeping_its_lightness(tmp_path):
    photo = Image.fromarray(data.coffee()).resize((1024, 768), Image.BICUBIC).convert("L")  # public-domain test photo
    photo.save(tmp_path / "photo.jpg", quality=95)

    assert main([str(tmp_path / "photo.jpg"), "--output", str(tmp_path / "out")]) == 0

    result = Image.open(tmp_path / "out" / "photo.png")
    assert result.size == (1024, 768) and result.mode == "RGB"
    result_lab = rgb_to_lab(np.asarray(result))
    gray = np.asarray(Image.open(tmp_path / "photo.jpg"))
    assert psnr(lightness(gray), result_lab[..., 0], peak=100) >= 45
    chroma = np.hypot(result_lab[..., 1], result_lab[..., 2])
    assert chroma.mean() > 3  # real colour, not a tinted gray
