"""URL validation and the SSRF guard: the one place that decides whether an address is public.

The same fetcher serves a web form and remote probes, and the server's control (test helper) connects where
enrolled probes ask, so by default every address a user, a probe or the server connects to must be
*public*. Tests, the demo and the benchmarks pass ``allow_private=True`` (``PRESSWATCH_ALLOW_PRIVATE=1`` /
``--allow-private``), which allows loopback and private targets.

:func:`non_public_reason` is the decision (the fetcher, the control, compare's bogon check and the probe
API all use it). An address is refused when it, or an IPv4 address embedded in it, is in
:data:`NON_PUBLIC` (unspecified, "this network", loopback, private, CGNAT, link-local, IETF protocol
assignments, benchmarking, multicast, reserved, broadcast, unique/site-local IPv6 …). Embedded IPv4 is
unwrapped from IPv4-mapped (``::ffff:0:0/96``) and IPv4-compatible (``::/96``) IPv6, NAT64
(``64:ff9b::/96``; the local-use ``64:ff9b:1::/48`` is refused outright) and 6to4 (``2002::/16``); Teredo
(``2001::/32``) is refused outright. Host names in URLs that are numeric IPv4 in another spelling
(``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``) are read the way resolvers and browsers read them
(:func:`ip_literal`), so they are checked, never passed to a resolver.

The documentation ranges (TEST-NET-1/2/3, ``2001:db8::/32``) are *not* refused: they are not routed on
the Internet, and the project's simulated censored networks (``tests/netns``) and comparison fixtures
use them as stand-ins for public servers. :data:`DOCUMENTATION` lists them; refusing them is one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import errno
import ipaddress
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult

from presswatch.errors import BlockedTarget, FetchError, InvalidURL

__all__ = [
    "DOCUMENTATION",
    "NON_PUBLIC",
    "address_allowed",
    "check_endpoint",
    "connect_to",
    "default_port",
    "embedded_ipv4",
    "GuardedResolver",
    "ip_literal",
    "IPAddress",
    "is_public_address",
    "looks_numeric",
    "non_public_reason",
    "refused",
    "resolve_host",
    "Resolver",
    "system_resolve",
    "TargetGuard",
    "validate_url",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port) -> addresses``; injectable so tests never use the machine's resolver."""

NON_PUBLIC: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("0.0.0.0/8", "this-network"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "cgnat"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "ietf-protocol"),
        ("192.88.99.0/24", "6to4-relay"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "broadcast"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "ipv4-compatible"),  # after unwrapping: only :: and ::1 and other deprecated forms
        ("64:ff9b:1::/48", "nat64-local"),
        ("100::/64", "discard"),
        ("2001::/23", "ietf-protocol"),  # includes Teredo 2001::/32, ORCHID, benchmarking 2001:2::/48
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)
DOCUMENTATION = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_V4_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")


def ip_literal(host: str) -> IPAddress | None:
    """The address a URL host names literally, in any spelling resolvers accept; None for a name.

    IPv6 may be bracketed or carry a zone (``%eth0``, dropped). IPv4 follows the WHATWG URL / inet_aton
    rules: 1–4 dot-separated parts, each decimal, octal (leading ``0``) or hex (``0x``); the last part
    fills the remaining bytes (``127.1`` is 127.0.0.1, ``2130706433`` is 127.0.0.1). A trailing dot is
    ignored. A host that looks numeric but overflows is not an address (and not a valid name either:
    :func:`validate_url` refuses it).
    """
    h = host.strip().lower()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if ":" in h:
        try:
            return ipaddress.IPv6Address(h.split("%", 1)[0])
        except ValueError:
            return None
    value = _ipv4_number(h)
    return ipaddress.IPv4Address(value) if value is not None else None


def _ipv4_number(h: str) -> int | None:
    if h.endswith("."):
        h = h[:-1]
    parts = h.split(".")
    if not h or len(parts) > 4 or not all(_V4_PART.match(p) for p in parts):
        return None
    nums = []
    for p in parts:
        if p[:2] in ("0x", "0X"):
            nums.append(int(p[2:] or "0", 16))
        elif len(p) > 1 and p.startswith("0"):
            nums.append(int(p, 8))
        else:
            nums.append(int(p))
    *head, last = nums
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return value


def looks_numeric(host: str) -> bool:
    """True when the last label is all digits / hex form: an IPv4 spelling, valid or not (WHATWG)."""
    h = host.strip().lower().rstrip(".")
    last = h.rsplit(".", 1)[-1]
    return bool(last) and bool(_V4_PART.match(last) or re.fullmatch(r"[0-9]+", last))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    packed = int(ip)
    if packed >> 32 == 0 and packed > 1:  # IPv4-compatible ::a.b.c.d (deprecated)
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    if ip in _NAT64:
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None


def non_public_reason(addr: str | IPAddress) -> str | None:
    """Why ``addr`` is not a public address (e.g. ``"loopback"``), or None when it is public.

    A string that is not an IP address at all is refused too (``"not-an-address"``).
    """
    if isinstance(addr, str):
        parsed = ip_literal(addr)
        if parsed is None:
            return "not-an-address"
        ip: IPAddress = parsed
    else:
        ip = addr
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            why = non_public_reason(inner)
            return f"{why} (embedded in {ip})" if why else None
        if ip in _TEREDO:
            return "teredo"
    for net, why in NON_PUBLIC:
        if ip.version == net.version and ip in net:
            return why
    if any(ip.version == n.version and ip in n for n in DOCUMENTATION):
        return None
    if ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_unspecified:
        return "reserved"
    if ip.is_private:
        return "private"
    return None


def is_public_address(addr: str | IPAddress) -> bool:
    """True when connecting to ``addr`` is allowed without ``allow_private``."""
    return non_public_reason(addr) is None


def address_allowed(addr: str | IPAddress, allow_private: bool) -> bool:
    """With ``allow_private`` any valid address is allowed; else only public ones."""
    if allow_private:
        return isinstance(addr, ipaddress.IPv4Address | ipaddress.IPv6Address) or ip_literal(addr) is not None
    return is_public_address(addr)


def check_endpoint(ep: str, *, allow_private: bool = False) -> tuple[str, int]:
    """Parse an ``ip:port`` / ``[ipv6]:port`` endpoint; ``(canonical ip, port)``.

    Raises :class:`InvalidURL` for bad syntax (the address must be a plain IP literal in its standard
    spelling, the port 1–65535) and :class:`BlockedTarget` for a non-public address unless allowed.
    """
    if not isinstance(ep, str) or not ep or len(ep) > 64 or any(c.isspace() for c in ep):
        raise InvalidURL(f"bad endpoint {str(ep)[:64]!r}: expected ip:port or [ipv6]:port")
    if ep.startswith("["):
        host, sep, port_s = ep[1:].partition("]:")
    else:
        host, sep, port_s = ep.rpartition(":")
        if ":" in host:
            raise InvalidURL(f"bad endpoint {ep!r}: an IPv6 endpoint needs brackets, [ipv6]:port")
    if not sep or not host or not port_s.isdigit() or len(port_s) > 5:
        raise InvalidURL(f"bad endpoint {ep!r}: expected ip:port or [ipv6]:port")
    port = int(port_s)
    if not 0 < port < 65536:
        raise InvalidURL(f"bad endpoint {ep!r}: port out of range")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError as exc:
        raise InvalidURL(f"bad endpoint {ep!r}: {host!r} is not an IP address") from exc
    if not allow_private and (why := non_public_reason(ip)):
        raise BlockedTarget(f"refusing endpoint {ep}: non-public address ({why})")
    return str(ip), port


def default_port(scheme: str) -> int:
    """The port a URL of ``scheme`` means when it names none (443 for https, else 80)."""
    return 443 if scheme == "https" else 80


def validate_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL with a host, else raise :class:`InvalidURL`."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidURL("empty URL")
    url = url.strip()
    if any(c in url for c in "\r\n\t ") or len(url) > 2048:
        raise InvalidURL(f"invalid URL (whitespace or too long): {url[:80]!r}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"invalid URL {url!r}: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise InvalidURL(f"only http and https URLs can be watched, not {url!r}")
    if not parts.hostname:
        raise InvalidURL(f"URL has no host: {url!r}")
    if port is not None and not (0 < port < 65536):
        raise InvalidURL(f"bad port in {url!r}")
    if ":" not in parts.hostname and looks_numeric(parts.hostname) and ip_literal(parts.hostname) is None:
        raise InvalidURL(f"invalid numeric host in {url!r}")
    return url


async def system_resolve(host: str, port: int) -> list[str]:
    """The machine's resolver (getaddrinfo), addresses in its order, deduplicated."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError("dns", f"cannot resolve {host}: {exc.strerror or exc}") from exc
    return list(dict.fromkeys(str(i[4][0]).split("%", 1)[0] for i in infos))


async def resolve_host(host: str, port: int, resolver: Resolver | None = None) -> list[str]:
    """Addresses of ``host``: an IP literal (any spelling) without a lookup, else ``resolver``."""
    literal = ip_literal(host)
    if literal is not None:
        return [str(literal)]
    return await (resolver or system_resolve)(host, port)


def refused(addrs: list[str], allow_private: bool) -> tuple[str, str] | None:
    """The first address not allowed, with the reason; None when all are allowed."""
    for a in addrs:
        if allow_private:
            if ip_literal(a) is None:
                return a, "not-an-address"
            continue
        why = non_public_reason(a)
        if why:
            return a, why
    return None


def _refusal(host: str, addr: str, why: str) -> str:
    return f"{host} resolves to non-public address {addr} ({why})"


class TargetGuard:
    """Resolve hosts (cached briefly) and refuse non-public targets unless allowed."""

    def __init__(self, allow_private: bool = False, ttl: float = 60.0, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self.ttl = ttl
        self.resolver = resolver
        self._cache: dict[tuple[str, int], tuple[float, list[str]]] = {}

    def cached(self, url: str) -> list[str] | None:
        """Addresses last resolved for the URL's host and port, if any."""
        parts = urlsplit(url)
        port = parts.port or default_port(parts.scheme)
        hit = self._cache.get(((parts.hostname or ""), port))
        return hit[1] if hit else None

    async def check(self, url: str) -> list[str]:
        """Validate ``url`` and return its resolved addresses; raise on refusal or DNS failure."""
        validate_url(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or default_port(parts.scheme)
        key = (host, port)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit and now - hit[0] < self.ttl:
            addrs = hit[1]
        else:
            # in the resolver's order of preference: the connection tries them in this order
            addrs = list(dict.fromkeys(await resolve_host(host, port, self.resolver)))
            self._cache[key] = (now, addrs)
        bad = refused(addrs, self.allow_private)
        if bad:
            raise BlockedTarget(
                f"refusing to fetch {url}: {_refusal(host, *bad)} "
                "(set PRESSWATCH_ALLOW_PRIVATE=1 or --allow-private for local testing)"
            )
        return addrs


_PINNED: contextvars.ContextVar[tuple[str, int, tuple[str, ...]] | None] = contextvars.ContextVar(
    "presswatch_pinned_addresses", default=None
)


def _host_key(host: str) -> str:
    return host.strip().lower().strip("[]").rstrip(".")


@contextlib.contextmanager
def connect_to(host: str, port: int, addrs: list[str]) -> Iterator[None]:
    """Within this block (this task and what it awaits), a connection to ``host:port`` made through a
    :class:`GuardedResolver` goes to ``addrs`` (the addresses :meth:`TargetGuard.check` resolved
    and checked for this hop) without resolving the name again."""
    token = _PINNED.set((_host_key(host), port, tuple(addrs)))
    try:
        yield
    finally:
        _PINNED.reset(token)


def _pinned(host: str, port: int) -> list[str] | None:
    pin = _PINNED.get()
    if pin is None or pin[0] != _host_key(host) or pin[1] != port:
        return None
    return list(pin[2])


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that answers only with checked addresses.

    There is no DNS-rebinding window: inside :func:`connect_to` (the fetcher, per hop) it answers
    with the addresses the pre-flight :meth:`TargetGuard.check` resolved and checked, and resolves
    nothing; otherwise it resolves the name itself and checks each address. Either way the
    connection goes to an address that was checked, in the resolver's order (TLS still verifies and
    sends SNI for the original host name). IP literals never reach a resolver: the fetcher's guard
    checked them before the request.
    """

    def __init__(self, allow_private: bool, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_UNSPEC) -> list[ResolveResult]:
        addrs = _pinned(host, port)
        if addrs is None:
            try:
                addrs = await resolve_host(host, port, self.resolver)
            except FetchError as exc:
                raise OSError(socket.EAI_NONAME, str(exc)) from exc
        bad = refused(addrs, self.allow_private)
        if bad:
            raise OSError(errno.EACCES, f"refused: {_refusal(host, *bad)}")
        if not addrs:
            raise OSError(socket.EAI_NONAME, f"no address for {host}")
        return [{"hostname": host, "host": a, "port": port,
                 "family": socket.AF_INET6 if ":" in a else socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST} for a in addrs]

    async def close(self) -> None:
        return None
