"""Page requisites: the images, stylesheets and fonts an archived page needs to look as it did.

After a page whose body is new is archived, :func:`capture_requisites` finds what it embeds
(:func:`requisite_urls`: ``img``/``srcset``, stylesheets, icons, preloads, ``url()`` in styles; then
``url()``/``@import`` inside each fetched stylesheet, fonts included), fetches them through the same
:class:`~presswatch.fetch.client.Fetcher` (so each URL passes the one SSRF guard and the same per-host
politeness), bounded in count and bytes, and writes each exchange as WARC records whose response
carries ``WARC-Concurrent-To`` naming the page's response record. Indexing them (``Capture`` rows)
is the caller's job, in the same transaction as the page's observation.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from presswatch.archive.warc import CaptureRef, PriorPayload, WarcArchive
from presswatch.errors import BlockedTarget, InvalidURL
from presswatch.fetch.client import Fetcher, FetchResult

__all__ = [
    "CSS_URL",
    "RequisiteFetch",
    "absolute",
    "archive_requisites",
    "capture_requisites",
    "css_urls",
    "fetch_requisites",
    "is_html",
    "requisite_urls",
    "split_srcset",
    "wants_requisites",
]

log = logging.getLogger(__name__)

#: ``url(...)`` (quoted or not) and ``@import "..."`` in CSS; group ``u`` or ``i`` holds the URL.
CSS_URL = re.compile(
    r"""url\(\s*(?P<q>['"]?)(?P<u>[^'")]*?)(?P=q)\s*\)|@import\s+(?P<iq>['"])(?P<i>[^'"]+)(?P=iq)""",
    re.IGNORECASE,
)
_STYLE_LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload"}
_PRELOAD_AS = {"style", "image", "font"}
_ACCEPT = {"Accept": "image/avif,image/webp,image/*,text/css,font/*,*/*;q=0.8"}


def is_html(content_type: str | None) -> bool:
    ct = (content_type or "").split(";", 1)[0].strip().lower()
    return ct in ("text/html", "application/xhtml+xml")


def absolute(base: str, ref: str) -> str | None:
    """``ref`` resolved against ``base``, fragment dropped; ``None`` unless it is http(s)."""
    ref = ref.strip()
    if not ref or ref.startswith("#"):
        return None
    try:
        url = urldefrag(urljoin(base, ref))[0]
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def split_srcset(value: str) -> list[tuple[str, str]]:
    """``srcset`` candidates as ``(url, descriptor)`` pairs (descriptor ``""`` when absent), as the
    HTML standard splits them: a URL runs to whitespace; a trailing comma ends a candidate."""
    out: list[tuple[str, str]] = []
    s, pos, n = value or "", 0, len(value or "")
    while pos < n:
        while pos < n and (s[pos].isspace() or s[pos] == ","):
            pos += 1
        start = pos
        while pos < n and not s[pos].isspace():
            pos += 1
        url, desc = s[start:pos], ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            end = s.find(",", pos)
            end = n if end == -1 else end
            desc, pos = s[pos:end].strip(), end + 1
        if url:
            out.append((url, desc))
    return out


def css_urls(text: str, base: str) -> list[str]:
    """Absolute http(s) URLs that CSS text loads (``url()`` and ``@import``), in order, once each."""
    seen: dict[str, None] = {}
    for m in CSS_URL.finditer(text):
        ref = m.group("u") if m.group("u") is not None else m.group("i")
        if ref and not ref.lower().startswith("data:"):
            url = absolute(base, ref)
            if url:
                seen.setdefault(url, None)
    return list(seen)


def requisite_urls(body: bytes, base_url: str) -> list[str]:
    """What an HTML page embeds for its looks (images, stylesheets, icons, font/style/image preloads,
    ``url()`` in styles), absolute, in document order, once each. Scripts and frames are not requisites."""
    try:
        doc = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return []
    base = base_url
    for b in doc.iter("base"):
        if b.get("href"):
            base = urljoin(base_url, b.get("href", ""))
            break
    seen: dict[str, None] = {}

    def add(ref: str | None) -> None:
        if ref and not ref.strip().lower().startswith("data:"):
            url = absolute(base, ref)
            if url:
                seen.setdefault(url, None)

    for el in doc.iter(etree.Element):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "img" or (tag == "input" and (el.get("type") or "").lower() == "image"):
            add(el.get("src"))
        if tag in ("img", "source"):
            for ref, _ in split_srcset(el.get("srcset") or ""):
                add(ref)
        if tag == "video":
            add(el.get("poster"))
        if tag == "link":
            rels = set((el.get("rel") or "").lower().split())
            if rels & _STYLE_LINK_RELS and ("preload" not in rels or (el.get("as") or "").lower() in _PRELOAD_AS):
                add(el.get("href"))
                for ref, _ in split_srcset(el.get("imagesrcset") or ""):
                    add(ref)
        if tag == "style" and el.text:
            for url in css_urls(el.text, base):
                seen.setdefault(url, None)
        style = el.get("style")
        if style:
            for url in css_urls(style, base):
                seen.setdefault(url, None)
    return list(seen)


def wants_requisites(*, enabled: bool, http_status: int | None, content_type: str | None,
                     record_type: str | None, new_body: bool) -> bool:
    """Fetch requisites only for a successful HTML page whose body is new (never on unchanged rechecks)."""
    return (enabled and new_body and record_type == "response" and http_status is not None
            and 200 <= http_status < 300 and is_html(content_type))


@dataclass
class RequisiteFetch:
    """What :func:`fetch_requisites` fetched, and what it left out (refused targets, over the bounds)."""

    results: list[FetchResult] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    bytes: int = 0


async def fetch_requisites(fetcher: Fetcher, urls: Iterable[str], *, max_count: int, max_bytes: int,
                           concurrency: int = 4, fresh: Callable[[list[str]], set[str]] | None = None
                           ) -> RequisiteFetch:
    """Fetch ``urls`` (and what fetched stylesheets load, one level of ``@import``/``url()`` deeper),
    at most ``max_count`` URLs and ``max_bytes`` wire bytes in all. Each fetch goes through the
    fetcher: the SSRF guard refuses a target before any connection (listed in ``refused``). URLs that
    ``fresh(urls)`` names (archived recently enough: a site's shared stylesheet, logo, fonts) are not
    fetched again (listed in ``skipped``); it runs in a thread."""
    out = RequisiteFetch()
    queue: dict[str, int] = {u: 0 for u in urls}  # url -> depth
    done: set[str] = set()
    tried = 0
    slots = asyncio.Semaphore(max(1, concurrency))

    async def one(url: str) -> FetchResult | None:
        async with slots:
            try:
                return await fetcher.fetch(url, extra_headers=_ACCEPT)
            except (BlockedTarget, InvalidURL) as exc:
                out.refused.append(url)
                log.info("requisite.refused", extra={"url": url, "error": str(exc)})
                return None

    while queue:
        batch = []
        recent = await asyncio.to_thread(fresh, list(queue)) if fresh is not None else set()
        for url, depth in list(queue.items()):
            del queue[url]
            if url in done:
                continue
            done.add(url)
            if url in recent or tried >= max_count or out.bytes >= max_bytes:
                out.skipped.append(url)
                continue
            tried += 1
            batch.append((url, depth))
        results = await asyncio.gather(*(one(u) for u, _ in batch))
        for (_url, depth), res in zip(batch, results, strict=True):
            if res is None or not res.hops:
                continue
            size = sum(len(h.raw_body) for h in res.hops)
            if out.bytes + size > max_bytes:
                out.skipped.append(res.url)
                continue
            out.bytes += size
            out.results.append(res)
            final = res.final
            ctype = (final.header("content-type") or "").lower() if final else ""
            if depth == 0 and res.body and "text/css" in ctype and res.final_url:
                css = res.body.decode("utf-8", "replace")
                for sub in css_urls(css, res.final_url):
                    if sub not in done:
                        queue.setdefault(sub, depth + 1)
    return out


def archive_requisites(archive: WarcArchive, fetched: Iterable[FetchResult], *, page_record_id: str,
                       vantage: str, known: Callable[[str], Mapping[str, PriorPayload]] | None = None
                       ) -> list[CaptureRef]:
    """Write every hop of every fetched requisite (``WARC-Concurrent-To``: the page's response record);
    a payload already archived for that URL (``known(url)``) becomes a revisit. Blocking: run in a thread."""
    refs = []
    for res in fetched:
        for hop in res.hops:
            refs.append(archive.write_exchange(
                hop.url, request_headers=hop.request_headers, http_status=hop.status, http_reason=hop.reason,
                response_headers=hop.response_headers, body=hop.raw_body, captured_at=hop.fetched_at, ip=hop.ip,
                vantage=vantage, http_version=hop.http_version or "HTTP/1.1",
                known=known(hop.url) if known is not None else None,
                extra_headers={"WARC-Concurrent-To": page_record_id},
            ))
    return refs


async def capture_requisites(fetcher: Fetcher, archive: WarcArchive, *, page_url: str, body: bytes,
                             page_record_id: str, vantage: str, max_count: int, max_bytes: int,
                             known: Callable[[str], Mapping[str, PriorPayload]] | None = None,
                             fresh: Callable[[list[str]], set[str]] | None = None) -> list[CaptureRef]:
    """Find, fetch and archive the requisites of one page (see the module docstring); the records written."""
    urls = requisite_urls(body, page_url)
    if not urls:
        return []
    fetched = await fetch_requisites(fetcher, urls, max_count=max_count, max_bytes=max_bytes, fresh=fresh)
    refs = await asyncio.to_thread(archive_requisites, archive, fetched.results, page_record_id=page_record_id,
                                   vantage=vantage, known=known)
    log.info("requisites", extra={"url": page_url, "found": len(urls), "archived": len(refs),
                                  "refused": len(fetched.refused), "skipped": len(fetched.skipped),
                                  "bytes": fetched.bytes})
    return refs
