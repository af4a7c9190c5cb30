"""Ctrl-C while a command starts: ended at once, with one line and the status 130.

Importing TensorFlow and Gradio takes seconds, and a library imported then may swallow the
KeyboardInterrupt (a bare `except:`), so that the command went on loading and failed later.
While `starting()` is active a Ctrl-C ends the process itself; nothing has been written yet.
"""

import contextlib
import os
import signal
import sys


@contextlib.contextmanager
def starting(message="interrupted"):
    """Within the block, Ctrl-C prints `message` and exits with 130 at once (main thread only; elsewhere a no-op)."""

    def stop(signum, frame):
        sys.stderr.write(f"\n{message}\n")
        sys.stderr.flush()
        os._exit(130)

    try:
        previous = signal.signal(signal.SIGINT, stop)
    except ValueError:  # not the main thread: Python's own KeyboardInterrupt stays
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
