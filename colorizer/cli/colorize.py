"""colorize (or python -m colorizer): PHOTO_FILM_OR_FOLDER... --output DIR"""

import argparse
import os
import sys
import warnings
from pathlib import Path

from ..cluster_head import CONNECT_WAIT_S, ClusterUnreachable
from ..colour import images, outputs
from ..colour.images import IMAGE_SUFFIXES, MAX_PIXELS, ImageError
from ..colour.outputs import DEFAULT_JPEG_QUALITY, DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS
from ..config import DEFAULT_PRECISION, DEFAULT_STRENGTH, PRECISIONS, check_strength
from ..files import plan_output_names
from ..model.precision import describe
from ..progress import progress_bar
from ..video.formats import DEFAULT_VIDEO_QUALITY, FILM_SUFFIX, VIDEO_SUFFIXES
from .inputs import header_problem, is_film, kinds, media_size
from .interrupts import starting

PROGRESS_LOG_S = 5  # not in a terminal (a log, a pipe): a progress line this often


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="colorize",
        description=(
            "Colorize black-and-white photos and films. Each photo is written as a colour PNG (or JPEG) at its own "
            "resolution, keeping its own lightness, its EXIF, dpi and colour profile, and 16 bits if it had them; "
            "each film as an MP4 (H.264) of the same size, frame rate and length, its sound copied, its colour held "
            "steady along the motion. Colour photos and films are first reduced to their lightness."
        ),
        epilog="Example: colorize old_photos/ grandma.jpg wedding.mp4 --output coloured/",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="PHOTO_FILM_OR_FOLDER",
        help="image files (jpg, png, webp, tiff, bmp, gif), films (mp4, mov, mkv, webm, avi) or folders, searched recursively",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="DIR",
        help="folder for the colour photos; a folder's sub-folders are mirrored inside it",
    )
    parser.add_argument(
        "-f", "--format", choices=OUTPUT_FORMATS, default=DEFAULT_OUTPUT_FORMAT,
        help="png keeps 16 bits and transparency; jpg makes small files (default: %(default)s)",
    )
    parser.add_argument(
        "-q", "--quality", type=int, default=DEFAULT_JPEG_QUALITY, metavar="1..95",
        help="JPEG quality (default: %(default)s)",
    )
    parser.add_argument(
        "-m", "--model", default=None, metavar="FOLDER_OR_HUB_ID",
        help="a weights folder or a Hugging Face Hub repo id USER/REPO (default: the shipped model)",
    )
    parser.add_argument(
        "-s", "--strength", type=float, default=DEFAULT_STRENGTH, metavar="0..3",
        help="how much colour: 1 is the model's measured best, 0.5 subtler, 2 more vivid (default: %(default)s)",
    )
    parser.add_argument(
        "--hints", type=Path, default=None, metavar="FILE",
        help="colour hints for one photo or film: an RGBA image of the photo's (or frame's) size whose "
        "opaque pixels' colours are hints (their lightness is ignored; transparent: no hint)",
    )
    parser.add_argument(
        "--hints-frame", type=int, default=0, metavar="N",
        help="films: the frame (from 0) the --hints were painted on; they follow the motion to the end of its shot (default: %(default)s)",
    )
    parser.add_argument(
        "--video-quality", type=int, default=DEFAULT_VIDEO_QUALITY, metavar="0..51",
        help="films: H.264 quality (x264's CRF): lower is better and bigger, 0 lossless, 23 x264's default (default: %(default)s)",
    )
    parser.add_argument("--revision", default=None, help="Hub branch, tag or commit to pin the model to (default: main)")
    parser.add_argument(
        "--precision", choices=PRECISIONS, default=DEFAULT_PRECISION,
        help="what the model computes in: auto picks bfloat16 where the processor has instructions for it "
        "(AMX or AVX-512 BF16: the model 1.7x as fast on an AMD EPYC with AVX-512 BF16, the colours moved by a CIEDE2000 "
        "of 0.04 on average, scripts/precision_check.py), else float32 "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace results that already exist in the output folder (default: skip them)"
    )
    parser.add_argument(
        "--ray", metavar="ADDRESS", default=None,
        help="colorize the photos on a Ray cluster (auto, HOST:PORT or ray://HOST:10001): the same files, made by its "
        'workers; inputs and output may also be s3:// or gs:// URIs. Photos only, no --hints. Needs pip install "ray[data]"',
    )
    parser.add_argument(
        "--ray-wait", type=float, default=CONNECT_WAIT_S, metavar="SECONDS",
        help="with --ray HOST:PORT: how long to wait for the cluster to answer before giving up (default: %(default)g)",
    )
    return parser.parse_args(argv)


def plan_outputs(files, output_folder, suffix=".png"):
    """(file, target, note) for each (file, relative path): photos as `suffix`, films as MP4; never an input, never one twice."""
    return plan_output_names(
        files, output_folder, lambda file: FILM_SUFFIX if is_film(file) else suffix,
        taken=[file for file, _ in files], key=lambda path: path.resolve(),
    )


def main(argv=None):
    """The command; Ctrl-C at any point (TensorFlow takes seconds to load) ends it with a line, not a traceback."""
    try:
        return colorize_command(parse_args(argv))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def usage_error(args, files):
    """What is wrong with the options, before anything is loaded or created; None when nothing is."""
    try:
        check_strength(args.strength)
    except ValueError as error:
        return str(error)
    if not 1 <= args.quality <= 95:
        return f"--quality must lie between 1 and 95, not {args.quality}"
    if not 0 <= args.video_quality <= 51:
        return f"--video-quality must lie between 0 and 51, not {args.video_quality}"
    output = Path(args.output)  # (an s3:// or gs:// output, with --ray, is the cluster's to check)
    if "://" not in str(args.output) and output.exists() and not output.is_dir():
        return f"--output {output} is a file; give a folder"
    if any(Path(given).is_dir() and Path(given).resolve() == output.resolve() for given in args.inputs):
        return (f"--output {output} is also an input folder: each run would colorize the last run's results again; "
                f"choose another folder (one inside it, such as {output / 'coloured'}, is skipped as input)")
    if args.hints is not None:
        if len(files) != 1:
            return f"--hints: give one photo with --hints, not {len(files)}"
        try:
            hints_size, photo_size = images.image_size(args.hints), media_size(files[0][0])
        except ImageError as error:
            return f"--hints: {error}"
        if hints_size != photo_size:
            return f"--hints: {args.hints} is {hints_size[0]}x{hints_size[1]}, the photo {photo_size[0]}x{photo_size[1]}"
    return None


def colorize_command(args):
    if args.ray:
        return cluster_command(args)
    args.output = Path(args.output)
    files, missing = images.find_images(args.inputs, exclude=[args.output], suffixes=IMAGE_SUFFIXES + VIDEO_SUFFIXES)
    failures = [(path, "no such file or folder") for path in missing]
    if not files:
        for path, reason in failures:
            print(f"error: {path}: {reason}", file=sys.stderr)
        searched = [given for given in args.inputs if Path(given).is_dir()]
        if searched:
            print(f"error: no photos or films in {', '.join(map(str, searched))}", file=sys.stderr)
        return 1
    problem = usage_error(args, files)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    plan = [step for step in plan_outputs(files, args.output, OUTPUT_FORMATS[args.format]) if args.overwrite or not step[1].exists()]
    skipped = len(files) - len(plan)
    if not plan:
        print(f"Nothing to do: all {skipped} colour {kinds(files)} exist in {args.output} (--overwrite makes them again)")
        return 1 if failures else 0
    refused = {file: problem for file, _, _ in plan if (problem := header_problem(file))}  # before the model loads
    failures += list(refused.items())
    plan = [step for step in plan if step[0] not in refused]
    if not plan:
        for path, reason in failures:
            print(f"error: {path}: {reason}", file=sys.stderr)
        return 1
    try:
        args.output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"error: cannot create the output folder {args.output}: {error.strerror or error}", file=sys.stderr)
        return 2

    with starting():
        from ..model.weights import WeightsError
        from ..pipeline import Colorizer  # imports TensorFlow: after the cheap checks above

        try:
            colorizer = Colorizer.from_pretrained(args.model, revision=args.revision, precision=args.precision)
        except (WeightsError, FileNotFoundError) as error:
            print(f"error: cannot load the model: {error}", file=sys.stderr)
            return 1
        except Exception as error:  # noqa: BLE001 (a damaged or hostile model folder: a message, not a traceback)
            print(f"error: cannot load the model: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    print(f"Colorizing with {colorizer.source}; {describe(args.precision)}", flush=True)

    written = 0
    try:
        for file, target, note in progress_bar(plan, desc="Colorizing", unit="file" if any(is_film(step[0]) for step in plan) else "photo", log_every_s=PROGRESS_LOG_S):
            failure = (colorize_film_file if is_film(file) else colorize_one)(colorizer, args, file, target, note)
            if failure:
                failures.append((file, failure))
            else:
                written += 1
    except KeyboardInterrupt:
        print(f"\ninterrupted: wrote {written} of {len(plan)} file(s) to {args.output}; run the same command "
              "again to do the rest (finished ones are skipped; a film cut short left nothing)", file=sys.stderr)
        return 130

    print(f"Wrote {written} colour {kinds(files)} to {args.output}" + (f"; skipped {skipped} that exist (--overwrite)" if skipped else ""))
    for path, reason in failures:
        print(f"error: {path}: {reason}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} file(s) could not be colorized", file=sys.stderr)
    return 1 if failures else 0


def cluster_command(args):
    """`--ray`: the photos listed, colorized and written by the cluster's workers; the same report as on one machine."""
    problem = "--hints is for one photo on this machine, not with --ray" if args.hints is not None else usage_error(args, [])
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from .. import cluster
    from ..ray_logs import ray_core_logs_left_out

    try:
        cluster.import_ray()
    except ImportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Colorizing on the Ray cluster at {args.ray}; {describe(args.precision)} (on each worker)", flush=True)
    with progress_bar(desc="Colorizing", unit="photo", log_every_s=PROGRESS_LOG_S) as bar, ray_core_logs_left_out():
        try:
            rows, skipped = cluster.run(
                args.ray, args.inputs, args.output, model=args.model, revision=args.revision, precision=args.precision,
                strength=args.strength, output_format=args.format, quality=args.quality, overwrite=args.overwrite,
                wait_s=args.ray_wait, planned=bar.set_total, progress=bar.update, head_lost=lambda: head_lost(args),
            )
        except ClusterUnreachable as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"\ninterrupted: the photos written to {args.output} are whole; run the same command again to do the rest",
                  file=sys.stderr)
            return 130
    if not rows and skipped:
        print(f"Nothing to do: all {skipped} colour photos exist in {args.output} (--overwrite makes them again)")
        return 0
    outcomes = [row["outcome"] for row in rows]
    for row in rows:
        if row["note"] and row["outcome"] == "written":
            print(f"note: {row['note']}", file=sys.stderr)
    print(f"Wrote {outcomes.count('written')} colour photo(s) to {args.output}" + (f"; skipped {skipped} that exist (--overwrite)" if skipped else ""))
    failures = [row for row in rows if row["outcome"] == "failed"]
    for row in failures:
        print(f"error: {row['source']}: {row['reason']}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} file(s) could not be colorized", file=sys.stderr)
    if not rows:
        print("error: no images found in the given paths", file=sys.stderr)
    return 1 if failures or not rows else 0


def head_lost(args):
    """The cluster's head stopped answering mid-job: one line, and the process ends (Ray's driver cannot go on)."""
    print(f"\nerror: the Ray cluster at {args.ray} stopped answering mid-job; the photos it wrote to {args.output} are whole: "
          "run the same command again to do the rest", file=sys.stderr, flush=True)
    os._exit(1)


def colorize_one(colorizer, args, file, target, note):
    """Colorize `file` into `target`, printing its notes; returns why it failed, or None."""
    try:
        with warnings.catch_warnings(record=True, action="always", category=outputs.MetadataDropped) as shown:
            colorizer.colorize_to_file(file, target, args.strength, args.format, args.quality, hints=args.hints)
    except ImageError as error:
        return str(error).removeprefix(f"{file}: ")
    except MemoryError:
        return f"out of memory (photos up to {MAX_PIXELS / 1e6:.0f} MP are accepted)"
    except OSError as error:  # the output could not be written: no space, no permission, a bad name
        return f"cannot write {target}: {error.strerror or error}"
    except Exception as error:  # noqa: BLE001 (one photo's surprise must not stop the others)
        return f"could not be colorized ({type(error).__name__}: {error})"
    dropped = [warning for warning in shown if issubclass(warning.category, outputs.MetadataDropped)]
    for line in [note] + [f"{target.name}: {warning.message}" for warning in dropped]:
        if line:
            print(f"note: {line}", file=sys.stderr)
    return None


def colorize_film_file(colorizer, args, file, target, note):
    """Colour the film `file` into `target` with a progress bar of its frames; returns why it failed, or None."""
    from ..video.film import colorize_film
    from ..video.io import FilmError, probe

    if note:
        print(f"note: {note}", file=sys.stderr)
    try:
        info = probe(file)
        print(f"{file}: {info.describe()}", flush=True)
        with progress_bar(total=info.frames, desc=file.name, unit="frame", log_every_s=PROGRESS_LOG_S) as bar:
            colorize_film(
                colorizer, file, target, args.strength, hints=args.hints, hints_frame=args.hints_frame,
                quality=args.video_quality, progress=bar.update,
            )
    except (FilmError, ImageError) as error:
        return str(error).removeprefix(f"{file}: ")
    except OSError as error:
        return f"cannot write {target}: {error.strerror or error}"
    except Exception as error:  # noqa: BLE001 (one film's surprise must not stop the others)
        return f"could not be colorized ({type(error).__name__}: {error})"
    return None


if __name__ == "__main__":
    sys.exit(main())
