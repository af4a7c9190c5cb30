"""Films through a model: the Python entry and the command line keep frames, size, rate and sound;
strokes follow the motion; limits, damage and Ctrl-C leave no output."""

import numpy as np
import pytest
from films import TONE_HZ, moving_square, read_sound, strongest_frequency, write_film

from colorizer import Colorizer, ModelConfig
from colorizer.cli.colorize import main
from colorizer.colour.lab import rgb_to_lab
from colorizer.video.io import FilmError, probe, read_frames

from conftest import gradient_image, hint_painting_decoder, write


def test_a_film_comes_out_with_its_frames_size_rate_and_sound(tiny_colorizer, tmp_path):
    frames, _ = moving_square(24, step=(1, 0.5))
    source = write_film(tmp_path / "clip.mkv", frames, frame_rate=24, tone=True)
    calls = []
    tiny_colorizer.colorize_video(source, tmp_path / "out" / "clip.mp4", progress=calls.append)
    info = probe(tmp_path / "out" / "clip.mp4")
    assert (info.width, info.height, info.frame_rate, info.audio) == (96, 64, 24, True)
    coloured = list(read_frames(tmp_path / "out" / "clip.mp4"))
    assert len(coloured) == 24 and sum(calls) == 24
    assert np.hypot(*rgb_to_lab(coloured[12])[..., 1:].transpose(2, 0, 1)).mean() > 10  # the tiny model's orange
    samples, rate = read_sound(tmp_path / "out" / "clip.mp4")
    assert strongest_frequency(samples, rate) == pytest.approx(TONE_HZ, abs=5)


def test_strokes_on_frame_0_colour_the_moving_square_at_frame_20(tmp_path):
    config = ModelConfig(input_size=128, encoder_weights=None, decoder="unet", head="regression", hints=True)
    colorizer = Colorizer.untrained(config, hint_painting_decoder(config), precision="float32")
    side = 48
    frames, corners = moving_square(21, width=256, height=144, side=side, step=(5.0, 2.0))
    source = write_film(tmp_path / "clip.mp4", frames)
    strokes = np.zeros((144, 256, 4), np.uint8)
    strokes[26:42, 26:42] = (200, 30, 30, 255)  # red, in the square's middle on frame 0
    colorizer.colorize_video(source, tmp_path / "out.mp4", hints=strokes, hints_frame=0)
    last = rgb_to_lab(list(read_frames(tmp_path / "out.mp4"))[20])
    x, y = (round(value) for value in corners[20])
    assert last[y + 16 : y + 32, x + 16 : x + 32, 1].mean() > 15  # red where the square went
    assert abs(last[26:42, 26:42, 1].mean()) < 5  # not where it was


def test_limits_damage_and_interruption_leave_no_output(tiny_colorizer, tmp_path):
    frames, _ = moving_square(30, step=(0.5, 0.2))
    source = write_film(tmp_path / "clip.mp4", frames)
    (tmp_path / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(300))
    out = tmp_path / "out"
    with pytest.raises(FilmError, match="films up to 1 s"):
        tiny_colorizer.colorize_video(source, out / "long.mp4", max_seconds=1)
    with pytest.raises(FilmError, match="not a film"):
        tiny_colorizer.colorize_video(tmp_path / "broken.mp4", out / "broken.mp4")

    def interrupt(count):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tiny_colorizer.colorize_video(source, out / "clip.mp4", progress=interrupt)
    assert not out.exists() or list(out.iterdir()) == []


def test_the_command_line_colours_films_beside_photos(tiny_weights, tmp_path, capsys):
    frames, _ = moving_square(10, step=(1, 0))
    write_film(tmp_path / "in" / "reel.avi", frames, video_codec="mpeg4")
    write(tmp_path / "in" / "reel.png", gradient_image(40, 30))
    (tmp_path / "in" / "broken.mov").write_text("not a film")

    code = main([str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--model", str(tiny_weights), "--video-quality", "23"])

    assert code == 1
    assert len(list(read_frames(tmp_path / "out" / "reel.mp4"))) == 10
    assert (tmp_path / "out" / "reel.png").is_file()
    captured = capsys.readouterr()
    assert "broken.mov: not a film that can be read" in captured.err
    assert "Wrote 2 colour photo(s) and film(s)" in captured.out
    assert main([str(tmp_path / "in" / "reel.avi"), "--output", str(tmp_path / "o2"), "--video-quality", "60"]) == 2
    assert not (tmp_path / "o2").exists()


def test_the_page_colours_a_film_and_refuses_what_it_should(served_demo, tmp_path):
    from gradio_client import Client, handle_file

    frames, _ = moving_square(12, step=(1, 0.5))
    film = write_film(tmp_path / "reel.mov", frames, tone=True)
    client = Client(served_demo, verbose=False, download_files=str(tmp_path / "downloads"))
    result = client.predict(handle_file(str(film)), 1.0, api_name="/colorize_video")
    coloured = result["video"] if isinstance(result, dict) else result
    assert coloured.endswith("reel-colour.mp4")
    info = probe(coloured)
    assert (info.width, info.height, info.audio) == (96, 64, True)
    assert len(list(read_frames(coloured))) == 12

    wide = write_film(tmp_path / "wide.mp4", [np.zeros((736, 1296, 3), np.uint8)] * 2)
    with pytest.raises(Exception, match="films up to 0.92 MP a frame"):
        client.predict(handle_file(str(wide)), 1.0, api_name="/colorize_video")


def test_the_film_handler_reads_only_uploads_within_the_size_limit(tiny_colorizer, tmp_path, monkeypatch):
    import gradio

    from colorizer.app import film_tab
    from colorizer.app.photo_handler import ColorizeHandler

    frames, _ = moving_square(6, step=(1, 0))
    uploaded = write_film(tmp_path / "uploads" / "reel.mp4", frames)
    outside = write_film(tmp_path / "elsewhere.mp4", frames)
    films = film_tab.FilmHandler(ColorizeHandler(tiny_colorizer, allowed_folders=[(tmp_path / "uploads").resolve()]))
    assert probe(films({"path": str(uploaded), "orig_name": "Wedding 1962.mp4"})).frames == 6
    with pytest.raises(gradio.Error, match="Please upload a film"):  # a path on the server that was never uploaded
        films({"path": str(outside)})
    monkeypatch.setattr(film_tab, "MAX_FILM_UPLOAD_BYTES", 100)
    with pytest.raises(gradio.Error, match="too large"):
        films({"path": str(uploaded)})


def test_both_ways_to_colour_a_film_count_as_work_for_the_memory_release(tmp_path, monkeypatch, tiny_colorizer):
    """A film coloured again with strokes is work too: the server hands no memory back while it runs."""
    from colorizer.app import film_tab, memory_release
    from colorizer.app.photo_handler import ColorizeHandler

    entered = []

    class Counting(memory_release.IdleRelease):
        def working(self):
            entered.append(True)
            return super().working()

    monkeypatch.setattr(memory_release, "SERVER", Counting(release=lambda: None))
    films = film_tab.FilmHandler(ColorizeHandler(tiny_colorizer, allowed_folders=[(tmp_path / "uploads").resolve()]))
    films(None)
    films.with_strokes(None, 1.0, None)
    assert len(entered) == 2


def test_strokes_painted_on_the_pages_first_frame_follow_the_film(tmp_path):
    from colorizer.app import film_tab
    from colorizer.app.photo_handler import ColorizeHandler

    config = ModelConfig(input_size=128, encoder_weights=None, decoder="unet", head="regression", hints=True)
    colorizer = Colorizer.untrained(config, hint_painting_decoder(config), precision="float32")
    frames, corners = moving_square(21, width=256, height=144, side=48, step=(5.0, 2.0))
    film = write_film(tmp_path / "uploads" / "reel.mp4", frames)
    films = film_tab.FilmHandler(ColorizeHandler(colorizer, allowed_folders=[(tmp_path / "uploads").resolve()]))
    picture = films.first_frame({"path": str(film)})
    assert (picture["width"], picture["height"]) == (256, 144) and picture["background"].startswith("data:image/jpeg")
    stroke = {"colour": "#c81e1e", "radius": 4, "points": [30, 30, 38, 30, 38, 38, 30, 38, 34, 34]}  # on the square in the first frame
    coloured = films.with_strokes({"path": str(film)}, 1.0, {"width": 256, "height": 144, "strokes": [stroke]})
    last = rgb_to_lab(list(read_frames(coloured))[20])
    x, y = (round(value) for value in corners[20])
    assert last[y + 16 : y + 32, x + 16 : x + 32, 1].mean() > 15
