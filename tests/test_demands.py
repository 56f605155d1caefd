"""Demands: validation, documents, revisions, follow-up watches, redaction, Lumen-style import/export."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from presswatch.cases import demands as dm
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.record.demand_models import Demand, DemandRevision
from presswatch.record.models import Watch
from presswatch.settings import Settings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EML = (b"From: Press Office <press@culture.gov.kg>\r\nTo: editor@portal.kg\r\nSubject: Demand\r\n"
       b"Date: Mon, 2 Mar 2026 09:00:00 +0600\r\n\r\nPlease remove the article.\r\n")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def core(tmp_path: Path, clock: FakeClock):
    c = Presswatch.open(Settings(data=tmp_path / "data"), clock=clock)
    yield c
    c.close()


def demand(**over):
    base = {
        "title": "Demand to remove an article about a procurement scandal",
        "sender": {"name": "Ministry of Culture, Information and Youth Policy", "kind": "ministry",
                   "country": "KG", "person": "Aibek Osmonov", "email": "a.osmonov@minculture.gov.kg",
                   "phone": "+996 312 62 05 41"},
        "recipient": {"name": "Portal News", "kind": "outlet", "country": "KG", "person": "Editor Name"},
        "date_sent": "2026-03-01",
        "date_received": "2026-03-02T08:30:00Z",
        "deadline": "2026-03-05",
        "channel": "letter",
        "legal_basis": [{"country": "KG", "citation": "Law on False Information, art. 2"}],
        "actions": ["remove"],
        "targets": [{"url": "https://portal.example/news/2026/03/procurement", "description": "the article"}],
        "notes": "Call from the ministry at +996 555 123 456; contact a.osmonov@minculture.gov.kg",
    }
    base.update(over)
    return base


def test_add_and_show_round_trip(core):
    did = dm.add_demand(core, demand(), documents=[("letter.pdf", PDF)], by="analyst")
    rec = dm.get_demand(core, did, history=True)
    assert rec["sender"]["country"] == "KG" and rec["sender"]["kind"] == "ministry"
    assert rec["date_sent"] == "2026-03-01T00:00:00Z" and rec["deadline"] == "2026-03-05T00:00:00Z"
    assert rec["actions"] == ["remove"] and rec["channel"] == "letter"
    assert rec["documents"][0]["mime"] == "application/pdf"
    assert rec["documents"][0]["role"] == "original"
    sha = rec["documents"][0]["sha256"]
    assert (core.data_dir / "documents" / sha).read_bytes() == PDF
    assert rec["history"][0]["revision"] == 1 and rec["history"][0]["reason"] == "recorded"


def test_countries_accept_names_and_alpha3(core):
    did = dm.add_demand(core, demand(sender={"name": "Ministry", "kind": "ministry", "country": "Kyrgyzstan"},
                                     recipient={"name": "Outlet", "country": "KGZ"}))
    rec = dm.get_demand(core, did)
    assert rec["sender"]["country"] == "KG" and rec["recipient"]["country"] == "KG"


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"date_sent": "2026-02-30"}, "date_sent: invalid date '2026-02-30'"),
        ({"deadline": "next week"}, "deadline: invalid date 'next week'"),
        ({"date_sent": "1990-01-01"}, "date_sent: 1990-01-01T00:00:00Z is out of range"),
        ({"date_sent": "2027-01-01", "date_received": None, "deadline": None}, "date_sent: 2027-01-01"),
        ({"date_sent": "2026-03-02", "date_received": "2026-03-01"}, "date_received is before date_sent"),
        ({"deadline": "2026-02-01"}, "deadline is before the demand was sent"),
        ({"sender": {"name": "M", "kind": "ministry", "country": "XX"}},
         "sender.country: unknown country 'XX'"),
        ({"legal_basis": [{"country": "Narnia", "citation": "x"}]}, "unknown country 'Narnia'"),
        ({"actions": ["burn"]}, "unknown demanded action 'burn'"),
        ({"actions": []}, "actions"),
        ({"channel": "pigeon"}, "unknown channel 'pigeon'"),
        ({"sender": {"name": "M", "kind": "wizard"}}, "unknown sender kind 'wizard'"),
        ({"targets": [{"url": "ftp://x.example/a"}]}, "not an http(s) URL"),
        ({"targets": [{}]}, "each target needs a url or a description"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_validation_errors_are_clear(core, over, message):
    with pytest.raises(dm.InvalidDemand) as err:
        dm.add_demand(core, demand(**over))
    assert message in str(err.value)
    assert dm.list_demands(core) == []


def test_enum_spellings_are_normalised(core):
    did = dm.add_demand(core, demand(channel="E-mail", actions=["De-index", "disclose source"],
                                     response="partially complied"))
    rec = dm.get_demand(core, did)
    assert rec["channel"] == "email" and rec["actions"] == ["de-index", "disclose-source"]
    assert rec["response"] == "partially-complied" and rec["response_at"] == "2026-03-02T09:00:00Z"


def test_documents_accepted_by_magic_bytes_and_stored_once(core):
    did = dm.add_demand(core, demand(), documents=[("../../etc/x\x00 letter.pdf", PDF), ("scan.png", PNG),
                                                   ("mail.eml", EML), ("copy.pdf", PDF)])
    docs = dm.get_demand(core, did)["documents"]
    assert [d["mime"] for d in docs] == ["application/pdf", "image/png", "message/rfc822"]
    assert docs[0]["filename"] == "x letter.pdf"
    stored = sorted(p.name for p in (core.data_dir / "documents").iterdir())
    assert stored == sorted(d["sha256"] for d in docs)


def test_existing_document_is_never_overwritten(core):
    first = dm.store_document(core.data_dir, PDF, "a.pdf")
    first.path.write_bytes(b"tampered")
    with pytest.raises(dm.InvalidDocument, match="does not match its digest"):
        dm.store_document(core.data_dir, PDF, "a.pdf")
    assert first.path.read_bytes() == b"tampered"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "executable"),
        ("letter.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "executable"),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n", "executable"),
        ("notes.txt", b"just some text, no headers\n", "unknown file type"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 100, "not accepted"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_malicious_or_unknown_documents_refused(core, name, data, message):
    with pytest.raises(dm.InvalidDocument, match=message):
        dm.add_demand(core, demand(), documents=[(name, data)])
    assert dm.list_demands(core) == []
    folder = core.data_dir / "documents"
    assert not folder.exists() or not any(folder.iterdir())


def test_oversized_document_refused_before_reading(core, tmp_path):
    big = tmp_path / "big.pdf"
    with open(big, "wb") as fh:
        fh.write(PDF)
        fh.seek(dm.MAX_DOCUMENT_BYTES + 10)
        fh.write(b"\0")
    with pytest.raises(dm.InvalidDocument, match="over the"):
        dm.add_demand(core, demand(), documents=[big])
    with pytest.raises(dm.InvalidDocument, match="over the 100-byte limit"):
        dm.store_document(core.data_dir, PDF * 10, "x.pdf", max_bytes=100)


def test_sanitize_filename():
    assert dm.sanitize_filename("C:\\Users\\x\\..\\évidence 1.pdf") == "évidence 1.pdf"
    assert dm.sanitize_filename("....") == "document"
    assert dm.sanitize_filename(".hidden") == "hidden"
    assert dm.sanitize_filename("a<b>|c;d.pdf") == "a_b_c_d.pdf"
    long = dm.sanitize_filename("x" * 300 + ".pdf")
    assert len(long) == 120 and long.endswith(".pdf")


def test_updates_keep_revisions(core, clock):
    did = dm.add_demand(core, demand())
    clock.advance(3600)
    rev = dm.set_response(core, did, "refused", by="editor", reason="outlet said no")
    assert rev == 2
    clock.advance(3600)
    assert dm.update_demand(core, did, {"deadline": "2026-03-09", "sender": {"person": None}}, by="a") == 3
    assert dm.update_demand(core, did, {"deadline": "2026-03-09"}) == 3  # no change, no revision
    rec = dm.get_demand(core, did, history=True)
    assert rec["response"] == "refused" and rec["response_at"] == "2026-03-02T10:00:00Z"
    assert rec["sender"]["person"] is None and rec["sender"]["email"]  # merged, not replaced
    hist = rec["history"]
    assert [h["revision"] for h in hist] == [1, 2, 3]
    assert hist[1]["changes"]["response"] == {"old": "pending", "new": "refused"}
    assert hist[1]["by"] == "editor"
    assert set(hist[2]["changes"]) == {"deadline", "sender"}
    with core.db.session() as s:
        snaps = [r.snapshot for r in s.scalars(select(DemandRevision).order_by(DemandRevision.revision))]
    assert snaps[0]["response"] == "pending" and snaps[0]["deadline"] == "2026-03-05T00:00:00Z"
    with pytest.raises(dm.InvalidDemand, match="unknown response"):
        dm.set_response(core, did, "ignored")
    with pytest.raises(dm.InvalidDemand, match="invalid date"):
        dm.update_demand(core, did, {"deadline": "soon"})
    assert dm.get_demand(core, did)["revision"] == 3


def test_follow_up_watches_targets(core):
    did = dm.add_demand(core, demand())
    rec = dm.get_demand(core, did)
    wid = rec["targets"][0]["watch_id"]
    with core.db.session() as s:
        w = s.get(Watch, wid)
        assert w is not None
        assert w.url == "https://portal.example/news/2026/03/procurement"
        assert w.priority_until == datetime(2026, 3, 19, tzinfo=UTC)  # deadline + 14 days
        assert w.tags["demands"] == [did]
        assert "measure_in" not in w.tags  # own state, removal only: nothing to measure abroad


def test_blocking_or_foreign_demands_tag_measurement_countries(core):
    blocking = dm.add_demand(core, demand(actions=["block"], targets=[{"url": "https://a.example/x"}]))
    foreign = dm.add_demand(core, demand(
        sender={"name": "Prosecutor General", "kind": "prosecutor", "country": "RU"},
        legal_basis=[{"country": "RU", "citation": "149-FZ art. 15.3"}],
        targets=[{"url": "https://a.example/x"}, {"url": "https://b.example/y"}]))
    with core.db.session() as s:
        a = s.scalar(select(Watch).where(Watch.url == "https://a.example/x"))
        b = s.scalar(select(Watch).where(Watch.url == "https://b.example/y"))
        assert a is not None and b is not None
        assert a.tags["measure_in"] == ["KG", "RU"] and a.tags["demands"] == [blocking, foreign]
        assert b.tags["measure_in"] == ["RU"]


def test_duplicate_add_refused(core):
    did = dm.add_demand(core, demand(external_id="lumen:77"))
    with pytest.raises(dm.DuplicateDemand, match=f"demand #{did}"):
        dm.add_demand(core, demand(external_id="lumen:77", title="another"))
    with pytest.raises(dm.DuplicateDemand, match="same content"):
        dm.add_demand(core, demand(notes="different notes only", visibility="private"))


def test_export_import_round_trip_skips_duplicates(core, tmp_path, clock):
    dm.add_demand(core, demand(), documents=[("letter.pdf", PDF)])
    dm.add_demand(core, demand(title="Second", visibility="private"))
    exported = dm.export_demands(core)
    assert [n["title"] for n in exported["notices"]] == [demand()["title"], "Second"]
    n0 = exported["notices"][0]
    assert n0["type"] == "GovernmentRequest" and n0["action_taken"] == "Unspecified"
    assert n0["works"][0]["infringing_urls"] == [{"url": "https://portal.example/news/2026/03/procurement"}]
    assert n0["jurisdictions"] == ["KG"]
    again = dm.import_demands(core, exported)
    assert again.added == [] and len(again.skipped) == 2
    assert "skipped, duplicate of demand #1" in again.skipped[0]

    other = Presswatch.open(Settings(data=tmp_path / "other"), clock=clock)
    try:
        path = tmp_path / "export.json"
        path.write_text(json.dumps(exported))
        res = dm.import_demands(other, dm.load_json_file(path))
        assert len(res.added) == 2 and res.skipped == []
        rec = dm.get_demand(other, res.added[0])
        assert rec["content_digest"] == n0["presswatch"]["content_digest"]
        assert rec["sender"]["email"] == "a.osmonov@minculture.gov.kg"
        assert rec["documents"] == []  # the file is not in this data folder
        assert dm.import_demands(other, path and dm.load_json_file(path)).skipped[1].startswith("notice 2")
    finally:
        other.close()


def test_import_plain_lumen_notice(core):
    notice = {"id": 1234, "type": "CourtOrder", "title": "Order", "sender_name": "District Court",
              "recipient_name": "Google LLC", "date_sent": "2025-11-03", "jurisdictions": ["TR"],
              "action_taken": "Yes", "regulations": ["Law 5651 art. 8/A"],
              "works": [{"description": "news article", "infringing_urls": [{"url": "https://n.example/a"}]}]}
    res = dm.import_demands(core, {"notices": [notice]})
    rec = dm.get_demand(core, res.added[0])
    assert rec["external_id"] == "lumen:1234" and rec["sender"]["kind"] == "court"
    assert rec["sender"]["country"] == "TR" and rec["response"] == "complied"
    assert rec["legal_basis"][0]["citation"] == "Law 5651 art. 8/A"
    assert dm.import_demands(core, [notice]).skipped == ["notice 1: skipped, already recorded as demand #1 "
                                                         "(external_id lumen:1234)"]
    with pytest.raises(dm.InvalidDemand, match="notice 1: .*unknown country"):
        dm.import_demands(core, [{**notice, "id": 5, "jurisdictions": ["ZZ"]}])


def test_load_json_file_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(dm.InvalidDemand, match="not valid JSON"):
        dm.load_json_file(bad)
    with pytest.raises(dm.InvalidDemand, match="cannot read"):
        dm.load_json_file(tmp_path / "missing.json")


def test_public_export_redacts_and_hides(core):
    dm.add_demand(core, demand(title="Public one", notes="public notes"))
    dm.add_demand(core, demand(title="Private one", visibility="private"))
    dm.add_demand(core, demand(
        title="Redacted one, call +996 700 111 222 or write to press@gov.kg by 2026-03-05",
        visibility="redacted",
        recipient={"name": "Jane Editor", "kind": "editor", "country": "KG", "person": "Jane Editor"},
        targets=[{"url": "https://portal.example/secret/path?id=1", "redact_url": True,
                  "description": "piece by reporter@portal.example"},
                 {"url": "https://portal.example/open"}]), documents=[("Osmonov-letter.pdf", PDF)])
    full = dm.export_demands(core)
    assert len(full["notices"]) == 3
    pub = dm.export_demands(core, public=True)
    assert pub["meta"]["public"] is True
    titles = [n["title"] for n in pub["notices"]]
    assert titles[0] == "Public one" and len(titles) == 2
    assert pub["notices"][0]["body"] == "public notes"
    text = json.dumps(pub)
    assert "Private one" not in text
    red_text = json.dumps(pub["notices"][1])
    full_text = json.dumps(full["notices"][2])
    for secret in ("Aibek Osmonov", "a.osmonov@minculture.gov.kg", "+996 312 62 05 41", "+996 700 111 222",
                   "press@gov.kg", "Jane Editor", "reporter@portal.example", "/secret/path", "Osmonov-letter",
                   "+996 555 123 456"):
        assert secret in full_text
        assert secret not in red_text, secret
    red = pub["notices"][1]
    inner = red["presswatch"]
    assert red["title"] == "Redacted one, call [redacted] or write to [redacted] by 2026-03-05"
    assert inner["sender"]["person"] == inner["sender"]["email"] == inner["sender"]["phone"] == "[redacted]"
    assert red["recipient_name"] == "[redacted]" and red["body"] == "[redacted]"
    assert inner["targets"][0]["url"] == "portal.example" and inner["targets"][0]["watch_id"] is None
    assert inner["targets"][0]["description"] == "piece by [redacted]"
    assert inner["targets"][1]["url"] == "https://portal.example/open"
    assert red["works"][0]["infringing_urls"] == [{"url": "portal.example"}]
    assert inner["documents"][0]["filename"] == "[redacted]" and inner["documents"][0]["sha256"]
    # the public record still names the sender person: it is a public demand
    assert pub["notices"][0]["presswatch"]["sender"]["person"] == "Aibek Osmonov"
    assert [r["title"] for r in dm.public_demands(core)] == titles


def test_scrub_keeps_dates_and_short_numbers():
    assert dm.scrub("law 149-FZ of 2006-07-27, art. 15.3") == "law 149-FZ of 2006-07-27, art. 15.3"
    assert dm.scrub("tel. (312) 62-05-41") == "tel. [redacted]"
    assert dm.scrub("x@y.kg and +7 701 123 4567") == "[redacted] and [redacted]"


def test_every_change_is_a_log_entry_that_verifies(core, clock):
    from presswatch.record.ledger import Ledger
    from presswatch.record.ledger_models import LogEntry

    did = dm.add_demand(core, demand(), documents=[("letter.pdf", PDF)])
    clock.advance(60)
    dm.set_response(core, did, "refused")
    clock.advance(60)
    dm.update_demand(core, did, {"notes": "second thoughts"}, documents=[("scan.png", PNG)])
    with core.db.session() as s:
        entries = list(s.scalars(select(LogEntry).order_by(LogEntry.index)))
        revs = list(s.scalars(select(DemandRevision).order_by(DemandRevision.revision)))
    # recording the demand also logs its "demand received" event (for alerts), in the same transaction
    assert [(e.kind, e.ref) for e in entries] == [("demand", f"demand:{did}"), ("event", "event:1")] + [
        ("demand-update", f"demand:{did}")] * 2
    assert [r.ledger_index for r in revs] == [0, 2, 3]
    entries = [e for e in entries if e.kind != "event"]
    assert [e.supersedes for e in entries] == [None, 0, 2]
    leaf = json.loads(entries[2].canonical)["record"]
    assert leaf["update"]["changes"]["notes"]["new"] == "second thoughts"
    stored = dm.get_demand(core, did)["documents"]
    assert [d["sha256"] for d in leaf["documents"]] == [r["sha256"] for r in stored]
    report = Ledger(core).verify_store()
    assert report.ok, report.failures
    # a silent edit of the row is caught by the log
    core.db.write(lambda s: setattr(s.get(Demand, did), "response", "complied"))
    report = Ledger(core).verify_store()
    assert not report.ok and "field 'response'" in " ".join(report.failures)
