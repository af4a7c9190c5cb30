"""Measure colorizers against the truth: colorizer-eval --data DIR [--model M ...]

Per set of photos, at full resolution and at 256x256 (as papers report): PSNR (RGB uint8,
peak 255), SSIM, mean CIEDE2000, colourfulness (Hasler and Suesstrunk) and |dCF| against
the truth, and what viewers notice (colour/measures.py): chroma ratio, false colour on neutral
things, green recall, border excess, blotches (colour that changes inside things the truth shows
evenly); with the gray baseline (a = b = 0, the truth's own L)
beside every model.
Writes results.json, results.md and a contact sheet (gray, each model, truth).
"""

import argparse
import json
import sys
from pathlib import Path

from ..config import DEFAULT_PRECISION, DEFAULT_STRENGTH, PRECISIONS
from ..evaluate.evaluation import GRAY_BASELINE, PAPER_SIZE, TRUTH, combine, evaluate, find_sets, row_names
from ..evaluate.report import contact_sheet, markdown_table
from ..model.precision import describe
from ..train.dataset import held_out_sets


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
        "--as-predicted", action="store_true",
        help="also measure every model's colour as it predicts it, without one colour per thing (colour/regions.py): "
        "a row 'NAME, as predicted' each",
    )
    parser.add_argument(
        "--hints", type=int, nargs="+", default=[0], metavar="N",
        help="also measure every model with N hints of a simulated user (7x7 squares of the truth's "
        "colour at random places), e.g. --hints 0 1 3 10 30 (default: 0)",
    )
    return parser.parse_args(argv)


AS_PREDICTED = ", as predicted"


def load_models(specs, precision=DEFAULT_PRECISION, as_predicted=False):
    """{label: Colorizer} for "[LABEL=]FOLDER_OR_HUB_ID" specs (none: the shipped model); with `as_predicted`,
    each also as "LABEL, as predicted": the same model without one colour per thing."""
    from ..pipeline import Colorizer

    models = {}
    for spec in specs or [None]:
        label, _, name = (spec or "").rpartition("=")
        name = name or None
        label = label or (Path(name).name if name else "shipped")
        models[label] = Colorizer.from_pretrained(name, precision=precision)
        if as_predicted:
            models[label + AS_PREDICTED] = models[label].with_region_colour(None)
    return models


def main(argv=None):
    from tqdm import tqdm

    args = parse_args(argv)
    sizes = tuple(size if size == "full" else int(size) for size in args.sizes)
    sets = find_sets(args.data) if args.data else held_out_sets(args.held_out)
    models = load_models(args.model, args.precision, args.as_predicted)
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
    contact_sheet(examples, [GRAY_BASELINE, *row_names(models, args.hints), TRUTH]).save(args.output / "contact_sheet.png")
    print(table)
    print(f"wrote {args.output / 'results.json'}, {args.output / 'results.md'}, {args.output / 'contact_sheet.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
