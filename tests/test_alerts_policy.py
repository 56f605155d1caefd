"""The pure parts of alerts: matching, signatures (checked with ``standardwebhooks``), retry outcomes,
debounce / flapping and digest periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from presswatch.alerts.digest import due_digests, period_of
from presswatch.alerts.flapping import HeldItem, LastSent, settle
from presswatch.alerts.payload import check_template, render
from presswatch.alerts.subscriptions import EventFacts, matches, parse_filters
from presswatch.alerts.webhooks import Answer, decode_secret, headers_for, new_secret, outcome_of
from presswatch.errors import ConfigError

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
SCHEDULE = (5.0, 300.0, 1800.0)


def test_signatures_verify_with_the_reference_library() -> None:
    secret, old = new_secret(), new_secret()
    body = '{"type":"removed"}'
    ts = int(datetime.now(UTC).timestamp())
    h = headers_for([secret, old], "msg_1", ts, body)
    assert h["webhook-signature"].count("v1,") == 2
    for s in (secret, old):
        assert Webhook(s).verify(body, h) == {"type": "removed"}
    with pytest.raises(Exception):  # noqa: B017 - the library's own verification error
        Webhook(new_secret()).verify(body, h)
    assert len(decode_secret(secret)) == 32


@pytest.mark.parametrize(("answer", "attempts", "result", "delay"), [
    (Answer(200), 1, "delivered", 0),
    (Answer(204), 3, "delivered", 0),
    (Answer(410), 1, "disabled", 0),
    (Answer(500), 1, "retry", 5),
    (Answer(500), 2, "retry", 300),
    (Answer(None, "timeout"), 3, "retry", 1800),
    (Answer(500), 4, "failed", 0),
    (Answer(429, retry_after="600"), 1, "retry", 600),
    (Answer(503, retry_after="1"), 2, "retry", 300),  # never sooner than the schedule
    (Answer(503, retry_after="Fri, 01 May 2026 11:00:00 GMT"), 1, "retry", 3600),
    (Answer(302, location="http://10.0.0.1/"), 1, "retry", 5),
])
def test_outcomes(answer: Answer, attempts: int, result: str, delay: float) -> None:
    out = outcome_of(answer, attempts, SCHEDULE, T0)
    assert (out.result, out.delay) == (result, delay)


def test_matching() -> None:
    e = EventFacts(kind="blocked", watch_id=3, host="news.example.kz", country="KZ", tags={"desk": "politics"},
                   incidents=frozenset({7}))
    assert matches(parse_filters({}), e)
    assert matches(parse_filters({"countries": ["kz"], "site": "example.kz", "tags": {"desk": "politics"},
                                  "incident": 7, "watch": 3, "events": ["blocked"]}), e)
    assert not matches(parse_filters({"countries": ["KG"]}), e)
    assert not matches(parse_filters({"site": "other.kz"}), e)
    assert not matches(parse_filters({"incident": 8}), e)
    assert not matches(parse_filters({"events": ["removed"]}), e)
    assert not matches(parse_filters({}), EventFacts(kind="new"))  # first captures only when asked for
    small = EventFacts(kind="edited", words_changed=3)
    retitled = EventFacts(kind="edited", words_changed=1, title_changed=True)
    assert not matches(parse_filters({"min_words": 10}), small)
    assert matches(parse_filters({"min_words": 10}), EventFacts(kind="edited", words_changed=12))
    assert matches(parse_filters({"min_words": 10}), retitled)
    assert matches(parse_filters({"headline": True}), retitled) and not matches(parse_filters({"headline": True}),
                                                                                  small)
    with pytest.raises(ConfigError):
        parse_filters({"events": ["gone"]})


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_without_debounce_each_event_goes_at_once() -> None:
    rels = settle([HeldItem(1, "removed", at(0)), HeldItem(2, "edited", at(0))], None, debounce=0, window=3600,
                  now=at(0))
    assert [r.items for r in rels] == [(1,), (2,)]


def test_a_return_to_normal_waits_for_the_flap_window() -> None:
    last = LastSent("removed", at(0))
    assert settle([HeldItem(2, "restored", at(10))], last, debounce=0, window=3600, now=at(30)) == []
    (rel,) = settle([HeldItem(2, "restored", at(10))], last, debounce=0, window=3600, now=at(61))
    assert rel.items == (2,) and not rel.suppressed
    (flap,) = settle([HeldItem(2, "restored", at(10)), HeldItem(3, "removed", at(20))], last, debounce=0,
                     window=3600, now=at(20))
    assert flap.suppressed and flap.items == (2, 3) and "flapping" in (flap.note or "")
    # long after the alert a restoration is news at once
    (late,) = settle([HeldItem(4, "restored", at(200))], last, debounce=0, window=3600, now=at(200))
    assert late.items == (4,)


def test_debounce_sends_the_latest_of_a_burst_with_a_note() -> None:
    burst = [HeldItem(1, "removed", at(0)), HeldItem(2, "restored", at(1)), HeldItem(3, "removed", at(2))]
    assert settle(burst, None, debounce=300, window=3600, now=at(6)) == []
    (rel,) = settle(burst, None, debounce=300, window=3600, now=at(7.1))
    assert rel.primary == 3 and rel.items == (1, 2, 3) and (rel.note or "").startswith("flapping")


def test_digest_periods() -> None:
    assert period_of(at(35), "hourly") == (T0, T0 + timedelta(hours=1))
    assert period_of(at(35), "daily")[0] == datetime(2026, 5, 1, tzinfo=UTC)
    items = [HeldItem(1, "removed", at(5)), HeldItem(2, "edited", at(59)), HeldItem(3, "edited", at(61))]
    assert due_digests(items, "hourly", at(60)) == {T0: items[:2]}
    assert due_digests(items, "hourly", at(59)) == {}
    with pytest.raises(ConfigError):
        period_of(T0, "weekly")


def test_templates() -> None:
    check_template("$title was $status ($reason) — ${url}")
    assert render('{"text": "$title"}', {"title": 'He said "no"'}, json_escape=True) == '{"text": "He said \\"no\\""}'
    for bad in ("$nope", "100 $", "${title"):
        with pytest.raises(ConfigError):
            check_template(bad)
