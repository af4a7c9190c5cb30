"""The paint box: a gray picture to paint strokes of colour on, whose strokes travel as points, not pictures.

The page's own component, a `gr.HTML` run by `static/paint_box.js`: the browser draws the
strokes itself and keeps each as its colour, brush radius and points (in the preview's pixels);
with every change (a stroke, Undo, Clear) it sends them all, a few hundred bytes, as the
component's value, and the server draws them again (`read_strokes`). Nothing is uploaded and
nothing is kept for a painting between requests; what a request may ask is bounded: strokes,
points, radius, colours, and the picture's size, which must be the preview's.

    picture (server -> page): {"background": "data:image/jpeg;base64,...", "width": W, "height": H}
    strokes (page -> server): {"width": W, "height": H, "version": N, "strokes": [
        {"colour": "#rrggbb", "radius": R, "points": [x0, y0, x1, y1, ...]},
        {"erase": true, "radius": R, "points": [...]}, ...]}
"""

import base64
import io
import math
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image, ImageDraw

from ..colour.images import ImageError
from ..hints.strokes import Hints, parse_colour, read_hints

# Colours offered for painting (any other can be picked): red, orange, yellow, green, blue, purple, skin, brown.
PALETTE = ("#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2e86c1", "#8e44ad", "#e0ac8a", "#6e4b2a")
BRUSH_SIZE = 8  # radius in pixels of the gray preview: a stroke that stays inside a dress or a saucer
MAX_BRUSH = 48  # the largest radius the brush-size control offers
PREVIEW_SIZE = 1024  # longest side of the gray photo painted on, and of the colour shown after a stroke
PREVIEW_QUALITY = 85  # JPEG quality of the gray photo painted on
MAX_STROKES = 2000  # strokes in one painting: far more than a hand paints, few enough to draw in milliseconds
MAX_POINTS = 100_000  # points over all strokes (a long scribble is a few hundred)
SCRIPT = (Path(__file__).parent / "static" / "paint_box.js").read_text()
TEMPLATE = """
<div class="paint-box">
  <div class="paint-tools" role="toolbar" aria-label="Paint">
    {{#each palette}}<button type="button" class="paint-swatch" style="background:{{this}}" data-colour="{{this}}"
      aria-label="Colour {{this}}" aria-pressed="false"></button>{{/each}}
    <input type="color" class="paint-picker" value="#808080" aria-label="Pick any colour">
    <button type="button" class="paint-tool" data-tool="brush" aria-label="Brush" aria-pressed="true">Brush</button>
    <button type="button" class="paint-tool" data-tool="eraser" aria-label="Eraser" aria-pressed="false">Eraser</button>
    <label class="paint-size-label">Size <input type="range" class="paint-size" min="2" max="${max_brush}" value="${brush}"
      aria-label="Brush size"></label>
    <button type="button" class="paint-undo" aria-label="Undo">Undo</button>
    <button type="button" class="paint-clear" aria-label="Clear">Clear</button>
  </div>
  <div class="paint-stage">
    <p class="paint-empty">${empty}</p>
    <img class="paint-photo" alt="The gray photo to paint on" hidden>
    <canvas class="paint-strokes" width="0" height="0"></canvas>
  </div>
</div>
"""


def paint_box(empty: str, result: str | None = None, **options) -> gr.HTML:
    """The paint box: a picture (`picture`'s value) to paint on; `empty` is what it says without one.

    `result`: the element id of the result its strokes recolour, which shows a quiet busy sign while
    they are being worked on (`paint_status`), or None where strokes are only read later (the film's).
    Its `input` event fires after every stroke, Undo and Clear, with all the strokes as its value.
    """
    return gr.HTML(
        None, html_template=TEMPLATE, js_on_load=SCRIPT, palette=list(PALETTE), brush=BRUSH_SIZE, max_brush=MAX_BRUSH,
        empty=empty, result=result, apply_default_css=False, **options,
    )


def paint_status(result: str) -> gr.HTML:
    """Where a paint event says which strokes it has shown (their version): the busy sign on `result` goes when they are the last."""
    return gr.HTML(
        None, html_template="", js_on_load="watch('value', () => window.colorizerPaintShown?.(props.result, props.value));",
        result=result, visible="hidden", elem_id=f"{result}-paint-status",
    )


def preview_size(size) -> tuple[int, int]:
    """The size (width, height) of the picture painted on, and of the colour shown after a stroke: at most PREVIEW_SIZE a side."""
    width, height = size
    scale = min(1.0, PREVIEW_SIZE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def picture(gray: Image.Image | None) -> dict | None:
    """The paint box's value for a gray picture (resized to `preview_size`), or None for no picture."""
    if gray is None:
        return None
    size = preview_size(gray.size)
    small = gray.convert("L").resize(size, Image.BILINEAR) if gray.size != size else gray.convert("L")
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=PREVIEW_QUALITY)
    return {"background": "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode(), "width": size[0], "height": size[1]}


def read_strokes(value, size) -> np.ndarray | None:
    """The strokes of a paint box's value drawn on a transparent picture of `size` (the preview's): H x W x 4
    uint8, opaque where painted, or None when nothing is painted.

    Raises ImageError for anything the page would not send: strokes for a picture of another size,
    too many strokes or points, a radius out of range, a colour that is not "#rrggbb".
    """
    if value is None or (isinstance(value, dict) and not value.get("strokes")):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("strokes"), list):
        raise ImageError("the paint box sent something other than strokes")
    width, height = size
    if (value.get("width"), value.get("height")) != (width, height):
        raise ImageError("the strokes were painted on another picture")
    strokes = value["strokes"]
    if len(strokes) > MAX_STROKES:
        raise ImageError(f"the paint box takes at most {MAX_STROKES} strokes")
    checked = [_checked_stroke(stroke) for stroke in strokes]
    if sum(len(points) for _, _, points in checked) > MAX_POINTS:
        raise ImageError(f"the paint box takes at most {MAX_POINTS} points in all")
    layer = Image.new("RGBA", (width, height))
    pen = ImageDraw.Draw(layer)
    for colour, radius, points in checked:
        fill = (*colour, 255) if colour else (0, 0, 0, 0)  # an eraser's stroke makes its pixels transparent again
        if len(points) > 1:
            pen.line(points, fill=fill, width=round(2 * radius))
        for x, y in points:  # round ends and joints, as the browser draws them
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
    pixels = np.asarray(layer)
    return pixels if pixels[..., 3].any() else None


def _checked_stroke(stroke):
    """(colour or None for the eraser, radius, [(x, y), ...]) of one stroke, or an ImageError saying what is wrong."""
    if not isinstance(stroke, dict):
        raise ImageError("a stroke of the paint box is not a stroke")
    radius, points = stroke.get("radius"), stroke.get("points")
    if not _is_number(radius) or not 0.5 <= radius <= MAX_BRUSH:
        raise ImageError(f"a stroke's radius must be a number from 0.5 to {MAX_BRUSH}")
    if not isinstance(points, list) or not points or len(points) % 2 or len(points) > 2 * MAX_POINTS:
        raise ImageError("a stroke's points must be a list of x, y numbers")
    if not all(_is_number(value) and abs(value) < 1e6 for value in points):
        raise ImageError("a stroke's points must be a list of x, y numbers")
    colour = None if stroke.get("erase") is True else parse_colour(stroke.get("colour"))
    return colour, float(radius), list(zip(points[::2], points[1::2]))


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def scaled_hints(strokes: np.ndarray, size) -> Hints | None:
    """The painted pixels of `strokes` (drawn on the preview) as hints for a photo of `size`, each at its place there.

    Hints are averaged per cell of the model's hint grid, so a preview's pixel stands for the
    photo's pixels it covers; no photo-sized picture of the strokes is made.
    """
    hints = read_hints(strokes, (strokes.shape[1], strokes.shape[0]))
    if hints is None:
        return None
    width, height = size
    x = ((hints.x + 0.5) * width / strokes.shape[1]).astype(int).clip(0, width - 1)
    y = ((hints.y + 0.5) * height / strokes.shape[0]).astype(int).clip(0, height - 1)
    return Hints(x, y, hints.ab)
