"""Bandwidth and schedule of network pushes (资源推送): a token bucket and an off-hours window.

``SHUXIANG_PACKAGES_BANDWIDTH`` is a link rate as operators quote it, in bits per second with an
optional k/M/G suffix ("20M" = 20 Mbit/s, "500k"; empty or 0 = unlimited).
``SHUXIANG_PACKAGES_WINDOW`` is the daily time window transfers may run in, local time
("22:00-06:00" runs overnight; empty = any time).
"""

from __future__ import annotations

import datetime
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shuxiang.core.errors import ValidationFailed

RATE_RE = re.compile(r"^([0-9]{1,12})(?:\.([0-9]{1,6}))?\s*([kmg]?)(?:bit|bps|b/s|bit/s)?$")
WINDOW_RE = re.compile(r"^([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2})$")
UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def parse_bandwidth(text: str | None, field: str = "bandwidth") -> float:
    """Bytes per second of a rate written in bits per second ("20M"); 0 means unlimited."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")
    if raw in ("", "0"):
        return 0.0
    match = RATE_RE.match(raw)
    if not match:
        raise ValidationFailed.single(
            field, _("Give a rate in bits per second such as 20M, 500k or 0 (unlimited)."), "rate"
        )
    whole, fraction, unit = match.groups()
    bits = float(f"{whole}.{fraction or 0}") * UNITS[unit]
    return bits / 8


@dataclass(frozen=True)
class Window:
    """A daily window [start, end) in minutes after midnight; start > end wraps past midnight."""

    start: int
    end: int

    def is_open(self, moment: datetime.datetime) -> bool:
        minute = moment.hour * 60 + moment.minute
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def seconds_until_open(self, moment: datetime.datetime) -> int:
        """0 when open; otherwise the seconds until the window next opens."""
        if self.is_open(moment):
            return 0
        opening = moment.replace(hour=self.start // 60, minute=self.start % 60, second=0)
        opening = opening.replace(microsecond=0)
        if opening <= moment:
            opening += datetime.timedelta(days=1)
        return int((opening - moment).total_seconds()) + 1


ALWAYS = Window(0, 0)


def parse_window(text: str | None, field: str = "window") -> Window:
    """The window of "HH:MM-HH:MM" (local time); empty means any time."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip().replace(" ", "")
    if not raw:
        return ALWAYS
    match = WINDOW_RE.match(raw)
    numbers = [int(part) for part in match.groups()] if match else []
    if not numbers or numbers[0] > 23 or numbers[2] > 24 or numbers[1] > 59 or numbers[3] > 59:
        raise ValidationFailed.single(
            field, _("Give the window as HH:MM-HH:MM, e.g. 22:00-06:00."), "window"
        )
    return Window(numbers[0] * 60 + numbers[1], (numbers[2] * 60 + numbers[3]) % 1440)


class TokenBucket:
    """Rate limiter shared by the threads of one transfer: ``take(n)`` waits until n bytes
    may pass. The bucket holds at most ``burst`` bytes (a quarter second of the rate, at
    least 64 KiB), so an idle spell never lets a long burst overrun the link."""

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = float(rate)
        self.burst = burst or max(int(self.rate / 4), 64 * 1024)
        self.tokens = float(self.burst)
        self.clock, self.sleep = clock, sleep
        self.stamp = clock()
        self.lock = threading.Lock()

    def take(self, count: int) -> None:
        if self.rate <= 0:
            return
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            self.tokens -= count  # may go negative: the debt is paid by waiting
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait > 0:
            self.sleep(wait)
