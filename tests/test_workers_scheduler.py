"""Claiming due watches for the queue (SQLite and PostgreSQL): disjoint claims, leases that run out,
batches that a redelivery or a duplicate cannot check twice, and a due listing without a cap."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from presswatch import runner
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.record.models import Observation, Watch
from presswatch.settings import Settings
from presswatch.sources import lease
from presswatch.sources.bulk import import_watches

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _core(tmp_path: Path, db_url: str, clock: FakeClock | None = None, **kw: object) -> Presswatch:
    s = Settings(data=tmp_path / "data", db=db_url, allow_private=True, timeout=5.0, **kw)  # type: ignore[arg-type]
    return Presswatch.open(s, clock=clock or FakeClock(T0))


def _watch_many(core: Presswatch, n: int, host: str = "127.0.0.1:9") -> None:
    res = import_watches(core, [(i, f"http://{host}/a/{i}") for i in range(n)])
    assert res.added == n


def test_concurrent_claims_are_disjoint_and_complete(tmp_path: Path, db_url: str) -> None:
    a, b = _core(tmp_path, db_url), _core(tmp_path, db_url)
    try:
        _watch_many(a, 400)
        got: dict[str, list[int]] = {"a": [], "b": []}

        def claimer(name: str, core: Presswatch) -> None:
            while True:
                batches = lease.claim_due(core, 23, 5)
                if not batches:
                    return
                got[name].extend(i for _, part in batches for i, _, _ in part)

        threads = [threading.Thread(target=claimer, args=(n, c)) for n, c in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not set(got["a"]) & set(got["b"])
        assert sorted(got["a"] + got["b"]) == sorted(set(got["a"] + got["b"])) and len(got["a"] + got["b"]) == 400
    finally:
        a.close()
        b.close()


def test_queued_leases_run_out_back_into_the_due_set(tmp_path: Path, db_url: str) -> None:
    clock = FakeClock(T0)
    core = _core(tmp_path, db_url, clock, dispatch_lease_seconds=600)
    try:
        _watch_many(core, 30)
        first = lease.claim_due(core, 1000, 8)
        assert [len(p) for _, p in first] == [8, 8, 8, 6]
        assert len({owner for owner, _ in first}) == 4 and lease.queued(core) == 30
        assert lease.claim_due(core, 1000, 8) == []  # queued: not handed out again
        clock.advance(timedelta(seconds=601))  # no worker took them: due again
        assert lease.queued(core) == 0
        assert sum(len(p) for _, p in lease.claim_due(core, 1000, 8)) == 30
    finally:
        core.close()


def test_due_watches_pages_through_everything(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    core = _core(tmp_path, db_url)
    try:
        _watch_many(core, 45)
        monkeypatch.setattr(runner, "DUE_PAGE", 7)
        due = runner.due_watches(core)
        assert len(due) == 45 and len({d[0] for d in due}) == 45
        assert len(runner.due_watches(core, limit=10)) == 10
    finally:
        core.close()


def _observations(core: Presswatch) -> dict[int, int]:
    with core.db.session() as s:
        return dict(s.execute(select(Observation.watch_id, func.count()).group_by(Observation.watch_id)).all())


def test_a_batch_checks_once_however_often_it_is_delivered(tmp_path: Path, db_url: str, simsite) -> None:  # type: ignore[no-untyped-def]
    core = _core(tmp_path, db_url, FakeClock(datetime.now(UTC)))
    try:
        urls = simsite.article_urls()[:6]
        import_watches(core, list(enumerate(urls)))
        [(batch, part)] = lease.claim_due(core, 100, 10)
        ids = [p[0] for p in part]

        async def go() -> list[int]:
            async with core.session() as ops:
                first = await ops.check_batch(batch, ids)
                again = await ops.check_batch(batch, ids)  # redelivered after it ran
                return [first.checked, again.checked]

        assert asyncio.run(go()) == [6, 0]
        assert set(_observations(core).values()) == {1} and len(_observations(core)) == 6
        with core.db.session() as s:
            assert s.scalar(select(func.count()).select_from(Watch).where(Watch.lease_owner.is_not(None))) == 0
    finally:
        core.close()


def test_a_duplicate_delivery_finds_the_batch_taken(tmp_path: Path, db_url: str, simsite) -> None:  # type: ignore[no-untyped-def]
    core = _core(tmp_path, db_url, FakeClock(datetime.now(UTC)))
    try:
        import_watches(core, list(enumerate(simsite.article_urls()[:4])))
        [(batch, part)] = lease.claim_due(core, 100, 10)
        ids = [p[0] for p in part]
        running = lease.new_owner()  # the first delivery, alive and checking (this very process)
        assert len(lease.claim(core, running, ids, handover=batch)) == 4

        async def go() -> int:
            async with core.session() as ops:
                return (await ops.check_batch(batch, ids)).checked

        assert asyncio.run(go()) == 0
        assert _observations(core) == {}
    finally:
        core.close()
