"""The replay origin in process, on SQLite and PostgreSQL: its security headers on every response, the
rewriting of archived HTML and CSS into the archive, the evidence and raw views, nearest-in-time lookup."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from replaysupport import PNG, Site, article_site, running_site
from sqlalchemy import select
from starlette.testclient import TestClient

from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.record.models import Capture
from presswatch.settings import Settings
from presswatch.web.replay import create_replay_app, parse_timestamp, replay_csp, timestamp
from presswatch.web.rewrite import PLACEHOLDER, HtmlRewriter, rewrite_css

LIVE = "http://203.0.113.9"  # never fetched: requisites are off while the hostile page is checked
HOSTILE = f"""
<script id=evil>try {{ parent.document.cookie; }} catch (e) {{}} window.top.postMessage("pwned", "*");</script>
<img id=tracker src="{LIVE}/track.gif" onerror="document.title='onerror ran'">
<form id=live-form action="{LIVE}/post" method=post><input name=q><button>go</button></form>
<meta http-equiv=refresh content="0;url={LIVE}/refresh">
<div id=styled style="background:url('{LIVE}/bg.png')"></div>
<style>.x {{ background: url({LIVE}/style.png) }} @import "{LIVE}/import.css";</style>
<iframe id=frame src="{LIVE}/frame"></iframe>
<a id=js href="javascript:alert(1)" ping="{LIVE}/ping">js</a>
"""
HOSTILE_HEADERS = [
    ("Content-Security-Policy", "script-src *"),
    ("Set-Cookie", "sid=archived-site-cookie; Path=/"),
    ("Strict-Transport-Security", "max-age=31536000"),
    ("Refresh", f"0;url={LIVE}/header-refresh"),
    ("Link", f"<{LIVE}/preload.css>; rel=preload; as=style"),
]
REPLAY = "http://127.0.0.1:8091"
APP = "http://127.0.0.1:8700"


@dataclass
class Archived:
    core: Presswatch
    site: Site
    client: TestClient
    url: str
    page: Capture
    hostile: Capture

    def cap(self, path: str) -> Capture:
        with self.core.db.session() as s:
            return s.scalars(select(Capture).where(Capture.url == self.site.base + path)
                             .order_by(Capture.id.desc()).limit(1)).one()


def _check(core: Presswatch, url: str) -> dict:
    [out] = asyncio.run(core.check([url]))
    return out


@pytest.fixture
def archived(db_url: str, tmp_path: Path) -> Iterator[Archived]:
    settings = Settings(data=tmp_path / "data", db=db_url, allow_private=True, respect_robots=False, timeout=5.0)
    clock = FakeClock(datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC))
    core = Presswatch.open(settings, clock)
    with running_site() as site:
        url = article_site(site)
        _check(core, url)
        core.settings.capture_requisites = False
        hostile_url = site.page("/hostile", f"<!doctype html><title>H</title><body><h1>Hostile</h1>{HOSTILE}"
                                            "</body>".encode(), headers=HOSTILE_HEADERS)
        _check(core, hostile_url)
        core.settings.capture_requisites = True
        with core.db.session() as s:
            page = s.scalars(select(Capture).where(Capture.url == url)).one()
            hostile = s.scalars(select(Capture).where(Capture.url == hostile_url)).one()
        with TestClient(create_replay_app(core), base_url=REPLAY) as client:
            yield Archived(core, site, client, url, page, hostile)
    core.close()


def _assert_safe_headers(headers: dict[str, str] | object, kind: str = "replay") -> None:
    h = {k.lower(): v for k, v in headers.items()}  # type: ignore[attr-defined]
    csp = h["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}
    assert directives["object-src"] == ["'none'"]
    assert directives["form-action"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == [APP]
    assert "sandbox" in directives and "allow-same-origin" not in directives["sandbox"]
    for name, sources in directives.items():  # nothing but this origin (and inert data:/blob:) anywhere
        for src in sources:
            if name not in ("frame-ancestors", "sandbox"):
                assert src in ("'self'", REPLAY, "'none'", "'unsafe-inline'", "'unsafe-eval'", "data:", "blob:"), csp
    if kind == "replay":
        assert directives["default-src"] == ["'self'", REPLAY]
        assert directives["connect-src"] == ["'self'", REPLAY]
        assert directives["sandbox"] == ["allow-scripts"]
    if kind == "evidence":
        assert directives["script-src"] == ["'none'"]
        assert directives["sandbox"] == []
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    for passed in ("set-cookie", "strict-transport-security", "refresh", "link"):
        assert passed not in h


def _loads(body: bytes) -> list[str]:
    """Every URL an HTML document refers to (attributes, srcset, CSS url()/@import)."""
    doc = lxml.html.document_fromstring(body)
    out = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("href", "src", "action", "data", "poster", "formaction", "background"):
            if el.get(attr) is not None:
                out.append(el.get(attr))
        for attr in ("srcset", "imagesrcset"):
            out += [part.split()[0] for part in (el.get(attr) or "").split(",") if part.strip()]
        css = (el.get("style") or "") + (el.text or "" if el.tag == "style" else "")
        out += [m.group(1) or m.group(2) for m in re.finditer(r"url\(\"?([^\")]*)\"?\)|@import \"([^\"]+)\"", css)]
    return out


def _inert_or_archive(u: str) -> bool:
    return u.startswith(("/w/", "#", "data:")) or u == PLACEHOLDER


def test_replayed_page_points_only_into_the_archive(archived: Archived) -> None:
    a = archived
    r = a.client.get(f"/c/{a.page.id}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    _assert_safe_headers(r.headers)
    assert "Текст статьи" in r.text
    urls = _loads(r.content)
    assert urls and all(_inert_or_archive(u) for u in urls), urls
    ts = timestamp(a.page.captured_at)
    doc = lxml.html.document_fromstring(r.content)
    assert doc.get_element_by_id("photo").get("src") == f"/w/{ts}/{a.site.base}/static/photo.png"
    assert doc.get_element_by_id("photo").get("srcset") == (
        f"/w/{ts}/{a.site.base}/static/photo.png 1x, /w/{ts}/{a.site.base}/static/photo2.png 2x")
    assert doc.get_element_by_id("gone").get("href") == PLACEHOLDER  # not archived: goes nowhere
    assert doc.get_element_by_id("other").get("href") == PLACEHOLDER
    assert doc.xpath("//script[@src]")[0].get("src") == PLACEHOLDER  # a script not archived loads nothing
    assert f"url(\"/w/{ts}/{a.site.base}/static/bg.png\")" in r.text

    # once the linked article is archived too, the link leads to its capture
    _check(a.core, a.site.base + "/other")
    doc = lxml.html.document_fromstring(a.client.get(f"/c/{a.page.id}").content)
    link = doc.get_element_by_id("other").get("href")
    assert link == f"/w/{ts}/{a.site.base}/other"
    other = a.client.get(link)
    assert other.status_code == 200 and "Other article" in other.text
    _assert_safe_headers(other.headers)


def test_subresources_replay_from_the_archive(archived: Archived) -> None:
    a = archived
    ts = timestamp(a.page.captured_at)
    css = a.client.get(f"/w/{ts}/{a.site.base}/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"] == "text/css; charset=utf-8"
    _assert_safe_headers(css.headers)
    assert f'@import "/w/{ts}/{a.site.base}/static/extra.css"' in css.text
    assert f'url("/w/{ts}/{a.site.base}/static/site.woff2")' in css.text
    img = a.client.get(f"/w/{ts}/{a.site.base}/static/photo.png")
    assert img.content == PNG and img.headers["content-type"] == "image/png"
    _assert_safe_headers(img.headers)
    font = a.client.get(f"/w/{ts}/{a.site.base}/static/site.woff2")
    assert font.headers["content-type"] == "font/woff2"
    assert font.headers["access-control-allow-origin"] == "*"  # the sandboxed page loads fonts in CORS mode
    assert a.client.get(f"/w/{ts}/{a.site.base}/static/missing.png").status_code == 404


def test_hostile_page_is_contained(archived: Archived) -> None:
    a = archived
    r = a.client.get(f"/c/{a.hostile.id}")
    assert r.status_code == 200
    _assert_safe_headers(r.headers)
    assert "script-src *" not in r.headers["content-security-policy"]
    assert LIVE not in r.text  # no live URL left anywhere in the page
    urls = _loads(r.content)
    assert all(_inert_or_archive(u) for u in urls), urls
    doc = lxml.html.document_fromstring(r.content)
    assert doc.get_element_by_id("evil") is not None  # scripts are kept (contained by sandbox and CSP)
    assert doc.get_element_by_id("live-form").get("action") == PLACEHOLDER
    assert doc.xpath("//meta[@http-equiv]") == []
    assert doc.get_element_by_id("js").get("ping") is None

    ev = a.client.get(f"/c/{a.hostile.id}/evidence")
    assert ev.status_code == 200
    _assert_safe_headers(ev.headers, "evidence")
    low = ev.text.lower()
    for gone in ("<script", "onerror", "<form", "http-equiv", "<iframe", "javascript:", "ping="):
        assert gone not in low, gone
    assert LIVE not in ev.text
    assert "Hostile" in ev.text


def test_raw_record_with_digests(archived: Archived) -> None:
    a = archived
    r = a.client.get(f"/c/{a.hostile.id}/raw")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    _assert_safe_headers(r.headers, "static")
    stored = a.hostile.pointer.read(a.core.data_dir)
    assert f"WARC-Payload-Digest: {a.hostile.payload_digest}" in r.text
    assert f"WARC-Block-Digest: {a.hostile.block_digest}" in r.text
    assert f"sha256 of the stored record: {hashlib.sha256(stored).hexdigest()}" in r.text
    assert "check: intact" in r.text
    assert "WARC/1.1" in r.text and "Set-Cookie: sid=archived-site-cookie" in r.text  # shown as text only
    assert "<script id=evil>" in r.text


def test_no_credential_is_read_and_none_is_set(archived: Archived) -> None:
    a = archived
    plain = a.client.get(f"/c/{a.page.id}")
    with_cookie = a.client.get(f"/c/{a.page.id}", headers={"Cookie": "presswatch_session=app-secret",
                                                             "Authorization": "Bearer app-token"})
    assert with_cookie.content == plain.content
    assert "set-cookie" not in with_cookie.headers
    assert "app-secret" not in with_cookie.text and "app-token" not in with_cookie.text


def test_nearest_capture_in_time_and_revisits(archived: Archived) -> None:
    a = archived
    first = a.page
    clock = a.core.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=2))
    _check(a.core, a.url)  # unchanged: a revisit of the first body
    article_site(a.site, version=2)
    clock.advance(timedelta(days=2))
    _check(a.core, a.url)
    with a.core.db.session() as s:
        caps = list(s.scalars(select(Capture).where(Capture.url == a.url).order_by(Capture.id)))
    assert [c.record_type for c in caps] == ["response", "revisit", "response"]
    revisit = a.client.get(f"/c/{caps[1].id}")
    assert revisit.status_code == 200 and "version 1" in revisit.text  # the payload it refers to
    t0 = first.captured_at.replace(tzinfo=UTC)
    assert "version 1" in a.client.get(f"/w/{timestamp(t0 + timedelta(hours=1))}/{a.url}").text
    assert "version 2" in a.client.get(f"/w/{timestamp(t0 + timedelta(days=3, hours=12))}/{a.url}").text
    assert "version 2" in a.client.get(f"/w/2099/{a.url}").text
    assert "version 1" in a.client.get(f"/w/2000/{a.url}").text


def test_archived_redirect_leads_to_the_archived_target(archived: Archived) -> None:
    a = archived
    a.site.page("/old", b"", status=301, headers=[("Location", "/news/minister")])
    _check(a.core, a.site.base + "/old")
    old = a.cap("/old")
    assert old.http_status == 301
    r = a.client.get(f"/c/{old.id}", follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"] == f"/w/{timestamp(old.captured_at)}/{a.url}"
    _assert_safe_headers(r.headers)


def test_errors_carry_the_headers_too(archived: Archived) -> None:
    a = archived
    for path, status in (("/c/999999", 404), ("/c/999999/raw", 404), ("/w/notatime/http://x/", 400),
                         (f"/w/20260101/{LIVE}/never", 404), ("/nothing/here", 404)):
        r = a.client.get(path)
        assert r.status_code == status, path
        _assert_safe_headers(r.headers, "static")


def test_timestamps() -> None:
    assert parse_timestamp("2026") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_timestamp("20260302") == datetime(2026, 3, 2, tzinfo=UTC)
    assert parse_timestamp("20260302101112") == datetime(2026, 3, 2, 10, 11, 12, tzinfo=UTC)
    for bad in ("", "20", "2026x", "202613", "202601011200001"):
        assert parse_timestamp(bad) is None
    assert timestamp(datetime(2026, 3, 2, 10, 11, 12)) == "20260302101112"
    assert "sandbox allow-scripts" in replay_csp(REPLAY, [APP], "replay")


def test_rewriting_without_a_database() -> None:
    page = HtmlRewriter(
        b"<html><head><base href='http://h/a/'><link rel=stylesheet href=s.css integrity=sha384-x>"
        b"<meta http-equiv=Set-Cookie content='a=b'><meta http-equiv=content-security-policy content='x'></head>"
        b"<body><img src=i.png srcset='i.png 1x, http://live/i2.png 2x'><a href='p#frag'>p</a>"
        b"<a href='#top'>top</a><img src='data:image/gif;base64,R0lGOD'>"
        b"<p style='color:red'>\xd0\x96</p></body></html>",
        "text/html; charset=utf-8", "http://h/page")
    assert page.urls() == {"http://h/a/s.css", "http://h/a/i.png", "http://live/i2.png", "http://h/a/p"}
    held = {"http://h/a/s.css", "http://h/a/i.png", "http://h/a/p"}
    out = page.render(lambda u: "/w/1/" + u if u in held else None).decode()
    assert '<link rel="stylesheet" href="/w/1/http://h/a/s.css">' in out  # integrity dropped
    assert 'srcset="/w/1/http://h/a/i.png 1x"' in out  # the unarchived candidate dropped
    assert 'href="/w/1/http://h/a/p#frag"' in out and 'href="#top"' in out
    assert "data:image/gif" in out and "Ж" in out
    assert "<base" not in out and "http-equiv" not in out.lower()
    assert rewrite_css('a{b:url("x.png")} @import "y.css"; c{d:url(data:x)}', "http://h/c/s.css",
                       lambda u: None) == (f'a{{b:url("{PLACEHOLDER}")}} @import "{PLACEHOLDER}"; c{{d:url("data:x")}}')
    assert rewrite_css('a{b:url(q.png)}', "http://h/", lambda u: '/w/1/x"y') == 'a{b:url("/w/1/x%22y")}'
    assert HtmlRewriter(b"", None, "http://h/").render(lambda u: None).startswith(b"<!doctype html>")


def test_hidden_captures_only_through_a_signed_link(archived: Archived) -> None:
    from presswatch.cases import demands as dm
    from presswatch.web.replay import replay_url

    a = archived
    ts = timestamp(a.page.captured_at)
    assert a.client.get(f"/c/{a.page.id}").status_code == 200
    dm.add_demand(a.core, {
        "title": "Private demand", "visibility": "private", "actions": ["remove"], "channel": "letter",
        "sender": {"name": "Ministry", "kind": "ministry", "country": "KG"},
        "recipient": {"name": "Outlet", "kind": "outlet", "country": "KG"},
        "date_sent": "2026-03-01", "targets": [{"url": a.url}]})
    for path in (f"/c/{a.page.id}", f"/c/{a.page.id}/evidence", f"/c/{a.page.id}/raw", f"/w/{ts}/{a.url}"):
        r = a.client.get(path)
        assert r.status_code == 404 and "Minister" not in r.text, path
        _assert_safe_headers(r.headers, "static")

    link = replay_url(a.core, a.page.id)
    assert link.startswith(f"{REPLAY}/k/")
    prefix = link.removeprefix(REPLAY).removesuffix(f"/c/{a.page.id}")
    r = a.client.get(link)
    assert r.status_code == 200 and "Minister resigns" in r.text
    _assert_safe_headers(r.headers)
    photo = lxml.html.document_fromstring(r.content).get_element_by_id("photo").get("src")
    assert photo == f"{prefix}/w/{ts}/{a.site.base}/static/photo.png"  # links keep the grant
    assert a.client.get(photo).content == PNG
    assert a.client.get(replay_url(a.core, a.page.id, "raw")).status_code == 200

    assert a.client.get(f"/k/1.forged/c/{a.page.id}").status_code == 403
    assert a.client.get(prefix[:-2] + "xx" + f"/c/{a.page.id}").status_code == 403
    clock = a.core.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(hours=2))  # past the link's hour
    expired = a.client.get(link)
    assert expired.status_code == 403
    _assert_safe_headers(expired.headers, "static")


def test_without_public_reading_only_signed_links_replay(archived: Archived) -> None:
    from presswatch.web.replay import replay_url

    a = archived
    a.core.settings.public_read = False
    for path in (f"/c/{a.page.id}", f"/c/{a.page.id}/raw", f"/w/{timestamp(a.page.captured_at)}/{a.url}"):
        assert a.client.get(path).status_code == 404, path
    r = a.client.get(replay_url(a.core, a.page.id))
    assert r.status_code == 200 and "Minister resigns" in r.text


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("sig, code", [("SIGTERM", 143), ("SIGINT", 130)])
def test_serve_runs_the_app_and_the_replay_origin_and_exits_cleanly(tmp_path: Path, sig: str, code: int) -> None:
    import signal
    import time

    import httpx
    from runsupport import cli_env, cli_start, cli_wait

    port, rport = _free_port(), _free_port()
    proc = cli_start(["serve", "--port", str(port), "--replay-port", str(rport)], cli_env(tmp_path / "data"))
    try:
        app = replay = None
        for _ in range(300):
            try:
                app = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                replay = httpx.get(f"http://127.0.0.1:{rport}/c/1", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.1)
        assert app is not None and app.status_code == 200
        assert replay is not None and replay.status_code == 404  # the replay origin, with its headers
        frame = replay.headers["content-security-policy"].split("frame-ancestors ")[1].split(";")[0].split()
        assert frame == [APP, f"http://127.0.0.1:{port}"]  # the configured app origin and the served one
        assert replay.headers["x-content-type-options"] == "nosniff"
        proc.send_signal(getattr(signal, sig))
        done = cli_wait(proc, 30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert done.returncode == code, done.stderr
    assert f"replay on http://127.0.0.1:{rport}/" in done.stderr
    assert f"stopped on {sig}" in done.stderr


def test_serve_refuses_one_port_for_both(tmp_path: Path) -> None:
    from runsupport import cli, cli_env

    port = _free_port()
    done = cli(["serve", "--port", str(port), "--replay-port", str(port)], cli_env(tmp_path / "data"), timeout=60)
    assert done.returncode == 2 and "port of its own" in done.stderr


def test_replay_iframe_is_sandboxed_without_an_origin() -> None:
    from presswatch.web.replay import replay_iframe

    tag = replay_iframe('http://r/c/1?"><script>', "a \"title\"")
    el = lxml.html.fragment_fromstring(tag)
    assert el.tag == "iframe" and el.get("sandbox") == "allow-scripts"
    assert el.get("src") == 'http://r/c/1?"><script>' and el.get("referrerpolicy") == "no-referrer"
    assert "<script>" not in tag


def test_serve_stops_both_when_the_replay_port_is_taken(tmp_path: Path) -> None:
    import socket

    from runsupport import cli, cli_env

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        done = cli(["serve", "--port", str(_free_port()), "--replay-port", str(taken.getsockname()[1])],
                   cli_env(tmp_path / "data"), timeout=60)
    assert done.returncode == 1 and "address already in use" in done.stderr
