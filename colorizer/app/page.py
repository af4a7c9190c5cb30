"""The Gradio app: drop black-and-white photos, compare gray and colour with a slider, download the results.

    colorizer-app [--model FOLDER_OR_USER/REPO[@REVISION]] [--host H] [--port P] [--precision auto]

`colorizer-app` and `app.py` (the Hugging Face Space's entry point) run `cli/app.py`, which
calls `load_page` and `serve`; the tests build the same page around a tiny model with `build_demo`.
The work behind the page is `photo_handler.ColorizeHandler`'s (and the Film tab's, `film_tab.FilmHandler`'s). Three API
endpoints: `/colorize` (one photo), `/colorize_batch` (several, with a zip of all results) and
`/colorize_video` (a film).
"""

import os
import sys

import gradio as gr

from .. import resources
from ..colour.images import IMAGE_SUFFIXES
from ..colour.outputs import DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS
from ..config import DEFAULT_PORT, DEFAULT_PRECISION, DEFAULT_STRENGTH, MAX_STRENGTH
from ..model import hub
from ..model.precision import describe
from ..pipeline import Colorizer
from .film_tab import MAX_FILM_UPLOAD_BYTES, film_tab
from .memory_release import limit_arenas
from .page_script import PAGE_CSS, PAGE_SCRIPT, bring_into_view
from .paint_box import paint_box, paint_status
from .photo_handler import MAX_BATCH, ColorizeHandler
from .uploads import MAX_UPLOAD_BYTES

CONCURRENCY = 2  # requests colorized at once: one per CPU core of a small machine (or a free Space)
MAX_FILE_BYTES = max(MAX_UPLOAD_BYTES, MAX_FILM_UPLOAD_BYTES)  # what Gradio takes in; each handler holds its kind to its own limit
QUEUE_SIZE = 64  # requests waiting beyond this are turned away with "queue full" rather than piling up
PANEL_HEIGHT = 380  # the photo and its result side by side, the same height
PREVIEW_HEIGHT = 180  # the small copy of the result under the paint box, on a phone
EXAMPLES = resources.example_photos()
INTRODUCTION = (
    "# Colorizer\n"
    "Drop a black-and-white photo, or several. You get a colour version at the photo's own resolution, "
    "keeping its lightness, date and resolution setting; drag the slider to compare. "
    "The model guesses likely colours from shapes and shades: skies, foliage and skin come out well, "
    "the colour of a dress or a car is a guess: if you know it, paint a stroke of it "
    "in the *Paint colours* tab."
)
PAINT_EMPTY = "Once your photo is coloured, its gray version appears here, to paint on."
PAINT_HELP = (
    "Pick a colour (or your own with the picker) and paint a short stroke inside a thing whose colour you know: "
    "a dress, a car, the sky. The colour fills that thing up to its edges (a thing in light and shadow may need a "
    "stroke on each part) and the result updates. "
    "Undo, Clear or the eraser take strokes back; with no strokes you get the automatic colours."
)


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


def build_demo(colorizer, notice=None):
    """The page: settings on top; one photo beside its gray/colour slider, or an album of several with a zip."""
    handler = ColorizeHandler(colorizer)
    with gr.Blocks(title="Colorizer", delete_cache=(1800, 3600)) as demo:
        gr.Markdown(INTRODUCTION)
        if notice:
            gr.Markdown(f"**Warning:** {notice}", elem_id="model-notice")
        with gr.Row(equal_height=True, elem_id="settings"):
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
            with gr.Tab("Film", elem_id="film-tab"):
                film_tab(handler, strength)
        gr.Markdown(describe_model(colorizer), elem_id="model-line")
        demo.load(None, js=PAGE_SCRIPT)
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
            paint, preview = paint_tab()
        with gr.Column(scale=3, elem_id="result"):
            slider = gr.ImageSlider(
                label="Gray | colour: drag the handle to compare", type="filepath", format="png",
                height=PANEL_HEIGHT, max_height=PANEL_HEIGHT, buttons=["fullscreen"], elem_id="slider",
            )
            download = gr.File(label="Colour photo, full resolution", visible=False, elem_id="download")
            status = paint_status("result")
    hints = gr.Image(label="Colour hints", type="filepath", image_mode="RGBA", visible=False, elem_id="hints")
    painted = gr.State()  # the photo in the paint box, its preview's size and a fingerprint of its strokes
    outputs = [slider, download]
    done = photo.change(handler, inputs=[photo, strength, output_format, hints], outputs=outputs, api_name="colorize", preprocess=False)
    done.success(show, inputs=download, outputs=download, js=bring_into_view("result"), api_visibility="private")
    done.success(handler.start_painting, inputs=photo, outputs=[painted, paint], preprocess=False, api_visibility="private")
    # No broken-image icon left behind, and no earlier photo left to paint on.
    done.failure(
        lambda: (None, None, None, gr.File(value=None, visible=False)), outputs=[photo, painted, paint, download], api_visibility="private",
    )
    # A stroke (or Undo, Clear, a strength) shows its colour at the size of the view first, then writes the download.
    # The last change wins: those made while one is worked on are folded into one, run next.
    # Nothing scrolls: on a phone the small result under the paint box shows the colour.
    painting = {"inputs": [painted, strength, output_format, paint], "api_visibility": "private", "preprocess": False}
    view = {**painting, "outputs": [slider, preview, painted, status], "trigger_mode": "always_last", "show_progress": "hidden"}
    file = {**painting, "outputs": download, "trigger_mode": "always_last", "show_progress": "minimal"}
    for changed, render in ((paint.input, handler.repaint), (strength.input, handler.paint)):  # a typed strength counts at once
        shown = changed(render, **view)
        shown.success(handler.download, **file)
        shown.failure(None, js=f"() => window.colorizerPaintShown?.({'result'!r}, null)", api_visibility="private")
    output_format.input(handler.download, **file)
    if EXAMPLES:  # a click fills in the photo, which runs the model in use: nothing cached
        gr.Examples(examples=[[str(path)] for path in EXAMPLES], inputs=photo)


def paint_tab():
    """The gray photo to paint strokes of colour on (palette, colour picker, brush size, eraser, undo, clear), in a
    tab beside the photo, and a small copy of the result under it (shown on a phone, where the result is far below)."""
    with gr.Tab("Paint colours", elem_id="paint-tab"):
        paint = paint_box(PAINT_EMPTY, result="result", elem_id="paint")
        preview = gr.Image(
            label="Colour", type="filepath", interactive=False, height=PREVIEW_HEIGHT, elem_id="paint-preview",
            buttons=[], show_label=False,
        )
        gr.Markdown(PAINT_HELP, elem_id="paint-help")
    return paint, preview


def album_tab(handler, strength, output_format):
    """Several photos in; a gallery of results, the slider for the one chosen, a zip of all; `/colorize_batch`."""
    with gr.Row():
        with gr.Column(scale=2):
            photos = gr.File(
                label=f"Your photos: drop up to {MAX_BATCH} at once", file_count="multiple",
                file_types=list(IMAGE_SUFFIXES), height=PANEL_HEIGHT - 60, elem_id="photos",
            )
            again = gr.Button("Colorize again with these settings", elem_id="again", interactive=False)
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
        done.success(show, inputs=archive, outputs=archive, js=bring_into_view("album-result"), api_visibility="private")
    gallery.select(show_selected, inputs=pairs, outputs=album_slider, api_visibility="private")
    photos.change(lambda files: gr.Button(interactive=bool(files)), inputs=photos, outputs=again, api_visibility="private")


def show(file):
    """A download box is visible when it has something in it (a photo taken away leaves it empty: hidden)."""
    return gr.File(visible=bool(file))


def show_selected(pairs, selected: gr.SelectData):
    """The (gray, colour) pair of the photo clicked in the gallery."""
    return pairs[selected.index]


def load_page(spec=None, precision=DEFAULT_PRECISION):
    """The page around the model `spec` names (falling back to the shipped one), ready to serve."""
    limit_arenas(CONCURRENCY)  # before the server's threads start
    colorizer, notice = load_colorizer(spec, precision)
    print(f"Colorizer: {colorizer.source}; {describe(precision)}", flush=True)
    return build_demo(colorizer, notice)


def serve(demo, server_name=None, server_port=None, **launch_options):
    """Serve the page and say where; until interrupted, unless `prevent_thread_lock` is given."""
    wanted = server_port or int(os.environ.get("GRADIO_SERVER_PORT", DEFAULT_PORT))
    keep_serving = not launch_options.pop("prevent_thread_lock", False)
    demo.launch(
        server_name=server_name, server_port=server_port, max_file_size=MAX_FILE_BYTES, prevent_thread_lock=True,
        quiet=True, css=PAGE_CSS, **launch_options,
    )
    taken = f" (port {wanted} was taken: is another copy running?)" if demo.server_port != wanted else ""
    print(f"Colorizer: open {demo.local_url} in your browser{taken}. Press Ctrl+C to stop.", flush=True)
    if keep_serving:
        demo.block_thread()
    return demo


def launch(spec=None, server_name=None, server_port=None, precision=DEFAULT_PRECISION, **launch_options):
    """Load the model (falling back to the shipped one) and serve the page: `load_page`, then `serve`."""
    return serve(load_page(spec, precision), server_name, server_port, **launch_options)
