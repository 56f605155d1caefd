"""Servers run inside the test namespaces: ``origin`` (news sites + honest DNS) and ``isp`` (the censor).

Run as ``python netns_services.py origin|isp --config JSON``; prints ``ready`` when listening.
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import json
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from presswatch.sim.censor import KZ_BLOCKPAGE, BlockpageServer, DnsServer  # noqa: E402

CENSORED_NET = "192.0.2."
BIG = 300 * 1024

NEWS_PAGE = (
    "<!DOCTYPE html><html><head><title>Daily Example News — Front page</title></head><body>"
    "<h1>Daily Example News</h1>"
    + "".join(
        f"<article><h2>Story {i}</h2><p>{'Reporting from the capital. ' * 20}</p></article>"
        for i in range(12)
    )
    + "</body></html>"
).encode()
CHALLENGE_PAGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<div id='challenge-platform'>Checking your browser before accessing cdn.example.</div>"
    b"<script src='/cdn-cgi/challenge-platform/orchestrate/jsch/v1'></script></body></html>"
)
GEO_PAGE = (
    b"<html><head><title>Unavailable</title></head><body><h1>Sorry</h1>"
    b"<p>This content is not available in your country.</p></body></html>"
)
LEGAL_451 = (
    b"<html><head><title>451 Unavailable For Legal Reasons</title></head><body>"
    b"<h1>Unavailable For Legal Reasons</h1><p>Blocked on request of the authorities.</p></body></html>"
)


class OriginHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    flaky_counter = 0
    lock = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-News-Site", "example")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        client = self.client_address[0]
        censored_client = client.startswith(CENSORED_NET)
        if host == "cdn.example" and censored_client:
            self._send(403, CHALLENGE_PAGE, {"cf-mitigated": "challenge", "Server": "cloudflare"})
            return
        if host == "geo.example" and censored_client:
            self._send(451, GEO_PAGE)
            return
        if host == "flaky.example":
            with OriginHandler.lock:
                OriginHandler.flaky_counter += 1
                n = OriginHandler.flaky_counter
            if self.path.startswith("/slow"):
                time.sleep(1.0)
            if n % 2 == 1:
                self._send(503, b"<html><title>Service Unavailable</title>overloaded</html>")
                return
        if self.path.startswith("/big"):
            body = b"<html><head><title>Big file</title></head><body>" + b"x" * BIG + b"</body></html>"
            self._send(200, body)
            return
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, NEWS_PAGE)


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def run_origin(cfg: dict[str, Any]) -> None:
    servers: list[ThreadingServer] = []
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cfg["cert"], cfg["key"])
    for ip in cfg["web_ips"]:
        plain = ThreadingServer((ip, 80), OriginHandler)
        tls = ThreadingServer((ip, 443), OriginHandler)
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True, do_handshake_on_connect=False)
        servers += [plain, tls]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    dns_srv = DnsServer(cfg["records"], host=cfg["dns_ip"], port=53).start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # run until the harness closes our stdin
    finally:
        dns_srv.stop()
        for s in servers:
            s.shutdown()


# ---------------------------------------------------------------- the censoring ISP
async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _relay(
    first: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, dst: tuple[str, int]
):
    try:
        ur, uw = await asyncio.open_connection(*dst)
    except OSError:
        writer.close()
        return
    uw.write(first)
    await asyncio.gather(_pipe(reader, uw), _pipe(ur, writer))


def _rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def run_isp_async(cfg: dict[str, Any]) -> None:
    origin = cfg["origin_ip"]
    target = cfg.get("target_host", "news.example").encode()
    mode = cfg["mode"]

    async def hijack(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _relay(b"", reader, writer, (origin, 80))  # transparent proxy serving the real page

    async def http_proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        host = b""
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"host:"):
                host = line.split(b":", 1)[1].strip().split(b":")[0].lower()
        if host == target:
            status, body = (451, LEGAL_451) if mode == "http-451" else (200, KZ_BLOCKPAGE)
            reason = b"Unavailable For Legal Reasons" if status == 451 else b"OK"
            writer.write(
                b"HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n" % (status, reason, len(body)) + body
            )
            await writer.drain()
            writer.close()
            return
        await _relay(head, reader, writer, (origin, 80))

    async def sni_proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            hdr = await asyncio.wait_for(reader.readexactly(5), 5)
            rec = await asyncio.wait_for(reader.readexactly(int.from_bytes(hdr[3:5], "big")), 5)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            writer.close()
            return
        if target in rec:  # DPI: the blocked name appears in the ClientHello SNI
            _rst(writer)
            return
        await _relay(hdr + rec, reader, writer, (origin, 443))

    servers = [
        await asyncio.start_server(hijack, cfg["hijack_ip"], 80),
        await asyncio.start_server(http_proxy, "0.0.0.0", 8080),
        await asyncio.start_server(sni_proxy, "0.0.0.0", 8443),
    ]
    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    for s in servers:
        s.close()


def run_isp(cfg: dict[str, Any]) -> None:
    dns_srv = DnsServer(
        cfg["records"],
        host=cfg["dns_ip"],
        port=53,
        nxdomain=set(cfg.get("nxdomain", [])),
        duplicate=cfg.get("duplicate") or None,
    ).start()
    bp = BlockpageServer(host=cfg["blockpage_ip"], port=80).start()
    try:
        asyncio.run(run_isp_async(cfg))
    finally:
        dns_srv.stop()
        bp.stop()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["origin", "isp"])
    p.add_argument("--config", required=True)
    args = p.parse_args()
    cfg = json.loads(args.config)
    (run_origin if args.role == "origin" else run_isp)(cfg)


if __name__ == "__main__":
    main()
