"""Safe image loading: any photo Pillow reads becomes its L* channel (plus alpha, if any).

Everything a user can hand us goes through `load_photo`: a path, bytes, a file object,
a PIL image or a numpy array. Whatever goes wrong, the caller gets one `ImageError` whose
message names the problem in words a user understands.
"""

import io
import os
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from . import lab

MAX_PIXELS = 50_000_000  # 50 MP: above this a photo is refused before it is decoded
MAX_SIDE = 30_000  # pixels on either side: wide panoramas fit, a 5,000,000 x 1 strip does not
MAX_ASPECT_RATIO = 100  # long side / short side
# The formats Pillow may decode, whatever a file's name says, and the file names we look for.
IMAGE_FORMATS = {
    "JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",), "TIFF": (".tif", ".tiff"),
    "BMP": (".bmp",), "GIF": (".gif",),
}
IMAGE_SUFFIXES = tuple(suffix for suffixes in IMAGE_FORMATS.values() for suffix in suffixes)
ORIENTATION_TAG = 0x0112  # EXIF's orientation: 5 to 8 turn the picture a quarter
_HIGH_DEPTH_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # more than 8 bits a pixel: written back as 16


class ImageError(ValueError):
    """A photo that cannot be colorized; the message says why."""


@dataclass(frozen=True)
class Metadata:
    """What a photo carries besides its pixels, written back with its colour version.

    `exif` is the EXIF block (orientation already applied and removed), `dpi` the resolution
    setting, `icc_profile` an RGB colour profile (a gray one cannot describe a colour result and
    is dropped), `bits` 16 for photos with more than 8 bits per pixel, else 8.
    """

    exif: bytes | None = None
    dpi: tuple[float, float] | None = None
    icc_profile: bytes | None = None
    bits: int = 8


@dataclass
class Photo:
    """What the colorizer needs of a photo: its L* at full resolution, its alpha if it has one, its metadata."""

    lightness: np.ndarray  # HxW float32, 0..100
    alpha: np.ndarray | None = None  # HxW uint8, or None
    metadata: Metadata = field(default_factory=Metadata)

    @property
    def size(self):
        """(width, height), as PIL reports it."""
        return self.lightness.shape[1], self.lightness.shape[0]


def open_image(source, max_pixels=MAX_PIXELS):
    """Decode `source` (path, bytes, file object or PIL image) into a loaded PIL image, EXIF rotation applied.

    The one place where photos are read: the colorizer, training and evaluation all come
    through here. Every way a file can fail becomes an `ImageError` naming the file.
    """
    if isinstance(source, Image.Image):
        _check_size(source.size, max_pixels, "the image")
        _check_pixel_values(source, "the image")
        return ImageOps.exif_transpose(source)
    name = _describe(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise ImageError(f"{name}: no such file")
        if path.is_dir():
            raise ImageError(f"{name}: is a folder, not an image")
        if path.stat().st_size == 0:
            raise ImageError(f"{name}: the file is empty (0 bytes)")
    elif isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise ImageError("the image is empty (0 bytes)")
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, above its own bomb limit; we check the size ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source, formats=tuple(IMAGE_FORMATS)) as image:
                _check_size(image.size, max_pixels, name)
                image.load()
                _check_pixel_values(image, name)
                return ImageOps.exif_transpose(image)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image, or not one of the formats read here ({', '.join(IMAGE_FORMATS)})") from None
    except Image.DecompressionBombError:  # Pillow's own limit is far above ours
        raise ImageError(f"{name}: more megapixels than the limit of {max_pixels / 1e6:.0f} MP; downscale it first") from None
    except MemoryError:
        raise ImageError(f"{name}: not enough memory to decode it") from None
    except Exception as error:  # noqa: BLE001 (a damaged file can make any decoder raise anything)
        raise ImageError(f"{name}: the image is damaged or truncated ({type(error).__name__}: {error})") from None


def image_size(source):
    """(width, height) of an image (path, bytes or file object) as `open_image` would give it, read from its
    header without decoding the pixels; a file object is left where it was. ImageError if it is not an image."""
    name = _describe(source)
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) else source
    start = stream.tell() if hasattr(stream, "tell") else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream, formats=tuple(IMAGE_FORMATS)) as image:
                width, height = image.size
                turned = _orientation(image) in (5, 6, 7, 8)  # exif_transpose swaps the sides
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, struct.error) as error:
        if isinstance(error, (FileNotFoundError, IsADirectoryError)):
            raise ImageError(f"{name}: no such file") from None
        raise ImageError(f"{name}: not an image, or not one of the formats read here ({', '.join(IMAGE_FORMATS)})") from None
    finally:
        if start is not None:
            stream.seek(start)
    return (height, width) if turned else (width, height)


def _orientation(image):
    """The EXIF orientation of an opened, undecoded image (Pillow's getexif() decodes a PNG's pixels to find
    an eXIf chunk after them: for a PNG, only one before the pixels counts here)."""
    if image.format != "PNG":
        return image.getexif().get(ORIENTATION_TAG)
    exif = Image.Exif()
    if "exif" in image.info:
        exif.load(image.info["exif"])
    return exif.get(ORIENTATION_TAG)


def load_photo(source, max_pixels=MAX_PIXELS):
    """Read `source` (path, bytes, file object, PIL image or numpy array) into a `Photo`."""
    if isinstance(source, Photo):
        return source
    if isinstance(source, np.ndarray):
        return _photo_from_array(source, max_pixels)
    return _photo_from_pil(open_image(source, max_pixels))


def read_rgb(source, max_pixels=MAX_PIXELS):
    """A colour photo as sRGB uint8 (HxWx3): the truth that training and evaluation compare against."""
    return np.asarray(open_image(source, max_pixels).convert("RGB"))


def _describe(source):
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return getattr(source, "name", None) or "the image"


def checked_image_size(source, max_pixels=MAX_PIXELS):
    """`image_size`, refused as `open_image` would refuse it (too many pixels, a side too long): an ImageError naming the
    file, from its header alone."""
    size = image_size(source)
    _check_size(size, max_pixels, _describe(source))
    return size


def _check_size(size, max_pixels, name):
    """Refuse, before decoding, what would not fit: too many pixels, a side too long, too thin a strip."""
    width, height = size
    if width < 1 or height < 1:
        raise ImageError(f"{name}: the image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise ImageError(
            f"{name}: {width}x{height} is {width * height / 1e6:.1f} megapixels, "
            f"more than the limit of {max_pixels / 1e6:.0f} MP; downscale it first"
        )
    if max(width, height) > MAX_SIDE:
        raise ImageError(f"{name}: {width}x{height} has a side longer than the limit of {MAX_SIDE:,} pixels")
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ImageError(f"{name}: {width}x{height} is more than {MAX_ASPECT_RATIO} times as long as it is wide")


def _check_pixel_values(image, name):
    """Floating-point images (TIFF) can hold NaN or infinity, which have no colour."""
    if image.mode == "F" and not np.isfinite(np.asarray(image)).all():
        raise ImageError(f"{name}: the image has pixels that are not numbers (NaN or infinity)")


def _photo_from_pil(image):
    """L* (and alpha) of a decoded image, whatever its mode."""
    alpha = None
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = np.asarray(image.getchannel("A"), dtype=np.uint8)
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        pixels = np.asarray(image, dtype=np.float32) / 65535.0  # 16-bit gray keeps its precision
    elif image.mode == "F":
        pixels = np.asarray(image, dtype=np.float32)
        pixels = pixels / 255.0 if pixels.max(initial=0.0) > 1.0 else pixels
    elif image.mode in ("1", "L", "LA", "La"):
        pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    else:  # RGB, RGBA, P, CMYK, YCbCr, LAB, HSV, ...: Pillow's own conversion to sRGB
        pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return Photo(lab.lightness(pixels), alpha, metadata_of(image))


def metadata_of(image):
    """The `Metadata` of a decoded PIL image."""
    exif = image.info.get("exif")
    dpi = image.info.get("dpi")
    icc_profile = image.info.get("icc_profile")
    if icc_profile and icc_profile[16:20] != b"RGB ":  # the profile header's colour space
        icc_profile = None
    return Metadata(
        exif=bytes(exif) if exif else None,
        dpi=tuple(float(value) for value in dpi) if dpi and all(0 < value < float("inf") for value in dpi) else None,
        icc_profile=bytes(icc_profile) if icc_profile else None,
        bits=16 if image.mode in _HIGH_DEPTH_MODES else 8,
    )


def _photo_from_array(array, max_pixels):
    """numpy input: HxW, HxWx1, HxWx3 or HxWx4; uint8, uint16, or float in [0, 1]."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageError(f"an image array must be HxW, HxWx3 or HxWx4, not {array.shape}")
    _check_size((array.shape[1], array.shape[0]), max_pixels, "the image")
    alpha = None
    if array.ndim == 3 and array.shape[2] == 4:
        array, alpha = array[:, :, :3], array[:, :, 3]
    if array.dtype == np.uint8:
        pixels = array
    elif array.dtype == np.uint16:
        pixels = array.astype(np.float32) / 65535.0
    elif np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)):
            raise ImageError("the image array contains NaN or infinite values")
        pixels = array.astype(np.float32)
    else:
        raise ImageError(f"image arrays of type {array.dtype} are not supported (use uint8, uint16 or float)")
    if alpha is not None:
        alpha = _to_byte(alpha)
    return Photo(lab.lightness(pixels), alpha, Metadata(bits=8 if array.dtype == np.uint8 else 16))


def _to_byte(channel):
    if channel.dtype == np.uint8:
        return channel
    if channel.dtype == np.uint16:
        return (channel // 257).astype(np.uint8)
    return np.round(np.clip(channel, 0.0, 1.0) * 255.0).astype(np.uint8)


def find_image_files(folder, recursive=True, suffixes=IMAGE_SUFFIXES):
    """The image files (or other files with one of `suffixes`) in `folder` and its sub-folders, in a stable order."""
    candidates = Path(folder).rglob("*") if recursive else Path(folder).iterdir()
    return sorted(path for path in candidates if path.suffix.lower() in suffixes and path.is_file())


def find_images(paths, exclude=(), suffixes=IMAGE_SUFFIXES):
    """Expand files and folders (recursively) into image files (or files with one of `suffixes`), in a stable order.

    A folder in `exclude` that lies inside a given folder (an output folder inside the input
    folder) is not searched. Returns (list of (file, path relative to the folder it was found
    in), list of missing paths).
    """
    found, missing = [], []
    for given in map(Path, paths):
        if given.is_dir():
            inside = [folder.resolve() for folder in map(Path, exclude) if folder.resolve().is_relative_to(given.resolve())]
            skipped = [folder for folder in inside if folder != given.resolve()]
            found.extend(
                (file, file.relative_to(given)) for file in find_image_files(given, suffixes=suffixes)
                if not any(file.resolve().is_relative_to(folder) for folder in skipped)
            )
        elif given.exists():
            found.append((given, Path(given.name)))
        else:
            missing.append(given)
    return found, missing
