"""The fetcher's connection pool: connections are reused, a connection the server closed while idle is
noticed before reuse, and the connection limit holds."""

from __future__ import annotations

import asyncio
import http.server
import threading
import time

from runsupport import local_http

from presswatch.fetch.client import Fetcher
from presswatch.settings import Settings

PEERS: set[tuple[str, int]] = set()
LOCK = threading.Lock()


class KeepAlive(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        with LOCK:
            PEERS.add(self.client_address)
        body = b"<p>ok</p>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.path.startswith("/close"):
            self.wfile.flush()
            self.close_connection = True  # closes the socket without telling the client in a header

    def log_message(self, *a: object) -> None:
        pass


def _settings(tmp_path, concurrency: int = 4) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(data=tmp_path, allow_private=True, concurrency=concurrency, per_host_concurrency=concurrency)


def test_pool_reuses_connections_and_keeps_the_limit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    PEERS.clear()

    async def go(port: int) -> list[int | None]:
        async with Fetcher(_settings(tmp_path, 4)) as f:
            out = []
            for _ in range(3):
                res = await asyncio.gather(*(f.fetch(f"http://127.0.0.1:{port}/a{i}") for i in range(40)))
                out += [r.status for r in res]
            return out

    with local_http(KeepAlive) as port:
        statuses = asyncio.run(go(port))
    assert statuses == [200] * 120
    assert 1 <= len(PEERS) <= 4  # 120 requests over at most 4 connections


def test_a_connection_closed_by_the_server_is_not_reused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    PEERS.clear()

    async def go(port: int) -> list[int | None]:
        async with Fetcher(_settings(tmp_path, 1)) as f:
            out = []
            for i in range(6):
                r = await f.fetch(f"http://127.0.0.1:{port}/close{i}")
                out.append(r.status)
                time.sleep(0.05)  # the server's FIN arrives while the connection sits idle in the pool
            return out

    with local_http(KeepAlive) as port:
        statuses = asyncio.run(go(port))
    assert statuses == [200] * 6
    assert len(PEERS) == 6  # every request needed (and got) a new connection
