"""Benchmark: bulk import of 100,000 watches from a file, and the scheduler's memory with them all due.

    python bench/bench_memory.py [--watches 100000] [--hosts 300] [--db postgres|sqlite|both]

``presswatch import FILE`` (wall time of the whole command, start-up included), then
``presswatch scheduler`` (PostgreSQL + Redis) claims every watch in one tick and enqueues them in
batches; its peak resident set (VmHWM) is read from /proc while it runs. PostgreSQL at
``PRESSWATCH_TEST_PG``, Redis at ``PRESSWATCH_TEST_REDIS``; nothing is fetched.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scalesupport import CLI, REDIS, env_for, peak_rss_mb, pg_database  # noqa: E402


def write_urls(path: Path, n: int, hosts: int) -> None:
    with open(path, "w") as fh:
        for i in range(n):
            h = i % hosts
            fh.write(f"http://127.0.{h // 250}.{1 + h % 250}:8000/{2026 - i % 3}/news/story-{i}?utm_source=feed\n")


def timed_import(env: dict[str, str], urls: Path) -> tuple[float, str]:
    t0 = time.monotonic()
    r = subprocess.run([*CLI, "import", str(urls)], env=env, capture_output=True, text=True, timeout=1800)
    took = time.monotonic() - t0
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    return took, r.stdout.strip()


def scheduler_rss(env: dict[str, str], n: int) -> tuple[float, float, int]:
    """(peak RSS MB, seconds to enqueue, watches enqueued) of a scheduler handed ``n`` due watches."""
    prefix = env["PRESSWATCH_QUEUE_PREFIX"]
    t0 = time.monotonic()
    p = subprocess.Popen([*CLI, "scheduler", "--tick", "2"], env=env, stdout=subprocess.PIPE, text=True,
                         start_new_session=True)
    peak, enqueued, took = 0.0, 0, 0.0
    try:
        assert p.stdout is not None
        line = p.stdout.readline()  # the first tick that enqueued something
        took = time.monotonic() - t0
        m = re.search(r"enqueued (\d+)", line)
        enqueued = int(m.group(1)) if m else 0
        for _ in range(3):  # a few more (empty) ticks
            with contextlib.suppress(OSError):
                peak = max(peak, peak_rss_mb(p.pid))
            time.sleep(1.0)
        peak = max(peak, peak_rss_mb(p.pid))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=60)
        import redis

        r = redis.Redis.from_url(REDIS)
        for key in r.scan_iter(f"{prefix}*"):
            r.delete(key)
    return peak, took, enqueued


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--watches", type=int, default=100_000)
    ap.add_argument("--hosts", type=int, default=300)
    ap.add_argument("--db", choices=("postgres", "sqlite", "both"), default="both")
    opts = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        urls = tmp / "urls.txt"
        write_urls(urls, opts.watches, opts.hosts)
        if opts.db in ("sqlite", "both"):
            env = env_for(tmp / "sq", f"sqlite:///{tmp / 'sq.sqlite3'}")
            took, out = timed_import(env, urls)
            rows.append(("SQLite", took, out, None))
        if opts.db in ("postgres", "both"):
            with pg_database() as db:
                env = env_for(tmp / "pg", db, PRESSWATCH_BROKER_URL=REDIS, PRESSWATCH_MAX_QUEUED=str(opts.watches),
                              PRESSWATCH_QUEUE_PREFIX=f"mem{uuid.uuid4().hex[:8]}.")
                took, out = timed_import(env, urls)
                rows.append(("PostgreSQL", took, out, scheduler_rss(env, opts.watches)))
    print(f"\n{opts.watches:,} watches on {opts.hosts} hosts, one file\n")
    print("| database | `presswatch import` wall | scheduler: enqueue all | scheduler peak RSS |")
    print("|---|---|---|---|")
    for name, took, _, sched in rows:
        s = f"{sched[2]:,} in {sched[1]:.1f} s | {sched[0]:.0f} MB" if sched else "— | —"
        print(f"| {name} | {took:.1f} s | {s} |")
    for name, _, out, _ in rows:
        print(f"\n{name}: {out}")


if __name__ == "__main__":
    main()
