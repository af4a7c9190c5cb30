"""Every input a user may hand us: each Pillow mode, EXIF rotation, and bad files with clear messages."""

import io

import numpy as np
import pytest
from PIL import Image

from colorizer import ImageError, load_photo
from colorizer.colour.images import find_images
from colorizer.colour.lab import lightness


def png_bytes(image, **params):
    buffer = io.BytesIO()
    image.save(buffer, format=params.pop("format", "PNG"), **params)
    return buffer.getvalue()


GRAY = np.tile(np.arange(0, 250, 10, dtype=np.uint8), (6, 1))  # 6 x 25 ramp
RGB = np.dstack([GRAY, np.flipud(GRAY), np.fliplr(GRAY)])


@pytest.mark.parametrize(
    "mode, image, expected",
    [
        ("L", Image.fromarray(GRAY), lightness(GRAY)),
        ("LA", Image.fromarray(GRAY).convert("LA"), lightness(GRAY)),
        ("RGB", Image.fromarray(RGB), lightness(RGB)),
        ("RGBA", Image.fromarray(RGB).convert("RGBA"), lightness(RGB)),
        ("P", Image.fromarray(GRAY).convert("P"), lightness(GRAY)),
        ("1", Image.fromarray(GRAY > 128), lightness(np.where(GRAY > 128, 255, 0).astype(np.uint8))),
        ("CMYK", Image.fromarray(RGB).convert("CMYK"), lightness(np.asarray(Image.fromarray(RGB).convert("CMYK").convert("RGB")))),
    ],
)
def test_each_mode_gives_the_lightness_of_its_pixels(mode, image, expected):
    photo = load_photo(png_bytes(image) if mode != "CMYK" else png_bytes(image, format="JPEG", quality=100))
    assert photo.lightness.shape == (6, 25)
    tolerance = 2.0 if mode == "CMYK" else 1e-3  # JPEG round trip
    assert np.abs(photo.lightness - expected).max() <= tolerance


def test_sixteen_bit_gray_keeps_its_precision():
    values = np.array([[0, 1000, 30000, 65535]], dtype=np.uint16)
    image = Image.fromarray(values)  # mode I;16
    assert image.mode == "I;16"
    photo = load_photo(png_bytes(image))
    assert np.allclose(photo.lightness, lightness(values / 65535.0), atol=1e-3)
    assert photo.lightness[0, 1] != photo.lightness[0, 0]  # 1000/65535 is below one 8-bit level


def test_alpha_is_kept():
    rgba = np.dstack([RGB, np.linspace(0, 255, 25, dtype=np.uint8)[None, :].repeat(6, 0)])
    assert np.array_equal(load_photo(png_bytes(Image.fromarray(rgba))).alpha, rgba[..., 3])
    palette = Image.fromarray(GRAY).convert("P")
    palette.info["transparency"] = 0
    assert load_photo(png_bytes(palette, transparency=0)).alpha is not None
    assert load_photo(png_bytes(Image.fromarray(RGB))).alpha is None


def test_exif_orientation_is_applied():
    image = Image.fromarray(GRAY)  # 25 wide, 6 high
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    photo = load_photo(png_bytes(image, format="JPEG", exif=exif, quality=100))
    assert photo.lightness.shape == (25, 6)


def test_numpy_arrays_of_each_kind():
    assert load_photo(GRAY).lightness.shape == (6, 25)
    assert np.allclose(load_photo(RGB / 255.0).lightness, lightness(RGB), atol=1e-3)
    assert np.allclose(load_photo(GRAY.astype(np.uint16) * 257).lightness, lightness(GRAY), atol=1e-3)
    rgba = np.dstack([RGB, np.full(GRAY.shape, 7, np.uint8)])
    assert (load_photo(rgba).alpha == 7).all()
    with pytest.raises(ImageError, match="HxW"):
        load_photo(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ImageError, match="NaN"):
        load_photo(np.full((4, 4), np.nan))
    with pytest.raises(ImageError, match="int64"):
        load_photo(np.zeros((4, 4), np.int64))


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is a text file, not a photo")
    with pytest.raises(ImageError, match="notes.jpg: not an image"):
        load_photo(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageError, match=r"empty.png: the file is empty \(0 bytes\)"):
        load_photo(path)
    with pytest.raises(ImageError, match="empty"):
        load_photo(b"")


def test_truncated_file(tmp_path):
    data = png_bytes(Image.fromarray(RGB).resize((200, 200)), format="JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="cut.jpg: the image is damaged or truncated"):
        load_photo(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_photo(tmp_path / "nowhere.png")
    with pytest.raises(ImageError, match="is a folder"):
        load_photo(tmp_path)


def test_too_many_pixels_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    Image.new("1", (10000, 6000)).save(path)  # 60 MP, a few KB on disk
    with pytest.raises(ImageError, match=r"huge.png: 10000x6000 is 60.0 megapixels, more than the limit of 50 MP"):
        load_photo(path)
    with pytest.raises(ImageError, match="more than the limit"):
        load_photo(GRAY, max_pixels=100)


def test_find_images_walks_folders_and_reports_missing(tmp_path):
    (tmp_path / "album" / "inner").mkdir(parents=True)
    for name in ("album/a.jpg", "album/inner/b.PNG", "album/readme.txt"):
        (tmp_path / name).write_bytes(b"x")
    found, missing = find_images([tmp_path / "album", tmp_path / "gone.jpg"])
    assert [str(relative) for _, relative in found] == ["a.jpg", "inner/b.PNG"]
    assert missing == [tmp_path / "gone.jpg"]
