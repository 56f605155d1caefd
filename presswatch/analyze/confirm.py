"""When a new state counts as confirmed: one pure rule for watches and for reachability rows.

A *streak* is a run of consecutive, consistent observations of one state (newest last), with the
distinct sources (vantages, probes) that made them. A streak is confirmed by ``runs`` observations
in a row spanning at least ``min_span``, or by ``sources`` distinct sources (when set). Observations
that say nothing (failed analyses, ``down`` results) are left out by the caller; they never break a
streak.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["ConfirmPolicy", "Streak", "confirmation", "extend", "streak_back"]


@dataclass(frozen=True)
class ConfirmPolicy:
    """How much consistent evidence confirms a state."""

    runs: int  # consecutive consistent observations that confirm
    sources: int | None = None  # distinct sources that confirm however few the runs (None: never)
    min_span: timedelta = timedelta(0)  # a confirmation by runs must span at least this long


@dataclass(frozen=True)
class Streak:
    """Consecutive consistent observations of ``state``: how many, by whom, from ``since`` to ``until``."""

    state: Hashable
    runs: int
    sources: tuple[str, ...]
    since: datetime
    until: datetime


def extend(streak: Streak | None, state: Hashable, at: datetime, source: str) -> Streak:
    """The streak after one more observation of ``state`` at ``at`` by ``source`` (a new streak when
    it differs from ``streak``'s state)."""
    if streak is None or streak.state != state:
        return Streak(state=state, runs=1, sources=(source,), since=at, until=at)
    sources = streak.sources if source in streak.sources else (*streak.sources, source)
    return Streak(state=state, runs=streak.runs + 1, sources=sources, since=streak.since, until=at)


def streak_back(
    state: Hashable, at: datetime, source: str, history: Iterable[tuple[Hashable, datetime, str]]
) -> Streak:
    """The streak ending with an observation of ``state`` at ``at``, walking ``history`` (earlier
    observations as ``(state, at, source)``, newest first) back while it shows the same state."""
    runs, sources, since = 1, [source], at
    for seen, seen_at, seen_source in history:
        if seen != state:
            break
        runs += 1
        since = seen_at
        if seen_source not in sources:
            sources.append(seen_source)
    return Streak(state=state, runs=runs, sources=tuple(sources), since=since, until=at)


def confirmation(streak: Streak, policy: ConfirmPolicy) -> str | None:
    """``"sources"`` when enough distinct sources agree, ``"runs"`` when enough observations in a row
    span long enough, else None (not confirmed)."""
    if policy.sources is not None and len(streak.sources) >= policy.sources:
        return "sources"
    if streak.runs >= policy.runs and (not policy.min_span or streak.until - streak.since >= policy.min_span):
        return "runs"
    return None
