"""The async fetcher: httpx with per-host concurrency and delay, caps, redirects kept hop by hop.

A fetch never raises for network trouble: it returns a :class:`FetchResult` whose ``error_reason``
is one of the ``unreachable`` reason codes (``dns``, ``connect``, ``tls``, ``timeout``,
``too-large``, ``too-many-redirects``, ``bad-response``). It raises only for refusals
(:class:`~presswatch.errors.InvalidURL`, :class:`~presswatch.errors.BlockedTarget`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from presswatch.clock import Clock, SystemClock
from presswatch.errors import BlockedTarget, FetchError, InvalidURL
from presswatch.fetch.decode import decode_content
from presswatch.fetch.guard import GuardedNetworkBackend, Resolver, TargetGuard, connect_to, default_port
from presswatch.fetch.limits import HostLimiter, LocalLimiter
from presswatch.settings import Settings

__all__ = ["ACCEPT_ENCODING", "REDIRECTS", "Fetcher", "FetchResult", "Hop"]

log = logging.getLogger(__name__)

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


_PEERS: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


def _peer_address(resp: httpx.Response) -> str | None:
    """The remote address of the connection ``resp`` arrived on, if the transport tells (asked once per
    connection: a socket's peer does not change, and asking costs a system call)."""
    stream = resp.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        return _PEERS[stream]
    except (KeyError, TypeError):
        pass
    try:
        peer = stream.get_extra_info("server_addr")
    except Exception:  # noqa: BLE001 - a transport without the info: no address rather than a guess
        return None
    ip = str(peer[0]).split("%", 1)[0] if isinstance(peer, tuple) and peer else None
    with contextlib.suppress(TypeError):  # a stream that cannot be weakly referenced is asked every time
        _PEERS[stream] = ip
    return ip


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
    if isinstance(exc, httpx.TimeoutException | asyncio.TimeoutError | TimeoutError):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        cause = exc.__cause__ or exc.__context__
        text = str(exc).lower()
        while cause is not None:
            if isinstance(cause, ssl.SSLError | ssl.CertificateError):
                return "tls"
            if isinstance(cause, socket.gaierror):
                return "dns"
            cause = cause.__cause__ or cause.__context__
        if "ssl" in text or "certificate" in text or "handshake" in text:
            return "tls"
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text or "errno -2" in text \
                or "errno -3" in text or "errno -5" in text:
            return "dns"
        return "connect"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError | httpx.DecodingError):
        return "bad-response"
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.NetworkError):
        return "connect"
    return "bad-response"


class _LinearPool(httpcore.AsyncConnectionPool):
    """httpcore's connection pool with its per-request bookkeeping made linear.

    Upstream (1.0.x), on every request start and end, polls the socket of every idle connection
    (``has_expired``: a ``select`` per connection through anyio's attribute lookup) and counts the
    pool once per connection (quadratic): ≈ 2.5 ms per request with 64 connections. Here the socket
    of a connection is polled right before it is reused (a server that closed it is noticed at the
    same point as upstream would notice it at the latest), and the sweep over all connections (expired
    and surplus idle ones closed) runs at most every ``SWEEP`` seconds. Which connection serves a
    request, and the limits, are upstream's.
    """

    SWEEP = 0.25
    _swept = 0.0

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        closing: list[httpcore.AsyncConnectionInterface] = []
        now = time.monotonic()
        if now - self._swept >= self.SWEEP:
            self._swept = now
            for connection in list(self._connections):
                if connection.is_closed():
                    self._connections.remove(connection)
                elif connection.has_expired():
                    self._connections.remove(connection)
                    closing.append(connection)
                elif connection.is_idle() and len(self._connections) > self._max_keepalive_connections:
                    self._connections.remove(connection)
                    closing.append(connection)
        else:
            self._connections = [c for c in self._connections if not c.is_closed()]
        for pool_request in [r for r in self._requests if r.is_queued()]:
            origin = pool_request.request.url.origin
            chosen = None
            for connection in list(self._connections):
                if connection.can_handle_request(origin) and connection.is_available():
                    if connection.is_idle() and connection.has_expired():
                        self._connections.remove(connection)
                        closing.append(connection)
                        continue
                    chosen = connection
                    break
            if chosen is not None:
                pool_request.assign_to_connection(chosen)
            elif len(self._connections) < self._max_connections:
                chosen = self.create_connection(origin)
                self._connections.append(chosen)
                pool_request.assign_to_connection(chosen)
            else:
                idle = next((c for c in self._connections if c.is_idle()), None)
                if idle is not None:
                    self._connections.remove(idle)
                    closing.append(idle)
                    chosen = self.create_connection(origin)
                    self._connections.append(chosen)
                    pool_request.assign_to_connection(chosen)
        return closing


class Fetcher:
    """Use as ``async with Fetcher(settings) as f: result = await f.fetch(url)``."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        client: httpx.AsyncClient | None = None,
        resolver: Resolver | None = None,
        limiter: HostLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        # the guard resolves each hop's host once; the connection goes to those checked addresses
        self.guard = TargetGuard(allow_private=settings.allow_private, resolver=resolver)
        t = settings.timeout
        self._own_client = client is None
        if client is None:
            limits = httpx.Limits(
                max_connections=max(settings.concurrency, 1),
                max_keepalive_connections=max(settings.concurrency, 1),
            )
            transport = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
            transport._pool.__class__ = _LinearPool  # same pool, linear bookkeeping (see the class)
            # connect only to addresses the guard has checked (no DNS-rebinding window)
            transport._pool._network_backend = GuardedNetworkBackend(settings.allow_private, resolver)
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(t, connect=min(t, 10.0)),
                transport=transport,
                follow_redirects=False,
                trust_env=False,
                headers={"User-Agent": settings.user_agent},
            )
        self.client = client
        self._global = asyncio.Semaphore(max(settings.concurrency, 1))
        # per-host politeness (presswatch.fetch.limits): in this process, or shared by a cluster
        self.limiter: HostLimiter = limiter or LocalLimiter(settings.per_host_concurrency, settings.per_host_delay)
        self._plain: tuple[tuple[str, str], ...] | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    @property
    def plain_request_headers(self) -> tuple[tuple[str, str], ...]:
        """The headers, ``Host`` aside, of a plain GET as sent (no conditional or extra header)."""
        if self._plain is None:
            req = self.client.build_request("GET", "http://plain.invalid/", headers=dict(_PLAIN))
            self._plain = tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in req.headers.raw if k.lower() != b"host"
            )
        return self._plain

    async def fetch(
        self, url: str, *, conditional: Mapping[str, str] | None = None, extra_headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        """Fetch ``url`` following redirects (each hop kept). ``conditional``: If-None-Match etc."""
        result = FetchResult(url=url, started_at=self.clock.now())
        t0 = time.monotonic()
        current = url
        headers = dict(_PLAIN)
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
        except (TimeoutError, httpx.HTTPError, OSError, ssl.SSLError) as exc:
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
        req = self.client.build_request("GET", url, headers=headers)
        # a new connection goes to the addresses the guard checked for this hop (no second lookup)
        with connect_to(req.url.raw_host.decode("ascii"), req.url.port or default_port(req.url.scheme), addrs):
            resp = await self.client.send(req, stream=True)
        # WARC-IP-Address: the peer this response actually came from (not a resolver's answer)
        ip = _peer_address(resp)
        try:
            cap = self.settings.max_body_bytes
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise FetchError("too-large", f"Content-Length {declared} exceeds cap {cap}")
            buf = bytearray()
            async for chunk in resp.aiter_raw():
                buf += chunk
                if len(buf) > cap:
                    raise FetchError("too-large", f"body exceeds {cap} bytes")
        finally:
            await resp.aclose()
        return Hop(
            url=url,
            status=resp.status_code,
            reason=resp.reason_phrase,
            http_version=resp.http_version,
            request_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in req.headers.raw],
            response_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers.raw],
            raw_body=bytes(buf),
            fetched_at=fetched_at,
            ip=ip,
        )
