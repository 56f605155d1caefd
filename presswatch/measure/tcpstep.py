"""TCP connect step, and the mapping of Python errors to OONI df-007 failure strings."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["endpoint", "failure_string", "open_tcp", "split_endpoint", "ssl_failure", "tcp_connect", "Timeouts"]

_ERRNO = {
    errno.ECONNREFUSED: "connection_refused",
    errno.ECONNRESET: "connection_reset",
    errno.ETIMEDOUT: "generic_timeout_error",
    errno.EHOSTUNREACH: "host_unreachable",
    errno.ENETUNREACH: "network_unreachable",
    errno.ECONNABORTED: "connection_aborted",
    errno.EPIPE: "connection_reset",
    errno.EADDRNOTAVAIL: "address_not_available",
}


def ssl_failure(exc: ssl.SSLError) -> str:
    """df-007 string for a TLS error."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", 0)
        if code == 62:  # X509_V_ERR_HOSTNAME_MISMATCH
            return "ssl_invalid_hostname"
        if code in (18, 19, 20, 21, 2):  # self-signed / unknown issuer
            return "ssl_unknown_authority"
        return "ssl_invalid_certificate"
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return "eof_error"
    reason = (getattr(exc, "reason", None) or "").lower()
    if "unexpected_eof" in reason or "eof" in reason:
        return "eof_error"
    return f"ssl_failed_handshake: {getattr(exc, 'reason', None) or exc}"


def failure_string(exc: BaseException) -> str:
    """Map an exception from a network step to a df-007 failure string."""
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "generic_timeout_error"
    if isinstance(exc, ssl.SSLError):
        return ssl_failure(exc)
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "connection_reset"
    if isinstance(exc, asyncio.IncompleteReadError | EOFError):
        return "eof_error"
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        return _ERRNO[exc.errno]
    return f"unknown_failure: {type(exc).__name__}: {exc}"


def endpoint(ip: str, port: int) -> str:
    """``ip:port`` with brackets for IPv6 (the OONI key form)."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def split_endpoint(ep: str) -> tuple[str, int]:
    if ep.startswith("["):
        host, _, port = ep[1:].partition("]:")
        return host, int(port)
    host, _, port = ep.rpartition(":")
    return host, int(port)


async def open_tcp(ip: str, port: int, timeout: float) -> socket.socket:
    """Connected non-blocking socket, or raises (TimeoutError, OSError)."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ipaddress.ip_address(ip).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(sock, (ip, port)), timeout)
    except BaseException:
        sock.close()
        raise
    return sock


async def tcp_connect(ip: str, port: int, timeout: float = 10.0) -> dict[str, Any]:
    """Connect and close; the OONI ``tcp_connect`` entry."""
    t0 = time.monotonic()
    failure = None
    try:
        sock = await open_tcp(ip, port, timeout)
        sock.close()
    except (OSError, TimeoutError) as exc:
        failure = failure_string(exc)
    return {
        "ip": ip,
        "port": port,
        "status": {"success": failure is None, "failure": failure, "blocked": None},
        "t": round(time.monotonic() - t0, 4),
    }


@dataclass(frozen=True)
class Timeouts:
    """Per-step timeouts in seconds (defaults follow OONI v0.5 and its test helper)."""

    dns: float = 4.0
    dns_late_window: float = 0.5
    tcp: float = 10.0
    tls: float = 10.0
    http: float = 10.0
    control: float = 30.0
