"""How colourful against how accurate, as the colour strength (and the temperature) changes.

    python scripts/colour_sweep.py --model runs/my-model --held-out ../shared/data/train/landscapes \
        ../shared/data/train/general --strengths 0.8 1 1.25 1.5 1.75 2 [--write]

Measures every setting on the same photos: the held-out split of training folders (the
photos training validates on; never the test sets, which report the result), or --data
folders. Picks the most colourful setting that stays accurate: CIEDE2000 at most
--max-ciede 0.95 times the gray baseline's and PSNR at least the gray baseline's + 0.3 dB.
--write stores the chosen strength as the model's chroma_gain, so that strength 1 means it.
(With the package installed.)
"""

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from colorizer import Colorizer
from colorizer.evaluate.evaluation import GRAY_BASELINE, TRUTH, combine, evaluate, find_sets
from colorizer.model.weights import read_config
from colorizer.train.dataset import held_out_sets


def measure(colorizer, sets, size, strength, limit):
    results, _ = evaluate({"model": colorizer}, sets, sizes=(size,), strength=strength, limit=limit)
    table = combine(list(results[str(size)].values()))
    return {"model": table["model"], GRAY_BASELINE: table[GRAY_BASELINE], TRUTH: table[TRUTH]["cf"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="weights folder")
    sources = parser.add_mutually_exclusive_group(required=True)
    sources.add_argument("--held-out", nargs="+", metavar="DIR", help="training folders: their held-out split")
    sources.add_argument("--data", nargs="+", metavar="DIR", help="folders of colour photos")
    parser.add_argument("--strengths", nargs="+", type=float, default=[1.0], help="(default: %(default)s)")
    parser.add_argument("--temperatures", nargs="+", type=float, default=None, help="also sweep these (classification models)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many photos per set (category)")
    parser.add_argument("--size", default="full", help="'full' or a square size such as 256 (default: full)")
    parser.add_argument("--max-ciede", type=float, default=0.95, help="CIEDE2000 limit, times the gray baseline's")
    parser.add_argument("--min-psnr-gain", type=float, default=0.3, help="PSNR at least the gray baseline's + this (dB)")
    parser.add_argument("--write", action="store_true", help="store the chosen strength (and T) in the weights folder")
    args = parser.parse_args()
    size = args.size if args.size == "full" else int(args.size)

    colorizer = Colorizer.from_pretrained(args.model)
    base_gain = colorizer.config.chroma_gain
    sets = held_out_sets(args.held_out) if args.held_out else find_sets(args.data)
    temperatures = args.temperatures or [colorizer.config.temperature]
    rows = {}
    for temperature in temperatures:
        colorizer.set_temperature(temperature)
        for strength in args.strengths:
            rows[temperature, strength] = measure(colorizer, sets, size, strength, args.limit)
    first = next(iter(rows.values()))
    gray, truth_cf = first[GRAY_BASELINE], first[TRUTH]
    print(f"{sum(min(len(paths), args.limit or len(paths)) for paths in sets.values())} photos ({size}); gray baseline: PSNR {gray['psnr']:.2f}, "
          f"CIEDE2000 {gray['ciede2000']:.2f}; truth CF {truth_cf:.1f}; the model's chroma_gain now {base_gain:g}\n")
    print("| T | strength | PSNR (dB) | CIEDE2000 | CF | CF / truth |\n|---|---|---|---|---|---|")
    for (temperature, strength), row in rows.items():
        m = row["model"]
        print(f"| {temperature:g} | {strength:g} | {m['psnr']:.2f} | {m['ciede2000']:.2f} | {m['cf']:.1f} | {m['cf'] / truth_cf:.2f} |")
    accurate = [
        key for key, row in rows.items()
        if row["model"]["ciede2000"] <= args.max_ciede * gray["ciede2000"] and row["model"]["psnr"] >= gray["psnr"] + args.min_psnr_gain
    ]
    if not accurate:
        print("\nno setting meets the accuracy limits")
        return
    temperature, strength = max(accurate, key=lambda key: rows[key]["model"]["cf"])
    print(f"\nchosen: T = {temperature:g}, strength {strength:g} (the most colourful within the limits)")
    if args.write:
        document = read_config(args.model)
        config = dataclasses.replace(colorizer.config, chroma_gain=float(np.round(base_gain * strength, 3)), temperature=temperature)
        extra = {name: (Path(args.model) / name).read_text() for name in ("README.md", "metrics.json") if (Path(args.model) / name).exists()}
        Colorizer(colorizer.encoder, colorizer.decoder, config).save(args.model, training=document["training"], extra_files=extra)
        print(f"wrote chroma_gain {config.chroma_gain:g} and T {temperature:g} to {args.model}/config.json")


if __name__ == "__main__":
    main()
