"""Whether a Ray cluster's head is there: before a job (an address where nothing answers gets one line, not
minutes of Ray's retries that no signal stops) and during it (a head that stops answering is noticed in seconds)."""

import socket
import threading
import time

CONNECT_WAIT_S = 30  # how long `--ray HOST:PORT` waits for its head to answer (--ray-wait)
HEAD_LOST_S = 10  # a head silent this long mid-job is gone (Ray's own driver would wait 60 s, then exit without a word)


class ClusterUnreachable(ConnectionError):
    """Nothing answers at the cluster's address; the message is one line for the user."""


def head_address(address):
    """(host, port) of `HOST:PORT` or `ray://HOST:PORT`; None for `auto` and what else Ray resolves itself."""
    host, colon, port = address.removeprefix("ray://").rpartition(":")
    return (host.strip("[]"), int(port)) if colon and host and port.isdigit() else None


def wait_for_head(address, wait_s=CONNECT_WAIT_S):
    """Return once something answers at `address`, or raise ClusterUnreachable after `wait_s` seconds.

    Ray itself retries an address where nothing answers for minutes, in C++ that no signal stops.
    """
    found = head_address(address)
    if found is None:
        return
    host, port = found
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ClusterUnreachable(f"cannot find the Ray head's host {host} ({error.strerror})") from None
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=max(0.1, min(5.0, deadline - time.monotonic()))):
                return
        except OSError as error:
            if time.monotonic() >= deadline:
                raise ClusterUnreachable(
                    f"no Ray cluster answers at {address} ({error.strerror or error}; waited {wait_s:g} s, "
                    "--ray-wait SECONDS waits longer)"
                ) from None
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def watch_head(gcs_address, on_lost, lost_after_s=HEAD_LOST_S):
    """Watch the head at `gcs_address` from a daemon thread: `on_lost()` is called once, when it has not answered
    for `lost_after_s`. Returns an Event; setting it ends the watch (the job is over)."""
    host, port = head_address(gcs_address)
    done = threading.Event()

    def watch():
        answered = time.monotonic()
        while not done.wait(1):
            try:
                with socket.create_connection((host, port), timeout=2):
                    answered = time.monotonic()
            except OSError:
                if time.monotonic() - answered >= lost_after_s and not done.is_set():
                    on_lost()
                    return

    threading.Thread(target=watch, name="ray-head-watch", daemon=True).start()
    return done
