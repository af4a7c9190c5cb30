"""Training data: find colour photos, keep the good ones, split them, augment them, cache features.

The pipeline cleans its own data: unreadable files are skipped and listed, near-grayscale
photos are dropped (they teach the model to paint grey), exact duplicates are dropped (also
across folders), and the train/validation split follows each file's content hash, so a photo
never changes side when files are added. The frozen encoder then runs once per (augmented)
photo and its features are cached on disk in float16, so the decoder trains without running
VGG16 again.
"""

import csv
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ..colour import lab
from ..colour.images import ImageError, find_image_files, read_rgb
from ..files import write_atomically

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


def mean_chroma(rgb):
    """Mean of sqrt(a^2 + b^2) over a small copy of the photo: how colourful it is at all."""
    small = np.asarray(Image.fromarray(rgb).resize((64, 64), Image.BILINEAR))
    ab = lab.rgb_to_lab(small)[..., 1:]
    return float(np.hypot(ab[..., 0], ab[..., 1]).mean())


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


@dataclass
class Augmentation:
    """Random rotation (without empty corners), crop and flip; the crop keeps its own resolution.

    The processor then resizes it to the model's input, as it does every photo.
    """

    max_rotation: float = 10.0  # degrees
    min_crop_area: float = 0.5  # fraction of the (rotated) photo
    flip: bool = True

    def __call__(self, rgb, rng):
        image = Image.fromarray(rgb)
        angle = rng.uniform(-self.max_rotation, self.max_rotation)
        if angle:
            image = _rotate_without_corners(image, angle)
        width, height = image.size
        area = width * height * rng.uniform(self.min_crop_area, 1.0)
        aspect = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
        crop_w = min(width, max(1, round(math.sqrt(area * aspect))))
        crop_h = min(height, max(1, round(math.sqrt(area / aspect))))
        left = int(rng.integers(0, width - crop_w + 1))
        top = int(rng.integers(0, height - crop_h + 1))
        image = image.crop((left, top, left + crop_w, top + crop_h))
        if self.flip and rng.random() < 0.5:
            image = ImageOps.mirror(image)
        return np.asarray(image)


def _rotate_without_corners(image, angle):
    """Rotate, then keep the largest centred rectangle of the same shape with no empty corners."""
    width, height = image.size
    radians = math.radians(abs(angle))
    scale = 1.0 / (math.cos(radians) + max(width, height) / min(width, height) * math.sin(radians))
    rotated = image.rotate(angle, Image.BICUBIC)
    keep_w, keep_h = width * scale, height * scale
    left, top = (width - keep_w) / 2, (height - keep_h) / 2
    return rotated.crop((round(left), round(top), round(left + keep_w), round(top + keep_h)))


class FeatureCache:
    """Encoder features (float16) and ab targets (int8, Lab units) of every training sample, on disk.

    One .npy file per encoder output (`feature_shapes`: {name: shape}) and one for ab. Filled
    in chunks and resumable: an interrupted run continues where it stopped. The folder's key
    covers everything the contents depend on, so a changed setting makes a new cache.
    """

    def __init__(self, folder, samples, feature_shapes, size):
        self.folder = Path(folder)
        self.count, self.size = samples, size
        self.feature_shapes = {name: tuple(shape) for name, shape in feature_shapes.items()}

    @staticmethod
    def key(**settings):
        return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @property
    def done(self):
        path = self.folder / "progress.json"
        return json.loads(path.read_text())["done"] if path.exists() else 0

    def _arrays(self, mode):
        shapes = {name: ((self.count, *shape), np.float16) for name, shape in self.feature_shapes.items()}
        shapes["ab"] = ((self.count, self.size, self.size, 2), np.int8)
        arrays = {}
        for name, (shape, dtype) in shapes.items():
            path = self.folder / f"{name}.npy"
            if mode == "w+" and not path.exists():
                arrays[name] = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)
            else:
                arrays[name] = np.load(path, mmap_mode="r+" if mode == "w+" else "r")
        return arrays

    def fill(self, make_batch, encoder, batch_size=32, progress=None):
        """Compute what is missing: make_batch(start, stop) -> (L batch, ab batch); the encoder gives {name: features}."""
        self.folder.mkdir(parents=True, exist_ok=True)
        arrays = self._arrays("w+")
        start = self.done
        bar = progress(total=self.count, initial=start) if progress else None
        while start < self.count:
            stop = min(start + batch_size * 8, self.count)
            lightness, ab = make_batch(start, stop)
            for first in range(0, stop - start, batch_size):
                batch = lightness[first : first + batch_size]
                outputs = encoder.predict_on_batch(batch)  # {name: features}
                rows = slice(start + first, start + first + len(batch))
                for name in self.feature_shapes:
                    arrays[name][rows] = np.asarray(outputs[name]).astype(np.float16)
            arrays["ab"][start:stop] = np.clip(np.round(ab), -128, 127).astype(np.int8)
            for array in arrays.values():
                array.flush()
            write_json_atomically(self.folder / "progress.json", {"done": stop})
            if bar:
                bar.update(stop - start)
            start = stop
        if bar:
            bar.close()

    def load(self):
        """({name: features float16}, ab int8) as read-only memory maps."""
        if self.done < self.count:
            raise RuntimeError(f"feature cache {self.folder} is incomplete ({self.done} of {self.count})")
        arrays = self._arrays("r")
        return {name: arrays[name] for name in self.feature_shapes}, arrays["ab"]


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


def write_json_atomically(path, document):
    write_atomically(path, lambda partial: partial.write_text(json.dumps(document, indent=2)))


def sample_rng(seed, sha256, variant):
    """Each photo's augmentation depends on the seed and its content, not on its place in the list."""
    return np.random.default_rng([seed, int(sha256[:12], 16), variant])
