"""Training data: find colour photos, keep the good ones, split them, and group them by category.

The pipeline cleans its own data: unreadable files are skipped and listed, near-grayscale
photos are dropped (they teach the model to paint grey), exact duplicates are dropped (also
across folders), and the train/validation split follows each file's content hash, so a photo
never changes side when files are added.
"""

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..colour.images import ImageError, find_image_files, read_rgb
from ..colour.measures import mean_chroma
from ..config import TrainingSettings

NEAR_GRAY_CHROMA = 2.0  # mean chroma (Lab units) below one just-noticeable difference (~2.3): a gray photo
GRAY_TWIN_FOLDERS = {"color": "gray", "class 0": "class 1"}  # colour folder -> its gray twin, when both are present


@dataclass
class TrainingPhoto:
    """A usable training photo and the sha256 of its bytes (which decides its split and augmentation)."""

    path: Path
    sha256: str


@dataclass
class DatasetScan:
    """The outcome of `scan_dataset`: what trains, what validates, and what was left out and why."""

    train: list = field(default_factory=list)
    validation: list = field(default_factory=list)
    unreadable: list = field(default_factory=list)  # (path, reason)
    near_gray: list = field(default_factory=list)  # paths
    duplicates: list = field(default_factory=list)  # (path, path of the copy that was kept)

    def summary(self):
        return (
            f"{len(self.train)} train, {len(self.validation)} validation; skipped {len(self.unreadable)} unreadable, "
            f"{len(self.near_gray)} near-grayscale, {len(self.duplicates)} duplicates"
        )


def find_training_images(root):
    """Colour photos under `root`, recursively; where a 'color' folder has a 'gray' twin, the twin is left out."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"training data folder not found: {root}")
    twins = set()
    for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        for colour, gray in GRAY_TWIN_FOLDERS.items():
            if (folder / colour).is_dir() and (folder / gray).is_dir():
                twins.add((folder / gray).resolve())
    return [path for path in find_image_files(root) if not any(parent.resolve() in twins for parent in path.parents)]


def is_validation(sha256, validation_percent):
    """Deterministic by content: the same photo lands on the same side, whatever else is in the folder."""
    return int(sha256[:8], 16) % 100 < validation_percent


def scan_dataset(roots, validation_percent=5, progress=None, max_photos=None):
    """Read every photo of one folder or several once: hash it, check it decodes, check it has colour; then split.

    With `max_photos`, a sample across all the folders: the first usable photos in content-hash
    order, `max_photos` to train on and `validation_photos(max_photos, ...)` to validate on; every
    photo is hashed, but only the sample (and what was left out on the way) is decoded.
    """
    result, seen, hashed = DatasetScan(), {}, []
    roots = [roots] if isinstance(roots, (str, Path)) else roots
    files = [path for root in roots for path in find_training_images(root)]
    for path in progress(files) if progress else files:
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 in seen:
            result.duplicates.append((path, seen[sha256]))
            continue
        seen[sha256] = path
        if max_photos:
            hashed.append((sha256, path))
        else:
            _check_photo(path, data, sha256, validation_percent, result)
    wanted = {"train": max_photos, "validation": validation_photos(max_photos or 0, validation_percent)}
    for sha256, path in sorted(hashed):
        if len(result.train) >= wanted["train"] and len(result.validation) >= wanted["validation"]:
            break
        _check_photo(path, path.read_bytes(), sha256, validation_percent, result, wanted)
    return result


def _check_photo(path, data, sha256, validation_percent, result, wanted=None):
    """Add the photo to `result`: to its side of the split (unless that side has what is `wanted`), or as skipped."""
    try:
        rgb = read_rgb(data)
    except ImageError as error:
        result.unreadable.append((path, str(error).removeprefix("the image: ")))
        return
    if mean_chroma(rgb) < NEAR_GRAY_CHROMA:
        result.near_gray.append(path)
        return
    side = "validation" if is_validation(sha256, validation_percent) else "train"
    if wanted is None or len(getattr(result, side)) < wanted[side]:
        getattr(result, side).append(TrainingPhoto(path, sha256))


def validation_photos(max_photos, validation_percent):
    """How many photos a sample of `max_photos` validates on."""
    return max(2, max_photos * validation_percent // 100)


def manifest_categories(root):
    """{file name: category} from the manifest beside a folder (NAME.MANIFEST.tsv, a 'category' column), if any.

    Metadata for reporting only: training never needs it.
    """
    root = Path(root)
    manifest = root.with_name(f"{root.name}.MANIFEST.tsv")
    if not manifest.is_file():
        return {}
    with open(manifest, newline="") as file:
        rows = list(csv.DictReader(file, delimiter="\t"))
    name_column = next((column for column in ("file", "filename") if rows and column in rows[0]), None)
    if name_column is None or "category" not in rows[0]:
        return {}
    return {row[name_column]: row["category"] for row in rows if row[name_column]}


def by_category(photos, roots):
    """{category: paths} of training photos: the manifest's category, else the name of the folder given."""
    groups = {}
    for root in map(Path, roots):
        categories = manifest_categories(root)
        for photo in photos:
            if root in photo.path.parents:
                relative = str(photo.path.relative_to(root))
                groups.setdefault(categories.get(relative, root.name), []).append(photo.path)
    return dict(sorted(groups.items()))


def held_out_sets(roots, validation_percent=None):
    """{category: photos} of the training folders' held-out split: the photos training validates on."""
    scan = scan_dataset(roots, validation_percent or TrainingSettings().validation_percent)
    return by_category(scan.validation, roots)
