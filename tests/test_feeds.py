"""Atom feeds of confirmed events: valid (feedparser), scoped, public only, with ETag / 304."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
import pytest

from presswatch.cases import demands as dm
from presswatch.cases import incidents as inc
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.publish.web import create_app
from presswatch.settings import Settings
from presswatch.sim.site import SimSite

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
EDIT = "The ministry later said the figures were wrong."


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    clock = FakeClock(T0)
    site = SimSite(articles=6, seed=5).start()
    core = Presswatch.open(Settings(data=tmp_path_factory.mktemp("feeds"), allow_private=True, confirm_checks=2,
                                    timeout=5.0), clock=clock)
    edited, removed, private = site.article_urls()[:3]
    demand = {
        "title": "Hidden demand", "sender": {"name": "Agency", "kind": "regulator", "country": "KZ"},
        "recipient": {"name": "Sim", "kind": "outlet"}, "date_received": "2026-04-30", "actions": ["remove"],
        "targets": [{"url": private}], "visibility": "private",
    }
    dm.add_demand(core, demand)
    public_inc = inc.create_incident(core, "Public case")
    private_inc = inc.create_incident(core, "Private case", visibility="private")
    for u in (edited, removed):
        core.watch(u, tags={"country": "KZ"})
    asyncio.run(core.check([edited, removed, private]))
    inc.add_to_incident(core, public_inc, urls=[removed])
    inc.add_to_incident(core, private_inc, urls=[private])
    site.set_state(edited.rsplit("/", 1)[1], "edit-paragraph", index=1, text=EDIT)
    for u in (removed, private):
        site.set_state(u.rsplit("/", 1)[1], "removal-notice", lang="en")
    for _ in range(2):
        clock.advance(timedelta(hours=2))
        asyncio.run(core.check([edited, removed, private]))
    transport = httpx.ASGITransport(app=create_app(core))
    client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
    try:
        yield {"core": core, "client": client, "edited": edited, "removed": removed, "private": private,
               "public_inc": public_inc, "private_inc": private_inc, "host": "127.0.0.1"}
    finally:
        asyncio.run(client.aclose())
        core.close()
        site.stop()


def get(world: dict[str, Any], path: str, **headers: str) -> httpx.Response:
    return asyncio.run(world["client"].get(path, headers=headers))


def parse(resp: httpx.Response) -> Any:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(resp.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_the_all_events_feed_is_valid_atom_with_diffs(world: dict[str, Any]) -> None:
    feed = parse(get(world, "/feeds/events.atom"))
    kinds = sorted(e.tags[0]["term"] for e in feed.entries)
    assert kinds == ["edited", "removed"]
    for e in feed.entries:
        assert e.id.startswith("urn:presswatch:event:") and e.updated and e.title
    edit = next(e for e in feed.entries if e.tags[0]["term"] == "edited")
    assert EDIT in edit.content[0]["value"] and "words" in edit.content[0]["value"]
    assert edit.link == world["edited"]


def test_nothing_private_reaches_a_feed(world: dict[str, Any]) -> None:
    for path in ("/feeds/events.atom", "/feeds/countries/KZ.atom", f"/feeds/sites/{world['host']}.atom",
                 f"/feeds/incidents/{world['public_inc']}.atom"):
        body = get(world, path).text
        assert world["private"] not in body, path
    assert get(world, f"/feeds/incidents/{world['private_inc']}.atom").status_code == 404
    from sqlalchemy import select

    from presswatch.record.models import Watch

    with world["core"].db.session() as s:
        wid = s.scalar(select(Watch.id).where(Watch.url == world["private"]))
    assert get(world, f"/feeds/watches/{wid}.atom").status_code == 404


def test_scoped_feeds(world: dict[str, Any]) -> None:
    kz = parse(get(world, "/feeds/countries/KZ.atom"))
    assert len(kz.entries) == 2
    assert parse(get(world, "/feeds/countries/KG.atom")).entries == []
    case = parse(get(world, f"/feeds/incidents/{world['public_inc']}.atom"))
    assert [e.link for e in case.entries] == [world["removed"]]
    site = parse(get(world, f"/feeds/sites/{world['host']}.atom"))
    assert len(site.entries) == 2
    from sqlalchemy import select

    from presswatch.record.models import Watch

    with world["core"].db.session() as s:
        wid = s.scalar(select(Watch.id).where(Watch.url == world["edited"]))
    one = parse(get(world, f"/feeds/watches/{wid}.atom"))
    assert [e.tags[0]["term"] for e in one.entries] == ["edited"]


def test_etag_and_304(world: dict[str, Any]) -> None:
    first = get(world, "/feeds/events.atom")
    etag = first.headers["etag"]
    again = get(world, "/feeds/events.atom", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = get(world, "/feeds/events.atom", **{"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.content == first.content


def test_hostile_titles_and_bad_feed_paths() -> None:
    from presswatch.alerts.payload import EventRecord
    from presswatch.publish.feeds import FeedSpec, atom_feed

    at = datetime(2026, 3, 1, tzinfo=UTC)
    hostile = EventRecord(event_id=1, kind="edited", at=at, summary="sum\x00mary\x1b", status="edited",
                          reason=None, country="KZ", url="http://h.example/a\x0b", title="Title\x08 \ufffe Ж")
    parsed = feedparser.parse(atom_feed(FeedSpec(), [hostile]))
    assert not parsed.bozo and "Ж" in parsed.entries[0].title and "\x08" not in parsed.entries[0].title


def test_malformed_feed_paths_are_404_not_errors(world: dict[str, Any]) -> None:
    for path in ("/feeds/sites/%C2%A0%1B.atom", "/feeds/sites/a..b%00.atom", "/feeds/countries/%D0%96%D0%96.atom"):
        assert get(world, path).status_code == 404, path
    for path in ("/feeds/watches/99999999999999999999999.atom", "/feeds/incidents/0.atom"):
        assert get(world, path).status_code == 422, path


def test_feed_scope_and_alert_facts_agree_on_a_measured_url_no_watch_names() -> None:
    """A block of a measured URL (no watch) belongs to its host's site feed and to an incident citing the
    host, in the feed exactly as in the alert filters."""
    from datetime import UTC, datetime

    from presswatch.alerts.deliver import _facts
    from presswatch.alerts.payload import EventRecord
    from presswatch.publish.feeds import FeedSpec, _in_scope

    at = datetime(2026, 5, 1, tzinfo=UTC)
    url_block = EventRecord(event_id=1, kind="blocked", at=at, summary="", status="blocked", reason="dns",
                            country="KZ", details={"target": "https://News.Example/a/1", "scope": "url"})
    host_block = EventRecord(event_id=2, kind="blocked", at=at, summary="", status="blocked", reason="dns",
                             country="KZ", details={"target": "news.example", "scope": "host"})
    other = EventRecord(event_id=3, kind="blocked", at=at, summary="", status="blocked", reason="dns",
                        country="KZ", details={"target": "https://elsewhere.example/", "scope": "url"})
    incident = ({99}, {"news.example"})
    for r, inside in ((url_block, True), (host_block, True), (other, False)):
        assert _in_scope(FeedSpec("site", "news.example"), r, None) is inside
        assert _in_scope(FeedSpec("incident", 7), r, incident) is inside
        assert (_facts(r, {7: incident}).incidents == frozenset({7})) is inside
        assert (_facts(r, {}).host == "news.example") is inside
