"""The server: JSON API (OpenAPI at /docs) and the probe API, a thin FastAPI shell over the core."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query

from .. import __version__
from ..core import Presswatch
from ..errors import PresswatchError


def create_app(core: Presswatch) -> FastAPI:
    from ..measure.server import probe_router
    from .export import event_rows, history_rows

    app = FastAPI(title="presswatch", version=__version__,
                  description="Censorship observatory for online news: observations, events, probes.")
    app.include_router(probe_router(core))

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        core.db.ping()
        return {"ok": True, "version": __version__}

    @app.get("/api/v1/watches")
    def watches() -> dict[str, Any]:
        from ..sources.watchlist import list_watches

        rows = [{"id": w.id, "url": w.url, "kind": w.kind, "status": w.status, "reason": w.reason,
                 "confirmed": w.confirmed, "tags": w.tags} for w in list_watches(core)]
        return {"ok": True, "rows": rows}

    @app.get("/api/v1/history")
    def history(url: Annotated[str, Query(max_length=2048)]) -> dict[str, Any]:
        try:
            return {"ok": True, "rows": history_rows(core, url)}
        except PresswatchError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc

    @app.get("/api/v1/events")
    def events(url: Annotated[str | None, Query(max_length=2048)] = None) -> dict[str, Any]:
        try:
            return {"ok": True, "rows": event_rows(core, url)}
        except PresswatchError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc

    return app
