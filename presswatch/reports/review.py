"""Review of a report's draft: show, edit, accept, reject.

Drafts are working material and never enter the evidence log. Accepting one records, through the
normal paths, an incident (:mod:`presswatch.cases.incidents`), one demand per sender with a
demanded action (:func:`presswatch.cases.demands.add_demand`, which watches its targets) and the
report's claims; the report row (final from then on) and its claims enter the log as one ``report``
entry, and every later check of a claim as a ``claim-check`` entry.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from presswatch.clock import isoformat
from presswatch.errors import NotFound
from presswatch.record.ledger import Ledger
from presswatch.record.report_models import ClaimCheck, PressReport, ReportClaim, ReportDraft
from presswatch.reports.extract import draft_from_dict
from presswatch.reports.ingest import InvalidReport

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["DEMANDED_ACTIONS", "accept_report", "claim_status", "edit_draft", "get_report", "list_reports",
           "reject_report"]

log = logging.getLogger(__name__)

# report action kind -> the demand's demanded action (None: an action that is no demand to the recipient)
DEMANDED_ACTIONS: dict[str, str | None] = {
    "demand-removal": "remove", "demand-edit": "edit", "block": "block", "ban": "block", "warning": None,
    "referral-prosecutor": None, "lawsuit": None, "arrest": None, "other": None,
}
_RESPONSE = {"complied": "complied", "refused": "refused", "partly": "partially-complied", "unknown": "pending"}
_RECIPIENT_KIND = {"outlet": "outlet", "journalist": "editor", "platform": "platform"}


def _get(s: Session, report_id: int) -> PressReport:
    rep = s.get(PressReport, report_id)
    if rep is None:
        raise NotFound(f"no report #{report_id}")
    return rep


def _latest_draft(s: Session, report_id: int) -> ReportDraft:
    d = s.scalar(select(ReportDraft).where(ReportDraft.report_id == report_id).order_by(ReportDraft.revision.desc()))
    if d is None:
        raise NotFound(f"report #{report_id} has no draft")
    return d


def claim_status(s: Session, claim_id: int) -> ClaimCheck | None:
    """A claim's latest check (None: not checked yet)."""
    return s.scalar(select(ClaimCheck).where(ClaimCheck.claim_id == claim_id).order_by(ClaimCheck.id.desc()))


def _claim_dict(s: Session, c: ReportClaim) -> dict[str, Any]:
    chk = claim_status(s, c.id)
    return {
        "id": c.id, "kind": c.kind, "country": c.country, "as_of": c.as_of.isoformat() if c.as_of else None,
        "quote": c.quote, "offsets": c.offsets, "target_url": c.target_url, "target_title": c.target_title,
        "status": chk.status if chk else "unchecked", "source": chk.source if chk else None,
        "summary": chk.summary if chk else None, "evidence": chk.evidence if chk else [],
        "checked_at": isoformat(chk.at) if chk else None,
    }  # fmt: skip


def get_report(core: Presswatch, report_id: int) -> dict[str, Any]:
    """The report, its latest draft (every field with its quote) and, once accepted, its claims."""
    with core.db.session() as s:
        rep = _get(s, report_id)
        d = _latest_draft(s, report_id)
        claims = s.scalars(select(ReportClaim).where(ReportClaim.report_id == report_id).order_by(ReportClaim.id))
        return {
            "id": rep.id, "status": rep.status, "source": rep.source, "source_kind": rep.source_kind,
            "title": rep.title, "language": rep.language, "report_date": rep.report_date.isoformat(),
            "capture_id": rep.capture_id, "watch_id": rep.watch_id, "created_at": isoformat(rep.created_at),
            "reviewed_at": isoformat(rep.reviewed_at) if rep.reviewed_at else None, "reviewed_by": rep.reviewed_by,
            "review_note": rep.review_note, "incident_id": rep.incident_id, "demand_ids": rep.demand_ids or [],
            "revision": d.revision, "draft": {"id": rep.id, **d.draft},
            "claims": [_claim_dict(s, c) for c in claims],
        }  # fmt: skip


def list_reports(core: Presswatch, *, status: str | None = None) -> list[dict[str, Any]]:
    with core.db.session() as s:
        q = select(PressReport).order_by(PressReport.id)
        if status:
            q = q.where(PressReport.status == status)
        return [
            {"id": r.id, "status": r.status, "language": r.language, "report_date": r.report_date.isoformat(),
             "title": r.title, "source": r.source, "incident_id": r.incident_id}
            for r in s.scalars(q)
        ]  # fmt: skip


def edit_draft(core: Presswatch, report_id: int, changes: Mapping[str, Any], *, by: str | None = None) -> int:
    """A reviewer's edit: the draft with ``changes`` applied (top-level fields replaced) as a new
    revision; its number. Only a draft under review can be edited."""
    now = core.clock.now()

    def write(s: Session) -> int:
        rep = _get(s, report_id)
        if rep.status != "draft":
            raise InvalidReport(f"report #{report_id} is {rep.status}; only a draft can be edited")
        cur = _latest_draft(s, report_id)
        merged = {**cur.draft, **{k: v for k, v in changes.items() if k != "id"}}
        try:
            merged = draft_from_dict(merged)
        except ValueError as exc:
            raise InvalidReport(f"edited draft: {exc}") from exc
        s.add(ReportDraft(report_id=report_id, revision=cur.revision + 1, at=now, by=by, reason="edited",
                          draft=merged))
        return cur.revision + 1

    return core.db.write(write)


def reject_report(core: Presswatch, report_id: int, *, by: str | None = None, why: str | None = None) -> None:
    """The draft is wrong or no incident: nothing enters the record or the log."""
    now = core.clock.now()

    def write(s: Session) -> None:
        rep = _get(s, report_id)
        if rep.status != "draft":
            raise InvalidReport(f"report #{report_id} is already {rep.status}")
        rep.status, rep.reviewed_at, rep.reviewed_by, rep.review_note = "rejected", now, by, why

    core.db.write(write)


def _sender_kind(actor: Mapping[str, Any]) -> str:
    from presswatch.cases.demands import guess_sender_kind

    kind = actor.get("kind")
    guess = guess_sender_kind(str(actor.get("name", "")))
    if kind == "government":
        return guess if guess in ("ministry", "regulator") else "ministry"
    if kind == "law-enforcement":
        return guess if guess in ("prosecutor", "police", "security-service") else "police"
    if kind in ("court", "regulator", "platform"):
        return str(kind)
    return "private-party"


def _demands(draft: Mapping[str, Any], title: str, report_label: str, target_url: str | None) -> list[dict[str, Any]]:
    actors = {a["name"]: a for a in draft.get("actors") or []}
    recipients = [a for a in draft.get("actors") or [] if a.get("role") == "recipient"]
    by_sender: dict[str, list[Mapping[str, Any]]] = {}
    for act in draft.get("actions") or []:
        if act.get("by") in actors and actors[act["by"]].get("role") == "sender":
            by_sender.setdefault(act["by"], []).append(act)
    out = []
    for name, acts in by_sender.items():
        demanded = list(dict.fromkeys(d for a in acts if (d := DEMANDED_ACTIONS.get(a.get("kind", "other")))))
        if not demanded:
            continue
        sender = actors[name]
        against = next((a.get("against") for a in acts if a.get("against")), None)
        rec = actors.get(against) if against else (recipients[0] if recipients else None)
        dates = sorted(a["date"] for a in acts if a.get("date"))
        legal = [a["legal_basis"] for a in acts if a.get("legal_basis")]
        others = sorted({a["kind"] for a in acts} - {k for k, v in DEMANDED_ACTIONS.items() if v})
        out.append({
            "title": title, "demand_type": "court-order" if sender.get("kind") == "court" else "government-request",
            "sender": {"name": name, "kind": _sender_kind(sender), "country": sender.get("country")},
            "recipient": {"name": rec["name"] if rec else "unknown recipient",
                          "kind": _RECIPIENT_KIND.get(rec.get("kind", "outlet"), "outlet") if rec else "outlet"},
            "date_sent": dates[0] if dates else None, "actions": demanded,
            "legal_basis": [{"citation": c, "country": sender.get("country")} for c in dict.fromkeys(legal)],
            "targets": [{"url": target_url}] if target_url else [],
            "response": _RESPONSE.get(str(draft.get("outcome", "unknown")), "pending"),
            "measure_in": list(draft.get("blocked_countries") or []),
            "notes": f"from {report_label}" + (f"; also reported: {', '.join(others)}" if others else ""),
        })  # fmt: skip
    return out


def _target(draft: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(article URL, article title, outlet site) the draft's targets name."""
    targets = draft.get("targets") or {}
    arts = targets.get("articles") or []
    url = next((a.get("url") for a in arts if a.get("url")), None)
    title = next((a.get("title") for a in arts if a.get("title")), None)
    outlets = targets.get("outlets") or []
    site = next((o.get("url") or (f"https://{o['domain']}/" if o.get("domain") else None)
                 for o in outlets if o.get("url") or o.get("domain")), None)
    return url, title, site


def accept_report(core: Presswatch, report_id: int, *, edit: Mapping[str, Any] | None = None,
                  by: str | None = None) -> dict[str, Any]:
    """Accept the (optionally edited) draft: incident, demands and claims enter the record and the log.

    Returns ``{"report": id, "incident": id, "demands": [...], "claims": [...]}``.
    """
    from presswatch.cases import incidents

    if edit:
        edit_draft(core, report_id, edit, by=by)
    with core.db.session() as s:
        rep = _get(s, report_id)
        if rep.status != "draft":
            raise InvalidReport(f"report #{report_id} is already {rep.status}")
        d = _latest_draft(s, report_id)
        draft, draft_id = dict(d.draft), d.id
        source, day, rep_title = rep.source, rep.report_date, rep.title
    try:
        draft = draft_from_dict(draft)
    except ValueError as exc:
        raise InvalidReport(f"draft: {exc}") from exc
    as_of: list[date | None] = []
    for c in draft.get("claims") or []:  # checked before anything is recorded
        try:
            as_of.append(date.fromisoformat(str(c["as_of"])[:10]) if c.get("as_of") else None)
        except ValueError as exc:
            raise InvalidReport(f"claim as_of {c['as_of']!r} is not a date") from exc
    label = f"report #{report_id} ({source}, {day.isoformat()})"
    senders = [a["name"] for a in draft.get("actors") or [] if a.get("role") == "sender"]
    recips = [a["name"] for a in draft.get("actors") or [] if a.get("role") == "recipient"]
    title = (rep_title or "").strip() or (f"{', '.join(senders) or 'unknown'} vs {', '.join(recips) or 'unknown'}")
    url, art_title, site = _target(draft)
    iid = incidents.create_incident(core, title[:300], kind="reported", description=f"reported by {source} on {day}")
    demand_ids = []
    for dm in _demands(draft, title[:300], label, url):
        from presswatch.cases.demands import DuplicateDemand

        try:
            demand_ids.append(core.add_demand(dm, by=by))
        except DuplicateDemand as exc:
            demand_ids.append(exc.existing_id)
    hosts = [o["domain"] for o in (draft.get("targets") or {}).get("outlets") or [] if o.get("domain")]
    incidents.add_to_incident(core, iid, demands=demand_ids, countries=list(draft.get("blocked_countries") or []),
                              hosts=hosts)
    now = core.clock.now()
    outlet = next((o.get("name") for o in (draft.get("targets") or {}).get("outlets") or []), None)

    def write(s: Session) -> list[int]:
        rep = _get(s, report_id)
        if rep.status != "draft":
            raise InvalidReport(f"report #{report_id} is already {rep.status}")
        claims = []
        for c, when in zip(draft.get("claims") or [], as_of, strict=True):
            row = ReportClaim(report_id=report_id, incident_id=iid, kind=c["kind"], country=c.get("country"),
                              as_of=when, quote=str(c.get("quote") or ""), offsets=list(c.get("offsets") or []),
                              target_url=url, target_title=art_title, outlet=site or outlet, created_at=now)
            s.add(row)
            claims.append(row)
        rep.status, rep.reviewed_at, rep.reviewed_by = "accepted", now, by
        rep.incident_id, rep.demand_ids = iid, demand_ids
        s.flush()
        record = {
            "id": rep.id, "source": rep.source, "source_kind": rep.source_kind, "sha256": rep.sha256,
            "report_date": day.isoformat(), "language": rep.language, "capture_id": rep.capture_id,
            "incident_id": iid, "demand_ids": demand_ids, "accepted_by": by, "accepted_at": isoformat(now),
            "draft": draft, "claims": [{"id": c.id, "kind": c.kind, "country": c.country,
                                        "as_of": c.as_of.isoformat() if c.as_of else None} for c in claims],
        }  # fmt: skip
        rows = [f"report_draft:{draft_id}", *(f"report_claim:{c.id}" for c in claims)]
        if rep.capture_id:
            rows.append(f"capture:{rep.capture_id}")
        rep.ledger_index = Ledger(core).append(s, "report", record, ref=f"press_report:{rep.id}", rows=rows)
        return [c.id for c in claims]

    claim_ids = core.db.write(write)
    log.info("report.accepted", extra={"report": report_id, "incident": iid, "demands": demand_ids})
    return {"report": report_id, "incident": iid, "demands": demand_ids, "claims": claim_ids}
