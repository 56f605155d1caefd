"""The documented alert body (JSON) and the user templates (``$token`` placeholders), pure.

Webhook body (``type`` is the event kind, or ``digest``)::

    {"type": "removed", "timestamp": "2026-05-01T10:00:00Z",
     "data": {"event_id", "url", "status", "reason", "confirmed", "checked_at", "title", "summary",
              "country", "method", "watch": {"id", "url", "host", "tags"}, "observation_id",
              "capture": {"warc_file", "offset", "length", "payload_digest", "record_type"} | null,
              "evidence": <evidence-log index> | null,
              "proof": {"index", "command", "url"} | null,  # the inclusion proof of that entry
              "diff": {"paragraphs_added", "paragraphs_removed", "words_added", "words_removed",
                       "title_changed", "old_title", "new_title"} | null,
              "note": "flapping: …" | null}}

A digest: ``{"type": "digest", "timestamp", "data": {"period": {"start", "end"}, "count", "events": [data…]}}``.

The case events (``demand``: a demand was recorded; ``incident-outcome``: an incident's final or inferred
outcome changed) have the same ``data`` keys (``url`` is the demand's or incident's page, ``status`` is
``received`` or the new outcome, ``reason`` is ``inferred`` or ``override``, ``watch``/``capture``/``diff``
are null) and one more: ``demand`` or ``incident``, what the subscription's owner may see of the record::

    "demand": {"id", "title", "demand_type", "sender": {"name", "kind", "country"},
               "recipient": {"name", "kind", "country"}, "date_sent", "date_received", "deadline",
               "channel", "legal_basis", "actions", "targets": [{"url", "description"}], "response",
               "visibility"}
    "incident": {"id", "title", "kind", "visibility",
                 "outcome": {"final", "inferred", "previous", "previous_inferred", "statements",
                             "override": {"outcome", "by", "at", "why"} | null}}

A redacted demand is told as published (names and redacted URLs left out); a private demand or incident
(or one whose page is unpublished) reaches only subscriptions whose owner may see private records, and
never carries personal contacts, notes or document names.

Templates use :class:`string.Template` tokens (``$title``, ``${url}``): ``TOKENS`` lists them. A template
is checked when the subscription is made (unknown token, stray ``$``: :class:`ConfigError`). In a webhook
body template every value is JSON-escaped, so ``{"text": "$title was $status"}`` stays valid JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from string import Template
from typing import Any
from urllib.parse import urlsplit

from presswatch.clock import isoformat
from presswatch.errors import ConfigError

__all__ = ["TOKENS", "EventRecord", "check_template", "digest_payload", "event_data", "event_payload", "render",
           "tokens_of"]

TOKENS = ("kind", "title", "url", "status", "reason", "country", "method", "diff", "summary", "evidence",
          "proof", "checked_at", "capture", "note", "site", "count")


@dataclass(frozen=True)
class EventRecord:
    """An event with what its alert says of it (read by the delivery loop)."""

    event_id: int
    kind: str
    at: datetime
    summary: str
    status: str | None
    reason: str | None
    country: str | None
    details: Mapping[str, Any] = field(default_factory=dict)
    watch_id: int | None = None
    url: str | None = None
    host: str | None = None
    tags: Mapping[str, Any] = field(default_factory=dict)
    observation_id: int | None = None
    checked_at: datetime | None = None
    confirmed: bool = True
    title: str | None = None
    capture: Mapping[str, Any] | None = None
    evidence: int | None = None
    diff: Mapping[str, Any] | None = None

    @property
    def target_host(self) -> str | None:
        """The host the event is about: its watch's, else its measured target's (a host, or a URL's host)."""
        if self.host is not None:
            return self.host.lower()
        t = self.details.get("target")
        if not t:
            return None
        if self.details.get("scope") == "host":
            return str(t).lower()
        return urlsplit(str(t)).hostname or None

    @property
    def sitewide(self) -> bool:
        """Whether the event is about its host rather than one watched article (a host's block or a
        measured target no watch names), so it belongs to whatever cites the host."""
        return self.watch_id is None or self.details.get("scope") == "host"


def _diff_summary(d: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not d:
        return None
    keys = ("paragraphs_added", "paragraphs_removed", "words_added", "words_removed", "title_changed",
            "old_title", "new_title")
    return {k: d.get(k) for k in keys}


def _case_data(r: EventRecord, proof: dict[str, Any] | None, base_url: str | None,
               note: str | None) -> dict[str, Any]:
    what = "demand" if r.kind == "demand" else "incident"
    record = dict(r.details.get(what) or {})
    page = f"{base_url.rstrip('/')}/{what}s/{record.get('id')}" if base_url and record.get("id") else None
    status = (record.get("outcome") or {}).get("final") if what == "incident" else r.status
    return {
        "event_id": r.event_id, "url": page, "status": status or r.kind, "reason": r.reason, "confirmed": True,
        "checked_at": isoformat(r.at), "title": record.get("title"), "summary": r.summary, "country": r.country,
        "method": None, "watch": None, "observation_id": None, "capture": None, "evidence": r.evidence,
        "proof": proof, "diff": None, "note": note, what: record,
    }


def event_data(r: EventRecord, *, base_url: str | None = None, note: str | None = None) -> dict[str, Any]:
    """The ``data`` object of an event's alert."""
    proof = None
    if r.evidence is not None:
        proof = {"index": r.evidence, "command": f"presswatch log prove {r.evidence}",
                 "url": f"{base_url.rstrip('/')}/api/v1/log/proof/{r.evidence}" if base_url else None}
    if r.kind in ("demand", "incident-outcome"):
        return _case_data(r, proof, base_url, note)
    url = r.url or r.details.get("url") or (r.details.get("target") if r.details.get("scope") == "url" else None)
    return {
        "event_id": r.event_id,
        "url": url,
        "status": r.status or r.kind,
        "reason": r.reason,
        "confirmed": r.confirmed,
        "checked_at": isoformat(r.checked_at or r.at),
        "title": r.title,
        "summary": r.summary,
        "country": r.country,
        "method": r.details.get("method"),
        "watch": {"id": r.watch_id, "url": r.url, "host": r.host, "tags": dict(r.tags)} if r.watch_id else None,
        "observation_id": r.observation_id,
        "capture": dict(r.capture) if r.capture else None,
        "evidence": r.evidence,
        "proof": proof,
        "diff": _diff_summary(r.diff),
        "note": note,
    }


def event_payload(r: EventRecord, now: datetime, *, base_url: str | None = None,
                  note: str | None = None) -> dict[str, Any]:
    return {"type": r.kind, "timestamp": isoformat(now), "data": event_data(r, base_url=base_url, note=note)}


def digest_payload(records: Sequence[tuple[EventRecord, str | None]], start: datetime, end: datetime,
                   now: datetime, *, base_url: str | None = None) -> dict[str, Any]:
    events = [event_data(r, base_url=base_url, note=n) for r, n in records]
    return {"type": "digest", "timestamp": isoformat(now),
            "data": {"period": {"start": isoformat(start), "end": isoformat(end)}, "count": len(events),
                     "events": events}}


def tokens_of(payload: Mapping[str, Any]) -> dict[str, str]:
    """The template tokens' values for a payload (a digest: its count and a one-line list)."""
    d = payload.get("data") or {}
    if payload.get("type") == "digest":
        evs = d.get("events") or []
        lines = "\n".join(f"- {e.get('status')}: {e.get('title') or e.get('url')} ({e.get('url')})" for e in evs)
        return {t: "" for t in TOKENS} | {"kind": "digest", "count": str(len(evs)), "summary": lines,
                                          "title": f"{len(evs)} presswatch events"}
    diff = d.get("diff") or {}
    diff_text = (f"+{diff.get('words_added', 0)}/-{diff.get('words_removed', 0)} words"
                 + ("; headline changed" if diff.get("title_changed") else "")) if diff else ""
    cap = d.get("capture") or {}
    proof = d.get("proof") or {}
    values = {
        "kind": payload.get("type"), "title": d.get("title") or d.get("url"), "url": d.get("url"),
        "status": d.get("status"), "reason": d.get("reason"), "country": d.get("country"),
        "method": d.get("method"), "diff": diff_text, "summary": d.get("summary"),
        "evidence": d.get("evidence"), "proof": proof.get("url") or proof.get("command"),
        "checked_at": d.get("checked_at"), "capture": cap.get("warc_file"), "note": d.get("note"),
        "site": (d.get("watch") or {}).get("host"), "count": "1",
    }
    return {k: "" if v is None else str(v) for k, v in values.items()}


def check_template(template: str | None, what: str = "template") -> None:
    """:class:`ConfigError` unless every placeholder is a known token and no ``$`` is stray."""
    if template is None:
        return
    t = Template(template)
    if not t.is_valid():
        raise ConfigError(f"{what}: a '$' that starts no token (write '$$' for a dollar sign); "
                          f"tokens: {', '.join('$' + k for k in TOKENS)}")
    unknown = [k for k in t.get_identifiers() if k not in TOKENS]
    if unknown:
        raise ConfigError(f"{what}: unknown token ${unknown[0]}; tokens: {', '.join('$' + k for k in TOKENS)}")


def render(template: str, values: Mapping[str, str], *, json_escape: bool = False) -> str:
    if json_escape:
        values = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()}
    return Template(template).substitute(values)
