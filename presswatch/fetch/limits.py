"""Per-host politeness behind one interface: how many requests to one host at once, and how far apart.

:class:`~presswatch.fetch.client.Fetcher` takes one slot per exchange (``async with
limiter.slot(host):``) before its global concurrency slot, so a host that is slow or dead only ever
holds its own slots: checks of every other host go on. :class:`LocalLimiter` keeps the limits in
this process (embedded mode); a shared limiter (``presswatch.workers.limiter.RedisLimiter``) keeps
them across every worker process on every machine, behind the same interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Protocol

__all__ = ["HostLimiter", "LocalLimiter"]


class HostLimiter(Protocol):
    """Per-host concurrency and delay: ``async with limiter.slot(host): ...`` around one exchange."""

    def slot(self, host: str) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def aclose(self) -> None: ...


class LocalLimiter:
    """At most ``concurrency`` exchanges with one host at once in this process, starting at least
    ``delay`` seconds apart."""

    def __init__(self, concurrency: int, delay: float = 0.0) -> None:
        self.concurrency = max(concurrency, 1)
        self.delay = delay
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self.concurrency))
        self._next: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        async with self._hosts[host]:
            if self.delay > 0:
                now = time.monotonic()
                start = max(now, self._next.get(host, 0.0))
                self._next[host] = start + self.delay
                if start > now:
                    await asyncio.sleep(start - now)
            yield

    async def aclose(self) -> None:
        return None
