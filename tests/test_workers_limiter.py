"""The cluster-wide per-host limiter in Redis: the limit holds across processes, a busy host never
stalls another, a dead holder's slot comes back, and without Redis the limits stay per process."""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid

from workersupport import redis_url

from presswatch.workers.limiter import RedisLimiter

__all__ = ["redis_url"]  # fixture


def _hammer(url: str, ns: str, host: str, n: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """In another process: ``n`` concurrent exchanges with ``host``, each noting how many slots are held."""

    async def go() -> list[int]:
        lim = RedisLimiter(url, concurrency=3, namespace=ns)
        seen: list[int] = []

        async def one() -> None:
            async with lim.slot(host):
                seen.append(await lim.held(host))
                await asyncio.sleep(0.05)

        await asyncio.gather(*(one() for _ in range(n)))
        await lim.aclose()
        return seen

    out.put(asyncio.run(go()))


def test_the_limit_holds_across_processes(redis_url: str) -> None:
    ns = f"t{uuid.uuid4().hex[:8]}."
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(redis_url, ns, "news.example", 12, q)) for _ in range(3)]
    for p in procs:
        p.start()
    seen = [x for _ in procs for x in q.get(timeout=120)]
    for p in procs:
        p.join(timeout=30)
    assert len(seen) == 36
    assert max(seen) <= 3


def test_a_full_host_does_not_stall_another(redis_url: str) -> None:
    ns = f"t{uuid.uuid4().hex[:8]}."

    async def go() -> str:
        lim = RedisLimiter(redis_url, concurrency=1, namespace=ns)
        release = asyncio.Event()

        async def hog() -> None:
            async with lim.slot("slow.example"):
                await release.wait()

        hogging = asyncio.ensure_future(hog())
        await asyncio.sleep(0.1)
        waiting = asyncio.ensure_future(lim.slot("slow.example").__aenter__())
        async with lim.slot("fast.example"):
            state = "fast served while slow is full" if not waiting.done() else "slow was not full"
        release.set()
        await hogging
        await waiting
        await lim.aclose()
        return state

    assert asyncio.run(go()) == "fast served while slow is full"


def test_a_dead_holders_slot_comes_back_and_the_delay_is_booked(redis_url: str) -> None:
    ns = f"t{uuid.uuid4().hex[:8]}."

    async def go() -> tuple[int, int, int]:
        dead = RedisLimiter(redis_url, concurrency=1, hold=0.5, namespace=ns)
        await dead.slot("h.example").__aenter__()  # never left: the holder "died"
        held_by_dead = await dead.held("h.example")
        lim = RedisLimiter(redis_url, concurrency=1, delay=30, hold=5, namespace=ns)
        async with asyncio.timeout(60):  # the dead hold runs out; the slot is ours
            async with lim.slot("h.example"):
                held = await lim.held("h.example")
        r = lim._redis
        sec, usec = await r.time()
        booked = int(await r.get(lim._keys("h.example")[1])) - (sec * 1000 + usec // 1000)
        await dead.aclose()
        await lim.aclose()
        return held_by_dead, held, booked

    held_by_dead, held, booked_ms = asyncio.run(go())
    assert held_by_dead == 1 and held == 1
    assert 25_000 < booked_ms <= 30_000  # the next request to the host may start only per_host_delay later


def test_without_redis_the_limits_are_per_process() -> None:
    async def go() -> int:
        lim = RedisLimiter("redis://127.0.0.1:1/0", concurrency=2)
        now = most = 0

        async def one() -> None:
            nonlocal now, most
            async with lim.slot("x.example"):
                now += 1
                most = max(most, now)
                await asyncio.sleep(0.02)
                now -= 1

        await asyncio.gather(*(one() for _ in range(6)))
        await lim.aclose()
        return most

    assert asyncio.run(go()) == 2


def test_every_redis_broker_gets_the_shared_limiter() -> None:
    from presswatch.settings import Settings
    from presswatch.workers.limiter import limiter_for, redis_client_url

    assert redis_client_url("redis://h:6379/0") == "redis://h:6379/0"
    assert redis_client_url("rediss://h/1") == "rediss://h/1"
    assert redis_client_url("redis+socket:///run/redis.sock") == "unix:///run/redis.sock"
    assert redis_client_url("amqp://guest@h//") is None
    lim = limiter_for(Settings(broker_url="redis+socket:///run/redis.sock"))
    assert lim is not None and lim.url == "unix:///run/redis.sock"
    assert limiter_for(Settings(broker_url="amqp://guest@h//")) is None


def test_task_markers_expire(redis_url: str) -> None:
    async def go() -> tuple[bool, bool, bool]:
        lim = RedisLimiter(redis_url, concurrency=1)
        key = f"t{uuid.uuid4().hex}"
        before = await lim.seen(key)
        await lim.mark(key, 1)
        during = await lim.seen(key)
        await asyncio.sleep(2.1)
        after = await lim.seen(key)
        await lim.aclose()
        return before, during, after

    assert asyncio.run(go()) == (False, True, False)
