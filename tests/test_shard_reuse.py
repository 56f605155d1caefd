"""A shard process keeps its core from pass to pass (connections, WARC file, remembered commitments):
passes after the first record what they see, at the time the parent's clock says, and verify passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.record.ledger import Ledger
from presswatch.record.models import Observation
from presswatch.runner import ShardPool
from presswatch.settings import Settings
from presswatch.sources.watchlist import add_watch


def test_passes_reuse_the_shard_processes_core(tmp_path: Path, simsite: Any) -> None:
    clock = FakeClock(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True, timeout=5.0), clock=clock)
    shards = ShardPool(core, 2)
    try:
        urls = simsite.article_urls()[:6]
        for u in urls:
            add_watch(core, u)
        seen: list[dict[str, int]] = []
        pids: list[list[int]] = []
        for _ in range(5):
            clock.advance(timedelta(days=1))
            stats = shards.run_pass(4)
            seen.append(dict(stats.by_status))
            pids.append(stats.shard_pids)
        assert seen == [{"new": 6}] + [{"unchanged": 6}] * 4
        # shard k runs in the same process every pass, so its kept core knows its own watches' versions
        assert len(set(pids[0])) == 2 and all(p == pids[0] for p in pids)
        with core.db.session() as s:
            days = s.execute(select(func.date(Observation.checked_at), func.count()).group_by(
                func.date(Observation.checked_at)).order_by(func.date(Observation.checked_at))).all()
        # each pass observed at the parent's time, not at the time the shard's core was opened
        assert [(str(d), n) for d, n in days] == [("2026-05-02", 6), ("2026-05-03", 6), ("2026-05-04", 6),
                                                ("2026-05-05", 6), ("2026-05-06", 6)]
        assert Ledger(core).verify_store().ok
    finally:
        shards.terminate()
        core.close()
