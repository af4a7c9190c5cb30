"""Hardening, round 2: metadata the writers cannot hold, names with control characters, odd API values,
an output folder that is an input folder, zip entry names, Ctrl-C while the programs start."""

import io
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from colorizer.cli.colorize import main
from colorizer.colour.images import load_photo
from colorizer.colour.outputs import MetadataDropped, save_image

from conftest import gradient_image, write

ROOT = Path(__file__).resolve().parents[1]


def photo_with(tmp_path, name, **info):
    path = tmp_path / name
    Image.fromarray(gradient_image(40, 30)).save(path, **info)
    return path


def huge_exif():
    exif = Image.Exif()
    exif[0x010E] = "x" * 100_000  # ImageDescription: 100 KB of EXIF
    return exif.tobytes()


def test_metadata_a_format_cannot_hold_is_dropped_with_a_warning(tmp_path):
    """A TIFF at 1e9 dpi crashed the PNG writer (struct.error); 100 KB of EXIF crashed the JPEG writer."""
    pixels = gradient_image(40, 30)
    tiff = load_photo(photo_with(tmp_path, "scan.tif", dpi=(1e9, 1e9)))
    assert tiff.metadata.dpi[0] > 1e8
    with pytest.warns(MetadataDropped, match="resolution setting .* PNG"):
        save_image(pixels, tmp_path / "scan.png", tiff.metadata)
    assert "dpi" not in Image.open(tmp_path / "scan.png").info
    described = load_photo(photo_with(tmp_path, "described.png", exif=huge_exif()))
    with pytest.warns(MetadataDropped, match="EXIF block .* JPG"):
        save_image(pixels, tmp_path / "described.jpg", described.metadata, "jpg")
    assert Image.open(tmp_path / "described.jpg").size == (40, 30)
    save_image(pixels, tmp_path / "described-kept.png", described.metadata)  # PNG holds it: kept
    assert len(Image.open(tmp_path / "described-kept.png").info["exif"]) > 100_000


def test_the_command_line_notes_dropped_metadata_and_goes_on_after_a_photo_fails(tiny_weights, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "photos"
    folder.mkdir()
    photo_with(folder, "a-scan.tif", dpi=(1e9, 1e9))
    photo_with(folder, "b-described.png", exif=huge_exif())
    photo_with(folder, "c-fine.png")
    assert main([str(folder), "-o", str(tmp_path / "out"), "-m", str(tiny_weights), "-f", "jpg"]) == 0
    err = capsys.readouterr().err
    assert "note: a-scan.jpg: its resolution setting" in err and "note: b-described.jpg: its EXIF block" in err
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["a-scan.jpg", "b-described.jpg", "c-fine.jpg"]

    from colorizer.pipeline import Colorizer

    real = Colorizer.colorize_to_file

    def surprise(self, image, path, *args, **kwargs):  # any exception, from any photo, is that photo's failure
        if Path(str(image)).name.startswith("b-"):
            raise RuntimeError("something no one foresaw")
        return real(self, image, path, *args, **kwargs)

    monkeypatch.setattr(Colorizer, "colorize_to_file", surprise)
    assert main([str(folder), "-o", str(tmp_path / "again"), "-m", str(tiny_weights)]) == 1
    err = capsys.readouterr().err
    assert "b-described.png: could not be colorized (RuntimeError: something no one foresaw)" in err
    assert sorted(path.name for path in (tmp_path / "again").iterdir()) == ["a-scan.png", "c-fine.png"]


def test_an_output_folder_that_is_an_input_folder_is_refused(tiny_weights, tmp_path, capsys):
    """It colorized its own outputs again on every run: 4, 8, 16 files."""
    folder = tmp_path / "photos"
    photo_with(folder.mkdir() or folder, "a.png")
    assert main([str(folder), "-o", str(folder), "-m", str(tiny_weights)]) == 2
    assert "is also an input folder" in capsys.readouterr().err
    assert [path.name for path in folder.iterdir()] == ["a.png"]
    assert main([str(folder), "-o", str(folder / "coloured"), "-m", str(tiny_weights)]) == 0
    assert main([str(folder), "-o", str(folder / "coloured"), "-m", str(tiny_weights)]) == 0  # the second run adds nothing
    assert [path.name for path in (folder / "coloured").iterdir()] == ["a.png"]


@pytest.mark.parametrize("command", [["-m", "colorizer", "x.png", "-o", "out"], ["-m", "colorizer.cli.app"]])
def test_ctrl_c_while_starting_ends_without_a_traceback(tmp_path, command):
    """While TensorFlow loads or the model downloads (from a Hub that never answers, so the start lasts), Ctrl-C."""
    import os
    import socket

    Image.fromarray(gradient_image(20, 20)).save(tmp_path / "x.png")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        environment = {**os.environ, "HF_ENDPOINT": f"http://127.0.0.1:{silent.getsockname()[1]}", "HF_HUB_CACHE": str(tmp_path / "hf")}
        process = subprocess.Popen(
            [sys.executable, *command, "--model", "someone/model"], cwd=tmp_path, stderr=subprocess.PIPE, text=True, env=environment,
        )
        time.sleep(3)  # importing TensorFlow, or waiting for the Hub
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


gradio = pytest.importorskip("gradio")
from colorizer.app.loadtest import call, upload
from colorizer.app.photo_handler import ColorizeHandler


def test_control_characters_in_an_upload_name_are_made_safe(served_demo, tmp_path):
    """A NUL in the name: /colorize answered a bare error, and /colorize_batch lost the good photos too."""
    photo = upload(served_demo, write(tmp_path / "photo.png", gradient_image(40, 30)))
    nasty = {**photo, "orig_name": "evil\x00name\x07\\..\\x.png"}
    ok, stream = call(served_demo, "colorize", [nasty, 1.0, "png", None])
    assert ok and "evil_name_" in stream, stream[-400:]
    good = upload(served_demo, write(tmp_path / "good.png", gradient_image(40, 30)))
    ok, stream = call(served_demo, "colorize_batch", [[nasty, good], 1.0, "png"])
    assert ok and "good-colour.png" in stream and "evil_name_" in stream, stream[-400:]


@pytest.mark.parametrize("bad_format", [["png"], {"format": "png"}, 3])
def test_a_format_that_is_not_a_word_gets_a_message(served_demo, tmp_path, bad_format):
    photo = upload(served_demo, write(tmp_path / "photo.png", gradient_image(40, 30)))
    ok, stream = call(served_demo, "colorize", [photo, 1.0, bad_format, None])
    assert not ok and "the download format must be one of png, jpg" in stream, stream[-400:]


def test_zip_entry_names_are_plain_names(tiny_colorizer, tmp_path):
    """A name like ..\\..\\evil.png is a zip-slip for extractors that treat \\ as a separator."""
    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path])
    photos = []
    for index, name in enumerate(["..\\..\\evil.png", "bell\x07.png", "plain.png"]):
        path = write(tmp_path / f"upload{index}.png", gradient_image(20, 20))
        photos.append({"path": str(path), "orig_name": name})
    _, _, _, archive = handler.batch(photos)
    names = zipfile.ZipFile(archive).namelist()
    assert len(names) == 3 and all("\\" not in name and "/" not in name and name.isprintable() for name in names), names


def test_a_damaged_metadata_block_is_a_listed_failure_in_the_album(tiny_colorizer, tmp_path, monkeypatch):
    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path])
    good = write(tmp_path / "good.png", gradient_image(20, 20))
    bad = write(tmp_path / "bad.png", gradient_image(20, 20))
    real = tiny_colorizer.render_to_file

    def surprise(prediction, path, *args, **kwargs):
        if "bad" in str(path):
            raise OverflowError("a writer that could not hold something")
        return real(prediction, path, *args, **kwargs)

    monkeypatch.setattr(tiny_colorizer, "render_to_file", surprise)
    warnings = []
    monkeypatch.setattr(gradio, "Warning", warnings.append)
    gallery, _, _, archive = handler.batch([{"path": str(bad), "orig_name": "bad.png"}, {"path": str(good), "orig_name": "good.png"}])
    assert [Path(path).name for path, _ in gallery] == ["good-colour.png"]
    assert "bad.png: could not be colorized (OverflowError)" in warnings[0]
    assert io.BytesIO(Path(archive).read_bytes()).getbuffer().nbytes > 0


def test_an_album_beyond_the_requests_pixel_budget_is_colorized_up_to_it(served_demo, tmp_path, monkeypatch):
    """Fifty 49 MP photos (3 MB of PNG) held a worker for 764 s: a request now has a pixel budget, read from the headers."""
    from colorizer.app import pixel_budget

    monkeypatch.setattr(pixel_budget, "REQUEST_PIXELS", 2 * 40 * 30)  # in-process server: two small photos' worth
    photos = [upload(served_demo, write(tmp_path / f"p{index}.png", gradient_image(40, 30))) for index in range(5)]
    ok, stream = call(served_demo, "colorize_batch", [photos, 1.0, "png"])
    assert ok and "p0-colour.png" in stream and "p1-colour.png" in stream and "p2-colour.png" not in stream, stream[-600:]


def test_a_session_beyond_its_pixel_budget_is_asked_to_wait(tiny_colorizer, tmp_path):
    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path])
    handler.sessions.pixels = 3 * 40 * 30
    photos = [str(write(tmp_path / f"photo{index}.png", gradient_image(40, 30))) for index in range(4)]
    visitor, other = type("Request", (), {"session_hash": "visitor"})(), type("Request", (), {"session_hash": "other"})()
    for photo in photos[:3]:
        handler(photo, request=visitor)
    with pytest.raises(gradio.Error, match="please wait"):
        handler(photos[3], request=visitor)
    handler(photos[3], request=other)  # another visitor is not held back


def test_a_fresh_session_per_request_does_not_reset_the_budget_of_one_address(tiny_colorizer, tmp_path, monkeypatch):
    """The budget was keyed on the session hash, which a client chooses: a new hash per request reset it."""
    from colorizer.app import pixel_budget

    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path])
    handler.sessions.pixels = 3 * 40 * 30
    photos = [str(write(tmp_path / f"photo{index}.png", gradient_image(40, 30))) for index in range(5)]

    def request(session, address, forwarded=None):
        headers = {"x-forwarded-for": forwarded} if forwarded else {}
        return type("Request", (), {"session_hash": session, "client": type("Client", (), {"host": address})(), "headers": headers})()

    for index, photo in enumerate(photos[:3]):
        handler(photo, request=request(f"fresh-{index}", "203.0.113.7"))
    with pytest.raises(gradio.Error, match="please wait"):
        handler(photos[3], request=request("fresh-3", "203.0.113.7"))
    handler(photos[3], request=request("fresh-4", "198.51.100.2"))  # another address is not held back
    # Behind a proxy every request has the proxy's address; its X-Forwarded-For counts only when trusted.
    monkeypatch.setenv(pixel_budget.TRUST_FORWARDED, "1")
    handler(photos[4], request=request("fresh-5", "10.0.0.1", forwarded="192.0.2.9, 10.0.0.1"))
    assert pixel_budget.visitor_of(request("s", "10.0.0.1", "192.0.2.9, 10.0.0.1")).budget_key == "192.0.2.9"
    monkeypatch.delenv(pixel_budget.TRUST_FORWARDED)
    assert pixel_budget.visitor_of(request("s", "10.0.0.1", "192.0.2.9")).budget_key == "10.0.0.1"
