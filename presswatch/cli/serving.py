"""``serve``: the JSON API and the probe API."""

from __future__ import annotations

from typing import Annotated

import typer

from ._support import err, open_core

__all__ = ["register"]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Listen address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="Listen port.")] = 8700,
) -> None:
    """Run the server: JSON API (/docs) and the probe API (enrollment, submissions, control)."""
    import uvicorn

    from ..publish.web import create_app

    app = create_app(open_core(ctx))
    shown = f"[{host}]" if ":" in host else host
    err.print(f"presswatch server on http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs) — Ctrl-C stops",
              highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    err.print("server stopped")


def register(app: typer.Typer) -> None:
    app.command()(serve)
