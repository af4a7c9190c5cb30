"""How far hints leak beyond their region, and how much closer ten hints bring a photo, per way of spreading them.

    python scripts/hint_leakage.py [--model FOLDER] [--data ../shared/data/test] [--trials 3] [--limit N]

For each test set: single-hint trials of a simulated user (`colorizer.hints.measures`): leakage (the
mean ab change on things of another colour) and reach (how much closer to the truth the things of
the hint's colour came), and CIEDE2000 with ten hints; for the spreading that follows lightness
edges only (before issue 22) and the one that also follows texture and the model's own colour.
"""

import argparse
import zlib
from pathlib import Path

import numpy as np
from skimage.color import deltaE_ciede2000

from colorizer import Colorizer
from colorizer.colour import lab
from colorizer.colour.images import find_image_files, read_rgb
from colorizer.hints.measures import hint_spread
from colorizer.hints.simulated import simulated_user_hints
from colorizer.hints.spreading import Spreading

WAYS = {
    "lightness edges only": Spreading(texture_sigma=None),
    "lightness and texture": Spreading(),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "test")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="the first N photos of each set")
    args = parser.parse_args()
    colorizers = {way: Colorizer.from_pretrained(args.model, spreading=spreading) for way, spreading in WAYS.items()}
    print("| set | spreading | leakage | reach | CIEDE2000, 10 hints |")
    print("|---|---|---|---|---|")
    for folder in sorted(path for path in args.data.iterdir() if path.is_dir()):
        photos = [(path, read_rgb(path)) for path in find_image_files(folder)[: args.limit]]
        for way, colorizer in colorizers.items():
            spreads, errors = [], []
            for path, truth in photos:
                rng = np.random.default_rng(zlib.crc32(path.name.encode()))
                spreads.append(hint_spread(colorizer, truth, rng, args.trials))
                truth_lab = lab.rgb_to_lab(truth)
                hints = simulated_user_hints(truth_lab[..., 1:], 10, np.random.default_rng([zlib.crc32(path.name.encode()), 10]))
                output = np.asarray(colorizer.colorize(truth, hints=hints))
                errors.append(deltaE_ciede2000(truth_lab, lab.rgb_to_lab(output)).mean())
            leakage = np.nanmean([row["leakage"] for row in spreads])
            reach = np.nanmean([row["reach"] for row in spreads])
            print(f"| {folder.name} | {way} | {leakage:.2f} | {reach:.2f} | {np.mean(errors):.2f} |", flush=True)


if __name__ == "__main__":
    main()
