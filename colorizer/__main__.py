"""colorize (or python -m colorizer): PHOTO_OR_FOLDER... --output DIR"""

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from .images import MAX_PIXELS, ImageError, find_images, save_png


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="colorize",
        description=(
            "Colorize black-and-white photos. Each photo is written as a colour PNG at its own "
            "resolution, keeping its own lightness; colour photos are first reduced to their lightness."
        ),
        epilog="Example: colorize old_photos/ grandma.jpg --output coloured/",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="PHOTO_OR_FOLDER",
        help="image files (jpg, png, webp, tiff, bmp, gif) or folders, searched recursively",
    )
    parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar="DIR",
        help="folder for the colour PNGs; a folder's sub-folders are mirrored inside it",
    )
    parser.add_argument(
        "-m", "--model", default=None, metavar="FOLDER_OR_HUB_ID",
        help="a weights folder or a Hugging Face Hub repo id USER/REPO (default: the shipped model)",
    )
    parser.add_argument("--revision", default=None, help="Hub branch, tag or commit to pin the model to (default: main)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace PNGs that already exist in the output folder (default: skip them)"
    )
    return parser.parse_args(argv)


def output_path(output_folder, relative, taken):
    """DIR/relative.png; when two inputs share a stem (a.jpg, a.png), the second keeps its suffix (a.png.png)."""
    target = output_folder / relative.with_suffix(".png")
    if target in taken:
        target = output_folder / relative.parent / f"{relative.name}.png"
    taken.add(target)
    return target


def main(argv=None):
    args = parse_args(argv)
    files, missing = find_images(args.inputs)
    failures = [(path, "no such file or folder") for path in missing]
    if not files:
        for path, reason in failures:
            print(f"error: {path}: {reason}", file=sys.stderr)
        print("error: no images found in the given paths", file=sys.stderr)
        return 1

    from .pipeline import Colorizer  # imports TensorFlow: after the cheap checks above
    from .weights import WeightsError

    try:
        colorizer = Colorizer.from_pretrained(args.model, revision=args.revision)
    except (WeightsError, FileNotFoundError) as error:
        print(f"error: cannot load the model: {error}", file=sys.stderr)
        return 1

    taken, written, skipped = set(), 0, 0
    for file, relative in tqdm(files, desc="Colorizing", unit="photo", disable=None):
        target = output_path(args.output, relative, taken)
        if target.exists() and not args.overwrite:
            skipped += 1
            continue
        try:
            save_png(colorizer.colorize(file), target)
            written += 1
        except ImageError as error:
            failures.append((file, str(error).removeprefix(f"{file}: ")))
        except MemoryError:
            failures.append((file, f"out of memory (photos up to {MAX_PIXELS / 1e6:.0f} MP are accepted)"))

    print(f"Wrote {written} colour PNG(s) to {args.output}" + (f"; skipped {skipped} that exist (--overwrite)" if skipped else ""))
    for path, reason in failures:
        print(f"error: {path}: {reason}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} file(s) could not be colorized", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
