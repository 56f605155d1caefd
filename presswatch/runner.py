"""Scheduling loop: pick what is due, check it with bounded concurrency, repeat.

Shells do not assemble these: :meth:`presswatch.core.Presswatch.session` builds a :class:`Runner`
over its fetcher and checker, and :meth:`presswatch.core.Presswatch.shards` a :class:`ShardPool`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from presswatch.alerts.deliver import AlertWorker
from presswatch.core import Presswatch
from presswatch.errors import BlockedTarget, DatabaseError, InvalidURL
from presswatch.fetch.client import Fetcher
from presswatch.pipeline import AnalysisPool, Checker, WatchState
from presswatch.record.models import Watch
from presswatch.sources import lease
from presswatch.sources.discover import Discovery, RobotsCache, discover_feed, discover_site, discover_sitemap
from presswatch.sources.schedule import next_check
from presswatch.sources.watchlist import upsert_watch

__all__ = ["DUE_PAGE", "due_watches", "make_pool", "run_sharded", "Runner", "RunStats", "shard_pool", "ShardPool",
           "ShardProcesses"]

log = logging.getLogger(__name__)


@dataclass
class RunStats:
    checked: int = 0
    discovered: int = 0
    errors: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    shard_pids: list[int] = field(default_factory=list)  # the process each shard ran in, by shard


DUE_PAGE = 10_000  # watches per query when listing what is due


def due_watches(core: Presswatch, limit: int | None = None) -> list[tuple[int, str, str]]:
    """(id, kind, url) of every active watch due now (at most ``limit``), most overdue first,
    read in pages of :data:`DUE_PAGE` (keyset on ``(next_check_at, id)``)."""
    now = core.clock.now()
    out: list[tuple[int, str, str]] = []
    after: tuple[Any, int] | None = None
    with core.db.session() as s:
        while limit is None or len(out) < limit:
            page = DUE_PAGE if limit is None else min(DUE_PAGE, limit - len(out))
            q = (select(Watch.id, Watch.kind, Watch.url, Watch.next_check_at)
                 .where(Watch.active.is_(True), Watch.next_check_at <= now))
            if after is not None:
                q = q.where(or_(Watch.next_check_at > after[0],
                                and_(Watch.next_check_at == after[0], Watch.id > after[1])))
            rows = s.execute(q.order_by(Watch.next_check_at, Watch.id).limit(page)).all()
            out.extend((r[0], r[1], r[2]) for r in rows)
            if len(rows) < page:
                break
            after = (rows[-1][3], rows[-1][0])
    return out


def make_pool(workers: int | None = None) -> AnalysisPool | None:
    """The analysis pool: spawned workers (never forked, so they inherit no lock) with per-page
    deadlines; ``workers=0`` analyses in-process."""
    n = workers if workers is not None else (os.cpu_count() or 1)
    return AnalysisPool(n) if n > 0 else None


class Runner:
    """Passes over what is due, through ``checker`` (or a new one over ``fetcher`` and ``pool``)."""

    def __init__(self, core: Presswatch, fetcher: Fetcher, pool: Executor | None = None,
                 keep_results: bool = False, shard: tuple[int, int] | None = None,
                 checker: Checker | None = None) -> None:
        self.core = core
        self.fetcher = fetcher
        self.checker = checker or Checker(core, fetcher, pool)
        self.robots = RobotsCache(fetcher, core.settings.respect_robots)
        self.keep_results = keep_results
        self.shard = shard  # (k, n): only article watches with id % n == k; discovery only in shard 0
        self.alerts: AlertWorker | None = None  # background alert delivery (settings.alerts_in_run)

    async def aclose(self) -> None:
        """Stop the background alert delivery (undelivered alerts stay pending for the next run)."""
        if self.alerts is not None:
            await self.alerts.aclose()
            self.alerts = None

    async def discover(self, watch_id: int, kind: str, url: str) -> int:
        if kind == "feed":
            found = await discover_feed(self.fetcher, url)
        elif kind == "sitemap":
            found = await discover_sitemap(self.fetcher, url)
        else:
            found = await discover_site(self.fetcher, url, self.robots)
        allowed = [u for u in found.articles if await self.robots.allowed(u)]
        return await asyncio.to_thread(self._save_discovery, watch_id, found, allowed)

    def _save_discovery(self, watch_id: int, found: Discovery, articles: list[str]) -> int:
        now = self.core.clock.now()

        def fn(s: Session) -> int:
            parent = s.get(Watch, watch_id)
            assert parent is not None
            tags = dict(parent.tags or {})
            n = 0
            for kind, urls in (("feed", found.feeds), ("sitemap", found.sitemaps), ("article", articles)):
                for u in urls:
                    try:
                        existed = s.scalar(select(Watch.id).where(Watch.url == u))
                        upsert_watch(s, u, now, kind=kind, tags=tags, parent_id=parent.id,
                                     interval=parent.interval if kind != "article" else None)
                        n += existed is None
                    except (InvalidURL, ValueError):
                        continue
            parent.last_checked_at = now
            parent.status = "unchanged" if not found.errors else "unreachable"
            parent.next_check_at = next_check(
                now, kind=parent.kind, interval=parent.interval, last_change_at=None,
                created_at=parent.created_at, priority_until=None, status=None, confirmed=False,
            )
            return n

        return self.core.db.write(fn)

    async def run_once(
        self, concurrency: int | None = None, progress: Callable[[int, int, dict[str, int]], None] | None = None
    ) -> RunStats:
        """Check everything due now (discovery first, so new articles get their first capture).

        Only watches this pass leased are checked (see :mod:`presswatch.sources.lease`), so
        concurrent runs on one store check disjoint watches; the leases are renewed while the pass
        runs and freed when it ends.
        """
        owner = lease.new_owner()
        if self.core.settings.alerts_in_run and self.alerts is None:
            self.alerts = AlertWorker(self.core)
            self.alerts.start()  # delivers concurrently with the checks, in a task of its own
        async with self._leases(owner):
            stats = await self._pass(owner, concurrency, progress)
        # a state changed: incidents may have a new outcome (in shards, shard 0 looks after every pass)
        if (set(stats.by_status) - {"unchanged"}) if self.shard is None else self.shard[0] == 0:
            await self._refresh_outcomes()
        if self.alerts is not None:  # this pass's alerts go out before it returns (bounded wait)
            await self.alerts.flush(self.core.settings.alert_flush_timeout)
        return stats

    async def check_batch(self, batch: str, ids: Sequence[int], concurrency: int | None = None) -> RunStats:
        """Check one batch of watches a scheduler claimed under ``batch`` (the scale-out task).

        The batch's leases are taken over by this run (a second delivery of the batch running at
        the same time finds them taken); only watches still due are checked (what an earlier,
        interrupted delivery checked is due no more), through the same :meth:`_check_claimed` as
        an embedded pass; the leases are renewed while it runs and freed when it ends.
        """
        owner = lease.new_owner()
        async with self._leases(owner, also=batch):
            held = await asyncio.to_thread(lease.claim, self.core, owner, list(ids), handover=batch)
            stats = RunStats()
            await self._check_claimed(held, stats, concurrency, None)
            return stats

    @contextlib.asynccontextmanager
    async def _leases(self, owner: str, also: str | None = None) -> AsyncIterator[None]:
        """Renew ``owner``'s leases while the block runs; free them (and ``also``'s) after it."""
        renewer = asyncio.ensure_future(self._renew(owner))
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            for who in (owner, also):
                if who is None:
                    continue
                try:
                    await asyncio.to_thread(lease.release, self.core, who)
                except DatabaseError as exc:  # they run out by themselves (settings.lease_seconds)
                    log.warning("lease.release_failed", extra={"error": str(exc)})

    async def _renew(self, owner: str) -> None:
        every = max(1.0, self.core.settings.lease_seconds / 3)
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(lease.renew, self.core, owner)
            except DatabaseError as exc:  # try again next time; the lease outlives a few misses
                log.warning("lease.renew_failed", extra={"error": str(exc)})

    async def _claim_due(self, owner: str) -> list[tuple[int, str, str]]:
        due = await asyncio.to_thread(due_watches, self.core)
        if self.shard is not None:
            k, n = self.shard
            due = [d for d in due if (d[1] != "article" and k == 0) or (d[1] == "article" and d[0] % n == k)]
        return await asyncio.to_thread(lease.claim, self.core, owner, [d[0] for d in due])

    async def _pass(
        self, owner: str, concurrency: int | None, progress: Callable[[int, int, dict[str, int]], None] | None
    ) -> RunStats:
        stats = RunStats()
        due = await self._claim_due(owner)
        rounds = 3 if self.shard is None or self.shard[0] == 0 else 0
        for _ in range(rounds):  # a site yields feeds and sitemaps, which yield articles
            sources = [d for d in due if d[1] != "article"]
            if not sources:
                break
            await self._check_claimed(sources, stats, concurrency, None)
            due = await self._claim_due(owner)
        await self._check_claimed([d for d in due if d[1] == "article"], stats, concurrency, progress, preload=True)
        return stats

    async def _refresh_outcomes(self) -> None:
        from presswatch.cases.incidents import refresh_outcomes

        try:
            changed = await asyncio.to_thread(refresh_outcomes, self.core)
        except Exception:  # an outcome is recomputed on the next pass; the checks are recorded already
            log.exception("run.outcomes_failed")
            return
        if changed:
            log.info("run.outcomes_changed", extra={"events": len(changed)})

    async def _check_claimed(
        self, held: Sequence[tuple[int, str, str]], stats: RunStats, concurrency: int | None,
        progress: Callable[[int, int, dict[str, int]], None] | None, *, preload: bool = False,
    ) -> None:
        """Discover the sources and check the articles among ``held`` (watches this run leased);
        ``preload``: load the watches' states in chunks ahead of their checks (a whole pass)."""
        for wid, kind, url in held:
            if kind == "article":
                continue
            try:
                stats.discovered += await self.discover(wid, kind, url)
            except (InvalidURL, BlockedTarget) as exc:
                log.warning("discover.refused", extra={"url": url, "error": str(exc)})
                stats.errors += 1
        articles = [d for d in held if d[1] == "article"]
        total = len(articles)
        limit = concurrency or self.core.settings.concurrency
        sem = asyncio.Semaphore(limit)
        done = 0
        state_of = self._state_loader([wid for wid, _, _ in articles], 2 * limit) if preload else _no_state

        async def one(wid: int) -> None:
            nonlocal done
            async with sem:
                try:
                    out = await self.checker.check(wid, await state_of(wid))
                    stats.checked += 1
                    stats.by_status[out["status"]] = stats.by_status.get(out["status"], 0) + 1
                    if self.keep_results:
                        stats.results.append(out)
                except (InvalidURL, BlockedTarget) as exc:
                    stats.errors += 1
                    log.warning("check.refused", extra={"watch": wid, "error": str(exc)})
                except Exception:  # noqa: BLE001 - one failed check never aborts the others
                    # Nothing of it was recorded (its write rolled back), so the watch stays due and
                    # the next pass checks it again; the others go on, and the leases are freed only
                    # after every check of the batch has ended.
                    stats.errors += 1
                    log.exception("check.failed", extra={"watch": wid})
                done += 1
                if progress:
                    progress(done, total, stats.by_status)

        await asyncio.gather(*(one(wid) for wid, _, _ in articles))

    def _state_loader(self, ids: list[int], size: int) -> Callable[[int], Awaitable[WatchState | None]]:
        """The watches' states loaded in chunks of ``size``, each with the next one ahead (a check
        asking for its watch's state starts its chunk's load and the next)."""
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
        chunk_of = {wid: i // size for i, wid in enumerate(ids)}
        loads: dict[int, asyncio.Future[dict[int, WatchState]]] = {}

        def start(k: int) -> None:
            if k < len(chunks) and k not in loads:
                loads[k] = asyncio.ensure_future(asyncio.to_thread(self.checker.load_states, chunks[k]))

        async def state_of(wid: int) -> WatchState | None:
            k = chunk_of[wid]
            start(k)
            start(k + 1)
            try:
                got = await loads[k]
            except Exception:  # noqa: BLE001 - the check loads its own state and reports the error itself
                return None
            return got.pop(wid, None)

        return state_of

    async def run_forever(self, tick: float = 5.0, stop: asyncio.Event | None = None) -> None:
        while stop is None or not stop.is_set():
            stats = await self.run_once()
            if stats.checked:
                log.info("run.pass", extra={"checked": stats.checked, "by_status": stats.by_status})
            await asyncio.sleep(tick)


async def _no_state(wid: int) -> WatchState | None:
    return None


# the shard process's core, kept from pass to pass (its connections, open WARC file and the evidence
# log's remembered commitments); opened again when the settings or the kind of clock change
_SHARD_CORE: tuple[str, bool, Presswatch] | None = None


def _shard_core(settings_json: str, now: str | None) -> Presswatch:
    from datetime import datetime

    from presswatch.clock import FakeClock, SystemClock
    from presswatch.settings import Settings

    global _SHARD_CORE
    if _SHARD_CORE is not None:
        key, fake, core = _SHARD_CORE
        if key == settings_json and fake == (now is not None):
            if now is not None:
                assert isinstance(core.clock, FakeClock)
                core.clock.set(datetime.fromisoformat(now))
            return core
        _close_shard_core()
    settings = Settings.model_validate_json(settings_json)
    clock = FakeClock(datetime.fromisoformat(now)) if now else SystemClock()
    core = Presswatch.open(settings, clock=clock, migrate=False)
    _SHARD_CORE = (settings_json, now is not None, core)
    return core


def _close_shard_core() -> None:
    global _SHARD_CORE
    if _SHARD_CORE is not None:
        core, _SHARD_CORE = _SHARD_CORE[2], None
        core.close()


def _shard_main(settings_json: str, k: int, n: int, now: str | None, concurrency: int | None) -> dict[str, Any]:
    """One shard of a multi-process pass (runs in a child process of a :func:`shard_pool`)."""
    core = _shard_core(settings_json, now)

    async def go() -> RunStats:
        async with core.session(shard=(k, n)) as ops:
            return await ops.run_pass(concurrency)

    try:
        st = asyncio.run(go())
    except BaseException:
        _close_shard_core()
        raise
    return {"checked": st.checked, "discovered": st.discovered, "errors": st.errors, "by_status": st.by_status,
            "pid": os.getpid()}


class ShardProcesses:
    """One long-lived process per shard, spawned once and reused for every pass. Shard ``k`` always
    runs in process ``k``: the core it keeps remembers the commitments of its own watches' versions,
    so an unchanged check reads none back (a shared pool hands shard ``k`` to any free process)."""

    def __init__(self, procs: int) -> None:
        import multiprocessing as mp

        if procs < 1:
            raise ValueError("a pass is split over at least one process")
        ctx = mp.get_context("spawn")
        self.pools = [ctx.Pool(1, initializer=_warm) for _ in range(procs)]

    def run(self, args: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
        """``_shard_main(*args[k])`` in process ``k``, all at once; their results in shard order."""
        if len(args) != len(self.pools):
            raise ValueError(f"{len(args)} shards for {len(self.pools)} processes")
        pending = [p.apply_async(_shard_main, a) for p, a in zip(self.pools, args, strict=True)]
        return [r.get() for r in pending]

    def close(self) -> None:
        """Let the processes finish and exit (each closes its kept core)."""
        for p in self.pools:
            p.close()
        for p in self.pools:
            p.join()

    def terminate(self) -> None:
        for p in self.pools:
            p.terminate()


def shard_pool(procs: int) -> ShardProcesses:
    """The long-lived shard processes of passes split over ``procs`` processes."""
    return ShardProcesses(procs)


def _warm() -> None:
    """A shard process's start: import the heavy modules once; close its kept core when it exits (a pool
    closed and joined lets its processes exit normally)."""
    import atexit

    import presswatch.analyze  # noqa: F401
    import presswatch.pipeline  # noqa: F401

    atexit.register(_close_shard_core)


class ShardPool:
    """Long-lived shard processes for passes split over ``procs`` processes (see :func:`run_sharded`)."""

    def __init__(self, core: Presswatch, procs: int) -> None:
        self.core = core
        self.procs = procs
        self.pool = ShardProcesses(procs)

    def run_pass(self, concurrency: int | None = None) -> RunStats:
        """One pass over what is due, split over the shard processes."""
        return run_sharded(self.core, self.procs, concurrency, self.pool)

    def terminate(self) -> None:
        self.pool.terminate()


def run_sharded(core: Presswatch, procs: int, concurrency: int | None = None,
                pool: ShardProcesses | None = None) -> RunStats:
    """One pass split over ``procs`` processes (article watches sharded by id; each shard
    fetches, archives, analyzes and records on its own core, writing to the same database)."""
    from presswatch.clock import SystemClock

    now = None if isinstance(core.clock, SystemClock) else core.clock.now().isoformat()
    payload = core.settings.model_dump_json()
    own = pool is None
    shards = pool if pool is not None else ShardProcesses(procs)
    try:
        parts = shards.run([(payload, k, procs, now, concurrency) for k in range(procs)])
    finally:
        if own:
            shards.close()
    total = RunStats(shard_pids=[p["pid"] for p in parts])
    for p in parts:
        total.checked += p["checked"]
        total.discovered += p["discovered"]
        total.errors += p["errors"]
        for key, v in p["by_status"].items():
            total.by_status[key] = total.by_status.get(key, 0) + v
    return total
