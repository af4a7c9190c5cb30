"""One source of defaults: the configs, and command lines built from them."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from colorizer import ModelConfig, TrainingSettings
from colorizer.cli.options import add_options, from_options
from colorizer.cli.train import parse_args
from colorizer.model.decoders import DECODERS
from colorizer.train.losses import LOSSES


def test_the_training_command_line_is_built_from_the_configs():
    args = parse_args(["--data", "a", "b"])
    assert from_options(TrainingSettings, args) == TrainingSettings(data=("a", "b"))
    assert from_options(ModelConfig, args) == ModelConfig()
    changed = parse_args(["--data", "a", "--epochs", "9", "--decoder", "bottleneck", "--encoder-weights", "none", "--max-photos", "5"])
    assert from_options(TrainingSettings, changed).epochs == 9 and from_options(TrainingSettings, changed).max_photos == 5
    assert from_options(ModelConfig, changed).decoder == "bottleneck"
    assert from_options(ModelConfig, changed).encoder_weights is None


def test_every_setting_is_an_option_whose_help_shows_its_default():
    import argparse

    parser = argparse.ArgumentParser()
    add_options(parser, TrainingSettings)
    add_options(parser, ModelConfig)
    text = parser.format_help()
    for setting in dataclasses.fields(TrainingSettings):
        assert f"--{setting.name.replace('_', '-')}" in text
    assert "(default: 0.8)" in text and "(default: unet)" in text and "(default: 0.0005)" in text
    for option, registry in (("--decoder", DECODERS), ("--loss", LOSSES)):  # the command passes the registries' names in
        for name in registry:
            assert parse_args(["--data", "a", option, name]).__dict__[option[2:]] == name
        with pytest.raises(SystemExit):
            parse_args(["--data", "a", option, "no-such-thing"])


def test_train_help_answers_without_loading_tensorflow():
    """Listing the decoders and losses needs TensorFlow (seconds); --help must not wait for it."""
    script = (
        "import sys, contextlib, io\n"
        "from colorizer.cli.train import parse_args\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    parse_args(['--help'])\n"
        "print(sorted(name for name in ('tensorflow', 'keras') if name in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_bad_settings_are_refused_at_once():
    with pytest.raises(ValueError, match="multiple of 32"):
        ModelConfig(input_size=100)
    with pytest.raises(ValueError, match="rebalancing"):
        TrainingSettings(rebalancing=2)
    with pytest.raises(ValueError, match="epochs"):
        TrainingSettings(epochs=0)


ROOT = Path(__file__).resolve().parents[1]
FAST_TIER = (
    "tests/colour/test_lab.py", "tests/colour/test_images.py", "tests/colour/test_processor.py", "tests/colour/test_colour_measures.py",
    "tests/colour/test_regions.py",
    "tests/hints/test_spreading.py", "tests/train/test_dataset.py", "tests/video/test_video.py", "tests/test_layout.py",
)


def test_the_fast_tier_runs_without_tensorflow():
    """The README's fast tier (pixels, colour, hints spreading, viewer measures, training data) never loads TensorFlow."""
    script = (
        "import sys, pytest\n"
        f"code = pytest.main(['-q', '-p', 'no:cacheprovider', *{list(FAST_TIER)!r}])\n"
        "print(code, sorted(name for name in ('tensorflow', 'keras') if name in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT)
    assert run.stdout.strip().splitlines()[-1] == "0 []", run.stdout[-2000:]
