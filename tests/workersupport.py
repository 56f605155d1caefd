"""Helpers for the scale-out tests: the machine's Redis and RabbitMQ, `presswatch worker` subprocesses."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from runsupport import cli_env, cli_start
from sqlalchemy import create_engine, text

REDIS_URL = os.environ.get("PRESSWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("PRESSWATCH_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")


def _reachable(url: str, default_port: int) -> str | None:
    u = urlsplit(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or default_port), timeout=3):
            return None
    except OSError as exc:
        return str(exc)


def _need(url: str, port: int, what: str, require_var: str) -> str:
    why = _reachable(url, port)
    if why is not None:
        if os.environ.get(require_var):
            pytest.fail(f"{what} required but unavailable: {why}")
        pytest.skip(f"{what} unavailable: {why}")
    return url


@pytest.fixture
def redis_url() -> str:
    url = _need(REDIS_URL, 6379, "Redis", "PRESSWATCH_REQUIRE_REDIS")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        if os.environ.get("PRESSWATCH_REQUIRE_REDIS"):
            pytest.fail(f"Redis required but unavailable: {exc}")
        pytest.skip(f"Redis unavailable: {exc}")
    return url


@pytest.fixture
def amqp_url() -> str:
    return _need(AMQP_URL, 5672, "RabbitMQ", "PRESSWATCH_REQUIRE_AMQP")


_USED: set[tuple[str, str]] = set()  # (broker URL, queue prefix) of this process's tests


def queue_prefix(broker: str) -> str:
    """A queue prefix of the calling test's own on ``broker``, forgotten at the end of the session."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    _USED.add((broker, prefix))
    return prefix


def forget_queues() -> None:
    """Delete what this process's tests left on the machine's brokers: their queues, exchanges and
    kombu's bindings (the brokers are the machine's, not the tests')."""
    from presswatch.workers.celery_app import QUEUES

    for broker, prefix in sorted(_USED):
        with contextlib.suppress(Exception):
            if broker.startswith("redis"):
                import redis

                r = redis.Redis.from_url(broker, socket_connect_timeout=3)
                keys = [*r.scan_iter(f"{prefix}*"), *r.scan_iter(f"_kombu.binding*.{prefix}*")]
                if keys:
                    r.delete(*keys)
            else:
                from kombu import Connection

                with Connection(broker, connect_timeout=3) as conn:
                    ch = conn.channel()
                    for q in QUEUES.values():
                        ch.queue_delete(f"{prefix}{q}")
                        ch.exchange_delete(f"{prefix}{q}")
    _USED.clear()


def scale_env(data: Path, db: str, broker: str, **extra: str) -> dict[str, str]:
    """CLI environment for scale-out on ``db`` and ``broker`` with queues of this test's own."""
    env = cli_env(data, db)
    env.update({
        "PRESSWATCH_MODE": "scale-out",
        "PRESSWATCH_BROKER_URL": broker,
        "PRESSWATCH_QUEUE_PREFIX": queue_prefix(broker),
        "PRESSWATCH_BROKER_VISIBILITY_TIMEOUT": "4",
        "PRESSWATCH_LEASE_SECONDS": "30",
        "PRESSWATCH_BATCH_SIZE": "4",
        "PRESSWATCH_WORKER_CONCURRENCY": "2",
        "PRESSWATCH_CONFIRM_CHECKS": "2",
    })
    env.update(extra)
    return env


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return cli_start(["worker", *args], env)


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Signal ``proc``'s process group; SIGKILL what is left after ``timeout``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


@contextlib.contextmanager
def workers(env: dict[str, str], n: int, *args: str) -> Iterator[list[subprocess.Popen[str]]]:
    procs = [start_worker(env, *args) for _ in range(n)]
    try:
        yield procs
    finally:
        for p in procs:
            stop(p)


def wait_until(pred: Callable[[], bool], timeout: float, what: str, procs: list[subprocess.Popen[str]] = ()) -> None:  # type: ignore[assignment]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        for p in procs:
            if p.poll() is not None:
                _, err = p.communicate()
                raise AssertionError(f"a worker exited ({p.returncode}) while waiting for {what}:\n{err[-3000:]}")
        time.sleep(0.1)
    tails = []
    for p in procs:  # what the workers said is what explains a time-out
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            _, err = p.communicate()
        tails.append((err or "")[-3000:])
    raise AssertionError(f"timed out waiting for {what}" + "".join(f"\n--- worker stderr:\n{t}" for t in tails))


def observations_per_watch(db: str) -> dict[int, int]:
    eng = create_engine(db)
    try:
        with eng.connect() as c:
            return {int(w): int(n) for w, n in c.execute(
                text("SELECT w.id, count(o.id) FROM watch w LEFT JOIN observation o ON o.watch_id = w.id "
                     "WHERE w.kind = 'article' GROUP BY w.id"))}
    finally:
        eng.dispose()
