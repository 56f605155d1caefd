"""``worker``, ``scheduler`` and ``import``: scale-out over Celery, and watching many URLs at once.

``presswatch worker`` runs a Celery worker in this process (``--concurrency N`` processes; one
means a single process); ``presswatch scheduler`` claims due watches and enqueues them in batches
(``--once``: one tick). In ``mode = "scale-out"`` ``presswatch run`` is the scheduler.
``presswatch import FILE`` watches every URL of a file (one per line).
"""

from __future__ import annotations

import os
import signal
import socket
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from presswatch.cli._support import EXIT_FINDINGS, err, errors_as_usage, fail, open_core, out, state_of

if TYPE_CHECKING:
    from presswatch.core import Presswatch
    from presswatch.settings import Settings

__all__ = ["Broker", "import_cmd", "Pool", "register", "run_scheduler", "scheduler", "worker"]

Broker = Annotated[
    str | None, typer.Option("--broker", metavar="URL", help="Broker URL (default: the broker_url setting).")
]


class Pool(StrEnum):
    solo = "solo"
    prefork = "prefork"
    threads = "threads"


def _with_broker(settings: Settings, broker: str | None) -> Settings:
    return settings.model_copy(update={"broker_url": broker}) if broker else settings


def worker(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, metavar="N",
                                             help="Worker processes (1 = this process only).")] = 1,
    queues: Annotated[str, typer.Option("--queues", "-Q", metavar="Q,…",
                                        help="Queues to consume (checks, measure, alerts).")]
    = "checks,measure,alerts",
    pool: Annotated[Pool | None, typer.Option("--pool", help="Celery pool (default solo for 1, else prefork).")]
    = None,
    broker: Broker = None,
    name: Annotated[str | None, typer.Option("--name", metavar="NAME", help="Worker node name.")] = None,
) -> None:
    """Run a Celery worker (checks, measurements, alert delivery) until stopped."""
    from presswatch.core import Presswatch
    from presswatch.errors import PresswatchError
    from presswatch.workers.celery_app import make_app, queue_name

    settings = _with_broker(state_of(ctx).settings(), broker)
    try:  # migrate once here, and fork the pool with no database connection open
        Presswatch.open(settings).close()
        app = make_app(settings)
    except PresswatchError as exc:
        fail(str(exc))
    chosen = pool or (Pool.solo if concurrency == 1 else Pool.prefork)
    node = name or f"presswatch-{os.getpid()}@{socket.gethostname()}"
    names = [queue_name(settings, q.strip()) for q in queues.split(",") if q.strip()]
    err.print(f"worker {node}: {chosen.value} pool of {concurrency}, queues {', '.join(names)}", highlight=False,
              markup=False)
    app.worker_main(["--quiet", "worker", "--loglevel", "WARNING", "--concurrency", str(concurrency),
                     "--queues", ",".join(names), "--pool", chosen.value, "--hostname", node, "--without-gossip",
                     "--without-mingle", "--without-heartbeat"])


def run_scheduler(core: Presswatch, once: bool, tick: float) -> None:
    """The scheduler loop over ``core`` (one line on stdout per tick that enqueued something)."""
    from presswatch.clock import isoformat
    from presswatch.workers.celery_app import make_app
    from presswatch.workers.scheduler import Scheduler

    with errors_as_usage():
        sched = Scheduler(core, make_app(core.settings))
    stopping: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        stopping.append(signum)

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping:
            t0 = time.monotonic()
            with errors_as_usage():
                st = sched.tick()
            if st.claimed or once:
                out.print(f"{isoformat(core.clock.now())}  enqueued {st.claimed} watches in {st.batches} batches",
                          highlight=False, markup=False)
            if once:
                return
            deadline = t0 + tick
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    err.print("scheduler: stopped; queued batches stay claimed until a worker takes them or their lease ends")
    raise typer.Exit(130 if stopping[0] == signal.SIGINT else 143)


def scheduler(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Enqueue what is due now, then exit.")] = False,
    tick: Annotated[float, typer.Option(min=0.1, metavar="SECONDS", help="Seconds between ticks.")] = 5.0,
    broker: Broker = None,
) -> None:
    """Claim due watches in the database and enqueue them for the workers, in batches."""
    core = open_core(ctx)
    core.settings = _with_broker(core.settings, broker)
    run_scheduler(core, once, tick)


def import_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="One URL per line (# comments, blank lines skipped).")],
    kind: Annotated[str, typer.Option("--kind", help="article, feed, sitemap or site.")] = "article",
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="K=V", help="Tag every watch.")] = None,
    interval: Annotated[int | None, typer.Option(min=1, metavar="SECONDS", help="Fixed re-check interval.")]
    = None,
) -> None:
    """Watch every URL of FILE at once (each host vetted once; refused lines reported on stderr)."""
    from presswatch.cli.watching import parse_tags
    from presswatch.sources.bulk import import_watches, read_lines

    core = open_core(ctx)
    t0 = time.monotonic()
    with errors_as_usage():
        res = import_watches(core, read_lines(file), kind=kind, tags=parse_tags(tag or []), interval=interval)
    for n, text, why in res.refused:
        err.print(f"{file}:{n}: refused {text}: {why}", highlight=False, markup=False)
    out.print(f"added {res.added} watches ({res.existing} already watched, {len(res.refused)} refused, "
              f"{res.hosts} hosts) in {time.monotonic() - t0:.1f} s", highlight=False, markup=False)
    if res.refused:
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command()(worker)
    app.command()(scheduler)
    app.command("import")(import_cmd)
