"""Incidents: the demand → refusal → still online → blocked abroad story, outcomes, overrides, log indices."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from presswatch.cases import demands as dm
from presswatch.cases import incidents as inc
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.errors import NotFound
from presswatch.record.ledger import Ledger
from presswatch.record.ledger_models import LogEntry
from presswatch.record.models import Capture, Event, Observation, Watch
from presswatch.settings import Settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URL = "https://portal.example/news/2026/03/procurement"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def core(tmp_path: Path, clock: FakeClock):
    c = Presswatch.open(Settings(data=tmp_path / "data"), clock=clock)
    yield c
    c.close()


def kg_demand(**over):
    data = {
        "title": "Remove the article on the ministry's procurement",
        "sender": {"name": "Ministry of Culture of the Kyrgyz Republic", "kind": "ministry", "country": "KG"},
        "recipient": {"name": "Portal News", "kind": "outlet", "country": "KG"},
        "date_sent": "2026-03-01",
        "date_received": "2026-03-02T08:00:00Z",
        "deadline": "2026-03-04",
        "channel": "letter",
        "legal_basis": [{"country": "KG", "citation": "Law on Protection from False Information, art. 4"}],
        "actions": ["remove"],
        "targets": [{"url": URL}],
    }
    data.update(over)
    return data


def observe(core, watch_id, at, status, *, reason=None, confirmed=False, diff=None, capture=False):
    def write(s):
        cap_id = None
        if capture:
            cap = Capture(url=URL, captured_at=at, warc_file="warc/x.warc.gz", offset=0, length=10,
                          record_type="response", record_id="<urn:uuid:1>", payload_digest="sha1:AAAA",
                          http_status=200)
            s.add(cap)
            s.flush()
            cap_id = cap.id
        o = Observation(watch_id=watch_id, url=URL, checked_at=at, status=status, reason=reason,
                        confirmed=confirmed, diff=diff, capture_id=cap_id, http_status=200, details={})
        s.add(o)
        s.flush()
        Ledger(core).append(s, "observation", {"id": o.id, "status": status}, ref=f"observation:{o.id}")
        return o.id

    return core.db.write(write)


def event(core, at, kind, *, watch_id=None, country=None, reason=None, details=None, observation_id=None):
    def write(s):
        e = Event(watch_id=watch_id, at=at, kind=kind, country=country, reason=reason, summary="",
                  details=details or {}, observation_id=observation_id)
        s.add(e)
        s.flush()
        Ledger(core).append_events(s, [e])
        return e.id

    return core.db.write(write)


def watch_of(core, demand_id):
    return dm.get_demand(core, demand_id)["targets"][0]["watch_id"]


def test_story_demand_refused_still_online_blocked_in_kz(core, clock):
    did = dm.add_demand(core, kg_demand())
    wid = watch_of(core, did)
    observe(core, wid, T0 + timedelta(hours=1), "new", capture=True)
    clock.set(T0 + timedelta(days=1))
    dm.set_response(core, did, "refused", by="editor-in-chief")
    observe(core, wid, T0 + timedelta(days=2, hours=1), "unchanged")  # a day after the refusal
    event(core, T0 + timedelta(days=3), "blocked", watch_id=wid, country="KZ", reason="dns")

    iid = inc.create_incident(core, "Kyrgyz ministry vs Portal News", kind="censorship/removal")
    inc.add_to_incident(core, iid, demands=[did], countries=["Kazakhstan"])
    clock.set(T0 + timedelta(days=3, hours=2))
    inc.add_note(core, iid, "Outlet published the letter.", author="analyst")

    tl = inc.timeline(core, iid)
    assert [t.kind for t in tl] == ["demand", "first-capture", "response", "online", "blocked", "note"]
    assert tl[0].summary.startswith(
        "demand #1 from Ministry of Culture of the Kyrgyz Republic (KG) to Portal News: remove; citing")
    assert tl[0].at == datetime(2026, 3, 1, tzinfo=UTC)
    assert "deadline 2026-03-04" in tl[0].summary
    assert tl[2].summary == "response to demand #1: refused (recorded by editor-in-chief)"
    assert tl[3].summary.startswith(f"{URL} still online and unchanged (2 checks since")
    assert tl[4].summary == f"blocked in KZ (dns): {URL}" and tl[4].country == "KZ"
    assert tl[4].details["method"] == "dns"
    assert [t.at for t in tl] == sorted(t.at for t in tl)

    out = inc.infer_outcome(core, iid)
    assert out.label == "refused" and out.final == "refused"
    assert out.statements == [
        "refused: the recipient refused and the target was still online and unchanged "
        "10 hours after the deadline",
        "blocked in KZ (dns) since 2026-03-05",
    ]
    shown = inc.show_incident(core, iid)
    assert shown["countries"] == ["KG", "KZ"] and shown["hosts"] == ["portal.example"]
    assert shown["watches"][0]["url"] == URL

    # the editor has the final word; the inference stays visible beside it
    inc.override_outcome(core, iid, "refused, then blocked abroad", by="editor",
                         why="confirmed with the outlet")
    out = inc.infer_outcome(core, iid)
    assert out.final == "refused, then blocked abroad" and out.label == "refused"
    assert out.override and out.override["by"] == "editor"
    assert out.override["why"] == "confirmed with the outlet"
    with pytest.raises(inc.InvalidIncident, match="who"):
        inc.override_outcome(core, iid, "x", by="", why="")

    # every cited entry is in the log and the log verifies
    with core.db.session() as s:
        kinds = {e.index: (e.kind, e.ref) for e in s.scalars(select(LogEntry))}
    indices = inc.incident_entry_indices(core, iid)
    cited = [kinds[i] for i in indices]
    assert ("demand", "demand:1") in cited and ("demand-update", "demand:1") in cited
    assert ("note", "incident_note:1") in cited
    assert sum(1 for k in cited if k[0] == "incident") == 3  # created, linked, overridden once
    report = Ledger(core).verify_store()
    assert report.ok, report.failures


def test_refused_inferred_from_silence_after_deadline(core, clock):
    did = dm.add_demand(core, kg_demand())
    wid = watch_of(core, did)
    observe(core, wid, T0 + timedelta(hours=1), "new")
    observe(core, wid, datetime(2026, 3, 11, 12, tzinfo=UTC), "unchanged")
    iid = inc.create_incident(core, "silence")
    inc.add_to_incident(core, iid, demands=[did])
    out = inc.infer_outcome(core, iid)
    assert out.label == "refused"
    assert out.statements == ["refused: the target was still online and unchanged 7 days after the deadline"]


def test_pending_before_the_grace_period(core):
    did = dm.add_demand(core, kg_demand())
    observe(core, watch_of(core, did), T0 + timedelta(days=1), "unchanged")
    iid = inc.create_incident(core, "waiting")
    inc.add_to_incident(core, iid, demands=[did])
    out = inc.infer_outcome(core, iid)
    assert out.label == "pending"
    assert out.statements == ["pending: the target was still online and unchanged 1 day after the demand"]


def test_complied_removed_with_reason(core):
    did = dm.add_demand(core, kg_demand())
    wid = watch_of(core, did)
    observe(core, wid, T0 + timedelta(hours=1), "new")
    o = observe(core, wid, T0 + timedelta(days=2, hours=3), "removed", reason="soft-404", confirmed=True)
    event(core, T0 + timedelta(days=2, hours=3), "removed", watch_id=wid, reason="soft-404", observation_id=o)
    iid = inc.create_incident(core, "removed")
    inc.add_to_incident(core, iid, demands=[did])
    out = inc.infer_outcome(core, iid)
    assert out.label == "complied"
    assert out.statements == ["complied: removed 2 days after the demand, soft-404"]
    tl = inc.timeline(core, iid)
    assert [t.kind for t in tl] == ["demand", "first-capture", "removed"]
    assert tl[-1].ref.startswith("event:")  # the event describes it; no duplicate from the observation


def test_edited_counts_removed_paragraphs(core):
    did = dm.add_demand(core, kg_demand())
    wid = watch_of(core, did)
    observe(core, wid, T0 + timedelta(hours=1), "new")
    diff = {"paragraphs_added": 0, "paragraphs_removed": 2, "words_added": 0, "words_removed": 80,
            "title_changed": False}
    observe(core, wid, T0 + timedelta(days=1), "edited", diff=diff)
    observe(core, wid, T0 + timedelta(days=2), "unchanged")
    iid = inc.create_incident(core, "edited")
    inc.add_to_incident(core, iid, demands=[did])
    assert inc.infer_outcome(core, iid).statements == ["edited: 2 paragraphs removed after the demand"]
    tl = inc.timeline(core, iid)
    assert [t.kind for t in tl] == ["demand", "first-capture", "edited", "online"]
    assert tl[2].details["diff"]["paragraphs_removed"] == 2
    assert "-2 paragraphs" in tl[2].summary


def test_unblocked_and_host_level_events(core):
    did = dm.add_demand(core, kg_demand(actions=["block"]))
    assert dm.get_demand(core, did)["measure_in"] == []
    with core.db.session() as s:
        assert s.get(Watch, watch_of(core, did)).tags["measure_in"] == ["KG"]
    event(core, T0 + timedelta(days=1), "blocked", country="KG", reason="http-blockpage",
          details={"host": "portal.example"})
    event(core, T0 + timedelta(days=4), "unblocked", country="KG", details={"host": "portal.example"})
    event(core, T0 + timedelta(days=2), "blocked", country="RU", reason="dns",
          details={"host": "other.example"})
    iid = inc.create_incident(core, "blocking")
    inc.add_to_incident(core, iid, demands=[did])
    out = inc.infer_outcome(core, iid)
    assert "unblocked in KG on 2026-03-06 (was blocked by http-blockpage since 2026-03-03)" in out.statements
    assert not any("RU" in st for st in out.statements)
    kinds = [t.kind for t in inc.timeline(core, iid)]
    assert kinds == ["demand", "blocked", "unblocked"]


def test_links_by_url_host_and_errors(core):
    did = dm.add_demand(core, kg_demand())
    iid = inc.create_incident(core, "links")
    added = inc.add_to_incident(core, iid, urls=[URL], hosts=["Portal.Example"], countries=["kgz"])
    assert added == [("country", "KG"), ("host", "portal.example"), ("watch", str(watch_of(core, did)))]
    assert inc.add_to_incident(core, iid, urls=[URL]) == []  # already linked: no change, no log entry
    with pytest.raises(NotFound):
        inc.add_to_incident(core, iid, demands=[99])
    with pytest.raises(NotFound, match="not watched"):
        inc.add_to_incident(core, iid, urls=["https://nowhere.example/x"])
    with pytest.raises(dm.InvalidDemand, match="unknown country"):
        inc.add_to_incident(core, iid, countries=["Atlantis"])
    with pytest.raises(NotFound):
        inc.timeline(core, 42)
    with pytest.raises(inc.InvalidIncident):
        inc.create_incident(core, "  ")


def test_entry_indices_public_leaves_out_private_demands(core):
    pub = dm.add_demand(core, kg_demand())
    priv = dm.add_demand(core, kg_demand(title="private", visibility="private",
                                         targets=[{"url": "https://portal.example/b"}]))
    iid = inc.create_incident(core, "mixed")
    inc.add_to_incident(core, iid, demands=[pub, priv])
    with core.db.session() as s:
        refs = {e.index: e.ref for e in s.scalars(select(LogEntry))}
    everything = {refs[i] for i in inc.incident_entry_indices(core, iid)}
    public = {refs[i] for i in inc.incident_entry_indices(core, iid, public=True)}
    assert {f"demand:{pub}", f"demand:{priv}"} <= everything
    assert f"demand:{priv}" not in public and f"demand:{pub}" in public
    assert json.dumps(sorted(everything))


def test_cli_demand_and_incident_commands(tmp_path):
    from typer.testing import CliRunner

    from presswatch.cli import app
    from presswatch.cli._support import CliState

    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    exe = tmp_path / "letter.pdf.exe"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    data = tmp_path / "cli-data"
    clock = FakeClock(T0)

    def run(*args):
        result = CliRunner().invoke(app, ["--data-dir", str(data), *args], obj=CliState(clock=clock))
        return result

    add = ["demand", "add", "--title", "Remove the article", "--sender", "Ministry of Culture",
           "--sender-kind", "ministry", "--sender-country", "KG", "--recipient", "Portal News",
           "--recipient-country", "KG", "--sent", "2026-03-01", "--deadline", "2026-03-04",
           "--law", "KG:Law on Protection from False Information, art. 4", "--action", "remove",
           "--target", URL, "--document", str(pdf), "--visibility", "redacted",
           "--sender-person", "A. Osmonov"]
    r = run(*add)
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "1" and "watching 1 target URL" in r.stderr

    bad = run(*[("Narnia" if a == "KG" and i == 9 else a) for i, a in enumerate(add)])
    assert bad.exit_code == 2 and "unknown country 'Narnia'" in bad.stderr
    r = run(*add[:-4], "--document", str(exe))
    assert r.exit_code == 2 and "executable" in r.stderr
    r = run("demand", "add", *add[2:-4], "--sent", "2026-13-01")
    assert r.exit_code == 2 and "invalid date '2026-13-01'" in r.stderr

    r = run("demand", "update", "1", "--response", "refused", "--by", "editor")
    assert r.exit_code == 0 and "revision 2" in r.stderr
    shown = json.loads(run("demand", "show", "1", "--json").stdout)
    assert shown["response"] == "refused" and [h["revision"] for h in shown["history"]] == [1, 2]
    assert shown["legal_basis"] == [{"country": "KG", "citation": "Law on Protection from False Information, "
                                     "art. 4", "text": None}]
    assert "Ministry of Culture (KG)" in run("demand", "list").stdout

    out = tmp_path / "public.json"
    assert run("demand", "export", "--public", "--out", str(out)).exit_code == 0
    exported = json.loads(out.read_text())
    assert exported["notices"][0]["presswatch"]["sender"]["person"] == "[redacted]"
    full = json.loads(run("demand", "export").stdout)
    full_file = tmp_path / "full.json"
    full_file.write_text(json.dumps(full))
    r = run("demand", "import", str(full_file))
    assert r.exit_code == 0 and "notice 1: skipped" in r.stderr and "imported 0" in r.stderr

    assert run("incident", "new", "Ministry vs Portal News").stdout.strip() == "1"
    r = run("incident", "add", "1", "--demand", "1", "--country", "KZ", "--note", "Outlet refused.",
            "--author", "analyst")
    assert r.exit_code == 0 and "added demand 1" in r.stderr
    tl = json.loads(run("incident", "timeline", "1", "--json").stdout)
    assert [e["kind"] for e in tl["timeline"]] == ["demand", "response", "note"]
    assert tl["outcome"]["inferred"]["label"] == "unknown"
    assert run("incident", "override", "1", "refused", "--by", "ed", "--why", "letter").exit_code == 0
    text = run("incident", "show", "1").stdout
    assert "outcome: refused" in text and "editor's override by ed" in text
    assert run("incident", "show", "7").exit_code == 2


def test_measurement_events_by_target_and_site_watch(core):
    from presswatch.sources.watchlist import add_watch

    did = dm.add_demand(core, kg_demand())
    site = add_watch(core, "https://portal.example/", kind="site")
    event(core, T0 + timedelta(days=1), "blocked", country="KZ", reason="dns",
          details={"scope": "url", "target": URL})
    event(core, T0 + timedelta(days=2), "blocked", watch_id=site, country="RU", reason="tls-sni",
          details={"scope": "host", "target": "portal.example"})
    event(core, T0 + timedelta(days=2), "blocked", country="BY", reason="dns",
          details={"scope": "url", "target": "https://elsewhere.example/x"})
    iid = inc.create_incident(core, "measured")
    inc.add_to_incident(core, iid, demands=[did])
    tl = inc.timeline(core, iid)
    assert [(t.kind, t.country) for t in tl] == [("demand", None), ("blocked", "KZ"), ("blocked", "RU")]
    assert tl[1].summary == f"blocked in KZ (dns): {URL}"
    assert tl[2].summary == "blocked in RU (tls-sni): portal.example"


def test_non_public_records_are_marked_private_in_the_log(core):
    from presswatch.publish.bundle import is_private

    pub = dm.add_demand(core, kg_demand())
    red = dm.add_demand(core, kg_demand(title="redacted", visibility="redacted"))
    iid = inc.create_incident(core, "hidden", visibility="private")
    inc.add_note(core, iid, "internal")
    with core.db.session() as s:
        marks = {e.ref: is_private(json.loads(e.canonical)["record"]) for e in s.scalars(select(LogEntry))}
    with core.db.session() as s:
        events = {int(e.details["demand_id"]): e.id for e in s.scalars(select(Event).where(Event.kind == "demand"))}
    # each demand's "demand received" event is marked like the demand (its alert data is in the event row)
    assert marks == {f"demand:{pub}": False, f"demand:{red}": True, f"incident:{iid}": True,
                     "incident_note:1": True, f"event:{events[pub]}": False, f"event:{events[red]}": True}
