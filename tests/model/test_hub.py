"""The Hub round trip through the real huggingface_hub client, against a local fake Hub server."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import constants as hub_constants

from colorizer import Colorizer, WeightsError
from colorizer.model.hub import push_to_hub
from colorizer.model.weights import DECODER_FILE, push_folder

from conftest import colour_photo, gradient_image, write
from fake_hub import FakeHub

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """A fake Hub on localhost; huggingface_hub pointed at it, with a cache of the test's own.

    HF_ENDPOINT is read when huggingface_hub is imported, so in-process tests set the two
    constants it becomes; test_train_py_pushes_to_the_hub sets HF_ENDPOINT itself, as users do.
    """
    with FakeHub() as server:
        monkeypatch.setattr(hub_constants, "ENDPOINT", server.url)
        monkeypatch.setattr(hub_constants, "HUGGINGFACE_CO_URL_TEMPLATE", server.url + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
        monkeypatch.setenv("HF_TOKEN", "hf_test_token")
        yield server


def test_upload_then_download_pinned_to_a_revision(hub, tiny_weights, tiny_colorizer):
    url = push_folder(tiny_weights, "me/colorizer")
    assert url.startswith(f"{hub.url}/me/colorizer/commit/")
    assert set(hub.files("me/colorizer")) == {"config.json", DECODER_FILE}
    revision = url.rsplit("/", 1)[1]

    loaded = Colorizer.from_pretrained("me/colorizer", revision=revision)
    photo = gradient_image(30, 20)
    assert np.array_equal(np.asarray(loaded.colorize(photo)), np.asarray(tiny_colorizer.colorize(photo)))
    assert ("GET", f"/me/colorizer/resolve/{revision}/{DECODER_FILE}") in hub.requests


def test_cache_is_used_when_the_hub_is_unreachable_or_offline(hub, tiny_weights, monkeypatch):
    revision = push_to_hub(tiny_weights, "me/colorizer").rsplit("/", 1)[1]
    Colorizer.from_pretrained("me/colorizer", revision=revision)  # fills the cache
    hub.stop()
    assert Colorizer.from_pretrained("me/colorizer", revision=revision).config.input_size == 32
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    assert Colorizer.from_pretrained("me/colorizer", revision=revision).config.input_size == 32
    with pytest.raises(WeightsError, match="not in the local cache"):
        Colorizer.from_pretrained("me/never-downloaded")


def test_unknown_repo_and_revision_are_clear_errors(hub, tiny_weights):
    push_to_hub(tiny_weights, "me/colorizer")
    with pytest.raises(WeightsError, match="no model repo someone/missing"):
        Colorizer.from_pretrained("someone/missing")
    with pytest.raises(WeightsError, match="no revision 'f{40}'|has no revision"):
        Colorizer.from_pretrained("me/colorizer", revision="f" * 40)


def test_downloaded_files_are_hash_checked(hub, tiny_weights, tmp_path):
    altered = tmp_path / "altered"
    shutil.copytree(tiny_weights, altered)
    document = json.loads((altered / "config.json").read_text())
    document["files"][DECODER_FILE] = "0" * 64
    (altered / "config.json").write_text(json.dumps(document))
    push_to_hub(altered, "me/tampered")
    with pytest.raises(WeightsError, match="does not match the sha256"):
        Colorizer.from_pretrained("me/tampered")


@pytest.mark.slow
def test_train_py_pushes_to_the_hub(tmp_path):
    """The command users run, in its own process: HF_ENDPOINT and HF_TOKEN as a user would set them."""
    for index in range(12):
        write(tmp_path / "photos" / f"{index}.png", colour_photo(index, size=40))
    with FakeHub() as server:
        run = subprocess.run(
            [sys.executable, "train.py", "--data", str(tmp_path / "photos"), "--output", str(tmp_path / "weights"),
             "--cache", str(tmp_path / "cache"), "--input-size", "32", "--encoder-weights", "none", "--epochs", "1",
             "--validation-percent", "30", "--push-to-hub", "me/trained"],
            cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
            env={**_clean_env(), "HF_ENDPOINT": server.url, "HF_TOKEN": "hf_test_token", "HF_HUB_CACHE": str(tmp_path / "hf")},
        )
        assert run.returncode == 0, run.stderr[-2000:]
        assert f"uploaded: {server.url}/me/trained/commit/" in run.stdout
        assert {"config.json", DECODER_FILE, "metrics.json", "README.md"} <= set(server.files("me/trained"))
        for stage in ("== scan: hygiene and split:", "== cache: train features", "== fit: decoder", "== save: weights folder:"):
            assert stage in run.stdout


def _clean_env():
    import os

    return {key: value for key, value in os.environ.items() if not key.startswith("HF_")}


def test_a_bad_repo_id_is_a_clear_error(tmp_path, capsys):
    from colorizer.cli.colorize import main

    write(tmp_path / "a.png", gradient_image(10, 10))
    with pytest.raises(WeightsError, match="is not a Hub repo id"):
        Colorizer.from_pretrained("a/..")
    assert main([str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "--model", "a/.."]) == 1
    assert "is not a Hub repo id" in capsys.readouterr().err


def test_an_unanswering_hub_means_the_cache_alone_at_once(monkeypatch, tmp_path):
    """Where the network hangs, the probe gives up after a few seconds instead of huggingface_hub's retries."""
    import socket
    import threading

    from colorizer.model import hub as hub_module

    release = threading.Event()

    def hanging_connect(*args, **kwargs):
        release.wait(60)
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", hanging_connect)
    assert hub_module.hub_reachable("https://hub.example", timeout=0.2) is False
    release.set()

    calls = []

    def snapshot_download(repo_id, **options):
        calls.append(options)
        from huggingface_hub.errors import LocalEntryNotFoundError

        raise LocalEntryNotFoundError("not cached")

    import huggingface_hub

    monkeypatch.setattr(hub_module, "hub_reachable", lambda endpoint: False)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    with pytest.raises(WeightsError, match="cannot reach the Hub"):
        Colorizer.from_pretrained("someone/model", revision="v1")
    assert calls == [{"revision": "v1", "allow_patterns": hub_module.HUB_FILES, "library_name": "colorizer", "local_files_only": True}]


def test_a_hub_that_accepts_and_never_answers_gives_the_cache_within_the_deadline(hub, tiny_weights, monkeypatch):
    """An endpoint that accepts connections and never replies held the CLI past 600 s and the app's start for ever."""
    import socket
    import time

    from colorizer.model import hub as hub_module

    revision = push_to_hub(tiny_weights, "me/colorizer").rsplit("/", 1)[1]
    Colorizer.from_pretrained("me/colorizer", revision=revision)  # fills the cache
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # accepts (the kernel does) and never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setattr(hub_constants, "ENDPOINT", url)
        monkeypatch.setattr(hub_constants, "HUGGINGFACE_CO_URL_TEMPLATE", url + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.setattr(hub_module, "DOWNLOAD_DEADLINE_S", 2.0)
        assert hub_module.hub_reachable(url)  # the probe alone cannot tell
        start = time.monotonic()
        assert Colorizer.from_pretrained("me/colorizer", revision=revision).config.input_size == 32  # from the cache
        with pytest.raises(WeightsError, match="not in the local cache"):
            Colorizer.from_pretrained("me/never-downloaded")
        assert time.monotonic() - start < 10


def test_only_a_weights_folder_is_pushed(hub, tmp_path):
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(WeightsError, match="is not a weights folder"):
        push_folder(tmp_path, "me/not-a-model")
    assert not any("not-a-model" in path for _, path in hub.requests)  # nothing was sent
