"""Hostile requests to the paint box, through Gradio's plain HTTP API: what it decodes and keeps is bounded."""

import json
import os
import urllib.request
import uuid

import httpx
import numpy as np
import pytest
from PIL import Image

from conftest import gradient_image, write

gradio = pytest.importorskip("gradio")

from colorizer.app import page as app_page
from colorizer.app import paint_box
from colorizer.app.loadtest import PeakMemory, free_port, upload
from colorizer.app.photo_handler import allowed_upload_folders


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
    [box] = [block for block in demo.blocks.values() if isinstance(block, gradio.ImageEditor) and block.elem_id == "paint"]
    return box


def call_paint_event(url, demo, editor_payload, timeout=120):
    """Run the paint box's own event (the page's stroke handler) through /gradio_api/queue/join, as a script can
    without the page; returns the final SSE message."""
    box = the_paint_box(demo)
    [dependency] = [
        index for index, fn in demo.fns.items() if any(target[0] == box._id and target[1] == "input" for target in fn.targets)
    ]
    session = uuid.uuid4().hex
    body = {"data": [None, 1.0, "png", editor_payload], "fn_index": dependency, "session_hash": session, "trigger_id": box._id}
    request = urllib.request.Request(f"{url}gradio_api/queue/join", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()
    with urllib.request.urlopen(f"{url}gradio_api/queue/data?session_hash={session}", timeout=timeout) as stream:
        for line in stream:
            if line.startswith(b"data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event never completed")


def test_a_huge_layer_named_four_times_is_refused_before_it_is_decoded(served, tmp_path):
    """One 13000x13000 layer cost +2.4 GB, named four times +4.1 GB, when Gradio decoded the editor's files."""
    url, demo = served
    huge = tmp_path / "huge.png"
    Image.new("1", (13000, 13000)).save(huge)  # 169 MP, a few hundred KB of PNG
    layer = upload(url, huge)
    with PeakMemory() as memory:
        message = call_paint_event(url, demo, {"background": None, "layers": [layer] * 4, "composite": None})
    assert not message["success"]
    assert memory.extra_mb < 150, memory.extra_mb
    with PeakMemory() as memory:
        message = call_paint_event(url, demo, {"background": layer, "layers": [layer], "composite": layer})
    assert not message["success"] and "megapixels" in json.dumps(message)  # the background and composite are never read
    assert memory.extra_mb < 150, memory.extra_mb


def test_the_paint_box_takes_few_layers_each_named_once(served, tmp_path):
    url, demo = served
    small = upload(url, write(tmp_path / "stroke.png", np.zeros((20, 20, 4), np.uint8)))
    repeated = call_paint_event(url, demo, {"layers": [small, small]})
    assert not repeated["success"] and "named twice" in json.dumps(repeated)
    many = [upload(url, write(tmp_path / f"stroke{i}.png", np.zeros((20, 20, 4), np.uint8))) for i in range(paint_box.MAX_LAYERS + 1)]
    too_many = call_paint_event(url, demo, {"layers": many})
    assert not too_many["success"] and f"at most {paint_box.MAX_LAYERS} layers" in json.dumps(too_many)
    fine = call_paint_event(url, demo, {"layers": many[:2]})
    assert fine["success"], fine


def test_a_server_file_or_a_fifo_named_as_a_layer_is_never_read(served, tmp_path):
    url, demo = served
    secret = write(tmp_path / "secret.png", gradient_image(20, 20))
    message = call_paint_event(url, demo, {"layers": [{"path": str(secret), "meta": {"_type": "gradio.FileData"}}]})
    assert not message["success"] and "secret" not in json.dumps(message)
    fifo = allowed_upload_folders()[0] / f"fifo-{uuid.uuid4().hex}.png"
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    try:
        message = call_paint_event(url, demo, {"layers": [{"path": str(fifo), "meta": {"_type": "gradio.FileData"}}]}, timeout=30)
        assert not message["success"]  # answered at once: a FIFO is not opened
    finally:
        fifo.unlink()


def send_blob(url, demo, painting, index, blob, kind="layer"):
    box = the_paint_box(demo)
    fields = {"type": kind, "index": str(index), "id": painting, "component_id": str(box._id), "session_hash": "s", "fn_name": "accept_blobs"}
    return httpx.post(f"{url}gradio_api/component_server/", data=fields, files={"file": ("layer.png", blob)}, timeout=30)


def test_accept_blobs_keeps_little_and_not_for_long(served, monkeypatch):
    """A large index grew a list in place (+153 MB), and every new id kept its file for ever (60 x 4 MB: +242 MB)."""
    url, demo = served
    box = the_paint_box(demo)
    with PeakMemory() as memory:
        assert send_blob(url, demo, "big-index", 20_000_000, b"x" * 100).status_code == 200
    assert "big-index" not in box.layer_store._layers and memory.extra_mb < 50
    four_mb = bytes(4 * 2**20)
    for number in range(paint_box.MAX_PAINTINGS + 10):
        send_blob(url, demo, f"painting-{number}", 0, four_mb)
    send_blob(url, demo, "background", 0, four_mb, kind="background")  # never read: never kept
    assert len(box.layer_store._layers) <= paint_box.MAX_PAINTINGS and "background" not in box.layer_store._layers
    send_blob(url, demo, "too-big", 0, bytes(paint_box.MAX_LAYER_BYTES + 1))
    assert "too-big" not in box.layer_store._layers
    monkeypatch.setattr(paint_box, "BLOB_LIFETIME_S", 0)
    assert box.layer_store.take_layers("painting-unknown") == [] and len(box.layer_store._layers) == 0  # expired ones go at the next use
