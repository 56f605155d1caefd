"""A loopback webhook receiver for the demo: subscribe it, deliver, show the alert that arrived.

The receiver checks each signature with this package's own implementation of the spec
(:func:`~presswatch.alerts.webhooks.sign`) and keeps the bodies by ``webhook-id``::

    with alert_receiver(core, events=["blocked", "removed"]) as rx:
        ...                               # checks / measurements that confirm a change
        await core.deliver_alerts()       # or let `run` deliver in the background
        for line in rx.describe():
            print(line)                   # "alert received: blocked in KZ — … (signature verified)"
"""

from __future__ import annotations

import contextlib
import hmac
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from presswatch.alerts.webhooks import new_secret, sign

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["LoopbackReceiver", "alert_receiver", "describe_alert"]


@dataclass
class LoopbackReceiver:
    """A webhook endpoint on 127.0.0.1 that verifies signatures and deduplicates by ``webhook-id``."""

    secret: str = field(default_factory=new_secret)
    received: dict[str, dict[str, Any]] = field(default_factory=dict)  # webhook-id -> body (verified only)
    requests: int = 0
    rejected: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/alerts"

    def start(self) -> LoopbackReceiver:
        rx = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                wid = self.headers.get("webhook-id", "")
                ts = self.headers.get("webhook-timestamp", "")
                sigs = (self.headers.get("webhook-signature") or "").split()
                ok = ts.isdigit() and any(hmac.compare_digest(s, sign(rx.secret, wid, int(ts), body)) for s in sigs)
                with rx._arrived:
                    rx.requests += 1
                    if ok:
                        rx.received.setdefault(wid, json.loads(body))
                    else:
                        rx.rejected += 1
                    rx._arrived.notify_all()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="alert-receiver", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, n: int = 1, timeout: float = 10.0) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.received) >= n, timeout)

    def describe(self) -> list[str]:
        return [describe_alert(b, wid) for wid, b in self.received.items()]


def describe_alert(body: dict[str, Any], webhook_id: str = "") -> str:
    """One line for a person: what happened, where, to which article, and where the evidence is."""
    d = body.get("data") or {}
    where = f" in {d['country']}" if d.get("country") else ""
    how = f" by {d['method']}" if d.get("method") else f" ({d['reason']})" if d.get("reason") else ""
    what = d.get("title") or d.get("url") or ""
    evidence = f"; evidence log entry {d['evidence']}" if d.get("evidence") is not None else ""
    return (f"alert received: {body.get('type')}{where}{how} — {what} <{d.get('url')}>{evidence} "
            f"(webhook-id {webhook_id}, signature verified)")


@contextlib.contextmanager
def alert_receiver(core: Presswatch, *, events: Sequence[str] = ("blocked", "removed", "withheld"),
                   countries: Sequence[str] = ()) -> Iterator[LoopbackReceiver]:
    """Start a :class:`LoopbackReceiver`, subscribe it (needs ``allow_private``), remove it on exit."""
    from presswatch.alerts.manage import add_subscription, remove_subscription

    rx = LoopbackReceiver().start()
    try:
        sid = add_subscription(core, webhook=rx.url, secret=rx.secret,
                               filters={"events": list(events), "countries": list(countries)})
        try:
            yield rx
        finally:
            remove_subscription(core, sid)
    finally:
        rx.stop()
