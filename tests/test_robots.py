"""robots.txt is read with Protego: RFC 9309 rules the standard library's robotparser gets wrong."""

from __future__ import annotations

import asyncio
import urllib.robotparser
from types import SimpleNamespace
from typing import Any

from presswatch.sources.discover import RobotsCache

ROBOTS = """\
User-agent: *
Disallow: /private
Allow: /private/press-releases
Disallow: /*.pdf$
Disallow: /*?print=

Sitemap: https://news.test/sitemap.xml
Sitemap: https://news.test/news-sitemap.xml
"""


class _Fetcher:
    settings = SimpleNamespace(user_agent="presswatch-test")

    def __init__(self, body: str | None) -> None:
        self.body = body
        self.fetched: list[str] = []

    async def fetch(self, url: str) -> Any:
        self.fetched.append(url)
        if self.body is None:
            return SimpleNamespace(error_reason=None, status=404, body=b"")
        return SimpleNamespace(error_reason=None, status=200, body=self.body.encode())


def _allowed(cache: RobotsCache, url: str) -> bool:
    return asyncio.run(cache.allowed(url))


def test_longest_match_wildcards_and_end_anchor():
    cache = RobotsCache(_Fetcher(ROBOTS), respect=True)  # type: ignore[arg-type]
    assert _allowed(cache, "https://news.test/private/press-releases/2026/statement")  # longer Allow wins
    assert not _allowed(cache, "https://news.test/private/drafts")
    assert not _allowed(cache, "https://news.test/files/report.pdf")  # "*" and "$"
    assert _allowed(cache, "https://news.test/files/report.pdf?download=1")  # "$" anchors the end
    assert not _allowed(cache, "https://news.test/2026/article?print=1")
    assert _allowed(cache, "https://news.test/2026/article")
    assert cache.fetcher.fetched == ["https://news.test/robots.txt"]  # type: ignore[attr-defined]  # once per origin
    assert asyncio.run(cache.sitemaps("https://news.test/x")) == [
        "https://news.test/sitemap.xml", "https://news.test/news-sitemap.xml",
    ]  # fmt: skip


def test_the_standard_library_gets_these_wrong():
    rp = urllib.robotparser.RobotFileParser()
    rp.parse(ROBOTS.splitlines())
    assert not rp.can_fetch("presswatch-test", "https://news.test/private/press-releases/2026/statement")
    assert rp.can_fetch("presswatch-test", "https://news.test/files/report.pdf")


def test_missing_robots_or_not_respected_allows_everything():
    assert _allowed(RobotsCache(_Fetcher(None), respect=True), "https://news.test/private/x")  # type: ignore[arg-type]
    assert _allowed(RobotsCache(_Fetcher(ROBOTS), respect=False), "https://news.test/private/x")  # type: ignore[arg-type]
    assert asyncio.run(RobotsCache(_Fetcher(None), respect=True).sitemaps("https://news.test/")) == []  # type: ignore[arg-type]
