"""The app under load: start the app, send parallel gradio_client clients, report speed and memory.

    python -m colorizer.app.loadtest [--model FOLDER] [--clients 20] [--photos-per-client 5]

Prints the start-up time (process start to page served), throughput (photos a second),
p50/p95 latency of a request, failures, and the server's resident memory before and
after the load. tests/test_app.py runs the same code on a tiny model and asserts on it.
Needs gradio_client (requirements-dev.txt). Sends traffic to 127.0.0.1 only.
"""

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

from ..colour.measures import mean_chroma
from ..config import DEFAULT_STRENGTH

APP_COMMAND = (sys.executable, "-m", "colorizer.cli.app")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_app(model=None, timeout=120, environment=None, command=APP_COMMAND, cwd=None):
    """The app (`command`) in a subprocess; yields (url, process, start-up seconds) once the page is served."""
    port = free_port()
    command = [*command, "--port", str(port)] + (["--model", str(model)] if model else [])
    env = dict(os.environ, **(environment or {}))
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_served(url, process, log, start, timeout)
            yield url, process, time.perf_counter() - start
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_served(url, process, log, start, timeout):
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the app exited with {process.returncode}:\n{log.read().decode(errors='replace')[-3000:]}")
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"the app did not serve {url} within {timeout} s")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)


def resident_mb(pid):
    """The process's resident memory in MB (Linux /proc), or None elsewhere."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def make_photos(folder, sizes):
    """Black-and-white JPEGs of the given (width, height) sizes: textured gradients."""
    paths = []
    for index, (width, height) in enumerate(sizes):
        x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
        y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
        pixels = 40 + 150 * x * (1 - 0.5 * y) + 30 * np.sin(20 * x + 13 * y + index)
        path = Path(folder) / f"photo-{index}-{width}x{height}.jpg"
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, quality=90)
        paths.append(path)
    return paths


def send_load(url, photos, clients=20, photos_per_client=5):
    """`clients` threads, each with its own gradio_client, each colorizing `photos_per_client` photos.

    Returns a list of dicts (photo, seconds, colour size or None, error or None) and the wall-clock seconds.
    """
    from gradio_client import Client, handle_file

    results, lock = [], threading.Lock()
    downloads = tempfile.TemporaryDirectory(prefix="colorizer-load-")  # the clients' copies of the results

    def one_client(index):
        client = Client(url, verbose=False, download_files=downloads.name)
        for number in range(photos_per_client):
            photo = photos[(index * photos_per_client + number) % len(photos)]
            start = time.perf_counter()
            record = {"photo": photo, "size": None, "error": None}
            try:
                _, colour_path = client.predict(handle_file(str(photo)), api_name="/colorize")
                with Image.open(colour_path) as colour:
                    record["size"], record["mode"] = colour.size, colour.mode
                    record["chroma"] = mean_chroma(np.asarray(colour.convert("RGB")))
            except Exception as error:  # noqa: BLE001 (every failure is counted and reported, none stops the load)
                record["error"] = repr(error)
            record["seconds"] = time.perf_counter() - start
            with lock:
                results.append(record)

    start = time.perf_counter()
    threads = [threading.Thread(target=one_client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall_seconds = time.perf_counter() - start
    downloads.cleanup()
    return results, wall_seconds


def upload(url, photo):
    """Upload a file to a running app as a browser does; returns its FileData for API calls."""
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{Path(photo).name}\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + Path(photo).read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{url}gradio_api/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        [path] = json.loads(response.read())
    return {"path": path, "orig_name": Path(photo).name, "meta": {"_type": "gradio.FileData"}}


def call(url, endpoint, data, timeout=120):
    """One call of an endpoint through Gradio's plain HTTP API, as any script can make it (no client library's
    checks): returns (whether it completed, the text of its event stream). A refusal by HTTP status raises HTTPError."""
    request = urllib.request.Request(
        f"{url}gradio_api/call/{endpoint}", data=json.dumps({"data": data}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event_id = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{endpoint}/{event_id}", timeout=timeout) as response:
        stream = response.read().decode()
    return "event: complete" in stream, stream


class PeakMemory:
    """This process's peak resident memory above its level at the start of the block, sampled every 2 ms.

    >>> with PeakMemory() as memory:
    ...     work()
    >>> memory.extra_mb
    """

    def __enter__(self):
        self.baseline = self.peak = resident_mb("self")
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample)
        self._sampler.start()
        return self

    def _sample(self):
        while not self._done.is_set():
            self.peak = max(self.peak, resident_mb("self"))
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._done.set()
        self._sampler.join()
        self.peak = max(self.peak, resident_mb("self"))

    @property
    def extra_mb(self):
        return self.peak - self.baseline


def send_burst(url, file_data, count=100, timeout=300, strength=DEFAULT_STRENGTH):
    """`count` requests to /colorize at the same moment, through Gradio's HTTP API.

    Returns one dict per request: outcome ("completed", "refused": the queue was full, or
    "failed") and the seconds until that answer.
    """
    results, lock = [], threading.Lock()
    start_together = threading.Barrier(count)

    def one_request():
        start_together.wait()
        start = time.perf_counter()
        outcome, reason = "failed", None
        try:
            completed, stream = call(url, "colorize", [file_data, strength, "png", None], timeout)
            outcome, reason = ("completed", None) if completed else ("failed", stream[-300:])
        except urllib.error.HTTPError as error:
            outcome, reason = ("refused", None) if error.code == 503 else ("failed", f"HTTP {error.code}")
        except OSError as error:
            reason = repr(error)
        with lock:
            results.append({"outcome": outcome, "seconds": time.perf_counter() - start, "reason": reason})

    threads = [threading.Thread(target=one_request) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def wrong_sizes(results):
    """The successful results whose colour PNG is not the size of the photo sent."""
    wrong = []
    for record in results:
        with Image.open(record["photo"]) as photo:
            if record["error"] is None and record["size"] != photo.size:
                wrong.append(record)
    return wrong


def summarize(results, wall_seconds):
    latencies = sorted(record["seconds"] for record in results)
    return {
        "requests": len(results),
        "failed": sum(record["error"] is not None for record in results),
        "photos_per_second": len(results) / wall_seconds,
        "p50_s": statistics.median(latencies),
        "p95_s": latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m colorizer.app.loadtest", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="weights folder or Hub id for the app (default: the shipped model)")
    parser.add_argument("--clients", type=int, default=20, help="parallel clients (default: %(default)s)")
    parser.add_argument("--photos-per-client", type=int, default=5, help="photos each client sends (default: %(default)s)")
    args = parser.parse_args(argv)
    sizes = [(640, 480), (800, 600), (1024, 768), (512, 512), (1280, 720)]
    with tempfile.TemporaryDirectory() as folder, running_app(args.model) as (url, process, startup):
        photos = make_photos(folder, sizes)
        print(f"start-up: {startup:.1f} s from starting the app to the page served")
        send_load(url, photos[:1], clients=1, photos_per_client=2)  # warm-up
        before = resident_mb(process.pid)
        results, wall = send_load(url, photos, args.clients, args.photos_per_client)
        time.sleep(2)
        after = resident_mb(process.pid)
        summary = summarize(results, wall)
        print(f"{summary['requests']} requests from {args.clients} clients ({', '.join(f'{w}x{h}' for w, h in sizes)}): "
              f"{summary['failed']} failed, {summary['photos_per_second']:.2f} photos/s, "
              f"p50 {summary['p50_s']:.2f} s, p95 {summary['p95_s']:.2f} s, wall {wall:.1f} s")
        print(f"results with the wrong size: {len(wrong_sizes(results))}")
        if before is not None:
            print(f"server memory: {before:.0f} MB after warm-up, {after:.0f} MB after the load")
        for record in results:
            if record["error"]:
                print("error:", record["error"])


if __name__ == "__main__":
    main()
