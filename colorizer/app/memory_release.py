"""Give the memory a burst of requests used back to the system once the server is quiet.

A server colorizes several photos at once, each in a thread of its own, with arrays of many
megabytes. glibc keeps what they freed, for speed: an arena for each thread that ever allocated,
each as big as its busiest moment. Two settings keep the server's memory close to what it needs:
at most one arena per request computed at once (`limit_arenas`), and the freed memory handed
back a moment after the last request ends (`released_when_idle`); during a burst nothing is
handed back, so requests keep the speed of reused memory.
"""

import ctypes
import ctypes.util
import functools
import sys
import threading
from contextlib import contextmanager

M_ARENA_MAX = -8  # mallopt's parameter, from glibc's malloc.h
IDLE_S = 1.0  # quiet this long after the last request, the server hands its freed memory back


@functools.cache
def _glibc():
    """The C library if it is glibc on Linux (the one with `mallopt` and `malloc_trim`), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_arenas(arenas: int) -> bool:
    """Let glibc keep at most `arenas` arenas; call it before the server's threads start.

    Returns whether the setting was applied (False off Linux, or with another C library).
    """
    libc = _glibc()
    return libc is not None and libc.mallopt(M_ARENA_MAX, arenas) == 1


def hand_back_freed_memory() -> bool:
    """Return the allocator's free memory to the system now (glibc's `malloc_trim`); whether any was returned."""
    libc = _glibc()
    return libc is not None and libc.malloc_trim(0) == 1


class IdleRelease:
    """Counts the requests at work; `idle_s` after the last one ends, calls `release` (unless another began)."""

    def __init__(self, release=hand_back_freed_memory, idle_s: float = IDLE_S):
        self._release = release
        self._idle_s = idle_s
        self._working = 0
        self._timer = None
        self._lock = threading.Lock()

    @contextmanager
    def working(self):
        with self._lock:
            self._working += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        try:
            yield
        finally:
            with self._lock:
                self._working -= 1
                if self._working == 0:
                    self._timer = threading.Timer(self._idle_s, self._release_if_idle)
                    self._timer.daemon = True
                    self._timer.start()

    def _release_if_idle(self):
        with self._lock:
            if self._working:
                return
        self._release()


SERVER = IdleRelease()  # the one allocator of the process: every request handler counts in it


def released_when_idle(handler):
    """Decorates a request handler: its work counts in `SERVER`, whose memory goes back once all are done."""

    @functools.wraps(handler)  # Gradio reads the handler's own signature through __wrapped__
    def counted(*args, **kwargs):
        with SERVER.working():
            return handler(*args, **kwargs)

    return counted
