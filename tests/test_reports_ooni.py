"""The OONI importer against a local server that answers like OONI's measurement API."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from reports_support import ooni_api, web_connectivity
from sqlalchemy import select

from presswatch.fetch.client import Fetcher
from presswatch.record.ledger_models import LogEntry
from presswatch.record.measure_models import Measurement
from presswatch.record.report_models import OoniObservation
from presswatch.reports import ooni
from presswatch.reports.review import accept_report

URL = "https://news.example.kg/2015/11/26/video"


def test_parse_base_format_and_listing():
    rec = ooni.parse_measurement(web_connectivity(URL, "KZ", "u1", "dns", False))
    assert (rec.probe_cc, rec.blocking, rec.accessible, rec.anomaly) == ("KZ", "dns", False, True)
    assert rec.measured_at.isoformat() == "2015-11-26T08:00:00+00:00"
    ok = ooni.parse_measurement(web_connectivity(URL, "KZ", "u2", False, True))
    assert (ok.blocking, ok.anomaly, ok.failure) == (None, False, False)
    lines = "\n".join(__import__("json").dumps(web_connectivity(URL, "KZ", f"u{i}", False, True)) for i in range(3))
    assert len(ooni.parse_jsonl(lines + "\n\n")) == 3
    for bad in ({"test_name": "ndt"}, {**web_connectivity(URL, "KZ", "x", False, True), "probe_cc": "Kazakh"},
                {**web_connectivity(URL, "KZ", "x", False, True), "measurement_start_time": "yesterday"}):
        with pytest.raises(ooni.OoniError):
            ooni.parse_measurement(bad)
    with pytest.raises(ooni.OoniError):
        ooni.parse_listing({"nope": []})


def test_query_shape():
    q = ooni.query_url("https://api.ooni.io/", URL, "kz", since=date(2015, 11, 1), until=date(2015, 11, 30))
    assert q.startswith("https://api.ooni.io/api/v1/measurements?")
    for part in ("input=https%3A%2F%2Fnews.example.kg", "probe_cc=KZ", "test_name=web_connectivity",
                 "since=2015-11-01", "until=2015-11-30"):
        assert part in q
    assert "domain=news.example.kg" in ooni.query_url("https://api.ooni.io", "news.example.kg", "KZ")


def test_query_and_import_as_third_party(core):
    ms = [web_connectivity(URL, "KZ", "a1", "dns", False), web_connectivity(URL, "KZ", "a2", False, True),
          web_connectivity(URL, "KG", "a3", False, True)]
    with ooni_api(ms) as (base, seen):

        async def go():
            async with Fetcher(core.settings, core.clock) as f:
                return await ooni.query(f, base, URL, "KZ")

        recs = asyncio.run(go())
    assert sorted(r.measurement_uid for r in recs) == ["a1", "a2"]
    assert {r.measurement_uid: r.blocking for r in recs} == {"a1": "dns", "a2": None}
    assert seen[0].startswith("/api/v1/measurements?") and "probe_cc=KZ" in seen[0]
    ids = ooni.import_records(core, recs)
    assert ooni.import_records(core, recs) == ids  # a known measurement is stored once
    with core.db.session() as s:
        rows = list(s.scalars(select(OoniObservation)))
        assert len(rows) == 2 and all(r.ledger_index is not None for r in rows)
        kinds = {e.kind for e in s.scalars(select(LogEntry).where(LogEntry.ref.like("ooni_observation:%")))}
        assert kinds == {"third-party"}
        assert s.scalars(select(Measurement)).first() is None  # never recorded as our own measurement


def test_ssrf_guard_refuses_a_private_ooni_base(settings, tmp_path):
    from presswatch.core import Presswatch

    strict = Presswatch.open(settings.model_copy(update={"allow_private": False, "data": tmp_path / "strict"}))
    try:
        with ooni_api([]) as (base, seen):

            async def go():
                async with Fetcher(strict.settings, strict.clock) as f:
                    return await ooni.query(f, base, URL, "KZ")

            with pytest.raises(ooni.OoniError):
                asyncio.run(go())
        assert seen == []
    finally:
        strict.close()


def test_claim_corroborated_by_ooni_when_no_vantage(core, tmp_path: Path):
    text = (f"The ministry demanded that the news website Test Kg remove the article {URL} on November 25. "
            "The editors refused. However, the website has been blocked in Kazakhstan.")
    f = tmp_path / "r.txt"
    f.write_text(text, encoding="utf-8")
    doc = asyncio.run(core.add_report(str(f), report_date=date(2015, 11, 27)))
    assert ("blocked", "KZ") in {(c["kind"], c["country"]) for c in doc["claims"]}
    accept_report(core, doc["id"])
    ms = [web_connectivity(URL, "KZ", "b1", "dns", False), web_connectivity(URL, "KZ", "b2", "dns", False)]
    with ooni_api(ms) as (base, _):
        results = asyncio.run(core.check_report(doc["id"], ooni_base=base))
    blocked = next(r for r in results if r["kind"] == "blocked")
    assert (blocked["status"], blocked["source"]) == ("corroborated", "ooni")
    assert all(e.startswith("ooni_observation:") for e in blocked["evidence"])
