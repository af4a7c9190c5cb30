"""Films without a model: reading and writing (sound kept, nothing partial), flow, steady colour, cuts, strokes that follow."""

import itertools

import numpy as np
import pytest
from films import TONE_HZ, moving_square, read_sound, strongest_frequency, texture, write_film

from colorizer.colour.lab import lightness
from colorizer.colour.processor import resize_channel
from colorizer.hints.strokes import Hints
from colorizer.video.flow import FramePair
from colorizer.video.io import FilmError, FilmWriter, probe, read_frames
from colorizer.video.measure import film_measures
from colorizer.video.temporal import SteadyColour, StrokeTrack


def test_a_film_is_read_and_rewritten_with_its_size_rate_length_and_sound(tmp_path):
    frames, _ = moving_square(30)
    source = write_film(tmp_path / "clip.mov", frames, frame_rate=30, tone=True)
    info = probe(source)
    assert (info.width, info.height, info.frame_rate, info.audio) == (96, 64, 30, True)

    with FilmWriter(tmp_path / "copy.mp4", (info.width, info.height), info.frame_rate, sound_from=source) as writer:
        for frame in read_frames(source):
            writer.write(frame)
    copy = probe(tmp_path / "copy.mp4")
    assert (copy.width, copy.height, copy.frame_rate, copy.audio) == (96, 64, 30, True)
    assert len(list(read_frames(tmp_path / "copy.mp4"))) == 30
    samples, rate = read_sound(tmp_path / "copy.mp4")
    assert len(samples) / rate == pytest.approx(1.0, abs=0.05)
    assert strongest_frequency(samples, rate) == pytest.approx(TONE_HZ, abs=5)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mov", "copy.mp4"]


def test_sound_mp4_cannot_hold_is_converted_and_kept(tmp_path):
    frames, _ = moving_square(25)
    source = write_film(tmp_path / "clip.avi", frames, tone=True, video_codec="mpeg4", audio_codec="pcm_s16le")
    with FilmWriter(tmp_path / "copy.mp4", (96, 64), 25, sound_from=source) as writer:
        for frame in read_frames(source):
            writer.write(frame)
    samples, rate = read_sound(tmp_path / "copy.mp4")
    assert strongest_frequency(samples, rate) == pytest.approx(TONE_HZ, abs=5)


def test_an_interrupted_or_failed_film_leaves_no_file(tmp_path):
    frames, _ = moving_square(10)
    with pytest.raises(KeyboardInterrupt), FilmWriter(tmp_path / "out.mp4", (96, 64), 25) as writer:
        writer.write(frames[0])
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_damaged_and_oversized_films_are_refused_from_the_header(tmp_path):
    frames, _ = moving_square(50, step=(0.5, 0.2))
    film = write_film(tmp_path / "clip.mp4", frames)
    (tmp_path / "text.mp4").write_text("not a film")
    with pytest.raises(FilmError, match="not a film that can be read"):
        probe(tmp_path / "text.mp4")
    with pytest.raises(FilmError, match="films up to 1 s"):
        probe(film, max_duration=1)
    with pytest.raises(FilmError, match="MP a frame"):
        probe(film, max_pixels=5000)
    cut_short = tmp_path / "cut.mp4"
    cut_short.write_bytes(film.read_bytes()[: film.stat().st_size // 2])
    with pytest.raises(FilmError):  # MP4 keeps its index at the end: half a file has none
        probe(cut_short)


def test_flow_carries_a_moving_square_and_distrusts_what_it_uncovers():
    frames, _ = moving_square(2, width=192, height=128, side=40, step=(6, 0))  # the square from x = 10 to 16
    pair = FramePair.between(lightness(frames[0]), lightness(frames[1]))
    inside = pair.forward[20:40, 20:40]  # the square's middle in frame 0
    assert np.median(inside[..., 0]) == pytest.approx(6, abs=0.5) and abs(np.median(inside[..., 1])) < 0.5
    assert pair.trusted[80:120, 100:180].mean() > 0.9  # still background
    assert pair.trusted[15:45, 10:16].mean() < 0.5  # uncovered behind the square: not in the previous frame


def test_steady_colour_damps_a_flickering_prediction_and_resets_at_a_cut():
    frames, _ = moving_square(12)
    steady = SteadyColour()
    rng = np.random.default_rng(0)
    shown = []
    for frame in frames:
        predicted = np.full((64, 96, 2), 0.2, np.float32) + rng.choice([-0.1, 0.1])  # the whole frame's colour jumps
        steady.next_frame(lightness(frame))
        shown.append(steady.show(predicted))
    jumps = [np.abs(b - a)[20:40, 40:80].mean() for a, b in itertools.pairwise(shown)]
    assert np.mean(jumps) < 0.05  # the prediction jumps by 0 or 0.2 (0.1 on average)

    other_shot = np.repeat(np.full((64, 96), 240, np.uint8)[..., None], 3, axis=-1)  # a bright new scene
    other_shot[::2] = 200
    assert steady.next_frame(lightness(other_shot)) is None and steady.cuts == 1
    blue = np.full((64, 96, 2), -0.3, np.float32)
    assert np.array_equal(steady.show(blue), blue)  # nothing of the first shot is carried


def test_no_cut_is_seen_in_a_steady_shot():
    frames, _ = moving_square(20)
    steady = SteadyColour()
    for frame in frames:
        steady.next_frame(lightness(frame))
    assert steady.cuts == 0


def test_a_stroke_on_frame_0_is_still_on_the_moving_square_at_frame_20():
    """The film is 320x180, the flow is computed at the model's 224x224 (as in use: non-square, rescaled)."""
    side = 48
    frames, corners = moving_square(21, width=320, height=180, side=side, step=(6.0, 2.5))
    ys, xs = np.mgrid[24:44, 24:44]  # a dab in the square's middle (it starts at 10, 10)
    track = StrokeTrack(Hints(xs.ravel(), ys.ravel(), np.full((xs.size, 2), 40.0, np.float32)), (320, 180), model_size=224)
    steady = SteadyColour()
    for frame in frames:
        pair = steady.next_frame(resize_channel(lightness(frame), (224, 224)))
        if pair is not None:
            track.follow(pair)
    hints = track.hints
    x20, y20 = corners[20]
    assert hints is not None and len(hints) > 0.5 * xs.size
    assert np.all((hints.x >= x20) & (hints.x < x20 + side) & (hints.y >= y20) & (hints.y < y20 + side))
    assert abs(hints.x.mean() - (x20 + 23.5)) < 3 and abs(hints.y.mean() - (y20 + 23.5)) < 3


def test_strokes_end_at_a_cut():
    track = StrokeTrack(Hints(np.array([5]), np.array([5]), np.zeros((1, 2), np.float32)), (32, 32), 32)
    assert track.follow(None) is None and track.hints is None


def test_flicker_is_zero_for_a_steady_film_and_grows_with_changing_colour():
    background = texture(96, 64)
    truth = [np.stack([background, background, (background * 0.8).astype(np.uint8)], axis=-1)] * 5
    steady = film_measures(zip(truth, truth))
    assert steady["flicker"] == pytest.approx(0, abs=1e-3) and steady["frames"] == 5
    flickering = [frame if index % 2 else np.stack([frame[..., 2], frame[..., 1], frame[..., 0]], -1) for index, frame in enumerate(truth)]
    measured = film_measures(zip(flickering, truth))
    assert measured["flicker"] > 5 and measured["truth_flicker"] == pytest.approx(0, abs=1e-3)
    assert measured["ciede2000"] > 0 and steady["ciede2000"] == pytest.approx(0, abs=1e-6)
