"""python -m colorizer: files written, failures named, exit codes."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from colorizer.cli.colorize import main

from conftest import gradient_image

ROOT = Path(__file__).resolve().parents[2]


def test_colorizes_files_and_folders_and_names_each_failure(tiny_weights, tmp_path, capsys):
    album = tmp_path / "album"
    (album / "1950s").mkdir(parents=True)
    Image.fromarray(gradient_image(64, 48)).save(album / "beach.jpg")
    Image.fromarray(gradient_image(33, 17)).save(album / "1950s" / "house.png")
    (album / "broken.jpg").write_text("not a photo")
    single = tmp_path / "single.png"
    Image.fromarray(gradient_image(20, 30)).save(single)

    code = main([str(album), str(single), str(tmp_path / "missing.jpg"), "--output", str(tmp_path / "out"), "--model", str(tiny_weights)])

    assert code == 1
    out = tmp_path / "out"
    assert Image.open(out / "beach.png").size == (64, 48)
    assert Image.open(out / "1950s" / "house.png").size == (33, 17)
    assert Image.open(out / "single.png").size == (20, 30)
    assert np.asarray(Image.open(out / "beach.png")).std(axis=-1).mean() > 1  # coloured, not gray
    errors = capsys.readouterr().err
    assert "broken.jpg: not an image" in errors
    assert "missing.jpg: no such file or folder" in errors
    assert "2 file(s) could not be colorized" in errors


def test_existing_outputs_are_skipped_unless_overwrite(tiny_weights, tmp_path, capsys):
    Image.fromarray(gradient_image(10, 10)).save(tmp_path / "a.png")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.png").write_bytes(b"keep me")
    assert main([str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "-m", str(tiny_weights)]) == 0
    assert (tmp_path / "out" / "a.png").read_bytes() == b"keep me"
    assert main([str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "-m", str(tiny_weights), "--overwrite"]) == 0
    assert Image.open(tmp_path / "out" / "a.png").size == (10, 10)


def test_bad_model_is_reported(tmp_path, capsys):
    Image.fromarray(gradient_image(10, 10)).save(tmp_path / "a.png")
    assert main([str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "-m", str(tmp_path)]) == 1
    assert "cannot load the model" in capsys.readouterr().err


def test_module_entry_point_and_help(tiny_weights, tmp_path):
    help_text = subprocess.run([sys.executable, "-m", "colorizer", "--help"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert help_text.returncode == 0
    for option in ("--output", "--model", "--revision", "--overwrite", "--format", "--quality"):
        assert option in help_text.stdout
    Image.fromarray(gradient_image(40, 30)).save(tmp_path / "a.jpg")
    run = subprocess.run(
        [sys.executable, "-m", "colorizer", str(tmp_path / "a.jpg"), "-o", str(tmp_path / "out"), "-m", str(tiny_weights)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert Image.open(tmp_path / "out" / "a.png").size == (40, 30)
    # no TensorFlow, CUDA or absl start-up lines; not in a terminal, progress comes as whole lines
    assert run.stderr.startswith("Colorizing: 1/1 photos, ") and len(run.stderr.splitlines()) == 1, run.stderr
    first, last = run.stdout.strip().splitlines()
    assert first.startswith(f"Colorizing with {tiny_weights}; precision: ")
    assert last == f"Wrote 1 colour photo(s) to {tmp_path / 'out'}"


def run_quickly(arguments, cwd):
    """The command in a fresh interpreter; returns (exit code, stderr, whether TensorFlow was imported)."""
    script = (
        "import sys\nfrom colorizer.cli.colorize import main\ncode = main(sys.argv[1:])\n"
        "print('TF' if 'tensorflow' in sys.modules else 'no TF', file=sys.stderr)\nsys.exit(code)\n"
    )
    run = subprocess.run([sys.executable, "-c", script, *map(str, arguments)], cwd=cwd, capture_output=True, text=True, check=False)
    return run.returncode, run.stderr, run.stdout


def test_hints_mistakes_are_found_before_the_model_loads_and_nothing_is_created(tmp_path):
    photo = tmp_path / "photo.png"
    Image.fromarray(gradient_image(40, 30)).save(photo)
    Image.fromarray(np.zeros((10, 10, 4), np.uint8)).save(tmp_path / "small.png")
    (tmp_path / "notes.png").write_text("not an image")
    for arguments, message in (
        ([photo, "--hints", tmp_path / "small.png"], "small.png is 10x10, the photo 40x30"),
        ([photo, "--hints", tmp_path / "notes.png"], "not an image"),
        ([tmp_path, "--hints", tmp_path / "small.png"], "give one photo with --hints"),
    ):
        code, err, _ = run_quickly([*arguments, "-o", tmp_path / "out"], ROOT)
        assert code == 2 and message in err and err.strip().endswith("no TF"), err
        assert not (tmp_path / "out").exists()


def test_when_every_result_exists_the_model_is_not_loaded(tiny_weights, tmp_path):
    Image.fromarray(gradient_image(40, 30)).save(tmp_path / "a.png")
    assert main([str(tmp_path / "a.png"), "-o", str(tmp_path / "out"), "-m", str(tiny_weights)]) == 0
    code, err, out = run_quickly([tmp_path / "a.png", "-o", tmp_path / "out", "-m", tiny_weights], ROOT)
    assert code == 0 and "Nothing to do: all 1 colour photo(s) exist" in out and err.strip() == "no TF", (out, err)


def test_a_taken_port_is_one_clear_line(tmp_path):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "colorizer.cli.app", "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )
    assert run.returncode == 2 and run.stderr.strip() == (
        f"error: port {port} is taken (is another copy running?): give another --port, or none to take 7860 or the next free one"
    )


def test_inputs_their_headers_refuse_are_one_line_each_before_the_model_loads_and_nothing_is_created(tmp_path):
    """Text named .jpg, a JPEG cut short in its header, a 60 MP PNG, an audio-only .mp4: each waited 5-6 s for the
    model, printed a progress line and "Wrote 0", and left an empty output folder."""
    import av

    (tmp_path / "text.jpg").write_text("not a photo at all")
    Image.fromarray(gradient_image(64, 48)).save(tmp_path / "whole.jpg")
    (tmp_path / "cut.jpg").write_bytes((tmp_path / "whole.jpg").read_bytes()[:40])
    Image.new("1", (8000, 7500)).save(tmp_path / "huge.png")  # 60 MP, a few KB
    with av.open(str(tmp_path / "sound.mp4"), mode="w") as film:  # sound, no pictures
        sound = film.add_stream("aac", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 8000, 0
        film.mux(sound.encode(frame))
        film.mux(sound.encode(None))
    for name, message in (("text.jpg", "not an image"), ("cut.jpg", "not an image"), ("huge.png", "megapixels"), ("sound.mp4", "no video stream")):
        code, err, out = run_quickly([tmp_path / name, "-o", tmp_path / "out"], ROOT)
        assert code == 1 and message in err and err.count("error:") == 1 and err.strip().endswith("no TF"), (name, err)
        assert "Wrote" not in out and not (tmp_path / "out").exists(), out
    code, err, _ = run_quickly([tmp_path / "missing.jpg", "-o", tmp_path / "out"], ROOT)
    assert code == 1 and err.count("error:") == 1 and "missing.jpg: no such file or folder" in err, err
    (tmp_path / "empty").mkdir()
    code, err, _ = run_quickly([tmp_path / "empty", "-o", tmp_path / "out"], ROOT)
    assert code == 1 and f"no photos or films in {tmp_path / 'empty'}" in err, err


def test_the_help_and_the_readme_give_the_same_figure_for_bfloat16(capsys):
    """`colorize --help` said "within a CIEDE2000 of 1" where the README (and the measurement) says 0.04."""
    import re

    import pytest

    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    readme = " ".join((ROOT / "README.md").read_text().split())
    [in_help] = re.findall(r"CIEDE2000 of ([0-9.]+)", shown)
    [in_readme] = re.findall(r"colours by a CIEDE2000 of ([0-9.]+) on average", readme)
    assert in_help == in_readme == "0.04"
