"""The fetcher against local servers: an overall deadline across redirect hops; the peer's address."""

from __future__ import annotations

import asyncio
import http.server
import time
from collections.abc import Iterator

import pytest
from runsupport import local_http

from presswatch.clock import SystemClock
from presswatch.fetch.client import Fetcher
from presswatch.settings import Settings


class SlowRedirects(http.server.BaseHTTPRequestHandler):
    """Every path answers after ``DELAY`` seconds with a redirect to the next one (an endless chain)."""

    protocol_version = "HTTP/1.1"
    DELAY = 1.0

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/page"):
            body = b"<html><title>ok</title><p>fine</p></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        time.sleep(self.DELAY)
        n = int(self.path.strip("/").split("?")[0] or 0)
        self.send_response(302)
        self.send_header("Location", f"/{n + 1}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass



@pytest.fixture()
def origin() -> Iterator[str]:
    with local_http(SlowRedirects) as port:
        yield f"http://127.0.0.1:{port}"


async def _fetch(settings: Settings, url: str, patch=None):  # type: ignore[no-untyped-def]
    async with Fetcher(settings) as f:
        if patch:
            patch(f)
        return await f.fetch(url)


def test_deadline_across_redirect_hops_is_a_timeout(origin: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # each hop is well inside the per-request timeout; the chain as a whole is not inside the deadline
    s = Settings(data=tmp_path, allow_private=True, timeout=5.0, max_redirects=10, fetch_deadline=2.5)
    res = asyncio.run(_fetch(s, f"{origin}/0"))
    assert res.error_reason == "timeout", (res.error_reason, res.error)
    assert "deadline" in (res.error or "")
    assert 2 <= len(res.hops) <= 3  # the hops that completed are kept (for the archive)
    assert res.elapsed < 8.0  # without a deadline the 11 hops take ≥ 11 s


def test_deadline_default_is_bounded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Settings(data=tmp_path, timeout=20.0)
    assert s.fetch_deadline is not None and 0 < s.fetch_deadline <= 60.0


def test_ip_address_is_the_connected_peer_not_the_dns_cache(origin: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    s = Settings(data=tmp_path, allow_private=True, timeout=5.0)

    def stale_cache(f: Fetcher) -> None:  # a cached answer that is not where the connection went
        f.guard.cached = lambda url: ["203.0.113.7"]  # type: ignore[method-assign]

    res = asyncio.run(_fetch(s, f"{origin}/page", stale_cache))
    assert res.error_reason is None and res.status == 200
    assert res.final is not None and res.final.ip == "127.0.0.1"


def test_every_request_on_a_kept_alive_connection_names_its_peer(origin: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The peer is asked once per connection; later requests on it carry the same address."""
    s = Settings(data=tmp_path, allow_private=True, timeout=5.0)

    async def go() -> list[str | None]:
        async with Fetcher(s, SystemClock()) as f:
            out = []
            for _ in range(3):
                res = await f.fetch(f"{origin}/page")
                assert res.final is not None
                out.append(res.final.ip)
            return out

    assert asyncio.run(go()) == ["127.0.0.1"] * 3
