"""Accepted claims become checks.

"The article remains online / was removed / was edited" → watch the article (found on the outlet's
site by its title through the site's feeds and sitemaps when the report gave no URL) and check it
now (fetch, archive, analyze: removal forms come from the analysis' classification); a bad first
check is re-checked until it is confirmed. "Blocked in KZ" → measure from a vantage in KZ (one given
for this check, or this instance when it measures from KZ), take the recent measurements of probes
enrolled in KZ, and ask the probes for more (the article is tagged ``measure_in``); only where there
is none of presswatch's own, OONI's published measurements are read (a third party, named as such).
Each claim gets a :class:`~presswatch.record.report_models.ClaimCheck` with its status and evidence
refs, and a ``claim-check`` log entry.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from presswatch.clock import as_utc, isoformat, parse_when
from presswatch.errors import NotFound, PresswatchError
from presswatch.record.ledger import Ledger
from presswatch.record.models import Observation, Watch
from presswatch.record.report_models import ClaimCheck, OoniObservation, PressReport, ReportClaim
from presswatch.reports.claims import ClaimFacts, MeasurementFact, ObservationFact, Verdict, judge
from presswatch.reports.ingest import InvalidReport

if TYPE_CHECKING:
    from presswatch.core import Presswatch
    from presswatch.fetch.client import Fetcher

__all__ = ["EVIDENCE_WINDOW", "Vantage", "check_report", "find_article", "parse_vantage"]

log = logging.getLogger(__name__)

EVIDENCE_WINDOW = timedelta(days=30)  # measurements this long before the claim's date still count
_BAD = ("removed", "withheld", "missing", "unreachable")


@dataclass(frozen=True)
class Vantage:
    """Where to measure a country from: a resolver that answers as that country's network does."""

    country: str
    network: str = ""
    resolver: str | None = None
    control_resolver: str | None = None


def parse_vantage(value: str) -> Vantage:
    """``KZ`` or ``KZ:resolver=127.0.0.1:5353,control=127.0.0.1:5354,network=AS9198`` → a vantage."""
    cc, _, rest = value.partition(":")
    cc = cc.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", cc):
        raise InvalidReport(f"vantage {value!r}: expected CC[:resolver=HOST:PORT,control=HOST:PORT,network=NAME]")
    fields: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        k, sep, v = part.partition("=")
        if not sep or k not in ("resolver", "control", "network"):
            raise InvalidReport(f"vantage {value!r}: unknown part {part!r} (resolver=, control=, network=)")
        fields[k] = v
    return Vantage(cc, fields.get("network", ""), fields.get("resolver"), fields.get("control"))


def _norm_title(t: str) -> str:
    return re.sub(r"\W+", " ", t.lower()).strip()


async def find_article(fetcher: Fetcher, site: str, title: str) -> str | None:
    """The URL of the outlet's article whose title best matches ``title``: from the site's feeds
    (titles), else from its sitemaps (URL slugs). None below a fair match."""
    import feedparser

    from presswatch.analyze.classify import title_similarity
    from presswatch.sources.discover import RobotsCache, discover_site, discover_sitemap

    robots = RobotsCache(fetcher, respect=False)
    found = await discover_site(fetcher, site, robots)
    best: tuple[float, str | None] = (0.0, None)
    for feed in found.feeds[:5]:
        res = await fetcher.fetch(feed)
        if res.body is None or res.status != 200:
            continue
        for e in feedparser.parse(res.body).entries:
            link, et = e.get("link"), e.get("title")
            if link and et:
                score = title_similarity(title, et)
                if score > best[0]:
                    best = (score, link)
    if best[0] >= 0.8:
        return best[1]
    words = set(_norm_title(title).split())
    for sm in found.sitemaps[:3]:
        disc = await discover_sitemap(fetcher, sm)
        for url in disc.articles:
            slug = set(re.split(r"[-_/.]+", urlsplit(url).path.lower()))
            score = len(words & slug) / max(1, len(words))
            if score > best[0]:
                best = (score, url)
    return best[1] if best[0] >= 0.6 else None


def _observation_facts(s: Session, url: str) -> list[ObservationFact]:
    w = s.scalar(select(Watch).where(Watch.url == url))
    if w is None:
        return []
    return [ObservationFact(f"observation:{o.id}", as_utc(o.checked_at), o.status, o.reason, bool(o.confirmed))
            for o in s.scalars(select(Observation).where(Observation.watch_id == w.id).order_by(Observation.id))]


def _measurement_facts(s: Session, url: str, country: str, since: Any) -> list[MeasurementFact]:
    out: list[MeasurementFact] = []
    host = urlsplit(url).hostname or url
    from presswatch.record.measure_models import Measurement

    q = select(Measurement).where(Measurement.country == country, or_(Measurement.url == url, Measurement.host == host))
    if since is not None:
        q = q.where(Measurement.measured_at >= since)
    for m in s.scalars(q):
        out.append(MeasurementFact(f"measurement:{m.id}", as_utc(m.measured_at), m.country, m.blocking,
                                   m.accessible, "own"))
    return out


def _ooni_facts(s: Session, url: str, country: str) -> list[MeasurementFact]:
    rows = s.scalars(select(OoniObservation).where(OoniObservation.input == url, OoniObservation.probe_cc == country))
    return [MeasurementFact(f"ooni_observation:{r.id}", as_utc(r.measured_at), r.probe_cc, r.blocking, r.accessible,
                            "ooni", anomaly=r.anomaly, confirmed=r.confirmed, failure=r.failure) for r in rows]


def _has_probe(s: Session, country: str) -> bool:
    from presswatch.record.measure_models import Probe

    return s.scalar(select(Probe.id).where(Probe.country == country, Probe.revoked_at.is_(None)).limit(1)) is not None


def _record(core: Presswatch, claim_id: int, v: Verdict) -> dict[str, Any]:
    now = core.clock.now()

    def write(s: Session) -> dict[str, Any]:
        row = ClaimCheck(claim_id=claim_id, at=now, status=v.status, source=v.source, summary=v.summary,
                         evidence=list(v.evidence), confidence=v.confidence)
        s.add(row)
        s.flush()
        c = s.get(ReportClaim, claim_id)
        assert c is not None
        rec = {"id": row.id, "claim_id": claim_id, "report_id": c.report_id, "incident_id": c.incident_id,
               "kind": c.kind, "country": c.country, "at": isoformat(now), **v.as_dict()}
        row.ledger_index = Ledger(core).append(s, "claim-check", rec, ref=f"claim_check:{row.id}")
        return {"claim_id": claim_id, "kind": c.kind, "country": c.country, "checked_at": isoformat(now),
                "target_url": c.target_url, **v.as_dict()}

    return core.db.write(write)


async def check_report(core: Presswatch, report_id: int, *, vantages: Sequence[Vantage] = (),
                       ooni_base: str | None = None) -> list[dict[str, Any]]:
    """Check every claim of an accepted report now; one result per claim (status, evidence, summary).

    ``vantages``: where to measure countries from for this check. ``ooni_base``: OONI's API (default the
    ``ooni_api`` setting; None there = do not ask OONI).
    """
    from presswatch.fetch.client import Fetcher

    base = ooni_base if ooni_base is not None else core.settings.ooni_api
    by_cc: Mapping[str, Vantage] = {v.country: v for v in vantages}
    with core.db.session() as s:
        rep = s.get(PressReport, report_id)
        if rep is None:
            raise NotFound(f"no report #{report_id}")
        if rep.status != "accepted":
            raise InvalidReport(f"report #{report_id} is {rep.status}: accept its draft first (report accept)")
        claims = list(s.scalars(select(ReportClaim).where(ReportClaim.report_id == report_id)
                                .order_by(ReportClaim.id)))
        s.expunge_all()
    results = []
    async with Fetcher(core.settings, core.clock) as fetcher:
        url_cache: dict[tuple[str | None, str | None], str | None] = {}
        checked: set[str] = set()
        for c in claims:
            url = c.target_url
            if url is None and c.target_title and c.outlet:
                key = (c.outlet, c.target_title)
                if key not in url_cache:
                    try:
                        url_cache[key] = await find_article(fetcher, c.outlet, c.target_title)
                    except PresswatchError as exc:
                        log.warning("report.find-article", extra={"site": c.outlet, "error": str(exc)})
                        url_cache[key] = None
                url = url_cache[key]
            target = url or (c.outlet if c.kind == "blocked" else None)
            if target is None:
                results.append(_record(core, c.id, Verdict(
                    "unverified", "none", "the report names no article URL and no outlet site to look it up on")))
                continue
            tags: dict[str, Any] = {"report": report_id}
            if c.country and c.kind == "blocked":
                tags["measure_in"] = [c.country]
            if c.kind in ("online", "removed", "edited") and target not in checked:
                core.watch(target, tags=tags)
                await _check_until_confirmed(core, target)
                checked.add(target)
            as_of = parse_when(c.as_of)
            since = as_of - EVIDENCE_WINDOW if as_of is not None else None
            measurements: list[MeasurementFact] = []
            if c.country:
                v = by_cc.get(c.country)
                if v is not None or core.settings.country == c.country:
                    for _ in range(core.settings.measure_confirm_runs):
                        await core.measure(target, country=c.country, network=v.network if v else "",
                                           resolver=v.resolver if v else None,
                                           control_resolver=v.control_resolver if v else None)
                with core.db.session() as s:
                    measurements = _measurement_facts(s, target, c.country, since)
                    if _has_probe(s, c.country):
                        core.watch(target, tags=tags)  # probes in the country are assigned it
                    if not measurements and base:
                        measurements = await _ooni(core, fetcher, base, target, c.country)
            with core.db.session() as s:
                facts = ClaimFacts(c.kind, c.country, _observation_facts(s, target) if url else (), measurements)
            verdict = judge(facts)
            results.append(_record(core, c.id, verdict))
    return results


async def _check_until_confirmed(core: Presswatch, url: str) -> None:
    """Check now; a bad state is re-checked until the confirmation policy is met."""
    results = await core.check([url])
    for _ in range(max(0, core.settings.confirm_checks - 1)):
        r = results[0]
        if r.get("status") not in _BAD or r.get("confirmed"):
            break
        results = await core.check([url])


async def _ooni(core: Presswatch, fetcher: Fetcher, base: str, url: str, country: str) -> list[MeasurementFact]:
    from presswatch.reports import ooni

    try:
        records = await ooni.query(fetcher, base, url, country)
    except ooni.OoniError as exc:
        log.warning("report.ooni", extra={"url": url, "country": country, "error": str(exc)})
        return []
    ooni.import_records(core, records)
    with core.db.session() as s:
        return _ooni_facts(s, url, country)
