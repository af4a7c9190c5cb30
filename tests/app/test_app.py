"""The Gradio app: the /colorize endpoint through gradio_client, the model fallback, a real browser, load."""

import base64
import io
import itertools
import socket
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colorizer.app import loadtest as load_benchmark  # the load test runs the benchmark's own code
from colorizer.app.paint_box import PALETTE
from colorizer.colour.lab import rgb_to_lab
from colorizer.colour.measures import mean_chroma as mean_chroma_of_rgb
from colorizer.hints.strokes import parse_colour
from colorizer.model import hub

from conftest import SHOWN_AB, gradient_image, write

ROOT = Path(__file__).resolve().parents[2]
gradio = pytest.importorskip("gradio")
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from colorizer.app import page as app_page
from colorizer.app.photo_handler import MAX_BATCH, ColorizeHandler

CHROMIUM = Path("/usr/bin/chromium")


def mean_chroma(image):
    return mean_chroma_of_rgb(np.asarray(image.convert("RGB")))


def test_model_spec_takes_a_revision_after_at():
    assert hub.parse_model_spec("user/colorizer@v1.2") == ("user/colorizer", "v1.2")
    assert hub.parse_model_spec("user/colorizer") == ("user/colorizer", None)
    assert hub.parse_model_spec("weights") == ("weights", None)


def test_colorize_endpoint_returns_gray_colour_and_full_resolution_png(served_demo, tmp_path):
    photo = write(tmp_path / "old photo.jpg", gradient_image(203, 117))
    client = Client(served_demo, verbose=False, download_files=str(tmp_path))
    (gray_path, colour_path), download_path = client.predict(handle_file(str(photo)), api_name="/colorize")

    with Image.open(colour_path) as colour, Image.open(gray_path) as gray, Image.open(download_path) as download:
        assert colour.format == download.format == "PNG"
        assert colour.size == gray.size == download.size == (203, 117)
        assert mean_chroma(colour) > 10  # the tiny model paints orange everywhere
        assert mean_chroma(gray) < 1
    assert Path(download_path).name == "old photo-colour.png"


def test_the_api_takes_a_colour_strength(served_demo, tmp_path):
    photo = write(tmp_path / "photo.png", gradient_image(120, 80))
    client = Client(served_demo, verbose=False, download_files=str(tmp_path))
    chroma = {}
    for strength in (0.5, 2.0):
        _, download_path = client.predict(handle_file(str(photo)), strength, api_name="/colorize")
        with Image.open(download_path) as colour:
            chroma[strength] = mean_chroma(colour)
    assert chroma[2.0] >= 1.5 * chroma[0.5]
    with pytest.raises(AppError, match="strength must be a number"):
        client.predict(handle_file(str(photo)), 7.0, api_name="/colorize")


def test_the_batch_endpoint_colorizes_every_photo_and_zips_them(served_demo, tmp_path):
    sizes = [(120, 80), (64, 96), (200, 50)]
    photos = [write(tmp_path / "in" / f"photo{index}.png", gradient_image(*size)) for index, size in enumerate(sizes)]
    (tmp_path / "in" / "broken.jpg").write_bytes(b"not a photo")
    same_name = write(tmp_path / "other" / "photo0.png", gradient_image(30, 20))  # two uploads called photo0.png
    client = Client(served_demo, verbose=False, download_files=str(tmp_path / "out"))
    uploads = [handle_file(str(path)) for path in [*photos, tmp_path / "in" / "broken.jpg", same_name]]
    gallery, (gray, colour), archive = client.predict(uploads, 1.0, "jpg", api_name="/colorize_batch")

    assert [Path(item["image"]).name for item in gallery] == [
        "photo0-colour.jpg", "photo1-colour.jpg", "photo2-colour.jpg", "photo0 (2)-colour.jpg"
    ]
    with Image.open(gray) as first_gray, Image.open(colour) as first_colour:
        assert first_gray.size == first_colour.size == sizes[0] and first_colour.format == "JPEG"
    with zipfile.ZipFile(archive) as album:
        names = album.namelist()
        assert names == [Path(item["image"]).name for item in gallery]
        for name, size in zip(names, [*sizes, (30, 20)]):
            with Image.open(io.BytesIO(album.read(name))) as result:
                assert result.size == size and mean_chroma(result) > 10


def test_the_batch_endpoint_refuses_too_many_or_only_broken_photos(served_demo, tmp_path, monkeypatch):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo")
    client = Client(served_demo, verbose=False, download_files=str(tmp_path))
    with pytest.raises(AppError, match="None of the photos could be colorized: broken.jpg: not an image"):
        client.predict([handle_file(str(broken))], 1.0, "png", api_name="/colorize_batch")
    photo = handle_file(str(write(tmp_path / "photo.png", gradient_image(8, 8))))
    with pytest.raises(AppError, match=f"at most {MAX_BATCH} photos"):
        client.predict([photo] * (MAX_BATCH + 1), 1.0, "png", api_name="/colorize_batch")


def test_a_rejected_upload_is_one_line_in_the_server_log(tiny_colorizer, tmp_path, capfd):
    broken = tmp_path / "scan.jpg"
    broken.write_bytes(b"\xff\xd8\xff this is not really a JPEG")
    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path])
    with pytest.raises(gradio.Error, match="scan.jpg: not an image"):
        handler(str(broken))
    log = capfd.readouterr().err.strip().splitlines()
    assert len(log) == 1 and log[0].startswith("rejected an upload: ") and "scan.jpg" in log[0]


def test_the_gray_half_of_the_slider_keeps_the_photos_transparency(tiny_colorizer, tmp_path):
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[..., :3] = 120
    rgba[:, 15:, 3] = 255
    photo = write(tmp_path / "cut-out.png", rgba)
    handler = ColorizeHandler(tiny_colorizer, allowed_folders=[tmp_path])
    (gray, colour), _ = handler(str(photo))
    for path in (gray, colour):
        with Image.open(path) as half:
            assert half.mode == "RGBA" and np.array_equal(np.asarray(half)[..., 3], rgba[..., 3]), path


def test_the_page_says_where_it_serves_when_the_usual_port_is_taken(tiny_weights, monkeypatch, capsys):
    from colorizer.app.loadtest import free_port

    monkeypatch.setenv("COLORIZER_SHIPPED_WEIGHTS", str(tiny_weights))
    busy = free_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", busy))
        holder.listen()
        monkeypatch.setenv("GRADIO_SERVER_PORT", str(busy))
        demo = app_page.launch(prevent_thread_lock=True)
        try:
            line = capsys.readouterr().out.strip().splitlines()[-1]
            assert line.startswith(f"Colorizer: open http://127.0.0.1:{demo.server_port}/")
            assert demo.server_port != busy and f"port {busy} was taken" in line
        finally:
            demo.close()


def test_broken_upload_gets_the_librarys_message(served_demo, tmp_path):
    broken = tmp_path / "scan.jpg"
    broken.write_bytes(b"\xff\xd8\xff this is not really a JPEG")
    client = Client(served_demo, verbose=False, download_files=str(tmp_path))
    with pytest.raises(AppError, match="scan.jpg: not an image"):
        client.predict(handle_file(str(broken)), api_name="/colorize")


def test_an_unloadable_model_falls_back_to_the_shipped_one_with_a_notice(monkeypatch, tiny_weights):
    monkeypatch.setenv("COLORIZER_SHIPPED_WEIGHTS", str(tiny_weights))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    colorizer, notice = app_page.load_colorizer("nobody/no-such-model@v9")
    assert colorizer.source == "the shipped model"
    assert "`nobody/no-such-model`" in notice and "shipped model" in notice
    _, local_notice = app_page.load_colorizer(str(tiny_weights.parent / "private" / "model"))
    assert "private" not in local_notice and "shipped model" in local_notice  # no server path, no error text

    demo = app_page.build_demo(colorizer, notice)
    texts = [block.get("props", {}).get("value") for block in demo.config["components"]]
    assert any(text and notice in text for text in texts)


@pytest.mark.slow
def test_load_twenty_clients_five_photos_each(tiny_weights, tmp_path):
    photos = load_benchmark.make_photos(tmp_path, [(320, 240), (257, 193), (640, 480), (100, 300), (512, 512)])
    with load_benchmark.running_app(tiny_weights) as (url, process, startup):
        load_benchmark.send_load(url, photos[:1], clients=1, photos_per_client=2)  # warm-up
        before = load_benchmark.resident_mb(process.pid)
        results, wall = load_benchmark.send_load(url, photos, clients=20, photos_per_client=5)
        after = load_benchmark.resident_mb(process.pid)

    summary = load_benchmark.summarize(results, wall)
    print(f"start-up {startup:.1f} s; {summary}; memory {before} -> {after} MB")
    assert summary["requests"] == 100 and summary["failed"] == 0, [r["error"] for r in results if r["error"]]
    assert load_benchmark.wrong_sizes(results) == []
    assert min(record["chroma"] for record in results) > 10
    if before is not None:
        assert after < before + 150, f"server memory grew from {before:.0f} to {after:.0f} MB"


VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 1000}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium); .ci/run installs it"
)


@pytest.fixture(scope="module")
def shipped_app():
    """The app as the Hugging Face Space runs it (app.py, the shipped model), and a headless Chromium."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (requirements-dev.txt)")
    space = [sys.executable, str(ROOT / "app.py")]
    with load_benchmark.running_app(command=space, cwd=ROOT) as (url, _, startup), sync_api.sync_playwright() as playwright:
        print(f"app start-up: {startup:.1f} s")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield url, browser
        browser.close()


def fetch(url, path):
    with urllib.request.urlopen(url) as response:
        path.write_bytes(response.read())
    return path


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("device", VIEWPORTS)
def test_browser_drop_a_photo_see_the_slider_download_it(shipped_app, device, tmp_path):
    """Driven as a user would: drop, look, download, change the strength; then a broken file."""
    url, browser = shipped_app
    photo = app_page.EXAMPLES[0] if app_page.EXAMPLES else write(tmp_path / "ramp.jpg", gradient_image(480, 320))
    with Image.open(photo) as original:
        expected_size = original.size
    page = browser.new_page(**VIEWPORTS[device])
    page.goto(url)
    drop_file(page, "#photo", photo)
    page.locator("#slider img").first.wait_for(timeout=60_000)
    link = page.locator("#download a[href]").first
    link.wait_for(timeout=60_000)
    with Image.open(fetch(link.get_attribute("href"), tmp_path / "download.png")) as colour:
        assert colour.format == "PNG" and colour.size == expected_size
        first_chroma = mean_chroma(colour)
        assert first_chroma > 3
    page.wait_for_timeout(1500)  # the smooth scroll, and the new result fading in
    result_top = page.evaluate("document.getElementById('result').getBoundingClientRect().top")
    assert 0 <= result_top < VIEWPORTS[device]["viewport"]["height"] / 2  # the result is in view, phone included
    screenshot = ROOT / "results" / f"app_{device}.png"
    screenshot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshot))

    first_href = link.get_attribute("href")
    strength = page.locator("#strength input[type=range]")
    strength.fill("2")  # drag the colour strength to 2 and let go
    for event in ("pointerup", "mouseup", "change"):
        strength.dispatch_event(event)
    wait_for_new_download(page, first_href)
    with Image.open(fetch(page.locator("#download a[href]").first.get_attribute("href"), tmp_path / "vivid.png")) as vivid:
        assert vivid.size == expected_size and mean_chroma(vivid) > 1.5 * first_chroma
    vivid_href = page.locator("#download a[href]").first.get_attribute("href")
    typed = page.locator("#strength input[type=number]")
    typed.click()
    typed.fill("0.5")  # typed, and the box keeps the focus: the result follows all the same
    typed.press("Enter")
    wait_for_new_download(page, vivid_href)
    with Image.open(fetch(page.locator("#download a[href]").first.get_attribute("href"), tmp_path / "subtle.png")) as subtle:
        assert mean_chroma(subtle) < first_chroma

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    page.locator("#photo button[aria-label='Remove Image']").first.click()  # the user takes the photo away...
    page.locator("#download").wait_for(state="hidden", timeout=10_000)  # (no empty download box)
    page.locator("#photo input[type=file]").set_input_files(str(broken))  # ...and drops a broken file
    page.get_by_text("broken.jpg: not an image").first.wait_for(timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#photo img')", timeout=10_000)  # no broken-image icon left
    page.locator("#download").wait_for(state="hidden", timeout=10_000)  # and no empty download box


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("device", VIEWPORTS)
def test_browser_an_album_of_three_photos_and_its_zip(shipped_app, device, tmp_path):
    url, browser = shipped_app
    sizes = [(320, 240), (200, 300), (640, 160)]
    photos = [write(tmp_path / f"album{index}.png", gradient_image(*size)) for index, size in enumerate(sizes)]
    page = browser.new_page(**VIEWPORTS[device])
    page.goto(url)
    page.get_by_role("tab", name="Several photos").click()
    assert page.locator("#again").is_disabled()  # nothing to colorize again yet
    page.locator("#photos input[type=file]").set_input_files([str(path) for path in photos])
    link = page.locator("#archive a[href]").first
    link.wait_for(timeout=90_000)
    page.locator("#gallery img").nth(2).wait_for(timeout=10_000)
    assert page.locator("#gallery img").count() == 3
    with zipfile.ZipFile(fetch(link.get_attribute("href"), tmp_path / "album.zip")) as album:
        assert album.namelist() == [f"album{index}-colour.png" for index in range(3)]
        for name, size in zip(album.namelist(), sizes):
            with Image.open(io.BytesIO(album.read(name))) as result:
                assert result.size == size
    page.locator("#gallery img").nth(2).click()  # the slider shows the photo chosen in the gallery
    page.wait_for_function(
        "() => [...document.querySelectorAll('#album-slider img')].some(img => img.src.includes('album2'))", timeout=10_000
    )
    page.wait_for_timeout(1000)
    assert page.locator("#again").is_enabled()
    page.screenshot(path=str(ROOT / "results" / f"app_album_{device}.png"))


@pytest.mark.slow
@needs_chromium
def test_browser_both_halves_of_a_transparent_photo_stay_transparent(shipped_app, tmp_path):
    url, browser = shipped_app
    rgba = np.zeros((120, 160, 4), np.uint8)
    rgba[..., :3] = gradient_image(160, 120)[..., None]
    rgba[:, 80:, 3] = 255  # the left half transparent
    photo = write(tmp_path / "cut-out.png", rgba)
    page = browser.new_page(**VIEWPORTS["desktop"])
    page.goto(url)
    drop_file(page, "#photo", photo)
    page.locator("#download a[href]").first.wait_for(timeout=60_000)
    sources = page.eval_on_selector_all("#slider img", "images => images.map(img => img.src)")
    assert len(sources) == 2
    for index, source in enumerate(sources):
        with Image.open(fetch(source, tmp_path / f"half{index}.png")) as half:
            assert half.mode == "RGBA" and np.array_equal(np.asarray(half)[..., 3], rgba[..., 3]), source


@pytest.mark.slow
@needs_chromium
def test_browser_an_example_follows_the_model_the_app_runs(shipped_app, tiny_weights, tmp_path):
    """Examples run live: started with another model, an example shows that model's colours, not a cached result."""
    url, browser = shipped_app
    results = {}
    with load_benchmark.running_app(tiny_weights) as (tiny_url, _, _):
        for name, address in (("shipped", url), ("tiny", tiny_url)):
            page = browser.new_page(**VIEWPORTS["desktop"])
            page.goto(address)
            page.locator(f"img[src*='{app_page.EXAMPLES[0].name}']").first.click()  # the first example
            link = page.locator("#download a[href]").first
            link.wait_for(timeout=60_000)
            with Image.open(fetch(link.get_attribute("href"), tmp_path / f"{name}.png")) as colour:
                results[name] = np.asarray(colour.convert("RGB"))
    tiny_ab = rgb_to_lab(results["tiny"])[..., 1:].reshape(-1, 2).mean(axis=0)
    assert np.allclose(tiny_ab, SHOWN_AB, atol=3)  # the tiny model's constant orange
    assert np.abs(rgb_to_lab(results["shipped"])[..., 1:].reshape(-1, 2).mean(axis=0) - tiny_ab).max() > 3


# A stroke on the coffee example's saucer (red in the colour original), in the photo's pixels.
SAUCER_STROKE = [(118, 222), (128, 242), (138, 262), (146, 280)]


@pytest.mark.slow
@needs_chromium
def test_browser_a_stroke_of_colour_recolours_its_region_and_little_else(shipped_app, tmp_path):
    """A user paints one red stroke on the saucer: the saucer turns red there, far regions keep the automatic colours."""
    url, browser = shipped_app
    page = browser.new_page(**VIEWPORTS["desktop"])
    page.goto(url)
    page.get_by_role("tab", name="Paint colours").click()
    page.get_by_text("Once your photo is coloured").first.wait_for(timeout=10_000)
    assert not page.locator("#paint img.paint-photo").is_visible()  # nothing to paint on before there is a photo
    link = colour_the_coffee_example(page)
    page.locator("#paint img.paint-photo").wait_for(timeout=10_000)
    assert not page.get_by_text("Once your photo is coloured").first.is_visible()
    automatic_href = link.get_attribute("href")
    automatic = rgb_to_lab(np.asarray(Image.open(fetch(automatic_href, tmp_path / "automatic.png")).convert("RGB")))

    page.get_by_role("tab", name="Paint colours").click()
    paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400))  # the brush starts with the first colour, red
    wait_for_new_download(page, automatic_href)
    # the slider's handle moved aside by itself (from the middle): the colour half covers most of the photo
    page.wait_for_function(
        "() => [...document.querySelectorAll('#slider img')].some(img => /inset\\(.* ([0-9.]+)%\\)/.test(img.style.clipPath)"
        " && parseFloat(img.style.clipPath.match(/([0-9.]+)%\\)/)[1]) < 30)",
        timeout=10_000,
    )
    page.wait_for_timeout(1000)
    assert not page.locator("#paint-preview").is_visible()  # the small copy of the result is for phones
    page.screenshot(path=str(ROOT / "results" / "app_hints_desktop.png"))
    hinted = rgb_to_lab(np.asarray(Image.open(fetch(link.get_attribute("href"), tmp_path / "hinted.png")).convert("RGB")))

    brush = rgb_to_lab(np.array([[parse_colour(PALETTE[0])]], np.uint8))[0, 0, 1:]
    stroke = stroke_mask((400, 600), SAUCER_STROKE, width=6)
    a, b = hinted[stroke][:, 1:].mean(axis=0)
    hue_error = (np.degrees(np.arctan2(b, a) - np.arctan2(brush[1], brush[0])) + 180) % 360 - 180
    assert abs(hue_error) < 30 and np.hypot(a, b) > 15  # the brush's hue, and clearly coloured
    far = ~stroke_mask((400, 600), SAUCER_STROKE, width=300)  # the table's far corners
    assert np.abs(hinted[far][:, 1:] - automatic[far][:, 1:]).mean() < 4

    def next_result(previous_href):
        wait_for_new_download(page, previous_href)
        href = link.get_attribute("href")
        return href, rgb_to_lab(np.asarray(Image.open(fetch(href, tmp_path / "next.png")).convert("RGB")))

    page.locator("#paint button[aria-label='Undo']").click()  # the stroke taken back: the automatic colours
    href, undone = next_result(link.get_attribute("href"))
    assert np.abs(undone - automatic).max() < 0.5
    paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400))
    href, _ = next_result(href)
    page.locator("#paint button[aria-label='Clear']").click()  # no strokes; the gray photo stays
    href, cleared = next_result(href)
    assert np.abs(cleared - automatic).max() < 0.5
    page.wait_for_timeout(1000)
    paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400))
    _, again = next_result(href)
    assert np.abs(again - hinted).mean() < 0.5


@pytest.mark.slow
@needs_chromium
def test_browser_a_colour_picked_from_the_palette_or_the_picker_paints_in_it(shipped_app, tmp_path):
    page, link, automatic_href = coffee_to_paint(shipped_app, "desktop")
    page.locator(f"#paint button[aria-label='Colour {PALETTE[4]}']").click()  # blue
    paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400))
    wait_for_new_download(page, automatic_href)
    blue_href = link.get_attribute("href")
    hinted = rgb_to_lab(np.asarray(Image.open(fetch(blue_href, tmp_path / "blue.png")).convert("RGB")))
    a, b = hinted[stroke_mask((400, 600), SAUCER_STROKE, width=6)][:, 1:].mean(axis=0)
    assert b < -10 and abs(a) < 25  # blue where the stroke is
    page.locator("#paint button[aria-label='Undo']").click()
    wait_for_new_download(page, blue_href)
    undone_href = link.get_attribute("href")
    page.locator("#paint input.paint-picker").fill("#1e8c28")  # a green of one's own
    paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400))
    wait_for_new_download(page, undone_href)
    hinted = rgb_to_lab(np.asarray(Image.open(fetch(link.get_attribute("href"), tmp_path / "green.png")).convert("RGB")))
    a, b = hinted[stroke_mask((400, 600), SAUCER_STROKE, width=6)][:, 1:].mean(axis=0)
    assert a < -10 and b > 5  # green


@pytest.mark.slow
@needs_chromium
def test_browser_strokes_painted_quickly_the_last_one_wins_and_a_busy_sign_shows_meanwhile(shipped_app, tmp_path):
    """Three strokes, one after the other without waiting: red, blue over it, then green over both. The busy sign
    shows from the first mouse-up until the last stroke's colour is shown; the result, then the download, is green."""
    page, link, automatic_href = coffee_to_paint(shipped_app, "desktop")
    busy = "() => document.getElementById('result').classList.contains('painting')"
    paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400))  # red: the brush's first colour
    assert page.evaluate(busy)  # at once, before the server answers
    for colour in (PALETTE[4], PALETTE[3]):  # blue, green
        page.locator(f"#paint button[aria-label='Colour {colour}']").click()
        paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400), settle=False)
    page.wait_for_function(f"() => !({busy})()", timeout=30_000)
    on_stroke = stroke_mask((400, 600), SAUCER_STROKE, width=6)
    shown = page.eval_on_selector_all("#slider img", "images => images.map(img => img.src)")[-1]
    view = rgb_to_lab(np.asarray(Image.open(fetch(shown, tmp_path / "view.jpg")).convert("RGB")))
    a, b = view[on_stroke][:, 1:].mean(axis=0)
    assert a < -10, (a, b)  # green: the last stroke's colour is what the result shows
    for _ in range(60):  # the download follows, written at full resolution after the view
        href = link.get_attribute("href")
        if href != automatic_href:
            download = rgb_to_lab(np.asarray(Image.open(fetch(href, tmp_path / "download.png")).convert("RGB")))
            if download[on_stroke][:, 1].mean() < -10:
                break
        page.wait_for_timeout(500)
    else:
        raise AssertionError("the download never showed the last stroke's colour")


def coffee_to_paint(shipped_app, device):
    """A new page on `device` with the coffee example coloured and the Paint colours tab open:
    (the page, its download link, the automatic colours' address)."""
    url, browser = shipped_app
    page = browser.new_page(**VIEWPORTS[device])
    page.goto(url)
    link = colour_the_coffee_example(page)
    automatic_href = link.get_attribute("href")
    page.get_by_role("tab", name="Paint colours").click()
    page.locator("#paint img.paint-photo").wait_for(timeout=30_000)
    return page, link, automatic_href


def colour_the_coffee_example(page):
    """Click the coffee example and wait for its colour file; returns the download link."""
    coffee = next(path for path in app_page.EXAMPLES if path.name == "coffee.jpg")
    page.locator(f"img[src*='{coffee.name}']").first.click()
    link = page.locator("#download a[href]").first
    link.wait_for(timeout=60_000)
    return link


def wait_for_new_download(page, old_href):
    """Wait until the download link points at a new colour file (the page coloured the photo again)."""
    page.wait_for_function(
        "old => { const a = document.querySelector('#download a[href]'); return a && a.href !== old; }",
        arg=old_href, timeout=60_000,
    )


def stroke_mask(shape, points, width):
    """The pixels within `width` / 2 of a polyline through `points` (x, y)."""
    rows, columns = np.mgrid[: shape[0], : shape[1]]
    near = np.zeros(shape, bool)
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        for t in np.linspace(0, 1, 20):
            near |= np.hypot(columns - (x0 + t * (x1 - x0)), rows - (y0 + t * (y1 - y0))) <= width / 2
    return near


def paint_stroke(page, selector, points, photo_size, settle=True):
    """Drag the mouse through `points` (the photo's pixels) on the paint box, as a user painting does.

    The paint box shows the whole photo, its strokes' canvas exactly over it. `settle`: first wait until the
    paint box stands still in view (False: paint at once, where it is).
    """
    canvas = page.locator(f"{selector} canvas.paint-strokes")
    box = canvas.bounding_box()
    for _ in range(20 if settle else 0):  # a smooth scroll may still be moving the page, and the photo may still be arriving
        canvas.scroll_into_view_if_needed()
        page.wait_for_timeout(200)
        box, previous = canvas.bounding_box(), box
        if box and box["width"] > 0 and box == previous and 0 <= box["y"] and box["y"] + box["height"] <= page.viewport_size["height"]:
            break
    screen = [(box["x"] + x * box["width"] / photo_size[0], box["y"] + y * box["height"] / photo_size[1]) for x, y in points]
    page.mouse.move(*screen[0])
    page.mouse.down()
    for point in screen[1:]:
        page.mouse.move(*point, steps=5)
    page.mouse.up()


def drop_file(page, selector, path):
    """Drag-and-drop a file onto an element, as a user dragging it from their desktop does."""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    transfer = page.evaluate_handle(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
            return transfer;
        }""",
        [data, Path(path).name],
    )
    target = page.locator(f"{selector} [aria-label='Drop an image file here to upload']")
    for event in ("dragenter", "dragover", "drop"):
        target.dispatch_event(event, {"dataTransfer": transfer})


def test_readme_front_matter_makes_a_hugging_face_space():
    import yaml

    root = ROOT
    _, front_matter, _ = (root / "README.md").read_text().split("---\n", 2)
    space = yaml.safe_load(front_matter)
    pinned = dict(line.split("==") for line in (root / "requirements.txt").read_text().splitlines() if "==" in line)
    assert space["sdk"] == "gradio" and space["sdk_version"] == pinned["gradio"]
    assert space["python_version"] == "3.11"
    assert (root / space["app_file"]).is_file()
    assert "USER/" not in front_matter  # no placeholder model: the Space runs the copy in weights/


@pytest.mark.slow
def test_a_burst_beyond_the_queue_is_refused_at_once_and_the_rest_completes(tiny_weights, tmp_path):
    [photo] = load_benchmark.make_photos(tmp_path, [(1600, 1200)])
    with load_benchmark.running_app(tiny_weights) as (url, process, _):
        file_data = load_benchmark.upload(url, photo)
        load_benchmark.send_burst(url, file_data, count=2)  # warm-up
        before = load_benchmark.resident_mb(process.pid)
        results = load_benchmark.send_burst(url, file_data, count=100)
        time.sleep(3)
        after = load_benchmark.resident_mb(process.pid)

    outcomes = [record["outcome"] for record in results]
    refused = [record["seconds"] for record in results if record["outcome"] == "refused"]
    completed = [record["seconds"] for record in results if record["outcome"] == "completed"]
    print(f"burst: {len(completed)} completed, {len(refused)} refused (slowest refusal {max(refused, default=0):.2f} s, "
          f"slowest completion {max(completed, default=0):.1f} s); memory {before} -> {after} MB")
    assert outcomes.count("failed") == 0, sorted({record["reason"] for record in results if record["reason"]})[:5]
    assert refused and len(completed) >= app_page.QUEUE_SIZE  # the queue held what it could, the overflow was turned away
    assert max(refused) < min(sorted(completed)[app_page.CONCURRENCY:])  # a refusal comes before any queued answer
    if before is not None:
        assert after < before + 100, f"server memory grew from {before:.0f} to {after:.0f} MB"
