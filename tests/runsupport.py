"""Helpers for tests that drive the real ``presswatch`` CLI in subprocesses against served pages.

Everything listens on and is addressed by 127.0.0.1 literals (no name resolution).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "presswatch"]


def cli_env(data: Path, db: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_")}
    env.update({
        "PRESSWATCH_DATA": str(data),
        "PRESSWATCH_ALLOW_PRIVATE": "1",
        "PRESSWATCH_TIMEOUT": "10",
        "PRESSWATCH_RESPECT_ROBOTS": "0",
    })
    if db:
        env["PRESSWATCH_DB"] = db
    return env


def cli(args: list[str], env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion; on ``timeout`` kill its whole process group (worker processes
    included) and raise ``subprocess.TimeoutExpired``."""
    proc = cli_start(args, env)
    return cli_wait(proc, timeout)


def cli_start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def cli_wait(proc: subprocess.Popen[str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    finally:
        with contextlib.suppress(ProcessLookupError):  # nothing of the run may outlive it
            os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@contextlib.contextmanager
def simsite_process(articles: int, seed: int = 42) -> Iterator[str]:
    """The simulated news site in its own process (as a real site would be); yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "presswatch.sim.site", "--host", "127.0.0.1", "--port", "0",
         "--articles", str(articles), "--seed", str(seed)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:"), base
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def control(base: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"},
                                 method="POST" if data is not None else "GET")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def hostile_html(slug: str, version: int, paragraphs: int = 6000, words: int = 12) -> bytes:
    """An article of many short paragraphs of distinct words; each version changes one word per
    paragraph, so consecutive versions keep most text (an edit) yet differ in every paragraph,
    which makes an unbounded word-level ``difflib`` comparison quadratic."""
    paras = []
    for i in range(paragraphs):
        toks = [f"{slug}w{i * words + j}" for j in range(words)] + [f"rev{version}n{i}"]
        paras.append("<p>" + " ".join(toks) + ".</p>")
    return (
        f"<!doctype html><html lang=en><head><title>Hostile {slug}</title></head><body><article>"
        f"<h1>Hostile {slug}</h1>{''.join(paras)}</article></body></html>"
    ).encode()


class HostileSite:
    """Pages of many distinct words that change on every request (127.0.0.1, a thread)."""

    def __init__(self, paragraphs: int = 6000) -> None:
        self.paragraphs = paragraphs
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                slug = self.path.strip("/").replace("/", "-") or "home"
                with site._lock:
                    site.hits[slug] = site.hits.get(slug, 0) + 1
                    n = site.hits[slug]
                body = hostile_html(slug, n, site.paragraphs)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostileSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def local_http(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve ``handler`` on 127.0.0.1 (a free port, one thread per request) while the block runs; the port."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()
