"""Benchmark: alert delivery. Confirmed events fanned out to subscriptions, delivered to a local receiver
(its own process: uvicorn), and the added latency per check of a ``run`` pass with delivery on vs off.

    python bench/bench_alerts.py [--events 10000] [--subs 100] [--pages 100] [--db URL]

Part 1 writes ``--events`` confirmed ``removed`` events (one outbox row each, as checks do) and one
webhook subscription per ``--subs`` to a receiver that counts requests per ``webhook-id``; then
``deliver_pending`` runs until nothing is pending: deliveries/s and duplicates (requests − distinct ids).
Part 2 watches ``--pages`` articles of the simulated site and times a ``run`` pass (first captures, each
raising a ``new`` event that one subscription wants) with ``alerts_in_run`` off and on, alternately.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from presswatch.alerts.deliver import deliver_pending
from presswatch.alerts.manage import add_subscription
from presswatch.core import Presswatch
from presswatch.record.events import NewEvent, add_events
from presswatch.record.models import Watch
from presswatch.settings import Settings

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RECEIVER = r'''
import collections, json, sys, uvicorn
counts = collections.Counter()
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        msg = await receive(); more = msg.get("more_body", False)
    if scope["method"] == "GET":
        body = json.dumps({"requests": sum(counts.values()), "ids": len(counts)}).encode()
    else:
        wid = dict(scope["headers"]).get(b"webhook-id", b"").decode()
        counts[wid] += 1
        body = b"{}"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="error", backlog=4096)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_receiver() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/stats", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("receiver did not start")


def stats(url: str) -> dict[str, int]:
    return dict(json.loads(urllib.request.urlopen(url + "/stats", timeout=10).read()))


def fan_out_bench(n_events: int, n_subs: int, db: str | None, concurrency: int) -> None:
    proc, url = start_receiver()
    with tempfile.TemporaryDirectory() as tmp:
        core = Presswatch.open(Settings(data=Path(tmp), db=db, allow_private=True, alert_concurrency=concurrency))
        try:
            for _ in range(n_subs):
                add_subscription(core, webhook=url + "/hook", secret=SECRET, filters={})
            now = datetime.now(UTC)

            def fn(s: Session) -> None:
                watches = [Watch(url=f"http://127.0.0.1:9/a/{i}", host="127.0.0.1", kind="article", tags={},
                                 created_at=now, next_check_at=now) for i in range(n_events)]
                s.add_all(watches)
                s.flush()
                add_events(s, [NewEvent(kind="removed", at=now, status="removed", reason="http-404", watch_id=w.id,
                                        summary="removed (http-404)") for w in watches])

            core.db.write(fn)
            t0 = time.perf_counter()
            total = asyncio.run(deliver_pending(core, limit=1000))
            elapsed = time.perf_counter() - t0
            got = stats(url)
            expected = n_events * n_subs
            print(f"fan-out: {n_events} events x {n_subs} subscriptions = {expected} deliveries "
                  f"({'sqlite' if db is None else db.split(':')[0]})")
            print(f"  delivered {total.delivered} in {elapsed:.1f} s = {total.delivered / elapsed:,.0f} deliveries/s; "
                  f"pending {total.pending}, retried {total.retried}")
            print(f"  receiver: {got['requests']} requests, {got['ids']} distinct webhook-ids, "
                  f"duplicates {got['requests'] - got['ids']}, missing {expected - got['ids']}")
        finally:
            core.close()
    proc.terminate()
    proc.wait()


MODES = {"off": (False, None), "on, no alert": (True, ["removed"]), "on, every check alerts": (True, ["new"])}


def run_bench(pages: int, rounds: int) -> None:
    site = subprocess.Popen([sys.executable, "-m", "presswatch.sim.site", "--host", "127.0.0.1", "--port", "0",
                             "--articles", str(pages), "--seed", "42"], stdout=subprocess.PIPE, text=True)
    assert site.stdout is not None
    base = site.stdout.readline().strip()
    proc, url = start_receiver()
    urls = json.loads(urllib.request.urlopen(base + "/_sim/articles").read())["urls"][:pages]
    times: dict[str, list[float]] = {m: [] for m in MODES}
    try:
        for r in range(rounds):
            order = list(MODES) if r % 2 == 0 else list(reversed(MODES))
            for mode in order:
                on, kinds = MODES[mode]
                with tempfile.TemporaryDirectory() as tmp:
                    core = Presswatch.open(Settings(data=Path(tmp), allow_private=True, alerts_in_run=on,
                                                    respect_robots=False))
                    try:
                        add_subscription(core, webhook=url + "/hook", secret=SECRET,
                                         filters={"events": kinds or ["new"]})
                        for u in urls:
                            core.watch(u)
                        before = stats(url)["requests"]
                        t0 = time.perf_counter()
                        st = asyncio.run(core.run_pass(concurrency=16))
                        times[mode].append((time.perf_counter() - t0) / max(st.checked, 1))
                        sent = stats(url)["requests"] - before
                        want = len(urls) if kinds == ["new"] else 0
                        assert st.checked == len(urls) and sent == want, (mode, st.checked, sent)
                    finally:
                        core.close()
    finally:
        proc.terminate()
        site.terminate()
        proc.wait()
        site.wait()
    med = {m: sorted(v)[len(v) // 2] for m, v in times.items()}
    print(f"run pass of {pages} first captures (median of {rounds}), per check:")
    for m, v in med.items():
        added = "" if m == "off" else f" ({(v - med['off']) / med['off'] * 100:+.1f} %)"
        print(f"  delivery {m}: {v * 1000:.2f} ms{added}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--subs", type=int, default=100)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--db", default=os.environ.get("PRESSWATCH_DB"))
    ap.add_argument("--skip-run", action="store_true")
    ap.add_argument("--skip-fanout", action="store_true")
    a = ap.parse_args()
    if not a.skip_fanout:
        fan_out_bench(a.events, a.subs, a.db, a.concurrency)
    if not a.skip_run:
        run_bench(a.pages, a.rounds)


if __name__ == "__main__":
    main()
