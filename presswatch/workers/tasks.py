"""The worker tasks: check a claimed batch, measure, deliver alerts. Each is idempotent.

* ``check_batch(batch, ids)`` is keyed by its claim: it runs
  :meth:`~presswatch.core.Operations.check_batch`, which takes the batch's leases over to this run
  and checks only watches still due, so a redelivery (the worker died; late acks put the task back)
  checks only what the first delivery did not record, and a duplicate running at the same time
  finds the leases taken.
* ``measure(key, url, …)`` runs :meth:`~presswatch.core.Presswatch.measure` once per ``key``
  (a marker in the limiter's Redis, when there is one, skips a redelivered measurement that finished).
* ``deliver_alerts()`` calls ``presswatch.alerts.deliver.deliver_pending(core)`` if that module is
  installed (delivery reads the outbox, so running it twice sends nothing twice).

Each worker process keeps one runtime (event loop, core, fetcher, checker, limiter), made on its
first task after the fork, never inherited from the parent.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib
import inspect
import logging
import os
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from presswatch.core import Operations, Presswatch
from presswatch.workers.limiter import RedisLimiter, limiter_for

if TYPE_CHECKING:
    from celery import Celery

    from presswatch.settings import Settings

__all__ = ["ALERTS_MODULE", "MEASURED_TTL", "Runtime", "alerts_available", "register", "runtime"]

log = logging.getLogger(__name__)

T = TypeVar("T")

ALERTS_MODULE = "presswatch.alerts.deliver"
MEASURED_TTL = 7 * 86400  # seconds a finished measurement's key is remembered


class Runtime:
    """One worker process's event loop, core and fetching session (made lazily, closed at exit)."""

    def __init__(self, settings: Settings) -> None:
        self.pid = os.getpid()
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.core = Presswatch.open(settings, migrate=False)
        self.limiter: RedisLimiter | None = limiter_for(settings)
        self._stack = contextlib.AsyncExitStack()
        self.ops: Operations = self.run(self._stack.enter_async_context(
            self.core.session(workers=0, limiter=self.limiter)))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.run(self._stack.aclose())
            if self.limiter is not None:
                self.run(self.limiter.aclose())
        self.core.close()
        self.loop.close()


_runtimes: dict[tuple[int, int], Runtime] = {}


def runtime(settings: Settings) -> Runtime:
    """This process's (and thread's, with ``--pool threads``) runtime; a forked child makes its own."""
    key = (os.getpid(), threading.get_ident())
    rt = _runtimes.get(key)
    if rt is None:
        rt = _runtimes[key] = Runtime(settings)
        atexit.register(rt.close)
    return rt


def alerts_available() -> bool:
    """True if the alert-delivery module is installed."""
    import importlib.util

    try:
        return importlib.util.find_spec(ALERTS_MODULE) is not None
    except ModuleNotFoundError:
        return False


def _check_batch(settings: Settings, batch: str, ids: list[int]) -> dict[str, Any]:
    rt = runtime(settings)
    stats = rt.run(rt.ops.check_batch(batch, [int(i) for i in ids], settings.worker_concurrency))
    log.info("worker.batch", extra={"batch": batch, "checked": stats.checked, "by_status": stats.by_status})
    return {"batch": batch, "checked": stats.checked, "discovered": stats.discovered, "errors": stats.errors,
            "by_status": stats.by_status}


async def _once(rt: Runtime, key: str, coro: Coroutine[Any, Any, T]) -> T | None:
    if rt.limiter is None:
        return await coro
    marker = f"{rt.settings.queue_prefix}done:{key}"
    if await rt.limiter.seen(marker):
        coro.close()
        return None
    out = await coro
    await rt.limiter.mark(marker, MEASURED_TTL)
    return out


def _measure(settings: Settings, key: str, url: str, country: str | None, network: str) -> dict[str, Any] | None:
    rt = runtime(settings)
    return rt.run(_once(rt, f"measure:{key}", rt.core.measure(url, country=country, network=network)))


def _deliver_alerts(settings: Settings) -> Any:
    try:
        mod = importlib.import_module(ALERTS_MODULE)
    except ModuleNotFoundError:
        return None
    deliver = getattr(mod, "deliver_pending", None)
    if deliver is None:
        return None
    rt = runtime(settings)
    out = deliver(rt.core)
    if inspect.isawaitable(out):
        out = rt.run(out)  # type: ignore[arg-type]
    return out if isinstance(out, int | dict | list | type(None)) else None


def register(app: Celery) -> None:
    """Register the tasks on ``app`` (its settings are read on the worker)."""
    from presswatch.workers.celery_app import TASK_ALERTS, TASK_CHECK, TASK_MEASURE, settings_of

    cache: dict[str, Settings] = {}

    def settings() -> Settings:
        if "s" not in cache:
            cache["s"] = settings_of(app)
        return cache["s"]

    @app.task(name=TASK_CHECK, acks_late=True, reject_on_worker_lost=True)
    def check_batch(batch: str, ids: list[int]) -> dict[str, Any]:
        return _check_batch(settings(), batch, ids)

    @app.task(name=TASK_MEASURE, acks_late=True, reject_on_worker_lost=True)
    def measure(key: str, url: str, country: str | None = None, network: str = "") -> dict[str, Any] | None:
        return _measure(settings(), key, url, country, network)

    @app.task(name=TASK_ALERTS, acks_late=True, reject_on_worker_lost=True)
    def deliver_alerts() -> Any:
        return _deliver_alerts(settings())
