"""The one place events are written, each with an outbox row in the same transaction.

:func:`add_events` adds :class:`~presswatch.record.models.Event` rows (and nothing else does), so
every committed event has exactly one :class:`~presswatch.record.models.Outbox` row. Consumers
(alerts, workers) take rows with :func:`claim_outbox` — an atomic claim: two consumers never get
the same row — and acknowledge them with :func:`mark_delivered`. The outbox is delivery state, not
evidence: the evidence log commits to the events, never to outbox rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from presswatch.record.models import Event, Observation, Outbox

if TYPE_CHECKING:
    from presswatch.record.db import Database

__all__ = ["EVENT_TOPIC", "add_events", "claim_outbox", "mark_delivered", "NewEvent", "OutboxItem", "release_stale"]

EVENT_TOPIC = "event"


@dataclass(frozen=True)
class NewEvent:
    """An event to add (see :class:`~presswatch.record.models.Event` for the fields)."""

    kind: str
    at: datetime
    summary: str = ""
    status: str | None = None
    reason: str | None = None
    country: str | None = None
    watch_id: int | None = None
    observation: Observation | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row: which event to deliver."""

    id: int
    event_id: int
    topic: str


def add_events(session: Session, events: Iterable[NewEvent], *, now: datetime | None = None) -> list[Event]:
    """Add the events, each with its outbox row (topic ``"event"``), to ``session``; return the rows.

    Ids are assigned on the caller's next flush; appending them to the evidence log stays the caller's.
    """
    created = now or datetime.now(UTC)
    rows: list[Event] = []
    for e in events:
        row = Event(
            watch_id=e.watch_id, at=e.at, kind=e.kind, status=e.status, reason=e.reason, country=e.country,
            observation=e.observation, summary=e.summary, details=dict(e.details),
        )  # fmt: skip
        session.add(row)
        session.add(Outbox(event=row, topic=EVENT_TOPIC, created_at=created))
        rows.append(row)
    return rows


def claim_outbox(db: Database, consumer: str, limit: int = 100, *, topic: str = EVENT_TOPIC) -> list[OutboxItem]:
    """Claim up to ``limit`` unclaimed rows of ``topic`` (oldest first) for ``consumer``, atomically.

    One write transaction picks the oldest unclaimed rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
    so concurrent consumers take different rows instead of waiting; SQLite's writers are serial) and
    claims them with ``UPDATE … WHERE claimed_at IS NULL``: only committed rows are seen, and a row
    is claimed by one consumer only.
    """
    if limit <= 0:
        return []

    def fn(s: Session) -> list[OutboxItem]:
        pick = (
            select(Outbox.id)
            .where(Outbox.claimed_at.is_(None), Outbox.topic == topic)
            .order_by(Outbox.id)
            .limit(limit)
        )
        if s.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)  # others' locked rows are theirs: skip them
        wanted = list(s.scalars(pick))
        if not wanted:
            return []
        stmt = (
            update(Outbox)
            .where(Outbox.id.in_(wanted), Outbox.claimed_at.is_(None))  # still unclaimed: ours
            .values(claimed_at=datetime.now(UTC), claimed_by=consumer)
            .returning(Outbox.id, Outbox.event_id, Outbox.topic)
            .execution_options(synchronize_session=False)
        )
        return sorted((OutboxItem(i, e, t) for i, e, t in s.execute(stmt).all()), key=lambda x: x.id)

    return db.write(fn)


def mark_delivered(db: Database, consumer: str, ids: Iterable[int]) -> int:
    """Mark ``consumer``'s claimed rows ``ids`` delivered; the number of rows marked (a row claimed by
    another consumer, or already delivered, is left alone)."""
    wanted = list(ids)
    if not wanted:
        return 0

    def fn(s: Session) -> int:
        res = s.execute(
            update(Outbox)
            .where(Outbox.id.in_(wanted), Outbox.claimed_by == consumer, Outbox.delivered_at.is_(None))
            .values(delivered_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(res, "rowcount", 0) or 0)

    return db.write(fn)


def release_stale(db: Database, older_than: datetime) -> int:
    """Give back rows claimed before ``older_than`` and never delivered (their consumer died), so
    another consumer claims them; the number released. A consumer that was only slow may then deliver
    the event a second time: call this only with a cut-off well past any delivery's duration."""

    def fn(s: Session) -> int:
        res = s.execute(
            update(Outbox)
            .where(Outbox.delivered_at.is_(None), Outbox.claimed_at.is_not(None), Outbox.claimed_at < older_than)
            .values(claimed_at=None, claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(res, "rowcount", 0) or 0)

    return db.write(fn)
