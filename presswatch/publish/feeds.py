"""Atom feeds (RFC 4287) of confirmed events — all, per country, per outlet/site, per watch, per incident.

Built with feedgen; each entry carries the event's summary, the diff summary and, for edits, the changed
paragraphs, plus the evidence-log index. Feeds are public: they go through
:mod:`presswatch.publish.visibility` (nothing a private or redacted demand hides, no private incident).
Each answer has an ``ETag`` (a digest of the feed) and ``If-None-Match`` gets a 304.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from sqlalchemy import select

if TYPE_CHECKING:
    from presswatch.alerts.payload import EventRecord
    from presswatch.core import Presswatch

__all__ = ["FEED_KINDS", "MAX_ENTRIES", "FeedSpec", "atom_feed", "entry_html", "feed_etag", "feed_events", "xml_safe",
           "feeds_router"]

FEED_KINDS = ("removed", "withheld", "unreachable", "edited", "restored", "blocked", "unblocked")
MAX_ENTRIES = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedSpec:
    """Which events a feed holds: ``scope`` all|country|site|watch|incident and its value."""

    scope: str = "all"
    value: str | int | None = None

    @property
    def title(self) -> str:
        return {"all": "presswatch: confirmed events", "country": f"presswatch: confirmed events in {self.value}",
                "site": f"presswatch: {self.value}", "watch": f"presswatch: watch #{self.value}",
                "incident": f"presswatch: incident #{self.value}"}[self.scope]

    @property
    def path(self) -> str:
        return {"all": "/feeds/events.atom", "country": f"/feeds/countries/{self.value}.atom",
                "site": f"/feeds/sites/{self.value}.atom", "watch": f"/feeds/watches/{self.value}.atom",
                "incident": f"/feeds/incidents/{self.value}.atom"}[self.scope]


def _in_scope(spec: FeedSpec, r: EventRecord, incident: tuple[set[int], set[str]] | None) -> bool:
    if spec.scope == "country":
        cc = str(spec.value).upper()
        tags = r.tags or {}
        wc = {str(tags.get("country", "")).upper(), *(str(c).upper() for c in tags.get("measure_in") or [])}
        return r.country == cc or (r.country is None and cc in wc)
    if spec.scope == "site":
        host = r.target_host or ""
        want = str(spec.value).lower()
        return host == want or host.endswith("." + want)
    if spec.scope == "watch":
        return r.watch_id == int(str(spec.value))
    if spec.scope == "incident":
        assert incident is not None
        watches, hosts = incident
        target = r.target_host
        return r.watch_id in watches or (r.sitewide and target is not None and target in hosts)
    return True


def feed_events(core: Presswatch, spec: FeedSpec, limit: int = MAX_ENTRIES) -> list[EventRecord] | None:
    """The newest visible events of the feed (newest first); None when the feed itself is not public
    (an unknown, private or hidden watch or incident)."""
    from presswatch.alerts.deliver import _incident_members, load_records
    from presswatch.publish.visibility import public_view
    from presswatch.record.models import Event, Watch

    view = public_view(core)
    incident: tuple[set[int], set[str]] | None = None
    with core.db.session() as s:
        if spec.scope == "watch":
            w = s.get(Watch, int(str(spec.value)))
            if w is None or not view.watch_visible(w.id, w.url, w.tags):
                return None
        if spec.scope == "incident":
            from presswatch.record.demand_models import Incident

            inc = s.get(Incident, int(str(spec.value)))
            if inc is None or inc.visibility != "public":
                return None
            incident = _incident_members(s, [inc.id]).get(inc.id)
            if incident is None:
                return None
        if spec.scope == "site" and view.host_hidden(str(spec.value)):
            return None
        out: list[EventRecord] = []
        last_id: int | None = None
        while len(out) < limit:
            q = select(Event.id).where(Event.kind.in_(FEED_KINDS)).order_by(Event.id.desc()).limit(500)
            if last_id is not None:
                q = q.where(Event.id < last_id)
            if spec.scope == "watch":
                q = q.where(Event.watch_id == int(str(spec.value)))
            ids = list(s.scalars(q))
            if not ids:
                break
            last_id = ids[-1]
            records = load_records(s, ids)
            for eid in ids:
                r = records.get(eid)
                if r is None or not view.event_visible(r.watch_id, r.url, r.details):
                    continue
                if r.watch_id is not None and not view.watch_visible(r.watch_id, r.url, r.tags):
                    continue
                if _in_scope(spec, r, incident):
                    out.append(r)
                    if len(out) >= limit:
                        break
        return out


def _paragraphs(label: str, paras: Any) -> str:
    items = paras if isinstance(paras, list) else [paras] if paras else []
    return "".join(f"<p><b>{label}</b> {html.escape(str(p))}</p>" for p in items)


def entry_html(r: EventRecord) -> str:
    """An entry's content: summary, diff summary and (edits) the changed paragraphs, evidence index."""
    parts = [f"<p>{html.escape(r.summary)}</p>"]
    if r.url:
        parts.append(f'<p><a href="{html.escape(r.url, quote=True)}">{html.escape(r.url)}</a></p>')
    d = r.diff or {}
    if d:
        parts.append(f"<p>+{d.get('paragraphs_added', 0)}/−{d.get('paragraphs_removed', 0)} paragraphs, "
                     f"+{d.get('words_added', 0)}/−{d.get('words_removed', 0)} words"
                     + ("; headline changed" if d.get("title_changed") else "") + "</p>")
        if d.get("title_changed"):
            parts.append(f"<p>headline: “{html.escape(str(d.get('old_title') or ''))}” → "
                         f"“{html.escape(str(d.get('new_title') or ''))}”</p>")
        for h in (d.get("hunks") or [])[:20]:
            parts.append(_paragraphs("−", h.get("old")) + _paragraphs("+", h.get("new")))
    if r.evidence is not None:
        parts.append(f"<p>evidence log entry {r.evidence} (<code>presswatch log prove {r.evidence}</code>)</p>")
    return "".join(parts)


_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?")
_MAX_ID = 2**62


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (archived titles are hostile input)."""
    return _NOT_XML.sub("\ufffd", text)


def atom_feed(spec: FeedSpec, records: Sequence[EventRecord], *, base_url: str = "") -> bytes:
    """The Atom document (entries newest first)."""
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    base = base_url.rstrip("/")
    fg.id(f"{base}{spec.path}" if base else f"urn:presswatch:feed:{spec.scope}:{spec.value or 'all'}")
    fg.title(spec.title)
    fg.author({"name": "presswatch"})
    fg.link(href=f"{base}{spec.path}", rel="self")
    fg.updated(max((r.at for r in records), default=_EPOCH))
    fg.generator("presswatch")
    for r in records:
        e = fg.add_entry(order="append")
        e.id(f"urn:presswatch:event:{r.event_id}")
        what = r.title or r.url or (str(r.details.get("target")) if r.details.get("target") else "")
        where = f" in {r.country}" if r.country else ""
        e.title(xml_safe(f"{r.kind}{where}: {what}" if what else r.kind))
        e.updated(r.at)
        e.published(r.at)
        if r.url:
            e.link(href=xml_safe(r.url))
        e.summary(xml_safe(r.summary or r.kind))
        e.content(xml_safe(entry_html(r)), type="html")
        e.category(term=r.kind)
    return bytes(fg.atom_str(pretty=True))


def feed_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def feeds_router(core: Presswatch) -> APIRouter:
    """The feed routes (anonymous readers: the public view)."""
    router = APIRouter()

    def serve(request: Request, spec: FeedSpec) -> Response:
        records = feed_events(core, spec)
        if records is None:
            raise HTTPException(status_code=404, detail="no such public feed")
        base = core.settings.public_url or str(request.base_url).rstrip("/")
        body = atom_feed(spec, records, base_url=base)
        etag = feed_etag(body)
        headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
        inm = request.headers.get("if-none-match")
        if inm and (inm.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in inm.split(",")]):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)

    @router.get("/feeds/events.atom")
    def all_events(request: Request) -> Response:
        return serve(request, FeedSpec())

    @router.get("/feeds/countries/{cc}.atom")
    def country(request: Request, cc: str) -> Response:
        if len(cc) != 2 or not (cc.isascii() and cc.isalpha()):
            raise HTTPException(status_code=404, detail="not a country code")
        return serve(request, FeedSpec("country", cc.upper()))

    @router.get("/feeds/sites/{host}.atom")
    def site(request: Request, host: str) -> Response:
        if not _HOST.fullmatch(host.lower()):
            raise HTTPException(status_code=404, detail="not a host name")
        return serve(request, FeedSpec("site", host.lower()))

    @router.get("/feeds/watches/{watch_id}.atom")
    def watch(request: Request, watch_id: Annotated[int, Path(ge=1, le=_MAX_ID)]) -> Response:
        return serve(request, FeedSpec("watch", watch_id))

    @router.get("/feeds/incidents/{incident_id}.atom")
    def incident(request: Request, incident_id: Annotated[int, Path(ge=1, le=_MAX_ID)]) -> Response:
        return serve(request, FeedSpec("incident", incident_id))

    return router
