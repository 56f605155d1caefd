"""Fingerprint loading and matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from presswatch.measure.fingerprints import Fingerprints
from presswatch.sim.censor import KZ_BLOCKPAGE

OONI = Path(__file__).resolve().parents[2] / "shared" / "data" / "ooni" / "blocking-fingerprints"


def test_builtin_sets_load():
    fps = Fingerprints.load()
    names = {f.name for f in fps.all}
    assert "presswatch.kz_ru_0" in names and "presswatch.kg_0" in names
    assert len(fps.dns) > 10 and len(fps.body) > 100  # Citizen Lab signatures shipped


def test_kz_blockpage_and_kg_location():
    fps = Fingerprints.load()
    assert fps.match_http(KZ_BLOCKPAGE, []).name.startswith("presswatch.kz")
    hit = fps.match_http(b"", [("Location", "http://homeline.kg/access/blockpage.html?u=x")])
    assert hit is not None and hit.name == "presswatch.kg_0"
    assert fps.match_http(b"<html><title>Daily news</title></html>", [("Server", "nginx")]) is None


def test_pattern_types_done_right(tmp_path):
    f = tmp_path / "mine.csv"
    f.write_text(
        "name,scope,location_found,pattern_type,pattern,confidence_no_fp,expected_countries\n"
        "t.re,isp,body,regexp,blocked\\s+by\\s+order\\s+\\d+,5,KZ\n"
        "t.prefix,isp,header.server,prefix,Blocker,5,KZ\n"
        "t.full,isp,body,full,BLOCKED,5,KZ\n",
        encoding="utf-8",
    )
    fps = Fingerprints.load(extra_files=[f], builtin=False)
    assert fps.match_http(b"page blocked  by order 42 ok", []).name == "t.re"
    assert fps.match_http(b"page blocked\\s+by order", []) is None  # the regexp is compiled, not a substring
    assert fps.match_http(b"", [("Server", "Blocker/1.0")]).name == "t.prefix"
    assert fps.match_http(b"", [("Via", "Blocker/1.0")]) is None  # header name matters
    assert fps.match_http(b"BLOCKED", []).name == "t.full"
    assert fps.match_http(b"NOT BLOCKED", []) is None


def test_user_files_from_env_and_data_dir(tmp_path, monkeypatch):
    (tmp_path / "fingerprints").mkdir()
    (tmp_path / "fingerprints" / "a.csv").write_text(
        "name,location_found,pattern_type,pattern\nd.a,dns,full,198.51.100.66\n", encoding="utf-8"
    )
    env = tmp_path / "b.csv"
    env.write_text(
        "name,location_found,pattern_type,pattern\nb.b,body,contains,Zugang gesperrt\n", encoding="utf-8"
    )
    monkeypatch.setenv("PRESSWATCH_FINGERPRINTS", str(env))
    monkeypatch.setenv("PRESSWATCH_DATA", str(tmp_path))
    from presswatch.measure.fingerprints import default_fingerprints
    from presswatch.settings import load_settings

    settings = load_settings()
    assert settings.fingerprints == [env]
    fps = default_fingerprints(settings)
    assert fps.match_dns(["203.0.113.1", "198.51.100.66"]).name == "d.a"
    assert fps.match_http("Zugang gesperrt", []).name == "b.b"


@pytest.mark.skipif(not OONI.exists(), reason="../shared OONI blocking-fingerprints not present")
def test_ooni_blocking_fingerprints_at_runtime():
    fps = Fingerprints.load(extra_files=[OONI / "fingerprints_http.csv", OONI / "fingerprints_dns.csv"])
    assert fps.match_dns(["8.7.198.45"]).name == "ooni.cn_0"
    hit = fps.match_http(b"", [("Server", "Protected by WireFilter 8")])
    assert hit is not None and hit.name in ("ooni.ae_0", "prod_wirefilter")
    assert len(fps) > 1900


def test_measurements_use_the_configured_fingerprints(tmp_path, monkeypatch):
    """Files named in settings and DATA/fingerprints/ reach the engine (not only the builtin set)."""
    import asyncio

    from presswatch.core import Presswatch
    from presswatch.probes.client import measure_local
    from presswatch.settings import load_settings

    extra = tmp_path / "extra.csv"
    extra.write_text("name,location_found,pattern_type,pattern\nx.extra,body,contains,Доступ ограничен\n",
                     encoding="utf-8")
    monkeypatch.setenv("PRESSWATCH_FINGERPRINTS", str(extra))
    core = Presswatch.open(load_settings(data=tmp_path / "data", allow_private=True))
    seen = []

    async def fake_engine(url, ctx):
        seen.append(ctx.fingerprints)
        return {"url": url, "measured_at": "2026-12-01T00:00:00Z", "accessible": True, "blocking": False,
                "down": False}

    async def no_control(url, endpoints):
        return {}

    try:
        asyncio.run(measure_local(core, "http://127.0.0.1:9/x", country="KZ", measure_fn=fake_engine,
                                  control=no_control))
    finally:
        core.close()
    (fps,) = seen
    assert fps is not None and fps.match_http("Доступ ограничен", []).name == "x.extra"
