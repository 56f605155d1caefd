"""Events are written with an outbox row; consumers claim each committed event exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from presswatch.clock import FakeClock, isoformat
from presswatch.core import Presswatch
from presswatch.probes.envelope import build_envelope
from presswatch.probes.reachability import record_measurement
from presswatch.record.db import Database
from presswatch.record.events import NewEvent, OutboxItem, add_events, claim_outbox, mark_delivered, release_stale
from presswatch.record.ledger import Ledger
from presswatch.record.models import Event, Outbox
from presswatch.settings import Settings

T0 = datetime(2026, 5, 1, tzinfo=UTC)
URL = "http://127.0.0.1:9/news/a"


@pytest.fixture()
def core(tmp_path: Path, db_url: str) -> Iterator[Presswatch]:
    c = Presswatch.open(Settings(data=tmp_path, db=db_url), clock=FakeClock(T0))
    yield c
    c.close()


def write_events(db: Database, n: int, kind: str = "note") -> list[int]:
    def fn(s: Session) -> list[int]:
        rows = add_events(s, [NewEvent(kind=kind, at=T0 + timedelta(seconds=i), summary=f"#{i}") for i in range(n)])
        s.flush()
        return [e.id for e in rows]

    return db.write(fn)


def pending(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Outbox).where(Outbox.claimed_at.is_(None))) or 0


def test_every_event_gets_one_outbox_row(core: Presswatch) -> None:
    ids = write_events(core.db, 3)
    with core.db.session() as s:
        rows = s.scalars(select(Outbox).order_by(Outbox.id)).all()
        assert [r.event_id for r in rows] == ids and {r.topic for r in rows} == {"event"}
        assert all(r.claimed_at is None and r.delivered_at is None for r in rows)


def test_rolled_back_events_never_reach_the_outbox(core: Presswatch) -> None:
    def fail(s: Session) -> None:
        add_events(s, [NewEvent(kind="note", at=T0)])
        s.flush()
        raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        core.db.write(fail)
    assert claim_outbox(core.db, "a", 10) == []
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_claim_then_deliver(core: Presswatch) -> None:
    ids = write_events(core.db, 5)
    first = claim_outbox(core.db, "a", 2)
    assert [x.event_id for x in first] == ids[:2] and all(isinstance(x, OutboxItem) for x in first)
    second = claim_outbox(core.db, "b", 10)
    assert [x.event_id for x in second] == ids[2:]
    assert claim_outbox(core.db, "a", 10) == []
    assert mark_delivered(core.db, "b", [x.id for x in first]) == 0  # not b's to acknowledge
    assert mark_delivered(core.db, "a", [x.id for x in first]) == 2
    assert mark_delivered(core.db, "a", [x.id for x in first]) == 0  # once only
    with core.db.session() as s:
        delivered = s.scalars(select(Outbox.event_id).where(Outbox.delivered_at.is_not(None))).all()
        assert sorted(delivered) == ids[:2]
        assert set(s.scalars(select(Outbox.claimed_by))) == {"a", "b"}


def test_a_dead_consumers_claims_can_be_released(core: Presswatch) -> None:
    (eid,) = write_events(core.db, 1)
    (dead,) = claim_outbox(core.db, "dead", 10)
    assert release_stale(core.db, datetime.now(UTC) - timedelta(hours=1)) == 0  # claimed just now: kept
    assert claim_outbox(core.db, "b", 10) == []
    assert release_stale(core.db, datetime.now(UTC) + timedelta(seconds=1)) == 1
    (again,) = claim_outbox(core.db, "b", 10)
    assert (again.id, again.event_id) == (dead.id, eid)
    assert mark_delivered(core.db, "dead", [dead.id]) == 0 and mark_delivered(core.db, "b", [again.id]) == 1
    assert release_stale(core.db, datetime.now(UTC) + timedelta(seconds=1)) == 0  # delivered rows stay


def test_concurrent_consumers_never_share_a_row(core: Presswatch) -> None:
    """Two consumers (each with its own connection pool, as two workers would have) claim while
    events keep being committed: every committed event is claimed exactly once."""
    ids = write_events(core.db, 40)
    other = Database(core.db.url)
    got: dict[str, list[OutboxItem]] = {"a": [], "b": []}
    producing = threading.Event()
    producing.set()
    errors: list[BaseException] = []

    def consume(name: str, db: Database) -> None:
        try:
            while True:
                batch = claim_outbox(db, name, 3)
                got[name] += batch
                if not batch and producing.is_set():
                    time.sleep(0.005)
                elif not batch:
                    if not claim_outbox(db, name, 3):
                        return
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=consume, args=("a", core.db)),
               threading.Thread(target=consume, args=("b", other))]
    for t in threads:
        t.start()
    try:
        for _ in range(10):
            ids += write_events(core.db, 4)
    finally:
        producing.clear()
        for t in threads:
            t.join(timeout=120)
        other.dispose()
    assert not errors
    a = [x.event_id for x in got["a"]]
    b = [x.event_id for x in got["b"]]
    assert not set(a) & set(b)
    assert sorted(a + b) == sorted(ids) and len(a + b) == len(ids)
    assert pending(core.db) == 0


def test_blocked_event_has_an_outbox_row_and_verify_ignores_outbox_state(core: Presswatch) -> None:
    events: list[Event] = []
    for i, probe in enumerate(("p1", "p2")):
        at = T0 + timedelta(hours=i)
        env = build_envelope({"url": URL, "measured_at": isoformat(at), "blocking": "dns", "accessible": False},
                             probe_id=probe, country="KZ", network="AS1 Net", start_time=at)

        def fn(s: Session, env: dict = env, probe: str = probe, at: datetime = at) -> list[Event]:  # type: ignore[type-arg]
            return record_measurement(s, env, ledger=Ledger(core), signature=None, probe_id=probe, received_at=at)[1]

        events += core.db.write(fn)
    assert [e.kind for e in events] == ["blocked"]
    (item,) = claim_outbox(core.db, "alerts", 10)
    assert item.event_id == events[0].id
    mark_delivered(core.db, "alerts", [item.id])
    assert Ledger(core).verify_store().ok


def test_a_checks_events_reach_the_outbox(settings, simsite) -> None:  # type: ignore[no-untyped-def]
    """The pipeline writes its events through add_events: the ``new`` event of a first check has its
    outbox row, committed with it, and verify passes."""
    import asyncio

    from presswatch.fetch.client import Fetcher
    from presswatch.pipeline import Checker
    from presswatch.sources.watchlist import add_watch

    c = Presswatch.open(settings)
    try:
        wid = add_watch(c, simsite.article_urls()[0])

        async def check() -> dict:  # type: ignore[type-arg]
            async with Fetcher(c.settings, c.clock) as f:
                return await Checker(c, f).check(wid)

        assert asyncio.run(check())["status"] == "new"
        with c.db.session() as s:
            (event_id,) = s.scalars(select(Event.id).where(Event.watch_id == wid, Event.kind == "new")).all()
        (item,) = claim_outbox(c.db, "alerts", 10)
        assert item.event_id == event_id
        assert Ledger(c).verify_store().ok
    finally:
        c.close()
