"""Alert delivery over the outbox to a real local receiver (signatures verified with ``standardwebhooks``),
on SQLite and PostgreSQL: retries, Retry-After, 410, faults, SSRF, rotation, idempotence, concurrency."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from presswatch.alerts.deliver import DeliveryStats, deliver_pending, fan_out, settle_all
from presswatch.alerts.manage import add_subscription, delivery_log, remove_subscription, rotate_secret
from presswatch.alerts.webhooks import WebhookSender
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.errors import BlockedTarget, ConfigError
from presswatch.record.alert_models import AlertItem, AlertMessage
from presswatch.record.db import Database
from presswatch.record.events import NewEvent, add_events, claim_outbox
from presswatch.settings import Settings
from tests.alerts_receiver import SECRET, SECRET2, Receiver, receiver

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
URL = "http://127.0.0.1:9/news/report"


@pytest.fixture()
def core(tmp_path: Path, db_url: str) -> Iterator[Presswatch]:
    c = Presswatch.open(Settings(data=tmp_path, db=db_url, allow_private=True, alert_timeout=2.0,
                                 alert_claim_seconds=30), clock=FakeClock(T0))
    yield c
    c.close()


def events(core: Presswatch, kinds: list[str], url: str = URL, country: str | None = None) -> list[int]:
    wid = core.watch(url, tags={"country": "KZ", "desk": "politics"})

    def fn(s: Session) -> list[int]:
        rows = add_events(s, [NewEvent(kind=k, at=core.clock.now(), status=k if k != "blocked" else None,
                                       reason="removal-notice" if k == "removed" else None, watch_id=wid,
                                       country=country, summary=f"{k} #{i}") for i, k in enumerate(kinds)])
        s.flush()
        return [e.id for e in rows]

    return core.db.write(fn)


def deliver(core: Presswatch) -> DeliveryStats:
    return asyncio.run(deliver_pending(core))


def test_one_signed_alert_per_event_with_the_documented_body(core: Presswatch) -> None:
    with receiver(Receiver()) as rx:
        sid = add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        events(core, ["removed"])
        st = deliver(core)
        assert (st.delivered, st.pending) == (1, 0)
        (got,) = rx.got
        assert got.verified  # standardwebhooks' own verification
        body = got.json
        assert body["type"] == "removed" and "timestamp" in body
        for key in ("url", "status", "reason", "confirmed", "checked_at", "title", "capture", "evidence"):
            assert key in body["data"]
        assert body["data"]["url"] == URL and body["data"]["reason"] == "removal-notice"
        assert deliver(core).attempts == 0  # nothing twice
        (row,) = delivery_log(core, subscription=sid)
        assert row["state"] == "delivered" and row["webhook_id"] == got.webhook_id
        assert [a["status_code"] for a in row["log"]] == [200]


def test_filters_pick_the_events(core: Presswatch) -> None:
    with receiver(Receiver()) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={"events": ["blocked"], "countries": ["KG"]})
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={"tags": {"desk": "politics"},
                                                                       "events": ["restored"]})
        events(core, ["removed", "restored"])
        events(core, ["blocked"], url="http://127.0.0.1:9/news/other", country="KZ")
        deliver(core)
        assert sorted(r.json["type"] for r in rx.got) == ["restored"]


def test_a_500_is_retried_on_schedule_with_the_same_id(core: Presswatch) -> None:
    clock = core.clock
    assert isinstance(clock, FakeClock)
    with receiver(Receiver(behave=lambda n, wid: "500" if n == 1 else "ok")) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        events(core, ["removed"])
        st = deliver(core)
        assert (st.retried, st.delivered, st.pending) == (1, 0, 1)
        assert deliver(core).attempts == 0  # not due yet (5 s)
        clock.advance(5)
        assert deliver(core).delivered == 1
        assert len(rx.got) == 2 and len(rx.ids()) == 1 and all(r.verified for r in rx.got)
        (row,) = delivery_log(core)
        assert [(a["status_code"], a["outcome"]) for a in row["log"]] == [(500, "retry"), (200, "delivered")]


def test_retry_after_is_honoured(core: Presswatch) -> None:
    with receiver(Receiver(behave=lambda n, wid: "429:120" if n == 1 else "ok")):
        pass
    with receiver(Receiver(behave=lambda n, wid: "429:120" if n == 1 else "ok")) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        events(core, ["removed"])
        deliver(core)
        (row,) = delivery_log(core)
        assert row["next_attempt_at"] == "2026-05-01T10:02:00Z"  # 120 s, not the schedule's 5 s


def test_410_disables_the_endpoint(core: Presswatch) -> None:
    with receiver(Receiver(behave=lambda n, wid: "410")) as rx:
        sid = add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        events(core, ["removed"])
        st = deliver(core)
        assert st.disabled == 1
        events(core, ["restored"])
        deliver(core)
        assert len(rx.got) == 1
        from presswatch.alerts.manage import list_subscriptions

        (sub,) = [s for s in list_subscriptions(core) if s["id"] == sid]
        assert not sub["enabled"] and "410" in sub["disabled_reason"]


@pytest.mark.parametrize("fault", ["reset", "stall", "redirect"])
def test_faults_are_retried_and_nothing_is_lost(core: Presswatch, fault: str) -> None:
    clock = core.clock
    assert isinstance(clock, FakeClock)
    with receiver(Receiver()) as elsewhere:
        action = f"redirect:{elsewhere.url}" if fault == "redirect" else fault
        with receiver(Receiver(behave=lambda n, wid: action if n == 1 else "ok")) as rx:
            add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
            events(core, ["removed"])
            st = deliver(core)
            assert (st.retried, st.delivered) == (1, 0)
            (row,) = delivery_log(core)
            error = row["log"][0]["error"] or ""
            assert {"reset": "Error", "stall": "timeout", "redirect": "redirect not followed"}[fault] in error
            clock.advance(5)
            assert deliver(core).delivered == 1
            assert len(rx.ids()) == 1
        assert elsewhere.got == []  # a redirect is never followed


def test_slow_receiver_is_waited_for_within_the_timeout(core: Presswatch) -> None:
    with receiver(Receiver(behave=lambda n, wid: "slow:0.5")) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        events(core, ["removed", "edited"])
        assert deliver(core).delivered == 2 and len(rx.ids()) == 2


def test_ssrf_guard_at_subscription_and_at_delivery(tmp_path: Path, db_url: str) -> None:
    strict = Presswatch.open(Settings(data=tmp_path, db=db_url, allow_private=False), clock=FakeClock(T0))
    try:
        with pytest.raises(BlockedTarget):
            add_subscription(strict, webhook="http://127.0.0.1:9/hook", secret=SECRET, filters={})
        with pytest.raises(BlockedTarget):
            add_subscription(strict, apprise="json://127.0.0.1:9/", filters={})
    finally:
        strict.close()
    with receiver(Receiver()) as rx:
        lax = Presswatch.open(Settings(data=tmp_path, db=db_url, allow_private=True), clock=FakeClock(T0))
        try:
            add_subscription(lax, webhook=rx.url, secret=SECRET, filters={})
            events(lax, ["removed"])
        finally:
            lax.close()
        strict = Presswatch.open(Settings(data=tmp_path, db=db_url, allow_private=False), clock=FakeClock(T0))
        try:
            st = deliver(strict)
            assert st.retried == 1 and rx.got == []
            (row,) = delivery_log(strict)
            assert "refused" in row["log"][0]["error"]
        finally:
            strict.close()


def test_bad_subscriptions_are_refused_when_made(core: Presswatch) -> None:
    with pytest.raises(ConfigError, match="whsec_"):
        add_subscription(core, webhook="http://127.0.0.1:9/", secret="hunter2", filters={})
    with pytest.raises(ConfigError, match="24 to 64"):
        add_subscription(core, webhook="http://127.0.0.1:9/", secret="whsec_c2hvcnQ=", filters={})
    with pytest.raises(ConfigError, match="unknown event kind"):
        add_subscription(core, webhook="http://127.0.0.1:9/", secret=SECRET, filters={"events": ["deleted"]})
    with pytest.raises(ConfigError, match="apprise"):
        add_subscription(core, apprise="nosuchservice://x", filters={})
    with pytest.raises(ConfigError, match="unknown token"):
        add_subscription(core, apprise="json://127.0.0.1:9/", filters={}, body="$titel was $status")
    with pytest.raises(ConfigError, match=r"'\$'"):
        add_subscription(core, apprise="json://127.0.0.1:9/", filters={}, title="costs $ 5")


def test_rotation_sends_both_signatures(core: Presswatch) -> None:
    with receiver(Receiver(secret=SECRET2, old_secret=SECRET)) as rx:
        sid = add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        rotate_secret(core, sid, SECRET2)
        events(core, ["removed"])
        deliver(core)
        (got,) = rx.got
        assert got.verified and got.verified_old
        assert len(got.headers["webhook-signature"].split(" ")) == 2


def test_refanning_and_resending_never_make_a_second_id(core: Presswatch) -> None:
    """A crash after fan-out but before the outbox acknowledgement, and one between sending and recording:
    the events are fanned out again and the message resent, with the same webhook-id each time."""
    clock = core.clock
    assert isinstance(clock, FakeClock)
    with receiver(Receiver()) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        ids = events(core, ["removed", "edited"])
        claimed = claim_outbox(core.db, "dead", 10)
        assert fan_out(core, [c.event_id for c in claimed]) == 2
        assert fan_out(core, ids) == 0  # the second fan-out adds nothing
        settle_all(core)
        settle_all(core)
        with core.db.session() as s:
            assert s.scalar(select(func.count()).select_from(AlertMessage)) == 2
        # "send" both as a worker that dies before recording: the claim runs out, the messages go again
        from presswatch.alerts.deliver import _claim_messages

        dead = _claim_messages(core, "dead", 10)
        sender = WebhookSender(allow_private=True, timeout=2, user_agent="t")

        async def send_all() -> None:
            for m in dead:
                await sender.send(m.target, m.webhook_id, m.body, m.secrets)
            await sender.aclose()

        asyncio.run(send_all())
        assert deliver(core).attempts == 0  # still claimed by the dead worker
        clock.advance(31)
        from presswatch.record.events import release_stale

        release_stale(core.db, datetime.now(UTC) + timedelta(seconds=1))
        assert deliver(core).delivered == 2
        assert len(rx.got) == 4 and set(rx.ids().values()) == {2}  # each id sent twice: deduplicated by id
        assert len(rx.bodies()) == 2


def test_concurrent_workers_deliver_each_alert_once(core: Presswatch) -> None:
    with receiver(Receiver()) as rx:
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        add_subscription(core, webhook=rx.url, secret=SECRET, filters={"events": ["removed"]})
        for i in range(15):
            events(core, ["removed", "edited"], url=f"{URL}/{i}")
        other = Presswatch(core.settings, clock=core.clock, db=Database(core.db.url))
        results: list[DeliveryStats] = []
        errors: list[BaseException] = []

        def work(c: Presswatch) -> None:
            try:
                results.append(asyncio.run(deliver_pending(c)))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(c,)) for c in (core, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        other.db.dispose()
        assert not errors
        deliver(core)  # whatever a worker committed after the other's last look
        assert len(rx.got) == 30 + 15 and set(rx.ids().values()) == {1}
        with core.db.session() as s:
            assert s.scalar(select(func.count()).select_from(AlertItem)) == 45


def test_removed_subscription_gets_nothing(core: Presswatch) -> None:
    with receiver(Receiver()) as rx:
        sid = add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        remove_subscription(core, sid)
        events(core, ["removed"])
        deliver(core)
        assert rx.got == []


def test_watch_site_and_incident_filters(core: Presswatch) -> None:
    from presswatch.cases.incidents import add_to_incident, create_incident
    from presswatch.errors import NotFound

    other = "http://127.0.0.2:9/news/elsewhere"
    with receiver(Receiver()) as rx:
        core.watch(URL)
        core.watch(other)
        with pytest.raises(NotFound):
            add_subscription(core, webhook=rx.url, secret=SECRET, filters={"watch": "http://127.0.0.1:9/nope"})
        case = create_incident(core, "Case")
        add_to_incident(core, case, urls=[other])
        by_watch = add_subscription(core, webhook=rx.url, secret=SECRET, filters={"watch": URL})
        by_site = add_subscription(core, webhook=rx.url, secret=SECRET, filters={"site": "127.0.0.2"})
        by_case = add_subscription(core, webhook=rx.url, secret=SECRET, filters={"incident": case})
        events(core, ["removed"])
        events(core, ["withheld"], url=other)
        deliver(core)
        got = {(m["subscription"], m["type"]) for m in delivery_log(core)}
        assert got == {(by_watch, "removed"), (by_site, "withheld"), (by_case, "withheld")}
        assert len(rx.got) == 3
