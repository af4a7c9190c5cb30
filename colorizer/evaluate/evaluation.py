"""Colorizers measured against the truth on sets of photos, at full resolution and at 256x256 (as papers report).

Every model beside the gray baseline (a = b = 0, the truth's own L); each row a set's mean of
`measures.image_measures`; optionally with a simulated user's hints. `colorizer-eval` runs it.
"""

import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from ..colour import lab
from ..colour.images import find_image_files, read_rgb
from ..colour.measures import blotchiness
from ..config import DEFAULT_STRENGTH
from ..hints.simulated import simulated_user_hints
from .measures import colourfulness, image_measures

GRAY_BASELINE = "gray baseline"
TRUTH = "truth"
PAPER_SIZE = 256


def find_sets(folders):
    """{set name: photo paths}: a folder of photos is one set; a folder of such folders is several."""
    sets = {}
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise FileNotFoundError(f"evaluation data folder not found: {folder}")
        for candidate in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
            photos = find_image_files(candidate, recursive=False)
            if photos:
                sets[candidate.name] = photos
    if not sets:
        raise FileNotFoundError(f"no photos found in {', '.join(map(str, folders))}")
    return sets


def load_truth(path, size):
    """A test photo as sRGB uint8, at full size or resized bicubically to size x size (as papers do)."""
    rgb = read_rgb(path)
    if size == "full":
        return rgb
    return np.asarray(Image.fromarray(rgb).resize((size, size), Image.BICUBIC))


def evaluate(colorizers, sets, sizes=("full", PAPER_SIZE), limit=None, progress=None, keep=0, strength=DEFAULT_STRENGTH, hint_counts=(0,)):
    """{size: {set: {row: mean measures}}} for the gray baseline and each colorizer (at `strength`);
    also up to `keep` example outputs per set (at the first size) for a contact sheet.

    With `hint_counts` other than (0,), each model is also measured with that
    many hints of a simulated user (the truth's colour over random 7x7 squares, the same squares
    for every model): one row per count, "NAME, N hints".
    """
    rows_of = row_names(colorizers, hint_counts)
    results, examples = {}, {}
    for size in sizes:
        size_key = str(size)
        results[size_key] = {}
        for set_name, paths in sets.items():
            paths = paths[:limit] if limit else paths
            rows = {name: [] for name in [GRAY_BASELINE, *rows_of]}
            truth_cf, truth_blotches = [], []
            iterator = progress(paths, desc=f"{set_name} @ {size_key}") if progress else paths
            for index, path in enumerate(iterator):
                truth = load_truth(path, size)
                truth_lab = lab.rgb_to_lab(truth)
                truth_cf.append(colourfulness(truth))
                truth_blotches.append(blotchiness(truth_lab, truth_lab))  # the truth's own: the floor of a believable photo
                outputs = {GRAY_BASELINE: lab.lab_to_srgb(truth_lab[..., 0], np.zeros_like(truth_lab[..., 1:]))}
                predictions = {}  # each colorizer predicts a photo once, whatever its rows' hint counts
                for name, (colorizer, count) in rows_of.items():
                    hints = simulated_user_hints(truth_lab[..., 1:], count, _photo_rng(path, count)) if count else None
                    if id(colorizer) not in predictions:
                        predictions[id(colorizer)] = colorizer.predict(truth)
                    outputs[name] = np.asarray(colorizer.render(predictions[id(colorizer)], strength, hints))
                for name, output in outputs.items():
                    rows[name].append(image_measures(truth, output, truth_lab))
                if size == sizes[0] and index < keep:
                    examples.setdefault(set_name, []).append({**outputs, TRUTH: truth})
            table = {name: _mean(values) for name, values in rows.items()}
            table[TRUTH] = {"cf": float(np.mean(truth_cf)), "blotchiness": _nan_average(truth_blotches)}
            table["_photos"] = len(paths)
            results[size_key][set_name] = table
    return results, examples


def row_names(colorizers, hint_counts):
    """{row name: (colorizer, hint count)}: every model with each hint count."""
    rows = {}
    for name, colorizer in colorizers.items():
        for count in hint_counts:
            rows[name if tuple(hint_counts) == (0,) else f"{name}, {count} hints"] = (colorizer, count)
    return rows


def _photo_rng(path, count):
    """The same simulated hints for a photo in every run and for every model."""
    return np.random.default_rng([zlib.crc32(Path(path).name.encode()), count])


def combine(tables):
    """One table for several sets' tables: each row's measures averaged over all their photos."""
    counts = [table["_photos"] for table in tables]
    combined = {"_photos": sum(counts)}
    for name in tables[0]:
        if name != "_photos":
            combined[name] = _with_chroma_ratio({
                key: _nan_average([table[name][key] for table in tables], counts) for key in tables[0][name] if key != "chroma_ratio"
            })
    return combined


def _mean(rows):
    """The mean of each measure over photos; a photo with nothing to measure (NaN) is left out of that measure."""
    return _with_chroma_ratio({key: _nan_average([row[key] for row in rows]) for key in rows[0]})


def _nan_average(values, weights=None):
    values, weights = np.asarray(values, np.float64), np.ones(len(values)) if weights is None else np.asarray(weights, np.float64)
    measured = ~np.isnan(values)
    return float(np.average(values[measured], weights=weights[measured])) if measured.any() else float("nan")


def _with_chroma_ratio(measures):
    """The set's chroma ratio: its mean output C* over its mean true C*."""
    if "chroma" in measures:
        measures["chroma_ratio"] = measures["chroma"] / measures["truth_chroma"] if measures["truth_chroma"] else float("nan")
    return measures
