"""Benchmark: alert delivery. Confirmed events fanned out to subscriptions, delivered to a local receiver
(its own process: a bare asyncio HTTP/1.1 server with keep-alive that verifies every signature), and the
added cost per check of a ``run`` pass with delivery off / on.

    python bench/bench_alerts.py [--events 10000] [--subs 100] [--concurrency 64] [--pages 100] [--rounds 10]
                                 [--db URL] [--skip-fanout] [--skip-run] [--profile] [--time-limit S]

Part 1 writes ``--events`` confirmed ``removed`` events (one outbox row each, as checks do) and one
webhook subscription per ``--subs`` to the receiver, which counts requests per ``webhook-id``; then
``deliver_pending`` runs until nothing is pending: deliveries/s, CPU seconds of presswatch and of the
receiver (they share the machine), duplicates (requests - distinct ids), missing ids, bad signatures;
progress on stderr at every tenth of the deliveries (the rate over that tenth, so a slowdown as the
tables grow shows); ``--time-limit`` stops the delivery and reports what arrived.
``--profile`` prints cProfile's top functions by own time.
Part 2 watches ``--pages`` articles of the simulated site and times ``run`` passes (first captures, each
raising a ``new`` event) with delivery off, on with a subscription nothing matches, and on with one
alert per check, alternated for ``--rounds`` rounds: process CPU and wall per check, median and
quartiles, and the load average.
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
import threading
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
# A receiver that is not the bottleneck: one asyncio process speaking HTTP/1.1 with keep-alive directly
# on the transport (no framework), counting requests per webhook-id and verifying every signature.
RECEIVER = r'''
import asyncio, base64, collections, hashlib, hmac, json, sys
key = base64.b64decode(sys.argv[2][len("whsec_"):] + "==")
counts = collections.Counter()
bad = [0]
class P(asyncio.Protocol):
    def connection_made(self, t):
        self.t, self.buf = t, b""
    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1").split("\r\n")
            h = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            n = int(h.get("content-length", "0"))
            if len(self.buf) < end + 4 + n:
                return
            body, self.buf = self.buf[end + 4:end + 4 + n], self.buf[end + 4 + n:]
            if head[0].startswith("GET"):
                out = json.dumps({"requests": sum(counts.values()), "ids": len(counts), "bad": bad[0]}).encode()
            else:
                wid, ts = h.get("webhook-id", ""), h.get("webhook-timestamp", "")
                mac = base64.b64encode(hmac.new(key, wid.encode() + b"." + ts.encode() + b"." + body,
                                                hashlib.sha256).digest()).decode()
                if "v1," + mac not in h.get("webhook-signature", "").split(" "):
                    bad[0] += 1
                counts[wid] += 1
                out = b"{}"
            self.t.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                         % (len(out), out))
async def main():
    srv = await asyncio.get_running_loop().create_server(P, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    await srv.serve_forever()
asyncio.run(main())
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_receiver() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port), SECRET])
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/stats", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("receiver did not start")


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def stats(url: str) -> dict[str, int]:
    return dict(json.loads(urllib.request.urlopen(url + "/stats", timeout=10).read()))


def progress(url: str, expected: int, t0: float, stop: threading.Event) -> None:
    """Print to stderr, at each tenth of ``expected`` requests at the receiver, the rate over that tenth
    since the previous line (flat if delivery does not slow as the tables grow) and overall."""
    step = max(expected // 10, 1)
    mark, last_n, last_t = step, 0, t0
    while True:
        finished = stop.wait(0.5)
        n = stats(url)["requests"]
        now = time.perf_counter()
        if n >= mark or (finished and n > last_n):
            print(f"  progress {n * 100 // expected:3d} %: {n:>9,} requests at {now - t0:7.1f} s; "
                  f"since the last line {(n - last_n) / max(now - last_t, 1e-9):,.0f}/s, "
                  f"overall {n / (now - t0):,.0f}/s; load {load()}", file=sys.stderr, flush=True)
            mark = (n // step + 1) * step
            last_n, last_t = n, now
        if finished:
            return


def fan_out_bench(n_events: int, n_subs: int, db: str | None, concurrency: int, profile: bool,
                  time_limit: float | None = None) -> None:
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
            print(f"fan-out: {n_events} events x {n_subs} subscriptions = {n_events * n_subs} deliveries "
                  f"({'sqlite' if db is None else db.split(':')[0]}), concurrency {concurrency}; load {load()}",
                  flush=True)
            expected = n_events * n_subs
            t0, c0, r0 = time.perf_counter(), time.process_time(), cpu_of(proc.pid)
            stop = threading.Event()
            watcher = threading.Thread(target=progress, args=(url, expected, t0, stop), daemon=True)
            watcher.start()
            work = deliver_pending(core, limit=1000)
            if time_limit:
                work = asyncio.wait_for(work, time_limit)
            try:
                if profile:
                    import cProfile
                    import pstats

                    prof = cProfile.Profile()
                    total = prof.runcall(asyncio.run, work)
                    pstats.Stats(prof).sort_stats("tottime").print_stats(30)
                else:
                    total = asyncio.run(work)
            except TimeoutError:
                total = None
            finally:
                stop.set()
                watcher.join()
            elapsed, cpu, rcpu = time.perf_counter() - t0, time.process_time() - c0, cpu_of(proc.pid) - r0
            got = stats(url)
            if total is None:
                print(f"  stopped after --time-limit {time_limit:g} s: {got['requests']} of {expected} requests "
                      f"({got['requests'] / elapsed:,.0f}/s)")
                delivered = got["requests"]
            else:
                delivered = total.delivered
                print(f"  delivered {delivered} in {elapsed:.1f} s = {delivered / elapsed:,.0f} deliveries/s; "
                      f"pending {total.pending}, retried {total.retried}; load after {load()}")
            print(f"  CPU: presswatch {cpu:.1f} s ({cpu / max(delivered, 1) * 1e6:.0f} us per delivery), "
                  f"receiver {rcpu:.1f} s ({rcpu / max(got['requests'], 1) * 1e6:.0f} us per request)")
            print(f"  receiver: {got['requests']} requests, {got['ids']} distinct webhook-ids, "
                  f"duplicates {got['requests'] - got['ids']}, missing {expected - got['ids']}, "
                  f"bad signatures {got['bad']}")
        finally:
            core.close()
    proc.terminate()
    proc.wait()


MODES = {"off": (False, None), "on, no alert": (True, ["removed"]), "on, every check alerts": (True, ["new"])}


def _spread(v: list[float]) -> tuple[float, float, float]:
    """(median, first quartile, third quartile)."""
    s = sorted(v)
    return s[len(s) // 2], s[len(s) // 4], s[(3 * len(s)) // 4]


def run_bench(pages: int, rounds: int) -> None:
    site = subprocess.Popen([sys.executable, "-m", "presswatch.sim.site", "--host", "127.0.0.1", "--port", "0",
                             "--articles", str(pages), "--seed", "42"], stdout=subprocess.PIPE, text=True)
    assert site.stdout is not None
    base = site.stdout.readline().strip()
    proc, url = start_receiver()
    urls = json.loads(urllib.request.urlopen(base + "/_sim/articles").read())["urls"][:pages]
    wall: dict[str, list[float]] = {m: [] for m in MODES}
    cpu: dict[str, list[float]] = {m: [] for m in MODES}
    loads = [os.getloadavg()[0]]
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
                        t0, c0 = time.perf_counter(), time.process_time()
                        st = asyncio.run(core.run_pass(concurrency=16))
                        n = max(st.checked, 1)
                        wall[mode].append((time.perf_counter() - t0) / n)
                        cpu[mode].append((time.process_time() - c0) / n)
                        sent = stats(url)["requests"] - before
                        want = len(urls) if kinds == ["new"] else 0
                        assert st.checked == len(urls) and sent == want, (mode, st.checked, sent)
                    finally:
                        core.close()
            loads.append(os.getloadavg()[0])
    finally:
        proc.terminate()
        site.terminate()
        proc.wait()
        site.wait()
    print(f"run pass of {pages} first captures, {rounds} alternated rounds, per check: median [quartiles]; "
          f"load average (1 min) {min(loads):.1f}-{max(loads):.1f}")
    for label, data in (("process CPU", cpu), ("wall", wall)):
        off = _spread(data["off"])[0]
        for m, v in data.items():
            med, q1, q3 = _spread(v)
            added = "" if m == "off" else f" ({(med - off) / off * 100:+.1f} %)"
            print(f"  {label:11} delivery {m:23}: {med * 1000:7.2f} ms [{q1 * 1000:.2f}-{q3 * 1000:.2f}]{added}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--subs", type=int, default=100)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--db", default=os.environ.get("PRESSWATCH_DB"))
    ap.add_argument("--skip-run", action="store_true")
    ap.add_argument("--skip-fanout", action="store_true")
    ap.add_argument("--profile", action="store_true", help="cProfile the fan-out's delivery")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="stop the fan-out's delivery after this many seconds and report what arrived")
    a = ap.parse_args()
    if not a.skip_fanout:
        fan_out_bench(a.events, a.subs, a.db, a.concurrency, a.profile, a.time_limit)
    if not a.skip_run:
        run_bench(a.pages, a.rounds)


if __name__ == "__main__":
    main()
