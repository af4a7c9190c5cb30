"""What a user waits for on the page, in a real browser: an upload, a stroke, a film, from the action to the result shown.

    python scripts/page_timing.py [--repo DIR] [--repeats 3] [--output timings.json]

Starts the app as the Space runs it (`app.py` in `--repo`, the shipped model) and drives headless Chromium
(Debian's `chromium`) on a desktop and a phone viewport, with the browser tests' own helpers:
- upload: the coffee example dropped on the photo box, until its colour file is offered;
- stroke: one stroke (and one Undo) on the saucer in the Paint colours tab, until the new colour file is offered;
- film (desktop): a 20-frame 320x240 film with sound dropped on the Film tab, until the colour film plays.
Prints the median and the range of each, in seconds. `--repo` may be an older checkout, to compare.
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
from playwright.sync_api import sync_playwright
from test_app import CHROMIUM, SAUCER_STROKE, VIEWPORTS, drop_file, paint_stroke, wait_for_new_download

from colorizer.app.loadtest import running_app


def timed(action, wait):
    start = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - start


def upload_and_strokes(browser, url, device, photo, repeats):
    """Seconds from dropping the photo to its colour file, then from each stroke's (or Undo's) end to the new file."""
    page = browser.new_page(**VIEWPORTS[device])
    page.goto(url)
    page.locator("#photo").wait_for()
    link = page.locator("#download a[href]").first
    uploads = [timed(lambda: drop_file(page, "#photo", photo), lambda: link.wait_for(timeout=120_000))]
    page.get_by_role("tab", name="Paint colours").click()
    page.locator("#paint canvas").first.wait_for(timeout=30_000)
    strokes = []
    for _ in range(repeats):
        for undo in (False, True):
            href = link.get_attribute("href")
            page.wait_for_timeout(1500)  # a user's pause between strokes; the scroll to the result settles
            if undo:
                page.locator("#paint").scroll_into_view_if_needed()
                start = time.perf_counter()
                page.locator("#paint button[aria-label='Undo']").click()
            else:
                paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400))  # the time starts at mouse-up
                start = time.perf_counter()
            wait_for_new_download(page, href)
            strokes.append(time.perf_counter() - start)
    page.close()
    return uploads, strokes


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
            timings[f"{device}: upload"], timings[f"{device}: stroke or undo"] = upload_and_strokes(
                browser, url, device, photo, args.repeats
            )
        timings["desktop: film (20 frames, 320x240)"] = film(browser, url, folder)
        browser.close()
    print(f"{args.repo}: app served {startup:.1f} s after start")
    for name, seconds in timings.items():
        print(f"{name}: median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}, n={len(seconds)})")
    if args.output:
        args.output.write_text(json.dumps(timings, indent=2) + "\n")


if __name__ == "__main__":
    main()
