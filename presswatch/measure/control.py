"""The control (OONI test-helper logic): measure a URL from an uncensored network.

Runs on the server, or locally (``local_control``) when the caller has an honest resolver. The output is
test-helper shaped: ``dns``, ``tcp_connect``, ``tls_handshake``, ``http_request`` (+ ``ip_info``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from presswatch.errors import ConfigError
from presswatch.fetch.guard import address_allowed, check_endpoint, ip_literal, validate_url
from presswatch.measure import dnsstep
from presswatch.measure.compare import is_bogon
from presswatch.measure.httpstep import default_port, extract_title, get_chain
from presswatch.measure.tcpstep import Timeouts, endpoint, split_endpoint, tcp_connect
from presswatch.measure.tlsstep import tls_handshake

__all__ = [
    "CONTROL_BODY_CAP",
    "MAX_ENDPOINTS",
    "check_control_input",
    "control_measure",
    "ControlFn",
    "ControlInputError",
    "local_control",
    "static_control",
]

log = logging.getLogger(__name__)

ControlFn = Callable[[str, list[str]], Awaitable[dict[str, Any]]]
CONTROL_BODY_CAP = 4 * 1024 * 1024
MAX_ENDPOINTS = 8


class ControlInputError(ConfigError):
    """The URL or an endpoint given to the control is malformed (the API answers 422)."""


def check_control_input(url: str, endpoints: list[str]) -> tuple[str, list[str]]:
    """Validate a control request: an http(s) URL and at most :data:`MAX_ENDPOINTS` ``ip:port`` endpoints.

    Returns the URL and the endpoints in canonical form (syntax only: whether an address may be connected
    to is decided per endpoint by the guard, and a refused one is reported, not fetched).
    """
    from presswatch.errors import InvalidURL

    try:
        validate_url(url)
    except InvalidURL as exc:
        raise ControlInputError(str(exc)) from exc
    if len(endpoints) > MAX_ENDPOINTS:
        raise ControlInputError(f"at most {MAX_ENDPOINTS} endpoints per control request, not {len(endpoints)}")
    out = []
    for ep in endpoints:
        try:
            ip, port = check_endpoint(ep, allow_private=True)
        except InvalidURL as exc:
            raise ControlInputError(str(exc)) from exc
        out.append(endpoint(ip, port))
    return url.strip(), list(dict.fromkeys(out))


async def control_measure(
    url: str,
    endpoints: list[str],
    *,
    resolver: str | None = None,
    timeouts: Timeouts = Timeouts(),  # noqa: B008 - frozen dataclass
    ca_file: str | None = None,
    allow_private: bool = False,
) -> dict[str, Any]:
    """Resolve, connect to our and the probe's endpoints, handshake and fetch ``url`` (redirects followed)."""
    t0 = time.monotonic()
    url, endpoints = check_control_input(url, endpoints)
    parts = urlsplit(url)
    host = parts.hostname or ""
    scheme = parts.scheme.lower()
    port = parts.port or default_port(scheme)
    literal = ip_literal(host)
    queries = [] if literal else await dnsstep.resolve(host, resolver, timeout=timeouts.dns, late_window=0.0)
    if literal:
        addrs, dns_failure = [str(literal)], None
    elif queries:
        addrs = dnsstep.addresses(queries)
        dns_failure = dnsstep.lookup_failure(queries)
    else:
        addrs, dns_failure = [host], None

    def allowed(ip: str) -> bool:
        return address_allowed(ip, allow_private)

    eps = list(dict.fromkeys([endpoint(a, port) for a in addrs] + list(endpoints)))
    tls_port = port if scheme == "https" else (443 if parts.port is None else None)
    tls_eps = [endpoint(split_endpoint(e)[0], tls_port) for e in eps] if tls_port else []
    tls_eps = list(dict.fromkeys(tls_eps))

    async def tcp(ep: str) -> tuple[str, dict[str, Any]]:
        ip, p = split_endpoint(ep)
        if not allowed(ip):
            return ep, {"status": False, "failure": "private_address_refused"}
        r = await tcp_connect(ip, p, timeouts.tcp)
        return ep, {"status": r["status"]["success"], "failure": r["status"]["failure"]}

    async def tls(ep: str) -> tuple[str, dict[str, Any]]:
        ip, p = split_endpoint(ep)
        if not allowed(ip):
            return ep, {"server_name": host, "status": False, "failure": "private_address_refused"}
        r = await tls_handshake(ip, p, host, timeout=timeouts.tls, ca_file=ca_file)
        certs = r.get("peer_certificates") or []
        return ep, {
            "server_name": host,
            "status": r["failure"] is None,
            "failure": r["failure"],
            "cert_sha256": certs[0].get("sha256") if certs else None,
        }

    async def resolve_more(h: str) -> list[str]:
        if (lit := ip_literal(h)) is not None:
            return [str(lit)]
        return dnsstep.addresses(await dnsstep.resolve(h, resolver, timeout=timeouts.dns, late_window=0.0))

    async def http() -> dict[str, Any]:
        if dns_failure:
            return {"failure": dns_failure, "status_code": -1, "body_length": -1, "headers": {}, "title": ""}
        async def chain(target: str, first: list[str]) -> list[Any]:
            return await get_chain(
                target,
                first_addrs=first,
                resolve=resolve_more,
                connect_timeout=timeouts.tcp,
                timeout=timeouts.http + 5.0,
                ca_file=ca_file,
                body_cap=CONTROL_BODY_CAP,
                addr_ok=allowed,
            )

        hops = await chain(url, addrs)
        final = hops[-1]
        if final.status is not None and final.status >= 500:  # flaky origin: one retry
            await asyncio.sleep(0.3)
            final_host = urlsplit(final.url).hostname or ""
            final = (await chain(final.url, addrs if final_host == host else await resolve_more(final_host)))[-1]
        if final.status is None or (final.failure and final.failure != "generic_timeout_error"):
            return {
                "failure": final.failure,
                "status_code": -1,
                "body_length": -1,
                "headers": {},
                "title": "",
                "elapsed": round(final.elapsed, 4),
            }
        d = final.as_dict()
        return {
            "failure": final.failure,
            "status_code": final.status,
            "body_length": len(final.body),
            "body_truncated": final.truncated,
            "body_sha256": d["response"]["body_sha256"],
            "title": extract_title(final.body),
            "headers": final.header_map(),
            "elapsed": round(final.elapsed, 4),
            "transfer_time": d["transfer_time"],
            "bytes_per_second": d["bytes_per_second"],
            "final_url": final.url,
            "redirects": len(hops) - 1,
        }

    tcp_res, tls_res, http_res = await asyncio.gather(
        asyncio.gather(*(tcp(e) for e in eps)),
        asyncio.gather(*(tls(e) for e in tls_eps)),
        http(),
    )
    return {
        "dns": {"addrs": addrs, "failure": dns_failure},
        "tcp_connect": dict(tcp_res),
        "tls_handshake": dict(tls_res),
        "http_request": http_res,
        "ip_info": {a: {"flags": ["th"] + (["bogon"] if is_bogon(a) else [])} for a in addrs},
        "elapsed": round(time.monotonic() - t0, 4),
    }


def local_control(
    resolver: str | None,
    ca_file: str | None = None,
    *,
    allow_private: bool = False,
    timeouts: Timeouts = Timeouts(),  # noqa: B008
) -> ControlFn:
    """A ControlFn that runs :func:`control_measure` in this process (honest ``resolver``)."""

    async def run(url: str, endpoints: list[str]) -> dict[str, Any]:
        return await control_measure(
            url, endpoints, resolver=resolver, timeouts=timeouts, ca_file=ca_file, allow_private=allow_private
        )

    return run


def static_control(data: dict[str, Any]) -> ControlFn:
    """A ControlFn returning a precomputed control (e.g. read from ``--control-json``)."""

    async def run(url: str, endpoints: list[str]) -> dict[str, Any]:
        return data

    return run
