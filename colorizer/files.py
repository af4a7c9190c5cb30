"""Files: writing so that an interruption never leaves half a file under the final name, and hashing."""

import hashlib
import os
from pathlib import Path


def write_atomically(path, save):
    """Call save(partial_path), then rename the finished file into place (atomic on one filesystem).

    The partial name keeps the real suffix, which Keras and numpy check when saving.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"partial-{path.name}")
    save(partial)
    os.replace(partial, path)
    return path


def sha256_of(path):
    """sha256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
