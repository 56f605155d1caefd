"""Watchdog: ``presswatch run --once`` with default settings always finishes.

The real CLI runs in a subprocess (default worker count, so the analysis pool is in play) over the
simulated news site with churning and edited articles plus hostile pages (thousands of short
paragraphs of distinct words, changing on every request, which makes an unbounded word diff
quadratic). The assertion is that the pass finishes, not how fast: the bound is generous.
"""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from runsupport import HostileSite, cli, cli_env, control, simsite_process
from sqlalchemy import func, select, update

from presswatch.clock import utcnow
from presswatch.record.db import Database
from presswatch.record.models import Observation, Watch

BOUND = 240.0  # seconds; "it finishes", not a speed


def make_due(db_url: str) -> None:
    db = Database(db_url)
    try:
        past = utcnow() - timedelta(minutes=1)
        db.write(lambda s: s.execute(update(Watch).values(next_check_at=past)))
    finally:
        db.dispose()


def run_once(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.monotonic()
    try:
        res = cli(["run", "--once"], env, timeout=BOUND)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"presswatch run --once did not finish within {BOUND:.0f} s: {exc.stderr!r}")
    assert res.returncode == 0, res.stderr[-4000:]
    return res, time.monotonic() - t0


def test_run_once_with_default_settings_finishes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = cli_env(data)
    db_url = f"sqlite:///{(data / 'presswatch.sqlite3').resolve()}"
    with simsite_process(150) as base, HostileSite() as hostile:
        listing = control(base, "/_sim/articles")
        urls, slugs = listing["urls"][:150], listing["slugs"][:150]
        hostile_urls = [f"{hostile.url}/hostile/{i}" for i in range(3)]
        res = cli(["watch", *urls, *hostile_urls], env, timeout=120)
        assert res.returncode == 0, res.stderr
        run_once(env)  # first captures
        for slug in slugs[:25]:
            control(base, "/_sim/state", {"slug": slug, "state": "churn"})
        for slug in slugs[25:40]:
            control(base, "/_sim/state", {"slug": slug, "state": "edit-paragraph", "params": {"index": 1}})
        make_due(db_url)
        run_once(env)  # changed pages: analysis in the pool, hostile diffs

    db = Database(db_url)
    try:
        with db.session() as s:
            per_watch = dict(s.execute(select(Observation.watch_id, func.count()).group_by(Observation.watch_id)).all())
            n_watches = s.scalar(select(func.count()).select_from(Watch))
            hostile_status = s.execute(
                select(Observation.status).join(Watch, Watch.id == Observation.watch_id)
                .where(Watch.url.in_(hostile_urls)).order_by(Observation.id)
            ).scalars().all()
    finally:
        db.dispose()
    assert n_watches == 153
    # every watch checked in both passes: nothing dropped, nothing doubled
    assert sorted(per_watch.values()) == [2] * 153
    # the hostile pages were analysed (an edit each; an analysis failure would be recorded too)
    assert hostile_status.count("new") == 3 and len(hostile_status) == 6
    assert set(hostile_status) - {"new"} <= {"edited", "error"}  # an edit, or a recorded analysis failure


def test_children_never_inherit_the_write_lock(tmp_path: Path) -> None:
    """A process forked while this one writes must not hold (or keep, once we die) the store's lock."""
    import fcntl
    import os
    import signal

    url = f"sqlite:///{tmp_path / 'pw.sqlite3'}"
    db = Database(url)
    db.migrate()
    kids: list[int] = []
    ready_r, ready_w = os.pipe()

    def fork_inside_write(_s: object) -> None:
        pid = os.fork()
        if pid == 0:  # the child just lingers, like an orphaned pool worker
            os.write(ready_w, b"x")  # it runs (its fork handlers have run)
            time.sleep(60)
            os._exit(0)
        kids.append(pid)

    try:
        db.write(fork_inside_write)
        assert os.read(ready_r, 1) == b"x"
        fd = os.open(str(tmp_path / "pw.sqlite3.writelock"), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if the child holds it
        finally:
            os.close(fd)
    finally:
        for pid in kids:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(ready_r)
        os.close(ready_w)
        db.dispose()
