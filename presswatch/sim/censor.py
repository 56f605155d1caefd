"""A loopback censor (no root): a lying/honest DNS server and a KZ-style blockpage server.

Used by the demo ("blocked in KZ (dns)") and by tests; the netns harness reuses :class:`DnsServer`.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

__all__ = ["KZ_BLOCKPAGE", "BlockpageServer", "DnsServer", "loopback_kz_vantage", "LoopbackCensor", "wait_port"]

log = logging.getLogger(__name__)

KZ_BLOCKPAGE = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>Доступ ограничен</title></head>
<body><h1>Доступ к интернет-ресурсу ограничен</h1>
<p>Интернет-ресурсқа қол жеткізу шектелген.</p>
<p>Доступ к данному ресурсу ограничен в соответствии с законодательством Республики Казахстан
(решение уполномоченного органа).</p></body></html>
""".encode()


def _norm(name: str) -> str:
    return name.rstrip(".").lower()


class DnsServer:
    """Authoritative-style UDP+TCP DNS server answering from ``records`` (name → IPv4/IPv6 list).

    ``nxdomain`` names get NXDOMAIN; ``duplicate`` names get a forged reply (the given addresses) first and
    the real one ``duplicate_delay`` seconds later, like an on-path injector racing the resolver.
    Unknown names get NXDOMAIN.
    """

    def __init__(
        self,
        records: dict[str, list[str]],
        host: str = "127.0.0.1",
        port: int = 0,
        nxdomain: set[str] | None = None,
        duplicate: dict[str, list[str]] | None = None,
        duplicate_delay: float = 0.05,
        ttl: int = 60,
    ) -> None:
        self.records = {_norm(k): list(v) for k, v in records.items()}
        self.nxdomain = {_norm(n) for n in (nxdomain or set())}
        self.duplicate = {_norm(k): list(v) for k, v in (duplicate or {}).items()}
        self.duplicate_delay = duplicate_delay
        self.ttl = ttl
        self.host = host
        self._port = port
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    @property
    def port(self) -> int:
        return self._port

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self._port}" if ":" in self.host else f"{self.host}:{self._port}"

    def answer(
        self, query: dns.message.Message, addrs_override: list[str] | None = None
    ) -> dns.message.Message:
        """Build the reply to ``query`` (``addrs_override`` replaces the record set: forged replies)."""
        resp = dns.message.make_response(query)
        resp.flags |= dns.flags.AA
        if not query.question:
            resp.set_rcode(dns.rcode.FORMERR)
            return resp
        q = query.question[0]
        name = _norm(q.name.to_text())
        if addrs_override is None and (name in self.nxdomain or name not in self.records):
            resp.set_rcode(dns.rcode.NXDOMAIN)
            return resp
        addrs = addrs_override if addrs_override is not None else self.records[name]
        want = 6 if q.rdtype == dns.rdatatype.AAAA else 4 if q.rdtype == dns.rdatatype.A else 0
        matching = [a for a in addrs if want and ipaddress.ip_address(a).version == want]
        if matching:
            rr = dns.rrset.from_text_list(q.name, self.ttl, dns.rdataclass.IN, q.rdtype, matching)
            resp.answer.append(rr)
        return resp

    def _serve_udp(self) -> None:
        assert self._udp is not None
        sock = self._udp
        while not self._stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(data)
            except Exception:  # noqa: BLE001 - garbage in, nothing out
                continue
            name = _norm(query.question[0].name.to_text()) if query.question else ""
            try:
                if name in self.duplicate:
                    sock.sendto(self.answer(query, self.duplicate[name]).to_wire(), peer)
                    real = self.answer(query).to_wire()
                    threading.Timer(self.duplicate_delay, self._send_late, (real, peer)).start()
                else:
                    sock.sendto(self.answer(query).to_wire(), peer)
            except OSError as exc:
                log.debug("dns reply to %s failed: %s", peer, exc)

    def _send_late(self, data: bytes, peer: Any) -> None:
        with contextlib.suppress(OSError):
            if self._udp is not None:
                self._udp.sendto(data, peer)

    def _serve_tcp(self) -> None:
        assert self._tcp is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                head = conn.recv(2)
                if len(head) < 2:
                    return
                need = int.from_bytes(head, "big")
                data = b""
                while len(data) < need:
                    chunk = conn.recv(need - len(data))
                    if not chunk:
                        return
                    data += chunk
                wire = self.answer(dns.message.from_wire(data)).to_wire()
                conn.sendall(len(wire).to_bytes(2, "big") + wire)
            except Exception:  # noqa: BLE001
                return

    def start(self) -> DnsServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._udp = socket.socket(family, socket.SOCK_DGRAM)
        self._udp.bind((self.host, self._port))
        self._port = self._udp.getsockname()[1]
        self._udp.settimeout(0.2)
        self._tcp = socket.socket(family, socket.SOCK_STREAM)
        self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._tcp.bind((self.host, self._port))
            self._tcp.listen(64)
            self._tcp.settimeout(0.2)
        except OSError:
            self._tcp.close()
            self._tcp = None
        self._threads = [threading.Thread(target=self._serve_udp, daemon=True, name="dns-udp")]
        if self._tcp is not None:
            self._threads.append(threading.Thread(target=self._serve_tcp, daemon=True, name="dns-tcp"))
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for s in (self._udp, self._tcp):
            if s is not None:
                s.close()

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _BlockpageHandler(http.server.BaseHTTPRequestHandler):
    body = KZ_BLOCKPAGE
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("blockpage: " + format, *args)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class BlockpageServer:
    """HTTP server answering every request with a KZ-style blockpage (matches our KZ fingerprints)."""

    def __init__(self, host: str = "127.0.0.2", port: int = 0, body: bytes = KZ_BLOCKPAGE, status: int = 200):
        handler = type("H", (_BlockpageHandler,), {"body": body, "status": status})
        self.host = host
        self._server = _Server((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> BlockpageServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True, name="blockpage"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)


@dataclass
class LoopbackCensor:
    resolver: str
    control_resolver: str
    blockpage: BlockpageServer
    blockpage_ip: str


@contextlib.contextmanager
def loopback_kz_vantage(
    hostname: str, origin_ip: str, origin_port: int, blockpage_ip: str = "127.0.0.2"
) -> Iterator[LoopbackCensor]:
    """A KZ-like censor on loopback: lying resolver → blockpage server on ``blockpage_ip:origin_port``."""
    bp = BlockpageServer(host=blockpage_ip, port=origin_port).start()
    lying = DnsServer({hostname: [blockpage_ip]}).start()
    honest = DnsServer({hostname: [origin_ip]}).start()
    try:
        yield LoopbackCensor(
            resolver=lying.address, control_resolver=honest.address, blockpage=bp, blockpage_ip=blockpage_ip
        )
    finally:
        lying.stop()
        honest.stop()
        bp.stop()


def wait_port(host: str, port: int, timeout: float = 5.0) -> bool:
    """Poll until something accepts TCP on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return True
        time.sleep(0.05)
    return False
