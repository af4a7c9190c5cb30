"""Speed and memory of colorizing one photo on this machine (a benchmark, not a test).

    python scripts/benchmark.py [--model FOLDER] [--repeats 15] [--precisions float32 auto]   (with the package installed)

Prints, for each precision, for a 1024x768 JPEG: the median end-to-end time (decode, model, upsample,
Lab to RGB, PNG encode), the encoder-only time measured in the same run, a batch of 8 such photos
(decode, model, Lab to RGB: no files),
each stage's share (finding the regions of one colour per thing at predict time, evening the colour in them
at render time), the time with ten painted strokes of colour hints (the photo's own colours), and
the time to render a prediction again with them (no model); the
time and extra memory that colorizing a 24 MP photo takes; then bfloat16's speed-up over float32.
"""

import argparse
import io
import platform
import statistics
import time
from pathlib import Path

import imagecodecs
import numpy as np
from PIL import Image
from skimage import data

from colorizer import Colorizer, ModelConfig, WeightsError, load_photo
from colorizer.app.loadtest import PeakMemory
from colorizer.colour.regions import PhotoRegions, even_colour, find_regions
from colorizer.config import PRECISIONS
from colorizer.model.decoders import HINTS_INPUT, hint_shape
from colorizer.model.precision import choose_precision, describe

BATCH = 8  # photos in the batch measurement


def median_ms(repeats, *functions):
    """Median milliseconds of each function, run in turn within every repeat so that all of
    them see the same machine state (timings here drift by 10-15% from minute to minute)."""
    for function in functions:
        function()  # warm-up: graph tracing, caches
    times = [[] for _ in functions]
    for _ in range(repeats):
        for function, samples in zip(functions, times):
            start = time.perf_counter()
            function()
            samples.append(time.perf_counter() - start)
    return [1000 * statistics.median(samples) for samples in times]


def test_photo_jpeg(width, height):
    """A real photo (scikit-image's public-domain 'coffee'), resized and JPEG-encoded."""
    buffer = io.BytesIO()
    Image.fromarray(data.coffee()).resize((width, height), Image.BICUBIC).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def ten_strokes(photo_rgb):
    """Ten short strokes, 9 pixels wide, at random places, each in the colour the photo truly has there
    (as a user who knows the colours paints them): an RGBA image the size of the photo."""
    rng = np.random.default_rng(0)
    height, width = photo_rgb.shape[:2]
    strokes = np.zeros((height, width, 4), np.uint8)
    for _ in range(10):
        x, y = rng.integers(0, width - 60), rng.integers(0, height - 9)
        colour = photo_rgb[y : y + 9, x : x + 60].reshape(-1, 3).mean(axis=0)
        strokes[y : y + 9, x : x + 60] = (*np.round(colour).astype(np.uint8), 255)
    return strokes


def page_stroke_ms(colorizer, jpeg, photo_rgb, out_dir, repeats):
    """What the app's server spends on one stroke once the photo is coloured and painting has started: the paint
    box's ten strokes (`ten_strokes`' places, sent as points) drawn, the kept prediction rendered at the size of the
    view, the JPEG written (`ColorizeHandler.paint`); and then the full-resolution download (`ColorizeHandler.download`)."""
    from colorizer.app.paint_box import preview_size
    from colorizer.app.photo_handler import ColorizeHandler

    out_dir.mkdir(parents=True, exist_ok=True)
    photo = out_dir / "page-photo.jpg"
    photo.write_bytes(jpeg)
    handler = ColorizeHandler(colorizer, allowed_folders=[out_dir.resolve()])
    handler(str(photo))
    painting, _ = handler.start_painting(str(photo))
    height, width = photo_rgb.shape[:2]
    size = preview_size((width, height))
    scale = size[0] / width
    strokes, rng = [], np.random.default_rng(0)
    for _ in range(10):
        x, y = rng.integers(0, width - 60), rng.integers(0, height - 9)
        colour = photo_rgb[y : y + 9, x : x + 60].reshape(-1, 3).mean(axis=0).round().astype(np.uint8)
        points = [round(x * scale), round((y + 4) * scale), round((x + 60) * scale), round((y + 4) * scale)]
        strokes.append({"colour": "#" + bytes(colour).hex(), "radius": 4.5 * scale, "points": points})
    value = {"width": size[0], "height": size[1], "strokes": strokes}
    return median_ms(repeats, lambda: handler.paint(painting, 1.0, "png", value), lambda: handler.download(painting, 1.0, "png", value))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="weights folder or Hub id (default: the shipped model)")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs of each stage (default: %(default)s)")
    parser.add_argument(
        "--precisions", nargs="+", choices=PRECISIONS, default=["float32", "auto"],
        help="measure each of these precisions in turn (default: %(default)s)",
    )
    parser.add_argument("--skip-24mp", action="store_true", help="skip the 24 MP memory check")
    args = parser.parse_args()
    print(f"processor: {processor_name()}")
    summary = {}
    for precision in args.precisions:
        print(f"\n=== {describe(precision)}")
        summary[choose_precision(precision)] = measure(args, precision)
    if len(summary) == 2:
        exact, fast = summary["float32"], summary["bfloat16"]
        print("\nbfloat16 against float32: " + ", ".join(
            f"{name} x{exact[name] / fast[name]:.2f} faster" for name in exact if not name.endswith("MB")
        ) + (f"; 24 MP peak memory {fast['24 MP MB']:.0f} MB against {exact['24 MP MB']:.0f} MB" if "24 MP MB" in exact else ""))


def processor_name():
    """The processor's model name (from /proc/cpuinfo), for the figures' context."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(args, precision):
    """Print one precision's figures; return the headline numbers {name: ms or MB}."""
    try:
        colorizer = Colorizer.from_pretrained(args.model, precision=precision)
        print(f"model: {colorizer.source} ({colorizer.config.decoder} decoder, {colorizer.config.head} head)")
    except WeightsError as error:
        print(f"no trained model ({error}); timing an untrained one of the default architecture")
        colorizer = Colorizer.untrained(ModelConfig(), precision=precision)
    size = colorizer.input_size
    encoder, decoder, processor = colorizer.encoder, colorizer.computing_decoder, colorizer.processor

    jpeg = test_photo_jpeg(1024, 768)
    photo = load_photo(jpeg)
    model_input = processor.preprocess(photo)[None]
    ab = colorizer.predict_ab(model_input)[0]
    features = encoder.predict_on_batch(model_input)
    if colorizer.trained_with_hints:
        features = {**features, HINTS_INPUT: np.zeros((1, *hint_shape(colorizer.config)), np.float32)}
    result = processor.postprocess(photo, ab)
    regions = find_regions(photo.lightness)
    out_dir = Path("/tmp/colorizer-benchmark")

    def end_to_end():
        colorizer.colorize_to_file(jpeg, out_dir / "out.png")

    album = [test_photo_jpeg(1024, 768)] * BATCH

    def batch():
        colorizer.colorize_batch(album, batch_size=BATCH)

    stages = {
        "decode JPEG + L*": lambda: load_photo(jpeg),
        f"resize L to {size}": lambda: processor.preprocess(photo),
        "encoder (VGG16)": lambda: encoder.predict_on_batch(model_input),
        "decoder": lambda: decoder.predict_on_batch(features),
        "whole model": lambda: colorizer.predict_ab(model_input),
        "regions (predict)": lambda: find_regions(photo.lightness),
        "one colour per thing": lambda: even_colour(ab, regions),
        "things (first stroke)": lambda: PhotoRegions(regions.labels, regions.lightness).things,
        "upsample ab + Lab->RGB": lambda: processor.postprocess(photo, ab),
        "PNG encode": lambda: imagecodecs.png_encode(result, level=1, filter=imagecodecs.PNG.FILTER.PAETH),
    }
    total, encoder_only = median_ms(args.repeats, end_to_end, stages["encoder (VGG16)"])
    [batch_total] = median_ms(max(3, args.repeats // 4), batch)
    strokes = ten_strokes(np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")))
    automatic, hinted = median_ms(args.repeats, end_to_end, lambda: colorizer.colorize_to_file(jpeg, out_dir / "hinted.png", hints=strokes))
    prediction = colorizer.predict(jpeg)
    rendered, rendered_to_file = median_ms(
        args.repeats, lambda: colorizer.render_pixels(prediction, hints=strokes),
        lambda: colorizer.render_to_file(prediction, out_dir / "rendered.png", hints=strokes),
    )
    stroke_on_the_page, download_on_the_page = page_stroke_ms(
        colorizer, jpeg, np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")), out_dir, args.repeats
    )
    timings = dict(zip(stages, median_ms(args.repeats, *stages.values())))
    print(f"\n1024x768 photo, model input {size}x{size}, median of {args.repeats} runs:")
    print(f"  end to end (decode, model, upsample, Lab->RGB, PNG): {total:7.1f} ms")
    print(f"  encoder only (same run):                             {encoder_only:7.1f} ms")
    print(f"  ratio end-to-end / encoder: {total / encoder_only:.2f}  (target <= 1.5; end to end target <= 500 ms)")
    print(f"  a batch of {BATCH} (colorize_batch, no files):  {batch_total / BATCH:7.1f} ms a photo")
    print(f"  with ten strokes of its own colours: {hinted:7.1f} ms against {automatic:7.1f} ms without "
          f"(x{hinted / automatic:.2f}; target <= 1.10)")
    print(f"  render again with ten strokes (predict once, render many): {rendered:7.1f} ms, {rendered_to_file:7.1f} ms with the PNG "
          f"({rendered / automatic:.2f} / {rendered_to_file / automatic:.2f} of a full colorize; target <= 100 ms and <= 0.3)")
    print(f"  the page's server time for a stroke (ColorizeHandler.paint: strokes drawn, rendered at the view's size, JPEG "
          f"written): {stroke_on_the_page:7.1f} ms; then its full-resolution download: {download_on_the_page:7.1f} ms")
    print("  stages:")
    for name, milliseconds in timings.items():
        print(f"    {name:<24} {milliseconds:7.1f} ms")
    headline = {"1024x768 end to end": total, "encoder": encoder_only, f"batch of {BATCH}": batch_total, "render": rendered}

    if not args.skip_24mp:
        big = test_photo_jpeg(6000, 4000)
        colorizer.colorize(test_photo_jpeg(64, 48))  # everything warmed up before measuring
        start = time.perf_counter()
        with PeakMemory() as memory:
            colorizer.colorize_to_file(big, out_dir / "big.png")
        extra = memory.extra_mb
        seconds = time.perf_counter() - start
        print(f"\n24 MP photo (6000x4000): {seconds:.1f} s, peak extra memory {extra:.0f} MB (target <= 2048 MB)")
        headline.update({"24 MP": seconds * 1000, "24 MP MB": extra})
    return headline


if __name__ == "__main__":
    main()
