"""Hostile requests to the paint box, through Gradio's plain HTTP API: what it draws and keeps is bounded.

The paint box sends strokes as points (`paint_box.py`); nothing is uploaded for it and nothing is kept per
painting, so what is left to bound is the strokes' drawing (counts, radius, coordinates) and what a value
may name (nothing: a file path or an upload is not strokes).
"""

import json
import time
import urllib.request
import uuid

import pytest

from conftest import gradient_image, write

gradio = pytest.importorskip("gradio")

from colorizer.app import page as app_page
from colorizer.app import paint_box
from colorizer.app.loadtest import PeakMemory, free_port, upload


@pytest.fixture(scope="module")
def served(tiny_colorizer):
    """The page around the tiny model, served here; yields (url, demo)."""
    demo = app_page.build_demo(tiny_colorizer)
    port = free_port()
    demo.launch(server_port=port, prevent_thread_lock=True, max_file_size=app_page.MAX_FILE_BYTES, quiet=True)
    yield f"http://127.0.0.1:{port}/", demo
    demo.close()


def the_paint_box(demo):
    """The photo's paint box (the Film tab has one of its own, built by the same `paint_box`)."""
    [box] = [block for block in demo.blocks.values() if getattr(block, "elem_id", None) == "paint"]
    return box


def call_paint_event(url, demo, painting, value, timeout=120):
    """Run the paint box's own event (the page's stroke handler) through /gradio_api/queue/join, as a script can
    without the page, with `painting` as the page's state; returns the final SSE message."""
    box = the_paint_box(demo)
    [dependency] = [
        index for index, fn in demo.fns.items() if any(target[0] == box._id and target[1] == "input" for target in fn.targets)
    ]
    session = uuid.uuid4().hex
    state_id = demo.fns[dependency].inputs[0]._id
    body = {"data": [None, 1.0, "png", value], "fn_index": dependency, "session_hash": session, "trigger_id": box._id}
    if painting is not None:  # the state a session holds (set by the page after a photo is coloured)
        demo.state_holder[session][state_id] = painting
    request = urllib.request.Request(f"{url}gradio_api/queue/join", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()
    with urllib.request.urlopen(f"{url}gradio_api/queue/data?session_hash={session}", timeout=timeout) as stream:
        for line in stream:
            if line.startswith(b"data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event never completed")


@pytest.fixture(scope="module")
def painting(served, tmp_path_factory):
    """A photo the page has coloured, as the paint box's state holds it."""
    url, _ = served
    photo = upload(url, write(tmp_path_factory.mktemp("painting") / "photo.png", gradient_image(64, 48)))
    return {"photo": photo, "strokes": None, "size": (64, 48)}


def strokes(*strokes, size=(64, 48)):
    return {"width": size[0], "height": size[1], "version": 1, "strokes": list(strokes)}


def test_a_painting_as_large_as_allowed_is_drawn_quickly_in_bounded_memory(served, painting):
    """The most strokes and points a value may hold, at the widest brush, across the whole picture."""
    url, demo = served
    line = [0, 0, 63, 47] * (paint_box.MAX_POINTS // paint_box.MAX_STROKES // 2)
    value = strokes(*[{"colour": "#ff0000", "radius": paint_box.MAX_BRUSH, "points": line}] * paint_box.MAX_STROKES)
    start = time.perf_counter()
    with PeakMemory() as memory:
        message = call_paint_event(url, demo, painting, value)
    assert message["success"], message
    assert time.perf_counter() - start < 30 and memory.extra_mb < 150, memory.extra_mb


@pytest.mark.parametrize(("value", "words"), [
    (strokes(*[{"colour": "#ff0000", "radius": 1, "points": [1, 2]}] * (paint_box.MAX_STROKES + 1)), "at most"),
    (strokes({"colour": "#ff0000", "radius": 1, "points": [1, 2] * (paint_box.MAX_POINTS + 1)}), "points"),
    (strokes({"colour": "#ff0000", "radius": 10**9, "points": [1, 2]}), "radius"),
    (strokes({"colour": "#ff0000", "radius": 4, "points": [10**30, 2]}), "points"),
    (strokes({"colour": "#ff0000", "radius": 4, "points": [1, 2]}, size=(100_000, 100_000)), "another picture"),
])
def test_too_much_or_too_far_is_refused_at_once(served, painting, value, words):
    url, demo = served
    start = time.perf_counter()
    with PeakMemory() as memory:
        message = call_paint_event(url, demo, painting, value)
    assert not message["success"] and words in json.dumps(message), message
    assert time.perf_counter() - start < 10 and memory.extra_mb < 100, memory.extra_mb


def test_a_server_file_named_as_strokes_or_as_the_photo_is_never_read(served, painting, tmp_path):
    url, demo = served
    secret = write(tmp_path / "secret.png", gradient_image(20, 20))
    named = {"path": str(secret), "meta": {"_type": "gradio.FileData"}}
    message = call_paint_event(url, demo, painting, named)
    assert not message["success"] and "secret" not in json.dumps(message)
    message = call_paint_event(url, demo, {**painting, "photo": named}, strokes({"colour": "#ff0000", "radius": 4, "points": [1, 2]}))
    assert not message["success"] and "secret" not in json.dumps(message) and "Please upload a photo" in json.dumps(message)


def test_nothing_is_kept_per_painting():
    """The paint box before kept every layer the page sent (Gradio's accept_blobs); it has no such route or store now."""
    box = paint_box.paint_box("")
    assert not hasattr(box, "accept_blobs") and not box.server_fns
