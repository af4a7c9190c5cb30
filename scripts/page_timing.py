"""What a user waits for on the page, in a real browser: an upload, a stroke, a film, from the action to the result shown.

    python scripts/page_timing.py [--repo DIR] [--repeats 3] [--output timings.json]

Starts the app as the Space runs it (`app.py` in `--repo`, the shipped model) and drives headless Chromium
(Debian's `chromium`) on a desktop and a phone viewport, with the browser tests' own helpers:
- upload: the coffee example dropped on the photo box, until its colour file is offered;
- stroke: one stroke (and one Undo) on the saucer in the Paint colours tab, from mouse-up until the new colour is
  shown (the slider's image loaded), and until the full-resolution file is offered;
- the same on the desktop with the example enlarged to 3600x2400 (8.6 megapixels);
- film (desktop): a 20-frame 320x240 film with sound dropped on the Film tab, until the colour film plays.
Prints the median and the range of each, in seconds. `--repo` may be an older checkout from this one on (its paint box is this one's).
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "app")]

from films import moving_square, write_film
from PIL import Image
from playwright.sync_api import sync_playwright
from test_app import CHROMIUM, SAUCER_STROKE, VIEWPORTS, drop_file, wait_for_new_download

from colorizer.app.loadtest import running_app


def timed(action, wait):
    start = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - start


SHOWN = """old => [...document.querySelectorAll('#slider img')].some(img => !old.includes(img.src) && img.complete && img.naturalWidth > 0)"""


def upload_and_strokes(browser, url, device, photo, repeats, scale=1):
    """Seconds from dropping the photo to its colour file; then from each stroke's (or Undo's) mouse-up to its colour
    shown, and to its full-resolution file offered."""
    page = browser.new_page(**VIEWPORTS[device])
    page.goto(url)
    page.locator("#photo").wait_for()
    link = page.locator("#download a[href]").first
    uploads = [timed(lambda: drop_file(page, "#photo", photo), lambda: link.wait_for(timeout=120_000))]
    page.get_by_role("tab", name="Paint colours").click()
    page.locator("#paint img.paint-photo").wait_for(timeout=30_000)
    page.evaluate("document.getElementById('paint').scrollIntoView({block: 'start'})")
    shown, offered = [], []
    for _ in range(repeats):
        for undo in (False, True):
            href = link.get_attribute("href")
            sources = page.eval_on_selector_all("#slider img", "images => images.map(img => img.src)")
            page.wait_for_timeout(1500)  # a user's pause between strokes
            if undo:
                start = time.perf_counter()
                page.locator("#paint button[aria-label='Undo']").click()
            else:
                stroke = [(x * scale, y * scale) for x, y in SAUCER_STROKE]
                start = stroke_until_mouse_up(page, stroke, photo_size=(600 * scale, 400 * scale))
            page.wait_for_function(SHOWN, arg=sources, timeout=60_000)
            shown.append(time.perf_counter() - start)
            wait_for_new_download(page, href)
            offered.append(time.perf_counter() - start)
    page.close()
    return uploads, shown, offered


def stroke_until_mouse_up(page, points, photo_size):
    """Paint a stroke through `points` (the photo's pixels) as a user does; returns the time of the mouse-up."""
    box = page.locator("#paint canvas.paint-strokes").bounding_box()
    screen = [(box["x"] + x * box["width"] / photo_size[0], box["y"] + y * box["height"] / photo_size[1]) for x, y in points]
    page.mouse.move(*screen[0])
    page.mouse.down()
    for point in screen[1:]:
        page.mouse.move(*point, steps=5)
    start = time.perf_counter()
    page.mouse.up()
    return start


def film(browser, url, folder):
    frames, _ = moving_square(20, width=320, height=240, side=60, step=(4, 2))
    path = write_film(Path(folder) / "reel.mp4", frames, tone=True)
    page = browser.new_page(**VIEWPORTS["desktop"])
    page.goto(url)
    page.get_by_role("tab", name="Film").click()
    video = page.locator("#film-result video[src]").first
    seconds = timed(lambda: page.locator("#film input[type=file]").set_input_files(str(path)), lambda: video.wait_for(timeout=180_000))
    page.close()
    return [seconds]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout whose app.py to serve (default: this one)")
    parser.add_argument("--repeats", type=int, default=3, help="strokes (each followed by an Undo) per device")
    parser.add_argument("--output", type=Path, default=None, help="also write the timings as JSON")
    args = parser.parse_args()
    photo = ROOT / "examples" / "coffee.jpg"
    timings = {}
    app = running_app(command=[sys.executable, "app.py"], cwd=args.repo)
    with tempfile.TemporaryDirectory() as folder, app as (url, _, startup), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        for device in VIEWPORTS:
            uploads, shown, offered = upload_and_strokes(browser, url, device, photo, args.repeats)
            timings[f"{device}: upload"] = uploads
            timings[f"{device}: stroke or undo, colour shown"] = shown
            timings[f"{device}: stroke or undo, full-resolution file offered"] = offered
        large = Path(folder) / "coffee-large.jpg"  # the example enlarged six times: 3600x2400, 8.6 megapixels
        with Image.open(photo) as small:
            small.resize((3600, 2400), Image.BICUBIC).save(large, quality=92)
        uploads, shown, offered = upload_and_strokes(browser, url, "desktop", large, args.repeats, scale=6)
        timings["desktop, 3600x2400: upload"] = uploads
        timings["desktop, 3600x2400: stroke or undo, colour shown"] = shown
        timings["desktop, 3600x2400: stroke or undo, full-resolution file offered"] = offered
        timings["desktop: film (20 frames, 320x240)"] = film(browser, url, folder)
        browser.close()
    print(f"{args.repo}: app served {startup:.1f} s after start")
    for name, seconds in timings.items():
        print(f"{name}: median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}, n={len(seconds)})")
    if args.output:
        args.output.write_text(json.dumps(timings, indent=2) + "\n")


if __name__ == "__main__":
    main()
