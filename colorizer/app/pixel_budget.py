"""How much work one request, and one visitor's session, may ask of the app, counted in pixels.

Colorizing costs about 0.1 s per megapixel on 2 cores, so a request's pixels are its time.
An album of fifty 49 MP photos (3 MB of PNG) once held a worker for 764 s; with two workers,
two such requests stalled every visitor for 13 minutes. The sizes come from the files'
headers (`images.image_size`), before anything is decoded.
"""

import collections
import os
import threading
import time
from dataclasses import dataclass

REQUEST_PIXELS = 200_000_000  # one request: four 50 MP photos or fifty 4 MP ones, about 20 s of work on 2 cores
SESSION_PIXELS = 600_000_000  # one session (one open page) within SESSION_WINDOW_S: about a minute of work
SESSION_WINDOW_S = 600
SESSION_FILM_FRAMES = 3600  # one visitor's film frames within SESSION_WINDOW_S: two of the page's longest films
RENDER_SHARE = 0.5  # a render again (a stroke, a strength: no model) counts as this share of the photo's pixels
# What a budget counts: (its name on the page, its scale, one visitor's default within SESSION_WINDOW_S)
UNITS = {"pixels": ("MP", 1e6, SESSION_PIXELS), "frames": ("frames of film", 1, SESSION_FILM_FRAMES)}
MAX_SESSIONS = 10_000  # sessions remembered; the oldest are forgotten first
TRUST_FORWARDED = "COLORIZER_TRUST_FORWARDED"  # set to 1 behind a proxy that sets X-Forwarded-For (a Hugging Face Space)


@dataclass(frozen=True)
class Visitor:
    """Who a request comes from: its page (`session`, which a client chooses and may change at will) and its
    `address` (which it cannot). Budgets are kept by address where it is known; kept photos by both."""

    session: str | None
    address: str | None = None

    @property
    def budget_key(self):
        return self.address or self.session


def visitor_of(request) -> Visitor:
    """The `Visitor` of a Gradio request (none outside Gradio: nothing is counted). Behind a proxy every request comes
    from the proxy's address: with COLORIZER_TRUST_FORWARDED=1 the first address of X-Forwarded-For is taken instead
    (set it only behind a proxy that writes that header, or a client could name any address)."""
    if request is None:
        return Visitor(None)
    address = getattr(getattr(request, "client", None), "host", None)
    headers = getattr(request, "headers", None) or {}
    if os.environ.get(TRUST_FORWARDED) == "1" and headers.get("x-forwarded-for"):
        address = headers["x-forwarded-for"].split(",")[0].strip()
    return Visitor(getattr(request, "session_hash", None), address)


class BudgetExceeded(Exception):
    """The photo would take the request or the session over its pixel budget; the message says which."""


class SessionBudgets:
    """Pixels (or film frames: `unit`) colorized per visitor in the last SESSION_WINDOW_S, and the check that refuses more."""

    def __init__(self, pixels=None, window_s=None, unit="pixels"):
        self.pixels = UNITS[unit][2] if pixels is None else pixels
        self.window_s = SESSION_WINDOW_S if window_s is None else window_s
        self.unit = unit
        self._spent = collections.OrderedDict()  # session -> deque of (time, pixels)
        self._lock = threading.Lock()

    def spend(self, visitor, pixels):
        """Count `pixels` against `visitor` (a `Visitor`, or any key; None: not counted), or raise BudgetExceeded when
        it has no room left."""
        session = visitor.budget_key if isinstance(visitor, Visitor) else visitor
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
                minutes, (name, scale, _) = self.window_s / 60, UNITS[self.unit]
                raise BudgetExceeded(
                    f"this page has colorized {used / scale:.0f} {name} in the last {minutes:.0f} minutes, the most one "
                    f"visitor may ({self.pixels / scale:.0f} {name}); please wait a few minutes"
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
