"""`Colorizer`: the one object the CLI, the app, the cluster, training and evaluation share.

A photo's way through it, each step one function:

1. load: any image becomes a `Photo`, its full-resolution L*, alpha and metadata (`colour.images.load_photo`);
2. L at model size: L resized to S x S, inside a mirrored frame margin (`colour.processor.ImageProcessor.model_input`);
3. encoder: VGG16's convolutions on L, the frozen blocks (`model.encoder.build_encoder`);
4. decoder: the trained part (fine-tuned VGG16 blocks and the decoder) to a and b (`model.decoders`);
5. ab: the frame cut away, a and b normalised (/ AB_SCALE) at S x S, and the regions of the
   photo's L: the `Prediction` (`ImageProcessor.unframed`, `colour.regions.find_regions`);
6. one colour per thing: within each region, the model's colour made one decision (`colour.regions.even_colour`);
7. hints: each stroke's colour spread along edges, kept to the things painted on (`hints.objects.painted_colour`);
8. laid on full-size L: ab upsampled onto the photo's own L* and made sRGB, at the strength asked
   for (`ImageProcessor.postprocess`).

Steps 1-5 are `predict` (the model, once per photo); steps 6-8 are `render` (no model: cheap, so
a new strength or stroke renders again without predicting).
"""

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .colour.images import Photo, load_photo
from .colour.outputs import DEFAULT_JPEG_QUALITY, DEFAULT_OUTPUT_FORMAT, save_image, to_pil
from .colour.processor import ImageProcessor
from .colour.regions import DEFAULT_REGION_COLOUR, PhotoRegions, RegionColour, even_colour, find_regions
from .config import DEFAULT_PRECISION, DEFAULT_STRENGTH, ModelConfig, check_strength
from .hints.objects import painted_colour, read_painted
from .hints.spreading import DEFAULT_SPREADING, Spreading
from .model import provenance, weights
from .model.backend import keras
from .model.decoders import HINTS_INPUT, build_trained_part, frozen_inputs, hint_shape, set_temperature
from .model.encoder import build_encoder
from .model.precision import choose_precision


@dataclass(frozen=True)
class Prediction:
    """A photo decoded once and the model's colour for it, at the model's scale: what `Colorizer.render` works on.

    Attributes
    ----------
    photo : Photo
        The full-resolution L, alpha and metadata.
    lightness : (S, S, 1) float32 array
        The photo's L (0..100) at the model's size, without the frame margin (the spreading of hints follows its edges).
    ab : (S, S, 2) float32 array
        The model's a and b, normalised: Lab units / AB_SCALE, in [-1, 1]; without hints.
    features : dict or None
        The encoder's outputs for the photo (1 x ... arrays), kept for a model whose decoder reads hints.
        None: `ab` is the colour whatever the hints (a film's steadied colour).
    regions : PhotoRegions or None
        The regions of the photo's L, where the colour is made one per thing; None: the model's colour as it is.
    """

    photo: Photo
    lightness: np.ndarray
    ab: np.ndarray
    features: dict | None = None
    regions: PhotoRegions | None = None


def computing_copy(decoder, config: ModelConfig, precision: str):
    """The trained part to compute with: `decoder` itself in float32, else rebuilt in `precision` with its weights.

    A weights folder's trained part loads as a float32 model; with fine-tuned VGG16 blocks inside it,
    float32 would leave most of the model's work out of bfloat16.
    """
    if precision == "float32" or decoder.dtype_policy.name != "float32":
        return decoder
    copy = build_trained_part(config, precision)
    try:
        copy.set_weights(decoder.get_weights())
    except ValueError:  # a folder from an older layout: compute as stored
        return decoder
    return copy


class Colorizer:
    """Black-and-white photo in, colour photo out, at the photo's own size.

    >>> colorizer = Colorizer.from_pretrained()            # the shipped model
    >>> colorizer.colorize("old_photo.jpg").save("colour.png")

    Parameters
    ----------
    encoder, decoder : keras.Model
        The encoder (L to named features) and the decoder (features to named outputs, "ab" among them).
    config : ModelConfig
        The architecture both were built for.
    info : dict, optional
        The weights folder's config.json, if loaded from one.
    source : str
        Where the weights came from, for messages: a folder or USER/REPO@REVISION.
    precision : str
        What the encoder computes in, "float32" or "bfloat16" (see `model/precision.py`), for messages.
    spreading : Spreading
        How hints spread through their regions (`hints.spreading`).
    region_colour : RegionColour or None
        How the model's colour is made one per thing (`colour.regions`); None: the model's colour as it
        is (the seeds' way, for comparison).
    """

    def __init__(
        self, encoder, decoder, config: ModelConfig, info=None, source="untrained", precision="float32",
        spreading: Spreading = DEFAULT_SPREADING, region_colour: RegionColour | None = DEFAULT_REGION_COLOUR,
    ):
        self.encoder, self.decoder, self.config = encoder, decoder, config  # the trained part as stored (float32)
        self.computing_decoder = computing_copy(decoder, config, precision)  # ... and as it computes
        self.processor = ImageProcessor(config.input_size, 0 if config.hints else config.frame_margin)
        self.info = info or {}
        self.source = source
        self.precision = precision
        self.spreading = spreading
        self.region_colour = region_colour
        self.set_temperature(config.temperature)
        lightness = keras.Input(encoder.input.shape[1:], name="lightness")
        features, inputs = dict(encoder(lightness)), [lightness]
        if config.hints:
            features[HINTS_INPUT] = keras.Input(hint_shape(config), name=HINTS_INPUT)
            inputs.append(features[HINTS_INPUT])
        self.model = keras.Model(inputs, self.computing_decoder(features)["ab"], name="colorizer")  # L (and hints) -> ab / AB_SCALE

    @classmethod
    def from_pretrained(
        cls, name_or_path=None, revision=None, precision: str = DEFAULT_PRECISION, spreading: Spreading = DEFAULT_SPREADING,
        region_colour: RegionColour | None = DEFAULT_REGION_COLOUR,
    ):
        """Load a weights folder: None for the shipped model, a local path, or a Hub id "USER/REPO".

        `precision`: "auto" (bfloat16 where the processor has instructions for it), "float32" or "bfloat16".
        `spreading`: how hints spread; `region_colour`: how colour is made one per thing, None for the
        model's colour as it is (the defaults are what measured best).
        """
        folder = weights.resolve(name_or_path, revision=revision)
        config, decoder, document = weights.load_folder(folder)
        provenance.warn_if_encoder_differs(config)
        source = "the shipped model" if name_or_path is None else str(name_or_path) + (f"@{revision}" if revision else "")
        return cls._with_encoder(config, decoder, choose_precision(precision), document, source, spreading, region_colour)

    @classmethod
    def untrained(cls, config=None, decoder=None, precision: str = DEFAULT_PRECISION):
        """A colorizer with a fresh (or given) trained part (decoder, and fine-tuned encoder blocks): training, tests."""
        config = config or ModelConfig()
        decoder = decoder if decoder is not None else build_trained_part(config)
        return cls._with_encoder(config, decoder, choose_precision(precision))

    @classmethod
    def _with_encoder(cls, config, decoder, precision, info=None, source="untrained", spreading=DEFAULT_SPREADING, region_colour=DEFAULT_REGION_COLOUR):
        encoder = build_encoder(config, frozen_inputs(config), precision)
        return cls(encoder, decoder, config, info, source, precision, spreading, region_colour)

    def with_region_colour(self, region_colour: RegionColour | None) -> "Colorizer":
        """This colorizer (the same model, not a copy) with another way of making colour one per thing (None: none)."""
        return Colorizer(self.encoder, self.decoder, self.config, self.info, self.source, self.precision, self.spreading, region_colour)

    @property
    def input_size(self) -> int:
        return self.config.input_size

    @property
    def trained_with_hints(self) -> bool:
        """Whether its decoder reads the hint map (trained with --hints); every model takes hints (`hints.spreading`)."""
        return self.config.hints

    def predict_ab(self, lightness_batch: np.ndarray, hint_batch: np.ndarray | None = None) -> np.ndarray:
        """The model on a batch of L at its input size: N x S x S x 1 (0..100) -> N x S x S x 2 in [-1, 1].

        A model trained with hints also gets `hint_batch` (N x S/4 x S/4 x 3; none: zeros); others ignore it.
        """
        lightness_batch = np.asarray(lightness_batch, dtype=np.float32)
        if not self.trained_with_hints:
            return np.asarray(self.model.predict_on_batch(lightness_batch))
        if hint_batch is None:
            hint_batch = np.zeros((len(lightness_batch), *hint_shape(self.config)), np.float32)
        return np.asarray(self.model.predict_on_batch([lightness_batch, np.asarray(hint_batch, dtype=np.float32)]))

    def predict(self, image) -> Prediction:
        """Decode one image (path, bytes, PIL image or numpy array) and run the model on it: the slow part, once.

        `render` then makes its colour version at any strength and with any hints, without the model.
        """
        return self.predict_batch([image])[0]

    def predict_batch(self, images, batch_size=8) -> list[Prediction]:
        """`predict` for several images, `batch_size` at a time through the model."""
        predictions = []
        for start in range(0, len(images), batch_size):
            photos = [load_photo(image) for image in images[start : start + batch_size]]
            lightness, model_input = zip(*(self.processor.model_input(photo) for photo in photos))
            with ThreadPoolExecutor(max_workers=1) as helper:  # the regions are found while the model runs
                regions = helper.submit(self._find_regions, photos)
                ab_batch, features = self._run_model(np.stack(model_input))
            ab_batch = [self.processor.unframed(ab) for ab in ab_batch]
            predictions.extend(map(Prediction, photos, lightness, ab_batch, features, regions.result()))
        return predictions

    def _find_regions(self, photos):
        """Each photo's regions, where its colour is made one per thing (`colour.regions`); None each without."""
        return [find_regions(photo.lightness, self.region_colour) if self.region_colour else None for photo in photos]

    def _run_model(self, model_input):
        """The model's ab for a batch of its inputs, and each photo's encoder features where hints need them again.

        A model that reads hints keeps them, so that strokes run its decoder again and not VGG16;
        the others run as one model, and keep none.
        """
        if not self.trained_with_hints:
            return self.predict_ab(model_input), [None] * len(model_input)
        encoded = self.encoder.predict_on_batch(model_input)
        features = [{name: value[index : index + 1] for name, value in encoded.items()} for index in range(len(model_input))]
        return [self._decode(feature) for feature in features], features

    def _decode(self, features, hint_map=None):
        """The decoder's ab (S x S x 2) for one photo's encoder features and hint map (none: no hints)."""
        hints = np.zeros(hint_shape(self.config), np.float32) if hint_map is None else hint_map
        return np.asarray(self.computing_decoder.predict_on_batch({**features, HINTS_INPUT: hints[None]})["ab"])[0]

    def render_pixels(self, prediction: Prediction, strength: float = DEFAULT_STRENGTH, hints=None) -> np.ndarray:
        """The colour photo's pixels (H x W x 3, or x 4 with alpha; uint8, or uint16 for a deep photo) from a prediction.

        `hints` as for `colorize`: each hint's colour is carried through its thing (a model trained with hints reads them too).
        """
        gain = self.config.chroma_gain * check_strength(strength)
        return self.processor.postprocess(prediction.photo, self.colour(prediction, hints), gain)

    def colour(self, prediction: Prediction, hints=None) -> np.ndarray:
        """What `render_pixels` lays on the photo: the model's a and b (/ AB_SCALE), one per thing, `hints` spread (regions' size or S x S)."""
        hint_map, painted = (None, None) if hints is None else read_painted(hints, prediction.photo.size, hint_shape(self.config)[0], prediction.regions)
        ab = self._model_ab(prediction, hint_map)
        if self.region_colour and prediction.regions is not None:
            ab = even_colour(ab, prediction.regions, self.region_colour)
        return ab if hint_map is None else painted_colour(ab, prediction.lightness, hint_map, self.spreading, prediction.regions, painted)

    def _model_ab(self, prediction, hint_map):
        """The model's own colour (S x S x 2): `ab`, or the decoder run again with the hints, for a model that reads them."""
        if hint_map is None or not self.trained_with_hints or prediction.features is None:
            return prediction.ab
        return self._decode(prediction.features, hint_map)

    def render(self, prediction: Prediction, strength: float = DEFAULT_STRENGTH, hints=None):
        """`render_pixels` as a PIL image, with the photo's metadata in its `info`."""
        return to_pil(self.render_pixels(prediction, strength, hints), prediction.photo.metadata)

    def render_to_file(
        self, prediction: Prediction, path, strength: float = DEFAULT_STRENGTH, format: str = DEFAULT_OUTPUT_FORMAT,
        quality: int = DEFAULT_JPEG_QUALITY, hints=None,
    ) -> Path:
        """`render_pixels` written to `path` as PNG or JPEG, atomically, with what the photo carried (see `colorize_to_file`)."""
        return save_image(self.render_pixels(prediction, strength, hints), path, prediction.photo.metadata, format, quality)

    def colorize(self, image, strength: float = DEFAULT_STRENGTH, hints=None):
        """Colorize one image (path, bytes, PIL image or numpy array); returns a PIL image (RGBA if it had alpha).

        `strength` (0 to 3) is how much colour: 1 is the model's measured best, 0.5 subtler, 2 more vivid, 0 gray.
        `hints`: an RGBA image the size of the photo, whose opaque pixels' colours are hints (their
        lightness is ignored), or a list of (x, y, colour) points with colours as (r, g, b) or
        "#rrggbb"; each hint's colour is carried through its region, along the photo's edges.
        The image's `info` holds the photo's EXIF, dpi and colour profile; `colorize_to_file`
        writes them, and 16 bits for a 16-bit photo. The same as `render(predict(image), ...)`.
        """
        check_strength(strength)  # before the model runs
        return self.render(self.predict(image), strength, hints)

    def colorize_batch(self, images, batch_size=8, strength: float = DEFAULT_STRENGTH):
        """Colorize several images (without hints), `batch_size` at a time through the model; returns PIL images in order."""
        check_strength(strength)
        results = []
        for start in range(0, len(images), batch_size):  # a batch's predictions go once rendered
            results += [self.render(prediction, strength) for prediction in self.predict_batch(images[start : start + batch_size])]
        return results

    def colorize_to_file(
        self, image, path, strength: float = DEFAULT_STRENGTH, format: str = DEFAULT_OUTPUT_FORMAT,
        quality: int = DEFAULT_JPEG_QUALITY, hints=None,
    ) -> Path:
        """Colorize one image into `path` as PNG or JPEG ("png" or "jpg"), atomically, keeping what the photo carried.

        EXIF, dpi and an RGB colour profile go into the file; PNG also keeps alpha and 16 bits.
        """
        check_strength(strength)
        return self.render_to_file(self.predict(image), path, strength, format, quality, hints)

    def colorize_video(self, source, destination, strength: float = DEFAULT_STRENGTH, hints=None, hints_frame: int = 0, **options):
        """Colour the film `source` (MP4, MOV, MKV, WebM, AVI) into `destination` (MP4, H.264, the sound copied).

        The colour is carried along the motion from frame to frame, so it holds steady; `hints` painted on frame
        `hints_frame` follow the motion to the end of their shot. `options`: those of `video.film.colorize_film`
        (quality, steady, limits, progress). Returns the film's `FilmInfo`.
        """
        from .video.film import colorize_film  # PyAV and OpenCV: only for films

        check_strength(strength)
        return colorize_film(self, source, destination, strength, hints=hints, hints_frame=hints_frame, **options)

    def set_temperature(self, temperature: float):
        """Change the annealed-mean temperature of a classification model (lower: more vivid)."""
        self.config = dataclasses.replace(self.config, temperature=temperature)
        for decoder in (self.decoder, self.computing_decoder):  # the same object in float32: set twice, harmlessly
            set_temperature(decoder, temperature)

    def save(self, folder, **extra) -> Path:
        """Write this colorizer's weights folder (see `weights.save_folder` for `extra`)."""
        return weights.save_folder(folder, self.config, self.decoder, **extra)
