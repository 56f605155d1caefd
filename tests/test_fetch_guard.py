"""The SSRF guard, at pre-flight and at connect time (no DNS-rebinding window)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from presswatch.errors import BlockedTarget, InvalidURL
from presswatch.fetch.guard import (
    GuardedResolver,
    TargetGuard,
    check_endpoint,
    ip_literal,
    is_public_address,
    non_public_reason,
    validate_url,
)


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
    """A connection made through the guarded resolver (outside the fetcher's pre-flight) goes only to
    checked addresses: refused to loopback, allowed with --allow-private."""
    url = simsite.url.replace("127.0.0.1", "localhost") + "/"

    async def go(allow: bool) -> int:
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(allow), use_dns_cache=False)
        async with aiohttp.ClientSession(connector=connector) as s, s.get(url) as r:
            return r.status

    with pytest.raises(aiohttp.ClientConnectorError, match="non-public"):
        asyncio.run(go(False))
    assert asyncio.run(go(True)) == 200  # the same connection is allowed with --allow-private


# -- one guard for every address: each spelling and range -------------------------------------------
NON_PUBLIC_ADDRS = [
    "0.0.0.0", "0.1.2.3", "::", "127.0.0.1", "127.255.0.1", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1",
    "169.254.169.254", "fe80::1", "fe80::1%eth0", "100.64.0.1", "100.127.255.254", "224.0.0.1", "239.1.2.3",
    "ff02::1", "240.0.0.1", "255.255.255.255", "198.18.0.1", "198.19.255.1", "192.0.0.8", "fc00::1",
    "fd12:3456::1", "fec0::1",
    # IPv4-mapped and -compatible IPv6
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
    "::10.0.0.1",
    # NAT64 (well-known prefix embedding a private v4; local-use prefix always)
    "64:ff9b::127.0.0.1", "64:ff9b::a00:1", "64:ff9b:1::1", "64:ff9b:1::8.8.8.8",
    # 6to4 embedding a private v4, Teredo
    "2002:7f00:1::1", "2002:a00:1::1", "2002:c0a8:101::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1",
    # benchmarking v6, discard
    "2001:2::1", "100::1",
]
PUBLIC_ADDRS = ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1",
                "203.0.113.10", "2001:db8::1"]  # documentation ranges: see the guard's docstring


@pytest.mark.parametrize("addr", NON_PUBLIC_ADDRS)
def test_non_public_forms(addr: str) -> None:
    assert not is_public_address(addr), non_public_reason(addr)


@pytest.mark.parametrize("addr", PUBLIC_ADDRS)
def test_public_forms(addr: str) -> None:
    assert is_public_address(addr)


@pytest.mark.parametrize("host,expected", [
    ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("0", "0.0.0.0"),
    ("017700000001", "127.0.0.1"), ("0xa.0.0.1", "10.0.0.1"), ("127.0.0.1.", "127.0.0.1"),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1"), ("8.8.8.8", "8.8.8.8"), ("example.org", None),
    ("256.1.1.1", None), ("1.2.3.4.5", None),
])
def test_ip_literal_spellings(host: str, expected: str | None) -> None:
    got = ip_literal(host)
    assert (str(got) if got is not None else None) == expected


NUMERIC_URLS = ["http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/", "http://0/",
                "http://0.0.0.0:8080/", "http://[::]/", "http://[::ffff:127.0.0.1]:1/", "http://[64:ff9b::7f00:1]/",
                "http://[2002:7f00:1::1]/", "http://100.64.1.1/", "http://169.254.169.254/latest/meta-data/",
                "https://[fe80::1]/", "http://224.0.0.1/", "http://198.18.0.1/"]


def _no_resolver(host: str, port: int) -> Any:
    raise AssertionError(f"the resolver was asked for {host}")


@pytest.mark.parametrize("url", NUMERIC_URLS)
def test_preflight_refuses_every_spelling_without_resolving(url: str) -> None:
    with pytest.raises(BlockedTarget, match="non-public"):
        asyncio.run(TargetGuard(allow_private=False, resolver=_no_resolver).check(url))


def test_invalid_numeric_hosts_are_invalid_urls() -> None:
    for bad in ("http://256.1.1.1/", "http://1.2.3.4.5/", "http://0x1ffffffff/"):
        with pytest.raises(InvalidURL):
            validate_url(bad)


def _fake_resolver(table: dict[str, list[str]]) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


@pytest.mark.parametrize("addrs", [["127.0.0.1"], ["8.8.8.8", "10.0.0.1"], ["::ffff:127.0.0.1"], ["100.64.0.1"],
                                   ["64:ff9b::a9fe:a9fe"], ["fe80::1"]])
def test_names_resolving_to_non_public_are_refused(addrs: list[str]) -> None:
    guard = TargetGuard(allow_private=False, resolver=_fake_resolver({"evil.example": addrs}))
    with pytest.raises(BlockedTarget, match="non-public"):
        asyncio.run(guard.check("http://evil.example/"))
    resolver = GuardedResolver(False, resolver=_fake_resolver({"evil.example": addrs}))
    with pytest.raises(OSError, match="non-public"):
        asyncio.run(resolver.resolve("evil.example", 80))


def test_names_resolving_to_public_pass_and_private_allowed_when_set() -> None:
    guard = TargetGuard(allow_private=False, resolver=_fake_resolver({"ok.example": ["8.8.8.8"]}))
    assert asyncio.run(guard.check("http://ok.example/")) == ["8.8.8.8"]
    loose = TargetGuard(allow_private=True, resolver=_no_resolver)
    assert asyncio.run(loose.check("http://2130706433:1/")) == ["127.0.0.1"]


def test_connect_time_numeric_spellings_refused_without_resolving() -> None:
    for host in ("2130706433", "0x7f.1", "127.1", "::ffff:127.0.0.1"):
        with pytest.raises(OSError, match="non-public"):
            asyncio.run(GuardedResolver(False, resolver=_no_resolver).resolve(host, 80))


@pytest.mark.parametrize("ep", ["garbage", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:0", "127.0.0.1:65536",
                                "127.0.0.1:http", "::1:80", "[::1]", "[::1]:x", "example.org:80", "2130706433:80",
                                "127.1:80", "0177.0.0.1:80", "1.2.3.4:80 ", "a" * 100])
def test_bad_endpoints_are_invalid(ep: str) -> None:
    with pytest.raises(InvalidURL):
        check_endpoint(ep, allow_private=True)


def test_endpoints_checked_by_the_guard() -> None:
    assert check_endpoint("8.8.8.8:443") == ("8.8.8.8", 443)
    assert check_endpoint("[2606:4700::1111]:443") == ("2606:4700::1111", 443)
    for ep in ("127.0.0.1:80", "[::ffff:127.0.0.1]:80", "[::1]:80", "10.0.0.1:22", "[64:ff9b::7f00:1]:80"):
        with pytest.raises(BlockedTarget):
            check_endpoint(ep)
    assert check_endpoint("127.0.0.1:80", allow_private=True) == ("127.0.0.1", 80)


def test_compare_bogons_are_the_guards() -> None:
    from presswatch.measure.compare import is_bogon

    for addr in NON_PUBLIC_ADDRS:
        assert is_bogon(addr), addr
    for addr in PUBLIC_ADDRS:
        assert not is_bogon(addr), addr
    assert not is_bogon("not an ip")
