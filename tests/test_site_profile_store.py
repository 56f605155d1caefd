"""A host's learned profile is stored once, however many workers learn it at the same time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from presswatch.core import Presswatch
from presswatch.pipeline import store_profile
from presswatch.record.models import SiteProfile
from presswatch.settings import Settings

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def test_two_workers_learning_one_host_at_once_store_one_profile(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two writers (as two worker processes would be) both find no profile, then both store one."""
    a = Presswatch.open(Settings(data=tmp_path / "a", db=db_url, allow_private=True))
    b = Presswatch.open(Settings(data=tmp_path / "b", db=db_url, allow_private=True))
    try:
        errors: list[BaseException] = []
        first_in = threading.Event()

        def first(s) -> None:  # type: ignore[no-untyped-def]
            store_profile(s, "news.example", T0, {"by": "a"})
            first_in.set()
            # Hold the transaction open while the second writer tries: on PostgreSQL it waits on the
            # row; on SQLite it waits on the database lock (busy timeout).
            threading.Event().wait(0.5)

        def second() -> None:
            first_in.wait(10)
            try:
                b.db.write(lambda s: store_profile(s, "news.example", T0 + timedelta(seconds=1), {"by": "b"}))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        t = threading.Thread(target=second)
        t.start()
        a.db.write(first)
        t.join(30)
        assert not errors, errors
        with a.db.session() as s:
            assert s.scalar(select(func.count()).select_from(SiteProfile)) == 1
            row = s.scalars(select(SiteProfile)).one()
            assert row.profile == {"by": "b"}  # the later learning wins
            assert row.learned_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=1)
    finally:
        a.close()
        b.close()
