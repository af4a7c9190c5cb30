"""Hostile and damaged image files: whatever the bytes, the caller gets an ImageError or a photo, nothing else."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from colorizer import ImageError, load_photo
from colorizer.colour.images import MAX_ASPECT_RATIO, MAX_SIDE
from colorizer.train import dataset

from conftest import colour_photo, gradient_image, write


def encoded(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def png_header_only(width, height):
    """A PNG that claims width x height: signature and IHDR, then an empty image stream."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height, reason", [
    (5_000_000, 1, "side longer than the limit"),
    (MAX_SIDE + 1, 400, "side longer than the limit"),
    (MAX_ASPECT_RATIO * 100 + 1, 100, "times as long as it is wide"),
    (50_000, 50_000, "the limit of 50 MP"),
])
def test_extreme_shapes_are_refused_before_decoding(width, height, reason):
    with pytest.raises(ImageError, match=reason):
        load_photo(png_header_only(width, height))


def test_a_wide_panorama_within_the_limits_is_colorized(tiny_colorizer):
    panorama = np.tile(gradient_image(1000, 300), (1, 20))  # 20000 x 300
    assert tiny_colorizer.colorize(panorama).size == (20000, 300)


def sample_files():
    """One small file of each format people have, and of two formats we do not read."""
    rgb = Image.fromarray(colour_photo(1, size=40))
    files = {
        "jpg": encoded(rgb, "JPEG", quality=80), "png": encoded(rgb, "PNG"), "webp": encoded(rgb, "WEBP"),
        "tif": encoded(rgb, "TIFF"), "bmp": encoded(rgb, "BMP"), "gif": encoded(rgb.convert("P"), "GIF"),
        "gray16.png": encoded(Image.fromarray(gradient_image(40, 30).astype(np.uint16) * 257), "PNG"),
        "qoi": encoded(rgb, "QOI"), "dds": encoded(rgb, "DDS"),
    }
    return files


def mutations(content, rng, count):
    """Truncations, flipped bytes and overwritten runs, the damage files really suffer."""
    for _ in range(count):
        damaged = bytearray(content)
        kind = rng.integers(3)
        if kind == 0:
            damaged = damaged[: rng.integers(1, len(damaged))]
        elif kind == 1:
            for position in rng.integers(0, len(damaged), rng.integers(1, 8)):
                damaged[position] ^= 1 << int(rng.integers(8))
        else:
            start = int(rng.integers(0, len(damaged)))
            damaged[start : start + 16] = rng.integers(0, 256, min(16, len(damaged) - start), dtype=np.uint8).tobytes()
        yield bytes(damaged)


def test_fuzzed_files_give_an_image_error_or_a_photo_and_nothing_else():
    rng = np.random.default_rng(12)
    outcomes = {"photo": 0, "refused": 0}
    for content in sample_files().values():
        for damaged in mutations(content, rng, 40):
            try:
                photo = load_photo(damaged)
            except ImageError:
                outcomes["refused"] += 1
            else:
                assert np.isfinite(photo.lightness).all()
                outcomes["photo"] += 1
    assert outcomes["refused"] > 50 and outcomes["photo"] > 50  # both really happened


@pytest.mark.parametrize("kind", ["qoi", "dds"])
def test_formats_we_do_not_read_are_refused_whatever_their_name(kind, tmp_path):
    path = tmp_path / "holiday.png"
    path.write_bytes(sample_files()[kind])
    with pytest.raises(ImageError, match="not one of the formats read here"):
        load_photo(path)


def test_a_float_tiff_with_nan_pixels_is_refused():
    pixels = np.linspace(0, 1, 400, dtype=np.float32).reshape(20, 20)
    pixels[3, 4] = np.nan
    with pytest.raises(ImageError, match="not numbers"):
        load_photo(encoded(Image.fromarray(pixels, mode="F"), "TIFF"))


def test_training_scan_lists_hostile_files_and_goes_on(tmp_path):
    for index in range(6):
        write(tmp_path / f"ok{index}.png", colour_photo(index))
    (tmp_path / "bomb.png").write_bytes(png_header_only(50_000, 50_000))
    (tmp_path / "strip.png").write_bytes(png_header_only(5_000_000, 1))
    (tmp_path / "odd.jpg").write_bytes(sample_files()["dds"])
    scan = dataset.scan_dataset(tmp_path, validation_percent=20)
    assert sorted(path.name for path, _ in scan.unreadable) == ["bomb.png", "odd.jpg", "strip.png"]
    assert len(scan.train) + len(scan.validation) == 6
