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


def test_leases_respect_live_runs_and_free_dead_or_expired_ones(core) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    from datetime import timedelta

    from sqlalchemy import update

    from presswatch.sources import lease
    from presswatch.sources.watchlist import add_watch

    ids = [add_watch(core, f"http://127.0.0.1:9/a{i}") for i in range(4)]
    live = lease.new_owner()  # this process: alive
    assert [w[0] for w in lease.claim(core, live, ids[:2])] == ids[:2]
    mine = lease.new_owner()
    assert [w[0] for w in lease.claim(core, mine, ids)] == ids[2:]  # a live run's watches are left alone
    assert [w[0] for w in lease.claim(core, mine, ids)] == ids[2:]  # claiming again keeps ours

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{lease.new_owner().rsplit(':', 2)[0]}:{int(gone.stdout)}:0123456789ab"
    past = core.clock.now() - timedelta(seconds=1)
    core.db.write(lambda s: s.execute(update(Watch).where(Watch.id == ids[0]).values(lease_owner=dead)))
    core.db.write(lambda s: s.execute(update(Watch).where(Watch.id == ids[1]).values(lease_until=past)))
    other = lease.new_owner()
    assert [w[0] for w in lease.claim(core, other, ids)] == ids[:2]  # dead owner's and expired lease
    lease.release(core, other)
    with core.db.session() as s:
        assert s.scalars(select(Watch.lease_owner).where(Watch.id.in_(ids[:2]))).all() == [None, None]
