"""End-to-end measurements on loopback (no root): the loopback KZ censor, duplicate DNS, HTTPS, WARC."""

from __future__ import annotations

import asyncio
import http.server
import socketserver
import ssl
import threading

import pytest

from presswatch.measure.control import local_control
from presswatch.measure.measurement import Timeouts, Vantage, measure
from presswatch.sim.censor import DnsServer, loopback_kz_vantage

PAGE = (
    b"<html><head><title>Daily Example News Front</title></head><body>" + b"story " * 800 + b"</body></html>"
)
T = Timeouts(dns=2, tcp=2, tls=2, http=4, dns_late_window=0.3)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("X-News-Site", "1")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *a):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


@pytest.fixture()
def origin():
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def run(url, resolver, control_resolver, **kw):
    ctl = local_control(control_resolver, kw.get("ca_file"), allow_private=True, timeouts=T)
    return asyncio.run(
        measure(
            url,
            vantage=Vantage("KZ", "AS1", "p1"),
            resolver=resolver,
            control=ctl,
            timeouts=T,
            allow_private=True,
            **kw,
        )
    )


def test_origin_accessible_and_kz_blocked_by_dns(origin):
    url = f"http://news.example:{origin}/a"
    with loopback_kz_vantage("news.example", "127.0.0.1", origin) as kz:
        free = run(url, kz.control_resolver, kz.control_resolver)
        blocked = run(url, kz.resolver, kz.control_resolver)
    assert (free["blocking"], free["accessible"]) == (False, True)
    assert free["measured_at"].endswith("Z") and free["vantage"]["country"] == "KZ"
    assert (blocked["blocking"], blocked["accessible"]) == ("dns", False)
    assert blocked["blockpage"].startswith("presswatch.kz")
    assert blocked["requests"][0]["response"]["code"] == 200
    assert blocked["queries"][0]["answers"] == [{"answer_type": "A", "ipv4": "127.0.0.2"}]


def test_duplicate_dns_reply_uses_the_one_the_control_agrees_with(origin):
    url = f"http://news.example:{origin}/"
    with (
        DnsServer({"news.example": ["127.0.0.1"]}, duplicate={"news.example": ["127.0.0.3"]}) as lying,
        DnsServer({"news.example": ["127.0.0.1"]}) as honest,
    ):
        r = run(url, lying.address, honest.address)
    assert r["dns_duplicate_responses"] is True
    assert r["queries"][0]["replies"][0]["addrs"] == ["127.0.0.3"]  # the forged reply came first
    assert r["probe_addrs"] == ["127.0.0.1"]
    assert (r["blocking"], r["accessible"]) == (False, True)


def test_https_and_warc_capture(tmp_path):
    trustme = pytest.importorskip("trustme")
    from presswatch.archive.warc import WarcArchive

    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("news.example").configure_cert(ctx)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    archive = WarcArchive(tmp_path)
    try:
        with DnsServer({"news.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]}) as dns_srv:
            r = run(
                f"https://news.example:{port}/",
                dns_srv.address,
                dns_srv.address,
                ca_file=str(ca_file),
                archive=archive,
            )
            bad = run(
                f"https://other.example:{port}/", dns_srv.address, dns_srv.address, ca_file=str(ca_file)
            )
    finally:
        srv.shutdown()
        srv.server_close()
        archive.close()
    assert (r["blocking"], r["accessible"]) == (False, True)
    hs = r["tls_handshakes"][0]
    assert hs["failure"] is None and "news.example" in hs["peer_certificates"][0]["san"]
    cap = r["capture"]
    assert cap and cap["payload_digest"].startswith("sha256:") and (tmp_path / cap["warc_file"]).exists()
    # wrong name on the certificate: recorded as ssl_invalid_hostname on both sides → down, not censorship
    assert bad["tls_handshakes"][0]["failure"] == "ssl_invalid_hostname"
    assert bad["tls_handshakes"][0]["peer_certificates"][0]["sha256"]
    assert (bad["blocking"], bad["down"]) == (False, True)


def test_site_down_when_control_fails_too():
    with DnsServer({"down.example": ["127.0.0.1"]}) as d:
        r = run("http://down.example:9/", d.address, d.address)  # discard port: nothing listens
    assert (r["blocking"], r["accessible"], r["down"]) == (False, False, True)
    assert r["tcp_connect"][0]["status"]["failure"] == "connection_refused"
