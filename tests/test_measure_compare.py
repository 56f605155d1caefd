"""Comparison rules (no network): OONI keys and presswatch's false-positive fixes."""

from __future__ import annotations

from presswatch.measure.compare import (
    body_proportion,
    classify,
    dns_consistency,
    headers_match,
    is_bogon,
    server_side_block,
    status_code_match,
    throttling,
    title_match,
)

CTRL_OK = {
    "dns": {"addrs": ["203.0.113.10"], "failure": None},
    "tcp_connect": {
        "203.0.113.10:80": {"status": True, "failure": None},
        "[2001:db8::10]:80": {"status": True, "failure": None},
    },
    "tls_handshake": {"203.0.113.10:443": {"status": True, "failure": None}},
    "http_request": {
        "status_code": 200,
        "body_length": 5000,
        "title": "Daily Example News",
        "failure": None,
        "headers": {"X-News": "1", "Content-Type": "text/html"},
        "body_sha256": "aa",
    },
}


def hop(
    code=200, length=5000, title="Daily Example News", failure=None, url="http://news.example/", tls=None
):
    resp = (
        None
        if code is None
        else {
            "code": code,
            "headers": [("X-News", "1")],
            "body_length": length,
            "body_truncated": False,
            "body_sha256": "bb",
            "title": title,
        }
    )
    return {
        "request": {"url": url},
        "response": resp,
        "failure": failure,
        "bytes_per_second": None,
        "transfer_time": 0.01,
        "tls": tls,
    }


def run(**kw):
    base = dict(
        scheme="http",
        host_is_ip=False,
        probe_addrs=["203.0.113.10"],
        dns_failure=None,
        tcp=[{"ip": "203.0.113.10", "port": 80, "status": {"success": True, "failure": None}}],
        tls=[],
        hops=[hop()],
        final_body=b"<html>",
        control=CTRL_OK,
    )
    base.update(kw)
    return classify(**base)


def test_ooni_keys():
    assert body_proportion(70, 100, False) == 0.7 and body_proportion(70, 100, True) is None
    assert status_code_match(200, 200) is True and status_code_match(403, 200) is False
    assert status_code_match(200, 503) is None and status_code_match(-1, 200) is None
    assert headers_match(["X-A", "Date"], ["x-a"]) is True
    assert headers_match(["Date", "Content-Length"], ["Server", "Content-Length"]) is False
    assert title_match("Daily Example News", "daily example news") is True
    assert title_match("Blocked resource", "Daily Example News") is False and title_match("", "x") is None
    assert is_bogon("10.1.2.3") and is_bogon("127.0.0.1") and not is_bogon("203.0.113.10")


def test_accessible_and_http_diff():
    r = run()
    assert (r["blocking"], r["accessible"], r["dns_consistency"]) == (False, True, "consistent")
    h = hop(code=200, length=300, title="Access restricted")
    h["response"]["headers"] = [("Server", "nginx")]
    r = run(hops=[h])
    assert r["blocking"] == "http-diff" and r["accessible"] is False


def test_dns_nxdomain_and_site_down():
    r = run(probe_addrs=[], dns_failure="dns_nxdomain_error", tcp=[], hops=[])
    assert r["blocking"] == "dns" and r["dns_consistency"] == "inconsistent"
    ctrl = {
        **CTRL_OK,
        "dns": {"addrs": [], "failure": "dns_nxdomain_error"},
        "http_request": {"failure": "dns_nxdomain_error", "status_code": -1},
    }
    r = run(probe_addrs=[], dns_failure="dns_nxdomain_error", tcp=[], hops=[], control=ctrl)
    assert (r["blocking"], r["accessible"], r["down"]) == (False, False, True)


def test_broken_local_ipv6_is_not_tcp_ip():
    tcp = [
        {"ip": "203.0.113.10", "port": 80, "status": {"success": True, "failure": None}},
        {"ip": "2001:db8::10", "port": 80, "status": {"success": False, "failure": "network_unreachable"}},
    ]
    r = run(probe_addrs=["203.0.113.10", "2001:db8::10"], tcp=tcp)
    assert r["blocking"] is False and r["ipv6_broken"] is True
    # all IPv4 blocked, IPv6 unreachable locally: still tcp_ip, from the IPv4 evidence
    tcp[0]["status"] = {"success": False, "failure": "generic_timeout_error"}
    r = run(
        probe_addrs=["203.0.113.10", "2001:db8::10"],
        tcp=tcp,
        hops=[hop(code=None, failure="generic_timeout_error")],
    )
    assert r["blocking"] == "tcp_ip"


def test_geodns_validated_by_tls_is_consistent():
    tls = [{"address": "203.0.113.99:443", "failure": None, "role": "validation"}]
    r = run(
        probe_addrs=["203.0.113.99"],
        tls=tls,
        tcp=[{"ip": "203.0.113.99", "port": 80, "status": {"success": True, "failure": None}}],
    )
    assert r["dns_consistency"] == "consistent" and r["blocking"] is False


def test_transparent_proxy_serving_real_page_is_dns():
    tls = [{"address": "192.0.2.81:443", "failure": "connection_refused", "role": "validation"}]
    r = run(
        probe_addrs=["192.0.2.81"],
        tls=tls,
        tcp=[{"ip": "192.0.2.81", "port": 80, "status": {"success": True, "failure": None}}],
    )
    assert r["blocking"] == "dns" and r["accessible"] is False
    # without any TLS evidence the same page rescues the answer (GeoDNS on an http-only site)
    ctrl = {
        **CTRL_OK,
        "tls_handshake": {"203.0.113.10:443": {"status": False, "failure": "connection_refused"}},
    }
    r = run(
        probe_addrs=["192.0.2.81"],
        tls=tls,
        control=ctrl,
        tcp=[{"ip": "192.0.2.81", "port": 80, "status": {"success": True, "failure": None}}],
    )
    assert r["blocking"] is False


def test_bogon_answer_is_dns():
    consistency, flags = dns_consistency(
        host_is_ip=False,
        probe_addrs=["10.10.34.35"],
        probe_failure=None,
        ctrl_addrs=["203.0.113.10"],
        ctrl_failure=None,
    )
    assert consistency == "inconsistent" and flags["bogon"]


def test_cdn_challenge_and_geo_are_not_censorship():
    assert server_side_block(403, {"cf-mitigated": "challenge"}, b"") == "cdn-challenge"
    assert server_side_block(503, {}, b"<title>Just a moment...</title>") == "cdn-challenge"
    assert server_side_block(451, {}, b"This content is not available in your country") == "geo-restriction"
    assert server_side_block(451, {}, b"<h1>Unavailable For Legal Reasons</h1>") is None
    r = run(
        hops=[hop(code=403, length=200, title="Just a moment...")],
        final_body=b"<title>Just a moment...</title>",
    )
    assert (r["blocking"], r["accessible"], r["server_side_block"]) == (False, False, "cdn-challenge")
    # a blockpage fingerprint wins over the heuristic
    r = run(
        hops=[hop(code=403, length=200, title="Just a moment...")],
        final_body=b"<title>Just a moment...</title>",
        http_fingerprint="x",
    )
    assert r["blocking"] == "http-diff"


def test_throttling_rule():
    assert throttling(1000, 5.0, True, 200, 10_000_000, 300_000)["throttled"] is True
    assert throttling(1_000_000, 0.3, False, 200, 100_000_000, 300_000)["throttled"] is False  # fast enough
    assert throttling(1000, 5.0, False, 200, 10_000_000, 1000)["throttled"] is False  # body too small
    h = hop(length=20_000, failure="generic_timeout_error")
    h.update(bytes_per_second=5000.0, transfer_time=4.0)
    ctrl = {
        **CTRL_OK,
        "http_request": {**CTRL_OK["http_request"], "body_length": 300_000, "bytes_per_second": 50_000_000.0},
    }
    r = run(hops=[h], control=ctrl)
    assert (r["blocking"], r["throttled"]) == ("http-failure", True)


def test_flaky_5xx_is_not_blocking():
    r = run(hops=[hop(code=503, length=50, title="Service Unavailable")])
    assert (r["blocking"], r["accessible"], r["server_error"]) == (False, False, True)


def test_tls_reset_on_sni():
    tls = [{"address": "203.0.113.10:443", "failure": "connection_reset", "role": "url"}]
    ctrl = {**CTRL_OK, "tcp_connect": {"203.0.113.10:443": {"status": True, "failure": None}}}
    r = run(
        scheme="https",
        tls=tls,
        control=ctrl,
        tcp=[{"ip": "203.0.113.10", "port": 443, "status": {"success": True, "failure": None}}],
        hops=[hop(code=None, failure="connection_reset", url="https://news.example/")],
    )
    assert r["blocking"] == "tls" and "tls" in r["blocking_flags"]


def test_no_control():
    r = run(control={"failure": "control_failure: timeout"})
    assert r["blocking"] is None and r["accessible"] is None
