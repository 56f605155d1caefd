"""A real webhook receiver on 127.0.0.1 for the alert tests: verifies Standard Webhooks signatures with the
``standardwebhooks`` library, counts deliveries by ``webhook-id``, and misbehaves on request."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # 24 bytes, from the spec's examples
SECRET2 = "whsec_" + "dGhpcyBpcyBhIHNlY29uZCBzZWNyZXQgb2Yga2V5cw=="


@dataclass
class Received:
    webhook_id: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    verified_old: bool = False

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """``behave(n, webhook_id)`` → ``"ok"`` | ``"500"`` | ``"410"`` | ``"429:SECONDS"`` | ``"reset"`` |
    ``"stall"`` (never answer) | ``"slow:SECONDS"`` | ``"redirect:URL"``; ``n`` counts requests from 1."""

    secret: str = SECRET
    old_secret: str | None = None
    behave: Callable[[int, str], str] = lambda n, wid: "ok"
    got: list[Received] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def ids(self) -> Counter[str]:
        with self._lock:
            return Counter(r.webhook_id for r in self.got)

    def ok_ids(self) -> set[str]:
        with self._lock:
            return {r.webhook_id for r in self.got if r.verified}

    def bodies(self) -> dict[str, Any]:
        """Verified deliveries deduplicated by webhook-id (what a careful receiver keeps)."""
        with self._lock:
            return {r.webhook_id: r.json for r in self.got if r.verified}

    def wait_for(self, n: int, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if len(self.got) >= n:
                    return
            time.sleep(0.02)


def _verify(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
        return True
    except Exception:  # noqa: BLE001 - any failure is "not verified"
        return False


@contextmanager
def receiver(rx: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            wid = headers.get("webhook-id", "")
            rec = Received(wid, headers, body, _verify(rx.secret, body, headers),
                           _verify(rx.old_secret, body, headers) if rx.old_secret else False)
            with rx._lock:
                rx.got.append(rec)
                n = len(rx.got)
            action = rx.behave(n, wid)
            if action == "stall":
                rx._stop.wait(120)
                return
            if action == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                for f in (self.rfile, self.wfile):
                    f.close()
                self.connection.close()  # with linger 0: a TCP reset
                return
            if action.startswith("slow:"):
                time.sleep(float(action.split(":", 1)[1]))
                action = "ok"
            status, extra = 200, {}
            if action == "500":
                status = 500
            elif action == "410":
                status = 410
            elif action.startswith("429:"):
                status, extra = 429, {"Retry-After": action.split(":", 1)[1]}
            elif action.startswith("redirect:"):
                status, extra = 307, {"Location": action.split(":", 1)[1]}
            out = b"{}"
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # the benchmark's and the concurrency test's bursts of connections
        daemon_threads = True

    srv = Server(("127.0.0.1", 0), Handler)
    rx.port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield rx
    finally:
        rx._stop.set()
        srv.shutdown()
        srv.server_close()
