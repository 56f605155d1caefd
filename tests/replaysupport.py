"""A tiny origin site for the replay and requisites tests: fixed pages, counted hits (127.0.0.1)."""

from __future__ import annotations

import contextlib
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A solid-colour PNG of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = png(37, 11)  # natural width 37: what the browser test looks for
WOFF2 = b"wOF2" + bytes(60)  # not a usable font; enough to be archived and served


def article_html(version: int = 1, extra: str = "") -> bytes:
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8><title>Article {version}</title>
<link rel=stylesheet href="/static/site.css">
<style>.banner{{background-image:url(/static/bg.png)}}</style>
<script src="/static/app.js"></script></head>
<body><article><h1 id=headline>Minister resigns</h1>
<img id=photo src="/static/photo.png" srcset="/static/photo.png 1x, /static/photo2.png 2x" alt=photo>
<p class=lead>Текст статьи, version {version}. The minister resigned on Tuesday after the report.</p>
<p>Second paragraph with enough words to be the body of an article for the extractor to keep it.</p>
<p><a id=other href="/other">another article</a> <a id=gone href="/never-archived">unarchived</a></p>
{extra}</article></body></html>""".encode()


CSS = b"""@import "/static/extra.css";
@font-face { font-family: Site; src: url("/static/site.woff2") format("woff2"); }
h1#headline { color: rgb(1, 2, 3); font-family: Site, sans-serif; }
"""
EXTRA_CSS = b"p.lead { color: rgb(4, 5, 6); }"


class Site:
    """Pages by path (status, headers, body); ``hits[path]`` counts requests. ``stop()`` closes it."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                with site._lock:
                    site.hits[self.path] = site.hits.get(self.path, 0) + 1
                    page = site.pages.get(self.path)
                status, headers, body = page or (404, [("Content-Type", "text/html")], b"<h1>Not found</h1>")
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        self.running = True

    def page(self, path: str, body: bytes, ctype: str = "text/html; charset=utf-8", status: int = 200,
             headers: list[tuple[str, str]] | None = None) -> str:
        self.pages[path] = (status, [("Content-Type", ctype), *(headers or [])], body)
        return self.base + path

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.server.shutdown()
            self.server.server_close()

    def requisite_hits(self) -> int:
        return sum(n for p, n in self.hits.items() if p.startswith("/static/"))


def article_site(site: Site, version: int = 1, extra: str = "", headers: list[tuple[str, str]] | None = None) -> str:
    """The article and its requisites on ``site``; the article's URL."""
    site.page("/static/site.css", CSS, "text/css")
    site.page("/static/extra.css", EXTRA_CSS, "text/css")
    site.page("/static/site.woff2", WOFF2, "font/woff2")
    site.page("/static/photo.png", PNG, "image/png")
    site.page("/static/photo2.png", PNG, "image/png")
    site.page("/static/bg.png", PNG, "image/png")
    site.page("/static/app.js", b"window.appLoaded = true;", "text/javascript")
    site.page("/other", b"<!doctype html><title>Other</title><h1>Other article</h1><p>Other text.</p>")
    return site.page("/news/minister", article_html(version, extra), headers=headers)


@contextlib.contextmanager
def running_site() -> Iterator[Site]:
    site = Site()
    try:
        yield site
    finally:
        site.stop()
