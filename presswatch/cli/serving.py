"""``serve``: the web app (pages, JSON API, probe API) on one port and archived-page replay on another."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import socket
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer

from presswatch.cli._support import err, open_core

__all__ = ["register", "serve", "serve_core"]


def _app_factory() -> Any:
    """The web application's factory: the full app when it is installed, else the JSON/probe API."""
    if importlib.util.find_spec("presswatch.web.app") is not None:
        from presswatch.web.app import create_app  # type: ignore[import-not-found,unused-ignore]

        return create_app
    from presswatch.publish.web import create_app as api_app

    return api_app


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Listen address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="Listen port.")] = 8700,
    replay_port: Annotated[int | None, typer.Option(
        min=1, max=65535, metavar="PORT",
        help="Listen port of the replay origin (default: settings replay_port, else the port of replay_origin).",
    )] = None,
    replay: Annotated[bool, typer.Option(help="Serve archived-page replay on its own port.")] = True,
    workers: Annotated[int, typer.Option(
        min=1, max=64, metavar="N",
        help="Processes serving the web app (one per core is a good start; replay stays in the main process).",
    )] = 1,
) -> None:
    """Run the server: the web app and JSON API (/docs), the probe API, and archived-page replay on a
    second port (its own origin, so the app's cookies never reach archived pages).

    With ``--workers N`` the app's port is served by N forked processes (each with its own database
    connections) sharing one listening socket; the replay origin stays in the main process.

    Ctrl-C or SIGTERM lets requests in flight finish on both ports, then exits 130 / 143.
    """
    serve_core(open_core(ctx), host=host, port=port, replay_port=replay_port, replay=replay, workers=workers)


def serve_core(core: Any, *, host: str = "127.0.0.1", port: int = 8700, replay_port: int | None = None,
               replay: bool = True, workers: int = 1) -> None:
    """Serve ``core``'s web app (and replay) until a signal; exits like ``serve`` (``typer.Exit``)."""
    import uvicorn

    from presswatch.web.replay import create_replay_app

    settings = core.settings
    app_url = f"http://{_shown(host)}:{port}"
    servers: list[_Server | _Workers] = []
    if workers > 1:
        try:
            servers.append(_Workers(core, _bind(host, port), workers))
        except OSError as exc:
            err.print(f"serve: cannot listen on {app_url}: {exc}", highlight=False)
            raise typer.Exit(1) from exc
    else:
        servers.append(_Server(uvicorn.Config(_app_factory()(core), host=host, port=port, log_level="warning")))
    replay_url = ""
    if replay:
        rport = replay_port or settings.replay_port or urlsplit(settings.replay_origin).port or 8091
        if rport == port:
            err.print("serve: the replay origin needs a port of its own (--replay-port)", highlight=False)
            raise typer.Exit(2)
        replay_url = f"http://{_shown(host)}:{rport}"
        ancestors = [app_url] if host not in ("0.0.0.0", "::") else []
        servers.append(_Server(uvicorn.Config(create_replay_app(core, frame_ancestors=ancestors), host=host,
                                              port=rport, log_level="warning")))
    err.print(f"presswatch server on {app_url}/  (API docs: {app_url}/docs)"
              + (f", {workers} worker processes" if workers > 1 else ""), highlight=False)
    if replay:
        err.print(f"archived-page replay on {replay_url}/  (public origin: {settings.replay_origin})",
                  highlight=False)
    stopped_by = _run(_serve_all(servers))
    if stopped_by:
        err.print(f"serve: stopped on {signal.Signals(stopped_by).name}; requests in flight were finished",
                  highlight=False)
        raise typer.Exit(128 + stopped_by)
    if not all(s.started for s in servers):
        raise typer.Exit(1)  # e.g. a port is taken (uvicorn said why)


def _run(main: Any) -> Any:
    """Run the coroutine ``main`` on uvloop's event loop where it is installed (faster), else asyncio's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a declared dependency outside Windows
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _bind(host: str, port: int) -> socket.socket:
    """The app's listening socket, made before the workers fork so that they all accept on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _Workers:
    """``count`` forked processes serving the web app on one shared socket, each opening its own core.

    The parent drops its pooled database connections before forking (SQLite connections must not cross
    a fork); a signal is passed on to the workers as SIGTERM (they finish the requests in flight); a worker
    that stops by itself stops the group.
    """

    def __init__(self, core: Any, sock: socket.socket, count: int) -> None:
        self.core, self.sock, self.count = core, sock, count
        self.pids: list[int] = []
        self.started = False
        self.stopping = False

    def _child(self) -> None:
        import uvicorn

        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent passes Ctrl-C on as SIGTERM
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            from presswatch.core import Presswatch

            core = Presswatch.open(self.core.settings, clock=self.core.clock)
            try:
                server = _Server(uvicorn.Config(_app_factory()(core), log_level="warning"), sockets=[self.sock])
                _run(_serve_all([server], signals=(signal.SIGTERM,)))
                code = 0 if server.started else 1
            finally:
                core.close()
        except Exception as exc:  # noqa: BLE001 - a worker reports why it stopped, then exits 1
            err.print(f"serve: worker {os.getpid()} stopped: {exc}", highlight=False)
        finally:
            os._exit(code)

    def _fork(self) -> None:
        for eng in {self.core.db.engine, self.core.db.write_engine}:
            eng.dispose()
        for _ in range(self.count):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child never returns
                self._child()
            self.pids.append(pid)
        self.started = True

    def stop(self, sig: int) -> None:
        self.stopping = True
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _wait(self) -> int:
        """Reap every worker; the exit status of the first that stopped unasked (0: none did)."""
        unasked = 0
        left = set(self.pids)
        while left:
            pid, status = os.wait()
            if pid not in left:
                continue
            left.discard(pid)
            if not self.stopping:
                unasked = os.waitstatus_to_exitcode(status) or 1
                self.stop(signal.SIGTERM)
        return unasked

    async def run(self, group: list[Any]) -> None:
        self._fork()
        self.sock.close()  # the workers have it
        try:
            if await asyncio.to_thread(self._wait):
                self.started = False
        finally:
            for other in group:
                if other is not self:
                    other.server.should_exit = True


class _Server:
    """One uvicorn server whose signals the group handles (uvicorn's own handlers would let the last
    server started take them all, and re-raise the signal before we report it)."""

    def __init__(self, config: Any, sockets: list[socket.socket] | None = None) -> None:
        import uvicorn

        class Quiet(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield

        self.server = Quiet(config)
        self.sockets = sockets

    @property
    def started(self) -> bool:
        return bool(self.server.started)

    def stop(self, sig: int) -> None:
        if self.server.should_exit and sig == signal.SIGINT:
            self.server.force_exit = True
        self.server.should_exit = True

    async def run(self, group: list[Any]) -> None:
        try:
            await self.server.serve(sockets=self.sockets)
        except SystemExit:  # uvicorn exits when it cannot bind: stop the others
            pass
        finally:
            for other in group:
                if isinstance(other, _Workers):
                    if other is not self:
                        other.stop(signal.SIGTERM)
                else:
                    other.server.should_exit = True


async def _serve_all(servers: list[Any], signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> int | None:
    """Serve every server until a signal (returned) or until one of them stops."""
    loop = asyncio.get_running_loop()
    stopped: list[int] = []

    def on_signal(sig: int) -> None:
        stopped.append(sig)
        for s in servers:
            s.stop(sig)

    for sig in signals:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        await asyncio.gather(*(s.run(servers) for s in servers))
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
    return stopped[0] if stopped else None


def register(app: typer.Typer) -> None:
    app.command()(serve)
