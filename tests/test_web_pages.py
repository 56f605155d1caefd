"""The pages and the JSON API in-process against the real app on SQLite and PostgreSQL, over a recorded
story (an edit and a confirmed removal on the simulated site, a public and a private demand, incidents).

Security: an anonymous visitor in public mode sees no private demand or incident, nor the article only a
private demand names, on any page, API route or search; bad form input gets a clear message and changes
nothing; unknown ids are 404."""

from __future__ import annotations

import re

import pytest
from websupport import SECRET, Story, client, csrf_of, open_core, record_story, sign_in

from presswatch.sim.site import SimSite


@pytest.fixture
def story(tmp_path, db_url):  # type: ignore[no-untyped-def]
    core = open_core(tmp_path, db_url)
    site = SimSite(articles=6, seed=11).start()
    try:
        yield record_story(core, site)
    finally:
        site.stop()
        core.close()


def _versions(c, wid: int) -> list[int]:  # type: ignore[no-untyped-def]
    return [v["id"] for v in c.get(f"/api/v1/watches/{wid}/versions").json()["rows"]]


def test_dashboard_article_diff_capture_pages(story: Story) -> None:
    c = client(story.core)
    home = c.get("/")
    assert home.status_code == 200
    assert "Latest confirmed events" in home.text and "removal-notice" in home.text and "edited" in home.text
    assert f"/watches/{story.edited}" in home.text and "Daily Simulated" in home.text
    assert "default-src 'self'" in home.headers["content-security-policy"]
    page = c.get(f"/watches/{story.edited}")
    assert page.status_code == 200
    assert "removal-notice" in page.text and "Captures" in page.text and "/captures/" in page.text
    assert f"/demands/{story.public_demand}" in page.text and f"/incidents/{story.public_incident}" in page.text
    first, second = _versions(c, story.edited)[:2]
    d = c.get(f"/watches/{story.edited}/diff", params={"from": first, "to": second})
    assert d.status_code == 200 and ("<ins>" in d.text and "<del>" in d.text)
    assert "Side by side" in d.text and "Inline" in d.text and "/static/diff.js" in d.text
    assert 'id="next"' in d.text or 'id="prev"' in d.text or len(_versions(c, story.edited)) == 2
    cap = re.search(r'href="/captures/(\d+)"', page.text)
    assert cap
    cp = c.get(f"/captures/{cap.group(1)}")
    origin = story.core.settings.replay_origin
    assert '<iframe class="replay" sandbox="allow-scripts"' in cp.text
    assert f'src="{origin}/c/{cap.group(1)}"' in cp.text
    assert f"{origin}/c/{cap.group(1)}/evidence" in cp.text and f"{origin}/c/{cap.group(1)}/raw" in cp.text
    host = story.urls["edited"].split("/")[2].split(":")[0]
    assert c.get(f"/sites/{host}").status_code == 200
    assert c.get("/countries/KZ").status_code == 200


def test_unknown_ids_are_404(story: Story) -> None:
    c = client(story.core)
    for path in ("/watches/9999", "/watches/9999/diff", "/captures/9999", "/demands/9999", "/incidents/9999",
                 "/incidents/9999/bundle", "/measurements/nope", "/sites/nowhere.example", "/countries/XQ1",
                 "/api/v1/watches/9999", "/api/v1/captures/9999", "/api/v1/demands/9999", "/api/v1/incidents/9999",
                 "/api/v1/measurements/nope", f"/watches/{story.edited}/diff?from=99999&to=1"):
        assert c.get(path).status_code == 404, path
    assert c.get(f"/watches/{story.edited}/diff?from=abc").status_code == 422


def test_anonymous_sees_no_private_record_anywhere(story: Story) -> None:
    from presswatch.cases.incidents import add_to_incident

    add_to_incident(story.core, story.public_incident, demands=[story.private_demand])  # a public case cites it
    c = client(story.core)
    private_url = story.urls["private"]
    pages = ["/", "/demands", "/incidents", f"/watches/{story.edited}", f"/incidents/{story.public_incident}",
             "/countries/KZ", f"/search?q={SECRET}", "/search?q=order", "/api/v1/watches", "/api/v1/demands",
             "/api/v1/incidents", "/api/v1/events", f"/api/v1/search?q={SECRET}", "/api/v1/countries/KZ",
             "/api/v1/status", "/api/v1/measurements"]
    for path in pages:
        r = c.get(path)
        assert r.status_code == 200, path
        text = r.text.replace(f'value="{SECRET}"', "")  # the search box shows the query back
        assert SECRET not in text, path
        assert private_url not in text, path
    for path in (f"/demands/{story.private_demand}", f"/incidents/{story.private_incident}",
                 f"/incidents/{story.private_incident}/bundle", f"/watches/{story.private_target}",
                 f"/api/v1/demands/{story.private_demand}", f"/api/v1/incidents/{story.private_incident}",
                 f"/api/v1/watches/{story.private_target}", f"/api/v1/watches/{story.private_target}/observations"):
        assert c.get(path).status_code == 404, path
    import io
    import zipfile

    bundle = c.get(f"/incidents/{story.public_incident}/bundle")
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith(".gz"):
                import gzip

                data = gzip.decompress(data)
            assert SECRET.encode() not in data and private_url.encode() not in data, name
    # the CLI's public bundle of the same incident carries nothing private either
    from presswatch.publish.bundle import export_bundle
    from presswatch.publish.visibility import public_incident_entries

    cli_bundle = story.core.data_dir / "public-incident.wacz"
    export_bundle(story.core, public_incident_entries(story.core, story.public_incident), cli_bundle,
                  public_only=True)
    with zipfile.ZipFile(cli_bundle) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            assert SECRET.encode() not in data and private_url.encode() not in data, name
    shown = c.get(f"/api/v1/incidents/{story.public_incident}").json()["incident"]
    assert {"kind": "demand", "ref": str(story.private_demand)} not in shown["links"]
    # a signed-in viewer sees them
    sign_in(c, story.core, "val", "viewer")
    assert SECRET in c.get("/demands").text and SECRET in c.get(f"/incidents/{story.private_incident}").text
    assert any(SECRET in r["title"] for r in c.get(f"/api/v1/search?q={SECRET}").json()["rows"])


def test_demand_form_records_a_demand_with_a_document(story: Story) -> None:
    c = client(story.core)
    sign_in(c, story.core, "ed", "editor")
    token = csrf_of(c.get("/demands/new").text)
    before = len(c.get("/api/v1/demands").json()["rows"])
    form = {"csrf_token": token, "title": "Удалить статью о министре", "demand_type": "government-request",
            "sender_name": "Министерство информации", "sender_kind": "ministry", "sender_country": "KZ",
            "recipient_name": "Daily Simulated", "recipient_kind": "outlet", "date_received": "2026-02-01",
            "deadline": "2026-02-05", "actions": ["remove", "edit"], "targets": story.urls["plain"],
            "legal_citation": "Закон о СМИ, ст. 23", "response": "pending", "visibility": "public"}
    letter = ("letter.pdf", b"%PDF-1.4\n1 0 obj\n", "application/pdf")
    r = c.post("/demands/new", data=form, files=[("documents", letter)])
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"])
    assert "Удалить статью о министре" in page.text and "letter.pdf" in page.text and "Закон о СМИ" in page.text
    assert len(c.get("/api/v1/demands").json()["rows"]) == before + 1
    doc = re.search(r'href="(/demands/\d+/documents/[0-9a-f]{64})"', page.text)
    assert doc and c.get(doc.group(1)).content.startswith(b"%PDF")
    assert client(story.core).get(doc.group(1)).status_code in (303, 401, 404)  # not for anonymous visitors
    # bad input: a clear message, nothing recorded, the values kept
    bad = c.post("/demands/new", data={**form, "title": "Another", "sender_country": "Narnia", "actions": ["nuke"]})
    assert bad.status_code == 422 and "error" in bad.text and 'value="Another"' in bad.text
    assert len(c.get("/api/v1/demands").json()["rows"]) == before + 1
    big = c.post("/demands/new", data={**form, "title": "Huge"},
                 files=[("documents", ("big.pdf", b"%PDF" + b"x" * (story.core.settings.max_request_bytes + 10),
                                       "application/pdf"))], headers={"Accept": "text/html"})
    assert big.status_code == 413 and "nothing was recorded" in big.text
    assert len(c.get("/api/v1/demands").json()["rows"]) == before + 1


def test_incident_preview_publish_edit_and_bundle(story: Story, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from presswatch.publish.verify import verify_bundle

    c = client(story.core)
    sign_in(c, story.core, "ed", "editor")
    token = csrf_of(c.get("/incidents/new").text)
    form = {"csrf_token": token, "title": "Блокировка в Казахстане", "description": "short",
            "body": "First paragraph.\n\nSecond paragraph.", "starts_at": "2026-01-10", "ends_at": "2026-03-01",
            "countries": "KZ", "outlets": "Daily Simulated", "demands": str(story.public_demand),
            "urls": story.urls["edited"], "visibility": "public"}
    n = len(c.get("/api/v1/incidents").json()["rows"])
    pv = c.post("/incidents/new", data={**form, "action": "preview"})
    assert pv.status_code == 200 and "Preview" in pv.text and "Second paragraph." in pv.text
    assert len(c.get("/api/v1/incidents").json()["rows"]) == n
    bad = c.post("/incidents/new", data={**form, "demands": "9999", "action": "save"})
    assert bad.status_code == 422 and "no demand #9999" in bad.text
    bad = c.post("/incidents/new", data={**form, "ends_at": "2025-01-01", "action": "save"})
    assert bad.status_code == 422 and "before the start" in bad.text
    assert len(c.get("/api/v1/incidents").json()["rows"]) == n
    r = c.post("/incidents/new", data={**form, "action": "save"})
    assert r.status_code == 303
    iid = int(r.headers["location"].rsplit("/", 1)[1])
    page = c.get(f"/incidents/{iid}")
    assert "Draft: not published" in page.text and "Timeline" in page.text and "removed" in page.text
    anon = client(story.core)
    assert anon.get(f"/incidents/{iid}").status_code == 404  # a draft
    r = c.post(f"/incidents/{iid}/edit", data={**form, "csrf_token": csrf_of(c.get(f"/incidents/{iid}/edit").text),
                                                "published": "on", "title": "Блокировка (обновлено)",
                                                "action": "save"})
    assert r.status_code == 303
    shown = anon.get(f"/incidents/{iid}")
    assert shown.status_code == 200 and "Блокировка (обновлено)" in shown.text and "Outcome" in shown.text
    token = csrf_of(c.get(f"/incidents/{iid}").text)
    assert c.post(f"/incidents/{iid}/notes", data={"csrf_token": token, "text": ""}).status_code == 422
    assert c.post(f"/incidents/{iid}/notes", data={"csrf_token": token, "text": "Called the editor"}).status_code == 303
    r = c.post(f"/incidents/{iid}/outcome", data={"csrf_token": token, "outcome": "refused", "why": "editor says so"})
    assert r.status_code == 303
    shown = anon.get(f"/incidents/{iid}").text
    assert "Called the editor" in shown and "editor says so" in shown
    assert anon.post(f"/incidents/{iid}/notes", data={"csrf_token": token, "text": "x"}).status_code in (303, 401, 403)
    b = anon.get(f"/incidents/{iid}/bundle")
    assert b.status_code == 200 and b.headers["content-type"].startswith("application/wacz")
    out = tmp_path / "b.wacz"
    out.write_bytes(b.content)
    assert verify_bundle(out).ok


def test_json_api_pagination_and_filters(story: Story) -> None:
    c = client(story.core)
    rows = c.get("/api/v1/watches", params={"limit": 1, "offset": 1}).json()
    assert rows["total"] == 2 and len(rows["rows"]) == 1  # the private demand's target is not listed
    assert [w["id"] for w in c.get("/api/v1/watches", params={"status": "removed"}).json()["rows"]] == [story.edited]
    obs = c.get(f"/api/v1/watches/{story.edited}/observations", params={"limit": 2}).json()
    assert obs["total"] == 4 and len(obs["rows"]) == 2 and obs["rows"][0]["status"] == "new"
    d = c.get(f"/api/v1/watches/{story.edited}/diff").json()
    assert d["diff"]["counts"]["paragraphs_added"] >= 0 and d["from"] != d["to"]
    cap = obs["rows"][0]["capture_id"]
    meta = c.get(f"/api/v1/captures/{cap}").json()
    assert meta["capture"]["payload_digest"].startswith("sha")
    rec = c.get(f"/api/v1/captures/{cap}/record")
    assert rec.status_code == 200 and rec.headers["content-type"] == "application/warc" and len(rec.content) > 100
    ev = c.get("/api/v1/events", params={"kind": "removed"}).json()["rows"]
    assert [e["reason"] for e in ev] == ["removal-notice"]
    assert c.get("/api/v1/watches", params={"limit": 0}).status_code == 422
    spec = c.get("/openapi.json").json()
    for path in ("/api/v1/watches", "/api/v1/watches/{watch_id}/diff", "/api/v1/captures/{capture_id}/record",
                 "/api/v1/incidents/{incident_id}", "/api/v1/search", "/api/v1/measurements"):
        assert path in spec["paths"], path
    docs = c.get("/docs").text
    assert "/static/docs/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert "/static/docs/redoc.standalone.js" in c.get("/redoc").text
    assert c.get("/static/docs/swagger-ui-bundle.js").status_code == 200


def test_measurement_site_and_country_pages(story: Story) -> None:
    import asyncio

    core = story.core
    plain = asyncio.run(core.measure(story.urls["plain"], country="KZ", network="AS9198 Test"))["measurement"]
    hidden = asyncio.run(core.measure(story.urls["private"], country="KZ", network="AS9198 Test"))["measurement"]
    c = client(core)
    page = c.get(f"/measurements/{plain['id']}")
    assert page.status_code == 200
    for part in ("Accessible", "DNS", "TCP", "HTTP", "Raw JSON", "AS9198 Test", "consistent"):
        assert part in page.text, part
    assert c.get(f"/measurements/{hidden['id']}").status_code == 404
    assert c.get(f"/api/v1/measurements/{hidden['id']}").status_code == 404
    assert c.get(f"/api/v1/measurements/{plain['id']}").json()["measurement"]["country"] == "KZ"
    host = story.urls["plain"].split("/")[2].split(":")[0]
    site = c.get(f"/sites/{host}")
    assert site.status_code == 200 and "reachable" in site.text and "KZ" in site.text
    country = c.get("/countries/KZ")
    assert "AS9198 Test" in country.text and story.urls["plain"] in country.text
    assert story.urls["private"] not in country.text
    sign_in(c, core, "val", "viewer")
    assert c.get(f"/measurements/{hidden['id']}").status_code == 200
