"""The server hands freed memory back once it is quiet, never while a request is at work."""

import inspect
import os
import sys
import threading
import time

import numpy as np
import pytest

from colorizer.app import loadtest
from colorizer.app.memory_release import IdleRelease, hand_back_freed_memory, released_when_idle


def recording_release():
    released = []
    return released, lambda: released.append(time.monotonic())


def test_memory_goes_back_once_the_last_request_is_done():
    released, release = recording_release()
    idle = IdleRelease(release, idle_s=0.05)
    with idle.working():
        with idle.working():
            time.sleep(0.1)
        time.sleep(0.15)  # one request still at work: nothing is handed back
        assert released == []
        ended = time.monotonic()
    time.sleep(0.3)
    assert len(released) == 1 and released[0] - ended >= 0.05


def test_a_request_that_begins_in_the_quiet_moment_puts_the_release_off():
    released, release = recording_release()
    idle = IdleRelease(release, idle_s=0.2)
    with idle.working():
        pass
    time.sleep(0.05)
    with idle.working():
        time.sleep(0.3)  # the first quiet moment's release would fall here
        assert released == []
    time.sleep(0.4)
    assert len(released) == 1


def test_a_decorated_handler_keeps_its_signature_and_result():
    def handler(photo, strength=1.0, request=None):
        """A page handler."""
        return photo, strength

    counted = released_when_idle(handler)
    assert list(inspect.signature(counted).parameters) == ["photo", "strength", "request"]
    assert counted.__doc__ == "A page handler." and counted("cat.jpg", strength=2.0) == ("cat.jpg", 2.0)


def test_a_request_that_fails_still_counts_as_done():
    released, release = recording_release()
    idle = IdleRelease(release, idle_s=0.05)
    with pytest.raises(ValueError), idle.working():
        raise ValueError("a bad photo")
    time.sleep(0.3)
    assert len(released) == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux's")
def test_freed_memory_goes_back_to_the_system():
    def resident_mb():
        return loadtest.resident_mb(os.getpid())

    def fragment():  # blocks below glibc's least mapping threshold (128 KiB), freed but every tenth: kept in the heap
        blocks = [np.ones(10_000, dtype=np.float64) for _ in range(10_000)]
        return blocks[::10]

    kept = []
    start = resident_mb()
    worker = threading.Thread(target=lambda: kept.append(fragment()))  # in an arena of its own, as a request's thread
    worker.start()
    worker.join()
    before = resident_mb()
    assert before > start + 500  # 72 MB kept, and most of the 720 MB freed still the process's
    assert hand_back_freed_memory()
    assert resident_mb() < before - 500  # of the 720 MB freed, the whole pages between the kept blocks went back
