"""The Gradio app: drop a black-and-white photo, compare gray and colour with a slider, download the PNG.

    colorizer-app [--model FOLDER_OR_USER/REPO[@REVISION]] [--host H] [--port P]

`app.py` (the Hugging Face Space's entry point) calls `main`; the tests build the same
page around a tiny model with `build_demo`.
"""

import argparse
import contextlib
import io
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
import uuid
import weakref
from pathlib import Path

import gradio as gr

from . import hub, resources
from .config import DEFAULT_STRENGTH, MAX_STRENGTH, check_strength
from .files import fit_file_name
from .images import ImageError, load_photo, save_png
from .pipeline import Colorizer
from .processor import grayscale

MAX_UPLOAD_BYTES = 30 * 2**20  # 30 MB: a 50 MP JPEG is about 15 MB; the library refuses anything above 50 MP anyway
CONCURRENCY = 2  # photos colorized at once: one per CPU core of a small machine (or a free Space)
QUEUE_SIZE = 64  # requests waiting beyond this are turned away with "queue full" rather than piling up
RESULT_LIFETIME_S = 600  # our PNGs are deleted after this; Gradio keeps its own copies for an hour
EXAMPLES = resources.example_photos()


def load_colorizer(spec=None):
    """The app's model and a notice for the page: `spec` is a weights folder, USER/REPO or USER/REPO@REVISION.

    If the model named cannot be loaded (offline, wrong name, damaged folder) the app
    says so on the page and uses the shipped weights instead of failing to start.
    """
    if not spec:
        return Colorizer.from_pretrained(), None
    name, revision = hub.parse_model_spec(spec)
    try:
        return Colorizer.from_pretrained(name, revision=revision), None
    except Exception as error:  # noqa: BLE001 (whatever went wrong, the shipped model still works)
        print(f"warning: could not load the model {spec} ({error}); using the shipped model", file=sys.stderr)
        shown = f" `{name}`" if hub.is_hub_id(name) else ""  # a Hub id is public; a server path and the error are not
        return Colorizer.from_pretrained(), f"The model{shown} could not be loaded, so this page runs the shipped model."


def describe_model(colorizer):
    """One line for the page: which weights are running."""
    config = colorizer.config
    return f"Model: {colorizer.source} (VGG16 encoder with {config.encoder_weights} weights, {config.decoder} decoder, {config.head} head)."


class ColorizeHandler:
    """The `/colorize` endpoint: a photo in, (gray, colour) for the slider and the colour PNG out."""

    def __init__(self, colorizer, allowed_folders=None):
        self.colorizer = colorizer
        self.allowed_folders = allowed_folders or allowed_upload_folders()
        self.results = Path(tempfile.mkdtemp(prefix="colorizer-app-"))
        self._sweeping = threading.Lock()
        weakref.finalize(self, shutil.rmtree, self.results, True)  # on shutdown, or when the page goes away

    def __call__(self, photo, strength=DEFAULT_STRENGTH):
        if photo is None:  # the user cleared the photo
            return None, None
        try:
            strength = check_strength(strength)
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from None
        try:
            stream = read_upload(photo, self.allowed_folders)
        except UploadError as error:  # a crafted request: one answer for all, naming no path
            print(f"refused a request for a file that was not uploaded ({error})", file=sys.stderr)
            raise gr.Error("Please upload a photo.", print_exception=False) from None
        name = stream.name
        try:
            photo = load_photo(stream)
            colour = self.colorizer.colorize(photo, strength=strength)
        except ImageError as error:
            raise gr.Error(str(error)) from None
        folder = self._new_result_folder()
        stem = Path(name).stem or "photo"
        gray_path = save_png(grayscale(photo), folder / fit_file_name(stem, "-gray.png"))
        colour_path = save_png(colour, folder / fit_file_name(stem, "-colour.png"))
        return (str(gray_path), str(colour_path)), str(colour_path)

    def _new_result_folder(self):
        """A fresh folder for this request, after sweeping out the expired ones."""
        self._remove_expired_results()
        folder = self.results / uuid.uuid4().hex
        folder.mkdir()
        return folder

    def _remove_expired_results(self):
        """Folders older than RESULT_LIFETIME_S go (Gradio has its own copies by then).

        One request sweeps at a time; the others go on without waiting.
        """
        if not self._sweeping.acquire(blocking=False):
            return
        try:
            now = time.time()
            for old in self.results.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    if now - old.stat().st_mtime > RESULT_LIFETIME_S:
                        shutil.rmtree(old, ignore_errors=True)
        finally:
            self._sweeping.release()


class UploadError(Exception):
    """A request that names a file the app did not receive as an upload."""


def read_upload(upload, allowed_folders, max_bytes=MAX_UPLOAD_BYTES):
    """The bytes of an uploaded file, under the name the user gave it (for error messages).

    `upload` is Gradio's FileData dict (preprocess=False) or, for examples, a path. Only a
    regular file inside one of `allowed_folders` (Gradio's upload folder, our examples) is
    read, and at most `max_bytes` of it: a request can name any path, and Gradio checks it
    only when the request says it is an upload.
    """
    if isinstance(upload, dict):
        path, name = upload.get("path"), upload.get("orig_name")
    else:
        path, name = upload, None
    if not isinstance(path, str) or not path:
        raise UploadError("no file")
    real = Path(os.path.realpath(path))
    if not any(real.is_relative_to(folder) for folder in allowed_folders):
        raise UploadError("not an uploaded file")
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):  # before opening: a FIFO would block the open itself
            raise UploadError("not a regular file")
        with open(real, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise UploadError("not a regular file")
            data = file.read(max_bytes + 1)
    except OSError:
        raise UploadError("unreadable") from None
    if len(data) > max_bytes:
        raise UploadError("too large")
    stream = io.BytesIO(data)
    stream.name = name if isinstance(name, str) and name else real.name
    return stream


def allowed_upload_folders():
    """Where the handler may read from: Gradio's upload folder (uploads, cached examples) and our examples."""
    folders = [Path(gr.utils.get_upload_folder())]
    folders += sorted({path.parent for path in EXAMPLES})
    return [Path(os.path.realpath(folder)) for folder in folders]


def build_demo(colorizer, notice=None):
    """The page: upload on the left, gray/colour slider on the right, the full-resolution PNG below."""
    handler = ColorizeHandler(colorizer)
    with gr.Blocks(title="Colorizer", delete_cache=(1800, 3600)) as demo:
        gr.Markdown(
            "# Colorizer\n"
            "Drop a black-and-white photo (or click, or paste one). The colour version keeps the photo's own "
            "resolution and lightness; drag the slider to compare."
        )
        if notice:
            gr.Markdown(f"**Warning:** {notice}", elem_id="model-notice")
        with gr.Row():
            with gr.Column():
                photo = gr.Image(
                    label="Black-and-white photo", type="filepath", image_mode=None,
                    sources=["upload", "clipboard"], height=500, elem_id="photo",
                )
                strength = gr.Slider(
                    0, MAX_STRENGTH, value=DEFAULT_STRENGTH, step=0.1, label="Colour strength",
                    info="1 is the model's best guess; lower is subtler, higher more vivid", elem_id="strength",
                )
            slider = gr.ImageSlider(
                label="Gray | colour", type="filepath", format="png", max_height=500, elem_id="result",
            )
        download = gr.File(label="Colour PNG, full resolution", elem_id="download")
        gr.Markdown(describe_model(colorizer), elem_id="model-line")
        photo.input(handler, inputs=[photo, strength], outputs=[slider, download], api_name="colorize", preprocess=False)
        strength.release(handler, inputs=[photo, strength], outputs=[slider, download], api_visibility="private", preprocess=False)
        if EXAMPLES:
            gr.Examples(
                examples=[[str(path)] for path in EXAMPLES], inputs=photo, outputs=[slider, download],
                fn=handler, cache_examples=True, cache_mode="lazy", api_visibility="private",
            )
    return demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def launch(spec=None, server_name=None, server_port=None, **launch_options):
    """Load the model (falling back to the shipped one) and serve the page until interrupted."""
    colorizer, notice = load_colorizer(spec)
    demo = build_demo(colorizer, notice)
    demo.launch(server_name=server_name, server_port=server_port, max_file_size=MAX_UPLOAD_BYTES, **launch_options)
    return demo


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="colorizer-app", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model", default=os.environ.get("COLORIZER_MODEL") or None, metavar="FOLDER_OR_USER/REPO[@REVISION]",
        help="weights folder or Hub model (default: $COLORIZER_MODEL, else the shipped model); "
        "if it cannot be loaded, the page says so and uses the shipped model",
    )
    parser.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1, or $GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=int, default=None, help="port (default: 7860, or $GRADIO_SERVER_PORT)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    launch(args.model, server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
