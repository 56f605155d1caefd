"""Replay of archived pages, on an origin of its own.

Archived HTML is hostile content. It is served by this separate ASGI app (its own port: a different
origin, so no cookie of the web app is ever sent to it, and it reads none: :class:`_Hardened` drops
``Cookie`` and ``Authorization`` before any route runs). The app embeds it in
``<iframe sandbox="allow-scripts">`` (no ``allow-same-origin``), and every response carries a
Content-Security-Policy that lets the page load only from this replay origin (``'self'``: nothing from
the live web, no connection out), no plugin, no form post, no ``<base>``, framing only by the app
(``frame-ancestors``), and a CSP ``sandbox`` so that even opened on its own the page runs in an
opaque origin. The archived response's own headers are never passed on (only a sanitised
``Content-Type``): no CSP, Set-Cookie, HSTS, Refresh or Link of the archived site reaches the browser.

Routes:

``/c/{capture_id}``
    the capture replayed: HTML and CSS rewritten (:mod:`presswatch.web.rewrite`) so every link and
    subresource points at the archive's nearest capture of it, or at a placeholder that loads nothing;
    the page's scripts are kept, contained by the sandbox and the CSP.
``/c/{capture_id}/evidence``
    scripts, handlers, forms, meta refresh, frames and plugins removed entirely; CSP ``script-src 'none'``.
``/c/{capture_id}/raw``
    the stored WARC record (headers and payload) as ``text/plain``, with its digests, our SHA-256 of
    the stored bytes and the result of checking them.
``/w/{timestamp}/{url}``
    the capture of ``url`` nearest ``timestamp`` (14 digits, or a prefix of them), as pywb addresses it.

Since the replay origin reads no cookie, it knows no user: it serves only what an anonymous visitor
may see (:func:`~presswatch.publish.visibility.public_view`: captures of URLs and hosts that private or
redacted demands hide answer 404). The app hands a signed-in viewer a *signed link* instead
(:func:`replay_url`): every route above under ``/k/{token}/``, where the token is an expiring HMAC
(key ``DATA/replay.key``) that unlocks hidden captures until it expires; links inside a page replayed
that way keep the prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, urljoin

from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from presswatch.archive import check_record, read_record
from presswatch.archive.warc import StoredRecord
from presswatch.clock import as_utc, isoformat
from presswatch.errors import ArchiveError, FetchError
from presswatch.fetch.decode import decode_content
from presswatch.fetch.requisites import css_urls, is_html
from presswatch.publish.visibility import PublicView, public_view
from presswatch.record.models import Capture
from presswatch.web.rewrite import HtmlRewriter, Resolve, rewrite_css

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["CaptureStore", "Replayed", "create_replay_app", "parse_timestamp", "replay_csp", "replay_iframe",
           "replay_token", "replay_url", "timestamp", "token_valid"]

_MAX_RAW_SHOWN = 4 * 1024 * 1024
_CTYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-z0-9._:-]+)", re.I)
_FONT_TYPES = ("font/", "application/font", "application/x-font", "application/vnd.ms-fontobject")
_URL_SAFE = ":/?&=%;,+@!$'()*~[]"


def timestamp(dt: datetime) -> str:
    """The 14-digit replay timestamp (UTC) of a capture time."""
    return as_utc(dt).strftime("%Y%m%d%H%M%S")


def parse_timestamp(ts: str) -> datetime | None:
    """A 4-to-14-digit timestamp (pywb style; missing parts: the earliest) as UTC, or ``None``."""
    if not ts.isdigit() or not 4 <= len(ts) <= 14:
        return None
    full = ts + "00000101000000"[len(ts):]
    try:
        return datetime.strptime(full, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _key(core: Presswatch) -> bytes:
    """The replay links' HMAC key (``DATA/replay.key``, made on first use, readable by its owner only)."""
    path = core.data_dir / "replay.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    core.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def _mac(key: bytes, expires: int) -> str:
    digest = hmac.new(key, f"presswatch-replay:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii")


def replay_token(core: Presswatch, ttl: float = 3600.0) -> str:
    """A token that unlocks hidden captures on the replay origin for ``ttl`` seconds."""
    expires = int(core.clock.now().timestamp() + ttl)
    return f"{expires}.{_mac(_key(core), expires)}"


def token_valid(core: Presswatch, token: str) -> bool:
    """Is ``token`` one of ours and not expired?"""
    stamp, _, mac = token.partition(".")
    if not stamp.isdigit() or len(stamp) > 12:
        return False
    if int(stamp) < core.clock.now().timestamp():
        return False
    return hmac.compare_digest(mac, _mac(_key(core), int(stamp)))


def replay_url(core: Presswatch, capture_id: int, view: Literal["", "evidence", "raw"] = "",
               ttl: float = 3600.0) -> str:
    """The signed replay link of a capture for a signed-in viewer (hidden captures included)."""
    suffix = f"/{view}" if view else ""
    return f"{core.settings.replay_origin}/k/{replay_token(core, ttl)}/c/{capture_id}{suffix}"


def replay_iframe(src: str, title: str = "archived page", *, width: str = "100%", height: str = "800") -> str:
    """The one way the app embeds a replay: a sandboxed iframe that may run the archived page's scripts
    but never with an origin of its own (no ``allow-same-origin``), no popups, no top navigation,
    no forms; no referrer sent."""
    from html import escape

    return (f'<iframe sandbox="allow-scripts" referrerpolicy="no-referrer" src="{escape(src, quote=True)}" '
            f'title="{escape(title, quote=True)}" width="{escape(width, quote=True)}" '
            f'height="{escape(height, quote=True)}"></iframe>')


def replay_csp(origin: str, ancestors: Sequence[str], kind: str) -> str:
    """The Content-Security-Policy of a replay response. ``kind``: ``replay`` (archived scripts run,
    sandboxed), ``evidence`` (no script at all), ``static`` (our own text pages and errors)."""
    me = f"'self' {origin}"
    frame = " ".join(ancestors) if ancestors else "'none'"
    common = f"object-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors {frame}"
    if kind == "replay":
        return (f"default-src {me}; script-src {me} 'unsafe-inline' 'unsafe-eval'; style-src {me} 'unsafe-inline'; "
                f"img-src {me} data: blob:; font-src {me} data:; media-src {me} data: blob:; connect-src {me}; "
                f"worker-src 'none'; manifest-src 'none'; {common}; sandbox allow-scripts")
    if kind == "evidence":
        return (f"default-src {me}; script-src 'none'; style-src {me} 'unsafe-inline'; img-src {me} data:; "
                f"font-src {me} data:; media-src {me} data:; connect-src 'none'; frame-src 'none'; "
                f"worker-src 'none'; {common}; sandbox")
    return f"default-src 'none'; style-src 'unsafe-inline'; {common}; sandbox"


@dataclass(frozen=True)
class Replayed:
    """A capture as replay serves it: the archived status, media type and decoded payload."""

    capture: Capture
    status: int
    content_type: str | None
    location: str | None
    body: bytes


class CaptureStore:
    """Finding captures and reading their payloads (database index + WARC files)."""

    def __init__(self, core: Presswatch) -> None:
        self.core = core

    def get(self, capture_id: int) -> Capture | None:
        with self.core.db.session() as s:
            return s.get(Capture, capture_id)

    def nearest(self, url: str, when: datetime) -> Capture | None:
        """The response or revisit capture of ``url`` closest in time to ``when``."""
        with self.core.db.session() as s:
            for candidate in _variants(url):
                base = select(Capture).where(Capture.url == candidate,
                                             Capture.record_type.in_(("response", "revisit")))
                before = s.scalars(base.where(Capture.captured_at <= when)
                                   .order_by(Capture.captured_at.desc(), Capture.id.desc()).limit(1)).first()
                after = s.scalars(base.where(Capture.captured_at > when)
                                  .order_by(Capture.captured_at, Capture.id).limit(1)).first()
                found = [c for c in (before, after) if c is not None]
                if found:
                    return min(found, key=lambda c: abs((as_utc(c.captured_at) - when).total_seconds()))
        return None

    def held(self, urls: Iterable[str]) -> set[str]:
        """Which of ``urls`` the archive holds a capture of (one query per 500 URLs)."""
        wanted = {v: u for u in urls for v in _variants(u)}
        out: set[str] = set()
        keys = list(wanted)
        with self.core.db.session() as s:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                for (u,) in s.execute(select(Capture.url).where(
                        Capture.url.in_(chunk), Capture.record_type.in_(("response", "revisit"))).distinct()):
                    out.add(wanted[u])
        return out

    def record(self, cap: Capture) -> StoredRecord:
        return read_record(cap.pointer.read(self.core.data_dir))

    def payload_record(self, cap: Capture) -> StoredRecord:
        """The record holding ``cap``'s payload: itself, or for a revisit the response it refers to."""
        if cap.record_type != "revisit":
            return self.record(cap)
        with self.core.db.session() as s:
            orig = s.get(Capture, cap.refers_to_id) if cap.refers_to_id else None
            if orig is None:
                orig = s.scalars(select(Capture).where(Capture.payload_digest == cap.payload_digest,
                                                       Capture.record_type == "response")
                                 .order_by(Capture.id).limit(1)).first()
        if orig is None:
            raise ArchiveError(f"revisit capture {cap.id} refers to no stored response")
        return self.record(orig)

    def replayed(self, cap: Capture) -> Replayed:
        rec = self.record(cap)
        source = self.payload_record(cap) if cap.record_type == "revisit" else rec
        enc = _header(source.http_headers, "content-encoding")
        try:
            body = decode_content(source.payload, enc, self.core.settings.max_decoded_bytes)
        except FetchError:  # undecodable or over the cap: served as stored
            body = source.payload
        status = rec.http_status or cap.http_status or 200
        return Replayed(cap, status, _header(rec.http_headers, "content-type"),
                        _header(rec.http_headers, "location"), body)


def _variants(url: str) -> list[str]:
    """``url`` and, for a bare host, the same with/without the root slash."""
    out = [url]
    scheme, sep, rest = url.partition("://")
    if sep and "/" not in rest:
        out.append(url + "/")
    elif sep and rest.endswith("/") and rest.count("/") == 1:
        out.append(url[:-1])
    return out


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def _media_type(content_type: str | None) -> str:
    m = _CTYPE.match((content_type or "").strip().lower())
    return m.group(0) if m else "application/octet-stream"


def _charset(content_type: str | None) -> str | None:
    m = _CHARSET.search(content_type or "")
    return m.group(1).lower() if m else None


class _Hardened:
    """ASGI middleware: no credential reaches a route; every response carries the replay's safety headers.

    A route sets its own CSP; any response without one (errors, 404s) gets the strict static policy.
    """

    def __init__(self, app: ASGIApp, origin: str, ancestors: Sequence[str]) -> None:
        self.app = app
        self.static_csp = replay_csp(origin, ancestors, "static").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", [])
                                      if k.lower() not in (b"cookie", b"authorization")]}

        async def hardened_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"set-cookie"]
                names = {k.lower() for k, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.static_csp))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                            (b"cross-origin-opener-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, hardened_send)


_NOTHING_HIDDEN = PublicView(frozenset(), frozenset(), frozenset(), frozenset())


def _public(core: Presswatch) -> PublicView:
    """:func:`public_view`, without its walk over every watch when no demand hides anything (the same
    answer: with nothing unpublished no watch, URL or host is hidden)."""
    from presswatch.cases.demands import unpublished

    u = unpublished(core)
    if not (u.demand_ids or u.urls or u.watch_ids or u.hosts):
        return _NOTHING_HIDDEN
    return public_view(core)


@dataclass(frozen=True)
class _Access:
    """A request's access: the signed-link prefix it came through (``""``: none) and, without one,
    the public view that decides what it may see."""

    grant: str
    view: PublicView | None


class _Grants:
    """ASGI middleware: ``/k/{token}/…`` is ``/…`` with hidden captures unlocked (403 for a bad token)."""

    def __init__(self, app: ASGIApp, core: Presswatch, csp: str) -> None:
        self.app = app
        self.core = core
        self.csp = csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/k/"):
            await self.app(scope, receive, send)
            return
        token, _, rest = path[3:].partition("/")
        if not token_valid(self.core, token):
            await PlainTextResponse("this replay link is invalid or has expired", 403,
                                    headers={"Content-Security-Policy": self.csp})(scope, receive, send)
            return
        prefix = f"/k/{token}"
        raw = scope.get("raw_path") or path.encode()
        scope = {**scope, "path": "/" + rest, "raw_path": raw[len(prefix):] if raw.startswith(prefix.encode())
                 else ("/" + rest).encode(), "presswatch.grant": prefix}
        await self.app(scope, receive, send)


def create_replay_app(core: Presswatch, *, frame_ancestors: Sequence[str] = ()) -> ASGIApp:
    """The replay origin's ASGI app. Its own public origin is ``settings.replay_origin``; it may be
    framed by ``settings.app_origin`` and by ``frame_ancestors``."""
    settings = core.settings
    origin = settings.replay_origin
    ancestors = list(dict.fromkeys([settings.app_origin, *frame_ancestors]))
    csp = {kind: replay_csp(origin, ancestors, kind) for kind in ("replay", "evidence", "static")}
    store = CaptureStore(core)

    def text(body: str, status: int = 200) -> Response:
        return PlainTextResponse(body, status_code=status, headers={"Content-Security-Policy": csp["static"]})

    def resolver(cap: Capture, urls: Iterable[str], access: _Access) -> Resolve:
        held = store.held(urls)
        grant = access.grant
        if access.view is not None:
            view = access.view
            held = {u for u in held if view.target_visible("url", u)}
        ts = timestamp(cap.captured_at)

        def resolve(url: str) -> str | None:
            return f"{grant}/w/{ts}/{quote(url, safe=_URL_SAFE)}" if url in held else None

        return resolve

    def serve(cap: Capture, kind: str, access: _Access) -> Response:
        try:
            rep = store.replayed(cap)
        except ArchiveError as exc:
            return text(f"capture {cap.id} cannot be read: {exc}", 500)
        headers = {"Content-Security-Policy": csp[kind], "Memento-Datetime": _http_date(cap.captured_at),
                   "Cache-Control": "no-store", "X-Presswatch-Capture": str(cap.id)}
        status = rep.status if 200 <= rep.status < 600 and rep.status not in (204, 304) else 200
        if 300 <= status < 400:
            if rep.location:
                target = urljoin(cap.url, rep.location.strip())
                location = resolver(cap, [target], access)(target)
                if location:
                    return RedirectResponse(location, 302, headers=headers)
                return text(f"archived redirect ({rep.status}) to a page the archive does not hold:\n{target}\n")
            status = 200
        media = _media_type(rep.content_type)
        if is_html(media) or (media == "application/octet-stream" and rep.body.lstrip()[:1] == b"<"):
            page = HtmlRewriter(rep.body, rep.content_type, cap.url)
            body = page.render(resolver(cap, page.urls(), access), evidence=kind == "evidence")
            return Response(body, status, headers=headers, media_type="text/html; charset=utf-8")
        if kind == "evidence":
            return text("the evidence view shows HTML pages; this capture is " + media, 415)
        if media == "text/css":
            css = rep.body.decode(_charset(rep.content_type) or "utf-8", "replace")
            body = rewrite_css(css, cap.url, resolver(cap, css_urls(css, cap.url), access)).encode("utf-8")
            return Response(body, status, headers=headers, media_type="text/css; charset=utf-8")
        if media.startswith(_FONT_TYPES) or (media == "application/octet-stream" and cap.url.lower().split("?")[0]
                                              .endswith((".woff", ".woff2", ".ttf", ".otf", ".eot"))):
            headers["Access-Control-Allow-Origin"] = "*"  # fonts load in CORS mode from the sandboxed page
        charset = _charset(rep.content_type)
        ctype = f"{media}; charset={charset}" if charset and media.startswith("text/") else media
        return Response(rep.body, status, headers=headers, media_type=ctype)

    def access(request: Request) -> _Access:
        """Who may see what, computed once per request (the public view reads every watch)."""
        got = getattr(request.state, "access", None)
        if got is None:
            grant = str(request.scope.get("presswatch.grant", ""))
            got = request.state.access = _Access(grant, None if grant else _public(core))
        return got

    def hidden(request: Request, url: str) -> bool:
        got = access(request)
        if not got.grant and not settings.public_read:
            return True  # no public reading: only the app's signed links replay anything
        return got.view is not None and not got.view.target_visible("url", url)

    def capture_or_404(request: Request) -> Capture | Response:
        cap = store.get(int(request.path_params["capture_id"]))
        if cap is None or cap.record_type not in ("response", "revisit") or hidden(request, cap.url):
            return text("no such capture", 404)
        return cap

    def replay(request: Request) -> Response:
        cap = capture_or_404(request)
        return cap if isinstance(cap, Response) else serve(cap, "replay", access(request))

    def evidence(request: Request) -> Response:
        cap = capture_or_404(request)
        return cap if isinstance(cap, Response) else serve(cap, "evidence", access(request))

    def raw(request: Request) -> Response:
        cap = capture_or_404(request)
        if isinstance(cap, Response):
            return cap
        try:
            stored = cap.pointer.read(core.data_dir)
        except ArchiveError as exc:
            return text(f"capture {cap.id} cannot be read: {exc}", 500)
        checked = check_record(stored, payload_digest=cap.payload_digest, block_digest=cap.block_digest,
                               record_id=cap.record_id, url=cap.url)
        try:
            plain = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(stored, _MAX_RAW_SHOWN)
        except zlib.error:
            plain = stored[:_MAX_RAW_SHOWN]
        lines = [
            f"presswatch capture {cap.id}: {cap.record_type} record of {cap.url}",
            f"captured at: {isoformat(cap.captured_at)}",
            f"stored at: {cap.pointer} ({cap.length} bytes)",
            f"WARC-Record-ID: {checked.info.record_id or cap.record_id}",
            f"WARC-Payload-Digest: {checked.info.payload_digest or cap.payload_digest}",
            f"WARC-Block-Digest: {checked.info.block_digest or cap.block_digest or '-'}",
            f"sha256 of the stored record: {checked.sha256}",
            "check: " + ("intact (digests recomputed and match)" if checked.ok else "; ".join(checked.problems)),
            "",
            "-" * 72,
            "",
        ]
        body = "\n".join(lines) + plain.decode("utf-8", "replace")
        if len(plain) >= _MAX_RAW_SHOWN:
            body += f"\n\n[… shown up to {_MAX_RAW_SHOWN} bytes of the record]\n"
        return text(body)

    def wayback(request: Request) -> Response:
        when = parse_timestamp(request.path_params["ts"])
        if when is None:
            return text("timestamp: 4 to 14 digits, YYYYMMDDhhmmss", 400)
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        prefix = f"/w/{request.path_params['ts']}/".encode()
        url = raw_path.decode("latin-1")[len(prefix):] if raw_path.startswith(prefix) else request.path_params["url"]
        query = request.url.query
        if query:
            url += "?" + query
        cap = store.nearest(url, when)
        if cap is None or hidden(request, cap.url):
            return text(f"not in the archive: {url}", 404)
        return serve(cap, "replay", access(request))

    def index(request: Request) -> Response:
        return text("presswatch replay origin\n/c/{capture_id}  /c/{capture_id}/evidence  /c/{capture_id}/raw  "
                    "/w/{timestamp}/{url}\n")

    app = Starlette(routes=[
        Route("/", index),
        Route("/c/{capture_id:int}", replay),
        Route("/c/{capture_id:int}/evidence", evidence),
        Route("/c/{capture_id:int}/raw", raw),
        Route("/w/{ts}/{url:path}", wayback),
    ])
    return _Hardened(_Grants(app, core, csp["static"]), origin, ancestors)


def _http_date(dt: datetime) -> str:
    return as_utc(dt).strftime("%a, %d %b %Y %H:%M:%S GMT")

