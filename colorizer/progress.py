"""Progress of long work: a bar in a terminal, plain lines in a log or a pipe.

tqdm redraws its bar with carriage returns, which a log file or a pipe read line by line shows
only at the end; there, `LogLines` prints a whole line every few seconds instead.
"""

import sys
import time

from tqdm import tqdm


def progress_bar(iterable=None, *, desc, unit, total=None, initial=0, log_every_s=60):
    """A tqdm bar on a terminal, else `LogLines`; both iterate over `iterable` or count `update(n)` calls."""
    if sys.stderr.isatty():
        return Bar(iterable, desc=desc, unit=unit, total=total, initial=initial, dynamic_ncols=True)
    return LogLines(iterable, desc=desc, unit=unit, total=total, initial=initial, log_every_s=log_every_s)


class Bar(tqdm):
    """tqdm's bar, whose total can be given once it is known."""

    def set_total(self, total):
        self.total = total
        self.refresh()


class LogLines:
    """"DESC: 12/240 photos, 2.1 photos/s, about 108 s left" on standard error every `log_every_s` seconds and at the end."""

    def __init__(self, iterable=None, *, desc, unit, total=None, initial=0, log_every_s=60):
        self.iterable, self.desc, self.unit, self.log_every_s = iterable, desc, unit, log_every_s
        self.total = len(iterable) if total is None and hasattr(iterable, "__len__") else total
        self.n = self.initial = self.n_shown = initial
        self.started = self.shown = time.monotonic()

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)

    def update(self, count=1):
        self.n += count
        now = time.monotonic()
        if now - self.shown >= self.log_every_s or self.n == self.total:
            self.show(now)

    def set_total(self, total):
        self.total = total

    def show(self, now):
        self.shown, self.n_shown = now, self.n
        print(self.line(now), file=sys.stderr, flush=True)

    def line(self, now):
        rate = (self.n - self.initial) / max(now - self.started, 1e-9)
        text = f"{self.desc}: {self.n}" + (f"/{self.total}" if self.total else "") + f" {self.unit}s, {rate:.2f} {self.unit}s/s"
        if self.total and rate > 0 and self.n < self.total:
            text += f", about {(self.total - self.n) / rate:.0f} s left"
        return text

    def close(self):
        """The last count, if the last line did not show it."""
        if self.n != self.n_shown:
            self.show(time.monotonic())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
