"""Alert subscriptions through the JSON API: editors manage them, viewers cannot, bad input is a 422 now."""

from __future__ import annotations

from pathlib import Path

import pytest

from presswatch.web.auth import add_user, create_api_token
from tests.websupport import client, open_core

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _bearer(core, name: str, role: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    add_user(core, name, "correct horse 1", role)
    return {"Authorization": f"Bearer {create_api_token(core, name)}"}


def test_subscriptions_through_the_api(tmp_path: Path) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    c = client(core)
    editor, viewer = _bearer(core, "ed", "editor"), _bearer(core, "vi", "viewer")
    good = {"webhook": "http://127.0.0.1:9/hook", "secret": SECRET, "events": ["removed", "blocked"],
            "countries": ["kz"], "tags": {"outlet": "Daily"}}
    assert c.post("/api/v1/alerts/subscriptions", json=good).status_code == 401
    assert c.post("/api/v1/alerts/subscriptions", json=good, headers=viewer).status_code == 403
    r = c.post("/api/v1/alerts/subscriptions", json=good, headers=editor)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    [row] = c.get("/api/v1/alerts/subscriptions", headers=editor).json()["rows"]
    assert row["id"] == sid and SECRET not in str(row)
    assert c.get("/api/v1/alerts/subscriptions", headers=viewer).status_code == 403

    for bad, says in (({**good, "secret": "not-a-secret"}, "whsec"), ({**good, "events": ["exploded"]}, "exploded"),
                      ({**good, "countries": ["Kazakhstan"]}, "country"), ({**good, "apprise": "json://x"}, "one"),
                      ({**good, "webhook": "ftp://x/"}, ""), ({"apprise": "nonsense://"}, ""),
                      ({**good, "body": "$nosuchtoken"}, "")):
        r = c.post("/api/v1/alerts/subscriptions", json=bad, headers=editor)
        assert r.status_code == 422, (bad, r.text)
        assert says in str(r.json()["detail"]), (bad, r.text)
    assert len(c.get("/api/v1/alerts/subscriptions", headers=editor).json()["rows"]) == 1  # nothing added

    assert c.delete(f"/api/v1/alerts/subscriptions/{sid}", headers=viewer).status_code == 403
    assert c.delete(f"/api/v1/alerts/subscriptions/{sid}", headers=editor).status_code == 200
    assert c.delete(f"/api/v1/alerts/subscriptions/{sid}", headers=editor).status_code == 404
    assert c.get("/api/v1/alerts/log", headers=editor).json()["rows"] == []
    core.close()


@pytest.mark.parametrize("target", ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://[::1]/x"])
def test_private_receivers_are_refused_unless_allowed(tmp_path: Path, target: str) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", allow_private=False)
    c = client(core)
    r = c.post("/api/v1/alerts/subscriptions", json={"webhook": target, "secret": SECRET},
               headers=_bearer(core, "ed", "editor"))
    assert r.status_code == 422 and "refused" in str(r.json()["detail"]), r.text
    core.close()


def test_watch_list_pages_alike_with_and_without_hidden_watches(tmp_path: Path) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    ids = [core.watch(f"http://news{i}.example/a") for i in range(5)]
    c = client(core)
    page = c.get("/api/v1/watches?limit=2&offset=1").json()
    assert page["total"] == 5 and [w["id"] for w in page["rows"]] == ids[1:3]
    core.add_demand({"title": "Private", "visibility": "private", "actions": ["remove"],
                     "sender": {"name": "Ministry", "country": "KZ"}, "recipient": {"name": "News"},
                     "targets": ["http://news1.example/a"]})
    page = c.get("/api/v1/watches?limit=2&offset=1").json()
    assert page["total"] == 4 and [w["id"] for w in page["rows"]] == [ids[2], ids[3]]
    assert all("news1" not in w["url"] for w in c.get("/api/v1/watches").json()["rows"])
    core.close()
