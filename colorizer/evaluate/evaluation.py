"""Measure colorizers against the truth: colorizer-eval --data DIR [--model M ...]

Per set of photos, at full resolution and at 256x256 (as papers report): PSNR (RGB uint8,
peak 255), SSIM, mean CIEDE2000, colourfulness (Hasler and Suesstrunk) and |dCF| against
the truth, and what viewers notice (colour_metrics.py): chroma ratio, false colour on neutral
things, green recall, border excess; with the gray baseline (a = b = 0, the truth's own L)
beside every model.
Writes results.json, results.md and a contact sheet (gray, each model, truth).
"""

import argparse
import json
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from skimage.color import deltaE_ciede2000
from skimage.metrics import structural_similarity

from ..colour import lab
from ..colour.images import find_image_files, read_rgb
from ..colour.measures import viewer_metrics
from ..config import DEFAULT_STRENGTH, TrainingSettings
from ..hints.strokes import simulated_user_hints
from ..model.precision import DEFAULT_PRECISION, PRECISIONS, describe

GRAY_BASELINE = "gray baseline"
TRUTH = "truth"
PAPER_SIZE = 256


def colourfulness(rgb):
    """Hasler and Suesstrunk's colourfulness, as in ../shared/data/README.md."""
    rgb = np.asarray(rgb, dtype=np.float64)
    rg = np.abs(rgb[..., 0] - rgb[..., 1])
    yb = np.abs((rgb[..., 0] + rgb[..., 1]) / 2 - rgb[..., 2])
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def psnr(truth, output, peak=255.0):
    """Peak signal-to-noise ratio in dB (RGB uint8: peak 255, as papers report it; L*: peak 100)."""
    mse = np.mean((np.asarray(truth, np.float64) - np.asarray(output, np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(peak**2 / mse))


def image_metrics(truth, output, truth_lab=None):
    """Every metric of one output against its truth (both RGB uint8 of the same size); see `colour_metrics` for the viewer's."""
    truth_lab = lab.rgb_to_lab(truth) if truth_lab is None else truth_lab
    output_lab = lab.rgb_to_lab(output)
    return {
        "psnr": psnr(truth, output),
        "ssim": float(structural_similarity(truth, output, channel_axis=2, data_range=255)),
        "ciede2000": float(deltaE_ciede2000(truth_lab, output_lab).mean()),
        "cf": colourfulness(output),
        "delta_cf": abs(colourfulness(output) - colourfulness(truth)),
        **viewer_metrics(output_lab, truth_lab),
    }


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


def held_out_sets(roots, validation_percent=None):
    """{category: photos} of the training folders' held-out split: the photos training validates on."""
    from ..train import dataset

    scan = dataset.scan_dataset(roots, validation_percent or TrainingSettings().validation_percent)
    return dataset.by_category(scan.validation, roots)


def load_truth(path, size):
    """A test photo as sRGB uint8, at full size or resized bicubically to size x size (as papers do)."""
    rgb = read_rgb(path)
    if size == "full":
        return rgb
    return np.asarray(Image.fromarray(rgb).resize((size, size), Image.BICUBIC))


def evaluate(colorizers, sets, sizes=("full", PAPER_SIZE), limit=None, progress=None, keep=0, strength=DEFAULT_STRENGTH, hint_counts=(0,)):
    """{size: {set: {row: mean metrics}}} for the gray baseline and each colorizer (at `strength`);
    also up to `keep` example outputs per set (at the first size) for a contact sheet.

    With `hint_counts` other than (0,), each model is also measured with that
    many hints of a simulated user (the truth's colour over random 7x7 squares, the same squares
    for every model): one row per count, "NAME, N hints".
    """
    rows_of = _rows(colorizers, hint_counts)
    results, examples = {}, {}
    for size in sizes:
        size_key = str(size)
        results[size_key] = {}
        for set_name, paths in sets.items():
            paths = paths[:limit] if limit else paths
            rows = {name: [] for name in [GRAY_BASELINE, *rows_of]}
            truth_cf = []
            iterator = progress(paths, desc=f"{set_name} @ {size_key}") if progress else paths
            for index, path in enumerate(iterator):
                truth = load_truth(path, size)
                truth_lab = lab.rgb_to_lab(truth)
                truth_cf.append(colourfulness(truth))
                outputs = {GRAY_BASELINE: lab.lab_to_srgb(truth_lab[..., 0], np.zeros_like(truth_lab[..., 1:]))}
                for name, (colorizer, count) in rows_of.items():
                    hints = simulated_user_hints(truth_lab[..., 1:], count, _photo_rng(path, count)) if count else None
                    outputs[name] = np.asarray(colorizer.colorize(truth, strength=strength, hints=hints))
                for name, output in outputs.items():
                    rows[name].append(image_metrics(truth, output, truth_lab))
                if size == sizes[0] and index < keep:
                    examples.setdefault(set_name, []).append({**outputs, TRUTH: truth})
            table = {name: _mean(values) for name, values in rows.items()}
            table[TRUTH] = {"cf": float(np.mean(truth_cf))}
            table["_photos"] = len(paths)
            results[size_key][set_name] = table
    return results, examples


def _rows(colorizers, hint_counts):
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
    """One table for several sets' tables: each row's metrics averaged over all their photos."""
    counts = [table["_photos"] for table in tables]
    combined = {"_photos": sum(counts)}
    for name in tables[0]:
        if name != "_photos":
            combined[name] = _with_chroma_ratio({
                key: _nan_average([table[name][key] for table in tables], counts) for key in tables[0][name] if key != "chroma_ratio"
            })
    return combined


def _mean(rows):
    """The mean of each metric over photos; a photo with nothing to measure (NaN) is left out of that metric."""
    return _with_chroma_ratio({key: _nan_average([row[key] for row in rows]) for key in rows[0]})


def _nan_average(values, weights=None):
    values, weights = np.asarray(values, np.float64), np.ones(len(values)) if weights is None else np.asarray(weights, np.float64)
    measured = ~np.isnan(values)
    return float(np.average(values[measured], weights=weights[measured])) if measured.any() else float("nan")


def _with_chroma_ratio(metrics):
    """The set's chroma ratio: its mean output C* over its mean true C*."""
    if "chroma" in metrics:
        metrics["chroma_ratio"] = metrics["chroma"] / metrics["truth_chroma"] if metrics["truth_chroma"] else float("nan")
    return metrics


def markdown_table(results):
    lines = []
    for size, sets in results.items():
        for set_name, table in sets.items():
            lines += [
                f"**{set_name}** ({table['_photos']} photos, {'full resolution' if size == 'full' else f'{size}x{size}'})",
                "",
                "| | PSNR (dB) | SSIM | CIEDE2000 | CF | dCF | chroma ratio | false colour | green recall | border excess |",
                "|---|---|---|---|---|---|---|---|---|---|",
            ]
            for name, metrics in table.items():
                if name in (TRUTH, "_photos"):
                    continue
                lines.append(
                    f"| {name} | {metrics['psnr']:.2f} | {metrics['ssim']:.4f} | {metrics['ciede2000']:.2f} "
                    f"| {metrics['cf']:.1f} | {metrics['delta_cf']:.1f} | {metrics['chroma_ratio']:.3f} "
                    f"| {metrics['false_colour']:.2f} | {metrics['green_recall']:.3f} | {metrics['border_excess']:.3f} |"
                )
            lines += [f"| {TRUTH} | | | | {table[TRUTH]['cf']:.1f} | | 1 | | | |", ""]
    return "\n".join(lines)


def contact_sheet(examples, columns, thumb=200):
    """A grid: one row per example photo, columns gray, each model, truth; labelled on top."""
    rows = [row for set_rows in examples.values() for row in set_rows]
    label_height = 18
    sheet = Image.new("RGB", (thumb * len(columns), label_height + thumb * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for column, name in enumerate(columns):
        draw.text((column * thumb + 4, 3), name, fill="black")
    for row_index, row in enumerate(rows):
        for column, name in enumerate(columns):
            image = Image.fromarray(row[name])
            image.thumbnail((thumb, thumb))
            sheet.paste(image, (column * thumb + (thumb - image.width) // 2, label_height + row_index * thumb + (thumb - image.height) // 2))
    return sheet


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="colorizer-eval", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sources = parser.add_mutually_exclusive_group(required=True)
    sources.add_argument("--data", nargs="+", metavar="DIR", help="a folder of colour photos, or a folder of such folders (one set each)")
    sources.add_argument(
        "--held-out", nargs="+", metavar="DIR",
        help="training folders: measure on their held-out validation photos (the split training uses), one set per "
        "category (a manifest's 'category' column beside the folder, else the folder's name)",
    )
    parser.add_argument("--strength", type=float, default=DEFAULT_STRENGTH, help="colour strength of every model (default: %(default)s)")
    parser.add_argument(
        "--model", nargs="+", default=None, metavar="[LABEL=]FOLDER_OR_HUB_ID",
        help="models to compare (default: the shipped model); LABEL= names a row",
    )
    parser.add_argument(
        "--precision", choices=PRECISIONS, default=DEFAULT_PRECISION,
        help="what every model computes in: auto (bfloat16 where the processor has instructions for it), float32 "
        "or bfloat16 (default: %(default)s)",
    )
    parser.add_argument("--output", type=Path, default=Path("results"), help="folder for results.json, results.md and contact_sheet.png")
    parser.add_argument("--sizes", nargs="+", default=["full", str(PAPER_SIZE)], help="'full' and/or square sizes (default: full 256)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many photos per set (quick checks)")
    parser.add_argument("--examples", type=int, default=3, help="photos per set on the contact sheet")
    parser.add_argument(
        "--hints", type=int, nargs="+", default=[0], metavar="N",
        help="also measure every model with N hints of a simulated user (7x7 squares of the truth's "
        "colour at random places), e.g. --hints 0 1 3 10 30 (default: 0)",
    )
    return parser.parse_args(argv)


def load_models(specs, precision=DEFAULT_PRECISION):
    from ..pipeline import Colorizer

    models = {}
    for spec in specs or [None]:
        label, _, name = (spec or "").rpartition("=")
        name = name or None
        label = label or (Path(name).name if name else "shipped")
        models[label] = Colorizer.from_pretrained(name, precision=precision)
    return models


def main(argv=None):
    from tqdm import tqdm

    args = parse_args(argv)
    sizes = tuple(size if size == "full" else int(size) for size in args.sizes)
    sets = find_sets(args.data) if args.data else held_out_sets(args.held_out)
    models = load_models(args.model, args.precision)
    print(describe(args.precision))
    results, examples = evaluate(
        models, sets, sizes, args.limit, progress=lambda it, desc: tqdm(it, desc=desc, disable=None), keep=args.examples,
        strength=args.strength, hint_counts=args.hints,
    )
    if args.held_out:
        for tables in results.values():
            tables["all categories"] = combine(list(tables.values()))
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown_table(results)
    (args.output / "results.md").write_text(table + "\n")
    contact_sheet(examples, [GRAY_BASELINE, *_rows(models, args.hints), TRUTH]).save(args.output / "contact_sheet.png")
    print(table)
    print(f"wrote {args.output / 'results.json'}, {args.output / 'results.md'}, {args.output / 'contact_sheet.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
