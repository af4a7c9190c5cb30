"""Reading what a request names as an upload, and nothing else.

A Gradio request can name any path on the server; Gradio itself checks it only when the
request says it is an upload. `read_upload` reads a file only if it is a regular file inside
the folders it is given, and at most `max_bytes` of it.
"""

import io
import os
import stat
from pathlib import Path

from ..files import fit_file_name

MAX_UPLOAD_BYTES = 30 * 2**20  # 30 MB: a 50 MP JPEG is about 15 MB; the library refuses anything above 50 MP anyway


class UploadError(Exception):
    """A request that names a file the app did not receive as an upload."""


def read_upload(upload, allowed_folders, max_bytes=MAX_UPLOAD_BYTES):
    """The bytes of an uploaded file, under the name the user gave it (for error messages).

    `upload` is Gradio's FileData dict (preprocess=False) or, for examples, a path. Only a
    regular file inside one of `allowed_folders` (Gradio's upload folder, our examples) is
    read, and at most `max_bytes` of it: a request can name any path, and Gradio checks it
    only when the request says it is an upload.
    """
    real, name = checked_upload(upload, allowed_folders)
    try:
        with open(real, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise UploadError("not a regular file")
            data = file.read(max_bytes + 1)
    except OSError:
        raise UploadError("unreadable") from None
    if len(data) > max_bytes:
        raise UploadError("too large")
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def checked_upload(upload, allowed_folders, max_bytes=None):
    """(real path, the name the user gave it) of an upload that is a regular file inside `allowed_folders`
    (and, given `max_bytes`, no larger): for files read by path, such as films."""
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
        status = os.stat(real)
    except OSError:
        raise UploadError("unreadable") from None
    if not stat.S_ISREG(status.st_mode):  # before opening: a FIFO would block the open itself
        raise UploadError("not a regular file")
    if max_bytes is not None and status.st_size > max_bytes:
        raise UploadError("too large")
    return real, fit_file_name(name if isinstance(name, str) and name else real.name, "")  # shown in messages, used in names
