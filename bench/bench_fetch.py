"""Benchmark: CPU per conditional fetch (answered 304) through presswatch's fetcher, beside bare httpx and
bare aiohttp clients on the same simulated site.

    python bench/bench_fetch.py [--requests 4000] [--concurrency 32] [--runs 3]

The simulated site runs in its own process (its CPU is not counted); each client sends the same
conditional GETs, ``--concurrency`` at a time, on keep-alive connections. presswatch's fetcher adds the
SSRF guard, per-host limits, the request-header bookkeeping and the body cap; the bare clients do none.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import httpx

from presswatch.fetch.client import Fetcher
from presswatch.settings import Settings

Get = Callable[[str, str], Awaitable[int]]


async def timed(get: Get, urls: list[str], etags: dict[str, str], n: int, concurrency: int) -> tuple[float, float]:
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        u = urls[i % len(urls)]
        async with sem:
            status = await get(u, etags[u])
            assert status == 304, status

    c0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return (time.process_time() - c0) / n * 1000, n / (time.perf_counter() - t0)


async def presswatch_run(urls: list[str], etags: dict[str, str], n: int, c: int) -> tuple[float, float]:
    s = Settings(data=Path(tempfile.mkdtemp(prefix="pw-fetch-")), allow_private=True, concurrency=c,
                 per_host_concurrency=c, per_host_delay=0)
    async with Fetcher(s) as f:
        async def get(u: str, etag: str) -> int:
            return (await f.fetch(u, conditional={"If-None-Match": etag})).status or 0
        await timed(get, urls, etags, 200, c)  # warm: connections open
        return await timed(get, urls, etags, n, c)


async def httpx_run(urls: list[str], etags: dict[str, str], n: int, c: int) -> tuple[float, float]:
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        async def get(u: str, etag: str) -> int:
            r = await client.get(u, headers={"If-None-Match": etag})
            return r.status_code
        await timed(get, urls, etags, 200, c)
        return await timed(get, urls, etags, n, c)


async def aiohttp_run(urls: list[str], etags: dict[str, str], n: int, c: int) -> tuple[float, float]:
    connector = aiohttp.TCPConnector(limit=c)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
        async def get(u: str, etag: str) -> int:
            async with session.get(u, headers={"If-None-Match": etag}, allow_redirects=False) as r:
                await r.read()
                return r.status
        await timed(get, urls, etags, 200, c)
        return await timed(get, urls, etags, n, c)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    site = subprocess.Popen([sys.executable, "-m", "presswatch.sim.site", "--host", "127.0.0.1", "--port", "0",
                             "--articles", "200", "--seed", "42"], stdout=subprocess.PIPE, text=True)
    assert site.stdout is not None
    base = site.stdout.readline().strip()
    try:
        body = urllib.request.urlopen(base + "/sitemap-articles.xml").read().decode()
        urls = re.findall(r"<loc>([^<]+)</loc>", body)
        etags = {u: urllib.request.urlopen(u).headers["ETag"] for u in urls}
        clients = {"presswatch Fetcher (aiohttp)": presswatch_run, "bare httpx.AsyncClient": httpx_run,
                   "bare aiohttp.ClientSession": aiohttp_run}
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in clients}
        for r in range(args.runs):  # alternated
            for name, run in clients.items():
                results[name].append(asyncio.run(run(urls, etags, args.requests, args.concurrency)))
                print(f"run {r + 1} {name}: {results[name][-1][0]:.3f} ms CPU", file=sys.stderr)
        print(f"{args.requests} conditional GETs (304), {args.concurrency} at a time, {args.runs} runs alternated")
        print("| client | CPU per fetch (ms) | fetches/s |\n|---|---|---|")
        for name, rs in results.items():
            cpu = sorted(x[0] for x in rs)
            rate = sorted(x[1] for x in rs)
            print(f"| {name} | {cpu[0]:.3f}–{cpu[-1]:.3f} | {rate[0]:.0f}–{rate[-1]:.0f} |")
    finally:
        site.terminate()


if __name__ == "__main__":
    main()
