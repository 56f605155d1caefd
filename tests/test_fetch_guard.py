"""The SSRF guard, at pre-flight and at connect time (no DNS-rebinding window)."""

from __future__ import annotations

import asyncio

import httpcore
import pytest

from presswatch.errors import BlockedTarget, InvalidURL
from presswatch.fetch.guard import GuardedNetworkBackend, TargetGuard, is_public_address, validate_url


@pytest.mark.parametrize("addr,public", [("127.0.0.1", False), ("10.1.2.3", False), ("169.254.1.1", False),
                                         ("::1", False), ("::ffff:127.0.0.1", False), ("192.168.0.1", False),
                                         ("8.8.8.8", True), ("2606:4700::1", True)])
def test_public_addresses(addr: str, public: bool) -> None:
    assert is_public_address(addr) is public


def test_validate_url() -> None:
    assert validate_url(" http://example.org/a ") == "http://example.org/a"
    for bad in ("file:///etc/passwd", "http://", "http://exa mple.org", "http://example.org:99999/"):
        with pytest.raises(InvalidURL):
            validate_url(bad)


def test_preflight_refuses_loopback() -> None:
    with pytest.raises(BlockedTarget, match="non-public"):
        asyncio.run(TargetGuard(allow_private=False).check("http://localhost:1/x"))
    assert asyncio.run(TargetGuard(allow_private=True).check("http://127.0.0.1:1/x")) == ["127.0.0.1"]


def test_connect_time_check_refuses_loopback(simsite) -> None:  # type: ignore[no-untyped-def]
    port = int(simsite.url.rsplit(":", 1)[1])

    async def go(allow: bool) -> None:
        stream = await GuardedNetworkBackend(allow).connect_tcp("localhost", port, timeout=3)
        await stream.aclose()

    with pytest.raises(httpcore.ConnectError, match="non-public"):
        asyncio.run(go(False))
    asyncio.run(go(True))  # the same connection is allowed with --allow-private
