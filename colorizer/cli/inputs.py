"""The command line's inputs as their headers tell them: photo or film, size, and what would refuse them.

Checked before the model loads (seconds), so that one bad input is one line and nothing written.
"""

from pathlib import Path

from ..colour import images
from ..colour.images import ImageError
from ..video.formats import VIDEO_SUFFIXES


def is_film(path):
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def kinds(files):
    """What the inputs are, for messages: "photo(s)", "film(s)" or both."""
    films = sum(is_film(file) for file, _ in files)
    return "film(s)" if films == len(files) else "photo(s) and film(s)" if films else "photo(s)"


def media_size(path):
    """A photo's or a film's frame size (width, height), from its header."""
    if not is_film(path):
        return images.image_size(path)
    from ..video.io import FilmError, probe

    try:
        info = probe(path)
    except FilmError as error:
        raise ImageError(str(error)) from None
    return info.width, info.height


def header_problem(path):
    """Why a photo or film will not be colorized, as far as its header tells (not one, too large), or None."""
    try:
        if is_film(path):
            from ..video.io import FilmError, probe

            try:
                probe(path)
            except FilmError as error:
                return str(error).removeprefix(f"{path}: ")
        else:
            images.checked_image_size(path)
    except ImageError as error:
        return str(error).removeprefix(f"{path}: ").removeprefix(f"{path.name}: ")
    return None
