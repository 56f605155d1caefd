"""claim × evidence → status (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from presswatch.reports.claims import ClaimFacts, MeasurementFact, ObservationFact, judge

T1 = datetime(2026, 3, 1, tzinfo=UTC)
T2 = datetime(2026, 3, 2, tzinfo=UTC)


def obs(status, at=T2, confirmed=False, ref="observation:1", reason=None):
    return ObservationFact(ref, at, status, reason, confirmed)


def test_online_claim():
    assert judge(ClaimFacts("online", observations=[obs("new")])).status == "corroborated"
    assert judge(ClaimFacts("online", observations=[obs("new", T1), obs("removed", T2, True)])).status == "contradicted"
    assert judge(ClaimFacts("online", observations=[obs("unchanged", T2), obs("removed", T1)])).status == "corroborated"
    assert judge(ClaimFacts("online", observations=[obs("unreachable")])).status == "unverified"
    v = judge(ClaimFacts("online"))
    assert v.status == "unverified" and v.evidence == []


def test_removed_claim_and_confidence_of_unconfirmed_removal():
    confirmed = judge(ClaimFacts("removed", observations=[obs("removed", confirmed=True)]))
    unconfirmed = judge(ClaimFacts("removed", observations=[obs("missing", reason="http-404")]))
    assert confirmed.status == unconfirmed.status == "corroborated"
    assert confirmed.confidence > unconfirmed.confidence
    assert judge(ClaimFacts("removed", observations=[obs("unchanged")])).status == "contradicted"


def test_edited_claim_needs_an_edit_seen():
    assert judge(ClaimFacts("edited", observations=[obs("new", T1), obs("edited", T2)])).status == "corroborated"
    assert judge(ClaimFacts("edited", observations=[obs("unchanged")])).status == "unverified"


def m(cc, blocking, accessible, source="own", at=T2, **kw):
    return MeasurementFact(f"measurement:{cc}{at.day}", at, cc, blocking, accessible, source, **kw)


def test_blocked_claim_own_measurements_first():
    assert judge(ClaimFacts("blocked", "KZ", measurements=[m("KZ", "dns", False)])).status == "corroborated"
    assert judge(ClaimFacts("blocked", "KZ", measurements=[m("KZ", None, True)])).status == "contradicted"
    # measurements from elsewhere say nothing of KZ
    v = judge(ClaimFacts("blocked", "KZ", measurements=[m("KG", "dns", False)]))
    assert v.status == "unverified" and "no vantage" in v.summary
    # own measurement wins over OONI's
    both = judge(ClaimFacts("blocked", "KZ", measurements=[
        m("KZ", None, True), m("KZ", None, None, "ooni", anomaly=True, confirmed=True)]))
    assert (both.status, both.source) == ("contradicted", "own")


def test_blocked_claim_from_ooni_is_third_party():
    v = judge(ClaimFacts("blocked", "KZ", measurements=[m("KZ", None, None, "ooni", anomaly=True)]))
    assert (v.status, v.source) == ("corroborated", "ooni") and "OONI (third party)" in v.summary
    ok = judge(ClaimFacts("blocked", "KZ", measurements=[m("KZ", None, True, "ooni")]))
    assert ok.status == "contradicted"
    failed = judge(ClaimFacts("blocked", "KZ", measurements=[m("KZ", None, None, "ooni", failure=True)]))
    assert failed.status == "unverified"


def test_online_in_a_country_is_the_inverse_of_blocked():
    assert judge(ClaimFacts("online", "KG", measurements=[m("KG", None, True)])).status == "corroborated"
    assert judge(ClaimFacts("online", "KG", measurements=[m("KG", "dns", False)])).status == "contradicted"
