"""Films whose headers do not tell the truth, or hold nothing to colour: each refused in one line, nothing written
(issue 34: hostile films made here with PyAV, small)."""

import dataclasses
import subprocess
import sys
from fractions import Fraction

import av
import numpy as np
import pytest
from films import moving_square, write_film

from colorizer.video import film as film_module
from colorizer.video.io import FilmError, probe


def test_a_film_longer_than_its_header_says_stops_at_the_limit_and_writes_nothing(tiny_colorizer, tmp_path, monkeypatch):
    """An MKV whose Duration said 10 s held 120 s, and the page (limit 60 s) coloured it all."""
    frames, _ = moving_square(50, step=(1, 0))
    source = write_film(tmp_path / "long.mkv", frames, frame_rate=25)  # 2 s
    real_probe = probe
    monkeypatch.setattr(film_module, "probe", lambda path, *limits: dataclasses.replace(real_probe(path), duration=0.4, frames=10))  # a lying header
    with pytest.raises(FilmError, match="longer than its header says"):
        tiny_colorizer.colorize_video(source, tmp_path / "out.mp4", max_seconds=1)
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".partial*"))


def test_the_pages_frame_limit_bounds_a_short_film_of_many_frames(tiny_colorizer, tmp_path):
    frames, _ = moving_square(30, step=(1, 0))
    source = write_film(tmp_path / "fast.mp4", frames, frame_rate=250)  # 0.12 s of 30 frames
    with pytest.raises(FilmError, match="30 frames; films up to 20 frames"):
        tiny_colorizer.colorize_video(source, tmp_path / "out.mp4", max_seconds=60, max_frames=20)
    assert not (tmp_path / "out.mp4").exists()


def test_frames_larger_than_the_header_are_refused_before_the_model(tiny_colorizer, tmp_path, monkeypatch):
    """An MPEG-TS of small frames, then big ones: the header says small; the big frames went through the model."""
    small, _ = moving_square(12, width=64, height=48, side=16)
    large, _ = moving_square(4, width=320, height=240, side=60)
    first = write_film(tmp_path / "a.ts", small)
    second = write_film(tmp_path / "b.ts", large)
    joined = tmp_path / "joined.mp4"  # named .mp4, as the film was
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    assert (probe(joined).width, probe(joined).height) == (64, 48)
    sizes = []
    real = tiny_colorizer.predict_batch
    monkeypatch.setattr(tiny_colorizer, "predict_batch", lambda images, **k: sizes.extend(i.shape for i in images) or real(images, **k))
    with pytest.raises(FilmError, match="frame 13 is 320x240, but the film says 64x48"):
        tiny_colorizer.colorize_video(joined, tmp_path / "out.mp4")
    assert all(shape[:2] == (48, 64) for shape in sizes) and not (tmp_path / "out.mp4").exists()


def test_a_video_stream_without_frames_is_no_film(tiny_colorizer, tmp_path):
    """It was "complete", and the output had the sound alone."""
    source = tmp_path / "empty.mp4"
    with av.open(str(source), mode="w") as output:
        video = output.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = output.add_stream("aac", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 8000, 0
        output.mux(sound.encode(frame))
        output.mux(sound.encode(None))
    with pytest.raises(FilmError, match="no frames|does not say|no video"):
        tiny_colorizer.colorize_video(source, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


def test_a_film_of_one_pixel_gets_one_clear_line(tiny_colorizer, tmp_path):
    """It was "could not be colorized (IndexError: tuple index out of range)"."""
    source = tmp_path / "dot.mkv"
    with av.open(str(source), mode="w") as output:
        video = output.add_stream("ffv1", rate=Fraction(25))
        video.width, video.height, video.pix_fmt = 1, 1, "yuv444p"
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((1, 1, 3), 120, np.uint8), format="rgb24")
            frame.pts = index
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
    with pytest.raises(FilmError, match="1x1; films of at least 16x16 pixels"):
        tiny_colorizer.colorize_video(source, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


PROBE_AND_MEASURE = """
import re, sys
from pathlib import Path
from colorizer.video.io import FilmError, probe

def peak_kb():  # this process's own peak (getrusage's maxrss keeps the parent's across exec)
    return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))

before = peak_kb()
try:
    probe(sys.argv[1], max_pixels=4e6)
except FilmError as error:
    print(error)
print((peak_kb() - before) // 1024)
"""


def test_a_huge_frame_is_refused_from_the_header_without_decoding_it(tmp_path):
    """A 16000x16000 film was refused only after its first frame was decoded (+730 MB)."""
    side = 8192
    with av.open(str(tmp_path / "huge.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width = stream.height = side
        for packet in [*stream.encode(av.VideoFrame(side, side, "yuv420p")), *stream.encode()]:
            container.mux(packet)
    run = subprocess.run([sys.executable, "-c", PROBE_AND_MEASURE, str(tmp_path / "huge.mp4")],
                         capture_output=True, text=True, timeout=120, check=True)
    refusal, grown_mb = run.stdout.splitlines()
    assert refusal == f"{tmp_path / 'huge.mp4'}: {side}x{side}; films up to 4 MP a frame are accepted here"
    assert int(grown_mb) < 40  # one decoded 8192x8192 frame is 100 MB in YUV


def frame_times(path):
    with av.open(str(path)) as container:
        return [float(frame.time) for frame in container.decode(video=0)]


def test_a_film_of_uneven_frame_times_keeps_them(tiny_colorizer, tmp_path):
    """60 frames over 3.44 s came out at a constant 25 fps, 2.4 s long (and any sound with them out of step)."""
    frames, _ = moving_square(60, step=(1, 0))
    times = np.cumsum([0] + [0.02 if index % 3 else 0.12 for index in range(59)])  # 20 ms and 120 ms apart
    source = tmp_path / "uneven.mp4"
    with av.open(str(source), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        stream.codec_context.time_base = stream.time_base = Fraction(1, 1000)
        for seconds, rgb in zip(times, frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = round(seconds * 1000), Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    assert np.allclose(frame_times(source), times, atol=0.002)

    tiny_colorizer.colorize_video(source, tmp_path / "colour.mp4")
    assert np.allclose(frame_times(tmp_path / "colour.mp4"), times, atol=0.002)


def test_a_visitors_films_are_charged_in_frames(tiny_colorizer, tmp_path):
    """Films were never charged against the page's budgets: one visitor could keep the film queue busy for ever."""
    import gradio

    from colorizer.app import film_tab
    from colorizer.app.photo_handler import ColorizeHandler

    frames, _ = moving_square(6, step=(1, 0))
    reels = [write_film(tmp_path / "uploads" / f"reel{index}.mp4", frames) for index in range(3)]
    films = film_tab.FilmHandler(ColorizeHandler(tiny_colorizer, allowed_folders=[(tmp_path / "uploads").resolve()]))
    films.handler.film_sessions.pixels = 12  # two films of 6 frames
    visitor = type("Request", (), {"session_hash": "visitor", "client": type("Client", (), {"host": "203.0.113.7"})(), "headers": {}})()
    for reel in reels[:2]:
        films({"path": str(reel), "orig_name": reel.name}, request=visitor)
    with pytest.raises(gradio.Error, match="reel2.mp4: this page has colorized 12 frames of film in the last 10 minutes, the most one visitor may"):
        films({"path": str(reels[2]), "orig_name": reels[2].name}, request=visitor)
    films({"path": str(reels[2]), "orig_name": reels[2].name}, request=None)  # outside the page (no visitor): not counted
