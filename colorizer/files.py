"""Files: writing so that an interruption never leaves half a file under any name, names that fit, hashing, and
the files inside installed packages."""

import hashlib
import importlib.util
import json
import os
import re
import uuid
from pathlib import Path

MAX_NAME_BYTES = 255  # the longest file name most file systems take


def write_atomically(path, save):
    """Call save(temporary_path) beside `path`, then rename the finished file into place.

    The rename is atomic on one file system, so `path` is either the old file or the whole new
    one. The temporary name is hidden, unique and short (it never collides with a real file or
    passes the name-length limit) and keeps the real suffixes, which Keras and numpy check.
    Whatever happens while saving (a full disk, Ctrl-C), the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffixes = "".join(path.suffixes)
    partial = path.with_name(f".partial-{uuid.uuid4().hex[:12]}{suffixes if len(suffixes) <= 32 else path.suffix}")
    try:
        save(partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def write_json_atomically(path, document):
    """`document` as indented JSON in `path`, written whole or not at all."""
    return write_atomically(path, lambda partial: partial.write_text(json.dumps(document, indent=2)))


# Control characters and path separators of any system: a name from an upload or a zip must stay one plain name
_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f/\\]")


def fit_file_name(stem, suffix, limit=MAX_NAME_BYTES):
    """`stem + suffix`, safe and short: control characters, "/" and "\\" become "_", and the stem is
    shortened (at a character boundary) so the name fits in `limit` bytes."""
    stem = _UNSAFE_IN_NAMES.sub("_", stem)
    room = limit - len(suffix.encode())
    encoded = stem.encode()
    if len(encoded) > room:
        stem = encoded[:room].decode(errors="ignore").rstrip() or "photo"
    return stem + suffix


def free_name(folder, stem, suffix, taken):
    """`folder/stem+suffix`, or the first of "stem (2)+suffix", "stem (3)+suffix"... that `taken(path)` does not claim."""
    path, number = Path(folder) / fit_file_name(stem, suffix), 2
    while taken(path):
        path, number = Path(folder) / fit_file_name(stem, f" ({number}){suffix}"), number + 1
    return path


def plan_output_names(sources, output_folder, suffix_of, taken=(), key=str):
    """An output path for each input: the single-machine command's and the cluster's one naming rule.

    Each of `sources`, (source, relative path), becomes `output_folder / relative` with the suffix
    `suffix_of(source)`; a name already claimed (by an input in `taken`, or an earlier output)
    becomes the next free "a (2).png", "a (3).png"..., with a note saying so. Paths are compared
    by `key` (`Path.resolve` for local files, `str` for an object store's paths). The order of
    `sources` is kept, so running the same command again gives the same names.

    Returns
    -------
    list of (source, target, note or None)
    """
    claimed = {key(path) for path in taken}
    plan = []
    for source, relative in sources:
        folder, suffix = output_folder / relative.parent, suffix_of(source)
        target = free_name(folder, relative.stem, suffix, taken=lambda path: key(path) in claimed)
        claimed.add(key(target))
        wanted = folder / fit_file_name(relative.stem, suffix)
        plan.append((source, target, None if target == wanted else f"{source} is written as {target.name}: {wanted.name} was taken"))
    return plan


def sha256_of(path):
    """sha256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_file(module, relative, package, not_installed):
    """The file `relative` inside the installed package that provides `module`, found without importing it.

    A FileNotFoundError says `not_installed` when the package is missing, and names the file when the
    package (pip's `package`) is there without it.
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(not_installed)
    path = Path(spec.submodule_search_locations[0]) / relative
    if not path.is_file():
        raise FileNotFoundError(f"{package} is installed but {path} is missing")
    return path
