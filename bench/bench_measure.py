"""Benchmark: 1,000 URLs measured from one vantage against loopback (HTTP server + DNS server).

    .venv/bin/python bench/bench_measure.py [--urls 1000] [--concurrency 50]

Each measurement runs the full pipeline (DNS with the 500 ms late-reply window, TCP, HTTP, and a local
control doing its own DNS/TCP/HTTP). Prints total time and measurements/s. Goal: ≤ 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import http.server
import logging
import socketserver
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from presswatch.measure.control import local_control  # noqa: E402
from presswatch.measure.fingerprints import Fingerprints  # noqa: E402
from presswatch.measure.measurement import Timeouts, Vantage, measure  # noqa: E402
from presswatch.sim.censor import DnsServer  # noqa: E402


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        n = self.path.strip("/").split("/")[-1]
        body = (
            f"<html><head><title>Article {n} of the Daily Example</title></head><body>"
            + "<p>Reporting from the capital.</p>" * 40
            + "</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 512


async def run(n: int, concurrency: int, port: int, resolver: str) -> list[dict]:
    timeouts = Timeouts(dns=4, tcp=5, tls=5, http=10)
    control = local_control(resolver, allow_private=True, timeouts=timeouts)
    fps = Fingerprints.load()
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> dict:
        async with sem:
            return await measure(
                f"http://news.example:{port}/article/{i}",
                vantage=Vantage("XX", "bench"),
                resolver=resolver,
                control=control,
                timeouts=timeouts,
                fingerprints=fps,
                allow_private=True,
            )

    return list(await asyncio.gather(*(one(i) for i in range(n))))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--urls", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=50)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    with DnsServer({"news.example": ["127.0.0.1"]}) as dns_srv:
        t0 = time.monotonic()
        results = asyncio.run(run(args.urls, args.concurrency, port, dns_srv.address))
        dt = time.monotonic() - t0
    srv.shutdown()
    verdicts = collections.Counter((r["blocking"], r["accessible"]) for r in results)
    print(
        f"{len(results)} measurements, concurrency {args.concurrency}: {dt:.1f} s total, "
        f"{len(results) / dt:.1f} measurements/s"
    )
    print("verdicts (blocking, accessible):", dict(verdicts))
    return 0 if verdicts.get((False, True), 0) == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
