"""The check decision and the shared confirmation rule, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from presswatch.analyze.classify import Classification
from presswatch.analyze.confirm import ConfirmPolicy, confirmation, extend, streak_back
from presswatch.analyze.decision import (
    Decision,
    DecisionPolicy,
    FetchFacts,
    WatchPrior,
    carried,
    decide,
)
from presswatch.analyze.diff import DiffSummary
from presswatch.analyze.extract import Extracted
from presswatch.sources.schedule import CONFIRM

T0 = datetime(2026, 5, 1, tzinfo=UTC)
URL = "http://127.0.0.1:9/news/a"
POLICY = DecisionPolicy(confirm_checks=3, confirm_min_hours=0.0)
OK_FETCH = FetchFacts(http_status=200, final_url=URL, has_response=True, etag='"v1"', payload_digest="sha1:AAA")
GONE_FETCH = FetchFacts(http_status=404, final_url=URL, has_response=True, payload_digest="sha1:BBB")


def text(title: str = "Headline", body: str = "One two three.") -> Extracted:
    return Extracted(title=title, text=body, paragraphs=(body,), lang="en", meta={}, text_digest=f"d:{body}",
                     page_words=3)


def prior(**kw: object) -> WatchPrior:
    base = WatchPrior(kind="article", url=URL, status=None, reason=None, confirmed=False, created_at=T0)
    return replace(base, **kw)  # type: ignore[arg-type]


def removed() -> Classification:
    return Classification(status="removed", reason="http-404")


def run(p: WatchPrior, cls: Classification, at: datetime, *, fetch: FetchFacts = GONE_FETCH,
        extracted: Extracted | None = None, policy: DecisionPolicy = POLICY) -> Decision:
    return decide(p, cls, fetch, extracted, policy, at, at)


def then(p: WatchPrior, d: Decision) -> WatchPrior:
    """The prior state of the next check after decision ``d``."""
    u = d.watch
    return replace(p, status=u.status, reason=u.reason, confirmed=u.confirmed, last_change_at=u.last_change_at,
                   recent=((d.status, u.last_checked_at), *p.recent))


def test_first_capture_is_new_with_event_and_validators() -> None:
    d = run(prior(), Classification(status="new", reason=None), T0, fetch=OK_FETCH, extracted=text())
    assert (d.status, d.confirmed, d.title, d.text_digest) == ("new", False, "Headline", "d:One two three.")
    assert [(e.kind, e.status, e.summary) for e in d.events] == [("new", "new", "first capture: Headline")]
    assert d.record_version and d.watch.adopt_version
    assert d.watch.set_validators and d.watch.etag == '"v1"'
    assert d.watch.last_payload_digest == "sha1:AAA" and d.watch.last_change_at == T0
    assert d.watch.next_check_at == T0 + timedelta(minutes=15)


def test_edited_event_summarises_the_diff() -> None:
    diff = DiffSummary(paragraphs_added=1, paragraphs_removed=2, words_added=3, words_removed=4, title_changed=True)
    p = prior(status="unchanged", last_change_at=T0)
    d = run(p, Classification(status="edited", reason=None, diff=diff), T0 + timedelta(hours=1), fetch=OK_FETCH,
            extracted=text(body="Other."))
    (e,) = d.events
    assert e.kind == "edited" and e.summary == "edited: +1/-2 paragraphs, +3/-4 words; headline changed"
    assert e.details["diff"]["words_removed"] == 4
    assert d.watch.last_change_at == T0 + timedelta(hours=1)


def test_unchanged_keeps_text_and_raises_nothing() -> None:
    p = prior(status="unchanged", last_title="T", last_text_digest="d1", current_version_id=7, last_change_at=T0)
    d = run(p, Classification(status="unchanged", reason=None), T0 + timedelta(hours=2), fetch=OK_FETCH)
    assert (d.title, d.text_digest, d.events, d.touch_current_version) == ("T", "d1", (), True)
    assert d.watch.last_change_at == T0
    same = run(p, Classification(status="unchanged", reason=None, details={"same_payload": True}), T0, fetch=OK_FETCH)
    assert not same.touch_current_version  # an identical payload is not another sighting of the text


def test_removed_is_confirmed_after_n_consistent_checks_then_once_only() -> None:
    p = prior(status="unchanged", last_change_at=T0)
    at = [T0 + timedelta(minutes=10 * i) for i in range(5)]
    d1 = run(p, removed(), at[0])
    assert not d1.confirmed and d1.events == () and d1.since == at[0]
    assert d1.watch.next_check_at == at[0] + CONFIRM  # re-checked soon to confirm
    assert d1.watch.clear_validators and d1.watch.last_change_at == at[0]
    p = then(p, d1)
    d2 = run(p, removed(), at[1])
    assert not d2.confirmed and d2.events == ()
    p = then(p, d2)
    d3 = run(p, removed(), at[2])
    assert d3.confirmed and d3.since == at[0]
    (e,) = d3.events
    assert (e.kind, e.status, e.reason) == ("removed", "removed", "http-404")
    assert e.details["since"] == "2026-05-01T00:00:00Z" and e.summary.startswith("removed (http-404) since ")
    d4 = run(then(p, d3), removed(), at[3])
    assert d4.confirmed and d4.events == ()  # still removed: no second event
    assert d4.watch.last_change_at == at[0]


def test_confirmation_needs_the_span() -> None:
    policy = DecisionPolicy(confirm_checks=2, confirm_min_hours=1.0)
    p = prior(status="unchanged")
    d1 = run(p, removed(), T0, policy=policy)
    d2 = run(then(p, d1), removed(), T0 + timedelta(minutes=30), policy=policy)
    assert not d2.confirmed  # two checks, but only half an hour apart
    d3 = run(then(then(p, d1), d2), removed(), T0 + timedelta(minutes=61), policy=policy)
    assert not d3.confirmed  # the span counts within the last confirm_checks checks only
    d3 = run(then(then(p, d1), d2), removed(), T0 + timedelta(minutes=91), policy=policy)
    assert d3.confirmed and d3.since == T0 + timedelta(minutes=30)


def test_flaky_single_failure_never_confirms() -> None:
    p = prior(status="unchanged")
    for i in range(6):
        at = T0 + timedelta(hours=i)
        cls = removed() if i % 2 else Classification(status="unchanged", reason=None)
        d = run(p, cls, at, fetch=GONE_FETCH if i % 2 else OK_FETCH)
        assert not d.confirmed and all(e.kind != "removed" for e in d.events)
        p = then(p, d)


def test_a_different_bad_status_breaks_the_streak() -> None:
    p = prior(status="unchanged", recent=(("unreachable", T0), ("unreachable", T0 - timedelta(minutes=1))))
    d = run(p, removed(), T0 + timedelta(minutes=5))
    assert not d.confirmed and d.since == T0 + timedelta(minutes=5)


def test_error_observations_do_not_break_a_streak() -> None:
    # the writer leaves ``error`` observations out of ``recent``: what remains is the streak
    p = prior(status="removed", reason="http-404", recent=(("removed", T0 + timedelta(minutes=1)), ("removed", T0)))
    d = run(p, removed(), T0 + timedelta(minutes=20))
    assert d.confirmed and d.since == T0


def test_restored_after_a_confirmed_removal() -> None:
    p = prior(status="removed", reason="http-404", confirmed=True, last_change_at=T0)
    d = run(p, Classification(status="unchanged", reason=None), T0 + timedelta(hours=1), fetch=OK_FETCH)
    assert [(e.kind, e.status, e.summary) for e in d.events] == [
        ("restored", "unchanged", "back online after removed (http-404)")
    ]
    unconfirmed = run(replace(p, confirmed=False), Classification(status="unchanged", reason=None), T0, fetch=OK_FETCH)
    assert unconfirmed.events == ()  # an unconfirmed blip never happened


def test_missing_never_raises_events() -> None:
    p = prior(status="unchanged", recent=(("missing", T0),))
    for i in range(4):
        d = run(p, Classification(status="missing", reason="gone-from-feed"), T0 + timedelta(hours=i + 1))
        assert d.events == () and not d.confirmed
        p = then(p, d)


def test_carried_notice_of_an_unanalysed_repeat() -> None:
    assert carried("removed", "This article was removed.") == {"carried": True, "notice": "This article was removed."}
    assert carried("unchanged", "x") == {} and carried("removed", None) == {}
    cls = Classification(status="removed", reason="removal-notice",
                         details={"same_payload": True, **carried("removed", "Removed on request.")})
    p = prior(status="removed", reason="removal-notice", last_title="Notice",
              recent=(("removed", T0), ("removed", T0 - timedelta(minutes=10))))
    d = run(p, cls, T0 + timedelta(minutes=10))
    assert d.title == "Notice" and d.details["notice"] == "Removed on request."
    (e,) = d.events
    assert e.summary.endswith(": “Removed on request.”") and e.details["notice"] == "Removed on request."


def test_304_keeps_the_payload_digest() -> None:
    fetch = FetchFacts(http_status=304, has_response=True, payload_digest="sha1:CCC")
    p = prior(status="unchanged")
    d = run(p, Classification(status="unchanged", reason=None, details={"not_modified": True}), T0, fetch=fetch)
    assert d.watch.last_payload_digest is None and not d.watch.set_validators and not d.watch.clear_validators


def test_shared_confirmation_rule() -> None:
    runs2 = ConfirmPolicy(runs=2, sources=3)
    s = extend(None, "blocked", T0, "p1")
    assert confirmation(s, runs2) is None
    s = extend(s, "blocked", T0 + timedelta(minutes=1), "p1")
    assert confirmation(s, runs2) == "runs" and s.sources == ("p1",) and s.since == T0
    assert extend(s, "reachable", T0, "p2").runs == 1
    by_probes = ConfirmPolicy(runs=9, sources=2)
    assert confirmation(extend(extend(None, "x", T0, "a"), "x", T0, "b"), by_probes) == "sources"
    back = streak_back("x", T0, "a", [("x", T0 - timedelta(hours=1), "b"), ("y", T0, "a"), ("x", T0, "a")])
    assert (back.runs, back.sources, back.since) == (2, ("a", "b"), T0 - timedelta(hours=1))
    assert confirmation(back, ConfirmPolicy(runs=2, min_span=timedelta(hours=2))) is None
