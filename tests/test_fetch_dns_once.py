"""DNS is resolved once per hop: the guard's check resolves and checks, the connection goes to exactly
those addresses (no second lookup at connect time, so no DNS-rebinding window), and WARC-IP-Address is
the connected peer. Names are answered by an injected resolver; servers listen on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import http.server
from collections.abc import Iterator

import pytest
from runsupport import local_http

from presswatch.fetch.client import Fetcher
from presswatch.settings import Settings


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/to/"):  # /to/<host>: redirect to that host's /page, same port
            self.send_response(302)
            self.send_header("Location", f"http://{self.path[4:]}:{self.server.server_address[1]}/page")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/hop"):
            self.send_response(302)
            self.send_header("Location", "/page")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<html><title>ok</title><p>fine</p></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):  # type: ignore[no-untyped-def]
        pass



@pytest.fixture()
def port() -> Iterator[int]:
    with local_http(Handler) as port:
        yield port


class CountingResolver:
    """Answers from a table, one answer per call in turn (the last repeats); counts the calls."""

    def __init__(self, table: dict[str, list[list[str]]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        answers = self.table[host]
        n = sum(1 for h in self.calls if h == host)
        self.calls.append(host)
        return answers[min(n, len(answers) - 1)]


def _fetch(tmp_path, url: str, resolver: CountingResolver, ttl: float | None = None):  # type: ignore[no-untyped-def]
    settings = Settings(data=tmp_path, allow_private=True, timeout=5.0)

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(settings, resolver=resolver) as f:
            if ttl is not None:
                f.guard.ttl = ttl
            return await f.fetch(url)

    return asyncio.run(go())


def test_one_lookup_for_a_single_hop(port: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = CountingResolver({"site.test": [["127.0.0.1"]]})
    res = _fetch(tmp_path, f"http://site.test:{port}/page", r)
    assert res.error_reason is None and res.status == 200
    assert r.calls == ["site.test"]
    assert res.final is not None and res.final.ip == "127.0.0.1"


def test_connects_to_exactly_the_checked_address(port: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a second lookup would answer 127.0.0.2, where nothing listens: the fetch works only if the
    # connection goes to the address the guard checked
    r = CountingResolver({"site.test": [["127.0.0.1"], ["127.0.0.2"]]})
    res = _fetch(tmp_path, f"http://site.test:{port}/page", r)
    assert res.error_reason is None, res.error
    assert r.calls == ["site.test"] and res.final is not None and res.final.ip == "127.0.0.1"


def test_once_per_hop_without_the_cache(port: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = CountingResolver({"site.test": [["127.0.0.1"]]})
    res = _fetch(tmp_path, f"http://site.test:{port}/hop", r, ttl=0.0)
    assert res.status == 200 and len(res.hops) == 2
    assert r.calls == ["site.test", "site.test"]
    assert [h.ip for h in res.hops] == ["127.0.0.1", "127.0.0.1"]


def test_cross_host_redirect_resolves_each_host_once(port: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = CountingResolver({"a.test": [["127.0.0.1"]], "b.test": [["127.0.0.1"], ["127.0.0.2"]]})
    res = _fetch(tmp_path, f"http://a.test:{port}/to/b.test", r)
    assert res.error_reason is None and res.status == 200, res.error
    assert r.calls == ["a.test", "b.test"]
    assert [h.url for h in res.hops] == [f"http://a.test:{port}/to/b.test", f"http://b.test:{port}/page"]


def test_redirect_to_a_name_resolving_non_public_is_refused(port: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data=tmp_path, allow_private=False, timeout=5.0)
    r = CountingResolver({"a.test": [["127.0.0.1"]]})

    async def go():  # type: ignore[no-untyped-def]
        async with Fetcher(settings, resolver=r) as f:
            return await f.fetch(f"http://a.test:{port}/page")

    from presswatch.errors import BlockedTarget

    with pytest.raises(BlockedTarget):
        asyncio.run(go())
    assert r.calls == ["a.test"]


def test_tries_the_checked_addresses_in_the_resolvers_order(port: int, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # nothing listens on 127.0.0.2: the connection falls back to the next checked address, no new lookup
    r = CountingResolver({"site.test": [["127.0.0.2", "127.0.0.1"]]})
    res = _fetch(tmp_path, f"http://site.test:{port}/page", r)
    assert res.error_reason is None and res.status == 200, res.error
    assert r.calls == ["site.test"] and res.final is not None and res.final.ip == "127.0.0.1"
