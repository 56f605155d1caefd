"""Two ``presswatch run --once`` processes on one store check disjoint watches: every watch gets
exactly one ``new`` observation and one ``new`` event (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from runsupport import cli, cli_env, cli_start, cli_wait, control, simsite_process
from sqlalchemy import select

from presswatch.record.db import Database
from presswatch.record.models import Event, Observation, Watch


def test_two_concurrent_runs_never_check_a_watch_twice(tmp_path: Path, db_url: str) -> None:
    env = cli_env(tmp_path / "data", db_url)
    with simsite_process(150) as base:
        urls = control(base, "/_sim/articles")["urls"][:150]
        res = cli(["watch", *urls], env, timeout=120)
        assert res.returncode == 0, res.stderr
        procs = [cli_start(["run", "--once", "--workers", "0"], env) for _ in range(2)]
        outs = [cli_wait(p, 240) for p in procs]
    for out in outs:
        assert out.returncode == 0, out.stderr[-4000:]
    db = Database(db_url)
    try:
        with db.session() as s:
            ids = s.scalars(select(Watch.id)).all()
            obs = Counter(s.execute(select(Observation.watch_id, Observation.status)).all())
            events = Counter(s.execute(select(Event.watch_id, Event.kind)).all())
    finally:
        db.dispose()
    assert len(ids) == 150
    assert obs == Counter({(i, "new"): 1 for i in ids}), [k for k, n in obs.items() if n > 1][:5]
    assert events == Counter({(i, "new"): 1 for i in ids})
