"""One way to drive a real headless Chromium from the tests: Debian's ``/usr/bin/chromium`` through
Playwright (``executable_path``; Playwright's own browser download is never used).

:func:`launch_chromium` skips the test cleanly when the browser or the ``playwright`` package is missing,
unless ``PRESSWATCH_REQUIRE_BROWSER=1`` (CI), where that is a failure. :func:`serve_app` runs an ASGI app on
a free 127.0.0.1 port in a thread for the browser to visit.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(why: str) -> None:
    if os.environ.get("PRESSWATCH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"a browser is required (PRESSWATCH_REQUIRE_BROWSER=1) but {why}")
    pytest.skip(why)


@contextlib.contextmanager
def launch_chromium() -> Iterator[Any]:
    """``with launch_chromium() as browser:`` — a Playwright ``Browser`` (sync API), closed on exit."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
