"""The case events — "demand received" (``demand``) and "incident outcome changed" (``incident-outcome``) —
delivered to a real local receiver (signatures verified with ``standardwebhooks``), exactly once, matched by
the filters, never to a subscription whose owner may not see the record; the evidence log still verifies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from presswatch.alerts.deliver import DeliveryStats, deliver_pending
from presswatch.alerts.manage import add_subscription
from presswatch.alerts.subscriptions import case_facts, matches, parse_filters
from presswatch.cases import demands as dm
from presswatch.cases import incidents as inc
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.errors import ConfigError
from presswatch.publish.visibility import public_view
from presswatch.record.ledger import Ledger
from presswatch.record.models import Event, Outbox
from presswatch.settings import Settings
from tests.alerts_receiver import SECRET, Receiver, receiver

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URL = "https://portal.example/news/2026/03/procurement"


@pytest.fixture()
def core(tmp_path: Path, db_url: str) -> Iterator[Presswatch]:
    c = Presswatch.open(Settings(data=tmp_path, db=db_url, allow_private=True, alert_timeout=2.0,
                                 public_url="https://pw.example"), clock=FakeClock(T0))
    yield c
    c.close()


@pytest.fixture()
def sqlite_core(tmp_path: Path) -> Iterator[Presswatch]:
    c = Presswatch.open(Settings(data=tmp_path, allow_private=True, alert_timeout=2.0), clock=FakeClock(T0))
    yield c
    c.close()


def demand(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Remove the article on the ministry's procurement",
        "sender": {"name": "Ministry of Culture", "kind": "ministry", "country": "KG",
                   "person": "A. Officer", "email": "officer@ministry.kg"},
        "recipient": {"name": "Portal News", "kind": "outlet", "country": "KG", "person": "Chief Editor"},
        "date_sent": "2026-03-01",
        "date_received": "2026-03-02T08:00:00Z",
        "deadline": "2026-03-04",
        "channel": "letter",
        "legal_basis": [{"country": "KG", "citation": "Law on Protection from False Information, art. 4"}],
        "actions": ["remove"],
        "targets": [{"url": URL}],
        "notes": "call the lawyer",
    }
    data.update(over)
    return data


def deliver(core: Presswatch) -> DeliveryStats:
    return asyncio.run(deliver_pending(core))


def test_demand_received_once_per_subscription_as_its_owner_may_see_it(core: Presswatch) -> None:
    with receiver(Receiver()) as staff, receiver(Receiver()) as viewer, receiver(Receiver()) as kz:
        add_subscription(core, webhook=staff.url, secret=SECRET, filters={"events": ["demand"]})
        add_subscription(core, webhook=viewer.url, secret=SECRET,
                         filters={"events": ["demand"], "private": False}, owner="viewer1")
        add_subscription(core, webhook=kz.url, secret=SECRET, filters={"events": ["demand"], "countries": ["KZ"]})
        pub = dm.add_demand(core, demand(), follow=False)
        red = dm.add_demand(core, demand(title="Second letter", visibility="redacted",
                                         targets=[{"url": URL + "-2", "redact_url": True}]), follow=False)
        priv = dm.add_demand(core, demand(title="Secret letter", visibility="private",
                                          targets=[{"url": URL + "-3"}]), follow=False)

        st = deliver(core)
        assert (st.delivered, st.pending, st.failed) == (5, 0, 0)
        assert all(r.verified for r in staff.got + viewer.got)
        got = {b["data"]["demand"]["id"]: b for b in (r.json for r in staff.got)}  # (sent in parallel)
        assert set(got) == {pub, red, priv}
        body = got[pub]
        assert body["type"] == "demand" and "timestamp" in body
        data = body["data"]
        for key in ("url", "status", "reason", "confirmed", "checked_at", "title", "capture", "evidence"):
            assert key in data
        assert data["status"] == "received" and data["country"] == "KG"
        assert data["url"] == f"https://pw.example/demands/{pub}"
        assert data["title"] == "Remove the article on the ministry's procurement"
        assert data["demand"]["targets"] == [{"url": URL, "description": None}]
        assert data["demand"]["sender"] == {"name": "Ministry of Culture", "kind": "ministry", "country": "KG"}
        assert isinstance(data["evidence"], int) and data["proof"]["index"] == data["evidence"]
        # never personal contacts or notes, whoever the owner is
        for b in got.values():
            text = str(b)
            assert "officer@ministry.kg" not in text and "A. Officer" not in text and "call the lawyer" not in text

        # the viewer's subscription: the public demand and the redacted one as published; the private one never
        seen = {b["data"]["demand"]["id"]: b["data"] for b in (r.json for r in viewer.got)}
        assert set(seen) == {pub, red}
        assert seen[red]["demand"]["targets"] == [{"url": "portal.example", "description": None}]
        assert seen[red]["demand"]["recipient"]["name"] == "Portal News"
        assert "Secret letter" not in str([r.json for r in viewer.got])
        assert kz.got == []  # a KG demand is no KZ subscription's business

        # exactly once: another pass sends nothing; every webhook-id arrived once
        assert deliver(core).attempts == 0
        assert set(staff.ids().values()) == {1} and len(staff.got) == 3

        # the events are in the evidence log (private ones marked), and the log verifies
        report = Ledger(core).verify_store()
        assert report.ok, report.failures
        with core.db.session() as s:
            assert s.scalar(select(func.count()).select_from(Outbox).where(Outbox.delivered_at.is_(None))) == 0
            private_event = s.scalar(select(Event).where(Event.kind == "demand").order_by(Event.id.desc()))
            assert private_event is not None and private_event.summary == f"demand #{priv} received"
        # anonymous views (API, feeds) leave the private demand's event out
        assert not public_view(core).event_visible(None, None, private_event.details)


def test_invalid_demand_writes_no_event(sqlite_core: Presswatch) -> None:
    core = sqlite_core
    with pytest.raises(dm.InvalidDemand):
        dm.add_demand(core, demand(sender={"name": "", "kind": "ministry"}), follow=False)
    did = dm.add_demand(core, demand(), follow=False)
    with pytest.raises(dm.DuplicateDemand):
        dm.add_demand(core, demand(), follow=False)
    with core.db.session() as s:
        assert [(e.kind, e.details["demand_id"]) for e in s.scalars(select(Event))] == [("demand", did)]
        assert s.scalar(select(func.count()).select_from(Outbox)) == 1


def test_incident_outcome_changes_are_alerted_once(core: Presswatch) -> None:
    clock = core.clock
    assert isinstance(clock, FakeClock)
    with receiver(Receiver()) as staff, receiver(Receiver()) as viewer, receiver(Receiver()) as other:
        pub = inc.create_incident(core, "Kyrgyz ministry vs Portal News", kind="censorship/removal")
        hidden = inc.create_incident(core, "Internal case", visibility="private")
        add_subscription(core, webhook=staff.url, secret=SECRET, filters={"events": ["incident-outcome"]})
        add_subscription(core, webhook=viewer.url, secret=SECRET, owner="viewer1",
                         filters={"events": ["incident-outcome"], "private": False, "incident": pub})
        add_subscription(core, webhook=other.url, secret=SECRET,
                         filters={"events": ["incident-outcome"], "incident": hidden})
        did = dm.add_demand(core, demand(targets=[]), follow=False)
        priv_did = dm.add_demand(core, demand(title="Secret letter", visibility="private", targets=[]),
                                 follow=False)

        inc.add_to_incident(core, pub, demands=[did])  # no watched target, response pending: still unknown
        clock.advance(3600)
        dm.set_response(core, did, "refused")  # → refused
        clock.advance(3600)
        inc.override_outcome(core, pub, "refused, then blocked abroad", by="editor", why="confirmed")
        inc.override_outcome(core, pub, "refused, then blocked abroad", by="editor", why="again")  # no change
        inc.add_to_incident(core, hidden, demands=[priv_did])
        dm.set_response(core, priv_did, "complied")

        st = deliver(core)
        assert st.failed == 0 and st.pending == 0
        staff_bodies = sorted((r.json for r in staff.got), key=lambda b: b["data"]["event_id"])  # sent in parallel
        outcomes = [(b["data"]["incident"]["id"], b["data"]["incident"]["outcome"]["previous"], b["data"]["status"])
                    for b in staff_bodies]
        assert outcomes == [(pub, "unknown", "refused"), (pub, "refused", "refused, then blocked abroad"),
                            (hidden, "unknown", "complied")]
        last = staff_bodies[1]["data"]
        assert last["reason"] == "override" and last["incident"]["outcome"]["inferred"] == "refused"
        assert last["incident"]["outcome"]["override"]["by"] == "editor"
        assert last["country"] == "KG"
        # the viewer (incident filter) gets the public incident's changes, never the private one's
        assert [r.json["data"]["incident"]["id"] for r in viewer.got] == [pub, pub]
        assert "Internal case" not in str([r.json for r in viewer.got])
        assert [r.json["data"]["incident"]["id"] for r in other.got] == [hidden]
        assert all(r.verified for r in staff.got + viewer.got + other.got)
        assert deliver(core).attempts == 0
        report = Ledger(core).verify_store()
        assert report.ok, report.failures
        # the case events stay out of the incidents' timelines (the demands are there already)
        assert "incident-outcome" not in {t.kind for t in inc.timeline(core, pub)}


def test_case_facts_and_filters_are_pure() -> None:
    details = {"private": False, "countries": ["KG", "KZ"], "hosts": ["news.portal.example"], "incidents": [4],
               "watch_ids": [7, 8]}
    facts = case_facts("incident-outcome", None, details)
    assert matches(parse_filters({"events": ["incident-outcome"], "countries": ["KZ"]}), facts)
    assert matches(parse_filters({"site": "portal.example"}), facts)
    assert matches(parse_filters({"watch": 8, "incident": 4}), facts)
    assert not matches(parse_filters({"incident": 5}), facts)
    assert not matches(parse_filters({"events": ["demand"]}), facts)
    hidden = case_facts("demand", "KG", {**details, "private": True})
    assert matches(parse_filters({}), hidden)  # staff (the default: the command line, editors)
    assert not matches(parse_filters({"private": False}), hidden)
    assert not matches(parse_filters({"private": False}), case_facts("demand", "KG", {}))  # unmarked: private
    with pytest.raises(ConfigError, match="private"):
        parse_filters({"private": "yes"})


def test_refresh_outcomes_after_new_observations(sqlite_core: Presswatch) -> None:
    from presswatch.record.models import Observation

    core = sqlite_core
    did = dm.add_demand(core, demand(), follow=False)
    wid = core.watch(URL)
    core.db.write(lambda s: setattr(s.scalars(select(dm.DemandTarget)).one(), "watch_id", wid))
    iid = inc.create_incident(core, "case")
    inc.add_to_incident(core, iid, demands=[did])

    def observe(s: Any) -> None:
        o = Observation(watch_id=wid, url=URL, checked_at=T0 + timedelta(hours=5), status="removed",
                        reason="http-404", confirmed=True, http_status=404, details={})
        s.add(o)
        s.flush()
        Ledger(core).append(s, "observation", {"id": o.id, "status": "removed"}, ref=f"observation:{o.id}")

    core.db.write(observe)
    (eid,) = inc.refresh_outcomes(core)
    assert inc.refresh_outcomes(core) == []  # unchanged since
    with core.db.session() as s:
        e = s.get(Event, eid)
        assert e is not None and e.kind == "incident-outcome"
        assert e.details["incident"]["outcome"]["final"] == "complied"
        assert e.details["incident"]["outcome"]["previous"] == "unknown"
    # `presswatch verify` still passes with the case events in the log
    from typer.testing import CliRunner

    from presswatch.cli import app

    res = CliRunner().invoke(app, ["--data-dir", str(core.data_dir), "verify", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["ok"] is True


def test_a_run_pass_writes_the_outcome_event_of_a_confirmed_removal(tmp_path: Path) -> None:
    from presswatch.sim.site import SimSite

    clock = FakeClock(T0)
    site = SimSite(articles=3, seed=5).start()
    core = Presswatch.open(Settings(data=tmp_path / "d", allow_private=True, confirm_checks=2, timeout=5.0,
                                    respect_robots=False, alerts_in_run=False), clock=clock)
    try:
        url = site.article_urls()[0]
        core.watch(url)
        did = dm.add_demand(core, demand(targets=[{"url": url}]))  # follows: the target is watched
        iid = inc.create_incident(core, "case")
        inc.add_to_incident(core, iid, demands=[did])

        def outcome_events() -> list[Event]:
            with core.db.session() as s:
                return list(s.scalars(select(Event).where(Event.kind == "incident-outcome").order_by(Event.id)))

        before = len(outcome_events())
        asyncio.run(core.run_pass())  # first capture
        site.set_state(url.rsplit("/", 1)[1], "removal-notice", lang="en")
        for _ in range(2):  # removed, then confirmed
            clock.advance(86400)
            asyncio.run(core.run_pass())
        after = outcome_events()
        assert len(after) == before + 1
        assert after[-1].details["incident"]["outcome"]["final"] == "complied"
        clock.advance(86400)
        asyncio.run(core.run_pass())  # still removed: no new outcome, no new event
        assert len(outcome_events()) == before + 1
    finally:
        core.close()
        site.stop()
