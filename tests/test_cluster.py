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
    assert capsys.readouterr().err.strip() == 'error: colorize --ray needs Ray Data: pip install "ray[data]"'
    assert not (tmp_path / "out").exists()


def closed_port():
    """A port on this machine where nothing listens (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_address_where_nothing_answers_gives_one_line_after_the_wait(tmp_path):
    from colorizer import cluster_head as cluster

    address = f"127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(cluster.ClusterUnreachable, match=rf"no Ray cluster answers at {address} .*waited 1 s, --ray-wait"):
        cluster.wait_for_head(address, wait_s=1)
    assert time.monotonic() - started < 4
    with pytest.raises(cluster.ClusterUnreachable, match="cannot find the Ray head's host no-such-host.invalid"):
        cluster.wait_for_head("ray://no-such-host.invalid:10001", wait_s=60)  # no retries: the name does not exist
    assert cluster.head_address("ray://[::1]:10001") == ("::1", 10001) and cluster.head_address("auto") is None


def test_the_command_at_a_silent_address_writes_nothing_and_stops_on_sigterm(tmp_path):
    pytest.importorskip("ray.data", reason="the cluster tests need Ray Data: pip install 'ray[data]'")
    write(tmp_path / "album" / "a.png", gradient_image(20, 10))
    command = [sys.executable, "-m", "colorizer", str(tmp_path / "album"), "--output", str(tmp_path / "out"),
               "--ray", f"127.0.0.1:{closed_port()}"]
    run = subprocess.run([*command, "--ray-wait", "1"], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 2
    assert [line for line in run.stderr.splitlines() if line.strip()] == [
        f"error: no Ray cluster answers at {command[-1]} (Connection refused; waited 1 s, --ray-wait SECONDS waits longer)"]
    assert not (tmp_path / "out").exists()

    waiting = subprocess.Popen([*command, "--ray-wait", "600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "Colorizing on the Ray cluster" in waiting.stdout.readline()
    time.sleep(1)
    stopped = time.monotonic()
    waiting.terminate()
    waiting.wait(timeout=10)
    assert time.monotonic() - stopped < 3
    assert not (tmp_path / "out").exists()


def test_a_silent_head_is_noticed_mid_job(tmp_path):
    from colorizer import cluster_head as cluster

    head = socket.socket()
    head.bind(("127.0.0.1", 0))
    head.listen()
    lost, ended = threading.Event(), threading.Event()
    cluster.watch_head(f"127.0.0.1:{head.getsockname()[1]}", lost.set, lost_after_s=2)
    cluster.watch_head(f"127.0.0.1:{head.getsockname()[1]}", ended.set, lost_after_s=2).set()  # a job that is over
    time.sleep(2.5)
    assert not lost.is_set()  # it answers
    head.close()
    assert lost.wait(timeout=6)
    assert not ended.is_set()  # a finished job's watch says nothing when the head goes later


def test_the_workers_get_this_project_with_its_model(tmp_path):
    cluster = pytest.importorskip("colorizer.cluster")
    from colorizer.resources import shipped_weights

    copy = cluster.shipped_project(tmp_path)
    assert (copy / "pipeline.py").read_bytes() == (Path(cluster.__file__).parent / "pipeline.py").read_bytes()
    assert sorted(path.name for path in (copy / "shipped_weights").iterdir()) == sorted(
        path.name for path in shipped_weights().iterdir() if path.suffix in (".json", ".keras", ".md"))
    assert not list(copy.rglob("__pycache__"))


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
    pytest.importorskip("ray.data", reason="the cluster tests need Ray Data: pip install 'ray[data]'")
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
    assert "Colorizing: 9/9 photos" in run.stderr  # the progress knows the job's size
    assert not [line for line in run.stderr.splitlines() if line.startswith("[20")]  # no notes of Ray's core
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
    again = colorize_on(ray_head, [archive], tmp_path / "restored", tiny_weights)
    assert again.returncode == 0 and "Nothing to do: all 40 colour photos exist" in again.stdout, again.stderr


WHERE_THE_WORKERS_IMPORT_FROM = """
import sys, ray
from colorizer import cluster

@ray.remote
def where():
    import colorizer
    from colorizer.resources import shipped_weights
    return colorizer.__file__, str(shipped_weights())

ray.init(address=sys.argv[1], logging_level="ERROR", runtime_env=cluster.runtime_env(sys.argv[2]))
print(*ray.get(where.remote()))
"""


@pytest.mark.slow
def test_the_workers_import_the_project_the_driver_ships(ray_head, tmp_path):
    """Run from outside the checkout (Ray puts the driver's folder on its workers' path): the workers get Ray's copy."""
    from colorizer import cluster

    (tmp_path / "job").mkdir()
    run = subprocess.run([sys.executable, "-c", WHERE_THE_WORKERS_IMPORT_FROM, ray_head, str(tmp_path / "job")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300, check=True)
    package, weights = run.stdout.split()
    assert not package.startswith(str(Path(cluster.__file__).parent)) and package.endswith("colorizer/__init__.py")
    assert weights == str(Path(package).parent / "shipped_weights")


RAY_NOISE = '''
import os, sys
from colorizer.ray_logs import ray_core_logs_left_out
from colorizer.progress import LogLines
with LogLines(desc="Colorizing", unit="photo", log_every_s=3600) as bar, ray_core_logs_left_out():
    bar.set_total(3)
    os.write(2, b"[2026-12-03 17:56:57,548 E 10736 10736] core_worker.cc:2465: Actor ... max_restarts > 0.\\n")
    bar.update(2)
    print("note: a.png: kept", file=sys.stderr, flush=True)
    os.write(2, b"\\rhalf a line, ")
    os.write(2, b"the rest\\n[2026-12-03 17:56:58,001 I 1 1] logging.cc:303: Set ray log level\\n[not Ray's]\\n")
print("done", file=sys.stderr)
'''


def test_ray_core_lines_are_left_out_of_standard_error_and_the_rest_passes():
    run = subprocess.run([sys.executable, "-c", RAY_NOISE], capture_output=True, timeout=60, check=True)
    lines = run.stderr.decode().split("\n")  # (bytes: text mode would turn the bar's \r into a line end)
    assert lines[:3] == ["note: a.png: kept", "\rhalf a line, the rest", "[not Ray's]"]
    assert lines[3].startswith("Colorizing: 2/3 photos, ")  # the last count, shown when the bar closes
    assert lines[4:] == ["done", ""]
