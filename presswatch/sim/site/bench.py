"""Throughput check: ``python -m presswatch.sim.site.bench [--url URL] [--seconds 3]``.

Without ``--url`` it starts the site in a child process (so server and client do not share a core's GIL)
and times simple keep-alive GETs of article pages over one ``http.client`` connection per worker. It also
reports requests per CPU-second of the server process, which does not depend on what else the machine runs.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

__all__ = ["cpu_seconds", "main", "measure"]


def _worker(url: str, paths: list[str], gzip: bool, deadline: float, counts: list[int], slot: int) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=10)
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    n = 0
    while time.monotonic() < deadline:
        conn.request("GET", paths[n % len(paths)], headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"unexpected status {resp.status}")
        n += 1
    counts[slot] = n
    conn.close()


def measure(url: str, seconds: float = 3.0, connections: int = 1, gzip: bool = False) -> float:
    """Requests per second over ``connections`` keep-alive connections."""
    conn = http.client.HTTPConnection(urlsplit(url).hostname or "", urlsplit(url).port or 80)
    conn.request("GET", "/sitemap-articles.xml")
    body = conn.getresponse().read().decode()
    conn.close()
    paths = [urlsplit(loc.split("</loc>")[0]).path for loc in body.split("<loc>")[1:]]
    counts = [0] * connections
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_worker, args=(url, paths, gzip, deadline, counts, i))
        for i in range(connections)
    ]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - t0)


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--articles", type=int, default=1000)
    args = ap.parse_args()
    proc = None
    url = args.url
    if url is None:
        cmd = [sys.executable, "-m", "presswatch.sim.site", "--port", "0", "--articles", str(args.articles)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
    try:
        for conns, gz in ((1, False), (1, True), (4, False), (4, True)):
            cpu0 = cpu_seconds(proc.pid) if proc else 0.0
            rate = measure(url, args.seconds, conns, gz)
            line = f"{conns} keep-alive connection(s), gzip={gz}: {rate:,.0f} requests/s"
            if proc is not None:
                per_cpu = rate * args.seconds / max(cpu_seconds(proc.pid) - cpu0, 1e-9)
                line += f" ({per_cpu:,.0f} per server CPU-second)"
            print(line)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
