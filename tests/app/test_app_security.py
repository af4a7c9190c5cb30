"""Hostile requests to the app: it reads only what was uploaded, and what it reads is bounded."""

from pathlib import Path

import pytest

from conftest import gradient_image, write

gradio = pytest.importorskip("gradio")

from colorizer.app import page as app_page
from colorizer.app import uploads
from colorizer.app.loadtest import call
from colorizer.app.photo_handler import RESULT_LIFETIME_S, ColorizeHandler


def call_colorize(url, file_data, strength=1.0, hints=None):
    """POST /colorize through Gradio's plain HTTP API (no client library checks), return (ok, text of the result)."""
    return call(url, "colorize", [file_data, strength, "png", hints], timeout=60)


def test_a_real_upload_through_the_same_route_is_colorized(served_demo, tmp_path):
    """The calls below are refused for what they name, not for their form."""
    from colorizer.app.loadtest import upload

    photo = write(tmp_path / "photo.png", gradient_image(64, 48))
    ok, stream = call_colorize(served_demo, upload(served_demo, photo))
    assert ok and "photo-colour.png" in stream, stream[-500:]


@pytest.mark.parametrize("with_meta", [False, True])
def test_a_server_path_is_never_read(served_demo, tmp_path, with_meta):
    secret = write(tmp_path / "private" / "secret.png", gradient_image(64, 48))
    file_data = {"path": str(secret), **({"meta": {"_type": "gradio.FileData"}} if with_meta else {})}
    ok, stream = call_colorize(served_demo, file_data)
    assert not ok, stream[-500:]
    assert "secret" not in stream and str(tmp_path) not in stream  # not even the name is echoed


def test_hints_that_name_a_server_path_are_never_read(served_demo, tmp_path):
    from colorizer.app.loadtest import upload

    photo = upload(served_demo, write(tmp_path / "photo.png", gradient_image(64, 48)))
    secret = write(tmp_path / "private" / "secret.png", gradient_image(64, 48))
    for hints in ({"path": str(secret), "meta": {"_type": "gradio.FileData"}}, {"path": "/etc/hostname"}):
        ok, stream = call_colorize(served_demo, photo, hints=hints)
        assert not ok and "secret" not in stream and "hostname" not in stream, stream[-500:]


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/hostname", "/nonexistent/file.png"])
def test_devices_and_probing_get_one_answer(served_demo, target):
    ok, stream = call_colorize(served_demo, {"path": target})
    assert not ok
    assert target not in stream and "not an image" not in stream  # a missing file and a real one look the same


def test_the_reader_takes_only_regular_files_inside_the_allowed_folders(tmp_path):
    upload_folder = tmp_path / "uploads"
    photo = write(upload_folder / "abc" / "photo.png", gradient_image(20, 10))
    outside = write(tmp_path / "outside.png", gradient_image(20, 10))
    (upload_folder / "link.png").symlink_to(outside)
    (upload_folder / "folder").mkdir()
    allowed = [upload_folder.resolve()]

    stream = uploads.read_upload({"path": str(photo), "orig_name": "Grandma 1950.png"}, allowed)
    assert stream.name == "Grandma 1950.png" and stream.read() == photo.read_bytes()
    for hostile in (str(outside), str(upload_folder / "link.png"), str(upload_folder / "abc" / ".." / ".." / "outside.png"),
                    str(upload_folder / "folder"), "", None, 42):
        with pytest.raises(uploads.UploadError):
            uploads.read_upload({"path": hostile}, allowed)
    with pytest.raises(uploads.UploadError, match="too large"):
        uploads.read_upload({"path": str(photo)}, allowed, max_bytes=10)


def test_the_example_photos_are_still_read(tiny_colorizer):
    handler = ColorizeHandler(tiny_colorizer)
    for example in app_page.EXAMPLES:
        (gray, colour), download = handler(str(example))
        assert colour == download and gray.endswith("-gray.png")


def test_a_very_long_uploaded_name_gets_its_result(tiny_colorizer, tmp_path, monkeypatch):
    upload = write(tmp_path / "abc" / "photo.png", gradient_image(20, 10))
    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path.resolve()])
    (gray, colour), download = handler({"path": str(upload), "orig_name": "ü" * 124 + ".png"})
    for result, ending in ((gray, "-gray.png"), (colour, "-colour.png"), (download, "-colour.png")):
        assert Path(result).name.endswith(ending) and len(Path(result).name.encode()) <= 255


def test_concurrent_requests_clean_up_old_results_without_failing(tiny_colorizer, tmp_path):
    import os
    import threading
    import time

    upload = write(tmp_path / "abc" / "photo.png", gradient_image(40, 30))
    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path.resolve()])
    long_ago = time.time() - 2 * RESULT_LIFETIME_S
    for index in range(70):
        (handler.results / f"old{index}").mkdir()
        (handler.results / f"old{index}" / "result.png").write_bytes(b"old")
        os.utime(handler.results / f"old{index}", (long_ago, long_ago))
    errors = []

    def request():
        try:
            handler({"path": str(upload), "orig_name": "photo.png"})
        except Exception as error:  # noqa: BLE001 (any failure is what this test looks for)
            errors.append(error)

    threads = [threading.Thread(target=request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not any(path.name.startswith("old") for path in handler.results.iterdir())


def test_the_results_folder_goes_with_the_handler(tiny_colorizer):
    import gc

    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[])
    results = handler.results
    (results / "some-result").mkdir()
    del handler
    gc.collect()
    assert not results.exists()  # weakref.finalize also runs at interpreter shutdown
