"""Page requisites: after a new page body is archived, its images, stylesheets and fonts are archived
too (bounded, through the SSRF guard), linked to the page's record and indexed for replay."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from replaysupport import Site, article_site, running_site
from sqlalchemy import select

from presswatch.archive import read_record
from presswatch.core import Presswatch
from presswatch.fetch.client import Fetcher
from presswatch.fetch.requisites import css_urls, fetch_requisites, requisite_urls, split_srcset, wants_requisites
from presswatch.record.models import Capture, Observation
from presswatch.settings import Settings

REQUISITES = {"/static/site.css", "/static/extra.css", "/static/site.woff2", "/static/photo.png",
              "/static/photo2.png", "/static/bg.png"}


def _core(tmp_path: Path, db: str | None = None, **kw: object) -> Presswatch:
    settings = Settings(data=tmp_path / "data", db=db, allow_private=True, respect_robots=False, timeout=5.0, **kw)
    return Presswatch.open(settings)


def _captures(core: Presswatch) -> list[Capture]:
    with core.db.session() as s:
        return list(s.scalars(select(Capture).order_by(Capture.id)))


@pytest.fixture
def site() -> Site:
    with running_site() as s:
        yield s


def test_requisite_urls_finds_what_a_page_needs_for_its_looks() -> None:
    body = (b"<html><head><base href='/b/'><link rel=stylesheet href=s.css><link rel=icon href=/fav.ico>"
            b"<link rel=preload as=font href=/f.woff2><link rel=preload as=script href=/x.js>"
            b"<style>@import 'i.css'; .a{background:url(\"bg.png\")}</style><script src=/app.js></script></head>"
            b"<body><img src=a.png srcset='a2.png 2x, a3.png 3x'><picture><source srcset='p.webp'></picture>"
            b"<video poster=v.jpg></video><div style='background:url(d.png)'></div><img src='data:image/png,xx'>"
            b"<a href=/link>l</a><iframe src=/frame></iframe><img src='javascript:x'></body></html>")
    got = requisite_urls(body, "http://h/p/page")
    assert got == ["http://h/b/s.css", "http://h/fav.ico", "http://h/f.woff2", "http://h/b/i.css", "http://h/b/bg.png",
                   "http://h/b/a.png", "http://h/b/a2.png", "http://h/b/a3.png", "http://h/b/p.webp",
                   "http://h/b/v.jpg", "http://h/b/d.png"]
    assert css_urls("@import url(x.css); @font-face{src:url('f.woff2')} a{b:url(data:x)}", "http://h/c/s.css") == [
        "http://h/c/x.css", "http://h/c/f.woff2"]
    assert split_srcset("a.png 1x,b.png 2x, c.png") == [("a.png", "1x"), ("b.png", "2x"), ("c.png", "")]
    assert requisite_urls(b"", "http://h/") == []


def test_wants_requisites_only_for_a_new_successful_html_body() -> None:
    ok = {"enabled": True, "http_status": 200, "content_type": "text/html; charset=utf-8",
          "record_type": "response", "new_body": True}
    assert wants_requisites(**ok)
    for change in ({"enabled": False}, {"http_status": 404}, {"content_type": "image/png"},
                   {"record_type": "revisit"}, {"new_body": False}, {"http_status": None}):
        assert not wants_requisites(**{**ok, **change})


def test_check_archives_requisites_linked_to_the_page(tmp_path: Path, site: Site) -> None:
    url = article_site(site)
    core = _core(tmp_path)
    try:
        [out] = asyncio.run(core.check([url]))
        assert out["status"] == "new"
        caps = _captures(core)
        by_url = {c.url: c for c in caps}
        page = by_url[url]
        assert {u.removeprefix(site.base) for u in by_url} >= REQUISITES
        assert site.base + "/static/app.js" not in by_url  # scripts are not requisites
        for path in REQUISITES:
            cap = by_url[site.base + path]
            assert cap.record_type == "response" and cap.http_status == 200
            rec = read_record(cap.pointer.read(core.data_dir))
            assert rec.header("WARC-Concurrent-To") == page.record_id
        font = read_record(by_url[site.base + "/static/site.woff2"].pointer.read(core.data_dir))
        assert font.payload.startswith(b"wOF2")
        with core.db.session() as s:  # the observation still points at the page, not at a requisite
            obs = s.scalars(select(Observation)).one()
            assert obs.capture_id == page.id

        # an unchanged recheck fetches no requisite again
        hits = site.requisite_hits()
        [again] = asyncio.run(core.check([url]))
        assert again["status"] == "unchanged"
        assert site.requisite_hits() == hits
        assert len(_captures(core)) == len(caps) + 1  # the page's revisit only

        # a new body: requisites archived within requisites_refresh are not fetched again …
        article_site(site, version=2)
        [edited] = asyncio.run(core.check([url]))
        assert edited["status"] == "edited"
        assert site.requisite_hits() == hits
        # … older ones are; identical payloads are stored as revisits of the first ones
        core.settings.requisites_refresh = 0
        article_site(site, version=3)
        [edited] = asyncio.run(core.check([url]))
        assert edited["status"] == "edited"
        assert site.requisite_hits() > hits
        latest = [c for c in _captures(core) if c.url == site.base + "/static/photo.png"]
        assert [c.record_type for c in latest] == ["response", "revisit"]
        assert latest[1].refers_to_id == latest[0].id
    finally:
        core.close()


def test_switch_off(tmp_path: Path, site: Site) -> None:
    url = article_site(site)
    core = _core(tmp_path, capture_requisites=False)
    try:
        asyncio.run(core.check([url]))
        assert [c.url for c in _captures(core)] == [url]
        assert site.requisite_hits() == 0
    finally:
        core.close()


def test_bounded_in_count_and_bytes(tmp_path: Path, site: Site) -> None:
    url = article_site(site)
    core = _core(tmp_path, requisites_max=2)
    try:
        asyncio.run(core.check([url]))
        assert len([c for c in _captures(core) if "/static/" in c.url]) == 2
        assert site.requisite_hits() == 2
    finally:
        core.close()
    core = _core(tmp_path / "b", requisites_max_bytes=1)
    try:
        asyncio.run(core.check([url]))
        assert [c for c in _captures(core) if "/static/" in c.url] == []
    finally:
        core.close()


def test_each_requisite_goes_through_the_ssrf_guard(tmp_path: Path, site: Site) -> None:
    article_site(site)

    async def go() -> object:
        settings = Settings(data=tmp_path, allow_private=False)
        async with Fetcher(settings) as fetcher:
            return await fetch_requisites(fetcher, [site.base + "/static/photo.png", "http://[::1]/x.png"],
                                          max_count=10, max_bytes=10**6)

    got = asyncio.run(go())
    assert got.results == []  # type: ignore[attr-defined]
    assert sorted(got.refused) == sorted([site.base + "/static/photo.png", "http://[::1]/x.png"])  # type: ignore[attr-defined]
    assert site.hits == {}  # refused before any connection
