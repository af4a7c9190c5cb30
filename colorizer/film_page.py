"""The page's Film tab: a short black-and-white clip in, its colour version playing beside it; `/colorize_video`.

The work is `FilmHandler`'s: the upload is checked (a regular file the page received, within
the size limit), the film's header against the page's limits before any frame is decoded, and
the film is coloured by `Colorizer.colorize_video` into the page's result folders, which expire.
One film is coloured at a time; others wait in the queue.
"""

import sys
from pathlib import Path

import gradio as gr

from .config import DEFAULT_STRENGTH, check_strength
from .files import fit_file_name
from .uploads import UploadError, checked_upload
from .video.formats import FILM_SUFFIX

MAX_PAGE_FILM_SECONDS = 60  # a hosted Space colours about five frames a second: a minute of film takes minutes
MAX_PAGE_FILM_PIXELS = 1280 * 720
MAX_FILM_UPLOAD_BYTES = 200 * 2**20
FILM_HELP = (
    f"Drop a black-and-white film of up to {MAX_PAGE_FILM_SECONDS} seconds and 1280x720 (MP4, MOV, MKV, WebM or AVI). "
    "Its colour is carried along the motion from frame to frame, so it holds steady; the sound is kept."
)


class FilmHandler:
    """Colours an uploaded film into one of `handler`'s result folders (a `ColorizeHandler`: its model, uploads, expiry)."""

    def __init__(self, handler):
        self.handler = handler

    def __call__(self, film, strength=DEFAULT_STRENGTH, progress=gr.Progress()):  # noqa: B008 (how Gradio passes its progress bar)
        """Returns the colour film's path; every refusal is a message for the page and a line in the log."""
        from .video.io import FilmError, probe

        if film is None:
            return None
        try:
            strength = check_strength(strength)
            path, name = checked_upload(film, self.handler.allowed_folders, MAX_FILM_UPLOAD_BYTES)
        except UploadError as error:
            print(f"refused a film upload ({error})", file=sys.stderr)
            message = "The film is too large." if str(error) == "too large" else "Please upload a film."
            raise gr.Error(message, print_exception=False) from None
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from None
        try:
            info = probe(path, MAX_PAGE_FILM_SECONDS, MAX_PAGE_FILM_PIXELS)
            target = self.handler.new_result_folder() / fit_file_name(Path(name).stem + "-colour", FILM_SUFFIX)
            done = [0]

            def advance(frames):
                done[0] += frames
                progress((min(done[0], info.frames), info.frames), desc="Colouring frames", unit="frames")

            self.handler.colorizer.colorize_video(
                path, target, strength, max_seconds=MAX_PAGE_FILM_SECONDS, max_pixels=MAX_PAGE_FILM_PIXELS, progress=advance,
            )
        except FilmError as error:
            message = str(error).replace(str(path), name)  # the server's path is not the user's business
            print(f"rejected a film upload: {message}", file=sys.stderr)
            raise gr.Error(message, print_exception=False) from None
        except Exception as error:  # noqa: BLE001 (one film's surprise is its failure, not the server's)
            print(f"could not colour a film upload: {type(error).__name__}: {error}", file=sys.stderr)
            raise gr.Error(f"{name}: could not be coloured ({type(error).__name__})", print_exception=False) from None
        return str(target)


def film_tab(handler, strength):
    """The clip dropped beside its colour version; `/colorize_video`."""
    films = FilmHandler(handler)
    gr.Markdown(FILM_HELP, elem_id="film-help")
    with gr.Row():
        film = gr.Video(label="Your film", sources=["upload"], elem_id="film", height=360)
        coloured = gr.Video(label="In colour", interactive=False, elem_id="film-result", height=360, buttons=["download"])
    film.upload(
        films, inputs=[film, strength], outputs=coloured, api_name="colorize_video", preprocess=False, concurrency_limit=1,
    )
    film.clear(lambda: None, outputs=coloured, api_visibility="private")

