"""Results keep what the photo carried: EXIF, dpi, an RGB colour profile, 16 bits; JPEG output on request."""

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from colorizer import load_photo, save_image
from colorizer.cli.colorize import main
from colorizer.colour.lab import rgb_to_lab

from conftest import SHOWN_AB, gradient_image

DATE_TAKEN = "1962:07:14 10:30:00"
EXIF_DATE_TIME_ORIGINAL, EXIF_IFD, EXIF_DESCRIPTION, EXIF_ORIENTATION = 0x9003, 0x8769, 0x010E, 0x0112


def scan_exif(orientation=None):
    exif = Image.Exif()
    exif[EXIF_DESCRIPTION] = "Grandma at the lake"
    exif.get_ifd(EXIF_IFD)[EXIF_DATE_TIME_ORIGINAL] = DATE_TAKEN
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    return exif


def jpeg_scan(path, width=48, height=32, orientation=None):
    """A 600-dpi gray JPEG scan with an EXIF date and description."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(gradient_image(width, height)).save(path, dpi=(600, 600), exif=scan_exif(orientation), quality=95)
    return path


def colorize(tiny_weights, *arguments):
    return main([*map(str, arguments), "--model", str(tiny_weights)])


def test_a_600_dpi_scan_keeps_its_dpi_and_exif_date(tiny_weights, tmp_path):
    jpeg_scan(tmp_path / "in" / "scan.jpg")
    assert colorize(tiny_weights, tmp_path / "in", "-o", tmp_path / "out") == 0
    with Image.open(tmp_path / "out" / "scan.png") as result:
        assert result.format == "PNG" and result.mode == "RGB"
        assert result.info["dpi"] == pytest.approx((600, 600), abs=0.1)
        exif = result.getexif()
        assert exif[EXIF_DESCRIPTION] == "Grandma at the lake"
        assert exif.get_ifd(EXIF_IFD)[EXIF_DATE_TIME_ORIGINAL] == DATE_TAKEN


def test_a_rotated_photo_is_turned_once_and_its_orientation_tag_goes(tiny_weights, tmp_path):
    """The pixels are turned upright on reading, so the tag must not turn them again in a viewer."""
    jpeg_scan(tmp_path / "in" / "turned.jpg", 48, 32, orientation=6)  # 6: rotate 90 degrees to view
    assert colorize(tiny_weights, tmp_path / "in", "-o", tmp_path / "out") == 0
    with Image.open(tmp_path / "out" / "turned.png") as result:
        assert result.size == (32, 48)
        assert result.getexif().get(EXIF_ORIENTATION, 1) == 1
        assert result.getexif().get_ifd(EXIF_IFD)[EXIF_DATE_TIME_ORIGINAL] == DATE_TAKEN


def test_a_16_bit_png_comes_back_16_bit_and_keeps_its_fine_steps(tiny_weights, tmp_path):
    ramp = np.tile(np.linspace(30000, 30400, 200).astype(np.uint16), (20, 1))  # 400 levels: under two 8-bit steps
    (tmp_path / "in").mkdir()
    Image.fromarray(ramp).save(tmp_path / "in" / "deep.png")
    assert colorize(tiny_weights, tmp_path / "in", "-o", tmp_path / "out") == 0
    import imagecodecs

    result = imagecodecs.png_decode((tmp_path / "out" / "deep.png").read_bytes())
    assert result.dtype == np.uint16 and result.shape == (20, 200, 3)
    assert len(np.unique(result[0, :, 1])) > 100  # an 8-bit result would have about 2 levels here
    lab = rgb_to_lab((result / 65535.0).astype(np.float32))
    assert np.allclose(lab[..., 1:].mean(axis=(0, 1)), SHOWN_AB, atol=1.5)


def test_an_rgb_colour_profile_is_kept_and_a_gray_one_dropped(tiny_colorizer, tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    gray_profile = bytearray(srgb)
    gray_profile[16:20] = b"GRAY"
    for name, profile, kept in [("rgb", srgb, True), ("gray", bytes(gray_profile), False)]:
        source = io.BytesIO()
        Image.fromarray(gradient_image(30, 20)).convert("RGB").save(source, "PNG", icc_profile=profile)
        target = tiny_colorizer.colorize_to_file(source.getvalue(), tmp_path / f"{name}.png")
        with Image.open(target) as result:
            assert (result.info.get("icc_profile") == srgb) is kept, name
            assert ("icc_profile" in result.info) is kept, name


def test_jpeg_output_is_small_keeps_the_metadata_and_honours_quality(tiny_weights, tmp_path):
    jpeg_scan(tmp_path / "in" / "scan.jpg", 160, 120)
    assert colorize(tiny_weights, tmp_path / "in", "-o", tmp_path / "low", "--format", "jpg", "--quality", "30") == 0
    assert colorize(tiny_weights, tmp_path / "in", "-o", tmp_path / "high", "--format", "jpg", "--quality", "95") == 0
    assert colorize(tiny_weights, tmp_path / "in", "-o", tmp_path / "png") == 0
    low, high = tmp_path / "low" / "scan.jpg", tmp_path / "high" / "scan.jpg"
    assert low.stat().st_size < high.stat().st_size < (tmp_path / "png" / "scan.png").stat().st_size
    with Image.open(high) as result:
        assert result.format == "JPEG" and result.info["dpi"] == (600, 600)
        assert result.getexif().get_ifd(EXIF_IFD)[EXIF_DATE_TIME_ORIGINAL] == DATE_TAKEN
        lab = rgb_to_lab(np.asarray(result))
    mid = (lab[..., 0] > 30) & (lab[..., 0] < 80)  # where this orange fits in sRGB at full chroma
    assert np.allclose(lab[..., 1:][mid].mean(axis=0), SHOWN_AB, atol=2.5)


def test_a_transparent_photo_as_jpeg_lies_on_white(tiny_colorizer, tmp_path):
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[..., :3] = 90
    rgba[:, 15:, 3] = 255  # the left half transparent
    target = tiny_colorizer.colorize_to_file(rgba, tmp_path / "clear.jpg", format="jpg")
    with Image.open(target) as result:
        pixels = np.asarray(result)
    assert pixels.shape == (20, 30, 3)
    assert pixels[:, :12].min() > 245 and pixels[:, 18:].max() < 200


def test_bad_output_options_get_a_clear_error(tiny_weights, tmp_path, capsys):
    jpeg_scan(tmp_path / "scan.jpg")
    assert colorize(tiny_weights, tmp_path / "scan.jpg", "-o", tmp_path / "out", "--quality", "0") == 2
    assert "--quality must lie between 1 and 95" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        colorize(tiny_weights, tmp_path / "scan.jpg", "-o", tmp_path / "out", "--format", "gif")
    with pytest.raises(ValueError, match="output format must be one of png, jpg"):
        save_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "x.gif", format="gif")


def test_the_library_result_carries_the_metadata_in_info(tiny_colorizer, tmp_path):
    result = tiny_colorizer.colorize(jpeg_scan(tmp_path / "scan.jpg"))
    assert result.info["dpi"] == (600, 600)
    exif = Image.Exif()
    exif.load(result.info["exif"])
    assert exif.get_ifd(EXIF_IFD)[EXIF_DATE_TIME_ORIGINAL] == DATE_TAKEN
    assert load_photo(tmp_path / "scan.jpg").metadata.bits == 8
