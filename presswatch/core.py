"""The core object every shell (CLI, web app, workers, demo) builds on.

``Presswatch`` holds the settings, the clock, the database and the archive, and owns the
operations the shells call: :meth:`~Presswatch.watch`, :meth:`~Presswatch.unwatch`,
:meth:`~Presswatch.check`, :meth:`~Presswatch.run_pass`, :meth:`~Presswatch.measure`,
:meth:`~Presswatch.add_demand`, :meth:`~Presswatch.add_report`,
:meth:`~Presswatch.check_report`. Operations that fetch run in a :meth:`~Presswatch.session`, which
creates one :class:`~presswatch.fetch.client.Fetcher`, one :class:`~presswatch.pipeline.Checker`
and (if asked) an analysis pool, and closes them on exit; :meth:`~Presswatch.shards` does the
same for a pool of shard processes. It does no I/O until an operation asks for it, and
:meth:`Presswatch.open` migrates the database to the newest schema. Stages are imported inside
the methods, so importing this module stays cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from presswatch.clock import Clock, SystemClock
from presswatch.record.db import Database
from presswatch.settings import Settings

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from presswatch.alerts.deliver import DeliveryStats
    from presswatch.archive.warc import WarcArchive
    from presswatch.cases.demands import DemandIn
    from presswatch.fetch.client import Fetcher
    from presswatch.fetch.limits import HostLimiter
    from presswatch.pipeline import Checker
    from presswatch.reports.checking import Vantage
    from presswatch.runner import Runner, RunStats, ShardPool

__all__ = ["UNKNOWN_COUNTRY", "Operations", "Presswatch", "Progress", "Target"]

log = logging.getLogger(__name__)

Target = str | int
"""What :meth:`Presswatch.check` takes: a URL (watched first if need be) or a watch id."""

Progress = Callable[[int, int, dict[str, int]], None]
"""``progress(done, total, by_status)``, called after each check of a pass."""

UNKNOWN_COUNTRY = "ZZ"  # ISO 3166's user-assigned "unknown or unspecified country"


class Operations:
    """The fetching operations of one :meth:`Presswatch.session`: one fetcher, one checker, one
    analysis pool (or none), shared by every check and pass run through it."""

    def __init__(self, core: Presswatch, fetcher: Fetcher, checker: Checker, runner: Runner,
                 pool: Executor | None) -> None:
        self.core = core
        self.fetcher = fetcher
        self.checker = checker
        self.runner = runner
        self.pool = pool

    async def check(self, targets: Sequence[Target]) -> list[dict[str, Any]]:
        """Check URLs or watch ids now, concurrently; results in the order given.

        URLs are refused (:class:`~presswatch.errors.BlockedTarget`, ``InvalidURL``) before anything
        is recorded, then watched if they are not yet, then checked.
        """
        urls = [t for t in targets if isinstance(t, str)]
        await self.core.vet(urls)
        ids = await asyncio.to_thread(self.core._watch_ids, targets)
        return list(await asyncio.gather(*(self.checker.check(i) for i in ids)))

    async def run_pass(self, concurrency: int | None = None, progress: Progress | None = None) -> RunStats:
        """One pass over what is due now (discovery first; only watches this pass leased)."""
        return await self.runner.run_once(concurrency, progress=progress)

    async def check_batch(self, batch: str, ids: Sequence[int], concurrency: int | None = None) -> RunStats:
        """Check one batch a scheduler claimed under ``batch`` (what a scale-out worker task runs;
        the same checks as a pass, see :meth:`~presswatch.runner.Runner.check_batch`)."""
        return await self.runner.check_batch(batch, ids, concurrency)


class Presswatch:
    """Settings, clock, database and archive, and the operations over them."""

    def __init__(self, settings: Settings, clock: Clock | None = None, db: Database | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.db = db or Database(settings.db_url)

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None, migrate: bool = True) -> Presswatch:
        settings.data.mkdir(parents=True, exist_ok=True)
        core = cls(settings, clock)
        if migrate:
            core.db.migrate()
        return core

    @property
    def data_dir(self) -> Path:
        return self.settings.data

    @functools.cached_property
    def archive(self) -> WarcArchive:
        from presswatch.archive.warc import WarcArchive

        prefix = "presswatch"
        if self.settings.mode == "scale-out":  # many machines may share the folder: names carry the host
            import re
            import socket

            prefix += "_" + re.sub(r"[^A-Za-z0-9]+", "_", socket.gethostname())[:40]
        archive = WarcArchive(self.settings.data, max_bytes=self.settings.warc_max_bytes, prefix=prefix)
        self.db.before_commit.append(archive.sync)
        return archive

    def close(self) -> None:
        self.db.close_writer()
        if "archive" in self.__dict__:
            self.archive.close()
        self.db.dispose()

    # -- the watchlist ------------------------------------------------------------------------------
    def watch(self, url: str, *, kind: str = "article", tags: Mapping[str, Any] | None = None,
              interval: int | None = None) -> int:
        """Watch ``url`` (``kind``: article, feed, sitemap or site); the watch id. Watching a URL
        again updates its tags and interval and reactivates it."""
        from presswatch.sources.watchlist import add_watch

        return add_watch(self, url, kind=kind, tags=dict(tags) if tags is not None else None, interval=interval)

    def unwatch(self, url: str) -> None:
        """Stop checking ``url`` (its history is kept); ``NotFound`` if it is not watched."""
        from presswatch.sources.watchlist import remove_watch

        remove_watch(self, url)

    async def vet(self, urls: Sequence[str]) -> None:
        """Refuse invalid URLs and non-public targets (the first one raises).

        A name that does not resolve now is not refused: that is an observation (``unreachable dns``).
        """
        from presswatch.errors import FetchError
        from presswatch.fetch.guard import TargetGuard

        guard = TargetGuard(allow_private=self.settings.allow_private)
        for u in urls:
            with contextlib.suppress(FetchError):
                await guard.check(u)

    def _watch_ids(self, targets: Sequence[Target]) -> list[int]:
        return [t if isinstance(t, int) else self.watch(t) for t in targets]

    # -- fetching ------------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def session(self, *, workers: int | None = 0, shard: tuple[int, int] | None = None,
                      limiter: HostLimiter | None = None) -> AsyncIterator[Operations]:
        """``async with core.session() as ops:`` — one fetcher and one checker for the operations
        inside, closed on exit.

        ``workers``: analysis processes (0 = analyse in-process, ``None`` = one per CPU), shut down
        on exit. ``shard=(k, n)``: passes check only article watches with ``id % n == k`` (and
        discover only in shard 0). ``limiter``: per-host politeness shared beyond this process
        (default: per process, see :mod:`presswatch.fetch.limits`).
        """
        from presswatch.fetch.client import Fetcher
        from presswatch.pipeline import Checker
        from presswatch.runner import Runner, make_pool

        pool = make_pool(workers)
        try:
            async with Fetcher(self.settings, self.clock, limiter=limiter) as fetcher:
                checker = Checker(self, fetcher, pool)
                runner = Runner(self, fetcher, checker=checker, shard=shard)
                try:
                    yield Operations(self, fetcher, checker, runner, pool)
                finally:
                    await runner.aclose()  # the background alert delivery, if a pass started it
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    async def check(self, targets: Sequence[Target]) -> list[dict[str, Any]]:
        """Check URLs or watch ids now in a session of their own (see :meth:`Operations.check`)."""
        async with self.session() as ops:
            return await ops.check(targets)

    async def run_pass(self, concurrency: int | None = None, progress: Progress | None = None, *,
                       workers: int | None = 0) -> RunStats:
        """One pass over what is due now in a session of its own (see :meth:`Operations.run_pass`)."""
        async with self.session(workers=workers) as ops:
            return await ops.run_pass(concurrency, progress)

    @contextlib.contextmanager
    def shards(self, procs: int) -> Iterator[ShardPool]:
        """``with core.shards(n) as shards: shards.run_pass()`` — passes split over ``n`` long-lived
        processes (article watches sharded by id), terminated on exit."""
        from presswatch.runner import ShardPool

        pool = ShardPool(self, procs)
        try:
            yield pool
        finally:
            pool.terminate()

    # -- measuring and cases -------------------------------------------------------------------------
    async def measure(self, url: str, *, country: str | None = None, network: str = "",
                      resolver: str | None = None, control_resolver: str | None = None) -> dict[str, Any]:
        """Measure ``url`` from here against a local control, archive, store and fold it into the
        reachability status. ``country`` defaults to ``settings.country``, else ``ZZ`` (unknown)."""
        from presswatch.probes.client import measure_local

        cc = country or self.settings.country or UNKNOWN_COUNTRY
        return await measure_local(self, url, country=cc, network=network, resolver=resolver,
                                   control_resolver=control_resolver)

    async def add_report(self, source: str, *, language: str | None = None, report_date: date | None = None,
                         by: str | None = None) -> dict[str, Any]:
        """Ingest a press report (URL: fetched, archived and watched; or a text/HTML file) and extract its
        draft, which stays outside the evidence log until accepted; the draft as JSON with ``id``."""
        from presswatch.reports.ingest import add_report

        return await add_report(self, source, language=language, report_date=report_date, by=by)

    async def check_report(self, report_id: int, *, vantages: Sequence[Vantage] = (),
                           ooni_base: str | None = None) -> list[dict[str, Any]]:
        """Check every claim of an accepted report now (captures, measurements, OONI as a third party)."""
        from presswatch.reports.checking import check_report

        return await check_report(self, report_id, vantages=vantages, ooni_base=ooni_base)

    def add_demand(self, data: Mapping[str, Any] | DemandIn, *, documents: Sequence[Path | tuple[str, bytes]] = (),
                   by: str | None = None) -> int:
        """Validate and record a takedown demand with its documents and watch its targets; its id."""
        from presswatch.cases.demands import add_demand

        return add_demand(self, data, documents=documents, by=by)

    # -- alerts ---------------------------------------------------------------------------------------
    def subscribe(self, **options: Any) -> int:
        """Add an alert subscription (see :func:`presswatch.alerts.manage.add_subscription`); its id."""
        from presswatch.alerts.manage import add_subscription

        return add_subscription(self, **options)

    async def deliver_alerts(self) -> DeliveryStats:
        """Deliver every pending alert that is due now (the same delivery ``run`` does in the background)."""
        from presswatch.alerts.deliver import deliver_pending

        return await deliver_pending(self)
