"""The Gradio app: drop black-and-white photos, compare gray and colour with a slider, download the results.

    colorizer-app [--model FOLDER_OR_USER/REPO[@REVISION]] [--host H] [--port P] [--precision auto]

`colorizer-app` and `app.py` (the Hugging Face Space's entry point) run `app_command.main`, which
calls `launch`; the tests build the same
page around a tiny model with `build_demo`. Two API endpoints: `/colorize` (one photo) and
`/colorize_batch` (several, with a zip of all results).
"""

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
import weakref
import zipfile
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from . import hub, resources
from .config import DEFAULT_PORT, DEFAULT_STRENGTH, MAX_STRENGTH, check_strength
from .files import free_name
from .hints import PALETTE
from .images import DEFAULT_OUTPUT_FORMAT, IMAGE_SUFFIXES, OUTPUT_FORMATS, ImageError, image_size, load_photo, save_png
from .paint_box import PREVIEW_SIZE, merge_layers, paint_box, read_layers
from .pipeline import Colorizer
from .pixel_budget import RENDER_SHARE, BudgetExceeded, RequestBudget, SessionBudgets
from .precision import DEFAULT_PRECISION, describe
from .prediction_store import Kept, PredictionStore
from .processor import grayscale
from .uploads import MAX_UPLOAD_BYTES, UploadError, read_upload

MAX_BATCH = 50  # photos in one request of the album tab; each is still held to the limits above
CONCURRENCY = 2  # requests colorized at once: one per CPU core of a small machine (or a free Space)
QUEUE_SIZE = 64  # requests waiting beyond this are turned away with "queue full" rather than piling up
RESULT_LIFETIME_S = 600  # our results are deleted after this; Gradio keeps its own copies for an hour
PANEL_HEIGHT = 440  # the photo and its result side by side, the same height
BRUSH_SIZE = 8  # radius in pixels of the gray preview: a stroke that stays inside a dress or a saucer
EXAMPLES = resources.example_photos()
INTRODUCTION = (
    "# Colorizer\n"
    "Drop a black-and-white photo, or several. You get a colour version at the photo's own resolution, "
    "keeping its lightness, date and resolution setting; drag the slider to compare. "
    "The model guesses likely colours from shapes and shades: skies, foliage and skin come out well, "
    "the colour of a dress or a car is a guess, often a muted one: if you know it, paint a stroke of it "
    "in the *Paint colours* tab."
)
PAINT_HELP = (
    "Once your photo is coloured, its gray version appears here. Pick a colour (or your own with the picker) "
    "and paint a short stroke inside a region whose colour you know: a dress, a car, the sky. The model "
    "carries it to the region's edges and the result beside updates. Undo or erase a stroke to take it back; "
    "with no strokes you get the automatic colours."
)
# On a narrow screen the result lies below the photo: bring it into view when it arrives.
SCROLL_TO_RESULT = """(...outputs) => {
    if (window.innerWidth < 768) document.getElementById("result")?.scrollIntoView({behavior: "smooth", block: "start"});
    return outputs;
}"""
SCROLL_TO_ALBUM = SCROLL_TO_RESULT.replace('"result"', '"album-result"')


def load_colorizer(spec=None, precision=DEFAULT_PRECISION):
    """The app's model and a notice for the page: `spec` is a weights folder, USER/REPO or USER/REPO@REVISION.

    If the model named cannot be loaded (offline, wrong name, damaged folder) the app
    says so on the page and uses the shipped weights instead of failing to start.
    """
    if not spec:
        return Colorizer.from_pretrained(precision=precision), None
    name, revision = hub.parse_model_spec(spec)
    try:
        return Colorizer.from_pretrained(name, revision=revision, precision=precision), None
    except Exception as error:  # noqa: BLE001 (whatever went wrong, the shipped model still works)
        print(f"warning: could not load the model {spec} ({error}); using the shipped model", file=sys.stderr)
        shown = f" `{name}`" if hub.is_hub_id(name) else ""  # a Hub id is public; a server path and the error are not
        notice = f"The model{shown} could not be loaded, so this page runs the shipped model."
        return Colorizer.from_pretrained(precision=precision), notice


def describe_model(colorizer):
    """One line for the page, in plain words: which model paints the colours and what it learnt from."""
    photos = colorizer.info.get("training", {}).get("data", {}).get("train_photos")
    learnt = f", which learnt colour from {photos:,} photos" if photos else ""
    return f"Colours by {colorizer.source}{learnt}."


def check_settings(strength, output_format):
    """The page's settings as the handler uses them; a bad value (from the API) is a message for the user."""
    try:
        strength = check_strength(strength)
    except ValueError as error:
        raise gr.Error(str(error), print_exception=False) from None
    output_format = output_format or DEFAULT_OUTPUT_FORMAT
    if not isinstance(output_format, str) or output_format not in OUTPUT_FORMATS:
        raise gr.Error(f"the download format must be one of {', '.join(OUTPUT_FORMATS)}", print_exception=False)
    return strength, output_format


class ColorizeHandler:
    """The page's work: one photo (`/colorize`) or several (`/colorize_batch`) in, gray and colour files out."""

    def __init__(self, colorizer, allowed_folders=None):
        self.colorizer = colorizer
        self.allowed_folders = allowed_folders or allowed_upload_folders()
        self.layer_store = None  # what the page's paint box sent (paint_box.LayerStore); set when the page is built
        self.sessions = SessionBudgets()
        self.kept = PredictionStore()  # the photos being worked on: strokes, strength and format render them again
        self.results = Path(tempfile.mkdtemp(prefix="colorizer-app-"))
        self._sweeping = threading.Lock()
        weakref.finalize(self, shutil.rmtree, self.results, True)  # on shutdown, or when the page goes away

    def __call__(self, photo, strength=DEFAULT_STRENGTH, output_format=DEFAULT_OUTPUT_FORMAT, hints=None, request: gr.Request = None):
        """One photo: returns (gray, colour) for the slider and the colour file to download.

        `hints`: an uploaded RGBA image the size of the photo (the API),
        or the page's strokes as an RGBA array of any size with the photo's shape.
        """
        if photo is None:  # the user cleared the photo
            return None, None
        strength, output_format = check_settings(strength, output_format)
        if hints is not None and not isinstance(hints, np.ndarray):
            hints = self.read(hints)
        folder = self._new_result_folder()
        gray, colour = self.colorize_upload(photo, strength, output_format, folder, hints, session_of(request), keep=True)
        return (gray, colour), colour

    def paint(self, painting, strength, output_format, editor, request: gr.Request = None):
        """The photo `start_painting` remembered, coloured with the strokes painted on it; returns the
        slider, the download and what was painted (the paint box's state).

        `editor` is the paint box's payload as sent (`preprocess=False`): only its layers are read.
        """
        strokes = self.strokes(editor)
        return self._colour_painting(painting, strength, output_format, strokes, fingerprint(strokes), request)

    def repaint(self, painting, strength, output_format, editor, request: gr.Request = None):
        """`paint` after the paint box changed, unless its strokes did not (it reports loading a new photo, too)."""
        strokes = self.strokes(editor)
        digest = fingerprint(strokes)
        if painting and digest == painting["strokes"]:
            return gr.skip(), gr.skip(), painting
        return self._colour_painting(painting, strength, output_format, strokes, digest, request)

    def strokes(self, editor):
        """The strokes painted in the paint box (an RGBA array) or None, read within `paint_box.read_layers`' bounds."""
        try:
            return merge_layers(read_layers(editor, self.layer_store, self.allowed_folders))
        except ImageError as error:
            print(f"refused the paint box's layers: {error}", file=sys.stderr)
            raise gr.Error(f"The paint box could not be read: {error}", print_exception=False) from None

    def _colour_painting(self, painting, strength, output_format, strokes, digest, request=None):
        if not painting:
            return None, None, painting
        result, download = self(painting["photo"], strength, output_format, strokes, request)
        return result, download, {**painting, "strokes": digest}

    def start_painting(self, photo, request: gr.Request = None):
        """After a photo is colorized: remember it, and put its gray version (no strokes yet) in the paint box.

        The photo decoded for its colour version is reused while it is kept; else it is read again.
        """
        if photo is None:
            return None, None
        kept = self.kept.get((session_of(request), upload_path(photo)))
        try:
            preview = grayscale(kept.prediction.photo if kept else load_photo(self.read(photo))).convert("RGB")
        except ImageError:
            return None, None
        preview.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
        return {"photo": photo, "strokes": None}, {"background": preview, "layers": [], "composite": None}

    def restore_paint_box(self, painting, request: gr.Request = None):
        """The paint box's bin clears the gray photo too: put it back, without strokes."""
        return self.start_painting(painting["photo"] if painting else None, request)[1]

    def batch(
        self, photos, strength=DEFAULT_STRENGTH, output_format=DEFAULT_OUTPUT_FORMAT,
        progress=gr.Progress(), request: gr.Request = None,  # noqa: B008 (Gradio's way)
    ):
        """Several photos: returns the gallery of colour results, the (gray, colour) pairs, the first pair, and a zip of all.

        A photo that cannot be colorized (or would take the request over its pixel budget) is left
        out with a warning naming it; the others go on.
        """
        if not photos:
            return [], [], None, None
        if len(photos) > MAX_BATCH:
            raise gr.Error(f"Please drop at most {MAX_BATCH} photos at once (you dropped {len(photos)}).", print_exception=False)
        strength, output_format = check_settings(strength, output_format)
        folder = self._new_result_folder()
        pairs, problems, budget = [], [], RequestBudget()
        for photo in progress.tqdm(photos, desc="Colorizing", unit="photo"):
            try:
                pairs.append(self.colorize_upload(photo, strength, output_format, folder, session=session_of(request), budget=budget))
            except gr.Error as error:
                problems.append(error.message)
        if not pairs:
            raise gr.Error("None of the photos could be colorized: " + "; ".join(problems), print_exception=False)
        if problems:
            gr.Warning(f"{len(problems)} photo(s) left out: " + "; ".join(problems))
        archive = write_zip(folder / "colour-photos.zip", [colour for _, colour in pairs])
        gallery = [(colour, Path(colour).name) for _, colour in pairs]
        return gallery, pairs, pairs[0], str(archive)

    def read(self, upload):
        """An uploaded file's bytes; anything else a request names is refused (`uploads.read_upload`)."""
        try:
            return read_upload(upload, self.allowed_folders)
        except UploadError as error:  # a crafted request: one answer for all, naming no path
            print(f"refused a request for a file that was not uploaded ({error})", file=sys.stderr)
            raise gr.Error("Please upload a photo.", print_exception=False) from None

    def colorize_upload(self, upload, strength, output_format, folder, hints=None, session=None, budget=None, keep=False):
        """Colorize one uploaded file into `folder`: returns the paths of its gray and colour versions.

        The photo is decoded and the model run once (`Colorizer.predict`); with `keep`, the prediction
        is kept for the session, and the next call for the same upload only renders it again (a
        stroke, a strength, a format). Pixels, read from the header, count against the request's
        `budget` and the `session`'s (a render a share of them). Every refusal is a `gr.Error`
        for the page and one line in the server's log.
        """
        key = (session, upload_path(upload)) if keep and upload_path(upload) else None
        kept = self.kept.get(key) if key else None
        if kept is None:
            kept = self._predict_upload(self.read(upload), folder, session, budget)
            if key:
                self.kept.put(key, kept)
        else:
            with refusals(kept.name):
                self._charge(round(kept.prediction.photo.lightness.size * RENDER_SHARE), session, budget)
        with refusals(kept.name):
            if isinstance(hints, np.ndarray):
                hints = fit_strokes(hints, kept.prediction.photo.size)
            colour_path = free_path(folder, Path(kept.name).stem or "photo", "-colour" + OUTPUT_FORMATS[output_format])
            colour = self.colorizer.render_to_file(kept.prediction, colour_path, strength, output_format, hints=hints)
        return kept.gray, str(colour)

    def _predict_upload(self, stream, folder, session, budget):
        """The model's prediction for an uploaded photo and its gray version, written into `folder`."""
        with refusals(stream.name):
            width, height = image_size(stream)
            self._charge(width * height, session, budget)
            prediction = self.colorizer.predict(stream)
            gray = save_png(grayscale(prediction.photo), free_path(folder, Path(stream.name).stem or "photo", "-gray.png"))
        return Kept(prediction, str(gray), stream.name)

    def _charge(self, pixels, session, budget):
        if budget is not None:
            budget.spend(pixels)
        self.sessions.spend(session, pixels)

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


@contextlib.contextmanager
def refusals(name):
    """Whatever goes wrong with the photo called `name` becomes a `gr.Error` for the page and a line in the log."""
    try:
        yield
    except ImageError as error:
        print(f"rejected an upload: {error}", file=sys.stderr)
        raise gr.Error(str(error), print_exception=False) from None
    except BudgetExceeded as error:
        print(f"turned away an upload: {error}", file=sys.stderr)
        raise gr.Error(f"{name}: {error}", print_exception=False) from None
    except Exception as error:  # noqa: BLE001 (one photo's surprise is that photo's failure, not the request's)
        print(f"could not colorize an upload: {type(error).__name__}: {error}", file=sys.stderr)
        raise gr.Error(f"{name}: could not be colorized ({type(error).__name__})", print_exception=False) from None


def upload_path(upload):
    """The path an upload names (Gradio's FileData, or a path), or None: with the session, the key of its kept prediction."""
    path = upload.get("path") if isinstance(upload, dict) else upload
    return path if isinstance(path, str) else None


def session_of(request):
    """The visitor's session (one open page) a request comes from, for its pixel budget; None outside Gradio."""
    return getattr(request, "session_hash", None)


def free_path(folder, stem, suffix):
    """`folder/stem+suffix`, or "stem (2)+suffix"... when two uploads share a name."""
    return free_name(folder, stem, suffix, taken=Path.exists)


def fingerprint(strokes):
    """A short digest of painted strokes (None for none), to tell whether they changed."""
    return None if strokes is None else hashlib.sha256(strokes.tobytes()).hexdigest()


def fit_strokes(strokes, size):
    """Strokes painted on a preview, scaled to the photo's `size` (nearest: colours stay exact)."""
    if (strokes.shape[1], strokes.shape[0]) == tuple(size):
        return strokes
    return np.asarray(Image.fromarray(strokes, "RGBA").resize(size, Image.NEAREST))


def write_zip(path, files):
    """One zip of `files` under their own names (stored: PNG and JPEG are compressed already)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for file in files:
            archive.write(file, arcname=Path(file).name)
    return path


def allowed_upload_folders():
    """Where the handler may read from: Gradio's upload folder (uploads, cached examples) and our examples."""
    folders = [Path(gr.utils.get_upload_folder())]
    folders += sorted({path.parent for path in EXAMPLES})
    return [Path(os.path.realpath(folder)) for folder in folders]


def build_demo(colorizer, notice=None):
    """The page: settings on top; one photo beside its gray/colour slider, or an album of several with a zip."""
    handler = ColorizeHandler(colorizer)
    with gr.Blocks(title="Colorizer", delete_cache=(1800, 3600)) as demo:
        gr.Markdown(INTRODUCTION)
        if notice:
            gr.Markdown(f"**Warning:** {notice}", elem_id="model-notice")
        with gr.Row(equal_height=True):
            strength = gr.Slider(
                0, MAX_STRENGTH, value=DEFAULT_STRENGTH, step=0.1, label="Colour strength", scale=3,
                info="1 is the model's best guess; lower is subtler, higher more vivid", elem_id="strength",
            )
            output_format = gr.Radio(
                list(OUTPUT_FORMATS), value=DEFAULT_OUTPUT_FORMAT, label="Download as", scale=2, elem_id="format",
                info="png: full quality, 16 bits, transparency; jpg: small files",
            )
        with gr.Tabs():
            with gr.Tab("One photo", elem_id="one-photo"):
                one_photo_tab(handler, strength, output_format)
            with gr.Tab("Several photos", elem_id="album"):
                album_tab(handler, strength, output_format)
        gr.Markdown(describe_model(colorizer), elem_id="model-line")
    return demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)


def one_photo_tab(handler, strength, output_format):
    """The photo beside its gray/colour slider and the download; `/colorize`. A second tab beside
    the photo takes strokes of colour painted on its gray version (hints)."""
    with gr.Row():
        with gr.Column(scale=2), gr.Tabs(elem_id="photo-tabs"):
            with gr.Tab("Photo", elem_id="photo-tab"):
                photo = gr.Image(
                    label="Your photo (a colour photo is made black-and-white first)", type="filepath",
                    image_mode=None, sources=["upload", "clipboard"], height=PANEL_HEIGHT, elem_id="photo",
                )
            editor = paint_tab()
        with gr.Column(scale=3, elem_id="result"):
            slider = gr.ImageSlider(
                label="Gray | colour: drag the handle to compare", type="filepath", format="png",
                height=PANEL_HEIGHT, max_height=PANEL_HEIGHT, buttons=["fullscreen"], elem_id="slider",
            )
            download = gr.File(label="Colour photo, full resolution", visible=False, elem_id="download")
    hints = gr.Image(label="Colour hints", type="filepath", image_mode="RGBA", visible=False, elem_id="hints")
    painted = gr.State()  # the photo in the paint box and a fingerprint of its strokes
    outputs = [slider, download]
    done = photo.change(handler, inputs=[photo, strength, output_format, hints], outputs=outputs, api_name="colorize", preprocess=False)
    done.success(show, outputs=download, js=SCROLL_TO_RESULT, api_visibility="private")
    done.success(handler.start_painting, inputs=photo, outputs=[painted, editor], preprocess=False, api_visibility="private")
    # No broken-image icon left behind, and no earlier photo left to paint on.
    done.failure(lambda: (None, None, None), outputs=[photo, painted, editor], api_visibility="private")
    handler.layer_store = editor.layer_store
    paint = {
        "inputs": [painted, strength, output_format, editor], "outputs": [*outputs, painted], "api_visibility": "private",
        "preprocess": False,  # the handler reads the strokes itself, within bounds (paint_box.py)
    }
    editor.input(handler.repaint, **paint, trigger_mode="always_last")
    editor.clear(handler.restore_paint_box, inputs=painted, outputs=editor, api_visibility="private")
    for setting in (strength.release, output_format.input):  # the strokes stay
        setting(handler.paint, **paint)
    if EXAMPLES:  # a click fills in the photo, which runs the model in use: nothing cached
        gr.Examples(examples=[[str(path)] for path in EXAMPLES], inputs=photo)


def paint_tab():
    """The gray photo to paint strokes of colour on (brush, colour picker, eraser, undo), in a tab beside the photo."""
    with gr.Tab("Paint colours", elem_id="paint-tab"):
        editor = paint_box(
            label="Paint colours you know", type="numpy", image_mode="RGBA", sources=[], transforms=[], layers=False,
            format="png", height=PANEL_HEIGHT, elem_id="paint", brush=gr.Brush(default_size=BRUSH_SIZE, colors=list(PALETTE), color_mode="defaults"),
        )
        gr.Markdown(PAINT_HELP, elem_id="paint-help")
    return editor


def album_tab(handler, strength, output_format):
    """Several photos in; a gallery of results, the slider for the one chosen, a zip of all; `/colorize_batch`."""
    with gr.Row():
        with gr.Column(scale=2):
            photos = gr.File(
                label=f"Your photos: drop up to {MAX_BATCH} at once", file_count="multiple",
                file_types=list(IMAGE_SUFFIXES), height=PANEL_HEIGHT - 60, elem_id="photos",
            )
            again = gr.Button("Colorize again with these settings", elem_id="again")
        with gr.Column(scale=3, elem_id="album-result"):
            album_slider = gr.ImageSlider(
                label="Gray | colour of the photo chosen below", type="filepath", format="png",
                height=PANEL_HEIGHT, max_height=PANEL_HEIGHT, buttons=["fullscreen"], elem_id="album-slider",
            )
            gallery = gr.Gallery(
                label="Colour results: click one to compare it above", columns=4, height="auto",
                allow_preview=False, elem_id="gallery",
            )
            archive = gr.File(label="All colour photos (zip)", visible=False, elem_id="archive")
    pairs = gr.State([])
    album_outputs = [gallery, pairs, album_slider, archive]
    album = [photos, strength, output_format]
    for event, api in ((photos.upload, {"api_name": "colorize_batch"}), (again.click, {"api_visibility": "private"})):
        done = event(handler.batch, inputs=album, outputs=album_outputs, preprocess=False, **api)
        done.success(show, outputs=archive, js=SCROLL_TO_ALBUM, api_visibility="private")
    gallery.select(show_selected, inputs=pairs, outputs=album_slider, api_visibility="private")


def show():
    """Make a download box visible once it has something in it."""
    return gr.File(visible=True)


def show_selected(pairs, selected: gr.SelectData):
    """The (gray, colour) pair of the photo clicked in the gallery."""
    return pairs[selected.index]


def launch(spec=None, server_name=None, server_port=None, precision=DEFAULT_PRECISION, **launch_options):
    """Load the model (falling back to the shipped one) and serve the page until interrupted."""
    colorizer, notice = load_colorizer(spec, precision)
    print(f"Colorizer: {colorizer.source}; {describe(precision)}", flush=True)
    demo = build_demo(colorizer, notice)
    wanted = server_port or int(os.environ.get("GRADIO_SERVER_PORT", DEFAULT_PORT))
    keep_serving = not launch_options.pop("prevent_thread_lock", False)
    demo.launch(
        server_name=server_name, server_port=server_port, max_file_size=MAX_UPLOAD_BYTES, prevent_thread_lock=True,
        quiet=True, **launch_options,
    )
    taken = f" (port {wanted} was taken: is another copy running?)" if demo.server_port != wanted else ""
    print(f"Colorizer: open {demo.local_url} in your browser{taken}. Press Ctrl+C to stop.", flush=True)
    if keep_serving:
        demo.block_thread()
    return demo


if __name__ == "__main__":
    from .app_command import main

    sys.exit(main())
