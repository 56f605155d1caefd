"""apprise channels: one apprise URL (e-mail, Matrix, Telegram, Signal, Slack, ntfy, json://, form:// …)
per subscription, checked when the subscription is made, notified at delivery through the SSRF guard.

A URL whose host is a network address we would connect to (``json://127.0.0.1:8080/``, ``ntfys://ntfy.example``)
passes :class:`~presswatch.fetch.guard.TargetGuard` at subscription time and before every attempt.
Services addressed by a token (``tgram://TOKEN/CHAT``) connect to their public API host.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from presswatch.alerts.webhooks import Answer
from presswatch.errors import BlockedTarget, ConfigError, FetchError, InvalidURL
from presswatch.fetch.guard import TargetGuard

__all__ = ["check_apprise_url", "guard_apprise", "notify"]


def _instantiate(url: str) -> Any:
    import apprise

    obj = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if not obj:
        raise ConfigError(f"not an apprise URL apprise can send to: {url!r} "
                          "(see https://github.com/caronc/apprise/wiki for the URL of each service)")
    return obj


def _network_host(obj: Any) -> str | None:
    host = getattr(obj, "host", None)
    if not isinstance(host, str) or not host:
        return None
    h = host.strip("[]")
    if "." in h or ":" in h or h == "localhost":
        return h
    return None


def check_apprise_url(url: str) -> None:
    """:class:`ConfigError` unless apprise understands ``url``."""
    _instantiate(url)


async def guard_apprise(url: str, guard: TargetGuard) -> None:
    """Raise :class:`BlockedTarget` if the URL's host is a non-public address (unless allowed)."""
    obj = _instantiate(url)
    host = _network_host(obj)
    if host is None:
        return
    port = getattr(obj, "port", None)
    secure = bool(getattr(obj, "secure", False))
    scheme = "https" if secure else "http"
    literal = f"[{host}]" if ":" in host else host
    await guard.check(f"{scheme}://{literal}{':' + str(port) if port else ''}/")


async def notify(url: str, title: str, body: str, *, guard: TargetGuard, timeout: float) -> Answer:
    """One apprise notification; the answer is 200 when apprise reports success."""
    t0 = time.monotonic()
    try:
        await guard_apprise(url, guard)
    except (BlockedTarget, InvalidURL, FetchError, ConfigError) as exc:
        return Answer(None, f"refused: {exc}", duration=time.monotonic() - t0)

    def send() -> bool:
        import apprise

        obj = _instantiate(url)
        for attr in ("socket_connect_timeout", "socket_read_timeout"):
            if hasattr(obj, attr):
                setattr(obj, attr, timeout)
        a = apprise.Apprise()
        a.add(obj)
        return bool(a.notify(title=title or "presswatch", body=body or title or "presswatch"))

    try:
        async with asyncio.timeout(timeout * 2 + 1):
            ok = await asyncio.to_thread(send)
    except TimeoutError:
        return Answer(None, f"timeout after {timeout:g} s", duration=time.monotonic() - t0)
    if ok:
        return Answer(200, duration=time.monotonic() - t0)
    return Answer(None, "apprise reported the notification failed", duration=time.monotonic() - t0)
