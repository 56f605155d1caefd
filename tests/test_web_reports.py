"""Press reports in the web app and the API, in process against the real app (SQLite and PostgreSQL): a
report added from pasted text and from a URL of the simulated news site, reviewed with an edit, accepted
(the incident and its demands recorded), its claims checked; viewers read but never write, anonymous
visitors see nothing, a form without its CSRF token is refused, bad input changes nothing; and the same
through the JSON API with tokens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from reports_support import founding_like
from sqlalchemy import func, select
from websupport import client, csrf_of, open_core, sign_in

from presswatch.record.report_models import PressReport, ReportDraft
from presswatch.sim.site import SimSite
from presswatch.web.auth import add_user, create_api_token
from presswatch.web.reports_pages import highlight

CONTRACT = {"id", "language", "actors", "actions", "blocked_countries", "dates", "outcome", "claims"}


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    s = SimSite(articles=4, seed=5).start()
    try:
        yield s
    finally:
        s.stop()


def _counts(core: Any) -> tuple[int, int]:
    with core.db.session() as s:
        return (s.scalar(select(func.count()).select_from(PressReport)) or 0,
                s.scalar(select(func.count()).select_from(ReportDraft)) or 0)


def _add_text(c: Any, text: str, **extra: Any) -> Any:
    token = csrf_of(c.get("/reports/new").text)
    return c.post("/reports/new", data={"csrf_token": token, "text": text, "url": "", "language": "auto", **extra})


def _edit_form(draft: dict[str, Any]) -> dict[str, str]:
    """The review form as the page fills it in (every row's current values)."""
    form: dict[str, str] = {"outcome": draft["outcome"], "blocked_countries": ", ".join(draft["blocked_countries"]),
                            "dates": ", ".join(draft["dates"])}
    for i, a in enumerate(draft["actors"]):
        form |= {f"actor{i}_name": a["name"], f"actor{i}_role": a["role"], f"actor{i}_kind": a["kind"],
                 f"actor{i}_country": a["country"] or ""}
    for i, a in enumerate(draft["actions"]):
        form |= {f"action{i}_kind": a["kind"], f"action{i}_by": a["by"] or "", f"action{i}_against": a["against"] or "",
                 f"action{i}_date": a["date"] or "", f"action{i}_legal_basis": a["legal_basis"] or ""}
    for i, cl in enumerate(draft["claims"]):
        form |= {f"claim{i}_kind": cl["kind"], f"claim{i}_country": cl["country"] or "",
                 f"claim{i}_as_of": cl["as_of"] or ""}
    return form


def test_highlight_cuts_text_at_quotes() -> None:
    segs = highlight("abcdefghij", [("a-0", [2, 5]), ("b-0", [4, 8]), ("bad", [7, 99]), ("none", None)])
    assert "".join(s.text for s in segs) == "abcdefghij"
    assert [(s.text, s.refs) for s in segs] == [("ab", ()), ("cd", ("a-0",)), ("e", ("a-0", "b-0")),
                                                ("fgh", ("b-0",)), ("ij", ())]


def test_report_from_text_reviewed_edited_accepted_checked(tmp_path: Path, db_url: str, site: SimSite) -> None:
    core = open_core(tmp_path, db_url)
    try:
        c = client(core)
        sign_in(c, core, "ed", "editor")
        url = site.article_urls()[0]
        r = _add_text(c, founding_like(url), report_date="2015-11-27")
        assert r.status_code == 303, r.text
        rid = int(r.headers["location"].rsplit("/", 1)[1])
        page = c.get(f"/reports/{rid}")
        assert page.status_code == 200
        assert "<mark id=" in page.text and "Interior Ministry" in page.text
        assert "remains online" in page.text and "demand-removal" in page.text
        assert "2015-11-25" in page.text and "2015-11-27" in page.text  # the form's report date anchors the dates
        listing = c.get("/reports")
        assert f'href="/reports/{rid}"' in listing.text and "pasted text" in listing.text and ">en<" in listing.text

        draft = c.get(f"/api/v1/reports/{rid}").json()["draft"]
        assert draft["claims"] and draft["actors"]
        form = _edit_form(draft) | {"csrf_token": csrf_of(page.text), "new_actor_name": "State Security Committee",
                                    "new_actor_role": "third-party", "new_actor_kind": "law-enforcement",
                                    "new_actor_country": "KG", "outcome": "refused"}
        removed = draft["actions"][-1]
        form[f"action{len(draft['actions']) - 1}_remove"] = "1"
        r = c.post(f"/reports/{rid}/edit", data=form)
        assert r.status_code == 303, r.text
        edited = c.get(f"/api/v1/reports/{rid}").json()
        assert edited["revision"] == 2
        names = [a["name"] for a in edited["draft"]["actors"]]
        assert names[-1] == "State Security Committee" and len(names) == len(draft["actors"]) + 1
        assert len(edited["draft"]["actions"]) == len(draft["actions"]) - 1
        assert removed not in edited["draft"]["actions"]

        bad = _edit_form(edited["draft"]) | {"csrf_token": csrf_of(page.text), "claim0_as_of": "yesterday-ish"}
        r = c.post(f"/reports/{rid}/edit", data=bad)
        assert r.status_code == 422 and "not a date" in r.text
        assert c.get(f"/api/v1/reports/{rid}").json()["revision"] == 2  # nothing changed

        r = c.post(f"/reports/{rid}/accept", data={"csrf_token": csrf_of(page.text)})
        assert r.status_code == 303
        done = c.get(f"/reports/{rid}")
        iid = re.search(r'href="/incidents/(\d+)"', done.text)
        assert iid and "/demands/" in done.text and "unchecked" in done.text and "Check now" in done.text
        assert c.get(f"/incidents/{iid.group(1)}").status_code == 200
        assert c.post(f"/reports/{rid}/accept", data={"csrf_token": csrf_of(done.text)}).status_code == 422

        r = c.post(f"/reports/{rid}/check", data={"csrf_token": csrf_of(done.text)})
        assert r.status_code == 303
        checked = c.get(f"/reports/{rid}")
        assert "corroborated" in checked.text  # the article is online on the simulated site
        assert re.search(r'href="/captures/\d+">observation:\d+', checked.text)
        assert "unverified" in checked.text  # no vantage in KZ given
    finally:
        core.close()


def test_report_from_a_url_is_fetched_and_archived(tmp_path: Path, site: SimSite) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        c = client(core)
        sign_in(c, core, "ed", "editor")
        url = site.article_urls()[1]
        token = csrf_of(c.get("/reports/new").text)
        r = c.post("/reports/new", data={"csrf_token": token, "url": url, "text": "", "language": "en"})
        assert r.status_code == 303, r.text
        rid = int(r.headers["location"].rsplit("/", 1)[1])
        rep = c.get(f"/api/v1/reports/{rid}").json()
        assert rep["source"] == url and rep["source_kind"] == "url" and rep["capture_id"]
        assert rep["language"] == "en"
        assert f'href="/captures/{rep["capture_id"]}"' in c.get(f"/reports/{rid}").text
    finally:
        core.close()


def test_private_urls_are_refused_unless_allowed(tmp_path: Path) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", allow_private=False)
    try:
        c = client(core)
        sign_in(c, core, "ed", "editor")
        for target in ("http://127.0.0.1:9/report", "http://10.1.2.3/report", "ftp://example.org/x"):
            token = csrf_of(c.get("/reports/new").text)
            r = c.post("/reports/new", data={"csrf_token": token, "url": target, "text": "", "language": "auto"})
            assert r.status_code == 422, target
            assert 'class="error"' in r.text
        assert _counts(core) == (0, 0)
        headers = {"Authorization": f"Bearer {create_api_token(core, 'ed')}"}
        r = c.post("/api/v1/reports", json={"url": "http://127.0.0.1:9/report"}, headers=headers)
        assert r.status_code == 422 and _counts(core) == (0, 0)
    finally:
        core.close()


def test_bad_inputs_are_clear_form_errors_that_change_nothing(tmp_path: Path) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", report_max_bytes=4000)
    try:
        c = client(core)
        sign_in(c, core, "ed", "editor")
        token = csrf_of(c.get("/reports/new").text)
        base = {"csrf_token": token, "url": "", "text": "", "language": "auto"}
        cases: list[tuple[dict[str, str], dict[str, Any] | None, str]] = [
            (base, None, "give the report"),
            (base | {"text": "   \n  "}, None, "give the report"),
            (base | {"text": "x " * 3000}, None, "size cap"),
            (base | {"text": "The weather was fine and the market sold apples and pears all day."}, None,
             "not a news report"),
            (base | {"text": "some text", "url": "https://example.org/a"}, None, "one source only"),
            (base | {"language": "de", "text": "some text"}, None, "unknown language"),
            (base | {"report_date": "27/11/2015", "text": "some text"}, None, "not a date"),
            (base, {"file": ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "text/plain")},
             "binary"),
            (base, {"file": ("report.pdf", b"%PDF-1.4", "application/pdf")}, ".txt or .html"),
        ]
        for data, files, message in cases:
            r = c.post("/reports/new", data=data, files=files)
            assert r.status_code == 422, (message, r.text[:300])
            assert message in r.text, (message, r.text[:2000])
        assert _counts(core) == (0, 0)
        ok = c.post("/reports/new", data=base, files={"file": ("report.html", (
            b"<html><body><h1>Ministry asks site to remove report</h1><p>The Interior Ministry of Kyrgyzstan "
            b"asked the editors of Daily Simulated to remove the article. The site has been blocked in "
            b"Kazakhstan.</p></body></html>"), "text/html")})
        assert ok.status_code == 303, ok.text
        assert _counts(core) == (1, 1)
    finally:
        core.close()


def test_roles_anonymous_viewer_and_csrf(tmp_path: Path) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", public_read=True)
    try:
        ed = client(core)
        sign_in(ed, core, "ed", "editor")
        r = _add_text(ed, founding_like("https://news.example/a/1"), report_date="2015-11-27")
        rid = int(r.headers["location"].rsplit("/", 1)[1])

        anon = client(core)
        for path in ("/reports", f"/reports/{rid}", "/reports/new"):
            r = anon.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
        assert anon.get("/api/v1/reports").status_code == 401
        assert anon.get(f"/api/v1/reports/{rid}").status_code == 401
        assert ">Reports<" not in anon.get("/").text
        assert anon.post(f"/reports/{rid}/accept", data={}).status_code in (303, 403)

        vi = client(core)
        sign_in(vi, core, "vi", "viewer")
        assert vi.get("/reports").status_code == 200 and ">Reports<" in vi.get("/").text
        page = vi.get(f"/reports/{rid}")
        assert page.status_code == 200 and "Interior Ministry" in page.text
        assert f'action="/reports/{rid}/accept"' not in page.text and 'name="actor0_name"' not in page.text
        token = csrf_of(vi.get("/logout").text)  # the viewer's session token (the report page has no form)
        assert vi.get("/reports/new").status_code == 403
        for action in ("accept", "reject", "edit", "check"):
            assert vi.post(f"/reports/{rid}/{action}", data={"csrf_token": token}).status_code == 403, action
        assert vi.post("/reports/new", data={"csrf_token": token, "text": "x"}).status_code == 403

        before = _counts(core)
        assert ed.post(f"/reports/{rid}/accept", data={}).status_code == 403  # no CSRF token
        assert ed.post(f"/reports/{rid}/accept", data={"csrf_token": "forged"}).status_code == 403
        assert ed.post("/reports/new", data={"text": founding_like("https://news.example/b")}).status_code == 403
        assert _counts(core) == before
        assert ed.get(f"/api/v1/reports/{rid}").json()["status"] == "draft"
        assert ed.post(f"/api/v1/reports/{rid}/reject", json={}).status_code == 403  # session without X-CSRF-Token
        assert ed.get("/reports/999999").status_code == 404
    finally:
        core.close()


def test_api_round_trip(tmp_path: Path) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        c = client(core)
        add_user(core, "ed", "correct horse 1", "editor")
        add_user(core, "vi", "correct horse 1", "viewer")
        ed = {"Authorization": f"Bearer {create_api_token(core, 'ed')}"}
        vi = {"Authorization": f"Bearer {create_api_token(core, 'vi')}"}
        text = founding_like("https://news.example/a/1")
        assert c.post("/api/v1/reports", json={"text": text}, headers=vi).status_code == 403
        assert c.post("/api/v1/reports", json={}, headers=ed).status_code == 422
        both = {"text": text, "url": "https://x.example/"}
        assert c.post("/api/v1/reports", json=both, headers=ed).status_code == 422
        assert c.post("/api/v1/reports", json={"text": text, "language": "de"}, headers=ed).status_code == 422
        assert c.post("/api/v1/reports", json={"text": "\x00\x01\x02" * 50}, headers=ed).status_code == 422
        assert _counts(core) == (0, 0)

        r = c.post("/api/v1/reports", json={"text": text, "language": "en", "report_date": "2015-11-27"}, headers=ed)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert CONTRACT <= set(doc) and doc["language"] == "en" and doc["outcome"] == "refused"
        assert doc["blocked_countries"] == ["KZ"] and "2015-11-25" in doc["dates"]
        assert {a["role"] for a in doc["actors"]} >= {"sender", "recipient"}
        assert all({"name", "role", "kind", "country", "quote"} <= set(a) for a in doc["actors"])
        assert all({"kind", "by", "against", "date", "legal_basis", "quote"} <= set(a) for a in doc["actions"])
        assert {(cl["kind"], cl["country"]) for cl in doc["claims"]} == {("online", None), ("blocked", "KZ")}
        rid = doc["id"]

        rows = c.get("/api/v1/reports", headers=vi).json()
        assert rows["total"] == 1 and rows["rows"][0]["id"] == rid and rows["rows"][0]["status"] == "draft"
        assert c.get("/api/v1/reports", params={"status": "accepted"}, headers=vi).json()["total"] == 0
        assert c.get(f"/api/v1/reports/{rid}", headers=vi).json()["draft"]["id"] == rid
        assert c.get("/api/v1/reports/424242", headers=vi).status_code == 404

        assert c.post(f"/api/v1/reports/{rid}/accept", json={}, headers=vi).status_code == 403
        assert c.post(f"/api/v1/reports/{rid}/check", json={}, headers=ed).status_code == 422  # not accepted yet
        bad = c.post(f"/api/v1/reports/{rid}/accept", json={"edit": {"outcome": "maybe"}}, headers=ed)
        assert bad.status_code == 422 and "outcome" in bad.text
        for edit in ({"actors": "abc"}, {"actors": [{"name": " ", "role": "sender", "kind": "court"}]},
                     {"dates": ["soon"]}, {"claims": [{"kind": "online", "as_of": 5}]}, {"unknown_field": 1},
                     {"blocked_countries": ["Kazakhstan"]}):
            assert c.post(f"/api/v1/reports/{rid}/accept", json={"edit": edit}, headers=ed).status_code == 422, edit
        assert c.get(f"/api/v1/reports/{rid}", headers=ed).json()["revision"] == 1  # nothing written

        res = c.post(f"/api/v1/reports/{rid}/accept", json={"edit": {"outcome": "refused"}}, headers=ed)
        assert res.status_code == 200, res.text
        acc = res.json()
        assert acc["incident"] and acc["demands"] and len(acc["claims"]) == 2
        rep = c.get(f"/api/v1/reports/{rid}", headers=vi).json()
        assert rep["status"] == "accepted" and rep["incident_id"] == acc["incident"] and rep["revision"] == 2
        assert {cl["status"] for cl in rep["claims"]} == {"unchecked"}
        assert c.post(f"/api/v1/reports/{rid}/check", json={"vantages": ["KZ"]}, headers=ed).status_code == 403
        assert c.post(f"/api/v1/reports/{rid}/reject", json={}, headers=ed).status_code == 422  # already accepted

        other = c.post("/api/v1/reports", json={"text": founding_like("https://news.example/b/2")}, headers=ed).json()
        r = c.post(f"/api/v1/reports/{other['id']}/reject", json={"why": "duplicate"}, headers=ed)
        assert r.status_code == 200 and r.json()["status"] == "rejected"
        assert c.get(f"/api/v1/reports/{other['id']}", headers=ed).json()["review_note"] == "duplicate"
        assert "/api/v1/reports/{report_id}/accept" in c.get("/openapi.json").json()["paths"]
    finally:
        core.close()


def test_russian_report_and_russian_interface(tmp_path: Path) -> None:
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        c = client(core)
        sign_in(c, core, "ed", "editor")
        text = ("25 ноября Министерство внутренних дел Кыргызстана потребовало от редакции сайта Daily Simulated "
                "удалить статью. Редакция отказалась. Сайт заблокирован в Казахстане.")
        r = _add_text(c, text, language="auto", report_date="2015-11-27")
        assert r.status_code == 303, r.text
        rid = int(r.headers["location"].rsplit("/", 1)[1])
        rep = c.get(f"/api/v1/reports/{rid}").json()
        assert rep["language"] == "ru" and rep["draft"]["blocked_countries"] == ["KZ"]
        assert rep["draft"]["outcome"] == "refused"
        page = c.get(f"/reports/{rid}", headers={"accept-language": "ru"})
        assert page.status_code == 200
        assert "Участники" in page.text and "Принять в запись" in page.text
        assert "<mark id=" in page.text and "Министерство внутренних дел Кыргызстана" in page.text
        assert "Сообщения" in c.get("/reports", headers={"accept-language": "ru"}).text
    finally:
        core.close()


def test_admin_checks_a_block_from_the_simulated_kz_vantage(tmp_path: Path, site: SimSite) -> None:
    from urllib.parse import urlsplit

    from presswatch.sim.censor import loopback_kz_vantage

    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        c = client(core)
        sign_in(c, core, "root", "admin")
        port = urlsplit(site.url).port
        url = site.url.replace("127.0.0.1", "localhost") + site.article(site.slugs()[0]).path
        rid = int(_add_text(c, founding_like(url), report_date="2015-11-27").headers["location"].rsplit("/", 1)[1])
        page = c.get(f"/reports/{rid}")
        assert c.post(f"/reports/{rid}/accept", data={"csrf_token": csrf_of(page.text)}).status_code == 303
        page = c.get(f"/reports/{rid}")
        assert 'name="vantages"' in page.text
        bad = c.post(f"/reports/{rid}/check", data={"csrf_token": csrf_of(page.text), "vantages": "Kazakhstan!"})
        assert bad.status_code == 422 and "vantage" in bad.text
        with loopback_kz_vantage("localhost", "127.0.0.1", port) as kz:
            spec = f"KZ:resolver={kz.resolver},control={kz.control_resolver},network=AS9198 Simulated"
            r = c.post(f"/reports/{rid}/check", data={"csrf_token": csrf_of(page.text), "vantages": spec})
        assert r.status_code == 303, r.text
        claims = c.get(f"/api/v1/reports/{rid}").json()["claims"]
        statuses = {(cl["kind"], cl["status"]) for cl in claims}
        assert statuses == {("online", "corroborated"), ("blocked", "corroborated")}
        shown = c.get(f"/reports/{rid}").text
        assert re.search(r'href="/measurements/[^"]+">measurement:', shown)

        sign_in(ed := client(core), core, "ed", "editor")
        token = csrf_of(ed.get(f"/reports/{rid}").text)
        assert ed.post(f"/reports/{rid}/check", data={"csrf_token": token, "vantages": spec}).status_code == 403
    finally:
        core.close()
