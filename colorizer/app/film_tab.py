"""The page's Film tab: a short black-and-white clip in, its colour version playing beside it; `/colorize_video`.

The work is `FilmHandler`'s: the upload is checked (a regular file the page received, within
the size limit), the film's header against the page's limits before any frame is decoded, and
the film is coloured by `Colorizer.colorize_video` into the page's result folders, which expire.
Strokes painted on the film's first frame (a paint box, read within its bounds) follow the
motion through the first shot when the film is coloured again. One film is coloured at a time;
others wait in the queue.
"""

from pathlib import Path

import gradio as gr

from ..colour.processor import grayscale
from ..config import DEFAULT_STRENGTH
from ..files import fit_file_name
from ..video.formats import FILM_SUFFIX
from .memory_release import released_when_idle
from .page_script import bring_into_view
from .paint_box import paint_box, picture, preview_size, scaled_hints
from .pixel_budget import BudgetExceeded, visitor_of
from .refusals import checked_strength, painted_strokes, refusal, refusals
from .uploads import UploadError, checked_upload

MAX_PAGE_FILM_SECONDS = 60  # a hosted Space colours about five frames a second: a minute of film takes minutes
MAX_PAGE_FILM_PIXELS = 1280 * 720
MAX_PAGE_FILM_FRAMES = 60 * 30  # 60 s at 30 fps: a film of many more frames a second is refused, however short
MAX_FILM_UPLOAD_BYTES = 200 * 2**20
FILM_PAINT_EMPTY = "Once your film is coloured, its first frame appears here, to paint on."
FILM_HELP = (
    f"Drop a black-and-white film of up to {MAX_PAGE_FILM_SECONDS} seconds ({MAX_PAGE_FILM_FRAMES:,} frames) and 1280x720 "
    "(MP4, MOV, MKV, WebM or AVI). "
    "Its colour is carried along the motion from frame to frame, so it holds steady; the sound is kept. "
    "Then, if you know a colour, paint it on the first frame below and colour the film again: the strokes follow the motion."
)


class FilmHandler:
    """Colours an uploaded film into one of `handler`'s result folders (a `ColorizeHandler`: its model, uploads, expiry)."""

    def __init__(self, handler):
        self.handler = handler

    def __call__(self, film, strength=DEFAULT_STRENGTH, progress=gr.Progress(), request: gr.Request = None):  # noqa: B008 (Gradio's way)
        """Returns the colour film's path; every refusal is a message for the page and a line in the log."""
        return self.colorize(film, strength, None, progress, request)

    def with_strokes(self, film, strength, value, progress=gr.Progress(), request: gr.Request = None):  # noqa: B008
        """The film coloured again with the strokes painted on its first frame (the paint box's value, unprocessed)."""
        return self.colorize(film, strength, value, progress, request)

    def first_frame(self, film):
        """The paint box's picture: the film's first frame in gray (`paint_box.picture`; nothing if unreadable)."""
        from ..video.io import FilmError, read_frames

        try:
            path, _ = self.checked(film)
            return picture(grayscale(next(iter(read_frames(path)))))
        except (gr.Error, FilmError, StopIteration):
            return None

    def checked(self, film):
        """(path, name) of an uploaded film within the size limit, or a message for the page."""
        try:
            return checked_upload(film, self.handler.allowed_folders, MAX_FILM_UPLOAD_BYTES)
        except UploadError as error:
            message = "The film is too large." if str(error) == "too large" else "Please upload a film."
            raise refusal(message, f"refused a film upload ({error})") from None

    @released_when_idle  # both ways in (`__call__`, `with_strokes`) colorize here
    def colorize(self, film, strength, painted, progress, request=None):
        """The film coloured (with the strokes of the paint box's value `painted` on its first frame, if any) into a
        new result folder; its path. Its frames (the header's count) are charged to the visitor's film budget."""
        from ..video.io import FilmError, probe

        if film is None:
            return None
        strength = checked_strength(strength)
        path, name = self.checked(film)
        explained = {FilmError: lambda error: str(error).replace(str(path), name), BudgetExceeded: lambda error: f"{name}: {error}"}
        with refusals(name, explained):  # (no server paths shown)
            info = probe(path, MAX_PAGE_FILM_SECONDS, MAX_PAGE_FILM_PIXELS)
            self.handler.film_sessions.spend(visitor_of(request), min(info.frames, MAX_PAGE_FILM_FRAMES))
            target = self.handler.new_result_folder() / fit_file_name(Path(name).stem + "-colour", FILM_SUFFIX)
            strokes = painted_strokes(painted, preview_size((info.width, info.height)))
            hints = scaled_hints(strokes, (info.width, info.height)) if strokes is not None else None
            done = [0]

            def advance(frames):
                done[0] += frames
                progress((min(done[0], info.frames), info.frames), desc="Colouring frames", unit="frames")

            self.handler.colorizer.colorize_video(
                path, target, strength, hints=hints, hints_frame=0, max_seconds=MAX_PAGE_FILM_SECONDS,
                max_pixels=MAX_PAGE_FILM_PIXELS, max_frames=MAX_PAGE_FILM_FRAMES, progress=advance,
            )
        return str(target)


def film_tab(handler, strength):
    """The clip dropped beside its colour version, and its first frame to paint on; `/colorize_video`."""
    films = FilmHandler(handler)
    gr.Markdown(FILM_HELP, elem_id="film-help")
    with gr.Row():
        film = gr.Video(label="Your film", sources=["upload"], elem_id="film", height=360)
        coloured = gr.Video(label="In colour", interactive=False, elem_id="film-result", height=360, buttons=["download"])
    with gr.Row():
        frame = paint_box(FILM_PAINT_EMPTY, elem_id="film-paint")
        again = gr.Button("Colour the film again with these strokes", elem_id="film-again", visible=False)
    done = film.upload(
        films, inputs=[film, strength], outputs=coloured, api_name="colorize_video", preprocess=False, concurrency_limit=1,
        concurrency_id="film",
    )
    done.success(
        lambda film: (films.first_frame(film), gr.Button(visible=True)),
        inputs=film, outputs=[frame, again], preprocess=False, api_visibility="private", js=bring_into_view("film-result"),
    )
    again.click(
        films.with_strokes, inputs=[film, strength, frame], outputs=coloured, preprocess=False, concurrency_limit=1,
        concurrency_id="film",
        api_visibility="private",
    )
    film.clear(
        lambda: (None, None, gr.Button(visible=False)),
        outputs=[coloured, frame, again], api_visibility="private",
    )
