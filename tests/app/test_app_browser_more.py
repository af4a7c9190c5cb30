"""The page in a real browser, continued: a film dropped on the Film tab; on a phone, the paint box fits the
photo and stays in view with a small result under it, and a long file name is shown whole."""

import shutil
import urllib.request

import pytest
from films import moving_square, write_film
from test_app import (  # the same app and browser helpers as the first browser tests
    ROOT,
    SAUCER_STROKE,
    VIEWPORTS,
    coffee_to_paint,
    needs_chromium,
    paint_stroke,
    shipped_app,  # noqa: F401 (a fixture)
    wait_for_new_download,
)

from colorizer.app import page as app_page
from colorizer.colour.lab import rgb_to_lab
from colorizer.video.io import probe, read_frames


@pytest.mark.slow
@needs_chromium
def test_browser_a_film_dropped_on_the_film_tab_comes_back_in_colour_with_its_sound(shipped_app, tmp_path):  # noqa: F811
    url, browser = shipped_app
    frames, _ = moving_square(20, width=320, height=240, side=60, step=(4, 2))
    film = write_film(tmp_path / "reel.mp4", frames, tone=True)
    page = browser.new_page(**VIEWPORTS["desktop"])
    page.goto(url)
    page.get_by_role("tab", name="Film").click()
    page.locator("#film input[type=file]").set_input_files(str(film))
    video = page.locator("#film-result video[src]").first
    video.wait_for(timeout=120_000)
    coloured = tmp_path / "coloured.mp4"
    with urllib.request.urlopen(video.get_attribute("src")) as response:
        coloured.write_bytes(response.read())
    info = probe(coloured)
    assert (info.width, info.height, info.audio) == (320, 240, True)
    assert len(list(read_frames(coloured))) == 20

    # a red stroke painted on the first frame's square, and the film coloured again: the square is red on frame 15 too
    page.locator("#film-paint img.paint-photo").wait_for(timeout=30_000)
    first_src = video.get_attribute("src")
    paint_stroke(page, "#film-paint", [(40, 40), (50, 50), (60, 60)], photo_size=(320, 240))
    page.locator("#film-again").click()
    page.wait_for_function(
        "old => { const v = document.querySelector('#film-result video[src]'); return v && v.src !== old; }",
        arg=first_src, timeout=120_000,
    )
    with urllib.request.urlopen(page.locator("#film-result video[src]").first.get_attribute("src")) as response:
        coloured.write_bytes(response.read())
    frame = rgb_to_lab(list(read_frames(coloured))[15])
    x, y = 10 + 4 * 15, 10 + 2 * 15  # where the square went
    assert frame[y + 20 : y + 40, x + 20 : x + 40, 1].mean() > 10  # red (a > 0) where the square is
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ROOT / "results" / "app_film_desktop.png"))


@pytest.mark.slow
@needs_chromium
def test_browser_on_a_phone_the_paint_box_stays_in_view_with_a_small_result_under_it(shipped_app):  # noqa: F811
    """On a narrow screen the paint box is sized by the screen's width (not the desktop's 440 px, which left a
    landscape photo small in white space). The result lies far below it: a stroke used to scroll the page there,
    3.5 s later, so that every next stroke began with scrolling back. Now nothing scrolls, and a small copy of the
    result under the paint box shows the stroke's colour (and the strength's)."""
    page, _, automatic_href = coffee_to_paint(shipped_app, "phone")
    stage_height = page.evaluate("document.querySelector('#paint .paint-stage').getBoundingClientRect().height")
    assert stage_height <= 0.8 * VIEWPORTS["phone"]["viewport"]["width"]
    page.evaluate("document.getElementById('paint').scrollIntoView({block: 'start'})")  # the paint box's tools at the top
    paint_stroke(page, "#paint", SAUCER_STROKE, photo_size=(600, 400))
    scrolled = page.evaluate("window.scrollY")
    wait_for_new_download(page, automatic_href)
    small = page.locator("#paint-preview img")
    small.wait_for(timeout=10_000)
    page.wait_for_timeout(1500)
    assert page.evaluate("window.scrollY") == scrolled  # the page stayed where the user paints
    height = VIEWPORTS["phone"]["viewport"]["height"]
    canvas, preview = page.locator("#paint canvas.paint-strokes").bounding_box(), small.bounding_box()
    assert 0 <= canvas["y"] and canvas["y"] + canvas["height"] <= height  # the paint box in view
    assert preview["y"] + preview["height"] <= height and preview["height"] > 50  # and the small result under it, whole
    source = small.get_attribute("src")
    strength = page.locator("#strength input[type=range]")
    strength.fill("2")
    for event in ("pointerup", "mouseup", "change"):
        strength.dispatch_event(event)
    page.wait_for_function("old => document.querySelector('#paint-preview img')?.src !== old", arg=source, timeout=30_000)


@pytest.mark.slow
@needs_chromium
def test_browser_on_a_phone_a_long_file_name_is_shown_whole(shipped_app, tmp_path):  # noqa: F811
    """Gradio cuts a long name to its first word ("grandmothers_... .png"); the page wraps it instead, without the
    space Gradio showed before the extension."""
    url, browser = shipped_app
    page = browser.new_page(**VIEWPORTS["phone"])
    page.goto(url)
    photo = tmp_path / "grandmothers_album_summer_holiday_at_the_seaside_1954_scan_0042.jpg"
    shutil.copy(next(path for path in app_page.EXAMPLES if path.name == "coffee.jpg"), photo)
    page.locator("#photo input[type=file]").set_input_files(str(photo))
    page.locator("#download a[href]").first.wait_for(timeout=60_000)
    name = page.locator("#download .filename").first
    assert name.inner_text().replace(" ", "").replace("\n", "") == f"{photo.stem}-colour.png"
    box = name.bounding_box()
    assert box["x"] + box["width"] <= VIEWPORTS["phone"]["viewport"]["width"]
    assert name.evaluate("cell => [...cell.children].every(part => part.scrollWidth <= part.clientWidth + 1)")
    # and no gap before the extension, as Gradio's markup had ("kodim23-colour .png"), where stem and extension share a line
    gap = name.evaluate("""cell => { const [stem, ext] = [cell.querySelector('.stem'), cell.querySelector('.ext')].map(
        part => part.getBoundingClientRect()); return Math.abs(stem.bottom - ext.bottom) < 2 ? ext.left - stem.right : 0; }""")
    assert abs(gap) < 1, gap
