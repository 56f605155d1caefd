"""Bad input gets a clear error and loses nothing; discovery from feeds, sitemaps and sites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from presswatch.cli import app


def run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(app, args, env=env)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"PRESSWATCH_DATA": str(tmp_path / "data"), "PRESSWATCH_ALLOW_PRIVATE": "1", "PRESSWATCH_TIMEOUT": "3"}


@pytest.mark.parametrize("url", ["ftp://example.org/x", "not a url", "http://", "javascript:alert(1)",
                                 "http://exa mple.org/"])
def test_invalid_urls_are_refused_clearly(env: dict[str, str], url: str) -> None:
    res = run(["check", url, "--json"], env)
    assert res.exit_code == 2
    assert "error" in res.output and "Traceback" not in res.output


def test_ssrf_guard_refuses_loopback_without_flag(env: dict[str, str], simsite) -> None:  # type: ignore[no-untyped-def]
    env = {**env, "PRESSWATCH_ALLOW_PRIVATE": "0"}
    res = run(["check", simsite.article_urls()[0], "--json"], env)
    assert res.exit_code == 2
    assert "non-public address" in res.output
    ok = run(["--allow-private", "check", simsite.article_urls()[0], "--json"], env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout.splitlines()[-1])["status"] == "new"


def test_unreachable_database_is_a_clear_error(env: dict[str, str]) -> None:
    env = {**env, "PRESSWATCH_DB": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    res = run(["list"], env)
    assert res.exit_code == 2
    assert "database unavailable" in res.output and "Traceback" not in res.output


def test_bad_tag_and_empty_watch(env: dict[str, str]) -> None:
    assert run(["watch"], env).exit_code == 2
    assert run(["watch", "http://127.0.0.1:9/x", "--tag", "novalue"], env).exit_code == 2
    assert run(["export", "--format", "xml"], env).exit_code == 2


def test_network_failures_are_recorded_not_crashed(env: dict[str, str]) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    res = run(["check", f"http://127.0.0.1:{port}/x", "http://no-such-host.invalid/a", "--json"], env)
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines()]
    assert [(r["status"], r["reason"]) for r in rows] == [("unreachable", "connect"), ("unreachable", "dns")]
    assert all(r["error"] for r in rows)


def test_tls_failure(env: dict[str, str]) -> None:
    """A certificate from an unknown authority is a TLS failure, not a crash."""
    import ssl

    import trustme

    from presswatch.sim.site import SimSite

    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    with SimSite(articles=2, seed=1, ssl_context=ctx).start() as site:
        url = site.article_urls()[0]
        assert url.startswith("https://")
        res = run(["check", url, "--json"], env)
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout.splitlines()[-1])
    assert (row["status"], row["reason"]) == ("unreachable", "tls")
    assert "certificate" in row["error"].lower()


def test_discovery_feed_sitemap_site(env: dict[str, str], simsite) -> None:  # type: ignore[no-untyped-def]
    n = len(simsite.article_urls())
    assert run(["watch", "--feed", simsite.url + "/rss.xml", "--country", "kz"], env).exit_code == 0
    res = run(["run", "--once", "--workers", "0"], env)
    assert res.exit_code == 0, res.output
    listed = [json.loads(x) for x in run(["list", "--json"], env).stdout.splitlines()]
    arts = [w for w in listed if w["kind"] == "article"]
    assert arts and all(w["status"] == "new" for w in arts)
    assert all(w["tags"]["measure_in"] == ["KZ"] for w in arts)
    # the sitemap index covers every article (news sitemap + full sitemap)
    assert run(["watch", "--sitemap", simsite.url + "/sitemap.xml"], env).exit_code == 0
    assert run(["run", "--once", "--workers", "0"], env).exit_code == 0
    listed = [json.loads(x) for x in run(["list", "--json"], env).stdout.splitlines()]
    assert len([w for w in listed if w["kind"] == "article"]) == n
    # a new article published later is found via the site's feeds
    assert run(["watch", "--site", simsite.url + "/"], env).exit_code == 0
    assert run(["run", "--once", "--workers", "0"], env).exit_code == 0
    listed = [json.loads(x) for x in run(["list", "--json"], env).stdout.splitlines()]
    assert {w["kind"] for w in listed} >= {"feed", "sitemap", "site", "article"}
    new_url = simsite.publish(1)[0]
    for w in listed:  # make the feeds due again
        if w["kind"] == "feed":
            assert run(["watch", "--feed", w["url"], "--interval", "1"], env).exit_code == 0
    import time

    time.sleep(1.1)
    assert run(["run", "--once", "--workers", "0"], env).exit_code == 0
    urls = {json.loads(x)["url"] for x in run(["list", "--json"], env).stdout.splitlines()}
    assert new_url in urls


def test_malformed_feed_is_recorded_not_fatal(env: dict[str, str], simsite) -> None:  # type: ignore[no-untyped-def]
    # an article page is not a feed: discovery yields nothing, the run completes
    assert run(["watch", "--feed", simsite.article_urls()[0]], env).exit_code == 0
    res = run(["run", "--once", "--workers", "0"], env)
    assert res.exit_code == 0, res.output


def test_exports(env: dict[str, str], simsite, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import csv
    import subprocess
    import sys

    urls = simsite.article_urls()[:3]
    assert run(["check", *urls, "--json"], env).exit_code == 0
    assert run(["check", *urls, "--json"], env).exit_code == 0
    js = run(["export", "--format", "json"], env)
    rows = [json.loads(x) for x in js.stdout.splitlines()]
    assert len(rows) == 6 and {r["status"] for r in rows} == {"new", "unchanged"}
    out = tmp_path / "obs.csv"
    assert run(["export", "--format", "csv", "-o", str(out)], env).exit_code == 0
    with open(out) as fh:
        assert len(list(csv.DictReader(fh))) == 6
    warc = tmp_path / "all.warc.gz"
    assert run(["export", "--format", "warc", "-o", str(warc)], env).exit_code == 0
    chk = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)], capture_output=True, text=True)
    assert chk.returncode == 0, chk.stdout + chk.stderr
    idx = subprocess.run([sys.executable, "-m", "warcio.cli", "index", "-f", "warc-type", str(warc)],
                         capture_output=True, text=True)
    types = [json.loads(x)["warc-type"] for x in idx.stdout.splitlines()]
    assert types.count("response") >= 3 and (types.count("revisit") + types.count("response")) >= 6


def test_run_sharded_over_processes(env: dict[str, str], simsite) -> None:  # type: ignore[no-untyped-def]
    urls = simsite.article_urls()
    assert run(["watch", *urls], env).exit_code == 0
    res = run(["run", "--once", "--procs", "2"], env)
    assert res.exit_code == 0, res.output
    listed = [json.loads(x) for x in run(["list", "--json"], env).stdout.splitlines()]
    assert len(listed) == len(urls) and all(w["status"] == "new" for w in listed)
    hist = run(["history", urls[0], "--json"], env)
    assert len(hist.stdout.splitlines()) == 1  # each watch checked exactly once across the shards


def test_refused_check_records_nothing(env: dict[str, str], simsite) -> None:  # type: ignore[no-untyped-def]
    env = {**env, "PRESSWATCH_ALLOW_PRIVATE": "0"}
    assert run(["check", simsite.article_urls()[0]], env).exit_code == 2
    assert run(["list", "--json", "--all"], env).stdout.strip() == ""


def test_structured_logs(env: dict[str, str], simsite) -> None:  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(app, ["--log-format", "json", "--log-level", "info", "check", simsite.article_urls()[0]],
                             env=env)
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stderr.splitlines() if x.startswith("{")]
    check = next(x for x in lines if x["event"] == "check")
    assert check["status"] == "new" and check["level"] == "info" and check["url"] == simsite.article_urls()[0]
