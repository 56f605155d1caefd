"""The alert settings page in-process against the real app (SQLite and PostgreSQL): sign-in required, CSRF on
every form, a viewer manages only their own subscriptions, an admin everyone's (and a team's); the same
validation as the command line and the API, shown on the form with nothing stored; the secret shown once;
the delivery log of a real local receiver's deliveries; a viewer's subscription never gets a private case."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from websupport import client, csrf_of, open_core, sign_in

from presswatch.alerts.deliver import deliver_pending
from presswatch.alerts.manage import list_subscriptions
from presswatch.core import Presswatch
from tests.alerts_receiver import SECRET, Receiver, receiver

PAGE = "/settings/alerts"


@pytest.fixture
def core(tmp_path: Path, db_url: str) -> Iterator[Presswatch]:
    c = open_core(tmp_path, db_url)
    yield c
    c.close()


def form(c: TestClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": csrf_of(c.get(PAGE).text), "channel": "webhook", **fields}


def demand(title: str, visibility: str) -> dict[str, object]:
    return {"title": title, "sender": {"name": "Ministry of Information", "country": "KZ"},
            "recipient": {"name": "Daily Simulated"}, "actions": ["remove"], "visibility": visibility}


def test_anonymous_is_sent_to_sign_in_and_forms_need_csrf(core: Presswatch) -> None:
    c = client(core)
    r = c.get(PAGE)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/settings/alerts")
    assert c.post(PAGE, data={"target": "http://127.0.0.1:9/"}).status_code == 303  # to sign in, nothing made
    assert 'href="/settings/alerts"' not in c.get("/").text  # no nav link for anonymous visitors
    sign_in(c, core, "vera", "viewer")
    assert 'href="/settings/alerts"' in c.get("/").text
    r = c.post(PAGE, data={"channel": "webhook", "target": "http://127.0.0.1:9/hook", "secret": SECRET})
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post(f"{PAGE}/1/delete", data={})
    assert r.status_code == 403
    assert list_subscriptions(core) == []


def test_viewer_subscribes_sees_the_secret_once_and_the_deliveries(core: Presswatch) -> None:
    c = client(core)
    sign_in(c, core, "vera", "viewer")
    with receiver(Receiver(secret="")) as rx:
        r = c.post(PAGE, data=form(c, target=rx.url, events=["demand", "removed"], countries="kz, KG",
                                   min_words="12", headline="on"))
        assert r.status_code == 201, r.text
        secret = re.search(r'<code class="secret">(whsec_[A-Za-z0-9+/=]+)</code>', r.text)
        assert secret, "the generated secret is shown on creation"
        rx.secret = secret.group(1)
        (sub,) = list_subscriptions(core)
        assert sub["owner"] == "vera" and sub["channel"] == "webhook" and sub["debounce"] == 0
        assert sub["filters"]["events"] == ["demand", "removed"] and sub["filters"]["countries"] == ["KZ", "KG"]
        assert sub["filters"]["min_words"] == 12 and sub["filters"]["headline"] is True
        assert sub["filters"]["private"] is False  # a viewer's subscription: public cases only
        again = c.get(PAGE).text
        assert secret.group(1) not in again  # only once
        assert f"Subscription #{sub['id']} created" not in again and rx.url in again

        core.add_demand(demand("Public letter", "public"))
        core.add_demand(demand("Confidential letter", "private"))
        stats = asyncio.run(deliver_pending(core))
        assert stats.delivered == 1 and stats.failed == 0
        (got,) = rx.got
        assert got.verified and got.json["type"] == "demand"
        assert got.json["data"]["demand"]["title"] == "Public letter"
        page = c.get(PAGE).text
        assert got.webhook_id in page and "delivered" in page and "200" in page
        assert "Confidential letter" not in page


def test_bad_input_is_a_form_message_and_stores_nothing(core: Presswatch) -> None:
    c = client(core)
    sign_in(c, core, "erin", "editor")
    cases = [
        ({"target": "http://127.0.0.1:9/hook", "secret": "not-a-secret"}, "whsec_"),
        ({"target": "ftp://127.0.0.1/hook", "secret": SECRET}, "http"),
        ({"target": "http://127.0.0.1:9/hook", "secret": SECRET, "countries": "Kazakhstan"}, "ISO 3166"),
        ({"target": "http://127.0.0.1:9/hook", "secret": SECRET, "title": "$nonsense"}, "unknown token"),
        ({"target": "http://127.0.0.1:9/hook", "secret": SECRET, "incident": "99"}, "no incident #99"),
        ({"target": "http://127.0.0.1:9/hook", "secret": SECRET, "watch": "https://nowhere.example/x"},
         "not watched"),
        ({"target": "http://127.0.0.1:9/hook", "secret": SECRET, "min_words": "many"}, "whole number"),
        ({"target": "http://127.0.0.1:9/hook", "secret": SECRET, "tags": "desk"}, "KEY=VALUE"),
        ({"target": "http://127.0.0.1:9/hook", "secret": SECRET, "digest": "weekly"}, "digest"),
        ({"channel": "apprise", "target": "nosuchscheme://x"}, "apprise"),
        ({"channel": "pigeon", "target": "http://127.0.0.1:9/hook"}, "unknown channel"),
    ]
    for fields, message in cases:
        r = c.post(PAGE, data={**form(c), **fields})
        assert r.status_code == 422, (fields, r.status_code)
        assert 'class="error"' in r.text and message in r.text, (fields, message)
        assert 'value="not-a-secret"' not in r.text  # a secret is never echoed back
    assert list_subscriptions(core) == []
    r = c.post(PAGE, data=form(c, target="http://127.0.0.1:9/hook", secret=SECRET, events=["incident-outcome"]))
    assert r.status_code == 201 and SECRET in r.text
    (sub,) = list_subscriptions(core)
    assert sub["filters"]["private"] is True  # an editor's own: staff clearance


def test_private_targets_are_refused_by_the_ssrf_guard(tmp_path: Path) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'guard.sqlite3'}", allow_private=False)
    try:
        c = client(core)
        sign_in(c, core, "erin", "editor")
        for target in ("http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://[::1]/hook"):
            r = c.post(PAGE, data=form(c, target=target, secret=SECRET))
            assert r.status_code == 422 and "non-public address" in r.text, target
        assert list_subscriptions(core) == []
    finally:
        core.close()


def test_viewers_manage_only_their_own_and_admins_everyones(core: Presswatch) -> None:
    vera, olga, root = client(core), client(core), client(core)
    sign_in(vera, core, "vera", "viewer")
    sign_in(olga, core, "olga", "viewer")
    sign_in(root, core, "root", "admin")
    assert vera.post(PAGE, data=form(vera, target="http://127.0.0.1:9/vera", secret=SECRET)).status_code == 201
    assert olga.post(PAGE, data=form(olga, target="http://127.0.0.1:9/olga", secret=SECRET,
                                     owner="someone-else", private="on")).status_code == 201
    subs = {s["owner"]: s for s in list_subscriptions(core)}
    assert set(subs) == {"vera", "olga"}  # a viewer cannot name another owner …
    assert subs["olga"]["filters"]["private"] is False  # … nor grant private cases
    assert "/olga" not in vera.get(PAGE).text and "/vera" in vera.get(PAGE).text
    r = vera.post(f"{PAGE}/{subs['olga']['id']}/delete", data={"csrf_token": csrf_of(vera.get(PAGE).text)})
    assert r.status_code == 404
    assert len(list_subscriptions(core, removed=False)) == 2

    page = root.get(PAGE).text
    assert "/olga" in page and "/vera" in page and "All subscriptions" in page
    r = root.post(PAGE, data=form(root, target="http://127.0.0.1:9/team", secret=SECRET, owner="kz-desk",
                                  digest="daily", debounce="30"))
    assert r.status_code == 201
    r = root.post(PAGE, data=form(root, target="http://127.0.0.1:9/legal", secret=SECRET, owner="legal",
                                  private="on"))
    assert r.status_code == 201
    team = {s["owner"]: s for s in list_subscriptions(core)}
    assert team["kz-desk"]["filters"]["private"] is False and team["legal"]["filters"]["private"] is True
    assert (team["kz-desk"]["digest"], team["kz-desk"]["debounce"]) == ("daily", 30)
    r = root.post(f"{PAGE}/{subs['vera']['id']}/delete", data={"csrf_token": csrf_of(root.get(PAGE).text)})
    assert r.status_code == 303 and r.headers["location"] == PAGE
    assert "/vera" not in root.get(PAGE).text
    assert "/vera" not in vera.get(PAGE).text
    r = vera.post(f"{PAGE}/{subs['vera']['id']}/delete", data={"csrf_token": csrf_of(vera.get(PAGE).text)})
    assert r.status_code == 404  # already removed


def test_the_page_speaks_russian(core: Presswatch) -> None:
    c = client(core)
    sign_in(c, core, "vera", "viewer")
    page = c.get(PAGE, headers={"Accept-Language": "ru"}).text
    assert "Настройки оповещений" in page and "Новая подписка" in page and "Оповещения" in page


def test_anonymous_api_never_shows_a_private_case_event(core: Presswatch) -> None:
    public = core.add_demand(demand("Public letter", "public"))
    private = core.add_demand(demand("Confidential letter", "private"))
    redacted = core.add_demand(demand("Redacted letter", "redacted"))
    rows = client(core).get("/api/v1/events", params={"kind": "demand"}).json()["rows"]
    assert sorted(r["details"]["demand_id"] for r in rows) == [public, redacted]
    assert "Confidential" not in str(rows)
    c = client(core)
    sign_in(c, core, "erin", "editor")
    staff = c.get("/api/v1/events", params={"kind": "demand"}).json()["rows"]
    assert sorted(r["details"]["demand_id"] for r in staff) == [public, private, redacted]


def test_anonymous_events_leave_out_a_private_incidents_outcome_when_nothing_else_is_hidden(
        core: Presswatch) -> None:
    """No demand hides anything (the events page is paged in SQL), yet a private incident's outcome
    event stays out of the anonymous timeline while a public incident's shows."""
    from presswatch.cases import incidents as inc

    hidden = inc.create_incident(core, "Confidential case", visibility="private")
    shown = inc.create_incident(core, "Public case", visibility="public")
    for i in (hidden, shown):
        inc.override_outcome(core, i, "refused", by="erin", why="the editors said so")
    rows = client(core).get("/api/v1/events", params={"kind": "incident-outcome"}).json()["rows"]
    assert [r["details"]["incident_id"] for r in rows] == [shown]
    assert "Confidential" not in str(rows)
    c = client(core)
    sign_in(c, core, "erin", "editor")
    staff = c.get("/api/v1/events", params={"kind": "incident-outcome"}).json()["rows"]
    assert sorted(r["details"]["incident_id"] for r in staff) == sorted([hidden, shown])
