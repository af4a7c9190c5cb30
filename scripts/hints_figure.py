"""A before/after of colour hints for the README: the gray photo with the strokes painted on it,
the automatic result, the result with the strokes, and the truth when the photo is a colour one.

    python scripts/hints_figure.py PHOTO STROKES.png [PHOTO STROKES.png ...] --output docs/hints.jpg [--model FOLDER]

STROKES.png is an RGBA image the size of the photo (transparent: no hint), exactly what
`colorize --hints` takes. (With the package installed.)
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from colorizer import Colorizer, load_photo
from colorizer.colour.processor import grayscale
from colorizer.evaluate.report import contact_sheet


def panels(colorizer, photo_path, strokes_path):
    """The four pictures of one row, as RGB arrays."""
    photo = load_photo(photo_path)
    with Image.open(strokes_path) as strokes_image:
        strokes = np.asarray(strokes_image.convert("RGBA"))
    gray = np.asarray(grayscale(photo).convert("RGB"))
    painted = np.where(strokes[..., 3:] >= 128, strokes[..., :3], gray)
    row = {
        "gray + strokes": painted.astype(np.uint8),
        "automatic": np.asarray(colorizer.colorize(photo).convert("RGB")),
        "with the strokes": np.asarray(colorizer.colorize(photo, hints=strokes).convert("RGB")),
    }
    with Image.open(photo_path) as original:
        if original.mode not in ("L", "LA", "I", "I;16", "F"):
            row["truth"] = np.asarray(original.convert("RGB"))
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", nargs="+", metavar="PHOTO STROKES", help="photos, each followed by its strokes image")
    parser.add_argument("--model", default=None, help="weights folder or Hub id (default: the shipped model)")
    parser.add_argument("--output", type=Path, required=True, help="the figure (.jpg or .png)")
    parser.add_argument("--thumb", type=int, default=300, help="size of each picture (default: %(default)s)")
    args = parser.parse_args()
    if len(args.pairs) % 2:
        parser.error("give each photo followed by its strokes image")
    colorizer = Colorizer.from_pretrained(args.model)
    rows = [panels(colorizer, photo, strokes) for photo, strokes in zip(args.pairs[::2], args.pairs[1::2])]
    columns = list(dict.fromkeys(name for row in rows for name in row))
    for row in rows:  # a gray photo has no truth: leave its cell white
        for name in columns:
            row.setdefault(name, np.full((8, 8, 3), 255, np.uint8))
    contact_sheet({"rows": rows}, columns, thumb=args.thumb).save(args.output, quality=90)
    print(f"wrote {args.output} ({len(rows)} photos, model {colorizer.source})")


if __name__ == "__main__":
    main()
