"""Every analysis has a deadline: a stuck pool worker never stalls a pass, and the check whose
analysis failed is recorded (an ``error`` observation) and retried, never silently dropped."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import select

from presswatch.fetch.client import Fetcher
from presswatch.pipeline import Checker
from presswatch.record.models import Observation, Watch
from presswatch.runner import make_pool
from presswatch.sources.watchlist import add_watch


def test_a_stuck_worker_does_not_stall_the_others(core) -> None:  # type: ignore[no-untyped-def]
    core.settings.analysis_timeout = 20.0  # workers' start-up is not counted
    pool = make_pool(2)
    assert pool is not None

    async def go() -> tuple[str, list[int], int]:
        async with Fetcher(core.settings, core.clock) as f:
            checker = Checker(core, f, pool)
            stuck = asyncio.ensure_future(checker._cpu(time.sleep, 3600))
            others = [await checker._cpu(pow, 2, k) for k in range(4)]  # the other worker keeps going
            try:
                await stuck
                outcome = "returned"
            except Exception as exc:  # noqa: BLE001 - the kind is what we check
                outcome = type(exc).__name__
            after = await checker._cpu(pow, 2, 10)  # fresh workers replaced the stuck ones
            return outcome, others, after

    try:
        outcome, others, after = asyncio.run(asyncio.wait_for(go(), 180))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert outcome == "AnalysisFailed"
    assert others == [1, 2, 4, 8] and after == 1024


def test_an_analysis_failure_is_recorded_and_retried(core, simsite) -> None:  # type: ignore[no-untyped-def]
    url = simsite.article_urls()[0]
    wid = add_watch(core, url)

    async def check(timeout: float) -> dict:  # type: ignore[type-arg]
        core.settings.analysis_timeout = timeout
        pool = make_pool(1)
        try:
            async with Fetcher(core.settings, core.clock) as f:
                return await asyncio.wait_for(Checker(core, f, pool).check(wid), 120)
        finally:
            assert pool is not None
            pool.shutdown(wait=False, cancel_futures=True)

    failed = asyncio.run(check(0.0))  # no analysis can finish within no time at all
    assert (failed["status"], failed["reason"]) == ("error", "analysis-timeout")
    assert failed["capture"] is not None  # the evidence is archived all the same
    with core.db.session() as s:
        w = s.get(Watch, wid)
        assert w is not None and w.status is None and w.last_payload_digest is None
        assert w.next_check_at <= core.clock.now() + timedelta(seconds=core.settings.analysis_retry)
    retried = asyncio.run(check(60.0))
    assert retried["status"] == "new"
    with core.db.session() as s:
        statuses = s.scalars(select(Observation.status).where(Observation.watch_id == wid)
                             .order_by(Observation.id)).all()
    assert statuses == ["error", "new"]


ORPHAN_SCRIPT = """
import asyncio, sys
from presswatch.pipeline import AnalysisPool, _worker_pid
pool = AnalysisPool(2)
async def go():
    await pool._started()
    return sorted(set(await asyncio.gather(*(pool.run(60, _worker_pid) for _ in range(4)))))
print(" ".join(map(str, asyncio.run(go()))), flush=True)
sys.stdin.read()  # until killed
"""


def test_workers_of_a_killed_run_exit() -> None:
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert pids
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no atexit: like kill -9 of a run
        proc.wait()
    deadline = time.monotonic() + 60
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in alive if _alive(p)]
    for p in alive:  # never leave them behind, even when failing
        os.kill(p, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived their run"


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
