"""What the evidence says of a report's claim: pure functions, no I/O.

A claim ("the article remains online", "the site is blocked in KZ") meets the evidence presswatch
has: its own checks of the article (observations) and measurements from vantages in the country,
and, only where it has no vantage of its own, OONI's published measurements (a third party's
verdict, named as such). The answer is ``corroborated``, ``contradicted`` or ``unverified`` with the
refs of the evidence it rests on and a sentence saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["ONLINE_STATUSES", "REMOVED_STATUSES", "ClaimFacts", "MeasurementFact", "ObservationFact", "Verdict",
           "judge"]

ONLINE_STATUSES = frozenset({"new", "unchanged", "edited"})
REMOVED_STATUSES = frozenset({"removed", "withheld", "missing"})  # missing: gone before our first check


@dataclass(frozen=True)
class ObservationFact:
    """One of presswatch's own checks of the article."""

    ref: str  # "observation:12"
    at: datetime
    status: str  # new|unchanged|edited|removed|withheld|unreachable|error
    reason: str | None = None
    confirmed: bool = False


@dataclass(frozen=True)
class MeasurementFact:
    """A blocking measurement of the article or its site from a country (ours, or OONI's)."""

    ref: str  # "measurement:<uuid>" or "ooni_observation:3"
    at: datetime
    country: str
    blocking: str | None  # None = no blocking seen
    accessible: bool | None
    source: str = "own"  # own|ooni
    anomaly: bool = False  # OONI: anomaly / confirmed flags
    confirmed: bool = False
    failure: bool = False


@dataclass(frozen=True)
class ClaimFacts:
    kind: str  # online|removed|blocked|edited
    country: str | None = None
    observations: Sequence[ObservationFact] = ()
    measurements: Sequence[MeasurementFact] = ()


@dataclass
class Verdict:
    status: str  # corroborated|contradicted|unverified
    source: str  # own|ooni|none
    summary: str
    evidence: list[str] = field(default_factory=list)
    confidence: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "source": self.source, "summary": self.summary,
                "evidence": self.evidence, "confidence": self.confidence}


def _latest_observation(facts: ClaimFacts) -> ObservationFact | None:
    usable = [o for o in facts.observations if o.status not in ("error",)]
    return max(usable, key=lambda o: o.at) if usable else None


def _judge_article(facts: ClaimFacts) -> Verdict:
    last = _latest_observation(facts)
    if last is None:
        return Verdict("unverified", "none", "presswatch has not checked the article (no URL found)")
    when = last.at.date().isoformat()
    online = last.status in ONLINE_STATUSES
    removed = last.status in REMOVED_STATUSES
    conf = 0.9 if (last.confirmed or online) else 0.6
    what = f"{last.status}" + (f" ({last.reason})" if last.reason else "")
    if last.status == "unreachable":
        return Verdict("unverified", "own", f"the article was unreachable when checked on {when}", [last.ref], 0.3)
    if facts.kind == "online":
        status = "corroborated" if online else "contradicted" if removed else "unverified"
    elif facts.kind == "removed":
        status = "corroborated" if removed else "contradicted" if online else "unverified"
    else:  # edited: only an edit presswatch saw corroborates; an unchanged text cannot rule out an earlier edit
        edits = [o for o in facts.observations if o.status == "edited"]
        if edits:
            e = max(edits, key=lambda o: o.at)
            return Verdict("corroborated", "own", f"presswatch saw the article edited on {e.at.date().isoformat()}",
                           [e.ref], 0.9)
        return Verdict("unverified", "own", f"no edit seen by presswatch (last check {when}: {what})",
                       [last.ref], 0.3)
    return Verdict(status, "own", f"presswatch's check on {when}: {what}", [last.ref],
                   conf if status != "unverified" else 0.3)


def _blocked(m: MeasurementFact) -> bool:
    if m.source == "ooni":
        return m.confirmed or (m.anomaly and not m.failure)
    return bool(m.blocking) and m.blocking not in ("false", "False")


def _judge_blocked(facts: ClaimFacts) -> Verdict:
    cc = facts.country
    if cc is None:
        return Verdict("unverified", "none", "the claim names no country")
    here = [m for m in facts.measurements if m.country == cc]
    own = [m for m in here if m.source == "own"]
    ooni = [m for m in here if m.source == "ooni" and not m.failure]
    if own:
        last = max(own, key=lambda m: m.at)
        when = last.at.date().isoformat()
        if _blocked(last):
            return Verdict("corroborated", "own", f"measured from {cc} on {when}: blocked ({last.blocking})",
                           [m.ref for m in own], 0.9)
        if last.accessible:
            return Verdict("contradicted", "own", f"measured from {cc} on {when}: accessible, no blocking",
                           [m.ref for m in own], 0.8)
        return Verdict("unverified", "own", f"measured from {cc} on {when}: inconclusive", [m.ref for m in own], 0.3)
    if ooni:
        blocked = [m for m in ooni if _blocked(m)]
        latest = max(ooni, key=lambda m: m.at)
        if blocked:
            conf = 0.85 if any(m.confirmed for m in blocked) else 0.65
            return Verdict("corroborated", "ooni",
                           f"OONI (third party): {len(blocked)} of {len(ooni)} measurements from {cc} show "
                           f"{'confirmed blocking' if conf > 0.8 else 'an anomaly'}, latest "
                           f"{latest.at.date().isoformat()}", [m.ref for m in ooni], conf)
        return Verdict("contradicted", "ooni",
                       f"OONI (third party): {len(ooni)} measurements from {cc} without anomaly, latest "
                       f"{latest.at.date().isoformat()}", [m.ref for m in ooni], 0.6)
    return Verdict("unverified", "none", f"no vantage of presswatch's in {cc} and no OONI measurement found")


def judge(facts: ClaimFacts) -> Verdict:
    """The status of one claim given the evidence."""
    if facts.kind == "blocked":
        return _judge_blocked(facts)
    if facts.kind == "online" and facts.country:
        here = [m for m in facts.measurements if m.country == facts.country]
        if here:
            inverse = _judge_blocked(ClaimFacts("blocked", facts.country, (), here))
            flip = {"corroborated": "contradicted", "contradicted": "corroborated"}.get(inverse.status, inverse.status)
            return Verdict(flip, inverse.source, inverse.summary, inverse.evidence, inverse.confidence)
    if facts.kind in ("online", "removed", "edited"):
        return _judge_article(facts)
    return Verdict("unverified", "none", f"presswatch cannot check a claim of kind {facts.kind!r}")
