"""The ``probe``, ``lists``, ``status`` and ``measure`` commands, end to end through the real CLI."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi import FastAPI
from test_probe_server import LiveServer
from typer.testing import CliRunner, Result

from presswatch.cli import app
from presswatch.core import Presswatch
from presswatch.probes.server import probe_router
from presswatch.settings import Settings


def cli(data: Path, *args: str) -> Result:
    return CliRunner().invoke(
        app, ["--data-dir", str(data), "--allow-private", *args], catch_exceptions=False
    )


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        body = b"<html><body>" + b"hello " * 100 + b"</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_admin_probe_and_status_commands(tmp_path: Path, site: str) -> None:
    srv = tmp_path / "server"
    csv = tmp_path / "kz.csv"
    csv.write_text(f"url,category_code,category_description,date_added,source,notes\n{site},NEWS,News,,,\n")
    res = cli(srv, "lists", "import", str(csv), "--country", "kz", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["added"] == 1
    res = cli(srv, "lists", "import", str(csv), "--country", "kaz")
    assert res.exit_code == 2 and "ISO 3166-1 alpha-2" in res.output
    token = cli(srv, "probe", "token", "create", "--country", "KZ").stdout.strip()
    assert token.startswith("pwt_")

    core = Presswatch.open(Settings(data=srv, allow_private=True))
    fastapi_app = FastAPI()
    fastapi_app.include_router(probe_router(core))
    server = LiveServer(fastapi_app)
    server.start()
    try:
        probe = tmp_path / "probe"
        res = cli(
            probe,
            "probe",
            "enroll",
            "--server",
            server.url,
            "--token",
            token,
            "--country",
            "KZ",
            "--network",
            "AS1 Test",
        )
        assert res.exit_code == 0, res.output
        probe_id = json.loads(res.stdout)["probe_id"]
        res = cli(probe, "probe", "enroll", "--server", server.url, "--token", token, "--country", "KZ")
        assert res.exit_code == 2 and "already enrolled" in res.output
        for _ in range(2):
            res = cli(probe, "probe", "run", "--once")
            assert res.exit_code == 0, res.output
            assert json.loads(res.stdout)["submitted"] == 1

        rows = [json.loads(line) for line in cli(srv, "status", "--country", "KZ", "--json").stdout.splitlines()]
        url_row = next(r for r in rows if r["scope"] == "url")
        assert url_row["target"] == site and url_row["state"] == "reachable" and url_row["confirmed"]
        assert "reachable" in cli(srv, "status").stdout

        listed = [json.loads(line) for line in cli(srv, "probe", "list", "--json").stdout.splitlines()]
        assert [p["id"] for p in listed] == [probe_id]
        assert cli(srv, "probe", "revoke", probe_id).exit_code == 0
        assert cli(srv, "probe", "revoke", "nope").exit_code == 2
        res = cli(probe, "probe", "run", "--once")
        assert res.exit_code == 2 and "revoked" in res.output
    finally:
        server.stop()
        core.close()


def test_measure_command(tmp_path: Path, site: str) -> None:
    res = cli(tmp_path, "measure", site, "--country", "KZ", "--network", "AS1 Local", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["measurement"]["accessible"] is True and out["measurement"]["capture_id"]
    assert out["result"]["url"] == site
    res = cli(tmp_path, "measure", site, "--country", "KZ", "--network", "AS1 Local")
    assert res.exit_code == 0 and "accessible" in res.stdout
    rows = [json.loads(line) for line in cli(tmp_path, "status", "--json", "--scope", "url").stdout.splitlines()]
    assert rows[0]["state"] == "reachable" and rows[0]["country"] == "KZ"
    res = cli(tmp_path, "measure", "ftp://x", "--json")
    assert res.exit_code == 2 and "http" in res.output
