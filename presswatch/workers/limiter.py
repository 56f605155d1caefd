"""Per-host politeness for the whole cluster, kept in Redis (behind :class:`~presswatch.fetch.limits.HostLimiter`).

Each host has a sorted set of slot holders (scored by when their hold runs out) and the earliest
time its next request may start. One Lua script, run atomically by Redis on its own clock (so the
machines' clocks do not matter), drops holds that ran out (a worker killed mid-request frees its
slot after ``hold`` seconds), takes a slot if fewer than ``per_host_concurrency`` are held, and
books the next start ``per_host_delay`` seconds after the latest one. A full host makes only its
own requests wait (polling with jitter); every other host goes on. If Redis cannot be reached the
limits fall back to this process's (:class:`~presswatch.fetch.limits.LocalLimiter`), logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from presswatch.fetch.limits import LocalLimiter

if TYPE_CHECKING:
    from presswatch.settings import Settings

__all__ = ["ACQUIRE", "RedisLimiter", "limiter_for", "redis_client_url"]

log = logging.getLogger(__name__)

# KEYS: holders (zset), next start (string). ARGV: token, limit, delay ms, hold ms.
# Returns -1 when every slot is held, else the milliseconds to wait before starting (slot taken).
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, delay, hold = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then
  return -1
end
local start = now
if delay > 0 then
  local booked = tonumber(redis.call('GET', KEYS[2]) or '0')
  if booked > start then start = booked end
  redis.call('SET', KEYS[2], start + delay, 'PX', start + delay - now + 1000)
end
redis.call('ZADD', KEYS[1], start + hold, ARGV[1])
redis.call('PEXPIRE', KEYS[1], start - now + hold + 1000)
return start - now
"""


class RedisLimiter:
    """At most ``concurrency`` exchanges with one host at once across every process sharing
    ``url``, starting at least ``delay`` seconds apart; a hold lasts at most ``hold`` seconds."""

    def __init__(self, url: str, concurrency: int, delay: float = 0.0, hold: float = 60.0,
                 namespace: str = "presswatch.") -> None:
        import redis.asyncio as aioredis

        self.namespace = namespace
        self.url = url
        self.concurrency = max(concurrency, 1)
        self.delay = delay
        self.hold = hold
        self._redis: Any = aioredis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
        self._acquire = self._redis.register_script(ACQUIRE)
        self._fallback = LocalLimiter(concurrency, delay)

    def _keys(self, host: str) -> list[str]:
        base = f"{self.namespace}host:{{{host}}}"  # {host}: one hash slot per host (Redis Cluster)
        return [f"{base}:holders", f"{base}:next"]

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        from redis.exceptions import RedisError

        keys, token = self._keys(host), uuid.uuid4().hex
        try:
            wait = 0.01
            while True:
                ms = int(await self._acquire(keys=keys, args=[token, self.concurrency, int(self.delay * 1000),
                                                              int(self.hold * 1000)]))
                if ms >= 0:
                    break
                await asyncio.sleep(wait * (0.5 + random.random()))
                wait = min(wait * 2, 0.25)
        except (RedisError, OSError) as exc:
            log.warning("limiter.unavailable", extra={"url": self.url, "error": str(exc)})
            async with self._fallback.slot(host):
                yield
            return
        try:
            if ms:
                await asyncio.sleep(ms / 1000)
            yield
        finally:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.zrem(keys[0], token)

    async def held(self, host: str) -> int:
        """Slots of ``host`` held now (for tests and monitoring)."""
        return int(await self._redis.zcard(self._keys(host)[0]))

    async def seen(self, key: str) -> bool:
        """Whether ``key`` was :meth:`mark`-ed and has not expired (task de-duplication)."""
        return bool(await self._redis.exists(key))

    async def mark(self, key: str, ttl: float) -> None:
        """Remember ``key`` for ``ttl`` seconds."""
        await self._redis.set(key, "1", ex=max(int(ttl), 1))

    async def aclose(self) -> None:
        await self._redis.aclose()


def redis_client_url(broker_url: str) -> str | None:
    """The redis-py URL of a Redis broker URL (Celery's ``redis+socket://PATH`` is redis-py's
    ``unix://PATH``), or ``None`` when the broker is not Redis."""
    if broker_url.startswith(("redis://", "rediss://", "unix://")):
        return broker_url
    if broker_url.startswith("redis+socket://"):
        return "unix://" + broker_url.removeprefix("redis+socket://")
    return None


def limiter_for(settings: Settings) -> RedisLimiter | None:
    """The cluster-wide limiter ``settings`` call for (``limiter_url``, else a Redis broker), or
    ``None`` for per-process limits."""
    url = settings.limiter_url or redis_client_url(settings.broker_url)
    if url is None:
        return None
    return RedisLimiter(url, settings.per_host_concurrency, settings.per_host_delay, hold=settings.timeout * 1.5 + 30,
                        namespace=settings.queue_prefix)
