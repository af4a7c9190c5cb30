"""The page's work, without the page: one photo (`/colorize`) or several (`/colorize_batch`) in, gray and
colour files out, strokes rendered again without the model; every refusal a message for the page.

`page.py` lays out the page around a `ColorizeHandler`; the tests call the handler directly.
"""

import contextlib
import dataclasses
import hashlib
import os
import shutil
import tempfile
import threading
import time
import uuid
import weakref
import zipfile
from pathlib import Path

import gradio as gr
import numpy as np

from .. import resources
from ..colour.images import ImageError, image_size, load_photo
from ..colour.outputs import DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS, save_png
from ..colour.processor import grayscale
from ..config import DEFAULT_STRENGTH
from ..files import free_name
from .memory_release import released_when_idle
from .paint_box import picture, preview_size, scaled_hints
from .pixel_budget import RENDER_SHARE, BudgetExceeded, RequestBudget, SessionBudgets, visitor_of
from .prediction_store import Kept, PredictionStore
from .refusals import checked_format, checked_strength, painted_strokes, refusal, refusals
from .uploads import UploadError, read_upload
from .view import save_view, view_of

PAINTED_HANDLE = 10  # where the slider's handle goes after a stroke, in % of the width: nearly all colour
MAX_BATCH = 50  # photos in one request of the album tab; each is still held to the limits above
RESULT_LIFETIME_S = 600  # our results are deleted after this; Gradio keeps its own copies for an hour


class ColorizeHandler:
    """The page's work: one photo (`/colorize`) or several (`/colorize_batch`) in, gray and colour files out."""

    def __init__(self, colorizer, allowed_folders=None):
        self.colorizer = colorizer
        self.allowed_folders = allowed_folders or allowed_upload_folders()
        self.sessions = SessionBudgets()
        self.film_sessions = SessionBudgets(unit="frames")  # films: one at a time, and so many frames a visitor
        self.kept = PredictionStore()  # the photos being worked on: strokes, strength and format render them again
        self.results = Path(tempfile.mkdtemp(prefix="colorizer-app-"))
        self._sweeping = threading.Lock()
        weakref.finalize(self, shutil.rmtree, self.results, True)  # on shutdown, or when the page goes away

    @released_when_idle
    def __call__(self, photo, strength=DEFAULT_STRENGTH, output_format=DEFAULT_OUTPUT_FORMAT, hints=None, request: gr.Request = None):
        """One photo: returns (gray, colour) for the slider and the colour file to download.

        `hints`: an uploaded RGBA image the size of the photo (the API),
        or the page's strokes as an RGBA array the size of the paint box's picture.
        """
        if photo is None:  # the user cleared the photo
            return None, None
        strength, output_format = checked_strength(strength), checked_format(output_format)
        if hints is not None and not isinstance(hints, np.ndarray):
            hints = self.read(hints)
        folder = self.new_result_folder()
        gray, colour = self.colorize_upload(photo, strength, output_format, folder, hints, session_of(request), keep=True)
        return (gray, colour), colour

    def paint(self, painting, strength, output_format, value, request: gr.Request = None):
        """The photo `start_painting` remembered, coloured with the strokes painted on it, at the size of the view:
        returns the slider, the small result beside the paint box, what was painted (the paint box's state), and
        the version of the strokes shown (for `paint_box.paint_status`). `download` writes the full-resolution file.

        `value` is the paint box's value as sent (`preprocess=False`): strokes, read within `paint_box.read_strokes`' bounds.
        """
        if not painting:
            return gr.skip(), gr.skip(), painting, None
        strokes = painted_strokes(value, painting["size"])
        return self._paint_view(painting, strength, strokes, fingerprint(strokes), stroke_version(value), request)

    def repaint(self, painting, strength, output_format, value, request: gr.Request = None):
        """`paint` after the paint box changed, unless its strokes did not (an Undo of nothing, a stroke erased at once)."""
        if not painting:
            return gr.skip(), gr.skip(), painting, None
        strokes = painted_strokes(value, painting["size"])
        digest = fingerprint(strokes)
        if digest == painting["strokes"]:
            return gr.skip(), gr.skip(), painting, stroke_version(value)
        return self._paint_view(painting, strength, strokes, digest, stroke_version(value), request)

    @released_when_idle
    def _paint_view(self, painting, strength, strokes, digest, version, request):
        strength = checked_strength(strength)
        session = session_of(request)
        kept = self.painted_prediction(painting["photo"], session)
        with photo_refusals(kept.name):
            self._charge(round(kept.view.photo.lightness.size * RENDER_SHARE), session, None)
            pixels = self.colorizer.render_pixels(kept.view, strength, hints=strokes)
            colour = save_view(pixels, free_path(self.new_result_folder(), Path(kept.name).stem or "photo", "-colour-view"))
        slider = gr.ImageSlider(value=(kept.gray, colour), slider_position=PAINTED_HANDLE)
        return slider, colour, {**painting, "strokes": digest}, version

    def download(self, painting, strength, output_format, value, request: gr.Request = None):
        """The full-resolution colour file of the photo being painted, with the paint box's strokes: the download."""
        if not painting:
            return gr.skip()
        strength, output_format = checked_strength(strength), checked_format(output_format)
        strokes = painted_strokes(value, painting["size"])
        folder = self.new_result_folder()
        _, colour = self.colorize_upload(painting["photo"], strength, output_format, folder, strokes, session_of(request), keep=True)
        return colour

    @released_when_idle
    def start_painting(self, photo, request: gr.Request = None):
        """After a photo is colorized: remember it, and put its gray version (no strokes yet) in the paint box.

        The photo decoded for its colour version is reused while it is kept; else it is read again.
        """
        if photo is None:
            return None, None
        kept = self.kept.get((session_of(request), upload_path(photo)))
        try:
            gray = grayscale(kept.prediction.photo if kept else load_photo(self.read(photo)))
        except ImageError:
            return None, None
        if kept:  # ready for the first stroke now, while the user looks at the result
            self.painted_prediction(photo, session_of(request))
        return {"photo": photo, "strokes": None, "size": preview_size(gray.size)}, picture(gray)

    @released_when_idle
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
            raise refusal(f"Please drop at most {MAX_BATCH} photos at once (you dropped {len(photos)}).")
        strength, output_format = checked_strength(strength), checked_format(output_format)
        folder = self.new_result_folder()
        pairs, problems, budget = [], [], RequestBudget()
        for photo in progress.tqdm(photos, desc="Colorizing", unit="photo"):
            try:
                pairs.append(self.colorize_upload(photo, strength, output_format, folder, session=session_of(request), budget=budget))
            except gr.Error as error:
                problems.append(error.message)
        if not pairs:
            raise refusal("None of the photos could be colorized: " + "; ".join(problems))
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
            raise refusal("Please upload a photo.", f"refused a request for a file that was not uploaded ({error})") from None

    def colorize_upload(self, upload, strength, output_format, folder, hints=None, session=None, budget=None, keep=False):
        """Colorize one uploaded file into `folder`: returns the paths of its gray and colour versions.

        The photo is decoded and the model run once (`Colorizer.predict`); with `keep`, the prediction
        is kept for the session, and the next call for the same upload only renders it again (a
        stroke, a strength, a format). Pixels, read from the header, count against the request's
        `budget` and the `session`'s (a render a share of them). `hints`: as `Colorizer.render` takes
        them, or strokes painted on the preview (an RGBA array of `paint_box.preview_size`). Every
        refusal is a message for the page and one line in the server's log (`refusals.py`).
        """
        kept = self.kept_prediction(upload, session, budget, charge_render=True) if keep else None
        if kept is None:
            kept = self._predict_upload(self.read(upload), folder, session, budget)
        with photo_refusals(kept.name):
            if isinstance(hints, np.ndarray):
                hints = scaled_hints(hints, kept.prediction.photo.size)
            colour_path = free_path(folder, Path(kept.name).stem or "photo", "-colour" + OUTPUT_FORMATS[output_format])
            colour = self.colorizer.render_to_file(kept.prediction, colour_path, strength, output_format, hints=hints)
        return kept.gray, str(colour)

    def kept_prediction(self, upload, session, budget=None, charge_render=False) -> Kept | None:
        """The session's kept prediction of `upload`, predicted (and kept) now if it is not kept any more.

        Predicting counts the photo's pixels; with `charge_render`, a kept one counts a render's share.
        Returns None for an upload that names no path (it cannot be kept).
        """
        key = (session, upload_path(upload)) if upload_path(upload) else None
        if key is None:
            return None
        kept = self.kept.get(key)
        if kept is None:
            kept = self._predict_upload(self.read(upload), self.new_result_folder(), session, budget)
            self.kept.put(key, kept)
        elif charge_render:
            with photo_refusals(kept.name):
                self._charge(round(kept.prediction.photo.lightness.size * RENDER_SHARE), session, budget)
        return kept

    def painted_prediction(self, upload, session) -> Kept:
        """`kept_prediction` with its `view` (what strokes render first), made and kept the first time it is painted on,
        and the regions its strokes are kept to found (`PhotoRegions.things`)."""
        kept = self.kept_prediction(upload, session)
        if kept.view is None:
            view = view_of(kept.prediction)
            kept = self.kept.add_view((session, upload_path(upload)), view) or dataclasses.replace(kept, view=view)
        if kept.prediction.regions is not None:
            kept.prediction.regions.things  # noqa: B018 (found once; the view shares the regions)
        return kept

    def _predict_upload(self, stream, folder, session, budget):
        """The model's prediction for an uploaded photo and its gray version, written into `folder`."""
        with photo_refusals(stream.name):
            width, height = image_size(stream)
            self._charge(width * height, session, budget)
            prediction = self.colorizer.predict(stream)
            gray = save_png(grayscale(prediction.photo), free_path(folder, Path(stream.name).stem or "photo", "-gray.png"))
        return Kept(prediction, str(gray), stream.name)

    def _charge(self, pixels, session, budget):
        if budget is not None:
            budget.spend(pixels)
        self.sessions.spend(session, pixels)

    def new_result_folder(self):
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


def photo_refusals(name):
    """Refusals of the photo called `name`: a damaged or oversized photo in its own words, a spent budget named."""
    return refusals(name, {ImageError: str, BudgetExceeded: lambda error: f"{name}: {error}"})


def upload_path(upload):
    """The path an upload names (Gradio's FileData, or a path), or None: with the session, the key of its kept prediction."""
    path = upload.get("path") if isinstance(upload, dict) else upload
    return path if isinstance(path, str) else None


def session_of(request):
    """Who a request comes from (`pixel_budget.Visitor`): its page keys the photos kept for it, its address the budget."""
    return visitor_of(request)


def free_path(folder, stem, suffix):
    """`folder/stem+suffix`, or "stem (2)+suffix"... when two uploads share a name."""
    return free_name(folder, stem, suffix, taken=Path.exists)


def stroke_version(value):
    """The version number the paint box gave its strokes (0 if none), echoed to it once they are shown."""
    version = value.get("version") if isinstance(value, dict) else None
    return version if isinstance(version, int) and not isinstance(version, bool) else 0


def fingerprint(strokes):
    """A short digest of painted strokes (None for none), to tell whether they changed."""
    return None if strokes is None else hashlib.sha256(strokes.tobytes()).hexdigest()


def write_zip(path, files):
    """One zip of `files` under their own names (stored: PNG and JPEG are compressed already)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for file in files:
            archive.write(file, arcname=Path(file).name)
    return path


def allowed_upload_folders():
    """Where the handler may read from: Gradio's upload folder (uploads, cached examples) and our examples."""
    folders = [Path(gr.utils.get_upload_folder())]
    folders += sorted({path.parent for path in resources.example_photos()})
    return [Path(os.path.realpath(folder)) for folder in folders]
