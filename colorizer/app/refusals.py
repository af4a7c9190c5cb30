"""What the page says when it will not or cannot do what a request asks: a message for the user, a line in the log.

The photo and film handlers refuse through these alone: settings out of range (from the API),
a paint box that was not painted by the page, and whatever goes wrong with one upload, whose
message names the file and never the server's paths or the error's details.
"""

import contextlib
import sys

import gradio as gr

from ..colour.images import ImageError
from ..colour.outputs import DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS
from ..config import check_strength
from .paint_box import read_strokes


def refusal(message: str, log_line: str | None = None) -> gr.Error:
    """A `gr.Error` showing `message` on the page, `log_line` (if any) written to the server's log."""
    if log_line:
        print(log_line, file=sys.stderr)
    return gr.Error(message, print_exception=False)


def checked_strength(strength) -> float:
    """The colour strength as a float, or a refusal that says what it must be."""
    try:
        return check_strength(strength)
    except ValueError as error:
        raise refusal(str(error)) from None


def checked_format(output_format) -> str:
    """The download format ("png" by default), or a refusal that lists the formats."""
    output_format = output_format or DEFAULT_OUTPUT_FORMAT
    if not isinstance(output_format, str) or output_format not in OUTPUT_FORMATS:
        raise refusal(f"the download format must be one of {', '.join(OUTPUT_FORMATS)}")
    return output_format


def painted_strokes(value, size):
    """The strokes of a paint box's value drawn at `size` (an RGBA array, or None), read within `paint_box.read_strokes`' bounds."""
    try:
        return read_strokes(value, size)
    except ImageError as error:
        raise refusal(f"The paint box could not be read: {error}", f"refused a paint box's strokes: {error}") from None


@contextlib.contextmanager
def refusals(name: str, explained: dict):
    """Whatever goes wrong with the upload called `name` becomes a refusal for the page.

    `explained` maps the errors whose own words the user may read (a damaged photo, a budget
    spent) to the message they get; any other error is "NAME: could not be colorized (ItsType)".
    """
    try:
        yield
    except gr.Error:
        raise
    except tuple(explained) as error:
        message = next(explain(error) for kind, explain in explained.items() if isinstance(error, kind))
        raise refusal(message, f"rejected an upload: {message}") from None
    except Exception as error:  # noqa: BLE001 (one upload's surprise is that upload's failure, not the request's)
        kind = type(error).__name__
        raise refusal(f"{name}: could not be colorized ({kind})", f"could not colorize an upload: {kind}: {error}") from None
