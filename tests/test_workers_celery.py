"""Real Celery workers (`presswatch worker` subprocesses) on the machine's PostgreSQL with Redis or RabbitMQ.

Every watch is checked exactly once per pass: by one worker, by two, and when a worker is killed
(SIGKILL) in the middle of a batch and another one finishes the queue.
"""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from runsupport import cli, control, local_http, simsite_process
from sqlalchemy import create_engine, text
from workersupport import amqp_url, observations_per_watch, redis_url, scale_env, stop, wait_until, workers

__all__ = ["amqp_url", "redis_url"]  # fixtures


def _urls_file(tmp_path: Path, urls: list[str]) -> Path:
    f = tmp_path / "urls.txt"
    f.write_text("# articles\n" + "\n".join(urls) + "\n")
    return f


def _enqueue(env: dict[str, str]) -> int:
    r = cli(["run", "--once"], env, timeout=120)  # scale-out mode: `run` is the scheduler
    assert r.returncode == 0, r.stderr
    m = re.search(r"enqueued (\d+) watches", r.stdout)
    assert m, r.stdout
    return int(m.group(1))


def _leased(db: str) -> list[tuple[Any, ...]]:
    eng = create_engine(db)
    try:
        with eng.connect() as c:
            return [tuple(r) for r in c.execute(text(
                "SELECT id, lease_owner, lease_until, next_check_at FROM watch WHERE lease_owner IS NOT NULL"))]
    finally:
        eng.dispose()


@pytest.mark.parametrize(("broker", "args"), [("redis", ()), ("amqp", ("--concurrency", "2"))])
def test_a_worker_checks_each_due_watch_once(broker: str, args: tuple[str, ...], request: pytest.FixtureRequest,
                                             pg_url: str, tmp_path: Path) -> None:
    """One worker process (Redis), or a worker with two forked pool processes (RabbitMQ)."""
    url = request.getfixturevalue(f"{broker}_url")
    env = scale_env(tmp_path / "data", pg_url, url)
    with simsite_process(12) as base:
        urls = control(base, "/_sim/articles")["urls"]
        r = cli(["import", str(_urls_file(tmp_path, urls))], env)
        assert r.returncode == 0 and "added 12 watches" in r.stdout, r.stdout + r.stderr
        assert _enqueue(env) == 12
        assert _enqueue(env) == 0  # claimed and queued: never handed out twice
        with workers(env, 1, *args) as procs:
            wait_until(lambda: min(observations_per_watch(pg_url).values()) >= 1, 120, "every check", procs)
            wait_until(lambda: not _leased(pg_url), 60, "the leases freed", procs)
        assert set(observations_per_watch(pg_url).values()) == {1}
        assert _enqueue(env) == 0  # checked watches are not due again yet


def test_a_killed_worker_loses_nothing_and_doubles_nothing(pg_url: str, redis_url: str, tmp_path: Path) -> None:
    env = scale_env(tmp_path / "data", pg_url, redis_url)
    with simsite_process(24) as base:
        art = control(base, "/_sim/articles")
        for slug in art["slugs"]:  # each page takes a while to arrive: the kill lands inside a batch
            control(base, "/_sim/state", {"slug": slug, "state": "slow", "params": {"bytes_per_sec": 40000}})
        cli(["import", str(_urls_file(tmp_path, art["urls"]))], env)
        assert _enqueue(env) == 24
        with workers(env, 1) as first:
            wait_until(lambda: sum(observations_per_watch(pg_url).values()) >= 3, 120, "some checks", first)
            stop(first[0], signal.SIGKILL)
        at_kill = sum(observations_per_watch(pg_url).values())
        assert at_kill < 24, "the worker finished before it was killed"
        with workers(env, 1) as second:
            wait_until(lambda: min(observations_per_watch(pg_url).values()) >= 1, 180, "every check", second)
            try:
                wait_until(lambda: not _leased(pg_url), 60, "the leases freed", second)
            except AssertionError as exc:
                raise AssertionError(f"{exc}: {_leased(pg_url)}") from None
            time.sleep(6)  # past the visibility timeout: a redelivered batch must find nothing to do
        counts = observations_per_watch(pg_url)
        assert len(counts) == 24 and set(counts.values()) == {1}, counts


class _Counting(BaseHTTPRequestHandler):
    """An article per path, served slowly; records the most connections open at once."""

    lock = threading.Lock()
    now = 0
    most = 0
    served = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        cls = type(self)
        with cls.lock:
            cls.now += 1
            cls.most = max(cls.most, cls.now)
        try:
            time.sleep(0.25)
            body = (f"<!doctype html><html lang=en><head><title>Story {self.path}</title></head><body><article>"
                    f"<h1>Story {self.path}</h1>" + "<p>A paragraph of reporting on the matter at hand.</p>" * 8
                    + "</article></body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with cls.lock:
                cls.now -= 1
                cls.served += 1

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def test_two_workers_share_the_per_host_limit_and_archive_into_one_union(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = scale_env(tmp_path / "data", pg_url, redis_url, PRESSWATCH_PER_HOST_CONCURRENCY="2",
                    PRESSWATCH_WORKER_CONCURRENCY="8", PRESSWATCH_BATCH_SIZE="4")
    with local_http(_Counting) as port:
        urls = [f"http://127.0.0.1:{port}/news/{i}" for i in range(32)]
        cli(["import", str(_urls_file(tmp_path, urls))], env)
        assert _enqueue(env) == 32
        with workers(env, 2) as procs:
            wait_until(lambda: min(observations_per_watch(pg_url).values()) >= 1, 180, "every check", procs)
        assert _Counting.served >= 32
        assert _Counting.most <= 2, f"{_Counting.most} connections to one host at once (limit 2)"
    assert set(observations_per_watch(pg_url).values()) == {1}
    # each worker wrote its own WARC files; verify and export read the union
    names = sorted(p.name for p in (tmp_path / "data" / "warc").glob("*.warc.gz"))
    pids = {n.split("-")[-2] for n in names}  # presswatch_HOST-TIME-PID-COUNTER.warc.gz
    assert len(pids) == 2, names
    r = cli(["verify", "--json"], env)
    assert r.returncode == 0, r.stdout + r.stderr
    out = tmp_path / "all.warc.gz"
    r = cli(["export", "--format", "warc", "-o", str(out)], env)
    assert r.returncode == 0, r.stderr
    from warcio.archiveiterator import ArchiveIterator

    with open(out, "rb") as fh:
        got = {rec.rec_headers.get_header("WARC-Target-URI") for rec in ArchiveIterator(fh)
               if rec.rec_type == "response"}
    assert set(urls) <= got


def _queued_ids(redis_url: str, queue: str) -> list[int]:
    import redis

    r = redis.Redis.from_url(redis_url)
    ids: list[int] = []
    for raw in r.lrange(queue, 0, -1):
        msg = json.loads(raw)
        args = json.loads(base64.b64decode(msg["body"]))[0]
        ids.extend(args[1])
    r.delete(queue)
    return ids


def test_two_schedulers_at_once_never_dispatch_a_watch_twice(pg_url: str, redis_url: str, tmp_path: Path) -> None:
    env = scale_env(tmp_path / "data", pg_url, redis_url, PRESSWATCH_BATCH_SIZE="7")
    urls = [f"http://127.0.0.1:9/story/{i}" for i in range(600)]  # never fetched: the queue is only read
    cli(["import", str(_urls_file(tmp_path, urls))], env)
    from runsupport import CLI

    procs = [subprocess.Popen([*CLI, "scheduler", "--once"], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    claimed = [int(re.search(r"enqueued (\d+)", o).group(1)) for o in outs]  # type: ignore[union-attr]
    assert sum(claimed) == 600, outs
    ids = _queued_ids(redis_url, env["PRESSWATCH_QUEUE_PREFIX"] + "checks")
    assert len(ids) == 600 and len(set(ids)) == 600
