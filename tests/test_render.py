"""Predict once, render many: `colorize` is `render(predict(...))`, and the page renders strokes, strength and
format changes again without running the model."""

from pathlib import Path

import numpy as np
import pytest

from conftest import gradient_image, two_halves, write

gradio = pytest.importorskip("gradio")
from colorizer.app.photo_handler import ColorizeHandler


def test_colorize_is_render_of_predict_pixel_for_pixel(hint_painting_colorizer):
    photo = gradient_image(60, 40)
    strokes = np.zeros((40, 60, 4), np.uint8)
    strokes[5:15, 5:20] = (200, 30, 40, 255)
    prediction = hint_painting_colorizer.predict(photo)
    for strength, hints in ((1.0, None), (2.0, None), (1.0, strokes)):
        rendered = np.asarray(hint_painting_colorizer.render(prediction, strength, hints))
        assert np.array_equal(rendered, np.asarray(hint_painting_colorizer.colorize(photo, strength, hints)))


def test_hints_run_the_decoder_again_not_the_encoder(hint_painting_colorizer, monkeypatch):
    prediction = hint_painting_colorizer.predict(two_halves(48, 48))
    assert prediction.features is not None  # kept for a decoder that reads hints
    calls = []
    monkeypatch.setattr(hint_painting_colorizer.encoder, "predict_on_batch", lambda *a: calls.append(a))
    strokes = np.zeros((48, 48, 4), np.uint8)
    strokes[10:20, 5:15] = (30, 60, 200, 255)
    with_hints = np.asarray(hint_painting_colorizer.render(prediction, hints=strokes), np.float32)
    without = np.asarray(hint_painting_colorizer.render(prediction), np.float32)
    assert calls == [] and np.abs(with_hints - without)[10:20, 5:15].mean() > 5


def test_a_model_trained_without_hints_keeps_no_features(tiny_colorizer):
    assert tiny_colorizer.predict(gradient_image(30, 20)).features is None


def test_the_page_renders_strokes_strength_and_format_without_the_model(hint_painting_colorizer, tmp_path, monkeypatch):
    handler = ColorizeHandler(hint_painting_colorizer, allowed_folders=[tmp_path])
    predictions = []
    real = hint_painting_colorizer.predict
    monkeypatch.setattr(hint_painting_colorizer, "predict", lambda image: predictions.append(image) or real(image))
    photo = str(write(tmp_path / "photo.png", two_halves(96, 64)))
    (gray, automatic), _ = handler(photo)
    painting, _ = handler.start_painting(photo)
    strokes = {"width": 96, "height": 64, "strokes": [{"colour": "#c81e28", "radius": 6, "points": [16, 16, 34, 16, 34, 24, 16, 24]}]}
    slider, painted, painting, _ = handler.paint(painting, 1.0, "png", strokes)
    _, stronger, _, _ = handler.paint(painting, 2.0, "png", strokes)
    download = handler.download(painting, 2.0, "jpg", strokes)
    assert len(predictions) == 1  # the model ran once, for the upload
    assert slider.value[0]["orig_name"] == Path(gray).name and download.endswith(".jpg")
    assert len({Path(path).read_bytes() for path in (automatic, painted, stronger)}) == 3


def test_kept_predictions_are_bounded(tiny_colorizer, tmp_path, monkeypatch):
    from colorizer.app import prediction_store

    monkeypatch.setattr(prediction_store, "MAX_KEPT", 3)
    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path])
    for index in range(6):
        handler(str(write(tmp_path / f"photo{index}.png", gradient_image(40, 30))))
    assert len(handler.kept) == 3
    monkeypatch.setattr(prediction_store, "MAX_KEPT_PIXELS", 2 * 40 * 30)
    handler(str(tmp_path / "photo0.png"))
    assert len(handler.kept) == 2
    monkeypatch.setattr(prediction_store, "KEPT_S", 0)
    assert handler.kept.get((None, str(tmp_path / "photo0.png"))) is None and len(handler.kept) == 0


def test_colorize_checks_the_strength_before_the_model_runs(tiny_colorizer, monkeypatch):
    monkeypatch.setattr(tiny_colorizer, "predict", lambda image: pytest.fail("the model ran"))
    with pytest.raises(ValueError, match="strength"):
        tiny_colorizer.colorize(gradient_image(10, 10), strength=5)
