"""Alerts from real checks of the simulated site: only confirmed state changes alert, with the capture and
evidence-log index in the body, delivered by the background task of a ``run`` pass (same code as
``alerts deliver``); apprise to a loopback JSON endpoint; a digest and flapping over an injected clock."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from presswatch.alerts.deliver import deliver_pending
from presswatch.alerts.manage import add_subscription, delivery_log
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.record.ledger import Ledger
from presswatch.settings import Settings
from presswatch.sim.site import SimSite
from tests.alerts_receiver import SECRET, Receiver, receiver
from tests.runsupport import local_http

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[tuple[Presswatch, FakeClock, SimSite]]:
    clock = FakeClock(T0)
    site = SimSite(articles=6, seed=3).start()
    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True, confirm_checks=2, timeout=5.0,
                                    alert_timeout=3.0, alert_poll=0.2, respect_robots=False), clock=clock)
    try:
        yield core, clock, site
    finally:
        core.close()
        site.stop()


def slug(url: str) -> str:
    return url.rsplit("/", 1)[1]


def check(core: Presswatch, url: str) -> dict[str, Any]:
    (out,) = asyncio.run(core.check([url]))
    return out


def test_only_a_confirmed_removal_alerts_and_the_body_points_at_the_evidence(
        world: tuple[Presswatch, FakeClock, SimSite]) -> None:
    core, clock, site = world
    url = site.article_urls()[0]
    with receiver(Receiver()) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        assert check(core, url)["status"] == "new"
        asyncio.run(deliver_pending(core))
        assert rx.got == []  # a first capture is no alert by default
        site.set_state(slug(url), "removal-notice", lang="ru")
        clock.advance(3600)
        first = check(core, url)
        assert first["status"] == "removed" and not first["confirmed"]
        asyncio.run(deliver_pending(core))
        assert rx.got == []  # one bad check confirms nothing
        clock.advance(3600)
        assert check(core, url)["confirmed"]
        asyncio.run(deliver_pending(core))
        (got,) = rx.got
        assert got.verified
        body = got.json
        assert body["type"] == "removed"
        d = body["data"]
        assert d["url"] == url and d["status"] == "removed" and d["reason"] == "removal-notice" and d["confirmed"]
        assert d["capture"]["warc_file"].startswith("warc/") and d["capture"]["length"] > 0
        entry = Ledger(core).entry(d["evidence"])
        assert entry is not None and entry.ref == f"event:{d['event_id']}"
        assert d["proof"]["command"] == f"presswatch log prove {d['evidence']}"
        assert d["title"]  # the article's headline


def test_a_run_pass_delivers_its_alerts_in_the_background(world: tuple[Presswatch, FakeClock, SimSite]) -> None:
    core, clock, site = world
    urls = site.article_urls()[:2]
    for u in urls:
        core.watch(u)
    with receiver(Receiver()) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={"events": ["edited", "removed"]})
        asyncio.run(core.run_pass())
        site.set_state(slug(urls[0]), "edit-paragraph", index=1, text="A sentence the editors added later on.")
        site.set_state(slug(urls[1]), "delete-404")
        for _ in range(2):
            clock.advance(timedelta(days=3))
            asyncio.run(core.run_pass())
        kinds = sorted(r.json["type"] for r in rx.got)
        assert kinds == ["edited", "removed"] and all(r.verified for r in rx.got)
        edited = next(r.json for r in rx.got if r.json["type"] == "edited")
        assert edited["data"]["diff"]["words_added"] > 0


def test_min_words_filters_small_edits(world: tuple[Presswatch, FakeClock, SimSite]) -> None:
    core, clock, site = world
    url = site.article_urls()[0]
    with receiver(Receiver()) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={"events": ["edited"], "min_words": 500})
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={"events": ["edited"], "min_words": 2})
        check(core, url)
        site.set_state(slug(url), "edit-paragraph", index=1, text="Three new words.")
        clock.advance(3600)
        assert check(core, url)["status"] == "edited"
        asyncio.run(deliver_pending(core))
        assert len(rx.got) == 1


class _Catch(BaseHTTPRequestHandler):
    got: list[dict[str, Any]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        with self.lock:
            self.got.append(json.loads(body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def test_apprise_json_notification_to_a_loopback_endpoint(world: tuple[Presswatch, FakeClock, SimSite]) -> None:
    core, clock, site = world
    url = site.article_urls()[0]
    _Catch.got = []
    with local_http(_Catch) as port:
        add_subscription(core, apprise=f"json://127.0.0.1:{port}/notify", filters={"events": ["removed"]},
                         title="Removed: $title", body="$url was $status ($reason). Evidence: $proof")
        check(core, url)
        site.set_state(slug(url), "delete-410")
        for _ in range(2):
            clock.advance(3600)
            check(core, url)
        assert asyncio.run(deliver_pending(core)).delivered == 1
        (note,) = _Catch.got
        assert note["title"].startswith("Removed: ")
        assert f"{url} was removed (http-410). Evidence: presswatch log prove" in note["message"]


def test_digest_collects_an_hour_into_one_message(tmp_path: Path) -> None:
    from tests.test_alerts_delivery import events

    clock = FakeClock(T0)
    core = Presswatch.open(Settings(data=tmp_path, allow_private=True), clock=clock)
    try:
        with receiver(Receiver()) as rx:
            add_subscription(core, webhook=rx.url, secret=SECRET, filters={}, digest="hourly")
            clock.set(T0 + timedelta(minutes=5))
            events(core, ["removed"], url="http://127.0.0.1:9/a")
            asyncio.run(deliver_pending(core))
            clock.set(T0 + timedelta(minutes=40))
            events(core, ["withheld"], url="http://127.0.0.1:9/b")
            asyncio.run(deliver_pending(core))
            assert rx.got == []  # the hour is not over
            clock.set(T0 + timedelta(hours=1, seconds=1))
            events(core, ["edited"], url="http://127.0.0.1:9/c")  # the next hour's
            asyncio.run(deliver_pending(core))
            (got,) = rx.got
            body = got.json
            assert body["type"] == "digest" and body["data"]["count"] == 2
            assert body["data"]["period"] == {"start": "2026-05-01T10:00:00Z", "end": "2026-05-01T11:00:00Z"}
            assert [e["status"] for e in body["data"]["events"]] == ["removed", "withheld"]
            clock.set(T0 + timedelta(hours=2))
            asyncio.run(deliver_pending(core))
            assert len(rx.got) == 2 and rx.got[1].json["data"]["count"] == 1
    finally:
        core.close()


def test_flapping_removed_restored_removed_is_one_alert_with_a_note(tmp_path: Path) -> None:
    from tests.test_alerts_delivery import events

    clock = FakeClock(T0)
    core = Presswatch.open(Settings(data=tmp_path, allow_private=True, alert_flap_window=3600), clock=clock)
    try:
        with receiver(Receiver()) as rx:
            sid = add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
            for minutes, kind in ((0, "removed"), (10, "restored"), (20, "removed")):
                clock.set(T0 + timedelta(minutes=minutes))
                events(core, [kind])
                asyncio.run(deliver_pending(core))
            clock.set(T0 + timedelta(hours=3))
            asyncio.run(deliver_pending(core))
            assert [r.json["type"] for r in rx.got] == ["removed"]  # one alert
            # the note is kept and said by the next alert on that article
            clock.set(T0 + timedelta(hours=4))
            events(core, ["restored"])
            asyncio.run(deliver_pending(core))
            assert [r.json["type"] for r in rx.got] == ["removed", "restored"]
            assert "flapping" in rx.got[1].json["data"]["note"]
            assert len(delivery_log(core, subscription=sid)) == 2
    finally:
        core.close()


def test_debounce_collapses_a_flap_into_one_alert_with_a_note(tmp_path: Path) -> None:
    from tests.test_alerts_delivery import events

    clock = FakeClock(T0)
    core = Presswatch.open(Settings(data=tmp_path, allow_private=True), clock=clock)
    try:
        with receiver(Receiver()) as rx:
            add_subscription(core, webhook=rx.url, secret=SECRET, filters={}, debounce=600)
            for minutes, kind in ((0, "removed"), (2, "restored"), (4, "removed")):
                clock.set(T0 + timedelta(minutes=minutes))
                events(core, [kind])
                asyncio.run(deliver_pending(core))
            assert rx.got == []
            clock.set(T0 + timedelta(minutes=15))
            asyncio.run(deliver_pending(core))
            (got,) = rx.got
            assert got.json["type"] == "removed"
            assert got.json["data"]["note"].startswith("flapping: removed → restored → removed")
    finally:
        core.close()


def test_the_demo_receiver_shows_a_blocked_alert(tmp_path: Path) -> None:
    from presswatch.alerts.demo import alert_receiver
    from tests.test_alerts_delivery import events

    core = Presswatch.open(Settings(data=tmp_path, allow_private=True), clock=FakeClock(T0))
    try:
        with alert_receiver(core, events=["blocked"]) as rx:
            events(core, ["removed"])
            events(core, ["blocked"], url="http://127.0.0.1:9/other", country="KZ")
            asyncio.run(core.deliver_alerts())
            assert rx.wait_for(1) and rx.rejected == 0
            (line,) = rx.describe()
            assert line.startswith("alert received: blocked in KZ") and "signature verified" in line
    finally:
        core.close()
