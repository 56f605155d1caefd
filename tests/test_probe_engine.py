"""The probe and ``measure`` with the real measurement engine against real local servers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from test_probe_server import LiveServer

from presswatch.core import Presswatch
from presswatch.probes.client import enroll, measure_local, run_once
from presswatch.probes.server import create_token, probe_router
from presswatch.record.measure_models import Measurement
from presswatch.record.models import Capture, Watch
from presswatch.settings import Settings

PAGE = b"<html><head><title>Article</title></head><body><p>" + b"News text. " * 200 + b"</p></body></html>"


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/2026/article"
    httpd.shutdown()
    httpd.server_close()


def test_probe_with_real_engine_and_server_control(tmp_path: Path, site: str) -> None:
    core = Presswatch.open(Settings(data=tmp_path / "server", allow_private=True))
    now = core.clock.now()
    core.db.write(
        lambda s: s.add(
            Watch(url=site, host="127.0.0.1", tags={"measure_in": ["KZ"]}, created_at=now, next_check_at=now)
        )
    )
    app = FastAPI()
    app.include_router(probe_router(core))  # control = the real control_measure, run by the server
    server = LiveServer(app)
    server.start()
    try:
        data = tmp_path / "probe"
        enroll(data, server.url, create_token(core, "KZ"), "KZ", "AS9198 Test")
        report = asyncio.run(run_once(data, allow_private=True))
        assert report.measured == 1 and report.submitted == 1, report
        with core.db.session() as s:
            m = s.scalars(select(Measurement)).one()
        keys = m.envelope["test_keys"]
        assert m.accessible is True and m.blocking is None and not m.down
        assert keys["control"].get("failure") is None  # the server's test helper answered
        assert keys["vantage"]["country"] == "KZ"
    finally:
        server.stop()
        core.close()


def test_measure_local_archives_and_stores(tmp_path: Path, site: str) -> None:
    core = Presswatch.open(Settings(data=tmp_path, allow_private=True))
    try:
        out = asyncio.run(measure_local(core, site, country="kz", network="AS1 Local"))
        m = out["measurement"]
        assert m["accessible"] is True and m["blocking"] is False and m["country"] == "KZ"
        assert m["capture_id"] is not None
        with core.db.session() as s:
            cap = s.get(Capture, m["capture_id"])
            assert cap is not None and cap.http_status == 200 and cap.url == site
        assert (tmp_path / cap.warc_file).exists()
        from presswatch.probes.reachability import status_rows

        with core.db.session() as s:
            (row,) = status_rows(s, country="KZ", scope="url")
        assert row["last_observed"] == "reachable" and row["pending"]["state"] == "reachable"
    finally:
        core.close()
