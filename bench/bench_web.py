"""Load benchmark of the web app: requests/s and p50/p99 latency with 100,000 observations stored.

    python bench/bench_web.py [--watches 1000] [--per-watch 100] [--concurrency 8] [--seconds 5] [--requests 3000]
                              [--db URL] [--workers N]

Builds a database quickly (bulk inserts through the record models: watches, observations, a few
versions and events per watch, not real checks), serves it with ``presswatch serve`` (uvicorn) in a
subprocess on loopback, and drives each route with an async httpx client over a few concurrent
connections, for at most ``--seconds`` and ``--requests`` per route. Routes: the dashboard ``/``, the
article page ``/watches/{id}``, the diff view ``/watches/{id}/diff?from=&to=``, and the read API
(``/api/v1/watches``, ``/api/v1/events``, ``/api/v1/history?url=``); and on the replay origin, one
archived article page (``/c/{id}``, rewritten) and one of its images (``/w/{ts}/{url}``). Requests
rotate over 50 watches (article, diff, history), over pages of the lists (``offset``) and over event
filters, so no one cached answer is measured. Besides requests/s and latency each route reports the CPU
time per request of the server (all its processes, from ``/proc``) and of this client, which shares the
cores with it (``--workers N`` runs ``presswatch serve --workers N``). A route the
served app does not have is reported with its status (404) and no figures. Goal: ≥ 300 requests/s with p99 < 200 ms for
the read API and ≥ 100 pages/s for the dashboard.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, select, text

from presswatch.core import Presswatch
from presswatch.record.events import NewEvent, add_events
from presswatch.record.models import Observation, Version, Watch
from presswatch.settings import Settings

START = datetime(2026, 1, 1, tzinfo=UTC)


def build(core: Presswatch, watches: int, per_watch: int) -> dict[str, Any]:
    """``watches`` article watches with ``per_watch`` observations each, 3 versions and 2 events per watch."""
    t0 = time.monotonic()
    hosts = [f"news{i}.example" for i in range(20)]

    def add_watches(s: Any) -> None:
        s.execute(insert(Watch), [{
            "url": f"https://{hosts[i % len(hosts)]}/2026/article-{i}", "kind": "article",
            "host": hosts[i % len(hosts)], "tags": {"country": ["KZ", "RU", "BY"][i % 3]}, "active": True,
            "created_at": START, "next_check_at": START + timedelta(days=30), "status": "unchanged",
            "confirmed": False, "last_checked_at": START + timedelta(hours=per_watch),
        } for i in range(watches)])

    core.db.write(add_watches)
    with core.db.session() as s:
        ids = list(s.scalars(select(Watch.id).order_by(Watch.id)))
        urls = dict(s.execute(select(Watch.id, Watch.url)).all())

    def add_versions(s: Any) -> None:
        s.execute(insert(Version), [{
            "watch_id": wid, "text_digest": f"sha256:{wid}-{v}", "title": f"Article {wid} v{v}",
            "text": "\n\n".join(f"Paragraph {p} of article {wid}, version {v if p == 2 else 0}: "
                                f"the ministry said it would review the report." for p in range(8)),
            "meta": {"page_words": 120}, "first_seen_at": START + timedelta(hours=v * 30),
            "last_seen_at": START + timedelta(hours=v * 30 + 29), "seen_count": 30,
        } for wid in ids for v in range(3)])

    core.db.write(add_versions)
    with core.db.session() as s:
        versions: dict[int, list[int]] = {}
        for vid, wid in s.execute(select(Version.id, Version.watch_id).order_by(Version.id)):
            versions.setdefault(wid, []).append(vid)

    batch = 20_000
    rows: list[dict[str, Any]] = []

    def flush(s: Any) -> None:
        s.execute(insert(Observation), rows)

    for wid in ids:
        for k in range(per_watch):
            v = min(2, k * 3 // per_watch)
            status = "new" if k == 0 else ("edited" if k in (per_watch // 3, 2 * per_watch // 3) else "unchanged")
            rows.append({
                "watch_id": wid, "url": urls[wid], "checked_at": START + timedelta(hours=k), "vantage": "origin",
                "status": status, "confirmed": status != "unchanged", "http_status": 200, "final_url": urls[wid],
                "title": f"Article {wid} v{v}", "text_digest": f"sha256:{wid}-{v}", "version_id": versions[wid][v],
                "details": {}, "diff": None,
            })
            if len(rows) >= batch:
                core.db.write(flush)
                rows = []
    if rows:
        core.db.write(flush)

    def add_some_events(s: Any) -> None:
        add_events(s, (NewEvent(kind=kind, at=START + timedelta(hours=h), status=st, watch_id=wid,
                                summary=f"article {wid} {kind}")
                       for wid in ids for kind, st, h in (("published", "new", 0), ("edited", "edited", 40))),
                   now=START)

    core.db.write(add_some_events)

    def set_current(s: Any) -> None:
        for wid in ids:
            w = s.get(Watch, wid)
            w.current_version_id = versions[wid][-1]

    core.db.write(set_current)
    page_id, image = archive_page(core, urls[ids[0]])
    return {"ids": ids, "urls": urls, "versions": versions, "seconds": time.monotonic() - t0,
            "observations": len(ids) * per_watch, "page": page_id, "image": image}


def archive_page(core: Presswatch, url: str) -> tuple[int, str]:
    """One archived article with 20 images and a stylesheet (written straight to the archive); its
    capture id and the replay path of one image."""
    from presswatch.record.models import capture_row
    from presswatch.web.replay import timestamp

    imgs = [f"{url}/img-{i}.png" for i in range(20)]
    html = ("<!doctype html><html><head><link rel=stylesheet href=site.css><title>Article</title></head><body>"
            + "".join(f"<p>Paragraph {i} <a href='/other-{i}'>link</a></p><img src='{u}'>" for i, u in enumerate(imgs))
            + "</body></html>").encode()
    exchanges = [(url, "text/html; charset=utf-8", html), (url + "/site.css", "text/css", b"p{color:red}")]
    exchanges += [(u, "image/png", b"\x89PNG" + bytes(200)) for u in imgs]
    refs = [core.archive.write_exchange(u, http_status=200, response_headers=[("Content-Type", ct)], body=body,
                                        captured_at=START) for u, ct, body in exchanges]
    rows = core.db.write(lambda s: [capture_row(s, r, "origin") for r in refs])
    return rows[0].id, f"/w/{timestamp(START)}/{imgs[0]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of process ``pid`` and its descendants so far, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, todo, seen = 0.0, [pid], set()
    try:
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError, IndexError):
        return None if not seen else total
    return total


def serve(data: Path, db: str, workers: int = 1) -> tuple[subprocess.Popen[str], str, str]:
    port, rport = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_")}
    env.update({"PRESSWATCH_DATA": str(data), "PRESSWATCH_DB": db})
    proc = subprocess.Popen([sys.executable, "-m", "presswatch", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--replay-port", str(rport), "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base, f"http://127.0.0.1:{rport}"
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start in 60 s")


async def drive(base: str, paths: list[str], concurrency: int, seconds: float, max_requests: int,
                server_pid: int | None = None) -> dict[str, Any]:
    """Request ``paths`` (round robin) from ``concurrency`` connections; latencies, statuses and CPU time."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        first = await client.get(paths[0])
        if first.status_code in (404, 405):
            return {"status": first.status_code}
        for p in paths[:5]:  # warm-up
            await client.get(p)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        stop = time.monotonic() + seconds
        issued = 0

        async def worker() -> None:
            nonlocal issued
            while issued < max_requests and time.monotonic() < stop:
                path = paths[issued % len(paths)]
                issued += 1
                t = time.perf_counter()
                r = await client.get(path)
                await r.aread()
                latencies.append(time.perf_counter() - t)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        t0, c0 = time.perf_counter(), time.process_time()
        s0 = cpu_seconds(server_pid) if server_pid else None
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, client_cpu = time.perf_counter() - t0, time.process_time() - c0
        s1 = cpu_seconds(server_pid) if server_pid else None
    q = quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [latencies[0]] * 99
    n = len(latencies)
    server_cpu = (s1 - s0) if s0 is not None and s1 is not None else None
    return {"status": ",".join(f"{k}×{v}" for k, v in sorted(statuses.items())), "n": n,
            "rps": n / wall, "p50": q[49] * 1000, "p99": q[98] * 1000, "bytes": len(first.content),
            "client_ms": client_cpu / n * 1000, "server_ms": server_cpu / n * 1000 if server_cpu is not None else None}


def in_process(core: Presswatch, routes: dict[str, list[str]], rounds: int) -> dict[str, float]:
    """CPU milliseconds per request of each route called straight through the ASGI app in this process
    (no HTTP, no client, sync routes run inline): what the app itself costs, free of the client's share."""
    import fastapi.routing

    from presswatch.web.app import create_app

    async def inline(fn: Any, *a: Any, **k: Any) -> Any:
        return fn(*a, **k)

    saved = fastapi.routing.run_in_threadpool
    setattr(fastapi.routing, "run_in_threadpool", inline)  # noqa: B010 - swapped for the timing only
    app = create_app(core)

    async def call(path: str) -> None:
        p, _, qs = path.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": p, "raw_path": p.encode(), "query_string": qs.encode(), "root_path": "",
                 "headers": [(b"host", b"bench"), (b"accept", b"*/*")], "client": ("127.0.0.1", 1),
                 "server": ("bench", 80)}
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(m: MutableMapping[str, Any]) -> None:
            if m["type"] == "http.response.start":
                status.append(m["status"])

        await app(scope, receive, send)
        if status[0] != 200:
            raise SystemExit(f"{path}: {status[0]}")

    async def run() -> dict[str, float]:
        out = {}
        for name, paths in routes.items():
            for p in paths[:5]:
                await call(p)
            n = rounds * len(paths)
            c0 = time.process_time()
            for i in range(n):
                await call(paths[i % len(paths)])
            out[name] = (time.process_time() - c0) / n * 1000
        return out

    try:
        return asyncio.run(run())
    finally:
        setattr(fastapi.routing, "run_in_threadpool", saved)  # noqa: B010


def commit_ticks(db: str, per_second: float, stop: threading.Event) -> None:
    """Commit a row to a table of the benchmark's own ``per_second`` times a second until ``stop``: every
    commit moves the database's change token, as the checks of a running ``presswatch run`` do."""
    eng = create_engine(db)
    try:
        with eng.begin() as c:
            c.execute(text("CREATE TABLE IF NOT EXISTS bench_tick (n INTEGER)"))
        gap = 1.0 / per_second
        while not stop.wait(gap):
            with eng.begin() as c:
                c.execute(text("INSERT INTO bench_tick (n) VALUES (1)"))
    finally:
        eng.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--watches", type=int, default=1000)
    ap.add_argument("--per-watch", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5.0, help="Most seconds per route.")
    ap.add_argument("--requests", type=int, default=3000, help="Most requests per route.")
    ap.add_argument("--db", default=None, help="SQLAlchemy URL (an empty database); default SQLite in a temp dir.")
    ap.add_argument("--workers", type=int, default=1, help="Server processes for the app (presswatch serve --workers).")
    ap.add_argument("--commits-per-second", type=float, default=0.0, metavar="N",
                    help="Commit N writes a second to the database while the routes are driven (a running "
                         "`presswatch run` does): remembered answers last only until the next commit.")
    ap.add_argument("--in-process", type=int, default=0, metavar="ROUNDS",
                    help="Also time ROUNDS passes over each route's paths straight through the app (CPU ms/request).")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="pw-bench-web-") as tmp:
        data = Path(tmp) / "data"
        settings = Settings(data=data, db=args.db)
        core = Presswatch.open(settings)
        built = build(core, args.watches, args.per_watch)
        db = settings.db_url
        print(f"built {built['observations']:,} observations over {len(built['ids']):,} watches in "
              f"{built['seconds']:.1f} s ({'SQLite' if db.startswith('sqlite') else 'PostgreSQL'})", file=sys.stderr)
        rng = random.Random(7)
        sample = rng.sample(built["ids"], min(50, len(built["ids"])))
        routes = {
            "/ (dashboard)": ["/"],
            "/watches/{id}": [f"/watches/{w}" for w in sample],
            "/watches/{id}/diff": [f"/watches/{w}/diff?from={built['versions'][w][0]}&to={built['versions'][w][-1]}"
                                   for w in sample],
            "/api/v1/watches": [f"/api/v1/watches?offset={o}" for o in range(0, min(900, len(built["ids"])), 100)],
            "/api/v1/events": [f"/api/v1/events?offset={o}" for o in range(0, 2 * len(built["ids"]), 100)]
            + ["/api/v1/events?kind=edited", "/api/v1/events?kind=published&offset=200"],
            "/api/v1/history?url=": [str(httpx.URL("/api/v1/history", params={"url": built["urls"][w]}))
                                     for w in sample],
        }
        if args.in_process:
            for name, ms in in_process(core, routes, args.in_process).items():
                print(f"in process: `{name}` {ms:.2f} CPU ms/request", file=sys.stderr)
        core.close()
        proc, base, replay_base = serve(data, db, args.workers)
        replay_routes = {"replay /c/{id} (page)": [f"/c/{built['page']}"], "replay /w/{ts}/{url} (image)": [
            built["image"]]}
        stop_writes = threading.Event()
        writer = None
        if args.commits_per_second > 0:
            writer = threading.Thread(target=commit_ticks, args=(db, args.commits_per_second, stop_writes),
                                      daemon=True)
            writer.start()
        try:
            print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; server workers: "
                  f"{args.workers}; {os.cpu_count()} CPUs; commits/s while driven: {args.commits_per_second:g}",
                  file=sys.stderr)
            print("| route | status | requests | req/s | p50 ms | p99 ms | server CPU ms/req | client CPU ms/req "
                  "| first response bytes |")
            print("|---|---|---|---|---|---|---|---|---|")
            for name, paths in [*routes.items(), *replay_routes.items()]:
                origin = replay_base if name.startswith("replay") else base
                r = asyncio.run(drive(origin, paths, args.concurrency, args.seconds, args.requests, proc.pid))
                if "n" not in r:
                    print(f"| `{name}` | {r['status']} (not in this app) | – | – | – | – | – | – | – |")
                    continue
                srv = f"{r['server_ms']:.1f}" if r["server_ms"] is not None else "–"
                print(f"| `{name}` | {r['status']} | {r['n']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} "
                      f"| {srv} | {r['client_ms']:.1f} | {r['bytes']:,} |", flush=True)
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
        finally:
            stop_writes.set()
            if writer is not None:
                writer.join(timeout=10)
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


if __name__ == "__main__":
    main()
