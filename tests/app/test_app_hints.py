"""The page's colour hints: the paint box's strokes, `/colorize`'s hints input, and their errors."""

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colorizer.colour.lab import rgb_to_lab
from colorizer.colour.regions import GAIN

from conftest import gradient_image, two_halves, write

gradio = pytest.importorskip("gradio")
from colorizer.app import page as app_page
from colorizer.app import paint_box
from colorizer.app.paint_box import PREVIEW_SIZE, read_strokes, scaled_hints
from colorizer.app.photo_handler import ColorizeHandler
from colorizer.colour.images import ImageError

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


def assert_painted(result, automatic, box, colour, leak=GAIN):
    """Inside `box` (top, bottom, left, right) the result took `colour`'s hue; across the edge of a
    `two_halves` photo (its light right half), it is the automatic result, within `leak` (Lab units)."""
    top, bottom, left, right = box
    hue, chroma = hue_and_chroma(result[top + 4 : bottom - 4, left + 4 : right - 4].reshape(-1, 3))
    target_hue, _ = hue_and_chroma(rgb_to_lab(np.array([[colour]], np.uint8))[0])
    assert abs(hue - target_hue) < 10 and chroma > 20
    light_half = slice(result.shape[1] * 6 // 10, None)
    assert np.abs(result[:, light_half] - automatic[:, light_half]).max() < leak  # the tiny decoder's leak, under 1, shown GAIN times


def stroke_layer(height, width, colour=RED, box=(10, 30, 10, 40)):
    """A picture of strokes: transparent, with an opaque rectangle of `colour` (top, bottom, left, right)."""
    layer = np.zeros((height, width, 4), np.uint8)
    top, bottom, left, right = box
    layer[top:bottom, left:right] = (*colour, 255)
    return layer


def filled(box, colour=RED, radius=3):
    """A paint box stroke that fills `box` (top, bottom, left, right), zigzagging row by row as a hand would."""
    top, bottom, left, right = box
    points = []
    for y in range(top + radius, bottom - radius + 1, radius):
        points += [left + radius, y, right - radius - 1, y]
    return {"colour": "#" + bytes(colour).hex(), "radius": radius, "points": points}


def strokes_value(size, *strokes, version=1):
    """The paint box's value as the page sends it, for a picture of `size` (width, height)."""
    return {"width": size[0], "height": size[1], "version": version, "strokes": list(strokes)}


def test_strokes_are_drawn_in_order_the_eraser_clearing_what_it_covers():
    strokes = read_strokes(strokes_value((30, 20), filled((0, 10, 0, 10), (255, 0, 0)), filled((5, 15, 5, 15), (0, 0, 255))), (30, 20))
    assert strokes.shape == (20, 30, 4)
    assert tuple(strokes[2, 2]) == (255, 0, 0, 255) and tuple(strokes[7, 7]) == (0, 0, 255, 255)  # later on top
    assert strokes[0, 29, 3] == 0 and strokes[19, 0, 3] == 0
    dot = read_strokes(strokes_value((30, 20), {"colour": "#00ff00", "radius": 2, "points": [15, 10]}), (30, 20))
    assert tuple(dot[10, 15]) == (0, 255, 0, 255) and dot[..., 3].astype(bool).sum() <= 25  # a click: a dot of the brush
    erased = strokes_value((30, 20), filled((0, 10, 0, 10), (255, 0, 0)), {"erase": True, "radius": 40, "points": [15, 10]})
    assert read_strokes(erased, (30, 20)) is None  # all erased: nothing painted
    assert read_strokes(strokes_value((30, 20)), (30, 20)) is None and read_strokes(None, (30, 20)) is None


def test_strokes_painted_on_the_preview_become_hints_at_their_place_in_the_photo():
    strokes = stroke_layer(10, 20, (0, 200, 0), (0, 5, 0, 10))
    hints = scaled_hints(strokes, (200, 100))
    assert len(hints) == 50 and hints.x.max() < 100 and hints.y.max() < 50  # the top-left quarter, one hint per painted pixel
    assert hints.ab[:, 0].max() < -40  # green: a < 0
    assert scaled_hints(np.zeros((10, 20, 4), np.uint8), (200, 100)) is None


@pytest.mark.parametrize(("value", "message"), [
    ("strokes", "something other than strokes"),
    ({"strokes": "all of them", "width": 48, "height": 48}, "something other than strokes"),
    ({"strokes": [{"colour": "#ff0000", "radius": 4, "points": [1, 2]}], "width": 96, "height": 48}, "another picture"),
    (strokes_value((48, 48), {"colour": "#ff0000", "radius": 400, "points": [1, 2]}), "radius"),
    (strokes_value((48, 48), {"colour": "#ff0000", "radius": float("nan"), "points": [1, 2]}), "radius"),
    (strokes_value((48, 48), {"colour": "#ff0000", "radius": 4, "points": [1, 2, 3]}), "points"),
    (strokes_value((48, 48), {"colour": "#ff0000", "radius": 4, "points": [1, "2"]}), "points"),
    (strokes_value((48, 48), {"colour": "#ff0000", "radius": 4, "points": [1, 1e300]}), "points"),
    (strokes_value((48, 48), {"colour": "red; background: url(x)", "radius": 4, "points": [1, 2]}), "not a colour"),
    (strokes_value((48, 48), *[{"colour": "#ff0000", "radius": 1, "points": [1, 2]}] * (paint_box.MAX_STROKES + 1)), "at most"),
    (strokes_value((48, 48), {"colour": "#ff0000", "radius": 1, "points": [1, 2] * (paint_box.MAX_POINTS + 1)}), "points"),
    (strokes_value((48, 48), *[{"colour": "#ff0000", "radius": 1, "points": [1, 2] * 200}] * 1000), "points in all"),
])
def test_the_paint_box_refuses_what_the_page_would_not_send(value, message):
    with pytest.raises(ImageError, match=message):
        read_strokes(value, (48, 48))


def test_painting_recolours_near_the_stroke_and_no_strokes_is_the_automatic_result(hinted_handler):
    handler, folder = hinted_handler
    photo = str(write(folder / "photo.png", two_halves(96, 64)))
    (_, automatic), _ = handler(photo)
    painting, box = handler.start_painting(photo)
    assert (box["width"], box["height"]) == (96, 64) and box["background"].startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(box["background"].split(",", 1)[1]))) as gray:
        assert gray.size == (96, 64) and gray.mode == "L"

    value = strokes_value((96, 64), filled((10, 30, 10, 40)), version=3)
    slider, small, painting, shown = handler.paint(painting, 1.0, "png", value)
    assert slider.value[1]["orig_name"] == Path(small).name and small.endswith(".jpg") and shown == 3  # the view; the version echoed
    assert_painted(lab_pixels(small), lab_pixels(automatic), (10, 30, 10, 40), RED, leak=5)  # a JPEG
    assert painting["strokes"] is not None
    download = handler.download(painting, 1.0, "png", value)
    assert download.endswith("photo-colour.png")
    assert_painted(lab_pixels(download), lab_pixels(automatic), (10, 30, 10, 40), RED)

    undone = strokes_value((96, 64), version=4)  # the stroke undone
    _, small, painting, shown = handler.paint(painting, 1.0, "png", undone)
    assert np.abs(lab_pixels(small) - lab_pixels(automatic)).max() < 5 and painting["strokes"] is None and shown == 4  # JPEG
    assert np.array_equal(lab_pixels(handler.download(painting, 1.0, "png", undone)), lab_pixels(automatic))


def test_the_paint_box_unchanged_does_not_colorize_again(hinted_handler):
    handler, folder = hinted_handler
    photo = str(write(folder / "again.png", gradient_image(48, 48)))
    painting, _ = handler.start_painting(photo)
    assert handler.repaint(painting, 1.0, "png", strokes_value((48, 48), version=2)) == (gradio.skip(), gradio.skip(), painting, 2)
    value = strokes_value((48, 48), filled((10, 30, 10, 40)))
    _, small, painting, _ = handler.repaint(painting, 1.0, "png", value)
    assert "again-colour-view" in small
    assert handler.repaint(painting, 1.0, "png", value)[:2] == (gradio.skip(), gradio.skip())
    assert handler.repaint(None, 1.0, "png", value) == (gradio.skip(), gradio.skip(), None, None)  # no photo yet


def test_the_paint_box_shows_a_small_gray_preview_of_a_large_photo(hinted_handler):
    handler, folder = hinted_handler
    photo = write(folder / "large.png", np.stack([two_halves(2400, 1200)] * 3, axis=-1))
    painting, box = handler.start_painting(str(photo))
    assert (box["width"], box["height"]) == (PREVIEW_SIZE, PREVIEW_SIZE // 2)
    assert painting == {"photo": str(photo), "strokes": None, "size": (PREVIEW_SIZE, PREVIEW_SIZE // 2)}
    (_, automatic), _ = handler(str(photo))
    value = strokes_value((1024, 512), filled((100, 300, 100, 400)))  # painted on the preview...
    _, small, painting, _ = handler.paint(painting, 1.0, "png", value)
    with Image.open(small) as view:
        assert view.size == (1024, 512)  # ...shown at the preview's size first
    assert_painted(lab_pixels(handler.download(painting, 1.0, "png", value)), lab_pixels(automatic), (235, 700, 235, 940), RED)  # ...on the photo


def test_the_paint_box_refuses_a_file_that_was_not_uploaded(hinted_handler, tmp_path):
    handler, _ = hinted_handler
    elsewhere = write(tmp_path / "secret.png", gradient_image(20, 20))
    with pytest.raises(gradio.Error, match="Please upload a photo"):
        handler.start_painting(str(elsewhere))
    with pytest.raises(gradio.Error, match="Please upload a photo"):
        handler.paint({"photo": str(elsewhere), "strokes": None, "size": (20, 20)}, 1.0, "png", None)


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
        boxes = [block["props"].get("elem_id") for block in components if "paint-stage" in str(block["props"].get("html_template"))]
        assert sorted(boxes) == ["film-paint", "paint"]  # the photo's, and the film's first frame


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
