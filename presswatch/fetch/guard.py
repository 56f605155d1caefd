"""URL validation and the SSRF guard.

The same fetcher serves a web form and remote probes, so by default it refuses targets that
resolve to private, loopback, link-local, multicast or reserved addresses. Tests, the demo and the
benchmarks pass ``allow_private=True`` (``PRESSWATCH_ALLOW_PRIVATE=1`` / ``--allow-private``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpcore

from ..errors import BlockedTarget, FetchError, InvalidURL


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
    return url


def is_public_address(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class TargetGuard:
    """Resolve hosts (cached briefly) and refuse non-public targets unless allowed."""

    def __init__(self, allow_private: bool = False, ttl: float = 60.0) -> None:
        self.allow_private = allow_private
        self.ttl = ttl
        self._cache: dict[tuple[str, int], tuple[float, list[str]]] = {}

    def cached(self, url: str) -> list[str] | None:
        """Addresses last resolved for the URL's host and port, if any."""
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        hit = self._cache.get(((parts.hostname or ""), port))
        return hit[1] if hit else None

    async def check(self, url: str) -> list[str]:
        """Validate ``url`` and return its resolved addresses; raise on refusal or DNS failure."""
        validate_url(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (host, port)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit and now - hit[0] < self.ttl:
            addrs = hit[1]
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                raise FetchError("dns", f"cannot resolve {host}: {exc.strerror or exc}") from exc
            addrs = sorted({str(i[4][0]) for i in infos})
            self._cache[key] = (now, addrs)
        if not self.allow_private:
            bad = [a for a in addrs if not is_public_address(a)]
            if bad:
                raise BlockedTarget(
                    f"refusing to fetch {url}: {host} resolves to non-public address {bad[0]} "
                    "(set PRESSWATCH_ALLOW_PRIVATE=1 or --allow-private for local testing)"
                )
        return addrs


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that re-checks every address it connects to.

    The pre-flight :meth:`TargetGuard.check` gives a clear error early; this closes the DNS-rebinding
    window: the name is resolved here, each address is checked, and the connection goes to the address
    that was checked (TLS still verifies and sends SNI for the original host name).
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"[Errno {exc.errno}] {exc.strerror}: {host}") from exc
        addrs = list(dict.fromkeys(str(i[4][0]) for i in infos))
        if not self.allow_private:
            bad = [a for a in addrs if not is_public_address(a)]
            if bad:
                raise httpcore.ConnectError(f"refused: {host} resolves to non-public address {bad[0]}")
        last: Exception | None = None
        for addr in addrs:
            try:
                return await self._inner.connect_tcp(addr, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise OSError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
