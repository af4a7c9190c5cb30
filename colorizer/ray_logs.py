"""Ray's core notes kept off the user's standard error while a `--ray` job runs.

Ray's C++ core writes lines such as "[2026-12-03 17:56:57,548 E 10736 10736] core_worker.cc:2465:
..." to the driver's standard error: notes about its own internals, marked as errors though
nothing is wrong, and an environment variable that could silence them prints a line of its own.
Within `ray_core_logs_left_out()` standard error passes through a pipe that drops those lines and
forwards everything else as it comes; COLORIZER_VERBOSE=1 shows them.
"""

import contextlib
import os
import re
import sys
import threading

RAY_CORE_LINE = re.compile(rb"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [DIWEF] \d+ \d+\] ")
SEPARATORS = re.compile(rb"(?<=[\r\n])")  # split after each line end, keeping it (progress bars redraw with \r)


@contextlib.contextmanager
def ray_core_logs_left_out():
    """Within the block, lines of Ray's C++ core on file descriptor 2 are dropped; all else passes."""
    if os.environ.get("COLORIZER_VERBOSE"):
        yield
        return
    sys.stderr.flush()
    terminal = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    forwarder = threading.Thread(target=_forward, args=(read_end, terminal), daemon=True)
    forwarder.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(terminal, 2)  # closes the pipe's last write end: the forwarder reads to its end and stops
        forwarder.join(timeout=5)
        os.close(terminal)


def _forward(read_end, terminal):
    """Copy the pipe to `terminal` piece by piece, leaving out whole lines of Ray's core."""
    pending = b""
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            pieces = SEPARATORS.split(pending + chunk)
            pending = pieces.pop() if not pieces[-1].endswith((b"\n", b"\r")) else b""
            if pending and not pending.startswith(b"["):  # a piece that cannot be Ray's goes out at once
                pieces.append(pending)
                pending = b""
            _write(terminal, b"".join(piece for piece in pieces if not RAY_CORE_LINE.match(piece)))
    if pending and not RAY_CORE_LINE.match(pending):
        _write(terminal, pending)


def _write(terminal, data):
    while data:
        data = data[os.write(terminal, data):]
