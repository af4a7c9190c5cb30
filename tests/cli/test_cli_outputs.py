"""The command line never loses an output, never overwrites an input, and reports write failures in one line."""

import errno
from pathlib import Path

import pytest
from PIL import Image

from colorizer import files
from colorizer.cli.colorize import main

from conftest import gradient_image


def photo(path, width=24, height=16):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(gradient_image(width, height)).save(path)
    return path


def names(folder):
    return sorted(str(path.relative_to(folder)) for path in Path(folder).rglob("*") if path.is_file())


def colorize(tiny_weights, *arguments):
    return main([*map(str, arguments), "--model", str(tiny_weights)])


def test_inputs_with_the_same_name_get_an_output_each(tiny_weights, tmp_path, capsys):
    inputs = [photo(tmp_path / folder / "a.jpg") for folder in ("x", "y", "z")]
    assert colorize(tiny_weights, *inputs, "-o", tmp_path / "out") == 0
    assert names(tmp_path / "out") == ["a (2).png", "a (3).png", "a.png"]
    assert "is written as a (2).png" in capsys.readouterr().err
    assert colorize(tiny_weights, *inputs, "-o", tmp_path / "out") == 0  # the same command again
    assert "Nothing to do: all 3 colour photo(s) exist" in capsys.readouterr().out
    assert names(tmp_path / "out") == ["a (2).png", "a (3).png", "a.png"]


def test_a_photo_named_like_a_temporary_file_is_just_a_photo(tiny_weights, tmp_path):
    photo(tmp_path / "in" / "x.jpg", 30, 20)
    photo(tmp_path / "in" / "partial-x.jpg", 40, 10)
    assert colorize(tiny_weights, tmp_path / "in", "-o", tmp_path / "out") == 0
    assert Image.open(tmp_path / "out" / "x.png").size == (30, 20)
    assert Image.open(tmp_path / "out" / "partial-x.png").size == (40, 10)


def test_an_output_folder_inside_the_input_folder_is_not_read_again(tiny_weights, tmp_path, capsys):
    photo(tmp_path / "album" / "a.jpg")
    for _ in range(2):
        assert colorize(tiny_weights, tmp_path / "album", "-o", tmp_path / "album" / "colour") == 0
    assert names(tmp_path / "album") == ["a.jpg", "colour/a.png"]
    assert "Nothing to do: all 1 colour photo(s) exist" in capsys.readouterr().out


def test_overwrite_never_replaces_an_input(tiny_weights, tmp_path):
    folder = tmp_path / "album"
    originals = {name: photo(folder / name).read_bytes() for name in ("a.jpg", "a.png")}
    assert colorize(tiny_weights, folder / "a.jpg", folder / "a.png", "-o", folder, "--overwrite") == 0  # photos beside their results
    assert {name: (folder / name).read_bytes() for name in originals} == originals
    assert names(folder) == ["a (2).png", "a (3).png", "a.jpg", "a.png"]


def test_an_output_that_is_a_file_or_cannot_be_made_is_one_line(tiny_weights, tmp_path, capsys):
    source = photo(tmp_path / "a.jpg")
    (tmp_path / "taken").write_text("a file")
    assert colorize(tiny_weights, source, "-o", tmp_path / "taken") == 2
    assert colorize(tiny_weights, source, "-o", "/proc/no-such-place/out") == 2
    err = capsys.readouterr().err
    assert "is a file; give a folder" in err and "cannot create the output folder" in err
    assert "Traceback" not in err


def test_a_full_disk_leaves_nothing_half_written_and_the_batch_goes_on(tiny_weights, tmp_path, capsys, monkeypatch):
    inputs = [photo(tmp_path / "in" / f"{name}.jpg") for name in ("a", "b", "c")]
    real_write = Path.write_bytes
    calls = []

    def fill_the_disk_once(self, data):
        calls.append(self)
        if len(calls) == 2:
            real_write(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", fill_the_disk_once)
    assert colorize(tiny_weights, *inputs, "-o", tmp_path / "out") == 1
    assert names(tmp_path / "out") == ["a.png", "c.png"]  # no truncated or temporary file
    assert "b.jpg: cannot write" in capsys.readouterr().err


def test_a_very_long_name_is_written_whole(tiny_weights, tmp_path):
    long_stem = "Großmutter im Garten " * 11  # 242 bytes in UTF-8
    source = photo(tmp_path / "in" / f"{long_stem.strip()}.jpg")
    assert colorize(tiny_weights, source, "-o", tmp_path / "out") == 0
    [written] = names(tmp_path / "out")
    assert written.endswith(".png") and len(written.encode()) <= 255
    assert files.fit_file_name("é" * 200, " (2).png") == "é" * 123 + " (2).png"


def test_ctrl_c_stops_cleanly_and_the_next_run_finishes(tiny_weights, tmp_path, capsys, monkeypatch):
    from colorizer.pipeline import Colorizer

    inputs = [photo(tmp_path / "in" / f"{name}.jpg") for name in ("a", "b", "c")]
    real_colorize, calls = Colorizer.colorize_to_file, []

    def interrupt_the_second(self, image, *arguments, **options):
        calls.append(image)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_colorize(self, image, *arguments, **options)

    monkeypatch.setattr(Colorizer, "colorize_to_file", interrupt_the_second)
    assert colorize(tiny_weights, *inputs, "-o", tmp_path / "out") == 130
    assert "interrupted: wrote 1 of 3" in capsys.readouterr().err
    assert names(tmp_path / "out") == ["a.png"]
    monkeypatch.setattr(Colorizer, "colorize_to_file", real_colorize)
    assert colorize(tiny_weights, *inputs, "-o", tmp_path / "out") == 0
    assert names(tmp_path / "out") == ["a.png", "b.png", "c.png"]


@pytest.mark.parametrize("stem", ["a", "x" * 250])
def test_temporary_names_are_short_hidden_and_removed(tmp_path, stem):
    target = tmp_path / f"{stem}.weights.h5"

    def fail(partial):
        assert partial.name.startswith(".partial-") and partial.name.endswith(".weights.h5")
        partial.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        files.write_atomically(target, fail)
    assert list(tmp_path.iterdir()) == []
