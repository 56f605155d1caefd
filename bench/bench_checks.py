"""Benchmark: watch 1,000 pages on the simulated site; checks/s for unchanged and edited pages,
peak memory, and archive bytes versus the gzip size of the unique payloads.

    python bench/bench_checks.py [--pages 1000] [--concurrency 64] [--workers 2] [--procs 1]

Each pass prints checks/s and the CPU time per check (this process and its shards/analysis workers;
the simulated site left out); the end prints every process's peak RSS.

The simulated site runs in its own process (as a real site would); presswatch runs here with a
fake clock moved a day between passes so every page is due.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from presswatch.clock import FakeClock, utcnow
from presswatch.core import Presswatch
from presswatch.fetch.client import Fetcher
from presswatch.record.models import Capture, Watch
from presswatch.runner import Runner, make_pool, run_sharded, shard_pool
from presswatch.settings import Settings
from presswatch.sources.watchlist import upsert_watch


def start_site(pages: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "presswatch.sim.site", "--host", "127.0.0.1", "--port", "0",
         "--articles", str(pages), "--seed", "42"],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    return proc, url


def control(base: str, path: str, payload: dict[str, object]) -> None:
    req = urllib.request.Request(base + path, data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req).read()


def article_urls(base: str) -> list[str]:
    from presswatch.sources.discover import parse_feed  # noqa: F401

    body = urllib.request.urlopen(base + "/sitemap-articles.xml").read().decode()
    import re

    return re.findall(r"<loc>([^<]+)</loc>", body)


def archive_vs_unique_gzip(core: Presswatch) -> tuple[int, int, int]:
    from presswatch.archive.warc import read_record

    warc_bytes = sum(p.stat().st_size for p in (core.data_dir / "warc").glob("*.warc.gz"))
    unique = 0
    with core.db.session() as s:
        rows = s.execute(select(Capture.warc_file, Capture.offset, Capture.length, Capture.payload_digest)
                         .where(Capture.record_type == "response")).all()
    seen: set[str] = set()
    wire = 0  # the payloads as they came (content-encoding kept): what the archive must store
    for wf, off, ln, dig in rows:
        if dig in seen:
            continue
        seen.add(dig)
        rec = read_record(core.archive.read_raw(wf, off, ln))
        wire += len(rec.payload)
        enc = dict((k.lower(), v) for k, v in rec.http_headers).get("content-encoding")
        body = gzip.decompress(rec.payload) if enc == "gzip" and rec.payload else rec.payload
        unique += len(gzip.compress(body, 6)) if body else 0
    return warc_bytes, unique, wire


PROCS = 1
SHARDS: Any = None
SITE_PID = 0
_TICK = os.sysconf("SC_CLK_TCK")


def _procs() -> dict[int, list[str]]:
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                raw = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            out[int(d)] = raw[raw.rindex(")") + 2 :].split()
    return out


def descendants() -> list[int]:
    """This process's live descendants (shards, analysis workers), the simulated site left out."""
    stats = _procs()
    kids: dict[int, list[int]] = {}
    for pid, f in stats.items():
        kids.setdefault(int(f[1]), []).append(pid)
    out, todo = [], [os.getpid()]
    while todo:
        for k in kids.get(todo.pop(), []):
            if k != SITE_PID:
                out.append(k)
                todo.append(k)
    return out


def cpu_seconds() -> float:
    """CPU (user+system) of this process and its live descendants, the simulated site left out."""
    stats = _procs()
    t = os.times()
    return t.user + t.system + sum((int(stats[p][11]) + int(stats[p][12])) / _TICK for p in descendants()
                                   if p in stats)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def one_pass(runner: Runner, clock: FakeClock, concurrency: int) -> tuple[int, float, dict[str, int]]:
    clock.advance(timedelta(days=1))
    t0 = time.perf_counter()
    c0 = cpu_seconds()
    if PROCS > 1:
        stats = await asyncio.to_thread(run_sharded, runner.core, PROCS, concurrency, SHARDS)
    else:
        stats = await runner.run_once(concurrency)
    cpu = cpu_seconds() - c0
    stats.by_status["cpu_ms_per_check"] = round(cpu / max(stats.checked, 1) * 1000, 2)  # type: ignore[assignment]
    return stats.checked, time.perf_counter() - t0, stats.by_status


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--db", default=None)
    ap.add_argument("--procs", type=int, default=1, help="shard each pass over N processes")
    args = ap.parse_args()
    global PROCS, SHARDS
    PROCS = args.procs
    if PROCS > 1:
        SHARDS = shard_pool(PROCS)  # spawned once, outside the timed passes

    proc, base = start_site(args.pages)
    global SITE_PID
    SITE_PID = proc.pid
    tmp = Path(tempfile.mkdtemp(prefix="pw-bench-"))
    print(f"data folder   : {tmp}", file=sys.stderr)
    clock = FakeClock(utcnow())
    settings = Settings(data=tmp, db=args.db, allow_private=True, concurrency=args.concurrency,
                        per_host_concurrency=args.concurrency, timeout=30)
    core = Presswatch.open(settings, clock=clock)
    try:
        urls = article_urls(base)[: args.pages]
        now = clock.now()
        core.db.write(lambda s: [upsert_watch(s, u, now) for u in urls])
        pool = make_pool(args.workers if args.procs == 1 else 0)

        async def go() -> None:
            async with Fetcher(settings, clock) as f:
                runner = Runner(core, f, pool)
                n, dt, st = await one_pass(runner, clock, args.concurrency)
                print(f"first capture : {n} pages in {dt:.2f} s = {n / dt:7.1f} checks/s  {st}")
                n, dt, st = await one_pass(runner, clock, args.concurrency)
                print(f"unchanged     : {n} pages in {dt:.2f} s = {n / dt:7.1f} checks/s  {st}  (conditional GET)")
                # forget validators: unchanged via payload-digest dedup (revisit records)
                core.db.write(lambda s: s.query(Watch).update({Watch.etag: None, Watch.last_modified: None}))
                n, dt, st = await one_pass(runner, clock, args.concurrency)
                print(f"unchanged     : {n} pages in {dt:.2f} s = {n / dt:7.1f} checks/s  {st}  (full GET, revisit)")
                for u in urls:
                    control(base, "/_sim/state", {"slug": u.rsplit("/", 1)[1], "state": "edit-paragraph",
                                                  "params": {"index": 1}})
                n, dt, st = await one_pass(runner, clock, args.concurrency)
                print(f"edited        : {n} pages in {dt:.2f} s = {n / dt:7.1f} checks/s  {st}")

        asyncio.run(go())
        kids = [peak_rss_mib(p) for p in descendants()]  # shards and analysis workers, while alive
        if pool is not None:
            pool.shutdown()
        warc, uniq, wire = archive_vs_unique_gzip(core)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        what = "shards" if PROCS > 1 else "analysis workers"
        print(f"peak RSS      : {peak:.0f} MiB this process; {what}: "
              + (", ".join(f"{k:.0f}" for k in sorted(kids)) + " MiB" if kids else "none"))
        print(f"archive       : {warc / 1e6:.2f} MB of WARC vs {uniq / 1e6:.2f} MB gzip of unique payloads "
              f"= {warc / uniq:.3f}x  (vs {wire / 1e6:.2f} MB of unique payloads as received = {warc / wire:.3f}x)")
    finally:
        core.close()
        proc.terminate()


if __name__ == "__main__":
    main()
