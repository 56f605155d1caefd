"""The web application: one FastAPI app serving the pages, the JSON API (OpenAPI at /docs, its assets served
locally), the probe API and the static files, a thin shell over the core.

Every request body is capped (:class:`BodyLimit`, ``Settings.max_request_bytes``) before any route reads
it; :class:`~presswatch.web.auth.AuthMiddleware` says who is asking; every page and route authorizes
against that principal and filters what it reads through :mod:`presswatch.web.queries`; the read API's
answers are repeated until the next commit (:class:`~presswatch.web.answers.AnswerCache`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from presswatch import __version__
from presswatch.core import Presswatch
from presswatch.errors import NotFound

__all__ = ["DEFAULT_MAX_REQUEST_BYTES", "STATIC_DIR", "BodyLimit", "create_app"]

STATIC_DIR = Path(__file__).parent / "static"


DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024


class _TooLarge(StarletteHTTPException):
    """Raised from ``receive``: an HTTP exception, so the framework's body parsing passes it on as a 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body larger than {max_bytes} bytes")


class BodyLimit:
    """ASGI middleware: 413 for a request whose body exceeds ``max_bytes``.

    A declared ``Content-Length`` above the limit (or not a number) is refused before a byte of the body is
    read; a body without one (chunked) is counted as it streams and refused as soon as it passes the limit,
    so no route ever buffers more than ``max_bytes``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send, scope: Scope | None = None) -> None:
        message = f"request body larger than {self.max_bytes} bytes"
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
        path = str((scope or {}).get("path", ""))
        accept = dict((scope or {}).get("headers", [])).get(b"accept", b"")
        if b"text/html" in accept and not path.startswith("/api/"):  # a form posted from a page
            kind = b"text/html; charset=utf-8"
            body = ("<!doctype html><meta charset=utf-8><title>413</title><h1>Too large</h1>"
                    f"<p>The upload is larger than {self.max_bytes // 1024} KiB; nothing was recorded. "
                    "Go back and attach a smaller file.</p>").encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                if not value.strip().isdigit() or int(value) > self.max_bytes:
                    await self._refuse(send, scope)
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if seen > self.max_bytes:  # stop the server from draining the rest of the body
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(send, scope)


def _docs_assets() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def create_app(core: Presswatch) -> FastAPI:
    """The whole web application over ``core``."""
    from presswatch.probes.server import probe_router
    from presswatch.publish.feeds import feeds_router
    from presswatch.web.answers import AnswerCache
    from presswatch.web.api import api_router
    from presswatch.web.auth import AuthMiddleware
    from presswatch.web.pages import page_router, render_error
    from presswatch.web.reports_api import report_api_router
    from presswatch.web.reports_pages import report_page_router
    from presswatch.web.settings_pages import settings_router

    app = FastAPI(title="presswatch", version=__version__, docs_url=None, redoc_url=None,
                  description="Censorship observatory for online news: watches, observations, captures, versions, "
                  "diffs, events, demands, incidents, measurements, probes. Sign in on the web pages (session "
                  "cookie plus X-CSRF-Token for writes) or send `Authorization: Bearer <API token>` "
                  "(`presswatch user token NAME`).")
    app.state.core = core
    app.include_router(probe_router(core))
    app.include_router(api_router(core))
    app.include_router(feeds_router(core))
    app.include_router(page_router(core))
    app.include_router(settings_router(core))
    app.include_router(report_api_router(core))
    app.include_router(report_page_router(core))
    app.mount("/static/docs", StaticFiles(directory=_docs_assets()), name="docs-static")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(AnswerCache, core=core)  # inside AuthMiddleware: it reads the principal
    app.add_middleware(AuthMiddleware, core=core)
    app.add_middleware(BodyLimit, max_bytes=core.settings.max_request_bytes)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        core.db.ping()
        return {"ok": True, "version": __version__}

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="presswatch API",
                                   swagger_js_url="/static/docs/swagger-ui-bundle.js",
                                   swagger_css_url="/static/docs/swagger-ui.css",
                                   swagger_favicon_url="/static/docs/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title="presswatch API",
                              redoc_js_url="/static/docs/redoc.standalone.js",
                              redoc_favicon_url="/static/docs/favicon.png", with_google_fonts=False)

    def wants_html(request: Request) -> bool:
        path = request.url.path
        return not path.startswith(("/api/", "/static/", "/feeds/")) and path != "/openapi.json"

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        if wants_html(request):
            return render_error(request, 404, str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request) and exc.status_code in (400, 401, 403, 404, 405, 409, 413, 422, 429):
            if exc.status_code == 401:
                from urllib.parse import quote

                return Response(status_code=303, headers={"location": f"/login?next={quote(request.url.path)}"})
            return render_error(request, exc.status_code, str(exc.detail))
        detail: Any = exc.detail
        route = request.scope.get("route")
        probe_api = "probes" in (getattr(route, "tags", None) or [])  # the probe protocol keeps its own shape
        if exc.status_code == 422 and isinstance(detail, str) and not probe_api:  # the OpenAPI schema's shape
            detail = [{"loc": ["request"], "msg": detail, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if wants_html(request):
            msg = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ())[1:])}: {e.get('msg')}" for e in exc.errors())
            return render_error(request, 422, msg)
        return JSONResponse({"detail": json.loads(json.dumps(exc.errors(), default=str))}, status_code=422)

    return app
