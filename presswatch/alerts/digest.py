"""Digest mode: a subscription's items gathered per hour or day, released when the period ends (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from presswatch.alerts.flapping import HeldItem
from presswatch.clock import as_utc
from presswatch.errors import ConfigError

__all__ = ["PERIODS", "due_digests", "period_of"]

PERIODS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


def period_of(at: datetime, digest: str) -> tuple[datetime, datetime]:
    """The (start, end) of the UTC hour or day ``at`` falls in."""
    if digest not in PERIODS:
        raise ConfigError(f"--digest must be one of {', '.join(PERIODS)}, not {digest!r}")
    at = as_utc(at)
    start = at.replace(minute=0, second=0, microsecond=0)
    if digest == "daily":
        start = start.replace(hour=0)
    return start, start + PERIODS[digest]


def due_digests(held: Sequence[HeldItem], digest: str, now: datetime) -> dict[datetime, list[HeldItem]]:
    """The held items of every period that has ended by ``now``, by period start (oldest first)."""
    out: dict[datetime, list[HeldItem]] = {}
    for item in sorted(held, key=lambda i: (i.at, i.id)):
        start, end = period_of(item.at, digest)
        if end <= as_utc(now):
            out.setdefault(start, []).append(item)
    return out
