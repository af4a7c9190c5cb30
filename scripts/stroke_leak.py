"""How far a user's strokes leak beyond the object they were painted on: real strokes, objects outlined by hand.

    python scripts/stroke_leak.py [--model FOLDER] [--data ../shared/data] [--as-before]
    python scripts/stroke_leak.py --make-masks [--sheet masks.jpg]

The cases (docs/leak/cases.json): a photo, a stroke of one colour on one object, and that object's mask
(docs/leak/NAME.png). For each, the photo is rendered with and without the stroke (`hints.measures.stroke_leak`):
*leak* is the mean change of a and b outside the object (Lab units), *leak area* the share of it changed by more
than 5, *take* the object's CIEDE2000 to the stroke's colour. `--as-before` also measures the spreading of
hints as it was before strokes were kept to things (issue 33). `--make-masks` makes the masks from the outlines.
"""

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from colorizer import Colorizer
from colorizer.app.paint_box import read_strokes
from colorizer.colour import lab
from colorizer.colour.images import read_rgb
from colorizer.hints.measures import stroke_leak
from colorizer.hints.spreading import Spreading

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "docs" / "leak" / "cases.json"
SEGMENT_SCALE = 100  # regions of the colour photo from which a mask is made: finer than the objects


def load_cases():
    return json.loads(CASES.read_text())["cases"]


def stroke_value(case, size):
    """The case's stroke as the paint box sends it, for a picture of the photo's `size`."""
    stroke = {"colour": case["colour"], "radius": case["radius"], "points": case["points"]}
    return {"width": size[0], "height": size[1], "strokes": [stroke]}


def make_mask(rgb, case):
    """The regions of alike colour of the colour photo mostly inside the case's outline (and, with a tolerance, of
    about the colour under the stroke)."""
    from skimage.segmentation import felzenszwalb

    outline = Image.new("1", (rgb.shape[1], rgb.shape[0]))
    ImageDraw.Draw(outline).polygon([tuple(point) for point in case["outline"]], fill=1)
    inside = np.asarray(outline)
    labels = felzenszwalb(rgb, scale=SEGMENT_SCALE, sigma=0.8, min_size=30)
    count = labels.max() + 1
    share = np.bincount(labels.ravel(), weights=inside.ravel(), minlength=count) / np.bincount(labels.ravel(), minlength=count)
    chosen = share >= 0.6
    if case["tolerance"] is not None:
        colour = lab.rgb_to_lab(rgb)
        sizes = np.bincount(labels.ravel(), minlength=count)
        means = np.stack([np.bincount(labels.ravel(), weights=colour[..., c].ravel(), minlength=count) for c in range(3)], -1)
        means /= np.maximum(sizes, 1)[:, None]
        under = read_strokes(stroke_value(case, (rgb.shape[1], rgb.shape[0])), (rgb.shape[1], rgb.shape[0]))[..., 3] > 0
        reference = colour[under].mean(axis=0)
        chosen &= np.linalg.norm(means - reference, axis=-1) <= case["tolerance"]
    return chosen[labels]


def make_masks(data, sheet_path):
    tiles = []
    for case in load_cases():
        rgb = read_rgb(data / case["photo"])
        mask = make_mask(rgb, case)
        Image.fromarray(mask).save(CASES.parent / f"{case['name']}.png", optimize=True)
        shown = rgb.astype(np.float32)
        shown[~mask] = shown[~mask] * 0.35
        strokes = read_strokes(stroke_value(case, (rgb.shape[1], rgb.shape[0])), (rgb.shape[1], rgb.shape[0]))
        shown[strokes[..., 3] > 0] = (255, 0, 255)
        tile = Image.fromarray(shown.astype(np.uint8))
        tile.thumbnail((384, 384))
        ImageDraw.Draw(tile).text((4, 4), case["name"], fill=(255, 255, 0))
        tiles.append(tile)
        print(f"{case['name']}: {mask.mean():.1%} of the photo")
    columns = 4
    sheet = Image.new("RGB", (384 * columns, 384 * ((len(tiles) + columns - 1) // columns)))
    for index, tile in enumerate(tiles):
        sheet.paste(tile, ((index % columns) * 384, (index // columns) * 384))
    sheet.save(sheet_path, quality=85)
    print(f"wrote the masks into {CASES.parent} and a sheet to look at: {sheet_path}")


def measure(colorizers, data):
    rows = {name: [] for name in colorizers}
    print("| case | " + " | ".join(f"{name}: leak, area, take" for name in colorizers) + " |")
    print("|---|" + "---|" * len(colorizers))
    for case in load_cases():
        rgb = read_rgb(data / case["photo"])
        size = (rgb.shape[1], rgb.shape[0])
        with Image.open(CASES.parent / f"{case['name']}.png") as image:
            mask = np.asarray(image.convert("1"))
        strokes = read_strokes(stroke_value(case, size), size)
        cells = []
        for name, colorizer in colorizers.items():
            result = stroke_leak(colorizer, colorizer.predict(rgb), strokes, mask)
            rows[name].append(result)
            cells.append(f"{result['leak']:.2f}, {result['leak_area']:.1%}, {result['take']:.1f}")
        print(f"| {case['name']} | " + " | ".join(cells) + " |", flush=True)
    means = [
        f"**{np.mean([r['leak'] for r in rows[name]]):.2f}**, {np.mean([r['leak_area'] for r in rows[name]]):.1%}, "
        f"{np.mean([r['take'] for r in rows[name]]):.1f}"
        for name in colorizers
    ]
    print(f"| mean of {len(rows[next(iter(rows))])} | " + " | ".join(means) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="a weights folder or USER/REPO (default: the shipped model)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data", help="where the cases' photos are")
    parser.add_argument("--as-before", action="store_true", help="also measure the spreading as it was before issue 33")
    parser.add_argument("--make-masks", action="store_true", help="make the masks from the outlines, and a sheet to check them")
    parser.add_argument("--sheet", type=Path, default=Path("leak-masks.jpg"), help="where --make-masks puts its sheet")
    args = parser.parse_args()
    if args.make_masks:
        make_masks(args.data, args.sheet)
        return
    colorizers = {"kept to things": Colorizer.from_pretrained(args.model)}
    if args.as_before:
        colorizers["as before"] = Colorizer.from_pretrained(args.model, spreading=Spreading(keep_to_things=False))
    measure(colorizers, args.data)


if __name__ == "__main__":
    main()
