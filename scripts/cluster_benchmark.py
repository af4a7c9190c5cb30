"""`colorize --ray` against `colorize` on the same photos (a benchmark; needs Ray Data and ../shared/data).

    python scripts/cluster_benchmark.py [--cpus 2] [--photos ../shared/data/test/bsds500 ../shared/data/test/kodak24]

Starts a local Ray head of its own (its own process group, stopped by its id: never `ray stop`),
colours the photos once on this machine and once through the head, checks that the two runs wrote
the same files byte for byte, and prints both throughputs (photos a second, model loading included).
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED_TEST = Path(__file__).resolve().parents[2] / "shared" / "data" / "test"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(command):
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    if run.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{run.stderr[-3000:]}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpus", type=int, default=os.cpu_count(), help="CPUs the local Ray head offers (default: all)")
    parser.add_argument("--photos", nargs="+", default=[SHARED_TEST / "bsds500", SHARED_TEST / "kodak24"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cluster-benchmark-"))
    colorize = [sys.executable, "-m", "colorizer", *map(str, args.photos)]
    count = sum(1 for folder in args.photos for path in Path(folder).rglob("*") if path.is_file() and path.suffix.lower() in (".png", ".jpg"))

    single = timed([*colorize, "--output", str(work / "single")])
    port = free_port()
    head = subprocess.Popen(
        [str(Path(sys.executable).with_name("ray")), "start", "--head", "--num-cpus", str(args.cpus), "--port", str(port),
         "--block", "--include-dashboard=false", "--disable-usage-stats"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"},
    )
    try:
        time.sleep(15)
        cluster = timed([*colorize, "--output", str(work / "cluster"), "--ray", f"127.0.0.1:{port}"])
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        time.sleep(3)
        try:
            os.killpg(head.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    written = sorted(path.relative_to(work / "single") for path in (work / "single").rglob("*.png"))
    same = sum((work / "cluster" / path).is_file() and (work / "cluster" / path).read_bytes() == (work / "single" / path).read_bytes()
               for path in written)
    print(f"{count} photos, {os.cpu_count()} CPU cores; the Ray head offers {args.cpus}")
    print(f"one machine: {single:.1f} s, {count / single:.2f} photos/s")
    print(f"--ray:       {cluster:.1f} s, {count / cluster:.2f} photos/s ({single / cluster:.2f}x)")
    print(f"outputs byte for byte the same: {same} of {len(written)}")


if __name__ == "__main__":
    main()
