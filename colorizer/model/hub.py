"""The Hugging Face Hub: model ids, download (cached, pinned, failing fast offline) and upload."""

import re
import socket
import threading
import urllib.parse
from pathlib import Path

HUB_FILES = ["config.json", "*.keras", "*.json", "*.h5", "README.md"]  # *.h5: a copy of VGG16 weights of its own
PROBE_TIMEOUT_S = 3.0  # how long to wait for the Hub before using the local cache alone
DOWNLOAD_DEADLINE_S = 30.0  # the whole download; a Hub that accepts and then stalls gets no longer
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class HubError(RuntimeError):
    """The Hub could not give the model asked for; the message says why."""


def is_hub_id(name):
    return bool(_HUB_ID.match(str(name))) and not Path(name).exists()


def parse_model_spec(spec):
    """"USER/REPO@REVISION" -> ("USER/REPO", "REVISION"); a folder or a plain repo id -> (spec, None)."""
    name, separator, revision = str(spec).rpartition("@")
    if separator and is_hub_id(name) and revision:
        return name, revision
    return str(spec), None


def download_from_hub(repo_id, revision=None):
    """Download (or reuse from the local cache) a model repo, pinned to `revision` if given.

    Reads only the cache when HF_HUB_OFFLINE=1, when the Hub does not accept a connection within
    PROBE_TIMEOUT_S (instead of waiting through huggingface_hub's retries), or when the download
    has not finished within DOWNLOAD_DEADLINE_S (a Hub that accepts and never answers).
    """
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    def fetch(local_files_only):
        return snapshot_download(
            repo_id, revision=revision, allow_patterns=HUB_FILES, library_name="colorizer", local_files_only=local_files_only
        )

    offline = constants.HF_HUB_OFFLINE or not hub_reachable(constants.ENDPOINT)
    try:
        try:
            folder = fetch(True) if offline else within(DOWNLOAD_DEADLINE_S, lambda: fetch(False))
        except TimeoutError:
            folder = fetch(True)
        return Path(folder)
    except HFValidationError:
        raise HubError(f"{repo_id!r} is not a Hub repo id (USER/REPO: letters, digits, '-', '_' and '.')") from None
    except RevisionNotFoundError:
        raise HubError(f"the Hub repo {repo_id} has no revision {revision!r}") from None
    except RepositoryNotFoundError:
        raise HubError(f"no model repo {repo_id} on the Hub (or it is private: log in with `hf auth login`)") from None
    except LocalEntryNotFoundError:
        raise HubError(
            f"cannot reach the Hub to download {repo_id}" + (f"@{revision}" if revision else "") + ", "
            "and it is not in the local cache; connect once, or use a local weights folder"
        ) from None


def push_to_hub(folder, repo_id, token=None, private=None, commit_message="Upload colorizer weights"):
    """Create the model repo if needed and upload a folder's HUB_FILES; returns the commit URL.

    The token comes from `token`, else HF_TOKEN, else the saved `hf auth login`. Only transport:
    `weights.push_folder` checks that the folder is a weights folder first.
    """
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    commit = api.upload_folder(repo_id=repo_id, folder_path=str(folder), commit_message=commit_message, allow_patterns=HUB_FILES)
    return commit.commit_url


def within(seconds, function):
    """function() run in a background thread, given `seconds`: its result, its exception, or TimeoutError.

    A call stuck in a socket read cannot be interrupted; it is left to end by itself (daemon thread).
    """
    outcome = {}

    def run():
        try:
            outcome["result"] = function()
        except BaseException as error:  # noqa: BLE001 (handed to the caller as it was)
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"no answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def hub_reachable(endpoint, timeout=PROBE_TIMEOUT_S):
    """Whether the Hub's host accepts a connection within `timeout` seconds (name lookup included)."""
    address = urllib.parse.urlsplit(endpoint)
    port = address.port or (443 if address.scheme == "https" else 80)
    answered = threading.Event()

    def connect():
        try:
            socket.create_connection((address.hostname, port), timeout=timeout).close()
            answered.set()
        except OSError:
            pass

    probe = threading.Thread(target=connect, daemon=True)
    probe.start()
    probe.join(timeout)
    return answered.is_set()
