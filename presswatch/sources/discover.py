"""Discovery: article URLs from RSS/Atom feeds (feedparser) and sitemaps (ultimate-sitemap-parser),
and feeds/sitemaps from a site's home page and robots.txt. Fetching goes through our fetcher (caps,
SSRF guard); robots.txt is honoured for discovery unless disabled, read by Protego (RFC 9309: the
longest matching rule wins, ``*`` and ``$`` patterns, Sitemap lines)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import html as lxml_html
from protego import Protego

from presswatch.fetch.client import Fetcher, FetchResult

__all__ = [
    "FEED_TYPES",
    "MAX_SITEMAPS",
    "discover_feed",
    "discover_site",
    "discover_sitemap",
    "Discovery",
    "parse_feed",
    "RobotsCache",
]

log = logging.getLogger(__name__)

MAX_SITEMAPS = 50
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")


@dataclass
class Discovery:
    articles: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _ok(res: FetchResult) -> bool:
    return res.error_reason is None and res.status == 200 and res.body is not None


def parse_feed(body: bytes, base_url: str) -> list[str]:
    """Article links of an RSS/Atom feed, in feed order. Malformed feeds yield what can be read."""
    parsed = feedparser.parse(body)
    links: list[str] = []
    for entry in parsed.entries:
        link = entry.get("link") or next(
            (lnk.get("href") for lnk in entry.get("links", []) if lnk.get("href")), None
        )
        if link:
            links.append(urljoin(base_url, link.strip()))
    if not links and getattr(parsed, "bozo", False):
        log.warning("feed.malformed", extra={"url": base_url, "error": str(parsed.get("bozo_exception"))})
    return links


class RobotsCache:
    def __init__(self, fetcher: Fetcher, respect: bool) -> None:
        self.fetcher = fetcher
        self.respect = respect
        self._parsers: dict[str, Protego | None] = {}

    async def parser(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._parsers:
            res = await self.fetcher.fetch(origin + "/robots.txt")
            rp: Protego | None = None
            if _ok(res):
                assert res.body is not None
                rp = Protego.parse(res.body.decode("utf-8", "replace"))
            self._parsers[origin] = rp
        return self._parsers[origin]

    async def allowed(self, url: str) -> bool:
        if not self.respect:
            return True
        rp = await self.parser(url)
        return True if rp is None else bool(rp.can_fetch(url, self.fetcher.settings.user_agent))

    async def sitemaps(self, url: str) -> list[str]:
        rp = await self.parser(url)
        return list(rp.sitemaps) if rp else []


async def discover_feed(fetcher: Fetcher, url: str) -> Discovery:
    out = Discovery()
    res = await fetcher.fetch(url)
    if not _ok(res):
        out.errors.append(f"{url}: {res.error or res.status}")
        return out
    assert res.body is not None
    out.articles = parse_feed(res.body, res.final_url or url)
    return out


async def discover_sitemap(fetcher: Fetcher, url: str) -> Discovery:
    """Pages of a sitemap, following sitemap indexes (bounded), incl. Google News sitemaps."""
    from usp.objects.sitemap import InvalidSitemap
    from usp.tree import sitemap_from_str

    out = Discovery()
    queue: list[str] = [url]
    seen: set[str] = set()
    while queue and len(seen) < MAX_SITEMAPS:
        sm_url = queue.pop(0)
        if sm_url in seen:
            continue
        seen.add(sm_url)
        res = await fetcher.fetch(sm_url)
        if not _ok(res):
            out.errors.append(f"{sm_url}: {res.error or res.status}")
            continue
        assert res.body is not None
        try:
            tree = sitemap_from_str(res.body.decode("utf-8", "replace"))
        except Exception as exc:  # noqa: BLE001 - third-party parser on hostile input
            out.errors.append(f"{sm_url}: unparseable sitemap: {exc}")
            continue
        out.sitemaps.append(sm_url)
        for page in tree.all_pages():
            out.articles.append(urljoin(sm_url, page.url))
        for sub in tree.all_sitemaps():
            if isinstance(sub, InvalidSitemap) and sub.url:
                queue.append(urljoin(sm_url, sub.url))
    return out


_FEED_HREF = re.compile(r"(rss|atom|feed)[^/]*\.xml$|/feed/?$", re.I)


async def discover_site(fetcher: Fetcher, url: str, robots: RobotsCache) -> Discovery:
    """Find a site's feeds and sitemaps (home page <link rel=alternate>, robots.txt, /sitemap.xml)."""
    out = Discovery()
    res = await fetcher.fetch(url)
    if not _ok(res):
        out.errors.append(f"{url}: {res.error or res.status}")
    else:
        assert res.body is not None
        base = res.final_url or url
        try:
            doc = lxml_html.fromstring(res.body)
            for link in doc.xpath("//link[@rel='alternate'][@href]"):
                if (link.get("type") or "").lower() in FEED_TYPES:
                    out.feeds.append(urljoin(base, link.get("href")))
            if not out.feeds:
                for a in doc.xpath("//a[@href]"):
                    href = a.get("href") or ""
                    if _FEED_HREF.search(href):
                        out.feeds.append(urljoin(base, href))
        except (ValueError, lxml_html.etree.ParserError) as exc:
            out.errors.append(f"{url}: unparseable home page: {exc}")
    out.sitemaps = await robots.sitemaps(url)
    if not out.sitemaps:
        parts = urlsplit(url)
        out.sitemaps = [f"{parts.scheme}://{parts.netloc}/sitemap.xml"]
    out.feeds = list(dict.fromkeys(out.feeds))
    return out
