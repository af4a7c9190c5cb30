"""Colourfulness against accuracy as the annealed-mean temperature changes (classification models).

    python scripts/temperature_sweep.py --model weights/ --data ../shared/data/val --temperatures 0.2 0.3 0.38 0.5 0.7 1.0

(with the package installed)

Lower T paints the most likely colour (vivid, sometimes wrong); T = 1 paints the mean (greyish,
like MSE). Prints one row per T with the gray baseline's figures beside them, and picks the T
with the smallest |dCF| among those whose CIEDE2000 stays below the gray baseline's.
"""

import argparse

import numpy as np

from colorizer import Colorizer
from colorizer.evaluate import GRAY_BASELINE, TRUTH, evaluate, find_sets


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="weights folder or Hub id (default: the shipped model)")
    parser.add_argument("--data", nargs="+", required=True, help="folders of colour photos (one set each)")
    parser.add_argument("--temperatures", nargs="+", type=float, default=[0.2, 0.3, 0.38, 0.5, 0.7, 1.0], help="(default: %(default)s)")
    parser.add_argument("--size", default="full", help="'full' or a square size such as 256")
    args = parser.parse_args()
    size = args.size if args.size == "full" else int(args.size)

    colorizer = Colorizer.from_pretrained(args.model)
    if colorizer.config.head != "classification":
        parser.error("the temperature applies to classification models only")
    sets = find_sets(args.data)
    rows = {}
    for temperature in args.temperatures:
        colorizer.set_temperature(temperature)
        results, _ = evaluate({"model": colorizer}, sets, sizes=(size,))
        tables = results[str(size)].values()
        rows[temperature] = {name: {key: float(np.mean([t[name][key] for t in tables])) for key in ("psnr", "ciede2000", "cf", "delta_cf")} for name in ("model", GRAY_BASELINE)}
        rows[temperature][TRUTH] = float(np.mean([t[TRUTH]["cf"] for t in tables]))
    gray = rows[args.temperatures[0]][GRAY_BASELINE]
    truth_cf = rows[args.temperatures[0]][TRUTH]
    print(f"sets: {', '.join(sets)} ({size}); mean over sets. gray baseline: PSNR {gray['psnr']:.2f}, "
          f"CIEDE2000 {gray['ciede2000']:.2f}, CF {gray['cf']:.1f}; truth CF {truth_cf:.1f}\n")
    print("| T | PSNR (dB) | CIEDE2000 | CF | dCF |\n|---|---|---|---|---|")
    for temperature, row in rows.items():
        m = row["model"]
        print(f"| {temperature:g} | {m['psnr']:.2f} | {m['ciede2000']:.2f} | {m['cf']:.1f} | {m['delta_cf']:.1f} |")
    allowed = [t for t, row in rows.items() if row["model"]["ciede2000"] < gray["ciede2000"]]
    if allowed:
        best = min(allowed, key=lambda t: rows[t]["model"]["delta_cf"])
        print(f"\nchosen T = {best:g}: smallest |dCF| with CIEDE2000 below the gray baseline's")
    else:
        print("\nno temperature beats the gray baseline on CIEDE2000")


if __name__ == "__main__":
    main()
