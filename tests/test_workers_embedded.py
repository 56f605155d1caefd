"""Embedded mode needs no broker; bulk import vets each host once and refuses what it must."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from runsupport import cli, cli_env, simsite_process

from presswatch.core import Presswatch
from presswatch.settings import Settings
from presswatch.sources.bulk import import_watches
from presswatch.sources.watchlist import list_watches


def test_embedded_mode_runs_everything_in_one_process_without_a_broker(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")
    env["PRESSWATCH_BROKER_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    with simsite_process(5) as base:
        code = (
            "import asyncio, sys\n"
            "from presswatch.core import Presswatch\n"
            "from presswatch.settings import load_settings\n"
            "core = Presswatch.open(load_settings())\n"
            f"core.watch({base!r} + '/', kind='site')\n"
            "st = asyncio.run(core.run_pass())\n"
            "core.close()\n"
            "print(st.checked, 'celery' in sys.modules, 'redis' in sys.modules)\n"
        )
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    checked, celery, redis = r.stdout.split()
    assert int(checked) == 5 and celery == "False" and redis == "False"


def test_import_watches_each_url_once_and_reports_refusals(tmp_path: Path) -> None:
    f = tmp_path / "urls.txt"
    f.write_text(
        "# a comment\n"
        "https://93.184.216.34/a?utm_source=x\n"
        "https://93.184.216.34/a\n"          # the same watch once the tracking parameter is gone
        "https://93.184.216.34/b\tsome note\n"
        "\n"
        "ftp://93.184.216.34/c\n"            # not http(s)
        "http://127.0.0.1:8080/private\n"    # refused by the SSRF guard (no --allow-private)
        "http://[::1]/also-private\n"
    )
    env = cli_env(tmp_path / "data")
    env.pop("PRESSWATCH_ALLOW_PRIVATE")
    r = cli(["import", str(f), "--tag", "outlet=Daily"], env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "added 2 watches (0 already watched, 3 refused, 3 hosts)" in r.stdout
    assert "urls.txt:6: refused" in r.stderr and "urls.txt:7: refused" in r.stderr and "urls.txt:8: refused" in r.stderr
    again = cli(["import", str(f)], env)
    assert "added 0 watches (2 already watched, 3 refused" in again.stdout
    core = Presswatch.open(Settings(data=tmp_path / "data"))
    try:
        ws = list_watches(core)
        assert sorted(w.url for w in ws) == ["https://93.184.216.34/a", "https://93.184.216.34/b"]
        assert all(w.tags == {"outlet": "Daily"} and w.kind == "article" for w in ws)
    finally:
        core.close()


def test_import_vets_each_host_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from presswatch.fetch import guard

    calls: list[str] = []
    real = guard.TargetGuard.check

    async def counting(self, url):  # type: ignore[no-untyped-def]
        calls.append(url)
        return await real(self, url)

    monkeypatch.setattr(guard.TargetGuard, "check", counting)
    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True))
    try:
        lines = [(i, f"http://127.0.0.{1 + i % 3}:8000/p/{i}") for i in range(3000)]
        res = import_watches(core, lines)
    finally:
        core.close()
    assert res.added == 3000 and res.hosts == 3 and len(calls) == 3
