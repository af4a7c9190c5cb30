"""The weights folder: config.json plus the trained decoder, checked by sha256.

A folder holds only what was trained (the decoder, in Keras 3's native `.keras` format,
loaded in safe mode: no pickle, no code); the frozen encoder is rebuilt from the source
named in config.json. `format_version` lets a later version read an older folder:
version 1 decoders (one output, inputs in a list) are rebuilt as today's and given their weights.
"""

import dataclasses
import io
import json
import os
import re
import shutil
import tempfile
import typing
import uuid
import zipfile
from pathlib import Path

import h5py
import numpy as np

from .. import resources
from ..config import ModelConfig
from ..files import sha256_of
from . import hub
from .backend import keras
from .bins import AB_BINS
from .decoders import HINTS_INPUT, build_decoder, frozen_inputs, hint_shape, registered
from .encoder import ENCODER_SOURCES, encoder_weights_file, feature_shapes
from .provenance import check_classifier

FORMAT = "colorizer-weights"
FORMAT_VERSION = 3  # 2: named decoder inputs and outputs; 3: decoder.keras may hold fine-tuned encoder blocks
CONFIG_FILE = "config.json"
DECODER_FILE = "decoder.keras"
ENCODER_FILE = "encoder.weights.h5"  # a model trained on VGG16 weights from a file of one's own keeps a copy here


class WeightsError(RuntimeError):
    """A weights folder that is missing, damaged, altered or from an unknown format."""


def save_folder(folder, config, decoder, training=None, extra_files=None, half_precision=False):
    """Write a weights folder; a half-written folder never replaces a good one.

    Everything is written to a new folder beside `folder`, which then takes its place.
    An existing `folder` is replaced only if it is a weights folder (or empty).
    `extra_files` maps file names to text (metrics.json, the model card) written beside the weights.
    `half_precision` stores the weights as float16 (`store_weights_in_half_precision`): for the shipped model.
    """
    folder = Path(folder)
    check_output_folder(folder)  # also makes the parent folder
    staging = folder.with_name(f".{folder.name}-new-{uuid.uuid4().hex[:8]}")
    staging.mkdir()  # not mkdtemp: the folder that takes the target's place gets the usual permissions
    try:
        decoder.save(staging / DECODER_FILE)
        if half_precision:
            store_weights_in_half_precision(staging / DECODER_FILE)
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text)
        files = [DECODER_FILE]
        if config.encoder_weights not in ENCODER_SOURCES:  # a file of one's own: the folder keeps it, and names it alone
            shutil.copyfile(encoder_weights_file(config.encoder_weights), staging / ENCODER_FILE)
            config = dataclasses.replace(config, encoder_weights=ENCODER_FILE)
            files.append(ENCODER_FILE)
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model": config.to_dict(),
            "files": {name: sha256_of(staging / name) for name in files},
            "training": training,
            "keras_version": keras.__version__,
        }
        (staging / CONFIG_FILE).write_text(json.dumps(document, indent=2) + "\n")
        _swap_folders(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def store_weights_in_half_precision(keras_file):
    """Rewrite a `.keras` file's float32 weights as float16: half the size to store and download (and within the
    size a repository or a Space carries comfortably).

    Keras casts them back into its float32 variables on load; the rounding (1e-3 of a weight)
    is finer than bfloat16's, which the model computes in where the processor has it.
    """
    with zipfile.ZipFile(keras_file) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(keras_file, "w", zipfile.ZIP_STORED) as target:
        for info, data in entries:
            target.writestr(info, _halved_h5(data) if info.filename.endswith(".weights.h5") else data)


def _halved_h5(data):
    halved = io.BytesIO()
    with h5py.File(io.BytesIO(data), "r") as source, h5py.File(halved, "w") as target:
        target.attrs.update(source.attrs)

        def copy(name, item):
            if isinstance(item, h5py.Dataset):
                value = item[()]
                copied = target.create_dataset(name, data=value.astype(np.float16) if value.dtype == np.float32 else value)
            else:
                copied = target.require_group(name)
            copied.attrs.update(item.attrs)

        source.visititems(copy)
    return halved.getvalue()


def push_folder(folder, repo_id, token=None, private=None):
    """Upload a weights folder to the Hugging Face Hub model repo `repo_id` (created if needed); returns the commit URL.

    Refuses (WeightsError) anything that is not a weights folder.
    """
    read_config(folder)
    return hub.push_to_hub(folder, repo_id, token=token, private=private)


def check_output_folder(folder):
    """Refuse to write a weights folder where it would replace anything but another weights folder,
    or where it cannot be written (checked by writing a file beside it)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} is a file: choose a folder for the weights")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / CONFIG_FILE).is_file():
        raise FileExistsError(f"{folder} exists and is not a weights folder: choose another output folder")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder.parent).close()
    except OSError as error:
        raise OSError(f"cannot write the weights folder {folder}: {error.strerror or error}") from None


def _swap_folders(new, target):
    """Put folder `new` in the place of `target` by renames: whole folders, never file by file."""
    if not target.exists():
        os.rename(new, target)
        return
    old = target.with_name(f".{target.name}-old-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)  # put the good folder back
        raise
    shutil.rmtree(old, ignore_errors=True)


def read_config(folder):
    """config.json of a weights folder, checked for format and version."""
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise WeightsError(f"{folder} is not a weights folder: it has no {CONFIG_FILE}")
    try:
        document = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise WeightsError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise WeightsError(f"{path} is not a colorizer weights folder")
    version = document.get("format_version", 1)
    if not _has_type(version, (int,)) or version < 1:
        raise WeightsError(f"{path}: format_version must be a whole number, not {version!r}")
    if version > FORMAT_VERSION:
        raise WeightsError(
            f"{folder} was written by a newer colorizer (format {version}, "
            f"this one reads up to {FORMAT_VERSION}); upgrade the colorizer package"
        )
    _check_schema(document, path)
    return document


def _json_types(annotation):
    """The JSON value types a `ModelConfig` field takes: its annotation's types (a float may be written as a whole number)."""
    types = typing.get_args(annotation) or (annotation,)
    return types + ((int,) if float in types else ())


# config.json's "model" entries and the types they must have (config.json may come from anywhere)
MODEL_SCHEMA = {setting.name: _json_types(setting.type) for setting in dataclasses.fields(ModelConfig)}
REQUIRED_MODEL_KEYS = ("input_size", "decoder", "head", "temperature", "encoder_weights")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _has_type(value, types):
    """isinstance, except that True and False are only booleans (Python counts them as ints too)."""
    return bool in types if isinstance(value, bool) else isinstance(value, types)


def _check_schema(document, path):
    """The parts of config.json that loading uses: their presence and types."""
    model, files = document.get("model"), document.get("files")
    if not isinstance(model, dict):
        raise WeightsError(f"{path}: 'model' must be an object with the model's settings")
    for key in REQUIRED_MODEL_KEYS:
        if key not in model:
            raise WeightsError(f"{path}: 'model' lacks {key!r}")
    for key, types in MODEL_SCHEMA.items():
        value = model.get(key)
        if key in model and not _has_type(value, types):
            raise WeightsError(f"{path}: model.{key} has the wrong type ({type(value).__name__})")
    if not isinstance(files, dict) or DECODER_FILE not in files:
        raise WeightsError(f"{path}: 'files' must list {DECODER_FILE} with its sha256")
    for name, digest in files.items():
        if not isinstance(name, str) or Path(name).name != name or name.startswith("."):
            raise WeightsError(f"{path}: {name!r} in 'files' is not a plain file name in the folder")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise WeightsError(f"{path}: the sha256 of {name} is not 64 hexadecimal digits")
    if not isinstance(document.get("training"), (dict, type(None))):
        raise WeightsError(f"{path}: 'training' must be an object")


def load_folder(folder):
    """(ModelConfig, decoder, config document) of a weights folder, after checking every file's sha256."""
    folder = Path(folder)
    document = read_config(folder)
    for name, expected in document["files"].items():
        file = folder / name
        if not file.is_file():
            raise WeightsError(f"{file} is missing")
        actual = sha256_of(file)
        if actual != expected:
            raise WeightsError(
                f"{file} does not match the sha256 in {CONFIG_FILE} (expected {expected[:12]}..., "
                f"found {actual[:12]}...): the file is damaged or was changed; download or train it again"
            )
    try:
        config = ModelConfig.from_dict(document["model"])
        registered(config.decoder)
    except ValueError as error:
        raise WeightsError(f"{folder / CONFIG_FILE}: {error}") from None
    try:
        check_classifier(config)
    except ValueError as error:
        raise WeightsError(f"{folder / CONFIG_FILE}: {error}") from None
    if config.encoder_weights not in ENCODER_SOURCES:  # never a path of the machine's: a file the folder lists, checked above
        if config.encoder_weights not in document["files"]:
            known = ", ".join(repr(name) for name in ENCODER_SOURCES if name)
            raise WeightsError(
                f"{folder / CONFIG_FILE}: encoder_weights must be {known}, or a file the folder lists, not {config.encoder_weights!r}"
            )
        config = dataclasses.replace(config, encoder_weights=str(folder / config.encoder_weights))
    try:
        decoder = keras.saving.load_model(folder / DECODER_FILE, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001 (Keras raises many kinds for files it cannot or will not load)
        reason = str(error).strip().split("\n")[0][:200]
        raise WeightsError(f"{folder / DECODER_FILE} cannot be loaded as a safe Keras 3 model ({type(error).__name__}: {reason})") from None
    if document.get("format_version", 1) < 2:
        decoder = _from_version_1(decoder, config)
    _check_decoder(decoder, config, folder / DECODER_FILE)
    return config, decoder, document


def _check_decoder(decoder, config, path):
    """The decoder takes the inputs and gives the outputs its config says, at its sizes."""
    expected_inputs = feature_shapes(config, frozen_inputs(config))
    if config.hints:
        expected_inputs[HINTS_INPUT] = hint_shape(config)
    expected_outputs = {"ab": (config.input_size, config.input_size, 2)}
    if config.head == "classification":
        expected_outputs["logits"] = (config.input_size // 4, config.input_size // 4, len(AB_BINS))
    inputs, outputs = decoder.input, decoder.output
    if (
        not isinstance(inputs, dict) or not isinstance(outputs, dict)
        or {name: tuple(tensor.shape[1:]) for name, tensor in inputs.items()} != expected_inputs
        or {name: tuple(tensor.shape[1:]) for name, tensor in outputs.items()} != expected_outputs
    ):
        raise WeightsError(f"{path} is not a {config.decoder} decoder with a {config.head} head at {config.input_size} pixels, as config.json says")


def _from_version_1(saved, config):
    """A version-1 decoder (inputs in a list, "ab" its only output) as today's decoder, same weights."""
    decoder = build_decoder(config)
    saved_layers = {layer.name: layer for layer in saved.layers if layer.weights}
    current_layers = {layer.name: layer for layer in decoder.layers if layer.weights}
    if saved_layers.keys() != current_layers.keys():
        raise WeightsError(f"the saved decoder's layers do not match a {config.decoder} decoder with a {config.head} head")
    try:
        for name, layer in current_layers.items():
            layer.set_weights(saved_layers[name].get_weights())
    except ValueError:
        raise WeightsError(f"the saved decoder's weights do not fit a {config.decoder} decoder at {config.input_size} pixels") from None
    return decoder


def resolve(name_or_path=None, revision=None):
    """A local folder for a model: the shipped one, a local path, or a Hub repo id (downloaded and cached)."""
    if name_or_path is None:
        return resources.shipped_weights()
    path = Path(name_or_path)
    if path.exists():
        return path
    if hub.is_hub_id(name_or_path):
        try:
            return hub.download_from_hub(str(name_or_path), revision=revision)
        except hub.HubError as error:
            raise WeightsError(str(error)) from None
    raise WeightsError(f"{name_or_path} is neither a weights folder nor a Hub repo id like USER/REPO")
