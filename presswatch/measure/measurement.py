"""One blocking measurement, OONI Web Connectivity style: DNS → TCP → TLS → HTTP, compared with a control.

See :mod:`presswatch.measure.compare` for the decision rules and where they differ from OONI.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from presswatch.clock import Clock, isoformat, utcnow
from presswatch.errors import InvalidURL
from presswatch.measure import dnsstep
from presswatch.measure.compare import classify, is_bogon
from presswatch.measure.control import ControlFn
from presswatch.measure.fingerprints import Fingerprints, default_fingerprints
from presswatch.measure.httpstep import Hop, default_port, get_chain, is_ip
from presswatch.measure.tcpstep import Timeouts, endpoint, tcp_connect
from presswatch.measure.tlsstep import tls_handshake

if TYPE_CHECKING:
    from presswatch.archive.warc import WarcArchive

log = logging.getLogger(__name__)

__all__ = ["SCHEMA_VERSION", "ControlFn", "measure", "Timeouts", "Vantage"]

SCHEMA_VERSION = "presswatch-wc/1"


@dataclass
class Vantage:
    """Where the measurement was taken."""

    country: str | None = None
    network: str | None = None
    probe_id: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"country": self.country, "network": self.network, "probe_id": self.probe_id}



def _choose_reply(queries: list[dnsstep.DnsQuery], ctrl_addrs: list[str]) -> tuple[list[str], bool]:
    """Addresses to use: per query the reply the control agrees with when several arrived."""
    out: list[str] = []
    dup = False
    for q in sorted(queries, key=lambda q: q.query_type != "A"):
        if not q.replies:
            continue
        chosen = q.replies[0]
        if len(q.replies) > 1:
            distinct = {tuple(sorted(r.addrs)) for r in q.replies}
            dup = dup or len(distinct) > 1 or len(q.replies) > 1
            for r in q.replies:
                if set(r.addrs) & set(ctrl_addrs):
                    chosen = r
                    break
        out.extend(chosen.addrs)
    return list(dict.fromkeys(out)), dup


async def measure(
    url: str,
    *,
    vantage: Vantage,
    resolver: str | None = None,
    control: ControlFn,
    archive: WarcArchive | None = None,
    timeouts: Timeouts = Timeouts(),  # noqa: B008 - frozen dataclass
    fingerprints: Fingerprints | None = None,
    ca_file: str | None = None,
    allow_private: bool = False,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Measure ``url`` from this vantage; returns the result dict (OONI keys + presswatch verdict)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise InvalidURL(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    port = parts.port or default_port(scheme)
    fps = fingerprints if fingerprints is not None else default_fingerprints()
    started = clock.now() if clock is not None else utcnow()
    t0 = time.monotonic()

    # 1. DNS (with the late-reply window)
    queries = await dnsstep.resolve(
        host, resolver, timeout=timeouts.dns, late_window=timeouts.dns_late_window
    )
    host_is_ip = is_ip(host)
    all_addrs = (
        [host] if host_is_ip else list(dict.fromkeys(a for q in queries for r in q.replies for a in r.addrs))
    )
    dns_failure = None if host_is_ip else dnsstep.lookup_failure(queries)

    def allowed(ip: str) -> bool:
        return allow_private or not is_bogon(ip)

    # 2. control + TCP/TLS to every endpoint, concurrently
    endpoints = [endpoint(a, port) for a in all_addrs]
    tls_port = port if scheme == "https" else (443 if parts.port is None else None)

    async def connect(ip: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        if not allowed(ip):
            return None, []
        tcp = await tcp_connect(ip, port, timeouts.tcp)
        hs: list[dict[str, Any]] = []
        if scheme == "https" and tcp["status"]["success"]:
            h = await tls_handshake(ip, port, host, timeout=timeouts.tls, ca_file=ca_file)
            h["role"] = "url"
            hs.append(h)
        elif tls_port is not None and scheme == "http":
            h = await tls_handshake(ip, tls_port, host, timeout=timeouts.tls, ca_file=ca_file)
            h["role"] = "validation"
            hs.append(h)
        return tcp, hs

    async def get_control() -> dict[str, Any]:
        try:
            return await asyncio.wait_for(control(url, endpoints), timeouts.control)
        except Exception as exc:  # the control is remote: any failure is recorded, never raised
            log.warning("control for %s failed: %s", url, exc)
            return {"failure": f"control_failure: {type(exc).__name__}: {exc}"}

    ctrl_task = asyncio.ensure_future(get_control())
    conn = await asyncio.gather(*(connect(a) for a in all_addrs))
    ctrl = await ctrl_task
    tcp_list = [c[0] for c in conn if c[0] is not None]
    tls_list = [h for c in conn for h in c[1]]
    skipped = [a for a in all_addrs if not allowed(a)]

    # 3. choose the DNS reply the control agrees with (injection: forged first, real later)
    ctrl_addrs = list(((ctrl.get("dns") or {}).get("addrs")) or [])
    if host_is_ip:
        probe_addrs, duplicate = [host], False
    else:
        probe_addrs, duplicate = _choose_reply(queries, ctrl_addrs)

    # 4. HTTP, through addresses whose TCP connect worked first (IPv4 before IPv6)
    tcp_ok = {t["ip"] for t in tcp_list if t["status"]["success"]}
    order = sorted(probe_addrs, key=lambda a: (a not in tcp_ok, ":" in a))

    async def resolve_more(h: str) -> list[str]:
        return dnsstep.addresses(await dnsstep.resolve(h, resolver, timeout=timeouts.dns, late_window=0.0))

    hops: list[Hop] = []
    if order:
        hops = await get_chain(
            url,
            first_addrs=order,
            resolve=resolve_more,
            connect_timeout=timeouts.tcp,
            timeout=timeouts.http,
            ca_file=ca_file,
            addr_ok=allowed,
        )
        final = hops[-1]
        cstatus = ((ctrl.get("http_request") or {}).get("status_code")) or 0
        if final.status is not None and final.status >= 500 and 0 < cstatus < 500:
            await asyncio.sleep(0.3)  # flaky origin: one retry of the last hop
            again = await get_chain(
                final.url,
                first_addrs=[final.address.rsplit(":", 1)[0].strip("[]")] if final.address else order,
                resolve=resolve_more,
                connect_timeout=timeouts.tcp,
                timeout=timeouts.http,
                ca_file=ca_file,
                addr_ok=allowed,
            )
            hops = hops[:-1] + again
    final_hop = hops[-1] if hops else None

    # 5. fingerprints
    # a DNS fingerprint counts only for answers the control did not also get (e.g. 127.0.0.1 on loopback)
    answers = [a for q in queries for r in q.replies for a in r.addrs if a not in ctrl_addrs]
    dns_fp = fps.match_dns(answers)
    http_fp = None
    for hop in hops:
        if hop.status is not None:
            http_fp = fps.match_http(hop.body, hop.headers) or http_fp
            if http_fp:
                break

    matched = dns_fp or http_fp
    hop_dicts = [h.as_dict() for h in hops]
    verdict = classify(
        scheme=scheme,
        host_is_ip=host_is_ip,
        probe_addrs=probe_addrs if not duplicate else probe_addrs,
        dns_failure=dns_failure,
        tcp=tcp_list,
        tls=tls_list,
        hops=hop_dicts,
        final_body=final_hop.body if final_hop else b"",
        control=ctrl,
        dns_fingerprint=dns_fp.name if dns_fp else None,
        http_fingerprint=http_fp.name if http_fp else None,
    )

    result: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "url": url,
        "vantage": vantage.as_dict(),
        "measured_at": isoformat(started),
        "runtime": None,
        "resolver": resolver or dnsstep.system_resolver() or "getaddrinfo",
        **verdict,
        "dns_duplicate_responses": duplicate,
        "blockpage_details": matched.as_dict() if matched else None,
        "queries": [q.as_dict() for q in queries],
        "probe_addrs": probe_addrs,
        "skipped_private_addrs": skipped,
        "tcp_connect": tcp_list,
        "tls_handshakes": tls_list,
        "requests": list(reversed(hop_dicts)),  # OONI order: requests[0] is the final response
        "control": ctrl,
        "capture": None,
    }
    if archive is not None and final_hop is not None and final_hop.status is not None:
        try:
            ref = archive.write_exchange(
                final_hop.url,
                method="GET",
                request_headers=final_hop.request_headers,
                http_status=final_hop.status,
                http_reason=final_hop.reason,
                **final_hop.warc_fields(),  # the bytes as received (WARC-Truncated when cut)
                captured_at=started,
                ip=final_hop.address.rsplit(":", 1)[0].strip("[]") if final_hop.address else None,
                vantage=vantage.probe_id or vantage.country or "probe",
            )
            result["capture"] = ref.as_dict()  # its pointer and payload digest
        except Exception as exc:  # archiving must not lose the measurement
            log.error("archiving %s failed: %s", url, exc)
            result["capture_failure"] = str(exc)
    result["runtime"] = round(time.monotonic() - t0, 3)
    return result
