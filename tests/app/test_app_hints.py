"""The page's colour hints: the paint box's strokes, `/colorize`'s hints input, and their errors."""

import uuid

import numpy as np
import pytest
from PIL import Image

from colorizer.colour.lab import rgb_to_lab
from colorizer.colour.regions import GAIN

from conftest import gradient_image, two_halves, write

gradio = pytest.importorskip("gradio")
from colorizer.app import page as app_page
from colorizer.app.paint_box import PREVIEW_SIZE, fit_strokes, merge_layers
from colorizer.app.photo_handler import ColorizeHandler

RED = (200, 30, 40)


@pytest.fixture(scope="module")
def hinted_handler(tmp_path_factory, hint_painting_colorizer):
    """The page's handler around a tiny model that paints exactly its hints, reading uploads from a temporary folder."""
    folder = tmp_path_factory.mktemp("uploads")
    return ColorizeHandler(hint_painting_colorizer, allowed_folders=[folder]), folder


def lab_pixels(path):
    with Image.open(path) as image:
        return rgb_to_lab(np.asarray(image.convert("RGB")))


def hue_and_chroma(lab):
    """Mean hue (degrees) and chroma of Lab pixels (N x 3)."""
    a, b = lab[:, 1:].mean(axis=0)
    return np.degrees(np.arctan2(b, a)), np.hypot(a, b)


def assert_painted(result, automatic, box, colour):
    """Inside `box` (top, bottom, left, right) the result took `colour`'s hue; across the edge of a
    `two_halves` photo (its light right half), it is the automatic result."""
    top, bottom, left, right = box
    hue, chroma = hue_and_chroma(result[top + 4 : bottom - 4, left + 4 : right - 4].reshape(-1, 3))
    target_hue, _ = hue_and_chroma(rgb_to_lab(np.array([[colour]], np.uint8))[0])
    assert abs(hue - target_hue) < 10 and chroma > 20
    light_half = slice(result.shape[1] * 6 // 10, None)
    assert np.abs(result[:, light_half] - automatic[:, light_half]).max() < GAIN  # the tiny decoder's leak, under 1, shown GAIN times


def layers_payload(folder, *layers):
    """The paint box's payload as the page or an API caller sends it: uploaded layer files, named once each."""
    paths = [write(folder / f"layer-{uuid.uuid4().hex}.png", layer) for layer in layers]
    return {"background": None, "layers": [{"path": str(path), "meta": {"_type": "gradio.FileData"}} for path in paths], "composite": None}


def stroke_layer(height, width, colour=RED, box=(10, 30, 10, 40)):
    """An editor layer: transparent, with an opaque rectangle of `colour` (top, bottom, left, right)."""
    layer = np.zeros((height, width, 4), np.uint8)
    top, bottom, left, right = box
    layer[top:bottom, left:right] = (*colour, 255)
    return layer


def test_strokes_are_the_opaque_pixels_of_all_layers_later_on_top():
    first = stroke_layer(20, 30, (255, 0, 0), (0, 10, 0, 10))
    second = stroke_layer(20, 30, (0, 0, 255), (5, 15, 5, 15))
    second[0, 29] = (0, 255, 0, 40)  # a brush's soft rim: not a hint
    strokes = merge_layers([first, second])
    assert strokes.shape == (20, 30, 4)
    assert tuple(strokes[2, 2]) == (255, 0, 0, 255) and tuple(strokes[7, 7]) == (0, 0, 255, 255)
    assert strokes[0, 29, 3] == 0 and strokes[19, 0, 3] == 0
    assert merge_layers([np.zeros((20, 30, 4), np.uint8)]) is None
    assert merge_layers([]) is None


def test_strokes_painted_on_the_preview_are_scaled_to_the_photo():
    strokes = stroke_layer(10, 20, (0, 200, 0), (0, 5, 0, 10))
    fitted = fit_strokes(strokes, (200, 100))
    assert fitted.shape == (100, 200, 4)
    assert tuple(fitted[0, 0]) == (0, 200, 0, 255) and fitted[49, 99, 3] == 255 and fitted[50, 100, 3] == 0
    assert set(np.unique(fitted[..., 3])) == {0, 255}  # nearest: no blended colours at the edges


def test_painting_recolours_near_the_stroke_and_no_strokes_is_the_automatic_result(hinted_handler):
    handler, folder = hinted_handler
    photo = str(write(folder / "photo.png", two_halves(96, 64)))
    (_, automatic), _ = handler(photo)
    painting, editor = handler.start_painting(photo)
    background = np.asarray(editor["background"])
    assert background.shape == (64, 96, 3) and editor["layers"] == []

    editor = layers_payload(folder, stroke_layer(64, 96))
    (_, painted), _, painting = handler.paint(painting, 1.0, "png", editor)
    assert_painted(lab_pixels(painted), lab_pixels(automatic), (10, 30, 10, 40), RED)
    assert painting["strokes"] is not None

    editor = layers_payload(folder)  # the stroke undone
    (_, undone), _, painting = handler.paint(painting, 1.0, "png", editor)
    assert np.array_equal(lab_pixels(undone), lab_pixels(automatic)) and painting["strokes"] is None


def test_the_paint_box_reloading_its_photo_does_not_colorize_again(hinted_handler):
    handler, folder = hinted_handler
    photo = str(write(folder / "again.png", gradient_image(48, 48)))
    painting, editor = handler.start_painting(photo)
    assert handler.repaint(painting, 1.0, "png", editor)[:2] == (gradio.skip(), gradio.skip())
    editor = layers_payload(folder, stroke_layer(48, 48))
    _, download, painting = handler.repaint(painting, 1.0, "png", editor)
    assert download.endswith("again-colour.png")
    assert handler.repaint(painting, 1.0, "png", editor)[:2] == (gradio.skip(), gradio.skip())


def test_the_paint_box_shows_a_small_gray_preview_of_a_large_photo(hinted_handler):
    handler, folder = hinted_handler
    photo = write(folder / "large.png", np.stack([two_halves(2400, 1200)] * 3, axis=-1))
    painting, editor = handler.start_painting(str(photo))
    assert editor["background"].size == (PREVIEW_SIZE, PREVIEW_SIZE // 2)
    assert painting == {"photo": str(photo), "strokes": None}
    (_, automatic), _ = handler(str(photo))
    editor = layers_payload(folder, stroke_layer(512, 1024, box=(100, 300, 100, 400)))  # painted on the preview...
    (_, painted), _, _ = handler.paint(painting, 1.0, "png", editor)
    assert_painted(lab_pixels(painted), lab_pixels(automatic), (235, 700, 235, 940), RED)  # ...lands on the photo


def test_the_paint_box_refuses_a_file_that_was_not_uploaded(hinted_handler, tmp_path):
    handler, _ = hinted_handler
    elsewhere = write(tmp_path / "secret.png", gradient_image(20, 20))
    with pytest.raises(gradio.Error, match="Please upload a photo"):
        handler.start_painting(str(elsewhere))


def test_hints_through_the_api_are_an_image_the_size_of_the_photo(hinted_handler):
    handler, folder = hinted_handler
    photo = str(write(folder / "api.png", two_halves(80, 60)))
    hints = str(write(folder / "api-hints.png", stroke_layer(60, 80, box=(10, 30, 5, 30))))
    (_, automatic), _ = handler(photo)
    (_, hinted), _ = handler(photo, 1.0, "png", hints)
    assert_painted(lab_pixels(hinted), lab_pixels(automatic), (10, 30, 5, 30), RED)
    wrong_size = str(write(folder / "small-hints.png", stroke_layer(30, 40)))
    with pytest.raises(gradio.Error, match="hints: the image is 40x30, the photo 80x60"):
        handler(photo, 1.0, "png", wrong_size)
    not_an_image = folder / "hints.png"
    not_an_image.write_bytes(b"no picture here")
    with pytest.raises(gradio.Error, match="hints: .*not an image"):
        handler(photo, 1.0, "png", str(not_an_image))


def test_every_page_has_a_paint_box(tiny_colorizer, hinted_handler):
    for colorizer in (tiny_colorizer, hinted_handler[0].colorizer):  # trained without hints, and with
        components = app_page.build_demo(colorizer).config["components"]
        editors = [block["props"].get("elem_id") for block in components if block["type"] == "imageeditor"]
        assert sorted(editors) == ["film-paint", "paint"]  # the photo's, and the film's first frame


def test_the_colorize_endpoint_takes_hints_as_a_fourth_input(served_demo, tmp_path):
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    photo = write(tmp_path / "photo.png", two_halves(80, 60))
    hints = write(tmp_path / "hints.png", stroke_layer(60, 80, box=(10, 30, 5, 30)))
    client = Client(served_demo, verbose=False, download_files=str(tmp_path))
    parameters = [parameter["parameter_name"] for parameter in client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/colorize"]["parameters"]]
    assert parameters == ["photo", "strength", "output_format", "hints"]
    (_, automatic), _ = client.predict(handle_file(str(photo)), api_name="/colorize")
    (_, hinted), _ = client.predict(handle_file(str(photo)), 1.0, "png", handle_file(str(hints)), api_name="/colorize")
    assert_painted(lab_pixels(hinted), lab_pixels(automatic), (10, 30, 5, 30), RED)  # the served tiny model: trained without hints
    small = write(tmp_path / "small.png", stroke_layer(10, 10))
    with pytest.raises(AppError, match="hints: the image is 10x10, the photo 80x60"):
        client.predict(handle_file(str(photo)), 1.0, "png", handle_file(str(small)), api_name="/colorize")


def test_the_bin_of_the_paint_box_gives_the_gray_photo_back(hinted_handler):
    handler, folder = hinted_handler
    photo = str(write(folder / "bin.png", two_halves(60, 40)))
    painting, _ = handler.start_painting(photo)
    restored = handler.restore_paint_box(painting)
    assert restored["background"].size == (60, 40) and restored["layers"] == []
    assert handler.restore_paint_box(None) is None
