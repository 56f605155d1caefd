"""When to check a watch next.

Adaptive by default, after NewsDiffs: frequent while an article is young (or its content just
changed), backing off with age; frequent again while it is under a demand (``priority_until``)
or while a bad state awaits confirmation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["ADAPTIVE", "CONFIRM", "FEED", "OLD", "PRIORITY", "next_check"]

# (age since last change below …, re-check every …) — NewsDiffs' get_update_delay
ADAPTIVE = (
    (timedelta(hours=3), timedelta(minutes=15)),
    (timedelta(days=1), timedelta(hours=1)),
    (timedelta(days=7), timedelta(hours=3)),
    (timedelta(days=30), timedelta(days=3)),
    (timedelta(days=365), timedelta(days=30)),
)
OLD = timedelta(days=90)  # NewsDiffs stops; we keep a slow heartbeat so takedowns of old stories are seen
PRIORITY = timedelta(minutes=15)
CONFIRM = timedelta(minutes=10)  # unconfirmed removed/withheld/unreachable: re-check soon to confirm
FEED = timedelta(minutes=15)


def next_check(
    now: datetime,
    *,
    kind: str,
    interval: int | None,
    last_change_at: datetime | None,
    created_at: datetime,
    priority_until: datetime | None,
    status: str | None,
    confirmed: bool,
) -> datetime:
    if interval:
        return now + timedelta(seconds=interval)
    if kind != "article":
        return now + FEED
    candidates = []
    if priority_until is not None and priority_until > now:
        candidates.append(PRIORITY)
    if status in ("removed", "withheld", "unreachable") and not confirmed:
        candidates.append(CONFIRM)
    age = now - (last_change_at or created_at)
    delay = OLD
    for limit, every in ADAPTIVE:
        if age < limit:
            delay = every
            break
    candidates.append(delay)
    return now + min(candidates)
