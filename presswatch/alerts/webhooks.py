"""Standard Webhooks: secrets, signatures, the retry schedule and what an answer means (pure), and the POST.

A message is signed as ``v1,`` + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")) in
``webhook-signature``; while a secret is being rotated the header carries both signatures, space
separated. Every attempt of one message sends the same ``webhook-id`` and body (receivers deduplicate
on the id); the timestamp is the attempt's wall-clock time in seconds (receivers check it against
theirs). Redirects are not followed: a 3xx is a failed attempt, so a receiver cannot send an alert
on to an address the SSRF guard would refuse.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets as _secrets
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import SplitResult, quote, urlsplit

import h11

from presswatch.clock import as_utc
from presswatch.errors import BlockedTarget, ConfigError, FetchError, InvalidURL
from presswatch.fetch.guard import TargetGuard, default_port

__all__ = [
    "DEFAULT_SCHEDULE",
    "KEEPALIVE_SECONDS",
    "MAX_ANSWER_BYTES",
    "Answer",
    "Outcome",
    "WebhookSender",
    "decode_secret",
    "headers_for",
    "new_secret",
    "outcome_of",
    "retry_after_seconds",
    "sign",
]

#: seconds to wait before each retry (after the first attempt): Standard Webhooks' (Svix's) schedule
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
_PREFIX = "whsec_"


def decode_secret(secret: str) -> bytes:
    """The key bytes of a ``whsec_`` + base64 secret (24 to 64 bytes); :class:`ConfigError` otherwise."""
    if not isinstance(secret, str) or not secret.startswith(_PREFIX):
        raise ConfigError("a webhook secret is 'whsec_' followed by base64 (e.g. from `presswatch alerts secret`)")
    raw = secret[len(_PREFIX):]
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except ValueError as exc:
        raise ConfigError(f"webhook secret is not valid base64 after 'whsec_': {exc}") from exc
    if not 24 <= len(key) <= 64:
        raise ConfigError(f"webhook secret must hold 24 to 64 bytes, this one holds {len(key)}")
    return key


def new_secret() -> str:
    """A fresh random secret (32 bytes)."""
    return _PREFIX + base64.b64encode(_secrets.token_bytes(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 signature>`` of ``msg_id.timestamp.body``."""
    mac = hmac.new(decode_secret(secret), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers_for(secrets: Sequence[str], msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers (one signature per secret) and the content type."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets),
        "content-type": "application/json",
    }


@dataclass(frozen=True)
class Answer:
    """What one attempt got: an HTTP status (with ``Retry-After``, ``Location``) or an error."""

    status: int | None
    error: str | None = None
    retry_after: str | None = None
    location: str | None = None
    duration: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """delivered | retry | failed | disabled, and (for retry) the seconds to wait."""

    result: str
    delay: float = 0.0
    error: str | None = None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now`` (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    v = value.strip()
    if v.isdigit():
        return float(v)
    try:
        when = parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return None
    return max(0.0, (as_utc(when) - now).total_seconds())


def outcome_of(answer: Answer, attempts_made: int, schedule: Sequence[float], now: datetime,
               max_delay: float = 86400.0) -> Outcome:
    """What to do after the ``attempts_made``-th attempt got ``answer``: 2xx delivered, 410 disables the
    endpoint, anything else is retried on ``schedule`` (``Retry-After`` honoured, never sooner) until
    the schedule is used up."""
    if answer.status is not None and 200 <= answer.status < 300:
        return Outcome("delivered")
    if answer.status == 410:
        return Outcome("disabled", error="410 Gone: the endpoint is disabled")
    if answer.error is not None:
        error = answer.error
    elif answer.status is not None and 300 <= answer.status < 400:
        error = f"HTTP {answer.status}: redirect not followed (Location: {answer.location or '-'})"
    else:
        error = f"HTTP {answer.status}"
    if attempts_made > len(schedule):
        return Outcome("failed", error=f"{error}; gave up after {attempts_made} attempts")
    delay = float(schedule[attempts_made - 1])
    ra = retry_after_seconds(answer.retry_after, now)
    if ra is not None:
        delay = max(delay, min(ra, max_delay))
    return Outcome("retry", delay=delay, error=error)


#: bytes of a receiver's answer read at most (headers and body); the body is never used, only the status
MAX_ANSWER_BYTES = 65536
#: seconds an idle keep-alive connection is kept for the next message to its endpoint
KEEPALIVE_SECONDS = 5.0


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    addr: str
    idle_since: float = 0.0
    http: h11.Connection = field(
        default_factory=lambda: h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_ANSWER_BYTES))

    def usable(self, now: float) -> bool:
        return (not self.writer.is_closing() and not self.reader.at_eof() and self.http.our_state is h11.IDLE
                and now - self.idle_since < KEEPALIVE_SECONDS)

    def close(self) -> None:
        self.writer.close()


class WebhookSender:
    """POSTs signed messages through the SSRF guard (checked before every attempt; connections go only to
    the addresses it checked), no redirects, one timeout for the whole exchange.

    A small HTTP/1.1 client on asyncio streams with keep-alive (at most ``concurrency`` idle connections
    per endpoint, each reused only while its address is still among the checked ones): a webhook is one
    POST whose answer matters only for its status, ``Retry-After`` and ``Location``, so the body is read
    (at most :data:`MAX_ANSWER_BYTES`) only to keep the connection usable."""

    def __init__(self, *, allow_private: bool, timeout: float, user_agent: str, concurrency: int = 16) -> None:
        self.guard = TargetGuard(allow_private=allow_private, ttl=0.0)
        self.timeout = timeout
        self.connect_timeout = min(timeout, 10.0)
        self.user_agent = user_agent.replace("\r", " ").replace("\n", " ")
        self.max_idle = max(concurrency, 1)
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self._ssl: ssl.SSLContext | None = None

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for c in conns:
                c.close()
        self._idle.clear()

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:  # made on the first https endpoint only (loading the CA bundle costs)
            import httpx  # its CA bundle and defaults, as every other fetch uses

            self._ssl = httpx.create_ssl_context()
        return self._ssl

    async def _connect(self, scheme: str, host: str, port: int, addrs: Sequence[str]) -> _Conn:
        last: Exception | None = None
        for addr in addrs:
            try:
                async with asyncio.timeout(self.connect_timeout):
                    if scheme == "https":
                        reader, writer = await asyncio.open_connection(addr, port, ssl=self._tls(),
                                                                       server_hostname=host,
                                                                       limit=MAX_ANSWER_BYTES)
                    else:
                        reader, writer = await asyncio.open_connection(addr, port, limit=MAX_ANSWER_BYTES)
                return _Conn(reader, writer, addr)
            except (OSError, TimeoutError) as exc:
                last = exc
        if last is None:
            raise ConnectionError(f"no address for {host}")
        raise last

    def _take(self, key: tuple[str, str, int], addrs: Sequence[str]) -> _Conn | None:
        conns = self._idle.get(key)
        now = time.monotonic()
        while conns:
            c = conns.pop()
            if c.addr in addrs and c.usable(now):
                return c
            c.close()
        return None

    def _give_back(self, key: tuple[str, str, int], c: _Conn) -> None:
        conns = self._idle.setdefault(key, [])
        if len(conns) >= self.max_idle:
            c.close()
            return
        c.idle_since = time.monotonic()
        conns.append(c)

    async def send(self, url: str, msg_id: str, body: str, secrets: Sequence[str],
                   timestamp: int | None = None) -> Answer:
        """One attempt; never raises for the receiver's faults (they are the answer's ``error``)."""
        t0 = time.monotonic()
        ts = int(time.time()) if timestamp is None else timestamp
        conn: _Conn | None = None
        try:
            addrs = await self.guard.check(url)
            parts = urlsplit(url)
            scheme, host = parts.scheme, (parts.hostname or "")
            port = parts.port or default_port(scheme)
            request = _request(parts, host, port, self.user_agent, headers_for(secrets, msg_id, ts, body),
                               body.encode())
            key = (scheme, host, port)
            async with asyncio.timeout(self.timeout):
                conn = self._take(key, addrs) or await self._connect(scheme, host, port, addrs)
                for event in request:
                    conn.writer.write(conn.http.send(event) or b"")
                await conn.writer.drain()
                status, headers, reusable = await _read_answer(conn)
            if reusable:
                self._give_back(key, conn)
            else:
                conn.close()
            conn = None
        except (BlockedTarget, InvalidURL) as exc:
            return Answer(None, f"refused: {exc}", duration=time.monotonic() - t0)
        except FetchError as exc:
            return Answer(None, f"{exc.reason}: {exc}", duration=time.monotonic() - t0)
        except TimeoutError:
            return Answer(None, f"timeout after {self.timeout:g} s", duration=time.monotonic() - t0)
        except (OSError, ValueError, UnicodeError, h11.ProtocolError) as exc:
            return Answer(None, _error_text(exc)[:500], duration=time.monotonic() - t0)
        finally:
            if conn is not None:
                conn.close()
        return Answer(status, retry_after=headers.get("retry-after"), location=headers.get("location"),
                      duration=time.monotonic() - t0)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, h11.RemoteProtocolError):
        return f"BadResponseError: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _request(parts: SplitResult, host: str, port: int, user_agent: str, headers: dict[str, str],
             body: bytes) -> list[h11.Event]:
    """The POST as h11 events: the target path percent-encoded, the host IDNA-encoded (as on the wire)."""
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    name = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
    if port != default_port(parts.scheme):
        name += f":{port}"
    fields = [("Host", name), ("User-Agent", user_agent), ("Accept", "*/*"), ("Content-Length", str(len(body))),
              *headers.items()]
    return [h11.Request(method="POST", target=target, headers=fields), h11.Data(data=body), h11.EndOfMessage()]


async def _read_answer(conn: _Conn) -> tuple[int, dict[str, str], bool]:
    """(status, headers with lower-case names, whether the connection can carry another request).

    The body is read (at most :data:`MAX_ANSWER_BYTES`) only to keep the connection usable; a longer
    one, or one that runs to the end of the connection, leaves the connection to be closed."""
    http = conn.http
    status, headers, got = 0, {}, 0
    while True:
        event = http.next_event()
        if event is h11.NEED_DATA:
            http.receive_data(await conn.reader.read(MAX_ANSWER_BYTES))
        elif isinstance(event, h11.Response):
            status = event.status_code
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in event.headers}
        elif isinstance(event, h11.Data):
            got += len(event.data)
            if got > MAX_ANSWER_BYTES:
                return status, headers, False  # not worth reading: the connection is closed instead
        elif isinstance(event, h11.EndOfMessage):
            if http.our_state is h11.DONE and http.their_state is h11.DONE:
                http.start_next_cycle()
                return status, headers, True
            return status, headers, False
        elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
            if status:
                return status, headers, False
            raise ConnectionError("the receiver closed the connection before answering in full")
        # an InformationalResponse (100 Continue …) precedes the answer: read on
