"""Press reports end to end: a report in, its draft reviewed and accepted, its claims checked against
the simulated news site and a simulated Kazakhstan vantage (a lying resolver and a blockpage server on
loopback), and a "remains online" claim contradicted by a removal."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from reports_support import FOUNDING, founding_like
from sqlalchemy import func, select

from presswatch.cases.incidents import timeline
from presswatch.record.ledger import Ledger
from presswatch.record.ledger_models import LogEntry
from presswatch.record.report_models import PressReport, ReportDraft
from presswatch.reports.checking import Vantage
from presswatch.reports.review import accept_report, get_report, reject_report
from presswatch.sim.censor import loopback_kz_vantage


@pytest.fixture
def site_url(simsite):
    """The simulated site addressed by name ("localhost"), so a lying resolver can answer for it."""
    return simsite.url.replace("127.0.0.1", "localhost")


def _port(simsite) -> int:
    return urlsplit(simsite.url).port


def _article(simsite, site_url: str, i: int = 0) -> tuple[str, str]:
    slug = simsite.slugs()[i]
    return slug, site_url + simsite.article(slug).path


def _log_size(core) -> int:
    with core.db.session() as s:
        return s.scalar(select(func.count()).select_from(LogEntry)) or 0


def _add(core, tmp_path: Path, text: str, name: str = "report.txt", **kw):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return asyncio.run(core.add_report(str(f), **kw))


def test_founding_like_report_end_to_end_all_claims_corroborated(core, simsite, site_url, tmp_path):
    _, url = _article(simsite, site_url)
    before = _log_size(core)
    doc = _add(core, tmp_path, founding_like(url), report_date=date(2015, 11, 27))
    assert _log_size(core) == before  # a draft never enters the evidence log
    assert doc["language"] == "en" and doc["outcome"] == "refused"
    senders = {(a["kind"], a["country"]) for a in doc["actors"] if a["role"] == "sender"}
    assert ("government", "KG") in senders and ("government", "KZ") in senders
    assert {a["kind"] for a in doc["actions"]} >= {"demand-removal", "referral-prosecutor", "ban", "block"}
    assert doc["blocked_countries"] == ["KZ"]
    assert "2015-11-25" in doc["dates"] and "2015-11-26" in doc["dates"]
    kinds = {(c["kind"], c["country"]) for c in doc["claims"]}
    assert kinds == {("online", None), ("blocked", "KZ")}
    assert all(c["as_of"] == "2015-11-26" for c in doc["claims"])
    assert doc["targets"]["articles"][0]["url"] == url
    quote = doc["claims"][0]
    text = founding_like(url)
    assert text[quote["offsets"][0]:quote["offsets"][1]] == quote["quote"]

    res = accept_report(core, doc["id"], by="reviewer")
    assert res["incident"] and len(res["demands"]) >= 1 and len(res["claims"]) == 2
    assert _log_size(core) > before

    with loopback_kz_vantage("localhost", "127.0.0.1", _port(simsite)) as kz:
        results = asyncio.run(core.check_report(
            doc["id"], vantages=[Vantage("KZ", "AS9198 Simulated KZ ISP", kz.resolver, kz.control_resolver)]))
    by_kind = {(r["kind"], r["country"]): r for r in results}
    assert by_kind[("online", None)]["status"] == "corroborated"
    assert by_kind[("online", None)]["evidence"][0].startswith("observation:")
    blocked = by_kind[("blocked", "KZ")]
    assert blocked["status"] == "corroborated" and blocked["source"] == "own"
    assert all(e.startswith("measurement:") for e in blocked["evidence"])
    assert "dns" in blocked["summary"]

    shown = get_report(core, doc["id"])
    assert {c["status"] for c in shown["claims"]} == {"corroborated"}
    entries = timeline(core, res["incident"])
    reported = [e for e in entries if e.kind == "reported"]
    assert reported and reported[0].summary.startswith("reported by report.txt on 2015-11-27")
    assert "blocked in KZ: corroborated" in reported[0].summary
    assert sum(e.kind == "claim-check" for e in entries) == 2
    # the report, its claims and their checks are in the log, and the whole store still verifies
    report = Ledger(core).verify_store()
    assert report.ok, report.failures
    with core.db.session() as s:
        kinds = {e.kind for e in s.scalars(select(LogEntry))}
    assert {"report", "claim-check", "incident", "demand"} <= kinds
    assert any(e.ref == f"press_report:{doc['id']}" for e in _entries(core))


def _entries(core):
    with core.db.session() as s:
        return list(s.scalars(select(LogEntry)))


def test_report_tables_match_the_migration(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from presswatch.record.base import Base
    from presswatch.record.db import Database
    from presswatch.record.registry import import_all_models

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    Database(url).migrate()
    import_all_models()
    mine = {"press_report", "report_draft", "report_claim", "claim_check", "ooni_observation"}
    with create_engine(url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if mine & set(str(d).split("'"))] == []


@pytest.mark.skipif(not FOUNDING.exists(), reason="the founding story's report is not in shared/data")
def test_founding_story_end_to_end(core, simsite, site_url, tmp_path):
    doc = asyncio.run(core.add_report(str(FOUNDING), report_date=date(2015, 11, 27)))
    assert doc["language"] == "en"
    assert ("blocked", "KZ") in {(c["kind"], c["country"]) for c in doc["claims"]}
    assert "online" in {c["kind"] for c in doc["claims"]}
    assert doc["outcome"] == "refused"
    # the report names neither the outlet nor the article's URL: the reviewer adds them
    _, url = _article(simsite, site_url, 1)
    edit = {"targets": {"outlets": [{"name": "the news website", "domain": None}],
                        "articles": [{"url": url, "title": None}]}}
    res = accept_report(core, doc["id"], edit=edit, by="reviewer")
    with core.db.session() as s:
        assert s.scalar(select(func.max(ReportDraft.revision)).where(ReportDraft.report_id == doc["id"])) == 2
    with loopback_kz_vantage("localhost", "127.0.0.1", _port(simsite)) as kz:
        results = asyncio.run(core.check_report(doc["id"], vantages=[Vantage("KZ", "", kz.resolver,
                                                                              kz.control_resolver)]))
    assert {r["status"] for r in results} == {"corroborated"}, results
    assert any(e.kind == "reported" for e in timeline(core, res["incident"]))


def test_remains_online_contradicted_by_a_removal(core, simsite, site_url, tmp_path):
    slug, url = _article(simsite, site_url, 2)
    text = (f"The Ministry of Information of Kazakhstan demanded on 3 March 2026 that the news website Daily "
            f"Simulated remove an article ({url}). The editors refused. As of March 5, the article remains online.")
    doc = _add(core, tmp_path, text, report_date=date(2026, 3, 6))
    assert [c["kind"] for c in doc["claims"]] == ["online"]
    accept_report(core, doc["id"])
    assert asyncio.run(core.check([url]))[0]["status"] == "new"  # presswatch had captured it online
    simsite.set_state(slug, "removal-notice", lang="ru")
    [r] = asyncio.run(core.check_report(doc["id"]))
    assert r["status"] == "contradicted"
    assert "removed (removal-notice)" in r["summary"] and r["evidence"][0].startswith("observation:")
    assert r["confidence"] >= 0.9  # the removal was confirmed by a second check


def test_removed_claim_corroborated_and_unchecked_country_unverified(core, simsite, site_url, tmp_path):
    slug, url = _article(simsite, site_url, 3)
    text = (f"Roskomnadzor ordered the outlet to delete the interview at {url} on 3 March 2026. The page was "
            f"removed the next day. The site has also been blocked in Russia.")
    doc = _add(core, tmp_path, text, report_date=date(2026, 3, 6))
    assert {(c["kind"], c["country"]) for c in doc["claims"]} == {("removed", None), ("blocked", "RU")}
    accept_report(core, doc["id"])
    simsite.set_state(slug, "delete-404")
    results = {r["kind"]: r for r in asyncio.run(core.check_report(doc["id"]))}
    assert results["removed"]["status"] == "corroborated"
    assert results["blocked"]["status"] == "unverified"  # no vantage in RU, OONI not configured
    assert "no vantage" in results["blocked"]["summary"]


def test_article_found_by_title_on_the_outlets_feed(core, simsite, tmp_path):
    slug = simsite.slugs()[4]
    title = simsite.article(slug).title
    text = (f"The prosecutor's office of Bishkek demanded that the outlet remove the article “{title}”. "
            "It remains online.")
    doc = _add(core, tmp_path, text, report_date=date(2026, 3, 6))
    assert doc["targets"]["articles"][0]["title"] == title
    res = accept_report(core, doc["id"], edit={"targets": {**doc["targets"], "outlets": [
        {"name": "Daily Simulated", "domain": None, "url": simsite.url + "/"}]}})
    [r] = asyncio.run(core.check_report(doc["id"]))
    assert r["status"] == "corroborated" and r["target_url"] is None
    shown = get_report(core, doc["id"])
    assert shown["claims"][0]["status"] == "corroborated"
    assert res["claims"]


def test_rejected_report_leaves_no_trace_in_the_record(core, tmp_path):
    before = _log_size(core)
    doc = _add(core, tmp_path, "The Interior Ministry asked the news website Foo Bar to remove a video. It refused.")
    reject_report(core, doc["id"], by="reviewer", why="not an incident")
    assert _log_size(core) == before
    with core.db.session() as s:
        assert s.get(PressReport, doc["id"]).status == "rejected"
    from presswatch.reports.ingest import InvalidReport

    with pytest.raises(InvalidReport):
        accept_report(core, doc["id"])


def test_accept_on_both_databases(db_url, tmp_path):
    from presswatch.core import Presswatch
    from presswatch.settings import Settings

    core = Presswatch.open(Settings(data=tmp_path / "d", db=db_url, allow_private=True))
    try:
        text = ("Министерство внутренних дел Кыргызстана 25 ноября потребовало от издания «Тест Ньюс» удалить "
                "статью. Редакция отказалась. По состоянию на 26 ноября статья остаётся доступна.")
        doc = _add(core, tmp_path, text, report_date=date(2025, 11, 27))
        assert doc["language"] == "ru" and doc["outcome"] == "refused"
        res = accept_report(core, doc["id"])
        shown = get_report(core, doc["id"])
        assert shown["status"] == "accepted" and shown["incident_id"] == res["incident"]
        assert shown["claims"][0]["status"] == "unchecked"
        again = _add(core, tmp_path, text, report_date=date(2025, 11, 27))
        assert again["id"] == doc["id"] and again["duplicate"] is True
    finally:
        core.close()


def test_bad_edit_is_refused_and_records_nothing(core, tmp_path):
    from presswatch.reports.ingest import InvalidReport
    from presswatch.reports.review import edit_draft

    doc = _add(core, tmp_path, "The Interior Ministry asked the news website Foo Bar to remove a video. It refused.")
    before = _log_size(core)
    with pytest.raises(InvalidReport, match="outcome"):
        edit_draft(core, doc["id"], {"outcome": "perhaps"})
    with pytest.raises(InvalidReport, match="as_of"):
        accept_report(core, doc["id"], edit={"claims": [{"kind": "online", "country": None, "as_of": "soon"}]})
    assert _log_size(core) == before
    from presswatch.cases.incidents import list_incidents

    assert list_incidents(core) == []
    assert get_report(core, doc["id"])["status"] == "draft"


def test_probes_in_the_country_are_asked_to_measure(core, tmp_path):
    from datetime import UTC, datetime

    from presswatch.record.measure_models import Probe
    from presswatch.record.models import Watch

    core.db.write(lambda s: s.add(Probe(id="p-kz", public_key="k" * 43, country="KZ", network="AS1",
                                        enrolled_at=datetime(2026, 1, 1, tzinfo=UTC))))
    url = "http://127.0.0.1:9/2026/03/article"
    doc = _add(core, tmp_path, f"The site {url} has been blocked in Kazakhstan, the outlet said on 3 March 2026.",
               report_date=date(2026, 3, 6))
    accept_report(core, doc["id"])
    [r] = asyncio.run(core.check_report(doc["id"]))
    assert r["status"] == "unverified"  # no measurement yet: the probe has it assigned
    with core.db.session() as s:
        w = s.scalar(select(Watch).where(Watch.url == url))
        assert w is not None and w.tags.get("measure_in") == ["KZ"]
