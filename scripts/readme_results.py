"""The README's results: its tables, contact sheets and before/after figure, measured again (needs ../shared/data).

    python scripts/readme_results.py --model shipped=weights [LABEL=FOLDER ...]

Measures every model (the first also as it predicts, without one colour per thing) on the test sets (full resolution) and on the training folders' held-out
photos per category, then rewrites the README between its `<!-- results -->` and
`<!-- /results -->` markers (the tables and what each target reached), and writes
docs/contact_sheet.png (the test sets' first photos), docs/contact_sheet_categories.jpg (one
held-out photo per category) and docs/before_after.jpg (kodim23, kodim03 and scikit-image's
astronaut and rocket: gray, each model, truth). The first model is the one the targets are for.
"""

import argparse
import re
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skimage_data

from colorizer.cli.evaluate import AS_PREDICTED, load_models
from colorizer.evaluate.evaluation import GRAY_BASELINE, TRUTH, combine, evaluate, find_sets
from colorizer.evaluate.report import contact_sheet
from colorizer.train.dataset import held_out_sets

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TRAINING_FOLDERS = [SHARED / "train" / name for name in ("general", "landscapes", "flowers")]
# issues 21's and 37's targets: (metric, whether a row's value meets it given its set's table and the row's name, in words)
TARGETS = {
    "psnr": (lambda value, table, name: value >= table[GRAY_BASELINE]["psnr"] + 0.3, ">= gray + 0.3 dB"),
    "ciede2000": (lambda value, table, name: value <= 0.88 * table[GRAY_BASELINE]["ciede2000"], "<= 0.88x gray"),
    "cf": (lambda value, table, name: value >= 0.6 * table[TRUTH]["cf"], ">= 0.6x truth"),
    "blotchiness": (
        lambda value, table, name: name + AS_PREDICTED in table and value <= 0.5 * table[name + AS_PREDICTED]["blotchiness"],
        "<= 0.5x as predicted",
    ),
    "chroma_ratio": (lambda value, table, name: value >= 0.65, ">= 0.65"),
    "false_colour": (lambda value, table, name: value <= 3.0, "<= 3.0"),
    "green_recall": (lambda value, table, name: value >= 0.5, ">= 0.5"),
    "border_excess": (lambda value, table, name: value <= 0.05, "<= 0.05"),
}
COLUMNS = tuple(TARGETS)
HEADINGS = "| PSNR (dB) | CIEDE2000 | CF | blotches | chroma ratio | false colour | green recall | border excess |"
FORMATS = {
    "psnr": "{:.2f}", "ciede2000": "{:.2f}", "cf": "{:.1f}", "blotchiness": "{:.2f}", "chroma_ratio": "{:.3f}",
    "false_colour": "{:.2f}", "green_recall": "{:.3f}", "border_excess": "{:.3f}",
}
FIGURE_PHOTOS = {"kodim23": SHARED / "test" / "kodak24" / "kodim23.png", "kodim03": SHARED / "test" / "kodak24" / "kodim03.png"}


def cell(metric, value, table=None, name=None):
    """A measure as the table shows it; with the set's `table` and the row's `name`, marked against its target."""
    text = FORMATS[metric].format(value)
    if table is not None:
        text += " ✓" if TARGETS[metric][0](value, table, name) else " ✗"
    return text


def test_set_table(results, first):
    lines = ["| set | model " + HEADINGS, "|---|---" + "|---" * len(COLUMNS) + "|"]
    for set_name, table in results.items():
        for name, metrics in table.items():
            if name in (TRUTH, "_photos"):
                continue
            shown = f"**{name}**" if name == first else name
            marked = table if name == first else None
            lines.append(f"| {set_name} | {shown} | " + " | ".join(cell(m, metrics[m], marked, name) for m in COLUMNS) + " |")
        truth = table[TRUTH]
        lines.append(f"| {set_name} | truth | | | {truth['cf']:.1f} | {truth['blotchiness']:.2f} | 1 | | | |")
    targets = " | ".join(TARGETS[metric][1] for metric in COLUMNS)
    lines.append(f"| | target | {targets} |")
    return "\n".join(lines)


def category_table(results, names):
    header = "| category | photos | CIEDE2000: gray | " + " | ".join(names) + " | green recall: " + " | ".join(names) + " | chroma ratio: " + " | ".join(names) + " |"
    lines = [header, "|---|---|---" + "|---" * 3 * len(names) + "|"]
    for category, table in results.items():
        values = [table[GRAY_BASELINE]["ciede2000"]] + [table[name]["ciede2000"] for name in names]
        greens = [table[name]["green_recall"] for name in names]
        chromas = [table[name]["chroma_ratio"] for name in names]
        lines.append(
            f"| {category} | {table['_photos']} | " + " | ".join(f"{value:.2f}" for value in values) + " | "
            + " | ".join("-" if np.isnan(value) else f"{value:.2f}" for value in greens) + " | "
            + " | ".join(f"{value:.2f}" for value in chromas) + " |"
        )
    return "\n".join(lines)


def before_after(models, path, thumb=256):
    """Gray, each model and the truth for the photos viewers named (kodim23, kodim03, astronaut, rocket)."""
    from colorizer.colour import lab

    truths = {name: np.asarray(Image.open(file).convert("RGB")) for name, file in FIGURE_PHOTOS.items() if file.is_file()}
    truths["astronaut"], truths["rocket"] = skimage_data.astronaut(), skimage_data.rocket()
    rows = []
    for truth in truths.values():
        lightness = lab.lightness(truth)
        row = {GRAY_BASELINE: lab.lab_to_srgb(lightness, np.zeros(lightness.shape + (2,), np.float32)), TRUTH: truth}
        row.update({name: np.asarray(model.colorize(truth)) for name, model in models.items()})
        rows.append(row)
    contact_sheet({"figure": rows}, [GRAY_BASELINE, *models, TRUTH], thumb=thumb).save(path, quality=88)


def replace_between_markers(text, block):
    pattern = re.compile(r"(<!-- results -->\n).*?(<!-- /results -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit("README.md has no <!-- results --> ... <!-- /results --> markers")
    return pattern.sub(lambda match: match.group(1) + block + "\n" + match.group(2), text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", nargs="+", default=["shipped=weights"], metavar="LABEL=FOLDER", help="models; the first is the one shipped")
    parser.add_argument("--precision", default="float32", help="what the models compute in (default: float32, the reference)")
    args = parser.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} not found: the test sets and training folders come with ../shared/data")
    replace_between_markers((ROOT / "README.md").read_text(), "")  # the markers are there: checked before minutes of work
    models = load_models(args.model[:1], args.precision, as_predicted=True)  # the first model, also as it predicts
    models.update(load_models(args.model[1:], args.precision) if args.model[1:] else {})
    names = list(models)
    tests, examples = evaluate(models, find_sets([SHARED / "test"]), ("full",), keep=3)
    contact_sheet(examples, [GRAY_BASELINE, *names, TRUTH]).save(ROOT / "docs" / "contact_sheet.png")
    categories, category_examples = evaluate(models, held_out_sets(TRAINING_FOLDERS), ("full",), keep=1)
    categories = categories["full"]
    categories["all categories"] = combine(list(categories.values()))
    contact_sheet(category_examples, [GRAY_BASELINE, *names, TRUTH], thumb=160).save(ROOT / "docs" / "contact_sheet_categories.jpg", quality=85)
    before_after(models, ROOT / "docs" / "before_after.jpg")
    block = (
        f"Measured by `python scripts/readme_results.py --model {' '.join(args.model)}` (full resolution, {args.precision}; "
        "✓ and ✗: issues 21's and 37's targets for the shipped model; 'as predicted': its colour without one colour per "
        "thing; blotches: colour that changes inside things the truth shows evenly, Lab units).\n\n"
        + test_set_table(tests["full"], names[0])
        + "\n\n**By kind of photo**, on the photos held out from training (the three training folders' validation split; "
        "categories from the data's manifests; green recall leaves out photos with few greens):\n\n"
        + category_table(categories, names)
    )
    readme = ROOT / "README.md"
    readme.write_text(replace_between_markers(readme.read_text(), block))
    print(block)
    print("wrote README.md's results, docs/contact_sheet.png, docs/contact_sheet_categories.jpg, docs/before_after.jpg")


if __name__ == "__main__":
    main()
