"""A small asyncio HTTP/1.1 server (keep-alive, TLS optional) that plays a news outlet and its failures."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import random
import socket
import ssl
import struct
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from presswatch.clock import Clock, SystemClock
from presswatch.sim.site import bombs
from presswatch.sim.site.content import (
    REMOVAL_NOTICES,
    SECTION_NAMES,
    Article,
    make_article,
    paragraph,
    replacement_article,
    variant_b,
)
from presswatch.sim.site.content import headline as make_headline
from presswatch.sim.site.render import (
    Boiler,
    article_page,
    atom,
    etag_for,
    legal_451,
    listing_page,
    login_form,
    not_found_page,
    notice_page,
    robots,
    rss,
    sitemap_articles,
    sitemap_index,
    sitemap_news,
)

__all__ = ["HTML", "STATES", "Cached", "http_date", "Request", "Response", "SimSite", "Stream", "Writer"]

log = logging.getLogger(__name__)

STATES = (
    "normal",
    "edit-paragraph",
    "edit-headline",
    "churn",
    "ab",
    "delete-404",
    "delete-410",
    "soft-404",
    "redirect-home",
    "removal-notice",
    "content-replaced",
    "http-451",
    "geo-wall",
    "login-wall",
    "flaky-503",
    "timeout",
    "slow",
    "slowloris",
    "bad-encoding",
    "huge",
    "gzip-bomb",
    "brotli-bomb",
    "redirect-loop",
    "malformed-html",
    "bad-response",
    "connection-reset",
)
# States that take an article out of the home page, sections, feeds and sitemaps.
_UNLISTED = {"delete-404", "delete-410", "soft-404", "redirect-home"}
_REASONS = {
    200: "OK",
    206: "Partial Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
HTML = "text/html; charset=utf-8"

Writer = asyncio.StreamWriter
Stream = Callable[[Writer], Awaitable[None]]


def http_date(dt: datetime) -> str:
    return format_datetime(dt.replace(microsecond=0), usegmt=True)


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    def accepts_gzip(self) -> bool:
        for token in self.headers.get("accept-encoding", "").split(","):
            name, _, q = token.strip().partition(";")
            if name.strip().lower() in ("gzip", "*") and q.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00"):
                return True
        return False


@dataclass
class Cached:
    """Pre-rendered page bytes with their validators; the gzip form is made once on first need."""

    body: bytes
    last_modified: datetime
    content_type: str = HTML
    etag: str = ""
    _gz: bytes | None = None

    def __post_init__(self) -> None:
        self.etag = self.etag or etag_for(self.body)

    @property
    def gz(self) -> bytes:
        if self._gz is None:
            self._gz = gzip.compress(self.body, 6, mtime=0)
        return self._gz


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Stream | None = None  # writes the body after the head (Content-Length must be in headers)
    raw: Stream | None = None  # takes over the connection; nothing else is written
    close: bool = False


@dataclass
class _Scenario:
    state: str = "normal"
    params: dict[str, Any] = field(default_factory=dict)
    hits: int = 0


class SimSite:
    """A simulated news outlet on a real socket; scenarios switch per article with :meth:`set_state`."""

    def __init__(
        self,
        articles: int = 40,
        seed: int = 1,
        clock: Clock | None = None,
        ssl_context: ssl.SSLContext | None = None,
        unknown_urls: str = "404",
    ) -> None:
        if unknown_urls not in ("404", "soft-404"):
            raise ValueError("unknown_urls must be '404' or 'soft-404'")
        self.seed = seed
        self.clock: Clock = clock or SystemClock()
        self.ssl_context = ssl_context
        self.unknown_urls = unknown_urls
        self.requests_served = 0
        self.url = ""
        self._lock = threading.RLock()
        self._articles: list[Article] = []
        self._by_slug: dict[str, Article] = {}
        self._by_path: dict[str, Article] = {}
        self._originals: dict[str, Article] = {}
        self._scenarios: dict[str, _Scenario] = {}
        self._cache: dict[tuple[Any, ...], Cached] = {}
        self._listing_cache: dict[str, Cached] = {}
        self._pool_cache: list[Article] | None = None  # the "more stories" of every page, until a change
        self._changed_at = self.clock.now()
        rng = random.Random(f"presswatch-simsite-times:{seed}")
        when = self._changed_at - timedelta(minutes=rng.randint(5, 40))
        for _ in range(articles):
            self._add(when)
            when -= timedelta(minutes=rng.randint(15, 180))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- public API --------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> SimSite:
        """Serve in a background thread; returns once the socket is listening."""
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(
                        self._connection, host, port, ssl=self.ssl_context, limit=1 << 16, backlog=1024
                    )
                )
            except BaseException as exc:  # reported to the caller of start()
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="simsite", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            raise errors[0]
        assert self._server is not None
        bound = self._server.sockets[0].getsockname()
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        if ":" in shown:
            shown = f"[{shown}]"
        self.url = f"{'https' if self.ssl_context else 'http'}://{shown}:{bound[1]}"
        with self._lock:
            self._cache.clear()
            self._listing_cache.clear()
            self._pool_cache = None
        self.prerender()
        log.info("simsite serving %d articles at %s", len(self._articles), self.url)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            fut = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            with contextlib.suppress(Exception):
                fut.result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._loop = self._thread = self._server = None

    def __enter__(self) -> SimSite:
        if self._thread is None:
            self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def slugs(self) -> list[str]:
        with self._lock:
            return [a.slug for a in self._listed(all_=True)]

    def article_urls(self) -> list[str]:
        """Absolute URLs of all published articles, newest first."""
        with self._lock:
            return [f"{self.url}{a.path}" for a in self._listed(all_=True)]

    def article(self, slug: str) -> Article:
        """The current (possibly edited) article behind ``slug``."""
        with self._lock:
            return self._get(slug).copy()

    def publish(self, n: int = 1) -> list[str]:
        """Publish ``n`` new articles dated now; returns their absolute URLs."""
        with self._lock:
            now = self.clock.now()
            new = [self._add(now) for _ in range(n)]
            self._touch(now)
            for a in new:
                self._cached_article(a)
            return [f"{self.url}{a.path}" for a in new]

    def set_state(self, slug: str, state: str, **params: Any) -> None:
        """Switch the scenario served for ``slug`` (see the package docs for states and params)."""
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        with self._lock:
            art = self._get(slug)
            now = self.clock.now()
            if state == "normal" and params.get("revert"):
                orig = self._originals[slug].copy()
                orig.version = art.version + 1
                orig.modified = now
                self._replace(orig)
            elif state == "edit-paragraph":
                self._edit_paragraph(art, now, params)
            elif state == "edit-headline":
                title = params.get("title")
                if not title:
                    rng = random.Random(f"headline:{self.seed}:{slug}:{art.version}")
                    title = art.title
                    while title == art.title:
                        title = make_headline(rng, art.lang)[0]
                art.title = str(title)
                art.version += 1
                art.modified = now
            self._scenarios[slug] = _Scenario(state, dict(params))
            self._touch(now)

    def state(self, slug: str) -> tuple[str, dict[str, Any]]:
        with self._lock:
            sc = self._scenarios.get(slug, _Scenario())
            return sc.state, dict(sc.params)

    def prerender(self) -> None:
        """Render every normal article page (identity and gzip) so serving is only a memory copy."""
        with self._lock:
            for a in self._articles:
                self._cached_article(a).gz  # noqa: B018 — warm the gzip form

    # --- content bookkeeping -------------------------------------------------------------------------

    def _add(self, when: datetime) -> Article:
        art = make_article(self.seed, len(self._articles), when, taken=set(self._by_slug))
        self._articles.append(art)
        self._pool_cache = None
        self._by_slug[art.slug] = art
        self._by_path[art.path] = art
        self._originals[art.slug] = art.copy()
        return art

    def _replace(self, art: Article) -> None:
        old = self._by_slug[art.slug]
        self._articles[old.index] = art
        self._pool_cache = None
        self._by_slug[art.slug] = art
        self._by_path[art.path] = art

    def _get(self, slug: str) -> Article:
        try:
            return self._by_slug[slug]
        except KeyError:
            raise ValueError(f"no article with slug {slug!r}") from None

    def _touch(self, now: datetime) -> None:
        self._changed_at = now
        self._listing_cache.clear()
        self._pool_cache = None

    def _listed(self, all_: bool = False) -> list[Article]:
        arts = sorted(self._articles, key=lambda a: (a.published, a.index), reverse=True)
        if all_:
            return arts
        return [a for a in arts if self._scenarios.get(a.slug, _Scenario()).state not in _UNLISTED]

    def _edit_paragraph(self, art: Article, now: datetime, params: dict[str, Any]) -> None:
        rng = random.Random(f"edit:{self.seed}:{art.slug}:{art.version}")
        paras = art.paragraphs
        if params.get("add"):
            index = int(params.get("index", len(paras)))
            paras.insert(max(0, min(index, len(paras))), str(params.get("text") or paragraph(rng, art.lang)))
        elif params.get("remove"):
            if len(paras) <= 1:
                raise ValueError("cannot remove the only paragraph")
            del paras[max(0, min(int(params.get("index", 1)), len(paras) - 1))]
        else:
            index = max(0, min(int(params.get("index", 1)), len(paras) - 1))
            text = params.get("text")
            if not text:
                text = paras[index]
                while text == paras[index]:
                    text = paragraph(rng, art.lang)
            paras[index] = str(text)
        art.version += 1
        art.modified = now

    # --- rendering caches ----------------------------------------------------------------------------

    def _pool(self) -> list[Article]:
        """The newest listed articles (kept until the next change: sorting every article for each page
        rendered made the site, not the client, the bottleneck of a benchmark of 10,000 edited pages)."""
        if self._pool_cache is None:
            self._pool_cache = self._listed()[:60]
        return self._pool_cache

    def _cached_article(self, a: Article, variant: str = "A", **extra: Any) -> Cached:
        key = (a.slug, a.version, variant, tuple(sorted(extra.items())))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        boiler = Boiler.stable(f"{a.slug}:{variant}", a.modified)
        pool = self._pool()
        modified = a.modified
        if variant == "B":
            html = article_page(self.url, variant_b(a, self.seed), pool, boiler)
        elif variant == "replaced":
            html = article_page(self.url, replacement_article(a, self.seed), pool, boiler)
        elif variant == "notice":
            lang = extra["lang"]
            texts = REMOVAL_NOTICES[lang]
            text = texts[int(extra["wording"]) % len(texts)]
            body = f'<div class="pm-removed" lang="{lang}"><p class="pm-removed__text">{text}</p></div>'
            html = article_page(self.url, a, pool, boiler, body_html=body, canonical=False)
            modified = self._scenario_time(a)
        elif variant == "login":
            html = article_page(self.url, a, pool, boiler, body_html=login_form(self.url, a.path, boiler))
        else:
            html = article_page(self.url, a, pool, boiler)
        cached = Cached(html.encode("utf-8"), modified)
        self._cache[key] = cached
        return cached

    def _scenario_time(self, a: Article) -> datetime:
        return max(a.modified, self._changed_at)

    def _listing(self, name: str) -> Cached | None:
        hit = self._listing_cache.get(name)
        if hit is not None:
            return hit
        base, built = self.url, self._changed_at
        arts = self._listed()
        pool = arts[:60]
        boiler = Boiler.stable(f"listing:{name}", built)
        ctype = HTML
        if name == "/":
            text = listing_page(base, "Latest news", arts[:40], pool, boiler)
        elif name in ("/politics/", "/world/", "/economy/", "/society/", "/ru/"):
            sec = name.strip("/")
            items = [a for a in arts if a.section == sec][:40]
            text = listing_page(
                base, SECTION_NAMES[sec], items, pool, boiler, section=sec, lang="ru" if sec == "ru" else "en"
            )
        elif name == "/rss.xml":
            text, ctype = rss(base, arts[:50], built), "application/rss+xml; charset=utf-8"
        elif name == "/atom.xml":
            text, ctype = atom(base, arts[:50], built), "application/atom+xml; charset=utf-8"
        elif name == "/robots.txt":
            text, ctype = robots(base), "text/plain; charset=utf-8"
        elif name == "/sitemap.xml":
            text, ctype = sitemap_index(base, built), "application/xml; charset=utf-8"
        elif name == "/sitemap-news.xml":
            text, ctype = sitemap_news(base, arts[:1000]), "application/xml; charset=utf-8"
        elif name == "/sitemap-articles.xml":
            text, ctype = sitemap_articles(base, arts[:50000]), "application/xml; charset=utf-8"
        elif name == "404":
            text = not_found_page(base, pool, boiler)
        elif name == "/login":
            text = notice_page(
                base,
                "en",
                "Sign in",
                "Sign in to your Meridian Post account.",
                pool,
                boiler,
                login_form(base, "/", boiler),
            )
        else:
            return None
        cached = Cached(text.encode("utf-8"), built, ctype)
        self._listing_cache[name] = cached
        return cached

    # --- HTTP plumbing -------------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    async def _connection(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve_connection(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, TimeoutError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("simsite connection failed")
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError:
                writer.write(
                    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                    b"Connection: close\r\n\r\n"
                )
                await writer.drain()
                return
            except asyncio.IncompleteReadError:
                return
            req = _parse(head)
            if req is None:
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                await writer.drain()
                return
            length = int(req.headers.get("content-length", "0") or 0)
            if length:
                req.body = await reader.readexactly(length)
            self.requests_served += 1
            try:
                with self._lock:
                    resp = self._route(req)
            except Exception:
                log.exception("simsite failed on %s", req.target)
                resp = Response(500, [("Content-Type", "text/plain")], b"internal error\n")
            if resp.raw is not None:
                await resp.raw(writer)
                return
            conn = req.headers.get("connection", "").lower()
            keep = not resp.close and (conn == "keep-alive" if req.version == "HTTP/1.0" else conn != "close")
            if resp.stream is None and not any(k == "Content-Length" for k, _ in resp.headers):
                resp.headers.append(("Content-Length", str(len(resp.body))))
            lines = [
                f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}",
                f"Date: {http_date(self.clock.now())}",
                "Server: meridian/2.4",
            ]
            lines += [f"{k}: {v}" for k, v in resp.headers]
            lines.append("Connection: keep-alive" if keep else "Connection: close")
            out = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
            if req.method == "HEAD" or resp.status == 304:
                writer.write(out)
            elif resp.stream is not None:
                writer.write(out)
                await resp.stream(writer)
            else:
                writer.write(out + resp.body)
            await writer.drain()
            if not keep:
                return

    def _send(
        self, req: Request, c: Cached, status: int = 200, extra: Iterable[tuple[str, str]] = ()
    ) -> Response:
        """A cached page with validators, conditional requests and gzip."""
        gz = req.accepts_gzip()
        etag = c.etag[:-1] + '-gz"' if gz else c.etag
        headers = [
            ("Content-Type", c.content_type),
            ("ETag", etag),
            ("Last-Modified", http_date(c.last_modified)),
            ("Vary", "Accept-Encoding"),
            ("Cache-Control", "public, max-age=60"),
            *extra,
        ]
        if status == 200 and _not_modified(req, c, etag):
            return Response(304, headers)
        if gz:
            headers.append(("Content-Encoding", "gzip"))
            return Response(status, headers, c.gz)
        return Response(status, headers, c.body)

    def _route(self, req: Request) -> Response:
        path = req.path
        if path.startswith("/_sim/"):
            return self._control(req, path)
        if req.method not in ("GET", "HEAD"):
            return Response(
                405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")], b"method not allowed\n"
            )
        art = self._by_path.get(path)
        if art is not None:
            return self._article(req, art)
        listing = self._listing(path)
        if listing is not None:
            return self._send(req, listing)
        return self._not_found(req, 200 if self.unknown_urls == "soft-404" else 404)

    def _not_found(self, req: Request, status: int) -> Response:
        c = self._listing("404")
        assert c is not None
        return self._send(req, c, status)

    def _control(self, req: Request, path: str) -> Response:
        def reply(obj: Any, status: int = 200) -> Response:
            return Response(status, [("Content-Type", "application/json")], json.dumps(obj).encode())

        try:
            data = json.loads(req.body or b"{}") if req.method == "POST" else {}
            if path == "/_sim/state" and req.method == "POST":
                self.set_state(data["slug"], data.get("state", "normal"), **(data.get("params") or {}))
                return reply({"ok": True})
            if path == "/_sim/publish" and req.method == "POST":
                return reply({"urls": self.publish(int(data.get("n", 1)))})
            if path == "/_sim/articles":
                return reply({"urls": self.article_urls(), "slugs": self.slugs()})
            if path == "/_sim/stats":
                return reply({"requests_served": self.requests_served, "articles": len(self._articles)})
        except (ValueError, KeyError, TypeError) as exc:
            return reply({"error": str(exc)}, 400)
        return reply({"error": "unknown control endpoint"}, 404)

    # --- scenarios -----------------------------------------------------------------------------------

    def _article(self, req: Request, art: Article) -> Response:
        sc = self._scenarios.get(art.slug)
        if sc is None or sc.state in ("normal", "edit-paragraph", "edit-headline"):
            return self._send(req, self._cached_article(art))
        sc.hits += 1
        st, p = sc.state, sc.params
        if st == "churn":
            boiler = Boiler.churning(self.requests_served * 7919 + sc.hits, self.clock.now())
            html = article_page(self.url, art, self._pool(), boiler)
            return Response(200, [("Content-Type", HTML), ("Cache-Control", "no-cache")], html.encode())
        if st == "ab":
            return self._send(req, self._cached_article(art, "A" if sc.hits % 2 else "B"))
        if st in ("delete-404", "delete-410"):
            return self._not_found(req, 404 if st == "delete-404" else 410)
        if st == "soft-404":
            return self._not_found(req, 200)
        if st == "redirect-home":
            return Response(
                301,
                [("Location", f"{self.url}/"), ("Content-Type", HTML)],
                b"<html><body>Moved</body></html>",
            )
        if st == "removal-notice":
            lang = str(p.get("lang", art.lang))
            if lang not in REMOVAL_NOTICES:
                lang = "en"
            which = int(p.get("variant", sum(art.slug.encode()) % len(REMOVAL_NOTICES[lang])))
            return self._send(req, self._cached_article(art, "notice", lang=lang, wording=which))
        if st == "content-replaced":
            return self._send(req, self._cached_article(art, "replaced"))
        if st == "http-451":
            body = legal_451(self.url, art.path).encode()
            return Response(
                451, [("Content-Type", HTML), ("Link", f'<{self.url}/legal>; rel="blocked-by"')], body
            )
        if st == "geo-wall":
            boiler = Boiler.stable("geo", art.modified)
            text = notice_page(
                self.url,
                "en",
                "Not available in your region",
                "This content is not available in your country/region.",
                self._pool(),
                boiler,
            )
            return Response(int(p.get("status", 403)), [("Content-Type", HTML)], text.encode())
        if st == "login-wall":
            if p.get("redirect"):
                return Response(
                    302,
                    [
                        ("Location", f"{self.url}/login?next={quote(art.path, safe='')}"),
                        ("Content-Type", HTML),
                    ],
                    b"",
                )
            return self._send(req, self._cached_article(art, "login"))
        if st == "flaky-503":
            if sc.hits % max(1, int(p.get("every", 2))) == 0:
                return Response(
                    503,
                    [("Content-Type", HTML), ("Retry-After", "1")],
                    b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                )
            return self._send(req, self._cached_article(art))
        if st == "redirect-loop":
            n = int((req.query.get("n") or ["0"])[0]) + 1
            return Response(302, [("Location", f"{self.url}{art.path}?n={n}"), ("Content-Type", HTML)], b"")
        if st == "bad-encoding":
            return self._bad_encoding(art, p)
        if st == "malformed-html":
            return Response(200, [("Content-Type", HTML)], _malformed(art))
        return self._transport_scenario(art, st, p)

    def _bad_encoding(self, art: Article, p: dict[str, Any]) -> Response:
        ru = art
        i = 0
        while ru.lang != "ru":
            ru = make_article(self.seed + 1, 200_000 + i, art.published)
            i += 1
        ru = ru.copy()
        ru.slug = art.slug
        ru.published = art.published
        html = article_page(self.url, ru, self._pool(), Boiler.stable(f"enc:{art.slug}", art.modified))
        meta = '<meta charset="windows-1251">' if p.get("meta") else ""
        html = html.replace('<meta charset="utf-8">', meta, 1)
        ctype = "text/html" if p.get("missing") else HTML
        return Response(200, [("Content-Type", ctype)], html.encode("cp1251", errors="xmlcharrefreplace"))

    def _transport_scenario(self, art: Article, st: str, p: dict[str, Any]) -> Response:
        cached = self._cached_article(art)
        if st == "timeout":
            seconds = float(p.get("seconds", 60))

            async def hang(writer: Writer) -> None:
                await asyncio.sleep(seconds)

            return Response(0, raw=hang)
        if st in ("slow", "slowloris"):
            body = cached.body
            if st == "slow":
                rate = max(1, int(p.get("bytes_per_sec", 200)))
                step, pause = max(1, rate // 10), max(1, rate // 10) / rate
            else:
                step, pause = 1, float(p.get("interval", 1.0))

            async def dribble(writer: Writer) -> None:
                for i in range(0, len(body), step):
                    writer.write(body[i : i + step])
                    await writer.drain()
                    await asyncio.sleep(pause)

            return Response(200, [("Content-Type", HTML), ("Content-Length", str(len(body)))], stream=dribble)
        if st == "huge":
            total = int(float(p.get("mb", 60)) * 1024 * 1024)

            async def pour(writer: Writer) -> None:
                for chunk in bombs.huge_body(total):
                    writer.write(chunk)
                    await writer.drain()

            return Response(200, [("Content-Type", HTML), ("Content-Length", str(total))], stream=pour)
        if st in ("gzip-bomb", "brotli-bomb"):
            gb = float(p.get("gb", 5))
            if st == "gzip-bomb":
                layers = int(p.get("layers", 1))
                data, enc = bombs.gzip_bomb(gb, layers), ", ".join(["gzip"] * layers)
            else:
                data, enc = bombs.brotli_bomb(gb), "br"

            async def blast(writer: Writer) -> None:
                for i in range(0, len(data), 1 << 16):
                    writer.write(data[i : i + (1 << 16)])
                    await writer.drain()

            return Response(
                200,
                [("Content-Type", HTML), ("Content-Encoding", enc), ("Content-Length", str(len(data)))],
                stream=blast,
            )
        if st == "bad-response":
            mode = str(p.get("mode", "garbage"))
            payload = {
                "garbage": bytes(random.Random(art.slug).getrandbits(8) for _ in range(512)),
                "mid-headers": b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Le",
                "bad-status": b"HTTP/1.1 OK\r\nContent-Length: 5\r\n\r\nhello",
                "http09": b"<html><body>no status line, no headers</body></html>\n",
                "empty": b"",
            }.get(mode, b"\x00\xff garbage \x00")

            async def spew(writer: Writer) -> None:
                writer.write(payload)
                await writer.drain()

            return Response(0, raw=spew)
        if st == "connection-reset":

            async def reset(writer: Writer) -> None:
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()

            return Response(0, raw=reset)
        raise ValueError(f"unhandled state {st}")


def _parse(head: bytes) -> Request | None:
    try:
        text = head.decode("latin-1")
        first, _, rest = text.partition("\r\n")
        method, target, version = first.split(" ")
        headers: dict[str, str] = {}
        for line in rest.split("\r\n"):
            if line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        if not version.startswith("HTTP/"):
            return None
        return Request(method.upper(), target, version, headers)
    except ValueError:
        return None


def _not_modified(req: Request, c: Cached, etag: str) -> bool:
    inm = req.headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags or c.etag in tags
    ims = req.headers.get("if-modified-since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return c.last_modified.replace(microsecond=0) <= since
    return False


def _malformed(art: Article) -> bytes:
    """The article as broken HTML: unclosed and mismatched tags, stray ``<``, NULs, cut off mid-sentence."""
    p = art.paragraphs
    parts = [
        f"<html><head><title>{art.title}<body><div class=article><h1>{art.title}</h2>",
        f"<p>{p[0]}<p>{p[1] if len(p) > 1 else ''} < {art.lead}</div></div></span>\x00",
    ]
    for i, para in enumerate(p[2:], start=2):
        if i % 3 == 0:
            parts.append(f"<b><i>{para}</b></i>\x00")
        elif i % 3 == 1:
            parts.append(f"<table><tr><td>{para} <<p>")
        else:
            parts.append(f"<p class=x>{para} &c <  </p")
    text = "".join(parts)
    cut = text[: max(len(text) - 40, len(text) * 9 // 10)]
    return cut.encode("utf-8")
