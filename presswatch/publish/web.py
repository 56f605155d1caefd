"""The server: JSON API (OpenAPI at /docs) and the probe API, a thin FastAPI shell over the core.

Every route serves anonymous readers, so each one filters through :mod:`presswatch.publish.visibility`:
nothing a private or redacted demand hides (target URLs, the watches following them, their tags and
events) is served. Every request body is capped (:class:`BodyLimit`, ``Settings.max_request_bytes``) before
any route reads it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from presswatch import __version__
from presswatch.core import Presswatch
from presswatch.errors import PresswatchError

__all__ = ["DEFAULT_MAX_REQUEST_BYTES", "BodyLimit", "create_app"]

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

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body larger than {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                if not value.strip().isdigit() or int(value) > self.max_bytes:
                    await self._refuse(send)
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
            await self._refuse(send)


def create_app(core: Presswatch) -> FastAPI:
    from presswatch.probes.server import probe_router
    from presswatch.publish.export import event_rows, history_rows
    from presswatch.publish.feeds import feeds_router
    from presswatch.publish.visibility import public_view

    app = FastAPI(title="presswatch", version=__version__,
                  description="Censorship observatory for online news: observations, events, probes.")
    app.include_router(probe_router(core))
    app.include_router(feeds_router(core))
    app.add_middleware(BodyLimit, max_bytes=core.settings.max_request_bytes)

    def not_watched(url: str) -> HTTPException:
        return HTTPException(status_code=404, detail=f"not watched: {url[:200]}")

    @app.get("/api/v1/schemas/demand.json")
    def demand_schema() -> dict[str, Any]:
        """The JSON Schema of demand files (``presswatch demand schema`` prints the same)."""
        from presswatch.cases.demands import demand_json_schema

        return demand_json_schema()

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        core.db.ping()
        return {"ok": True, "version": __version__}

    @app.get("/api/v1/watches")
    def watches() -> dict[str, Any]:
        from presswatch.sources.watchlist import list_watches

        view = public_view(core)
        rows = [{"id": w.id, "url": w.url, "kind": w.kind, "status": w.status, "reason": w.reason,
                 "confirmed": w.confirmed, "tags": w.tags}
                for w in list_watches(core) if view.watch_visible(w.id, w.url, w.tags)]
        return {"ok": True, "rows": rows}

    @app.get("/api/v1/history")
    def history(url: Annotated[str, Query(max_length=2048)]) -> dict[str, Any]:
        if public_view(core).url_hidden(url):
            raise not_watched(url)
        try:
            return {"ok": True, "rows": history_rows(core, url)}
        except PresswatchError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc

    @app.get("/api/v1/events")
    def events(url: Annotated[str | None, Query(max_length=2048)] = None) -> dict[str, Any]:
        view = public_view(core)
        if url is not None and view.url_hidden(url):
            raise not_watched(url)
        try:
            rows = event_rows(core, url)
        except PresswatchError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        return {"ok": True, "rows": [r for r in rows if view.event_visible(None, r.get("url"), r.get("details"))]}

    return app
