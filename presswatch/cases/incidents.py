"""Incidents: demands, articles, sites and countries grouped into one case, with a timeline and an outcome.

The timeline joins the demands and their responses, what the pipeline observed of the targeted articles
(first capture, edits with their diff, removals and withholdings with their reason, "still online"),
blocking and unblocking per country, and analysts' notes. :func:`infer_outcome` says what presswatch
concludes from that evidence and why; an editor may override it (who, when, why), which is shown beside it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from presswatch.cases.demands import InvalidDemand, add_case_event, country_code, ledger_append
from presswatch.clock import as_utc, isoformat
from presswatch.errors import NotFound
from presswatch.record.demand_models import (
    INCIDENT_LINK_KINDS,
    Demand,
    DemandRevision,
    DemandTarget,
    Incident,
    IncidentLink,
    IncidentNote,
)
from presswatch.record.events import NewEvent
from presswatch.record.ledger_models import LogEntry
from presswatch.record.models import Capture, Event, Observation, Watch

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "CASE_EVENT_KINDS",
    "ONLINE",
    "REFUSAL_GRACE",
    "add_note",
    "add_to_incident",
    "create_incident",
    "incident_entry_indices",
    "incidents_of_demand",
    "infer_outcome",
    "InvalidIncident",
    "link_kinds",
    "list_incidents",
    "members",
    "Members",
    "Outcome",
    "outcome_event",
    "outcome_events",
    "override_outcome",
    "refresh_outcomes",
    "show_incident",
    "timeline",
    "TimelineEntry",
    "update_incident",
]

log = logging.getLogger(__name__)

REFUSAL_GRACE = timedelta(days=7)  # online and unchanged this long after the deadline = refused
ONLINE = ("new", "unchanged")
CASE_EVENT_KINDS = ("demand", "incident-outcome")  # events about the case itself, not about its articles
_KIND_ORDER = {"demand": 0, "first-capture": 1, "response": 2}


class InvalidIncident(InvalidDemand):
    pass


# -- writes ------------------------------------------------------------------------------------------
def _incident_record(s: Session, inc: Incident) -> dict[str, Any]:
    links = s.scalars(
        select(IncidentLink).where(IncidentLink.incident_id == inc.id).order_by(IncidentLink.id)
    )
    return {
        "id": inc.id,
        "title": inc.title,
        "description": inc.description,
        "kind": inc.kind,
        "visibility": inc.visibility,
        "created_at": isoformat(inc.created_at),
        "updated_at": isoformat(inc.updated_at),
        "outcome_override": inc.outcome_override,
        "links": [{"kind": ln.kind, "ref": ln.ref} for ln in links],
    }


def _log_incident(core: Presswatch, s: Session, inc: Incident, change: dict[str, Any]) -> None:
    s.flush()
    record = {**_incident_record(s, inc), "change": change, "private": inc.visibility != "public"}
    links = s.scalars(select(IncidentLink.id).where(IncidentLink.incident_id == inc.id))
    inc.ledger_index = ledger_append(
        core, s, "incident", record, ref=f"incident:{inc.id}", supersedes=inc.ledger_index,
        rows=[f"incident_link:{i}" for i in links],
    )


def _get(s: Session, incident_id: int) -> Incident:
    inc = s.get(Incident, incident_id)
    if inc is None:
        raise NotFound(f"no incident #{incident_id}")
    return inc


def create_incident(
    core: Presswatch,
    title: str,
    *,
    description: str = "",
    kind: str | None = None,
    visibility: str = "public",
) -> int:
    """Open an incident; returns its id."""
    _check_fields(title, visibility)
    now = core.clock.now()

    def write(s: Session) -> int:
        inc = Incident(
            title=title.strip(),
            description=description,
            kind=kind,
            visibility=visibility,
            created_at=now,
            updated_at=now,
        )
        s.add(inc)
        s.flush()
        _log_incident(core, s, inc, {"action": "created"})
        return inc.id

    return core.db.write(write)


def add_to_incident(
    core: Presswatch,
    incident_id: int,
    *,
    demands: Iterable[int] = (),
    watches: Iterable[int] = (),
    urls: Iterable[str] = (),
    hosts: Iterable[str] = (),
    countries: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """Link demands, watches (by id or URL), hosts and countries; returns the links that were new."""
    wanted: list[tuple[str, str]] = [("country", country_code(c)) for c in countries]
    wanted += [("host", h.strip().lower()) for h in hosts if h.strip()]
    now = core.clock.now()

    def write(s: Session) -> list[tuple[str, str]]:
        inc = _get(s, incident_id)
        links = list(wanted)
        for did in demands:
            if s.get(Demand, did) is None:
                raise NotFound(f"no demand #{did}")
            links.append(("demand", str(did)))
        for wid in watches:
            if s.get(Watch, wid) is None:
                raise NotFound(f"no watch #{wid}")
            links.append(("watch", str(wid)))
        for url in urls:
            found = _watch_for_url(s, url)
            if found is None:
                raise NotFound(f"not watched: {url} (add it with `presswatch watch add` first)")
            links.append(("watch", str(found)))
        existing = {
            (ln.kind, ln.ref)
            for ln in s.scalars(select(IncidentLink).where(IncidentLink.incident_id == inc.id))
        }
        added = [ln for ln in dict.fromkeys(links) if ln not in existing]
        for kind, ref in added:
            s.add(IncidentLink(incident_id=inc.id, kind=kind, ref=ref, added_at=now))
        if added:
            inc.updated_at = now
            _log_incident(
                core, s, inc, {"action": "linked", "links": [{"kind": k, "ref": r} for k, r in added]}
            )
            outcome_events(core, s, [inc.id])
        return added

    return core.db.write(write)


def _watch_for_url(s: Session, url: str) -> int | None:
    hit = s.scalar(select(Watch.id).where(Watch.url == url))
    if hit is None:
        from presswatch.sources.urls import canonical_url

        hit = s.scalar(select(Watch.id).where(Watch.url == canonical_url(url)))
    return hit


def add_note(
    core: Presswatch, incident_id: int, text: str, *, author: str | None = None, at: datetime | None = None
) -> int:
    """An analyst's note on the incident's timeline (its own log entry, kind ``note``)."""
    if not text.strip():
        raise InvalidIncident("an empty note")
    now = core.clock.now()

    def write(s: Session) -> int:
        inc = _get(s, incident_id)
        note = IncidentNote(
            incident_id=inc.id, at=as_utc(at) if at else now, author=author, text=text.strip()
        )
        s.add(note)
        s.flush()
        note.ledger_index = ledger_append(
            core,
            s,
            "note",
            {
                "id": note.id,
                "incident_id": inc.id,
                "at": isoformat(note.at),
                "author": author,
                "text": note.text,
                "private": inc.visibility != "public",
            },
            ref=f"incident_note:{note.id}",
        )
        return note.id

    return core.db.write(write)


def override_outcome(core: Presswatch, incident_id: int, outcome: str | None, *, by: str, why: str) -> None:
    """An editor's final word on the outcome (``None`` clears it). The inferred outcome stays visible."""
    if outcome is not None and not outcome.strip():
        raise InvalidIncident("an empty outcome")
    if not by.strip() or not why.strip():
        raise InvalidIncident("an outcome override needs who (--by) and why (--why)")
    now = core.clock.now()

    def write(s: Session) -> None:
        inc = _get(s, incident_id)
        inc.outcome_override = (
            None
            if outcome is None
            else {"outcome": outcome.strip(), "by": by, "at": isoformat(now), "why": why}
        )
        inc.updated_at = now
        _log_incident(core, s, inc, {"action": "outcome-override", "by": by, "why": why, "outcome": outcome})
        outcome_events(core, s, [inc.id])

    core.db.write(write)


# -- membership --------------------------------------------------------------------------------------
@dataclass
class Members:
    demands: list[Demand] = field(default_factory=list)
    watches: list[Watch] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    targets: dict[int, list[int]] = field(default_factory=dict)  # demand id -> watch ids


def members(s: Session, incident_id: int) -> Members:
    """Everything an incident covers: linked items plus the watches of its demands' targets."""
    _get(s, incident_id)
    links = list(s.scalars(select(IncidentLink).where(IncidentLink.incident_id == incident_id)))
    m = Members()
    demand_ids = [int(ln.ref) for ln in links if ln.kind == "demand"]
    m.demands = list(s.scalars(select(Demand).where(Demand.id.in_(demand_ids)).order_by(Demand.id)))
    watch_ids = {int(ln.ref) for ln in links if ln.kind == "watch"}
    for t in s.scalars(select(DemandTarget).where(DemandTarget.demand_id.in_(demand_ids))):
        if t.watch_id is not None:
            m.targets.setdefault(t.demand_id, []).append(t.watch_id)
            watch_ids.add(t.watch_id)
    m.watches = list(s.scalars(select(Watch).where(Watch.id.in_(watch_ids)).order_by(Watch.id)))
    hosts = {ln.ref for ln in links if ln.kind == "host"} | {w.host for w in m.watches}
    m.hosts = sorted(hosts)
    countries = {ln.ref for ln in links if ln.kind == "country"}
    for d in m.demands:
        countries.update(c for c in [d.sender_country, *(d.measure_in or [])] if c)
    m.countries = sorted(countries)
    return m


def _event_place(e: Event) -> tuple[str | None, str | None]:
    """(url, host) an event without a watch of the incident is about (measurement events name a target)."""
    det = e.details or {}
    target = det.get("target")
    url = det.get("url") or (target if det.get("scope") == "url" else None)
    host = det.get("host") or (target if det.get("scope") == "host" else None)
    if host is None and url:
        host = urlsplit(url).hostname
    return url, host


def _events(s: Session, m: Members) -> list[Event]:
    """Events of the incident's articles, plus site-wide events (e.g. blocking) of its hosts."""
    watch_ids = {w.id for w in m.watches}
    conds = [Event.watch_id.in_(watch_ids)] if watch_ids else []
    conds.append(Event.watch_id.is_(None))
    if m.hosts:
        site_watches = select(Watch.id).where(Watch.host.in_(m.hosts), Watch.kind == "site")
        conds.append(Event.watch_id.in_(site_watches))
    rows = s.scalars(select(Event).where(or_(*conds), Event.kind.not_in(CASE_EVENT_KINDS))
                     .order_by(Event.at, Event.id))
    urls = {w.url for w in m.watches}
    out = []
    for e in rows:
        if e.watch_id not in watch_ids:
            url, host = _event_place(e)
            if e.watch_id is None and not (host in m.hosts or url in urls):
                continue
        out.append(e)
    return out


def _observations(s: Session, m: Members) -> list[Observation]:
    if not m.watches:
        return []
    return list(
        s.scalars(
            select(Observation)
            .where(Observation.watch_id.in_([w.id for w in m.watches]))
            .order_by(Observation.checked_at, Observation.id)
        )
    )


# -- timeline ----------------------------------------------------------------------------------------
@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # demand|response|first-capture|online|edited|removed|withheld|unreachable|restored|blocked|…
    summary: str
    ref: str | None = None
    country: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": isoformat(self.at),
            "kind": self.kind,
            "summary": self.summary,
            "ref": self.ref,
            "country": self.country,
            "details": self.details,
        }


def _day(dt: datetime | None) -> str:
    return as_utc(dt).date().isoformat() if dt else "?"


def _demand_entry(d: Demand) -> TimelineEntry:
    at = d.date_sent or d.date_received or d.created_at
    sender = d.sender_name + (f" ({d.sender_country})" if d.sender_country else "")
    parts = [f"demand #{d.id} from {sender} to {d.recipient_name}: {', '.join(d.actions or [])}"]
    cites = [c for lb in d.legal_basis or [] if (c := lb.get("citation") or lb.get("text"))]
    if cites:
        parts.append("citing " + "; ".join(cites))
    if d.deadline:
        parts.append(f"deadline {_day(d.deadline)}")
    details = {
        "title": d.title,
        "channel": d.channel,
        "received": _day(d.date_received) if d.date_received else None,
        "visibility": d.visibility,
    }
    return TimelineEntry(as_utc(at), "demand", "; ".join(parts), ref=f"demand:{d.id}", details=details)


def _response_entries(s: Session, d: Demand) -> list[TimelineEntry]:
    out = []
    revs = s.scalars(
        select(DemandRevision).where(DemandRevision.demand_id == d.id).order_by(DemandRevision.revision)
    )
    for r in revs:
        snap = r.snapshot or {}
        if r.revision == 1:
            changed = snap.get("response", "pending") != "pending"
        else:
            changed = "response" in (r.changes or {})
        if not changed:
            continue
        response = snap.get("response")
        at = snap.get("response_at")
        when = as_utc(datetime.fromisoformat(at.replace("Z", "+00:00"))) if at else as_utc(r.at)
        who = f" (recorded by {r.by})" if r.by else ""
        out.append(
            TimelineEntry(
                when,
                "response",
                f"response to demand #{d.id}: {response}{who}",
                ref=f"demand:{d.id}",
                details={"revision": r.revision, "reason": r.reason},
            )
        )
    return out


def _diff_text(diff: dict[str, Any] | None) -> str:
    d = diff or {}
    text = (
        f"+{d.get('paragraphs_added', 0)}/-{d.get('paragraphs_removed', 0)} paragraphs, "
        f"+{d.get('words_added', 0)}/-{d.get('words_removed', 0)} words"
    )
    return text + ("; headline changed" if d.get("title_changed") else "")


def timeline(core: Presswatch, incident_id: int) -> list[TimelineEntry]:
    """The incident's timeline, oldest first."""
    with core.db.session() as s:
        m = members(s, incident_id)
        entries: list[TimelineEntry] = []
        for d in m.demands:
            entries.append(_demand_entry(d))
            entries.extend(_response_entries(s, d))
        watch_by_id = {w.id: w for w in m.watches}
        events = _events(s, m)
        observations = _observations(s, m)
        covered = {e.observation_id for e in events if e.observation_id is not None}
        first_seen = {e.watch_id for e in events if e.kind == "new"}
        for e in events:
            entries.append(_event_entry(e, watch_by_id))
        by_watch: dict[int, list[Observation]] = {}
        for o in observations:
            by_watch.setdefault(o.watch_id, []).append(o)
        for wid, obs in by_watch.items():
            entries.extend(_observation_entries(s, watch_by_id[wid], obs, covered, wid in first_seen))
        notes = s.scalars(select(IncidentNote).where(IncidentNote.incident_id == incident_id))
        for n in notes:
            who = f"{n.author}: " if n.author else ""
            entries.append(
                TimelineEntry(as_utc(n.at), "note", f"note — {who}{n.text}", ref=f"incident_note:{n.id}")
            )
        entries.extend(_report_entries(s, incident_id))
    entries.sort(key=lambda t: (t.at, _KIND_ORDER.get(t.kind, 5)))
    return entries


def _report_refs(s: Session, incident_id: int) -> list[str]:
    """Log refs of the press reports accepted into the incident and of their claims' checks."""
    try:
        from presswatch.record.report_models import ClaimCheck, PressReport, ReportClaim
    except ModuleNotFoundError:  # the reports stage is optional
        return []
    reports = select(PressReport.id).where(PressReport.incident_id == incident_id)
    refs = [f"press_report:{i}" for i in s.scalars(reports)]
    claims = select(ReportClaim.id).where(ReportClaim.incident_id == incident_id)
    refs += [f"claim_check:{i}" for i in s.scalars(select(ClaimCheck.id).where(ClaimCheck.claim_id.in_(claims)))]
    return refs


def _report_entries(s: Session, incident_id: int) -> list[TimelineEntry]:
    """"reported by … on …" with the report's claims and their latest statuses, and each claim check."""
    try:
        from presswatch.record.report_models import ClaimCheck, PressReport, ReportClaim
    except ModuleNotFoundError:  # the reports stage is optional
        return []
    out: list[TimelineEntry] = []
    for rep in s.scalars(select(PressReport).where(PressReport.incident_id == incident_id).order_by(PressReport.id)):
        claims = list(s.scalars(select(ReportClaim).where(ReportClaim.report_id == rep.id).order_by(ReportClaim.id)))
        parts, details = [], []
        for c in claims:
            checks = list(s.scalars(select(ClaimCheck).where(ClaimCheck.claim_id == c.id).order_by(ClaimCheck.id)))
            status = checks[-1].status if checks else "unchecked"
            what = c.kind + (f" in {c.country}" if c.country else "")
            parts.append(f"{what}: {status}")
            details.append({"claim_id": c.id, "kind": c.kind, "country": c.country, "status": status})
            for chk in checks:
                out.append(TimelineEntry(
                    as_utc(chk.at), "claim-check",
                    f"claim “{what}” (report #{rep.id}) {chk.status}: {chk.summary}", ref=f"claim_check:{chk.id}",
                    country=c.country, details={"claim_id": c.id, "source": chk.source, "evidence": chk.evidence},
                ))  # fmt: skip
        day = datetime(rep.report_date.year, rep.report_date.month, rep.report_date.day)
        summary = f"reported by {rep.source} on {rep.report_date.isoformat()}"
        if parts:
            summary += " — claims: " + "; ".join(parts)
        out.append(TimelineEntry(as_utc(day), "reported", summary, ref=f"press_report:{rep.id}",
                                 details={"report_id": rep.id, "title": rep.title, "claims": details}))
    return out


def _event_entry(e: Event, watches: dict[int, Watch]) -> TimelineEntry:
    w = watches.get(e.watch_id) if e.watch_id is not None else None
    url, host = _event_place(e)
    where = w.url if w else url or host or "?"
    details: dict[str, Any] = {"watch_id": e.watch_id, "url": where}
    if e.kind == "new":
        kind, summary = "first-capture", f"first capture of {where}"
    elif e.kind == "edited":
        diff = (e.details or {}).get("diff")
        kind, summary = "edited", f"{where} edited: {_diff_text(diff)}"
        details["diff"] = diff
    elif e.kind in ("blocked", "unblocked"):
        method = f" ({e.reason})" if e.reason else ""
        kind, summary = e.kind, f"{e.kind} in {e.country or '?'}{method}: {where}"
        details["method"] = e.reason
    elif e.kind == "restored":
        kind, summary = "restored", f"{where} back online"
    else:
        kind = e.kind
        summary = f"{where} {e.kind}" + (f" ({e.reason})" if e.reason else "")
    if e.summary and e.kind not in ("new", "blocked", "unblocked"):
        details["event_summary"] = e.summary
    return TimelineEntry(as_utc(e.at), kind, summary, ref=f"event:{e.id}", country=e.country, details=details)


def _observation_entries(
    s: Session, w: Watch, obs: Sequence[Observation], covered: set[int], seen_new: bool
) -> list[TimelineEntry]:
    """Entries for observations no event describes: first capture, unconfirmed changes, still online."""
    out: list[TimelineEntry] = []
    if not seen_new:
        first = next((o for o in obs if o.capture_id is not None or o.status in ONLINE), None)
        if first is not None:
            out.append(
                TimelineEntry(
                    as_utc(first.checked_at),
                    "first-capture",
                    f"first capture of {w.url}",
                    ref=f"observation:{first.id}",
                    details={"watch_id": w.id, "capture_id": first.capture_id},
                )
            )
        else:
            cap = s.scalar(select(Capture).where(Capture.url == w.url).order_by(Capture.captured_at).limit(1))
            if cap is not None:
                out.append(
                    TimelineEntry(
                        as_utc(cap.captured_at),
                        "first-capture",
                        f"first capture of {w.url}",
                        ref=f"capture:{cap.id}",
                        details={"watch_id": w.id, "capture_id": cap.id},
                    )
                )
    run: list[Observation] = []  # consecutive checks with the article online

    def close_run() -> None:
        if any(o.status == "unchanged" for o in run):
            last = run[-1]
            checks = f"{len(run)} check{'s' if len(run) > 1 else ''} since {isoformat(run[0].checked_at)}"
            out.append(
                TimelineEntry(
                    as_utc(last.checked_at),
                    "online",
                    f"{w.url} still online and unchanged ({checks})",
                    ref=f"observation:{last.id}",
                    details={"watch_id": w.id, "checks": len(run)},
                )
            )
        run.clear()

    prev: str | None = None
    for o in obs:
        if o.status in ONLINE:
            run.append(o)
        elif o.status == "edited":
            close_run()
            if o.id not in covered:
                out.append(
                    TimelineEntry(
                        as_utc(o.checked_at),
                        "edited",
                        f"{w.url} edited: {_diff_text(o.diff)}",
                        ref=f"observation:{o.id}",
                        details={"watch_id": w.id, "diff": o.diff},
                    )
                )
            run.append(o)
        else:
            close_run()
            if o.status != prev and o.id not in covered:
                flag = "" if o.confirmed else ", unconfirmed"
                out.append(
                    TimelineEntry(
                        as_utc(o.checked_at),
                        o.status,
                        f"{w.url} {o.status} ({o.reason or '?'}{flag})",
                        ref=f"observation:{o.id}",
                        details={
                            "watch_id": w.id,
                            "reason": o.reason,
                            "confirmed": o.confirmed,
                            "http_status": o.http_status,
                        },
                    )
                )
        prev = o.status
    close_run()
    return out


# -- outcome -----------------------------------------------------------------------------------------
@dataclass
class Outcome:
    label: str  # refused|complied|edited|withheld|partially-complied|pending|unknown|mixed
    statements: list[str]
    override: dict[str, Any] | None = None

    @property
    def final(self) -> str:
        return str(self.override["outcome"]) if self.override else self.label

    def as_dict(self) -> dict[str, Any]:
        return {
            "final": self.final,
            "inferred": {"label": self.label, "statements": self.statements},
            "override": self.override,
        }


def _span(delta: timedelta) -> str:
    if delta < timedelta(days=1):
        hours = max(0, int(delta.total_seconds() // 3600))
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = delta.days
    return f"{days} day{'s' if days != 1 else ''}"


def _target_outcome(d: Demand, w: Watch, obs: Sequence[Observation]) -> tuple[str, str]:
    start = as_utc(d.date_received or d.date_sent or d.created_at)
    after = [o for o in obs if as_utc(o.checked_at) >= start]
    # a removal counts once confirmed (one 404 is no compliance); until then the target's state is unknown
    gone = next((o for o in after if o.status in ("removed", "withheld") and o.confirmed), None)
    if gone is not None:
        flag = ""
        when = _span(as_utc(gone.checked_at) - start)
        if gone.status == "removed":
            return (
                "complied",
                f"complied: removed {when} after the demand, {gone.reason or 'unknown reason'}{flag}",
            )
        return "withheld", f"withheld: {gone.reason or 'unknown reason'} {when} after the demand{flag}"
    edits = [o for o in after if o.status == "edited"]
    if edits:
        removed = sum(int((o.diff or {}).get("paragraphs_removed", 0)) for o in edits)
        words = sum(int((o.diff or {}).get("words_removed", 0)) for o in edits)
        what = (
            f"{removed} paragraph{'s' if removed != 1 else ''} removed"
            if removed
            else f"{words} word{'s' if words != 1 else ''} removed"
            if words
            else "changed"
        )
        return "edited", f"edited: {what} after the demand"
    if not after:
        return "unknown", "unknown: the target has not been checked since the demand"
    last = after[-1]
    if last.status not in ONLINE:
        return "unknown", f"unknown: the target was last {last.status} ({last.reason or '?'})"
    at = as_utc(last.checked_at)
    deadline = as_utc(d.deadline) if d.deadline else None
    if deadline is not None and at >= deadline:
        still = f"the target was still online and unchanged {_span(at - deadline)} after the deadline"
    else:
        still = f"the target was still online and unchanged {_span(at - start)} after the demand"
    if deadline is not None and at >= deadline + REFUSAL_GRACE:
        return "refused", f"refused: {still}"
    if d.response == "refused":
        return "refused", f"refused: the recipient refused and {still}"
    if d.response in ("complied", "partially-complied"):
        return "disputed", f"disputed: the recipient reported {d.response} but {still}"
    if d.response == "contested-in-court":
        return "contested-in-court", f"contested in court: {still}"
    return "pending", f"pending: {still}"


def _block_statements(events: Sequence[Event]) -> list[str]:
    latest: dict[str, Event] = {}
    since: dict[str, Event] = {}
    for e in events:
        if e.kind not in ("blocked", "unblocked") or not e.country:
            continue
        prev = latest.get(e.country)
        if e.kind == "blocked" and (prev is None or prev.kind != "blocked"):
            since[e.country] = e
        latest[e.country] = e
    out = []
    for cc in sorted(latest):
        e = latest[cc]
        if e.kind == "blocked":
            first = since.get(cc, e)
            out.append(f"blocked in {cc} ({first.reason or 'unknown method'}) since {_day(first.at)}")
        else:
            b = since.get(cc)
            was = f" (was blocked by {b.reason or '?'} since {_day(b.at)})" if b else ""
            out.append(f"unblocked in {cc} on {_day(e.at)}{was}")
    return out


def infer_outcome(core: Presswatch, incident_id: int) -> Outcome:
    """What the evidence says happened, and why; the editor's override, if any, rides along."""
    with core.db.session() as s:
        return _infer(s, incident_id)


def _infer(s: Session, incident_id: int) -> Outcome:
    inc = _get(s, incident_id)
    m = members(s, incident_id)
    observations = _observations(s, m)
    events = _events(s, m)
    by_watch: dict[int, list[Observation]] = {}
    for o in observations:
        by_watch.setdefault(o.watch_id, []).append(o)
    watches = {w.id: w for w in m.watches}
    labels: list[str] = []
    statements: list[str] = []
    for d in m.demands:
        targets = [watches[w] for w in dict.fromkeys(m.targets.get(d.id, [])) if w in watches]
        if not targets:
            labels.append(d.response if d.response != "pending" else "unknown")
            statements.append(f"demand #{d.id}: no watched target; recipient's response: {d.response}")
            continue
        for w in targets:
            label, why = _target_outcome(d, w, by_watch.get(w.id, []))
            labels.append(label)
            prefix = f"demand #{d.id}, {w.url}: " if len(m.demands) > 1 or len(targets) > 1 else ""
            statements.append(prefix + why)
    statements.extend(_block_statements(events))
    unique = list(dict.fromkeys(labels))
    if not unique:
        label = "blocked" if any(st.startswith("blocked") for st in statements) else "unknown"
    elif len(unique) == 1:
        label = unique[0]
    elif set(unique) <= {"complied", "edited", "withheld", "refused"} and "complied" in unique:
        label = "partially-complied"
    else:
        label = "mixed"
    return Outcome(label, statements, inc.outcome_override)



# -- outcome events ----------------------------------------------------------------------------------
def incidents_of_demand(s: Session, demand_id: int) -> list[int]:
    """The incidents a demand is linked to."""
    return sorted(int(i) for i in s.scalars(select(IncidentLink.incident_id).where(
        IncidentLink.kind == "demand", IncidentLink.ref == str(demand_id))))


def _last_outcome(s: Session, incident_id: int) -> tuple[str, str]:
    """(final, inferred) of the latest ``incident-outcome`` event of the incident; an incident none was
    written for has the outcome of an empty case: unknown."""
    for details in s.scalars(select(Event.details).where(Event.kind == "incident-outcome")
                             .order_by(Event.id.desc())):
        inc = (details or {}).get("incident") or {}
        if inc.get("id") == incident_id:
            out = inc.get("outcome") or {}
            return str(out.get("final")), str(out.get("inferred"))
    return "unknown", "unknown"


def _publicly_visible(s: Session, inc: Incident) -> bool:
    """What the web shows to anyone not signed in: a public incident whose page (if any) is published."""
    from presswatch.record.web_models import IncidentPage

    page = s.get(IncidentPage, inc.id)
    return inc.visibility == "public" and (page is None or bool(page.published))


#: outcomes that say nothing has happened yet; a change between them is no alert
_UNSETTLED = frozenset({"unknown", "pending"})


def outcome_event(
    inc: Incident, m: Members, outcome: Outcome, previous: tuple[str, str], *, at: datetime, private: bool
) -> NewEvent | None:
    """The ``incident-outcome`` event when the final (editor's) or the inferred outcome differs from
    ``previous``, else None (pure); the new outcome is in ``details`` (free text: no ``status`` column
    holds an editor's wording). A non-private event's statements leave out what names a demand that is
    not public or one of its target URLs (as the public incident page does)."""
    if (outcome.final, outcome.label) == previous:
        return None
    if {outcome.final, previous[0]} <= _UNSETTLED:  # "not yet known" to "not yet due" says nothing new
        return None
    statements = list(outcome.statements)
    if not private:
        hidden = [d for d in m.demands if d.visibility != "public"]
        hidden_ids = {d.id for d in hidden}
        hidden_watches = {w for d in hidden for w in m.targets.get(d.id, [])}
        hidden_urls = {w.url for w in m.watches if w.id in hidden_watches}
        statements = [st for st in statements
                      if not any(f"demand #{i}" in st for i in hidden_ids) and not any(u in st for u in hidden_urls)]
    override = outcome.override
    data = {
        "id": inc.id, "title": inc.title, "kind": inc.kind, "visibility": inc.visibility,
        "outcome": {"final": outcome.final, "inferred": outcome.label, "previous": previous[0],
                    "previous_inferred": previous[1], "statements": statements,
                    "override": ({"outcome": override.get("outcome"), "by": override.get("by"),
                                  "at": override.get("at"), "why": override.get("why")} if override else None)},
    }
    summary = f"incident #{inc.id}: outcome {previous[0]} → {outcome.final}" + ("" if private else f" ({inc.title})")
    return NewEvent(
        kind="incident-outcome", at=at, status=None, reason="override" if override else "inferred",
        summary=summary, country=m.countries[0] if len(m.countries) == 1 else None,
        details={"incident_id": inc.id, "private": private, "countries": list(m.countries),
                 "hosts": list(m.hosts), "watch_ids": [w.id for w in m.watches], "incidents": [inc.id],
                 "incident": data},
    )  # fmt: skip


def outcome_events(core: Presswatch, s: Session, incident_ids: Iterable[int]) -> list[int]:
    """Inside the caller's write transaction: an ``incident-outcome`` event (with its outbox row and
    log entry) for each of these incidents whose outcome changed since its last such event; their ids."""
    now = core.clock.now()
    out: list[int] = []
    for incident_id in dict.fromkeys(incident_ids):
        inc = s.get(Incident, incident_id)
        if inc is None:
            continue
        s.flush()
        event = outcome_event(inc, members(s, incident_id), _infer(s, incident_id), _last_outcome(s, incident_id),
                              at=now, private=not _publicly_visible(s, inc))
        if event is not None:
            out.append(add_case_event(core, s, event).id)
    return out


def refresh_outcomes(core: Presswatch) -> list[int]:
    """After new observations: an ``incident-outcome`` event for every incident whose inferred outcome
    changed (one write transaction per incident); the new events' ids."""
    with core.db.session() as s:
        ids = list(s.scalars(select(Incident.id).order_by(Incident.id)))
    out: list[int] = []
    for incident_id in ids:
        out += core.db.write(functools.partial(_outcome_events_of, core, incident_id))
    return out


def _outcome_events_of(core: Presswatch, incident_id: int, s: Session) -> list[int]:
    return outcome_events(core, s, [incident_id])

# -- reports -----------------------------------------------------------------------------------------
def show_incident(core: Presswatch, incident_id: int) -> dict[str, Any]:
    """The incident, its members and its outcome, as JSON-ready data."""
    with core.db.session() as s:
        inc = _get(s, incident_id)
        m = members(s, incident_id)
        rec = _incident_record(s, inc)
        rec["demands"] = [
            {
                "id": d.id,
                "title": d.title,
                "sender": d.sender_name,
                "country": d.sender_country,
                "response": d.response,
                "visibility": d.visibility,
            }
            for d in m.demands
        ]
        rec["watches"] = [
            {"id": w.id, "url": w.url, "status": w.status, "reason": w.reason} for w in m.watches
        ]
        rec["hosts"], rec["countries"] = m.hosts, m.countries
    rec["outcome"] = infer_outcome(core, incident_id).as_dict()
    return rec


def list_incidents(core: Presswatch) -> list[dict[str, Any]]:
    with core.db.session() as s:
        return [
            {"id": i.id, "title": i.title, "kind": i.kind, "updated_at": isoformat(i.updated_at)}
            for i in s.scalars(select(Incident).order_by(Incident.id))
        ]


def incident_entry_indices(core: Presswatch, incident_id: int, *, public: bool = False) -> list[int]:
    """Log indices of every entry the incident cites: itself, its notes and demands, observations, events
    and measurements of its articles and sites. ``public`` leaves out private demands."""
    with core.db.session() as s:
        m = members(s, incident_id)
        refs = {f"incident:{incident_id}"}
        refs.update(
            f"incident_note:{n}"
            for n in s.scalars(select(IncidentNote.id).where(IncidentNote.incident_id == incident_id))
        )
        refs.update(f"demand:{d.id}" for d in m.demands if not (public and d.visibility == "private"))
        watch_ids = [w.id for w in m.watches]
        if watch_ids:
            refs.update(
                f"observation:{i}"
                for i in s.scalars(select(Observation.id).where(Observation.watch_id.in_(watch_ids)))
            )
        refs.update(f"event:{e.id}" for e in _events(s, m))
        refs.update(f"measurement:{i}" for i in _measurement_ids(s, m))
        refs.update(_report_refs(s, incident_id))
        ordered = sorted(refs)
        found: set[int] = set()
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            found.update(s.scalars(select(LogEntry.index).where(LogEntry.ref.in_(chunk))))
    return sorted(found)


def _measurement_ids(s: Session, m: Members) -> list[str]:
    try:
        from presswatch.record.measure_models import Measurement
    except ModuleNotFoundError:  # the measurement stage is optional
        return []
    urls = [w.url for w in m.watches]
    conds = []
    if urls:
        conds.append(Measurement.url.in_(urls))
    if m.hosts:
        conds.append(Measurement.host.in_(m.hosts))
    if not conds:
        return []
    return [str(i) for i in s.scalars(select(Measurement.id).where(or_(*conds)))]


def link_kinds() -> tuple[str, ...]:
    return INCIDENT_LINK_KINDS


def _check_fields(title: str | None, visibility: str | None) -> None:
    """An incident's title is not blank and its visibility is known (None: not being set)."""
    if title is not None and not title.strip():
        raise InvalidIncident("an incident needs a title")
    if visibility is not None and visibility not in ("public", "redacted", "private"):
        raise InvalidIncident(f"unknown visibility {visibility!r}")


def update_incident(
    core: Presswatch,
    incident_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    kind: str | None = None,
    visibility: str | None = None,
) -> None:
    """Change an incident's title, description, kind or visibility (logged like its creation)."""
    _check_fields(title, visibility)
    now = core.clock.now()

    def write(s: Session) -> None:
        inc = _get(s, incident_id)
        change: dict[str, Any] = {"action": "updated"}
        for name, value in (("title", title.strip() if title is not None else None), ("description", description),
                            ("kind", kind), ("visibility", visibility)):
            if value is not None and getattr(inc, name) != value:
                change[name] = {"old": getattr(inc, name), "new": value}
                setattr(inc, name, value)
        if len(change) > 1:
            inc.updated_at = now
            _log_incident(core, s, inc, change)

    core.db.write(write)
