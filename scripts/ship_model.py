"""Make a trained weights folder the shipped model: `weights/`, its weights stored in half precision.

    python scripts/ship_model.py runs/my-model [--output weights]

Copies the folder's config (with its training record), model card and metrics, and stores the
trained weights as float16: half the size (a model that fine-tunes VGG16's blocks 4 and 5 is
60 MB in float32), loaded back into float32 on use. Prints how far the colours moved on a test
photo, so a rounding that mattered would show.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXTRA_FILES = ("README.md", "metrics.json")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="the trained weights folder")
    parser.add_argument("--output", type=Path, default=ROOT / "weights", help="where the shipped model goes (default: weights/)")
    args = parser.parse_args(argv)

    from colorizer import Colorizer
    from colorizer.model.weights import load_folder, save_folder
    from colorizer.resources import example_photos

    config, decoder, document = load_folder(args.folder)
    extra = {name: (args.folder / name).read_text() for name in EXTRA_FILES if (args.folder / name).is_file()}
    save_folder(args.output, config, decoder, training=document.get("training"), extra_files=extra, half_precision=True)
    before = args.folder / "decoder.keras"
    after = args.output / "decoder.keras"
    print(f"wrote {args.output}: decoder.keras {after.stat().st_size / 1e6:.1f} MB (was {before.stat().st_size / 1e6:.1f} MB)")

    photo = example_photos()[0]
    full, half = (np.asarray(Colorizer.from_pretrained(folder, precision="float32").colorize(photo), np.float64) for folder in (args.folder, args.output))
    print(f"on {photo.name}: the colours moved by {np.abs(full - half).mean():.3f} levels on average, {np.abs(full - half).max():.0f} at most")
    return 0


if __name__ == "__main__":
    sys.exit(main())
