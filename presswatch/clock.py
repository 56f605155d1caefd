"""Injectable clocks, so tests and the demo can drive time."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

__all__ = ["as_utc", "Clock", "FakeClock", "isoformat", "parse_when", "ScaledClock", "SystemClock", "utcnow"]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def isoformat(dt: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix (the form used in every JSON output)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def as_utc(dt: datetime) -> datetime:
    """Attach UTC to naive datetimes read back from databases that drop the zone (SQLite)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return utcnow()


class FakeClock:
    """A clock that only moves when told to (tests) — thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = as_utc(when)


class ScaledClock:
    """Wall time sped up by ``factor`` from ``start`` (the demo plays days in seconds)."""

    def __init__(self, factor: float, start: datetime | None = None) -> None:
        import time

        self._t0 = time.monotonic()
        self._start = start or utcnow()
        self._factor = factor
        self._mono = time.monotonic

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(self._mono() - self._t0) * self._factor)


def parse_when(value: object) -> datetime | None:
    """A UTC datetime from ``YYYY-MM-DD``, ISO 8601, a date or datetime; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                d = date.fromisoformat(text)
                return datetime(d.year, d.month, d.day, tzinfo=UTC)
            return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise ValueError(f"invalid date {value!r} (use YYYY-MM-DD or ISO 8601)")
