"""How steady, right and fast coloured films are (a benchmark, not a test; needs ../shared/data/video).

    python scripts/film_benchmark.py [--model FOLDER] [--clips DIR] [--long-film-seconds 600]

For each clip of 30 real frames (640x360): a gray MP4 is made from the truth's lightness, then
coloured twice, by the film path (colour carried along the flow) and by the photo path (each
frame on its own, `steady=False`); prints per clip and overall the flicker of both and of the
truth (`colorizer.video.measure`), CIEDE2000 against the truth, mean chroma, and frames per
second; then frames per second at 1280x720 (the clips upscaled), and the memory of a long 720p
film made by looping one clip (resident memory sampled at its start, middle and end).
"""

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from colorizer import Colorizer
from colorizer.app.loadtest import resident_mb
from colorizer.colour import lab
from colorizer.model.precision import describe
from colorizer.video.io import FilmWriter, read_frames
from colorizer.video.measure import film_measures

SHARED_CLIPS = Path(__file__).resolve().parents[2] / "shared" / "data" / "video"
FRAME_RATE = 25


def truth_frames(folder, size=None):
    frames = [Image.open(path).convert("RGB") for path in sorted(Path(folder).glob("*.jpg"))]
    return [np.asarray(frame if size is None else frame.resize(size, Image.BICUBIC)) for frame in frames]


def gray(rgb):
    lightness = lab.lightness(rgb)
    return lab.lab_to_srgb(lightness, np.zeros(lightness.shape + (2,), np.float32))


def write_gray_film(frames, path, repeats=1):
    """The frames' lightness as an MP4 (near-lossless), `repeats` times over: the black-and-white film to colour."""
    with FilmWriter(path, (frames[0].shape[1], frames[0].shape[0]), FRAME_RATE, quality=10) as writer:
        grays = [gray(frame) for frame in frames]
        for _ in range(repeats):
            for frame in grays:
                writer.write(frame)
    return path


def colorize_clip(colorizer, source, destination, steady):
    """Colour a film; returns frames per second (the model already warm)."""
    start = time.perf_counter()
    info = colorizer.colorize_video(source, destination, steady=steady)
    return info.frames / (time.perf_counter() - start)


def write_strip(path, truth, photo_path_film, film_path_film, frames=(0, 9, 19, 29), width=240):
    """Rows of frames: gray, the photo path (each frame alone), the film path (colour carried), the truth."""
    photo_frames, film_frames = list(read_frames(photo_path_film)), list(read_frames(film_path_film))
    rows = [[gray(truth[index]) for index in frames], [photo_frames[index] for index in frames],
            [film_frames[index] for index in frames], [truth[index] for index in frames]]
    height = round(width * truth[0].shape[0] / truth[0].shape[1])
    sheet = Image.new("RGB", (width * len(frames), height * len(rows)), "white")
    for row, images in enumerate(rows):
        for column, image in enumerate(images):
            sheet.paste(Image.fromarray(image).resize((width, height), Image.BICUBIC), (column * width, row * height))
    sheet.save(path, quality=88)
    print(f"wrote {path}: frames {', '.join(map(str, frames))}; rows: gray, each frame alone, colour carried along the motion, truth")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="weights folder (default: the shipped model)")
    parser.add_argument("--clips", type=Path, default=SHARED_CLIPS, help="folder of clips, one folder of JPEG frames each")
    parser.add_argument("--long-film-seconds", type=float, default=600, help="length of the 720p film for the memory check (0: skip)")
    parser.add_argument("--as-predicted", action="store_true", help="the model's colour as it predicts it, without one colour per thing")
    parser.add_argument("--strip", type=Path, default=None, help="write a strip of frames (gray, photo path, film path, truth) here")
    parser.add_argument("--strip-clip", default="dog", help="the clip the strip shows (default: %(default)s)")
    args = parser.parse_args()
    if not args.clips.is_dir():
        raise SystemExit(f"{args.clips} not found: the clips come with ../shared/data (see its README)")
    colorizer = Colorizer.from_pretrained(args.model)
    if args.as_predicted:
        colorizer = colorizer.with_region_colour(None)
    print(f"{colorizer.source}; {describe('auto')}; {os.cpu_count()} CPU cores")
    work = Path(tempfile.mkdtemp(prefix="film-benchmark-"))
    clips = sorted(folder for folder in args.clips.iterdir() if folder.is_dir())
    write_gray_film(truth_frames(clips[0])[:8], work / "warm.mp4")
    colorize_clip(colorizer, work / "warm.mp4", work / "warm-out.mp4", steady=True)  # graph tracing, caches

    print("\n| clip | flicker, film | flicker, photo path | ratio | flicker, truth | CIEDE2000 film / photo | chroma film / photo (truth) | fps film / photo |")
    print("|---|---|---|---|---|---|---|---|")
    rows = []
    for clip in clips:
        truth = truth_frames(clip)
        source = write_gray_film(truth, work / f"{clip.name}.mp4")
        measured = {}
        for steady in (True, False):
            fps = colorize_clip(colorizer, source, work / f"{clip.name}-{steady}.mp4", steady)
            measured[steady] = {**film_measures(zip(read_frames(work / f"{clip.name}-{steady}.mp4"), truth)), "fps": fps}
        film, photo = measured[True], measured[False]
        rows.append(measured)
        if args.strip and clip.name == args.strip_clip:
            write_strip(args.strip, truth, work / f"{clip.name}-False.mp4", work / f"{clip.name}-True.mp4")
        print(
            f"| {clip.name} | {film['flicker']:.3f} | {photo['flicker']:.3f} | {film['flicker'] / photo['flicker']:.2f}x "
            f"| {film['truth_flicker']:.3f} | {film['ciede2000']:.2f} / {photo['ciede2000']:.2f} "
            f"| {film['chroma']:.2f} / {photo['chroma']:.2f} ({film['truth_chroma']:.2f}) | {film['fps']:.1f} / {photo['fps']:.1f} |"
        )
    mean = {steady: {key: statistics.mean(row[steady][key] for row in rows) for key in rows[0][steady]} for steady in (True, False)}
    film, photo = mean[True], mean[False]
    print(
        f"| **all** | {film['flicker']:.3f} | {photo['flicker']:.3f} | {film['flicker'] / photo['flicker']:.2f}x "
        f"| {film['truth_flicker']:.3f} | {film['ciede2000']:.2f} / {photo['ciede2000']:.2f} "
        f"| {film['chroma']:.2f} / {photo['chroma']:.2f} ({film['truth_chroma']:.2f}) | {film['fps']:.1f} / {photo['fps']:.1f} |"
    )
    print(
        f"\nfilm path against the photo path: flicker {film['flicker'] / photo['flicker']:.2f}x (target <= 0.5), "
        f"CIEDE2000 {film['ciede2000'] / photo['ciede2000']:.3f}x (<= 1.03), chroma {film['chroma'] / photo['chroma']:.3f}x (>= 0.95), "
        f"speed {film['fps'] / photo['fps']:.2f}x (>= 0.9) at 640x360"
    )

    hd = write_gray_film(truth_frames(clips[0], (1280, 720)), work / "hd.mp4")
    film_fps, photo_fps = colorize_clip(colorizer, hd, work / "hd-film.mp4", True), colorize_clip(colorizer, hd, work / "hd-photo.mp4", False)
    print(f"1280x720: {film_fps:.1f} frames/s film path, {photo_fps:.1f} photo path ({film_fps / photo_fps:.2f}x)")

    if args.long_film_seconds:
        repeats = max(1, round(args.long_film_seconds * FRAME_RATE / 30))
        long_film = write_gray_film(truth_frames(clips[0], (1280, 720)), work / "long.mp4", repeats=repeats)
        samples = []
        start = time.perf_counter()

        def sample(done, frames=repeats * 30):
            sample.count += done
            if not samples or sample.count >= frames * len(samples) / 4:
                samples.append((sample.count, resident_mb("self")))

        sample.count = 0
        colorizer.colorize_video(long_film, work / "long-out.mp4", progress=sample)
        print(
            f"{repeats * 30 / FRAME_RATE:.0f} s of 720p ({repeats * 30} frames) in {time.perf_counter() - start:.0f} s; resident memory (MB) "
            + ", ".join(f"{mb:.0f} at frame {count}" for count, mb in samples)
        )


if __name__ == "__main__":
    main()
