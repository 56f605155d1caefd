"""Probe vs control comparison: OONI Web Connectivity keys plus presswatch's stricter verdict.

OONI-compatible keys follow ts-017 / probe-cli v0.4.3 (dns_consistency, body_proportion > 0.7, status,
uncommon headers, title long words, https shortcut). presswatch then decides ``blocking`` with these
changes, each aimed at a reported false positive or negative:

* DNS: an answer outside the control's set is still *consistent* when the probe's address completes a
  verified TLS handshake for the host (GeoDNS/CDN), or — only when no TLS evidence exists on either side —
  when the page served matches the control's. It is *inconsistent* (``dns``) when TLS to that address fails
  while the control's origin handshakes fine: a hijack to a transparent proxy serving the real page.
* A bogon/private answer the control did not return is ``dns``.
* IPv6 endpoints failing with a local routing error (network/host unreachable) never make ``tcp_ip`` when
  other endpoints work, or when they are the only failures besides blocked IPv4 ones.
* CDN challenge and geo-restriction pages → ``blocking: false``, ``accessible: false`` and
  ``server_side_block`` (``cdn-challenge`` / ``geo-restriction``), unless a blockpage fingerprint matched.
* 5xx from the origin for the probe while the control got a page (flaky origin, after one retry) →
  ``blocking: false``, ``accessible: false``, ``server_error: true``.
* Throttling (bodies ≥ 64 KiB at the control): the control's bytes/s ≥ 10× the probe's and the probe's
  transfer took ≥ 1 s. A probe transfer that then timed out → ``blocking: "http-failure"``; one that
  completed → ``blocking: false``, ``accessible: true``; both with ``throttled: true``.
* Site down (the control fails too) → ``blocking: false``, ``accessible: false``, ``down: true``.
* A TLS failure (reset, EOF, timeout or certificate error) on a blocked SNI where the control's handshake
  works → ``tls``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from presswatch.fetch.guard import ip_literal, is_public_address

__all__ = [
    "COMMON_HEADERS",
    "FRAMING_HEADERS",
    "IGNORED_HEADERS",
    "LOCAL_ROUTE_FAILURES",
    "THROTTLE_MIN_BODY",
    "THROTTLE_MIN_SECONDS",
    "THROTTLE_RATIO",
    "body_proportion",
    "classify",
    "dns_consistency",
    "headers_match",
    "is_bogon",
    "scheme_of",
    "server_side_block",
    "status_code_match",
    "throttling",
    "title_match",
]

COMMON_HEADERS = frozenset(
    "date content-type server cache-control vary set-cookie location expires x-powered-by content-encoding "
    "last-modified accept-ranges pragma x-frame-options etag x-content-type-options age via p3p "
    "x-xss-protection content-language cf-ray strict-transport-security link x-varnish".split()
)
# Framing/hop-by-hop headers every server sends; ignoring them too stops a blockpage "matching" on
# Content-Length alone (OONI's list keeps them, see ooni/probe#2311).
FRAMING_HEADERS = frozenset({"content-length", "connection", "transfer-encoding", "keep-alive"})
IGNORED_HEADERS = COMMON_HEADERS | FRAMING_HEADERS
THROTTLE_RATIO = 10.0
THROTTLE_MIN_BODY = 64 * 1024
THROTTLE_MIN_SECONDS = 1.0

LOCAL_ROUTE_FAILURES = frozenset({"network_unreachable", "host_unreachable", "address_not_available"})

_CDN_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"<title>\s*Just a moment\.\.\.\s*</title>",
        r"<title>\s*Attention Required! \| Cloudflare\s*</title>",
        r"cf-browser-verification|cf_chl_opt|challenge-platform|cf-challenge",
        r"<title>[^<]*(captcha|are you a robot|verify you are human|ddos protection)[^<]*</title>",
        r"(g-recaptcha|h-captcha|hcaptcha\.com|recaptcha/api\.js|captcha-delivery\.com)",
        r"Checking your browser before accessing",
        r"Request unsuccessful\. Incapsula incident ID",
        r"<title>\s*Access Denied\s*</title>[\s\S]{0,2000}Reference #\d",  # Akamai edge deny
    )
]
_GEO_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"not available in your (country|region|location|area)",
        r"(unavailable|not accessible|isn'?t available) (in|from) your (country|region|location)",
        r"geo[- ]?(restrict|block)",
        r"this (content|website|site|service|page) is not available in your",
        r"due to (legal|licensing) (reasons|restrictions)[^.]{0,80}(country|region|location)",
        r"недоступ\w* в вашем (регионе|стране)",
    )
]


def is_bogon(ip: str) -> bool:
    """A non-public address (the SSRF guard's decision, :func:`presswatch.fetch.guard.non_public_reason`).

    Never a public server address; a string that is not an IP address is not a bogon.
    """
    if ip_literal(ip) is None or ip != ip.strip():
        return False
    return not is_public_address(ip)


def body_proportion(probe_len: int | None, ctrl_len: int | None, truncated: bool) -> float | None:
    """min(p/c, c/p); None unless both > 0 and the probe body is complete."""
    if not probe_len or not ctrl_len or probe_len <= 0 or ctrl_len <= 0 or truncated:
        return None
    return min(probe_len / ctrl_len, ctrl_len / probe_len)


def status_code_match(probe: int | None, ctrl: int | None) -> bool | None:
    """v0.4.3 rule: None if a code is missing, equal → True, TH 5xx → None, else False."""
    if not probe or not ctrl or probe <= 0 or ctrl <= 0:
        return None
    if probe == ctrl:
        return True
    if ctrl // 100 == 5:
        return None
    return False


def headers_match(probe: Iterable[str], ctrl: Iterable[str]) -> bool | None:
    """v0.4.3: same name sets, or at least one uncommon name (framing headers ignored too) on both sides."""
    p = {h.lower() for h in probe}
    c = {h.lower() for h in ctrl}
    if not p or not c:
        return None
    if p == c:
        return True
    return bool((p - IGNORED_HEADERS) & (c - IGNORED_HEADERS))


def _long_words(title: str) -> set[str]:
    return {w.lower() for w in title.split(" ") if len(w) >= 5}


def title_match(probe: str | None, ctrl: str | None) -> bool | None:
    """Every ≥5-character word appears in both titles (probe-cli behaviour); None without a probe title."""
    if not probe:
        return None
    return _long_words(probe) == _long_words(ctrl or "")


def server_side_block(status: int | None, headers: Mapping[str, str], body: bytes) -> str | None:
    """``cdn-challenge`` or ``geo-restriction`` when the page is the origin/CDN refusing this client."""
    lower = {k.lower(): v for k, v in headers.items()}
    text = body[:65536].decode("utf-8", "replace")
    if lower.get("cf-mitigated", "").lower() == "challenge":
        return "cdn-challenge"
    if any(p.search(text) for p in _CDN_PATTERNS):
        return "cdn-challenge"
    if status in (403, 451, 200) and any(p.search(text) for p in _GEO_PATTERNS):
        return "geo-restriction"
    return None


def dns_consistency(
    *,
    host_is_ip: bool,
    probe_addrs: list[str],
    probe_failure: str | None,
    ctrl_addrs: list[str],
    ctrl_failure: str | None,
) -> tuple[str | None, dict[str, Any]]:
    """OONI v0.4 DNS consistency (no ASN database: IP overlap only) plus bogon and failure flags."""
    flags: dict[str, Any] = {
        "bogon": False,
        "unexpected_failure": False,
        "unexpected_addrs": [],
        "no_overlap": False,
    }
    if host_is_ip:
        return "consistent", flags
    bogons = [a for a in probe_addrs if is_bogon(a) and a not in ctrl_addrs]
    flags["bogon"] = bool(bogons)
    if probe_failure and ctrl_failure:
        nx = ("dns_nxdomain_error", "android_dns_cache_no_data")
        if ctrl_failure == "dns_nxdomain_error" and probe_failure in nx:
            return "consistent", flags
        return "consistent", flags  # expected failure: the name does not resolve anywhere
    if probe_failure and not ctrl_failure:
        flags["unexpected_failure"] = True
        return "inconsistent", flags
    if not probe_failure and ctrl_failure:
        flags["unexpected_addrs"] = list(probe_addrs)
        return "inconsistent", flags
    if bogons:
        flags["unexpected_addrs"] = bogons
        return "inconsistent", flags
    if set(probe_addrs) & set(ctrl_addrs):
        return "consistent", flags
    flags["no_overlap"] = True
    flags["unexpected_addrs"] = [a for a in probe_addrs if a not in ctrl_addrs]
    return "inconsistent", flags


def throttling(
    probe_bps: float | None,
    probe_transfer_time: float | None,
    probe_timed_out: bool,
    probe_status: int | None,
    ctrl_bps: float | None,
    ctrl_body_length: int | None,
) -> dict[str, Any]:
    """Extreme-throttling test (dd-007 style, against the concurrent control)."""
    out: dict[str, Any] = {"throttled": False, "ratio": None}
    if probe_status is None or not ctrl_bps or not ctrl_body_length or ctrl_body_length < THROTTLE_MIN_BODY:
        return out
    pbps = probe_bps or 0.0
    ratio = ctrl_bps / pbps if pbps > 0 else float("inf")
    out["ratio"] = None if ratio == float("inf") else round(ratio, 1)
    slow_enough = probe_timed_out or (probe_transfer_time or 0.0) >= THROTTLE_MIN_SECONDS
    out["throttled"] = ratio >= THROTTLE_RATIO and slow_enough
    return out


def _ctrl_ok(entry: Mapping[str, Any] | None) -> bool | None:
    if not entry:
        return None
    return bool(entry.get("status")) and not entry.get("failure")


def classify(
    *,
    scheme: str,
    host_is_ip: bool,
    probe_addrs: list[str],
    dns_failure: str | None,
    tcp: list[dict[str, Any]],
    tls: list[dict[str, Any]],
    hops: list[dict[str, Any]],
    final_body: bytes,
    control: Mapping[str, Any] | None,
    dns_fingerprint: str | None = None,
    http_fingerprint: str | None = None,
) -> dict[str, Any]:
    """Compute the OONI keys and presswatch's verdict from one probe run and its control."""
    out: dict[str, Any] = {
        "dns_consistency": None,
        "body_proportion": None,
        "body_length_match": None,
        "status_code_match": None,
        "headers_match": None,
        "title_match": None,
        "accessible": None,
        "blocking": None,
        "blockpage": dns_fingerprint or http_fingerprint,
        "down": False,
        "throttled": False,
        "server_side_block": None,
        "server_error": False,
        "ipv6_broken": False,
        "control_failure": None,
    }
    layers: dict[str, Any] = {"dns": None, "tcp_ip": None, "tls": None, "http": None}
    notes: list[str] = []
    final = hops[-1] if hops else None
    resp = final.get("response") if final else None
    final_failure = final.get("failure") if final else dns_failure
    out["http_experiment_failure"] = final.get("failure") if final else None
    out["dns_experiment_failure"] = dns_failure

    if control is None or control.get("failure"):
        out["control_failure"] = (control or {}).get("failure") or "no_control"
        if dns_fingerprint or http_fingerprint:
            out["blocking"] = "dns" if dns_fingerprint else "http-diff"
            out["accessible"] = False
        out["layers"] = layers
        out["blocking_flags"] = [out["blocking"]] if out["blocking"] else []
        return out

    cdns = control.get("dns") or {}
    ctrl_addrs = list(cdns.get("addrs") or [])
    chttp = control.get("http_request") or {}
    ctrl_http_ok = not chttp.get("failure") and (chttp.get("status_code") or -1) > 0
    ctcp = control.get("tcp_connect") or {}
    ctls = control.get("tls_handshake") or {}

    # --- DNS -------------------------------------------------------------------------------------
    consistency, dflags = dns_consistency(
        host_is_ip=host_is_ip,
        probe_addrs=probe_addrs,
        probe_failure=dns_failure,
        ctrl_addrs=ctrl_addrs,
        ctrl_failure=cdns.get("failure"),
    )
    ok_tls = {h["address"] for h in tls if not h.get("failure")}
    failed_tls = {h["address"]: h.get("failure") for h in tls if h.get("failure")}
    ctrl_origin_tls_ok = any(_ctrl_ok(v) for k, v in ctls.items() if _host_of(k) in ctrl_addrs)
    unexpected = set(dflags["unexpected_addrs"])
    tls_validated = (
        bool(unexpected)
        and all(any(_host_of(a) == ip for a in ok_tls) for ip in unexpected if not is_bogon(ip))
        and not dflags["bogon"]
    )
    tls_refutes = (
        bool(unexpected) and ctrl_origin_tls_ok and any(_host_of(a) in unexpected for a in failed_tls)
    )
    dflags["tls_validated"] = tls_validated
    dflags["tls_refutes"] = tls_refutes
    if consistency == "inconsistent" and dflags["no_overlap"] and tls_validated:
        consistency = "consistent"
        notes.append("dns answer differs from control but completed a verified TLS handshake for the host")
    out["dns_consistency"] = consistency
    dns_bad = consistency == "inconsistent"
    layers["dns"] = {"consistency": consistency, **dflags, "fingerprint": dns_fingerprint}

    # --- TCP -------------------------------------------------------------------------------------
    ok_eps = [t for t in tcp if t["status"]["success"]]
    failed_eps = [t for t in tcp if not t["status"]["success"]]
    unexpected_tcp = []
    for t in failed_eps:
        ep = _ep(t["ip"], t["port"])
        cok = _ctrl_ok(ctcp.get(ep))
        if ":" in t["ip"] and t["status"]["failure"] in LOCAL_ROUTE_FAILURES:
            out["ipv6_broken"] = True
            continue
        if cok:
            unexpected_tcp.append(ep)
    tcp_blocked = bool(tcp) and not ok_eps and bool(unexpected_tcp)
    layers["tcp_ip"] = {
        "unexpected_failures": unexpected_tcp,
        "blocked": tcp_blocked,
        "successes": [_ep(t["ip"], t["port"]) for t in ok_eps],
    }

    # --- TLS (handshakes on the URL's port for https) -------------------------------------------
    url_tls = [h for h in tls if h.get("role") == "url"]
    tls_unexpected = [h["address"] for h in url_tls if h.get("failure") and _ctrl_ok(ctls.get(h["address"]))]
    ctrl_any_tls = any(_ctrl_ok(v) for v in ctls.values())
    tls_blocked = (
        scheme == "https"
        and bool(url_tls)
        and all(h.get("failure") for h in url_tls)
        and (bool(tls_unexpected) or ctrl_any_tls)
    )
    layers["tls"] = {
        "unexpected_failures": tls_unexpected,
        "blocked": tls_blocked,
        "validation": {"ok": sorted(ok_tls), "failed": failed_tls},
    }

    # --- HTTP ------------------------------------------------------------------------------------
    ssb = None
    http_match = None
    if resp is not None:
        hdrs = {k: v for k, v in resp.get("headers") or []}
        out["body_proportion"] = bp = body_proportion(
            resp.get("body_length"), chttp.get("body_length"), bool(resp.get("body_truncated"))
        )
        out["body_length_match"] = None if bp is None else bp > 0.7
        out["status_code_match"] = status_code_match(resp.get("code"), chttp.get("status_code"))
        out["headers_match"] = headers_match(hdrs.keys(), (chttp.get("headers") or {}).keys())
        out["title_match"] = title_match(resp.get("title"), chttp.get("title"))
        ssb = server_side_block(resp.get("code"), hdrs, final_body)
        http_match = out["status_code_match"] is True and any(
            out[k] is True for k in ("body_length_match", "headers_match", "title_match")
        )
        if (
            not http_match
            and chttp.get("body_sha256")
            and chttp.get("body_sha256") == resp.get("body_sha256")
        ):
            http_match = True
        th = throttling(
            final.get("bytes_per_second") if final else None,
            final.get("transfer_time") if final else None,
            final_failure == "generic_timeout_error",
            resp.get("code"),
            chttp.get("bytes_per_second"),
            chttp.get("body_length"),
        )
        out["throttled"] = th["throttled"]
        layers["http"] = {
            "match": http_match,
            "throttle_ratio": th["ratio"],
            "fingerprint": http_fingerprint,
            "server_side_block": ssb,
        }
    else:
        layers["http"] = {"failure": final_failure, "fingerprint": http_fingerprint}

    # GeoDNS rescue by content, only when TLS cannot tell (no validation succeeded nor refuted).
    if (
        dns_bad
        and dflags["no_overlap"]
        and not dflags["bogon"]
        and not tls_refutes
        and http_match
        and not http_fingerprint
        and resp is not None
        and not tls_validated
    ):
        dns_bad = False
        out["dns_consistency"] = "consistent"
        notes.append("dns answer differs from control but serves the same page (no TLS evidence either way)")
    if (
        dns_bad
        and len(hops) == 1
        and final
        and final.get("tls")
        and not final.get("failure")
        and not dflags["bogon"]
        and not dflags["unexpected_failure"]
    ):
        # The final page came over a verified TLS session for the host: the address is genuine.
        dns_bad = False
        out["dns_consistency"] = "consistent"
        notes.append("final response arrived over verified TLS from the probe's address")
    layers["dns"]["blocked"] = dns_bad or bool(dns_fingerprint)

    def done(blocking: Any, accessible: bool | None) -> dict[str, Any]:
        if dns_bad or dns_fingerprint:
            blocking = "dns"
        out["blocking"] = blocking
        out["accessible"] = False if blocking else accessible
        flags = []
        if layers["dns"]["blocked"]:
            flags.append("dns")
        if tcp_blocked:
            flags.append("tcp_ip")
        if tls_blocked:
            flags.append("tls")
        if blocking in ("http-failure", "http-diff"):
            flags.append(blocking)
        if http_fingerprint and "http-diff" not in flags:
            flags.append("http-diff")
        out["blocking_flags"] = flags
        out["layers"] = layers
        out["notes"] = notes
        return out

    ctrl_down = not ctrl_http_ok
    if resp is not None:
        timed_out = final_failure == "generic_timeout_error"
        if out["throttled"]:
            return done("http-failure" if timed_out else False, not timed_out)
        if final_failure and not timed_out:
            pass  # a broken response: handled as a failure below
        elif scheme_of(final) == "https" and not http_fingerprint:
            if ssb:
                out["server_side_block"] = ssb
                return done(False, False)
            return done(False, True)
        elif http_fingerprint:
            return done("http-diff", False)
        elif ssb and not dns_bad:
            out["server_side_block"] = ssb
            return done(False, False)
        elif ctrl_down:
            code = resp.get("code") or 0
            if dns_bad:
                return done("dns", False)
            out["down"] = False
            return done(False, 200 <= code < 400)
        elif (resp.get("code") or 0) >= 500 and (chttp.get("status_code") or 0) < 500:
            out["server_error"] = True
            return done(False, False)
        elif http_match:
            return done(False, True)
        else:
            return done("http-diff", False)

    # No final response: DNS failure, connection failure, TLS failure or broken response.
    if final is None:
        if dns_bad:
            return done("dns", False)
        out["down"] = True
        return done(False, False)
    if final_failure in ("dns_nxdomain_error", "dns_no_answer") and len(hops) > 1:
        return done("dns", False)
    if ctrl_down:
        out["down"] = True
        return done(False, False)
    if len(hops) == 1 and tcp_blocked:
        return done("tcp_ip", False)
    if len(hops) == 1 and tls_blocked:
        return done("tls", False)
    if final_failure == "private_address_refused":
        return done("dns" if dns_bad else None, None)
    return done("http-failure", False)


def scheme_of(hop: Mapping[str, Any] | None) -> str:
    url = str(((hop or {}).get("request") or {}).get("url") or "")
    return url.split(":", 1)[0].lower()


def _host_of(ep: str) -> str:
    if ep.startswith("["):
        return ep[1:].partition("]")[0]
    return ep.rpartition(":")[0] if ep.count(":") == 1 else ep


def _ep(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
