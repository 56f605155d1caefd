"""The writer runs staged writes of one kind together: one flush for the group, each failure alone."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from presswatch.record.base import Base
from presswatch.record.db import Database, StagedWrite
from presswatch.record.models import Watch


class _AddWatch(StagedWrite[int]):
    def __init__(self, url: str, *, fail: bool = False) -> None:
        self.url, self.fail, self.key = url, fail, url
        self.row: Watch | None = None

    def stage(self, s: Session) -> None:
        from datetime import UTC, datetime

        now = datetime(2026, 1, 1, tzinfo=UTC)
        self.row = Watch(url=self.url, host="example.org", kind="article", created_at=now, next_check_at=now)
        s.add(self.row)

    def finish(self, s: Session) -> int:
        if self.fail:
            raise ValueError(f"refused {self.url}")
        assert self.row is not None and self.row.id is not None  # flushed before finish
        return self.row.id


@pytest.fixture
def db(tmp_path: Path) -> Any:
    d = Database(f"sqlite:///{tmp_path / 'x.db'}")
    Base.metadata.create_all(d.engine)
    yield d
    d.dispose()


def _count_flushes(db: Database) -> list[int]:
    flushes: list[int] = []

    @event.listens_for(Session, "after_flush")
    def _seen(session: Session, _ctx: Any) -> None:
        if session.bind is db.write_engine or session.get_bind() is db.write_engine:
            flushes.append(len(session.new))

    return flushes


async def _queue_all(db: Database, writes: list[_AddWatch]) -> list[Any]:
    """Queue ``writes`` while the writer is busy with another job, so they reach it as one batch."""
    started, release = threading.Event(), threading.Event()

    def hold(_s: Session) -> None:
        started.set()
        release.wait(10)

    blocker = asyncio.ensure_future(db.write_async(hold))
    await asyncio.to_thread(started.wait, 10)
    futs = [asyncio.ensure_future(db.write_async(w)) for w in writes]
    await asyncio.sleep(0)  # every write is queued
    release.set()
    await blocker
    return await asyncio.gather(*futs, return_exceptions=True)


def test_a_group_shares_one_flush(db: Database) -> None:
    flushes = _count_flushes(db)
    ids = asyncio.run(_queue_all(db, [_AddWatch(f"https://example.org/{i}") for i in range(50)]))
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 50
    assert 50 in flushes and len([n for n in flushes if n]) <= 2  # the 50 rows went in one flush
    with db.session() as s:
        assert s.scalar(select(func.count(Watch.id))) == 50


def test_a_failing_write_fails_alone(db: Database) -> None:
    writes = [_AddWatch(f"https://example.org/{i}", fail=(i == 7)) for i in range(20)]
    got = asyncio.run(_queue_all(db, writes))
    assert isinstance(got[7], ValueError) and "refused" in str(got[7])
    assert all(isinstance(g, int) for i, g in enumerate(got) if i != 7)
    with db.session() as s:
        urls = set(s.scalars(select(Watch.url)))
    assert urls == {f"https://example.org/{i}" for i in range(20) if i != 7}


def test_writes_with_the_same_key_are_not_grouped(db: Database) -> None:
    # two writes of one key: the second must see the first (here: the unique URL makes it fail alone)
    got = asyncio.run(_queue_all(db, [_AddWatch("https://example.org/a"), _AddWatch("https://example.org/a"),
                                      _AddWatch("https://example.org/b")]))
    assert isinstance(got[0], int) and isinstance(got[2], int)
    assert isinstance(got[1], Exception)
    with db.session() as s:
        assert sorted(s.scalars(select(Watch.url))) == ["https://example.org/a", "https://example.org/b"]


def test_a_staged_write_runs_alone_through_write(db: Database) -> None:
    assert isinstance(db.write(_AddWatch("https://example.org/solo")), int)
