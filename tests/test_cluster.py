"""`colorize --ray`: without Ray, one line; with a real local Ray head, the same files as one machine,
and a worker killed halfway loses and doubles nothing."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colorizer.cli.colorize import main, plan_outputs
from colorizer.colour.images import find_images

from conftest import colour_photo, gradient_image, write


def test_without_ray_the_option_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    assert main([str(tmp_path), "--output", str(tmp_path / "out"), "--ray", "auto"]) == 2
    assert capsys.readouterr().err.strip() == 'error: colorize --ray needs Ray Data: pip install "colorizer[ray]"'
    assert not (tmp_path / "out").exists()


def test_the_cluster_plans_the_names_the_single_machine_command_gives(tmp_path):
    cluster = pytest.importorskip("colorizer.cluster")
    pytest.importorskip("pyarrow", reason="the cluster's listing uses pyarrow's filesystems (installed with Ray)")
    album = tmp_path / "album"
    for name in ("a.jpg", "a.png", "b.png", "sub/a.jpg", "out/old.png", "notes.txt"):
        (album / name).parent.mkdir(parents=True, exist_ok=True)
        (album / name).write_bytes(b"x")
    single = tmp_path / "single.png"
    single.write_bytes(b"x")
    output = album / "out"
    expected = [(str(file), str(target), note) for file, target, note in
                plan_outputs(find_images([album, single], exclude=[output])[0], output)]
    assert cluster.plan([str(album), str(single)], str(output), ".png") == expected
    assert [Path(target).name for _, target, _ in expected] == ["a.png", "a (2).png", "b.png", "a.png", "single.png"]
    as_uris = cluster.plan([f"file://{album}", f"file://{single}"], f"file://{output}", ".png")  # how an object store is named
    assert as_uris == [(f"file://{source}", f"file://{target}", note and note.replace(source, f"file://{source}"))
                       for source, target, note in expected]


def test_one_filesystem_serves_a_whole_store():
    """The listing and every photo of a store reuse one pyarrow filesystem (one per bucket), at the paths pyarrow gives."""
    cluster = pytest.importorskip("colorizer.cluster")
    fs = pytest.importorskip("pyarrow.fs", reason="the cluster's paths go through pyarrow's filesystems (installed with Ray)")
    first, second = cluster.filesystem("file:///tmp/a/one.png"), cluster.filesystem("file:///tmp/b/two.png")
    assert first[0] is second[0] and first[1] == fs.FileSystem.from_uri("file:///tmp/a/one.png")[1] == "/tmp/a/one.png"
    assert cluster.filesystem("photos")[1] == str(Path("photos").resolve())


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def ray_head(tmp_path):
    """A real Ray head in its own process group (2 CPUs), stopped by its group id: never `ray stop`, which stops them all."""
    pytest.importorskip("ray.data", reason="the cluster tests need Ray Data: pip install 'colorizer[ray]'")
    port = free_port()
    ray = Path(sys.executable).with_name("ray")
    log = (tmp_path / "head.log").open("w")
    head = subprocess.Popen(
        [str(ray), "start", "--head", "--num-cpus", "2", "--port", str(port), "--block", "--include-dashboard=false",
         "--object-store-memory", str(200 * 2**20), "--disable-usage-stats"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"},
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert head.poll() is None, (tmp_path / "head.log").read_text()
            time.sleep(0.5)
        time.sleep(3)
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        time.sleep(3)
        try:
            os.killpg(head.pid, signal.SIGKILL)  # gcs_server outlives a SIGTERM
        except ProcessLookupError:
            pass
        head.wait(timeout=30)
        log.close()


def colorize_on(address, inputs, output, model):
    return subprocess.run(
        [sys.executable, "-m", "colorizer", *map(str, inputs), "--output", str(output), "--model", str(model), "--ray", address],
        capture_output=True, text=True, timeout=600, check=False,
    )


def worker_pids():
    """The Ray workers running our actors, by their process title."""
    found = subprocess.run(["pgrep", "-f", "ColorizeActor"], capture_output=True, text=True, check=False).stdout.split()
    return [int(pid) for pid in found]


@pytest.mark.slow
def test_a_ray_cluster_writes_what_one_machine_writes_and_survives_a_killed_worker(ray_head, tiny_weights, tmp_path):
    album = tmp_path / "album"
    for index in range(6):
        write(album / ("people" if index % 2 else "places") / f"{index}.png", colour_photo(index, size=64))
    write(album / "a.jpg", gradient_image(40, 30))
    write(album / "a.png", gradient_image(30, 40))
    (album / "broken.png").write_text("not a photo")

    main([str(album), "--output", str(tmp_path / "single"), "--model", str(tiny_weights)])
    run = colorize_on(ray_head, [album], tmp_path / "cluster", tiny_weights)
    assert run.returncode == 1, run.stderr  # the broken photo
    assert "broken.png: not an image" in run.stderr and "Wrote 8 colour photo(s)" in run.stdout
    single = sorted(path.relative_to(tmp_path / "single") for path in (tmp_path / "single").rglob("*.png"))
    assert sorted(path.relative_to(tmp_path / "cluster") for path in (tmp_path / "cluster").rglob("*.png")) == single
    for relative in single:
        assert (tmp_path / "cluster" / relative).read_bytes() == (tmp_path / "single" / relative).read_bytes()

    archive = tmp_path / "archive"  # big enough to take several seconds: a worker is killed while it works
    for index in range(40):
        write(archive / f"scan{index:02d}.png", np.asarray(Image.fromarray(colour_photo(index, size=64)).resize((900, 700))))
    killed = []

    def kill_a_worker():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            pids = worker_pids()
            if pids and any((tmp_path / "restored").glob("*.png")):  # mid-job: some photos written, most not
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    run = colorize_on(ray_head, [archive], tmp_path / "restored", tiny_weights)
    killer.join()
    assert killed, "no worker was running to be killed"
    assert run.returncode == 0, run.stderr
    written = sorted(path.name for path in (tmp_path / "restored").iterdir())
    assert written == [f"scan{index:02d}.png" for index in range(40)]  # each once: no "(2)", nothing partial
    for name in written:
        assert Image.open(tmp_path / "restored" / name).size == (900, 700)
