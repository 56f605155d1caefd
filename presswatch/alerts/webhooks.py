"""Standard Webhooks: secrets, signatures, the retry schedule and what an answer means (pure), and the POST.

A message is signed as ``v1,`` + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")) in
``webhook-signature``; while a secret is being rotated the header carries both signatures, space
separated. Every attempt of one message sends the same ``webhook-id`` and body (receivers deduplicate
on the id); the timestamp is the attempt's wall-clock time in seconds (receivers check it against
theirs). Redirects are not followed: a 3xx is a failed attempt, so a receiver cannot send an alert
on to an address the SSRF guard would refuse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as _secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from presswatch.clock import as_utc
from presswatch.errors import BlockedTarget, ConfigError, FetchError, InvalidURL
from presswatch.fetch.guard import GuardedNetworkBackend, TargetGuard, connect_to, default_port

__all__ = [
    "DEFAULT_SCHEDULE",
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


class WebhookSender:
    """POSTs signed messages through the SSRF guard (checked before every attempt, connection pinned to
    the checked addresses), no redirects, one timeout for the whole exchange."""

    def __init__(self, *, allow_private: bool, timeout: float, user_agent: str,
                 client: httpx.AsyncClient | None = None, concurrency: int = 16) -> None:
        self.guard = TargetGuard(allow_private=allow_private, ttl=0.0)
        self.timeout = timeout
        self._own = client is None
        if client is None:
            transport = httpx.AsyncHTTPTransport(trust_env=False)
            transport._pool._network_backend = GuardedNetworkBackend(allow_private)
            client = httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False,
                                       timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                                       # one pool shared by every attempt: HTTP/1.1 keep-alive, reused
                                       limits=httpx.Limits(max_connections=max(concurrency, 1),
                                                           max_keepalive_connections=max(concurrency, 1)),
                                       headers={"User-Agent": user_agent})
        self.client = client

    async def aclose(self) -> None:
        if self._own:
            await self.client.aclose()

    async def send(self, url: str, msg_id: str, body: str, secrets: Sequence[str],
                   timestamp: int | None = None) -> Answer:
        """One attempt; never raises for the receiver's faults (they are the answer's ``error``)."""
        import asyncio

        t0 = time.monotonic()
        ts = int(time.time()) if timestamp is None else timestamp
        try:
            addrs = await self.guard.check(url)
            req = self.client.build_request("POST", url, content=body.encode(),
                                            headers=headers_for(secrets, msg_id, ts, body))
            port = req.url.port or default_port(req.url.scheme)
            async with asyncio.timeout(self.timeout):
                with connect_to(req.url.raw_host.decode("ascii"), port, addrs):
                    resp = await self.client.send(req)
        except (BlockedTarget, InvalidURL) as exc:
            return Answer(None, f"refused: {exc}", duration=time.monotonic() - t0)
        except FetchError as exc:
            return Answer(None, f"{exc.reason}: {exc}", duration=time.monotonic() - t0)
        except TimeoutError:
            return Answer(None, f"timeout after {self.timeout:g} s", duration=time.monotonic() - t0)
        except httpx.HTTPError as exc:
            return Answer(None, f"{type(exc).__name__}: {exc}"[:500], duration=time.monotonic() - t0)
        return Answer(resp.status_code, retry_after=resp.headers.get("retry-after"),
                      location=resp.headers.get("location"), duration=time.monotonic() - t0)
