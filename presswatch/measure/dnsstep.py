"""DNS step: A/AAAA over UDP with dnspython, keeping every reply that arrives in a short listen window.

An on-path injector answers before the real resolver, so the first reply may be forged; listening
``late_window`` seconds more catches the real one (OONI v0.5 ``x_dns_duplicate_responses``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.resolver

__all__ = [
    "addresses",
    "DnsQuery",
    "DnsReply",
    "getaddrinfo_query",
    "lookup_failure",
    "parse_hostport",
    "query_udp",
    "resolve",
    "system_resolver",
]

log = logging.getLogger(__name__)


@dataclass
class DnsReply:
    """One reply to one query."""

    rcode: str
    addrs: list[str]
    failure: str | None
    t: float  # seconds since the query was sent

    def as_dict(self) -> dict[str, Any]:
        return {"rcode": self.rcode, "addrs": self.addrs, "failure": self.failure, "t": round(self.t, 4)}


@dataclass
class DnsQuery:
    """A query and every reply seen for it; ``replies[0]`` is what a stub resolver would have used."""

    hostname: str
    query_type: str
    resolver: str
    replies: list[DnsReply] = field(default_factory=list)
    failure: str | None = None

    @property
    def duplicate(self) -> bool:
        return len(self.replies) > 1

    def as_dict(self) -> dict[str, Any]:
        first = self.replies[0] if self.replies else None
        return {
            "hostname": self.hostname,
            "query_type": self.query_type,
            "resolver": self.resolver,
            "engine": "udp" if self.resolver != "getaddrinfo" else "getaddrinfo",
            "failure": self.failure,
            "answers": [_answer(a) for a in (first.addrs if first else [])],
            "rcode": first.rcode if first else None,
            "replies": [r.as_dict() for r in self.replies],
            "duplicate_responses": self.duplicate,
        }


def _answer(addr: str) -> dict[str, str]:
    kind = "AAAA" if ":" in addr else "A"
    return {"answer_type": kind, "ipv6" if kind == "AAAA" else "ipv4": addr}


def parse_hostport(value: str, default_port: int = 53) -> tuple[str, int]:
    """``"1.2.3.4:53"``, ``"[::1]:53"`` or a bare host → (host, port)."""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, int(rest.lstrip(":") or default_port)
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, int(port)
    return value, default_port


def system_resolver() -> str | None:
    """First nameserver of the system configuration (``/etc/resolv.conf``), as HOST:PORT."""
    try:
        servers = dns.resolver.Resolver(configure=True).nameservers
    except (dns.resolver.NoResolverConfiguration, OSError):
        return None
    for ns in servers:
        text = str(ns)
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            continue
        return f"[{ip}]:53" if ip.version == 6 else f"{ip}:53"
    return None


def _reply_from(msg: dns.message.Message, rdtype: dns.rdatatype.RdataType, t: float) -> DnsReply:
    rcode = msg.rcode()
    addrs: list[str] = []
    for rrset in msg.answer:
        if rrset.rdtype == rdtype:
            addrs.extend(str(r) for r in rrset)
    failure = None
    if rcode == dns.rcode.NXDOMAIN:
        failure = "dns_nxdomain_error"
    elif rcode == dns.rcode.REFUSED:
        failure = "dns_refused_error"
    elif rcode == dns.rcode.SERVFAIL:
        failure = "dns_server_failure"
    elif rcode != dns.rcode.NOERROR:
        failure = f"dns_{dns.rcode.to_text(rcode).lower()}_error"
    elif not addrs:
        failure = "dns_no_answer"
    return DnsReply(dns.rcode.to_text(rcode), addrs, failure, t)


class _Collector(asyncio.DatagramProtocol):
    def __init__(self, qid: int) -> None:
        self.qid = qid
        self.msgs: list[tuple[float, dns.message.Message]] = []
        self.first = asyncio.get_running_loop().create_future()
        self.error: Exception | None = None

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            msg = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return
        if msg.id != self.qid or not msg.flags & dns.flags.QR:
            return
        self.msgs.append((time.monotonic(), msg))
        if not self.first.done():
            self.first.set_result(None)

    def error_received(self, exc: Exception) -> None:
        self.error = exc
        if not self.first.done():
            self.first.set_result(None)


async def query_udp(
    hostname: str, rdtype: str, resolver: str, *, timeout: float = 4.0, late_window: float = 0.5
) -> DnsQuery:
    """Send one query and collect replies until ``late_window`` after the first (or ``timeout``)."""
    host, port = parse_hostport(resolver)
    q = DnsQuery(hostname, rdtype, resolver)
    rt = dns.rdatatype.from_text(rdtype)
    msg = dns.message.make_query(hostname, rt)
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    transport, proto = await loop.create_datagram_endpoint(
        lambda: _Collector(msg.id), remote_addr=(host, port), family=family
    )
    t0 = time.monotonic()
    try:
        transport.sendto(msg.to_wire())
        try:
            await asyncio.wait_for(asyncio.shield(proto.first), timeout)
        except TimeoutError:
            q.failure = "generic_timeout_error"
            return q
        if late_window > 0 and proto.msgs:
            await asyncio.sleep(late_window)
    finally:
        transport.close()
    if not proto.msgs and proto.error is not None:
        q.failure = _oserror_failure(proto.error)
        return q
    for ts, m in proto.msgs:
        q.replies.append(_reply_from(m, rt, ts - t0))
    q.failure = q.replies[0].failure if q.replies else "generic_timeout_error"
    return q


def _oserror_failure(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    return f"unknown_failure: {exc}"


async def getaddrinfo_query(hostname: str, timeout: float = 4.0) -> list[DnsQuery]:
    """The plain system lookup (when no resolver address is known)."""
    loop = asyncio.get_running_loop()
    t0 = time.monotonic()
    q = DnsQuery(hostname, "ANY", "getaddrinfo")
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(hostname, None, type=socket.SOCK_STREAM), timeout)
    except TimeoutError:
        q.failure = "generic_timeout_error"
        return [q]
    except socket.gaierror as exc:
        q.failure = "dns_nxdomain_error" if exc.errno in (socket.EAI_NONAME,) else "dns_no_answer"
        return [q]
    addrs = list(dict.fromkeys(str(i[4][0]) for i in infos))
    q.replies.append(DnsReply("NOERROR", addrs, None, time.monotonic() - t0))
    return [q]


async def resolve(
    hostname: str, resolver: str | None, *, timeout: float = 4.0, late_window: float = 0.5
) -> list[DnsQuery]:
    """A and AAAA lookups of ``hostname`` (in parallel); an IP literal needs no lookup."""
    try:
        ipaddress.ip_address(hostname)
        return []
    except ValueError:
        pass
    server = resolver or system_resolver()
    if server is None:
        return await getaddrinfo_query(hostname, timeout)
    return list(
        await asyncio.gather(
            query_udp(hostname, "A", server, timeout=timeout, late_window=late_window),
            query_udp(hostname, "AAAA", server, timeout=timeout, late_window=late_window),
        )
    )


def addresses(queries: list[DnsQuery], reply_index: int = 0) -> list[str]:
    """Addresses from the chosen reply of each query (IPv4 first)."""
    out: list[str] = []
    for q in sorted(queries, key=lambda q: q.query_type != "A"):
        if len(q.replies) > reply_index:
            out.extend(q.replies[reply_index].addrs)
        elif q.replies:
            out.extend(q.replies[0].addrs)
    return list(dict.fromkeys(out))


def lookup_failure(queries: list[DnsQuery]) -> str | None:
    """OONI-style ``dns_experiment_failure``: the A failure, unless AAAA found something."""
    if not queries:
        return None
    if any(r.addrs for q in queries for r in q.replies):
        return None
    a = [q for q in queries if q.query_type in ("A", "ANY")]
    return (a[0] if a else queries[0]).failure
