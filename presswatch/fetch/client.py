"""The async fetcher: aiohttp with per-host concurrency and delay, caps, redirects kept hop by hop.

aiohttp (its HTTP parser is compiled) rather than httpx here, on the hot path of every check: a
conditional fetch, guard and limits included, costs ≈ 0.33 ms of CPU through it against ≈ 1.35 ms
through httpx and httpcore's pool (BENCHMARKS.md). Each fetch is stateless: no cookie jar (a site's
cookies never leak into other checks, and a request is what the WARC request record and the file's
template say).

A fetch never raises for network trouble: it returns a :class:`FetchResult` whose ``error_reason``
is one of the ``unreachable`` reason codes (``dns``, ``connect``, ``tls``, ``timeout``,
``too-large``, ``too-many-redirects``, ``bad-response``). It raises only for refusals
(:class:`~presswatch.errors.InvalidURL`, :class:`~presswatch.errors.BlockedTarget`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
import certifi
from aiohttp.client_proto import ResponseHandler
from yarl import URL

from presswatch.clock import Clock, SystemClock
from presswatch.errors import BlockedTarget, FetchError, InvalidURL
from presswatch.fetch.decode import decode_content
from presswatch.fetch.guard import GuardedResolver, Resolver, TargetGuard, connect_to, default_port
from presswatch.fetch.limits import HostLimiter, LocalLimiter
from presswatch.settings import Settings

__all__ = ["ACCEPT_ENCODING", "MAX_HEADER_LINE", "REDIRECTS", "Fetcher", "FetchResult", "Hop"]

log = logging.getLogger(__name__)

MAX_HEADER_LINE = 65536  # bytes of one header line (sites with huge cookies are still fetched)

REDIRECTS = (301, 302, 303, 307, 308)
# No "br": warcio (and so py-wacz, cdxj-indexer, pywb) decodes brotli only through the retired
# brotlipy API and crashes on a br record with the maintained Brotli module. Every WARC reader
# handles gzip and deflate. A server that sends br anyway is still archived as received
# (presswatch.archive.brotli_compat keeps our own readers and exports working).
ACCEPT_ENCODING = "gzip, deflate"
_PLAIN = (("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
          ("Accept-Encoding", ACCEPT_ENCODING))  # what every GET asks for (client headers besides)


def _deadline_message(deadline: float, hops: int) -> str:
    return f"fetch deadline of {deadline:g} s across redirect hops exceeded (after {hops} hop(s))"


class _PeerHandler(ResponseHandler):
    """aiohttp's connection protocol, remembering the peer it connected to (asked once per
    connection: a socket's peer does not change; read even after the connection went back to the
    pool or was closed)."""

    peer: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.peer = str(peer[0]).split("%", 1)[0]


def _peer_address(resp: aiohttp.ClientResponse) -> str | None:
    """The remote address of the connection ``resp`` arrived on (WARC-IP-Address), if known."""
    return getattr(getattr(resp, "_protocol", None), "peer", None)


# URLs sent as written (already percent-encoded ASCII); anything else is quoted by yarl first
_AS_WRITTEN = re.compile(r"[!#-;=?-\[\]_a-z~A-Z]+")


@dataclass
class Hop:
    """One HTTP exchange (a redirect hop or the final response)."""

    url: str
    status: int
    reason: str
    http_version: str
    request_headers: list[tuple[str, str]]
    response_headers: list[tuple[str, str]]
    raw_body: bytes  # as on the wire (content-encoding kept)
    fetched_at: datetime
    ip: str | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.response_headers:
            if k.lower() == name:
                return v
        return None


@dataclass
class FetchResult:
    url: str
    started_at: datetime
    hops: list[Hop] = field(default_factory=list)  # every exchange in order, final last
    body: bytes | None = None  # decoded body of the final response
    error_reason: str | None = None
    error: str | None = None
    elapsed: float = 0.0

    @property
    def final(self) -> Hop | None:
        return self.hops[-1] if self.hops else None

    @property
    def status(self) -> int | None:
        return self.final.status if self.final else None

    @property
    def final_url(self) -> str | None:
        return self.final.url if self.final else None

    @property
    def redirects(self) -> list[str]:
        return [h.url for h in self.hops[:-1]]

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.final.response_headers} if self.final else {}


def _reason_for(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError | TimeoutError | aiohttp.ServerTimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError | ssl.SSLError):
        return "tls"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "dns"
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause: BaseException | None = exc.os_error
        while cause is not None:
            if isinstance(cause, ssl.SSLError | ssl.CertificateError):
                return "tls"
            if isinstance(cause, socket.gaierror):
                return "dns"
            cause = cause.__cause__ or cause.__context__
        text = str(exc).lower()
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
            return "dns"
        return "connect"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError | aiohttp.ClientPayloadError):
        return "bad-response"  # closed before or while answering, or not HTTP
    if isinstance(exc, aiohttp.ClientOSError | OSError):
        return "connect"
    return "bad-response"


class Fetcher:
    """Use as ``async with Fetcher(settings) as f: result = await f.fetch(url)``."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        resolver: Resolver | None = None,
        limiter: HostLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        # the guard resolves each hop's host once; the connection goes to those checked addresses
        self.guard = TargetGuard(allow_private=settings.allow_private, resolver=resolver)
        self._resolver = GuardedResolver(settings.allow_private, resolver)
        self._session: aiohttp.ClientSession | None = None  # made in the event loop, on first use
        self._closed = False
        self._global = asyncio.Semaphore(max(settings.concurrency, 1))
        # per-host politeness (presswatch.fetch.limits): in this process, or shared by a cluster
        self.limiter: HostLimiter = limiter or LocalLimiter(settings.per_host_concurrency, settings.per_host_delay)
        self._plain = (("User-Agent", settings.user_agent), *_PLAIN)

    def _client(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this fetcher is closed")
        if self._session is None:
            t = self.settings.timeout
            connector = aiohttp.TCPConnector(
                limit=max(self.settings.concurrency, 1), limit_per_host=0,
                # connect only to addresses the guard has checked (no DNS-rebinding window)
                resolver=self._resolver, use_dns_cache=False,
                ssl=ssl.create_default_context(cafile=certifi.where()),
            )
            connector._factory = functools.partial(_PeerHandler, loop=asyncio.get_running_loop())  # type: ignore[assignment]
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=min(t, 10.0), sock_read=t),
                auto_decompress=False,  # the body as received: decoded (and capped) by decode_content
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),  # ours, in our order
                max_line_size=MAX_HEADER_LINE, max_field_size=MAX_HEADER_LINE,
            )
        return self._session

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` ran (its connections are closed)."""
        return self._closed

    @property
    def plain_request_headers(self) -> tuple[tuple[str, str], ...]:
        """The headers, ``Host`` aside, of a plain GET as sent (no conditional or extra header)."""
        return self._plain

    async def fetch(
        self, url: str, *, conditional: Mapping[str, str] | None = None, extra_headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        """Fetch ``url`` following redirects (each hop kept). ``conditional``: If-None-Match etc."""
        result = FetchResult(url=url, started_at=self.clock.now())
        t0 = time.monotonic()
        current = url
        headers = dict(self._plain)
        if extra_headers:
            headers.update(extra_headers)
        if conditional:
            headers.update({k: v for k, v in conditional.items() if v})
        deadline = self.settings.fetch_deadline
        spent = 0.0  # network time of this fetch so far (queueing behind our own limits excluded)
        try:
            for _ in range(self.settings.max_redirects + 1):
                left = deadline - spent
                if left <= 0:
                    raise FetchError("timeout", _deadline_message(deadline, len(result.hops)))
                t = time.monotonic()
                try:
                    async with asyncio.timeout(left):
                        addrs = await self.guard.check(current)
                except (InvalidURL, BlockedTarget):
                    if current == url:
                        raise
                    result.error_reason, result.error = "bad-response", f"redirect to refused target {current}"
                    return result
                except TimeoutError as exc:
                    raise FetchError("timeout", _deadline_message(deadline, len(result.hops))) from exc
                spent += time.monotonic() - t
                hop, took = await self._one(current, addrs, headers, deadline - spent, deadline, len(result.hops))
                spent += took
                result.hops.append(hop)
                location = hop.header("location")
                if hop.status in REDIRECTS and location:
                    nxt = urljoin(current, location.strip())
                    current = nxt
                    headers.pop("If-None-Match", None)
                    headers.pop("If-Modified-Since", None)
                    continue
                enc = hop.header("content-encoding")
                result.body = decode_content(hop.raw_body, enc, self.settings.max_decoded_bytes)
                return result
            result.error_reason = "too-many-redirects"
            result.error = f"more than {self.settings.max_redirects} redirects"
            return result
        except FetchError as exc:
            result.error_reason, result.error = exc.reason, str(exc)
            return result
        except (TimeoutError, aiohttp.ClientError, OSError, ssl.SSLError) as exc:
            result.error_reason, result.error = _reason_for(exc), f"{type(exc).__name__}: {exc}".strip()
            return result
        finally:
            result.elapsed = time.monotonic() - t0

    async def _one(
        self, url: str, addrs: list[str], headers: Mapping[str, str], left: float, deadline: float, done: int
    ) -> tuple[Hop, float]:
        """One exchange within ``left`` seconds of the fetch's deadline; returns it and its network time."""
        host = urlsplit(url).hostname or ""
        # the host's slot first: waiting for a slow host never holds a global slot
        async with self.limiter.slot(host), self._global:
            fetched_at = self.clock.now()
            t0 = time.monotonic()
            hop_limit = self.settings.timeout * 1.5
            try:
                async with asyncio.timeout(min(hop_limit, max(left, 0.0))):
                    return await self._exchange(url, addrs, headers, fetched_at), time.monotonic() - t0
            except TimeoutError as exc:
                if left < hop_limit:
                    raise FetchError("timeout", _deadline_message(deadline, done)) from exc
                raise

    async def _exchange(self, url: str, addrs: list[str], headers: Mapping[str, str], fetched_at: datetime) -> Hop:
        target = URL(url, encoded=True) if _AS_WRITTEN.fullmatch(url) else URL(url)
        host = target.raw_host or ""
        # a new connection goes to the addresses the guard checked for this hop (no second lookup)
        with connect_to(host, target.port or default_port(target.scheme), addrs):
            resp = await self._client().get(target, headers=headers, allow_redirects=False)
        ip = _peer_address(resp)  # WARC-IP-Address: the peer this response came from, not a resolver's answer
        try:
            cap = self.settings.max_body_bytes
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise FetchError("too-large", f"Content-Length {declared} exceeds cap {cap}")
            buf = bytearray()
            async for chunk in resp.content.iter_any():
                buf += chunk
                if len(buf) > cap:
                    raise FetchError("too-large", f"body exceeds {cap} bytes")
        except BaseException:
            resp.close()  # the connection is dropped, never reused half-read
            raise
        resp.release()
        return Hop(
            url=url,
            status=resp.status,
            reason=resp.reason or "",
            http_version=f"HTTP/{resp.version.major}.{resp.version.minor}" if resp.version else "HTTP/1.1",
            request_headers=list(resp.request_info.headers.items()),
            response_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.raw_headers],
            raw_body=bytes(buf),
            fetched_at=fetched_at,
            ip=ip,
        )
