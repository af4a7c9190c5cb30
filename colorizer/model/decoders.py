"""The decoders: from the encoder's features back to a and b. One `DECODERS` entry each.

Every decoder takes a dict of the encoder outputs it names in `inputs` and returns named
outputs: "ab" (S x S x 2, ab / AB_SCALE in [-1, 1]: what the colorizer shows) and, with the
classification head, "logits" (S/4 x S/4 x Q bin logits: what its loss trains).
Adding a decoder is one builder function and one entry below.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ..colour import lab
from ..hints.strokes import HINT_CHANNELS
from .backend import keras, layers
from .bins import AB_BINS, AnnealedMean
from .classifier import CLASSIFIER_FUSIONS, CLASSIFIER_OUTPUTS
from .encoder import build_encoder_top, feature_shapes, frozen_outputs, top_input
from .precision import computing_in

HINTS_INPUT = "hints"  # the decoder input of a model trained with hints (not an encoder output)
CLASSIFIER_PROJECTION = 256  # the classifier's pooled vector's width once projected, spread over every cell of the bottleneck


@dataclass(frozen=True)
class DecoderSpec:
    """A registered decoder: its builder, the encoder outputs it reads (in order), and a description."""

    build: Callable  # (ModelConfig) -> keras.Model with dict inputs and named outputs
    inputs: tuple[str, ...]
    description: str


def _conv(filters, name, activation="relu", **options):
    return layers.Conv2D(filters, 3, padding="same", activation=activation, name=name, **options)


# The heads compute in float32 whatever the rest does (precision.py): the logits feed a softmax at a low
# temperature and the loss, where bfloat16's 8-bit mantissa would show.
HEAD_DTYPE = "float32"


def _classification_head(x, config):
    """ab-bin logits at S/4, their annealed mean, upsampled bilinearly x4 to S (Zhang et al.)."""
    logits = layers.Conv2D(len(AB_BINS), 1, name="ab_logits", dtype=HEAD_DTYPE)(x)
    ab = AnnealedMean(AB_BINS / lab.AB_SCALE, config.temperature, name="annealed_mean", dtype=HEAD_DTYPE)(logits)
    return {"ab": layers.UpSampling2D(4, interpolation="bilinear", name="ab", dtype=HEAD_DTYPE)(ab), "logits": logits}


def decoder_inputs(config):
    """The encoder outputs a decoder of this config reads: its registered ones, and the classifier's it fuses."""
    inputs = registered(config.decoder).inputs
    return inputs + CLASSIFIER_FUSIONS[config.classifier_fusion].outputs if config.classifier else inputs


def _inputs(config):
    shapes = feature_shapes(config, decoder_inputs(config))
    if config.hints:
        shapes[HINTS_INPUT] = hint_shape(config)
    return {name: keras.Input(shape, name=name) for name, shape in shapes.items()}


def hint_shape(config):
    """The hint map a model takes: S/4 x S/4 x (a, b, mask)."""
    return (config.input_size // 4,) * 2 + (HINT_CHANNELS,)


@keras.saving.register_keras_serializable(package="colorizer")
class HintPooling(layers.Layer):
    """The hint map on a coarser grid (`factor` x fewer cells a side): each cell's ab is the mean
    of the hints inside it and its mask says whether there are any.

    A plain average would divide a lone hint's colour by factor^2, so at S/32 a stroke would
    all but vanish; this keeps its colour whole at every scale.
    """

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, hints):
        ab, mask = hints[..., :2], hints[..., 2:]
        pooled_ab = keras.ops.average_pool(ab * mask, self.factor, self.factor)
        share = keras.ops.average_pool(mask, self.factor, self.factor)
        present = keras.ops.cast(share > 0, share.dtype)
        return keras.ops.concatenate([pooled_ab / keras.ops.maximum(share, 1e-6), present], axis=-1)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def build_bottleneck_decoder(config):
    """The original design's decoder from the S/32 bottleneck back to ab at S.

    Convolutions, one transposed convolution and 2x upsamplings, ReLU throughout. The
    regression head ends as that design does (tanh, 2 channels, full size); the classification
    head predicts ab bins at S/4, as Zhang et al. do, and upsamples their annealed mean.
    """
    inputs = _inputs(config)
    x = _conv(256, "decoder_conv1")(inputs["block5_pool"])
    x = _conv(128, "decoder_conv2")(x)
    x = layers.Conv2DTranspose(128, 3, strides=2, padding="same", activation="relu", name="decoder_up1")(x)
    x = _conv(64, "decoder_conv3")(x)
    x = layers.UpSampling2D(2, name="decoder_up2")(x)
    x = _conv(64, "decoder_conv4")(x)
    x = layers.UpSampling2D(2, name="decoder_up3")(x)  # S/4
    if config.head == "classification":
        outputs = _classification_head(_conv(64, "decoder_conv5")(x), config)
    else:
        x = _conv(32, "decoder_conv5")(x)
        x = layers.UpSampling2D(2, name="decoder_up4")(x)
        x = _conv(16, "decoder_conv6")(x)
        x = layers.UpSampling2D(2, name="decoder_up5")(x)
        outputs = {"ab": _conv(2, "ab", activation="tanh", dtype=HEAD_DTYPE)(x)}
    return keras.Model(inputs, outputs, name="decoder")


def _classifier_features(inputs, config):
    """{scale: [tensors]} the classifier adds to the unet decoder's joins (0: S/32, 1: S/16): its pooled vector
    projected and spread over the bottleneck (Iizuka et al. 2016; Baldassarre et al. 2017), and with "global+maps"
    its stride-32 and stride-16 maps, narrowed by 1x1 convolutions as the skip features are."""
    side = config.input_size // 32
    vector = layers.Dense(CLASSIFIER_PROJECTION, activation="relu", name="classifier_projected")(inputs["classifier_pooled"])
    spread = layers.UpSampling2D(side, name="classifier_spread")(layers.Reshape((1, 1, CLASSIFIER_PROJECTION), name="classifier_cell")(vector))
    added = {0: [spread]}
    if "classifier_stride32" in inputs:
        added[0].append(layers.Conv2D(128, 1, activation="relu", name="classifier_stride32_narrowed")(inputs["classifier_stride32"]))
        added[1] = [layers.Conv2D(64, 1, activation="relu", name="classifier_stride16_narrowed")(inputs["classifier_stride16"])]
    return added


def build_unet_decoder(config):
    """A multi-scale decoder: the bottleneck upsampled step by step, joined at each scale by
    the encoder's own features there (block4_pool, block3_pool) and finally by L itself,
    so that colour follows the edges the encoder sees instead of bleeding across them.
    A model trained with hints gets them at every scale from S/32 to S/4 (`HintPooling`), beside the skip features.

    Skip features are narrowed by 1x1 convolutions first, which keeps an epoch on 2 cores
    close to the bottleneck decoder's. Both heads work at S/4 and upsample ab bilinearly.
    """
    inputs = _inputs(config)
    hints = {}
    if config.hints:  # joined at every scale, so that a stroke can colour the whole region it lies in
        hints = {
            scale: [HintPooling(2 ** (3 - scale), name=f"hints_pooled{scale}")(inputs[HINTS_INPUT])] if scale < 3
            else [inputs[HINTS_INPUT]] for scale in range(4)
        }
    semantic = _classifier_features(inputs, config) if config.classifier else {}
    x = inputs["block5_pool"]
    joined = [*hints.get(0, []), *semantic.get(0, [])]
    x = layers.Concatenate(name="decoder_join0")([x, *joined]) if joined else x
    x = _conv(256, "decoder_conv1")(x)  # S/32
    for scale, (skip, width, filters) in enumerate([("block4_pool", 128, 128), ("block3_pool", 64, 96)], start=1):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"decoder_up{scale}")(x)
        narrowed = layers.Conv2D(width, 1, activation="relu", name=f"{skip}_narrowed")(inputs[skip])
        x = layers.Concatenate(name=f"decoder_join{scale}")([x, narrowed, *hints.get(scale, []), *semantic.get(scale, [])])
        x = _conv(filters, f"decoder_conv{scale + 1}")(x)
    x = layers.UpSampling2D(2, interpolation="bilinear", name="decoder_up3")(x)  # S/4
    x = layers.Concatenate(name="decoder_join3")([x, inputs["lightness_quarter"], *hints.get(3, [])])
    x = _conv(64, "decoder_conv4")(x)
    if config.head == "classification":
        outputs = _classification_head(x, config)
    else:
        ab = _conv(2, "ab_quarter", activation="tanh", dtype=HEAD_DTYPE)(x)
        outputs = {"ab": layers.UpSampling2D(4, interpolation="bilinear", name="ab", dtype=HEAD_DTYPE)(ab)}
    return keras.Model(inputs, outputs, name="decoder")


DECODERS = {
    "unet": DecoderSpec(
        build_unet_decoder,
        ("block5_pool", "block4_pool", "block3_pool", "lightness_quarter"),
        "a multi-scale (U-Net-like) decoder that also takes VGG16's block4_pool and block3_pool and L at 1/4 size",
    ),
    "bottleneck": DecoderSpec(build_bottleneck_decoder, ("block5_pool",), "the original design's decoder (convolutions and upsampling), from VGG16's block5_pool alone"),
}


def build_decoder(config):
    """A new decoder of the config's kind (random weights)."""
    return registered(config.decoder).build(config)


def registered(name):
    """The `DECODERS` entry called `name`; an unknown name is a ValueError listing the known ones."""
    if name not in DECODERS:
        raise ValueError(f"unknown decoder {name!r}; choose one of {sorted(DECODERS)}")
    return DECODERS[name]


def build_trained_part(config, precision="float32"):
    """Everything a weights folder stores: the decoder, with the encoder's trainable top blocks before it if any.

    Its inputs are the frozen encoder's outputs (`frozen_inputs`), its outputs the decoder's. It computes
    in `precision` ("float32" or "bfloat16"), the heads in float32; its weights are float32 either way.
    """
    with computing_in(precision):
        return _build_trained_part(config)


def _build_trained_part(config):
    decoder = build_decoder(config)
    if not config.encoder_trainable:
        return decoder
    names = frozen_inputs(config)
    inputs = {name: keras.Input(shape, name=name) for name, shape in feature_shapes(config, names).items()}
    made = build_encoder_top(config)(inputs[top_input(config)])
    features = {name: made[name] if name in made else inputs[name] for name in decoder_inputs(config)}
    if config.hints:
        inputs[HINTS_INPUT] = features[HINTS_INPUT] = keras.Input(hint_shape(config), name=HINTS_INPUT)
    return keras.Model(inputs, decoder(features), name="trained")


def frozen_inputs(config):
    """The frozen encoder outputs the trained part reads."""
    return frozen_outputs(config, decoder_inputs(config))


def cached_outputs(config):
    """What the feature cache keeps of each photo: enough for the decoder with any number of fine-tuned blocks, and
    with a classifier, all its outputs (every fusion then shares one cache)."""
    classified = tuple(CLASSIFIER_OUTPUTS) if config.classifier else ()
    return tuple(dict.fromkeys([*decoder_inputs(config), "block4_pool", "block3_pool", *classified]))


def set_temperature(decoder, temperature):
    """Set the annealed-mean temperature of a classification decoder (no effect on a regression one)."""
    for layer in decoder.layers:
        if isinstance(layer, AnnealedMean):
            layer.temperature.assign(temperature)
        elif isinstance(layer, keras.Model):  # the decoder inside a trained part
            set_temperature(layer, temperature)
