"""HTTP(S) step: GET through a chosen address (Host/SNI from the URL), following redirects hop by hop.

Each hop is recorded with its address, status, headers, body length/hash/title, transfer time and
bytes/s. Bodies are capped (``truncated`` marks a cap hit). HTTP/1.1 framing is done by ``h11``.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import h11

from presswatch.errors import FetchError
from presswatch.fetch.decode import decode_content
from presswatch.fetch.guard import default_port
from presswatch.measure.tcpstep import failure_string, open_tcp
from presswatch.measure.tlsstep import client_context, peer_chain

__all__ = [
    "BODY_CAP",
    "REDIRECT_CODES",
    "REQUEST_HEADERS",
    "USER_AGENT",
    "default_port",
    "extract_title",
    "fetch_once",
    "get_chain",
    "Hop",
    "is_ip",
    "ResolveFn",
]

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) presswatch-measure/0.1"
REQUEST_HEADERS: list[tuple[str, str]] = [
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Language", "en-US,en;q=0.9"),
    ("Accept-Encoding", "gzip, deflate"),
    ("User-Agent", USER_AGENT),
]
BODY_CAP = 512 * 1024
REDIRECT_CODES = {301, 302, 303, 307, 308}
_TITLE = re.compile(r"(?i)<title>([^<]{1,512})</title>")


def extract_title(body: bytes) -> str:
    """OONI's title rule: ``(?i)<title>([^<]{1,512})</title>``."""
    m = _TITLE.search(body[:BODY_CAP].decode("utf-8", "replace"))
    return m.group(1).strip() if m else ""


@dataclass
class Hop:
    """One request/response (or failure) of a redirect chain."""

    url: str
    address: str | None = None
    failure: str | None = None
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    truncated: bool = False
    transfer_time: float | None = None
    elapsed: float = 0.0
    tls: dict[str, Any] | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    # the body as received (content-encoding kept, chunked framing removed), cut at the cap; ``body``
    # is its decoded form for analysis. ``wire_truncated``: WARC-Truncated reason when incomplete.
    wire_body: bytes = b""
    wire_truncated: str | None = None

    def warc_fields(self) -> dict[str, Any]:
        """``WarcArchive.write_exchange`` arguments archiving this response as it was received:
        the wire bytes under the received headers, and ``WARC-Truncated`` when they are incomplete."""
        extra = {"WARC-Truncated": self.wire_truncated} if self.wire_truncated else None
        return {"response_headers": self.headers, "body": self.wire_body, "extra_headers": extra}

    @property
    def body_length(self) -> int:
        return len(self.body) if self.status is not None else -1

    @property
    def bytes_per_second(self) -> float | None:
        if self.transfer_time is None or not self.body:
            return None
        return len(self.body) / max(self.transfer_time, 1e-6)

    @property
    def location(self) -> str | None:
        for k, v in self.headers:
            if k.lower() == "location":
                return v
        return None

    def header_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in self.headers:
            out[k] = f"{out[k]}, {v}" if k in out else v
        return out

    def as_dict(self) -> dict[str, Any]:
        bps = self.bytes_per_second
        return {
            "request": {
                "url": self.url,
                "method": "GET",
                "headers": self.request_headers,
                "address": self.address,
            },
            "response": None
            if self.status is None
            else {
                "code": self.status,
                "reason": self.reason,
                "headers": self.headers,
                "body_length": len(self.body),
                "body_truncated": self.truncated,
                "body_sha256": hashlib.sha256(self.body).hexdigest(),
                "title": extract_title(self.body),
            },
            "failure": self.failure,
            "received_bytes": len(self.body),
            "elapsed": round(self.elapsed, 4),
            "transfer_time": None if self.transfer_time is None else round(self.transfer_time, 4),
            "bytes_per_second": None if bps is None else round(bps, 1),
            "tls": self.tls,
            "attempts": self.attempts,
        }


def _decode(body: bytes, encoding: str, cap: int) -> bytes:
    """Undo Content-Encoding with the fetch stage's bomb-safe decoder, keeping at most ``cap`` bytes;
    a body that cannot be decoded is kept as received."""
    try:
        return decode_content(body, encoding, cap, truncate=True)
    except FetchError:
        return body


async def fetch_once(
    url: str,
    ip: str,
    *,
    connect_timeout: float = 10.0,
    timeout: float = 10.0,
    ca_file: str | None = None,
    body_cap: int = BODY_CAP,
) -> Hop:
    """One GET of ``url`` sent to ``ip`` (no redirect handling)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    port = parts.port or default_port(scheme)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    hostport = host if parts.port is None else f"{host}:{port}"
    if ":" in host:
        hostport = f"[{host}]" if parts.port is None else f"[{host}]:{port}"
    hop = Hop(url=url, address=f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}")
    hop.request_headers = [("Host", hostport), *REQUEST_HEADERS, ("Connection", "close")]
    t0 = time.monotonic()
    writer: asyncio.StreamWriter | None = None
    t_headers: float | None = None
    raw = bytearray()
    encoding = ""
    cut: str | None = None  # WARC-Truncated reason: length (the cap), time, disconnect
    try:
        sock = await open_tcp(ip, port, connect_timeout)
        try:
            if scheme == "https":
                sni = host if not is_ip(host) else None
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(
                        sock=sock,
                        ssl=client_context(ca_file, True),
                        server_hostname=sni,
                        ssl_handshake_timeout=connect_timeout,
                    ),
                    connect_timeout,
                )
                sobj = writer.get_extra_info("ssl_object") if writer else None
                hop.tls = {
                    "server_name": sni,
                    "tls_version": sobj.version() if sobj else None,
                    "peer_certificates": peer_chain(sobj)[:1],
                }
            else:
                reader, writer = await asyncio.open_connection(sock=sock)
        except BaseException:
            sock.close()
            raise
        conn = h11.Connection(h11.CLIENT)
        assert writer is not None
        writer.write(conn.send(h11.Request(method="GET", target=target, headers=hop.request_headers)))
        writer.write(conn.send(h11.EndOfMessage()))
        async with asyncio.timeout(timeout):
            await writer.drain()
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    data = await reader.read(65536)
                    conn.receive_data(data)
                    continue
                if isinstance(event, h11.Response):
                    t_headers = time.monotonic()
                    hop.status = event.status_code
                    hop.reason = event.reason.decode("latin-1")
                    hop.headers = [
                        (k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers.raw_items()
                    ]
                    encoding = next((v for k, v in hop.headers if k.lower() == "content-encoding"), "")
                elif isinstance(event, h11.InformationalResponse):
                    continue
                elif isinstance(event, h11.Data):
                    raw += event.data
                    if len(raw) > body_cap:  # more than the cap arrived: keep the cap's worth
                        del raw[body_cap:]
                        hop.truncated = True
                        break
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    break
    except h11.RemoteProtocolError as exc:
        hop.failure = "eof_error" if "without" in str(exc) or "EOF" in str(exc) else f"unknown_failure: {exc}"
        cut = "disconnect"
    except (OSError, TimeoutError, ssl.SSLError, EOFError) as exc:
        hop.failure = failure_string(exc)
        cut = "time" if isinstance(exc, TimeoutError) else "disconnect"
    else:
        cut = "length" if hop.truncated else None
    finally:
        if writer is not None:
            writer.close()
    t_end = time.monotonic()
    hop.elapsed = t_end - t0
    if t_headers is not None:
        hop.transfer_time = t_end - t_headers
    hop.wire_body = bytes(raw)
    hop.wire_truncated = cut if hop.status is not None else None
    hop.body = _decode(hop.wire_body, encoding, body_cap) if encoding else hop.wire_body
    if hop.failure and hop.status is None:
        hop.body = hop.wire_body = b""
    return hop


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


ResolveFn = Callable[[str], Awaitable[list[str]]]


async def get_chain(
    url: str,
    *,
    first_addrs: list[str],
    resolve: ResolveFn,
    connect_timeout: float = 10.0,
    timeout: float = 10.0,
    ca_file: str | None = None,
    body_cap: int = BODY_CAP,
    max_redirects: int = 10,
    addr_ok: Callable[[str], bool] | None = None,
) -> list[Hop]:
    """Follow redirects from ``url``; the first hop uses ``first_addrs``, later hops ``resolve``.

    Each hop tries its addresses in order until one answers; failures are kept in ``attempts``.
    Returned in time order (the caller may reverse for OONI's ``requests``).
    """
    hops: list[Hop] = []
    current = url
    addrs = first_addrs
    for i in range(max_redirects + 1):
        if i > 0:
            host = urlsplit(current).hostname or ""
            addrs = [host] if is_ip(host) else await resolve(host)
        usable = [a for a in addrs if addr_ok is None or addr_ok(a)]
        if not usable:
            hop = Hop(url=current, failure="dns_nxdomain_error" if not addrs else "private_address_refused")
            hops.append(hop)
            return hops
        hop = Hop(url=current, failure="no_address")
        for ip in usable:
            hop_try = await fetch_once(
                current,
                ip,
                connect_timeout=connect_timeout,
                timeout=timeout,
                ca_file=ca_file,
                body_cap=body_cap,
            )
            if hop_try.status is not None or hop_try.failure is None:
                hop_try.attempts = hop.attempts
                hop = hop_try
                break
            hop.attempts.append({"address": hop_try.address, "failure": hop_try.failure})
            hop_try.attempts = hop.attempts
            hop = hop_try
        hops.append(hop)
        if hop.status in REDIRECT_CODES and hop.location:
            current = urljoin(current, hop.location)
            if urlsplit(current).scheme.lower() not in ("http", "https"):
                return hops
            continue
        return hops
    hops[-1].failure = hops[-1].failure or "too_many_redirects"
    return hops
