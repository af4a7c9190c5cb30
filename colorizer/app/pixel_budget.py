"""How much work one request, and one visitor's session, may ask of the app, counted in pixels.

Colorizing costs about 0.1 s per megapixel on 2 cores, so a request's pixels are its time.
An album of fifty 49 MP photos (3 MB of PNG) once held a worker for 764 s; with two workers,
two such requests stalled every visitor for 13 minutes. The sizes come from the files'
headers (`images.image_size`), before anything is decoded.
"""

import collections
import threading
import time

REQUEST_PIXELS = 200_000_000  # one request: four 50 MP photos or fifty 4 MP ones, about 20 s of work on 2 cores
SESSION_PIXELS = 600_000_000  # one session (one open page) within SESSION_WINDOW_S: about a minute of work
SESSION_WINDOW_S = 600
RENDER_SHARE = 0.5  # a render again (a stroke, a strength: no model) counts as this share of the photo's pixels
MAX_SESSIONS = 10_000  # sessions remembered; the oldest are forgotten first


class BudgetExceeded(Exception):
    """The photo would take the request or the session over its pixel budget; the message says which."""


class SessionBudgets:
    """Pixels colorized per session in the last SESSION_WINDOW_S, and the check that refuses more."""

    def __init__(self, pixels=None, window_s=None):
        self.pixels = SESSION_PIXELS if pixels is None else pixels
        self.window_s = SESSION_WINDOW_S if window_s is None else window_s
        self._spent = collections.OrderedDict()  # session -> deque of (time, pixels)
        self._lock = threading.Lock()

    def spend(self, session, pixels):
        """Count `pixels` against `session` (None: not counted), or raise BudgetExceeded when it has no room left."""
        if session is None:
            return
        now = time.monotonic()
        with self._lock:
            spent = self._spent.pop(session, collections.deque())
            while spent and spent[0][0] < now - self.window_s:
                spent.popleft()
            used = sum(amount for _, amount in spent)
            if used + pixels > self.pixels:
                self._spent[session] = spent
                minutes = self.window_s / 60
                raise BudgetExceeded(
                    f"this page has colorized {used / 1e6:.0f} MP in the last {minutes:.0f} minutes, the most one visitor "
                    f"may ({self.pixels / 1e6:.0f} MP); please wait a few minutes"
                )
            spent.append((now, pixels))
            self._spent[session] = spent
            while len(self._spent) > MAX_SESSIONS:
                self._spent.popitem(last=False)


class RequestBudget:
    """The pixels one request may still colorize."""

    def __init__(self, pixels=None):
        self.total = self.left = REQUEST_PIXELS if pixels is None else pixels

    def spend(self, pixels):
        if pixels > self.left:
            raise BudgetExceeded(
                f"left out: the photos of one request may hold {self.total / 1e6:.0f} MP in all; colorize the rest in another batch"
            )
        self.left -= pixels
