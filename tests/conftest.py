"""Shared fixtures: tiny models and small images the tests make themselves (no ../shared needed).

The model fixtures import TensorFlow when they are first used, not here: the tests of pixels,
colour, hints, uploads, files and settings run without it (see the README's fast tier).
"""

import numpy as np
import pytest
from PIL import Image

from colorizer import ModelConfig
from colorizer.colour.lab import AB_SCALE
from colorizer.colour.regions import GAIN

# The tiny model's decoder paints every pixel with this (a, b) / 128: a warm, in-gamut orange.
CONSTANT_AB = (0.12, 0.10)
# ... and the colour shown (Lab units): one hue everywhere, which one colour per thing shows GAIN times.
SHOWN_AB = tuple(value * AB_SCALE * GAIN for value in CONSTANT_AB)


def tiny_config():
    return ModelConfig(input_size=32, encoder_weights=None, decoder="bottleneck", head="regression")


def constant_decoder(config, ab=CONSTANT_AB):
    """A decoder whose output is tanh(bias) everywhere: colours the tests can predict exactly."""
    from colorizer.model.decoders import build_decoder

    decoder = build_decoder(config)
    layer = decoder.get_layer("ab")
    kernel, _ = layer.get_weights()
    layer.set_weights([np.zeros_like(kernel), np.arctanh(np.array(ab, dtype=np.float32))])
    return decoder


def hint_painting_decoder(config):
    """A unet decoder (regression head) that shows the hints and nothing else: each hinted S/4 cell
    gets its hint's ab, every other cell gray. Its colours are the strokes', exactly where they are."""
    from colorizer.model.decoders import build_decoder

    decoder = build_decoder(config)
    for layer in decoder.layers:
        if layer.get_weights():
            layer.set_weights([np.zeros_like(weight) for weight in layer.get_weights()])
    conv = decoder.get_layer("decoder_conv4")  # reads [upsampled features, L, hint a, hint b, mask] at S/4
    kernel, bias = conv.get_weights()
    for channel, (filter_up, filter_down) in zip((-3, -2), ((0, 2), (1, 3))):  # +ab and -ab, both through the ReLU
        kernel[1, 1, channel, filter_up], kernel[1, 1, channel, filter_down] = 1.0, -1.0
    conv.set_weights([kernel, bias])
    head = decoder.get_layer("ab_quarter")
    kernel, bias = head.get_weights()
    for output, (filter_up, filter_down) in enumerate(((0, 2), (1, 3))):
        kernel[1, 1, filter_up, output], kernel[1, 1, filter_down, output] = 1.0, -1.0
    head.set_weights([kernel, bias])
    return decoder


@pytest.fixture(scope="session")
def hint_painting_colorizer():
    """A tiny model trained-with-hints that paints exactly them (see `hint_painting_decoder`)."""
    from colorizer import Colorizer

    config = ModelConfig(input_size=32, encoder_weights=None, decoder="unet", head="regression", hints=True)
    return Colorizer.untrained(config, hint_painting_decoder(config))


@pytest.fixture(scope="session")
def tiny_colorizer():
    config = tiny_config()
    from colorizer import Colorizer

    return Colorizer.untrained(config, constant_decoder(config))


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory, tiny_colorizer):
    """A weights folder holding the tiny constant-colour model."""
    folder = tmp_path_factory.mktemp("weights") / "tiny"
    tiny_colorizer.save(folder, training={"note": "test model"})
    return folder


@pytest.fixture(scope="session")
def served_demo(tiny_colorizer):
    """The app's page around the tiny constant-colour model, served in this process; yields its URL."""
    app_page = pytest.importorskip("colorizer.app.page", reason="needs gradio")
    from colorizer.app.loadtest import free_port

    demo = app_page.build_demo(tiny_colorizer)
    port = free_port()
    demo.launch(server_port=port, prevent_thread_lock=True, max_file_size=app_page.MAX_FILE_BYTES, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def gradient_image(width, height):
    """A gray ramp with some texture: a stand-in for a black-and-white photo."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 60, height, dtype=np.float32)[:, None]
    return np.clip(x * 0.8 + y + 20 * np.sin(x / 7.0), 0, 255).astype(np.uint8)


def two_halves(width, height):
    """A photo of a dark left half and a light right half: an edge that colour hints must not cross."""
    photo = np.full((height, width), 200, np.uint8)
    photo[:, : width // 2] = 60
    return photo


def colour_photo(seed, size=48):
    """A small, clearly colourful photo: smooth random colour fields."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (4, 4, 3)).astype(np.uint8)
    return np.asarray(Image.fromarray(base).resize((size, size), Image.BILINEAR))


def write(path, pixels):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path
