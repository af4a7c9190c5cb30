"""The paint box: Gradio's image editor, with everything a request can make it hold bounded.

Gradio's `ImageEditor` decodes every background, layer and composite an event names, up
to Pillow's own limit (~179 MP) and as often as a file is named, before any handler runs;
and its `accept_blobs` route, which the page uses to send what was painted, keeps every
file it is sent in memory, for ever, at any index. The paint box's events therefore take
the editor's payload unprocessed (`preprocess=False`) and read only its strokes (the
layers) through `read_layers`: at most `MAX_LAYERS`, each named once, each an upload or a
blob the page sent, decoded only if it is no larger than the preview painted on.
The editor's `accept_blobs` is replaced by `LayerStore.accept_blobs`, which keeps layers
only, of bounded size, for a bounded number of paintings and a bounded time.
"""

import threading
import time
from collections import OrderedDict

import gradio as gr
import numpy as np
from gradio.components.base import server
from PIL import Image

from ..colour.images import ImageError, open_image
from ..hints.strokes import HINT_OPACITY
from .uploads import UploadError, read_upload

# Colours offered for painting (any other can be picked): red, orange, yellow, green, blue, purple, skin, brown.
PALETTE = ("#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2e86c1", "#8e44ad", "#e0ac8a", "#6e4b2a")
BRUSH_SIZE = 8  # radius in pixels of the gray preview: a stroke that stays inside a dress or a saucer
PREVIEW_SIZE = 1024  # longest side of the gray photo painted on: enough to place strokes, light for a phone
MAX_LAYER_PIXELS = PREVIEW_SIZE * PREVIEW_SIZE  # a layer is the preview's size: anything larger is not from the page
MAX_LAYERS = 4  # the page paints on one layer; a few to spare
MAX_LAYER_BYTES = 6 * 2**20  # a 1024x1024 RGBA PNG of noise is 4.2 MB
MAX_PAINTINGS = 32  # paintings whose layers wait in memory for their event (oldest dropped first)
BLOB_LIFETIME_S = 120  # a layer waits this long for the event that reads it, then goes


def paint_box(layer_store, **editor_options) -> gr.ImageEditor:
    """A `gr.ImageEditor` for painting strokes on a gray picture (brush, palette, eraser, undo; no uploads, no layers),
    whose `accept_blobs` route is `layer_store`'s (a `LayerStore`, also kept as `editor.layer_store`): the handler
    that reads the strokes is given the same store."""
    editor = gr.ImageEditor(**{
        "type": "numpy", "image_mode": "RGBA", "sources": [], "transforms": [], "layers": False, "format": "png",
        "brush": gr.Brush(default_size=BRUSH_SIZE, colors=list(PALETTE), color_mode="defaults"), **editor_options,
    })
    editor.layer_store = layer_store
    editor.accept_blobs = layer_store.accept_blobs  # the route looks the function up on the component
    return editor


class LayerStore:
    """The layers the page sends through `accept_blobs`: at most MAX_PAINTINGS x MAX_LAYERS of
    MAX_LAYER_BYTES each, for BLOB_LIFETIME_S. Backgrounds and composites, which the colorizer
    never reads, are not kept at all. (A subclass of the editor would do, but Gradio writes a
    .pyi file beside every module that defines a component.)"""

    def __init__(self):
        self._layers = OrderedDict()  # painting id -> (time received, [layer bytes or None] * MAX_LAYERS)
        self._lock = threading.Lock()

    @server
    def accept_blobs(self, data):
        fields, files = getattr(data, "data", None), getattr(data, "files", None)
        if not isinstance(fields, dict) or not files or fields.get("type") != "layer":
            return
        painting, index, blob = fields.get("id"), _layer_index(fields.get("index")), files[0][1]
        if not isinstance(painting, str) or not 0 < len(painting) <= 64 or index is None:
            return
        if not isinstance(blob, bytes) or len(blob) > MAX_LAYER_BYTES:
            return
        with self._lock:
            self._forget_expired()
            received, layers = self._layers.pop(painting, (time.monotonic(), [None] * MAX_LAYERS))
            layers[index] = blob
            self._layers[painting] = (received, layers)
            while len(self._layers) > MAX_PAINTINGS:
                self._layers.popitem(last=False)

    def take_layers(self, painting):
        """The layers the page sent for painting id `painting` (bytes, in order), forgotten once taken."""
        with self._lock:
            self._forget_expired()
            _, layers = self._layers.pop(painting, (None, []))
        return [layer for layer in layers if layer is not None]

    def _forget_expired(self):
        deadline = time.monotonic() - BLOB_LIFETIME_S
        while self._layers and next(iter(self._layers.values()))[0] < deadline:
            self._layers.popitem(last=False)


def _layer_index(value):
    """A layer index from the page (a number, or its text), or None when it is not one of 0..MAX_LAYERS-1."""
    try:
        index = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return index if 0 <= index < MAX_LAYERS else None


def read_layers(payload, layer_store, allowed_folders):
    """The painted layers of an editor payload as RGBA arrays, read within the bounds above.

    `payload` is what the page (or an API caller) sent: {"id": ...} for layers sent through
    `accept_blobs`, or {"layers": [FileData, ...]} naming uploaded files. Raises ImageError for
    anything the page would not send: too many layers, a file named twice, a layer larger than
    the preview, a file that is not an uploaded image.
    """
    if not isinstance(payload, dict):
        return []
    if isinstance(payload.get("id"), str):
        sources = layer_store.take_layers(payload["id"])
    else:
        files = payload.get("layers") or []
        if not isinstance(files, list) or len(files) > MAX_LAYERS:
            raise ImageError(f"the paint box takes at most {MAX_LAYERS} layers")
        paths = [file.get("path") if isinstance(file, dict) else file for file in files]
        if len(set(map(str, paths))) != len(paths):
            raise ImageError("a layer of the paint box is named twice")
        try:
            sources = [read_upload(file, allowed_folders, MAX_LAYER_BYTES) for file in files]
        except UploadError:
            raise ImageError("a layer of the paint box is not an uploaded image") from None
    layers = []
    for source in sources:
        with open_image(source, max_pixels=MAX_LAYER_PIXELS) as image:
            if max(image.size) > PREVIEW_SIZE:
                raise ImageError(f"a layer of the paint box is larger than its {PREVIEW_SIZE}-pixel preview")
            layers.append(np.asarray(image.convert("RGBA")))
    return layers


def merge_layers(layers):
    """The strokes of the paint box as one RGBA array (later layers on top), or None when nothing is painted.

    Only pixels at least HINT_OPACITY opaque count: a brush's soft rim is not a hint. Layers of another
    size than the first (not from the page) are refused.
    """
    if not layers:
        return None
    strokes = np.zeros_like(layers[0])
    for layer in layers:
        if layer.shape != strokes.shape:
            raise ImageError("the layers of the paint box differ in size")
        painted = layer[..., 3] >= HINT_OPACITY
        strokes[painted] = layer[painted]
        strokes[painted, 3] = 255
    return strokes if strokes[..., 3].any() else None


def fit_strokes(strokes, size):
    """Strokes painted on a preview, scaled to the photo's `size` (nearest: colours stay exact)."""
    if (strokes.shape[1], strokes.shape[0]) == tuple(size):
        return strokes
    return np.asarray(Image.fromarray(strokes, "RGBA").resize(size, Image.NEAREST))
