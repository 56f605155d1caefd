"""``serve``: the JSON API and the probe API."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from presswatch.cli._support import err, open_core

__all__ = ["register", "serve"]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Listen address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="Listen port.")] = 8700,
) -> None:
    """Run the server: JSON API (/docs) and the probe API (enrollment, submissions, control).

    Ctrl-C or SIGTERM lets requests in flight finish, then exits 130 / 143.
    """
    import uvicorn

    from presswatch.publish.web import create_app

    class Server(uvicorn.Server):
        stopped_by: int | None = None

        def handle_exit(self, sig: int, frame: Any) -> None:
            self.stopped_by = self.stopped_by or sig
            super().handle_exit(sig, frame)
            # we report the signal and exit with its code ourselves; uvicorn would re-raise it and a
            # re-raised SIGTERM kills the process before the last line is printed
            self._captured_signals.clear()

    server = Server(uvicorn.Config(create_app(open_core(ctx)), host=host, port=port, log_level="warning"))
    shown = f"[{host}]" if ":" in host else host
    err.print(f"presswatch server on http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs)",
              highlight=False)
    server.run()
    if server.stopped_by:
        import signal

        err.print(f"serve: stopped on {signal.Signals(server.stopped_by).name}; requests in flight were finished",
                  highlight=False)
        raise typer.Exit(128 + server.stopped_by)
    if not server.started:
        raise typer.Exit(1)  # e.g. the port is taken (uvicorn said why)


def register(app: typer.Typer) -> None:
    app.command()(serve)
