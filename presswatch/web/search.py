"""Full-text search over article versions (title and extracted text), demands and incidents.

The index (:class:`~presswatch.record.web_models.SearchDoc`) is brought up to date before each search:
new versions are added, demands and incidents whose revision or update time changed are indexed again.
Full text runs on SQLite FTS5 (``unicode61``: Cyrillic and other scripts, case-folded) or PostgreSQL's
``simple`` text search configuration. What an audience may find follows :mod:`presswatch.web.queries`: a
private demand or incident is indexed for signed-in users only, a redacted demand as its redacted text for
everyone else, and versions of watches the public view hides are left out for anonymous visitors.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from presswatch.clock import isoformat, parse_when
from presswatch.errors import ConfigError

if TYPE_CHECKING:
    from presswatch.core import Presswatch
    from presswatch.web.queries import Audience

__all__ = [
    "InvalidSearch",
    "MAX_RESULTS",
    "refresh_index",
    "search",
    "SearchQuery",
]

_WORD = re.compile(r"\w+", re.UNICODE)
_refresh_lock = threading.Lock()
MAX_RESULTS = 100


class InvalidSearch(ConfigError):
    pass


@dataclass(frozen=True)
class SearchQuery:
    text: str
    kind: str | None = None  # version|demand|incident
    status: str | None = None
    reason: str | None = None
    country: str | None = None
    outlet: str | None = None
    since: str | None = None
    until: str | None = None


def _fts_ready(s: Session) -> None:
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, "
                       "tokenize='unicode61 remove_diacritics 2')"))


def _put(s: Session, doc: Any) -> None:
    from presswatch.record.web_models import SearchDoc

    old = s.scalars(select(SearchDoc.id).where(SearchDoc.kind == doc.kind, SearchDoc.ref_id == doc.ref_id,
                                               SearchDoc.audience == doc.audience)).first()
    sqlite = s.get_bind().dialect.name == "sqlite"
    if old is not None:
        if sqlite:
            s.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": old})
        s.execute(delete(SearchDoc).where(SearchDoc.id == old))
    s.add(doc)
    s.flush()
    if sqlite:
        s.execute(text("INSERT INTO search_fts(rowid, title, body) VALUES (:id, :t, :b)"),
                  {"id": doc.id, "t": doc.title, "b": doc.body})


def _drop(s: Session, kind: str, ref_id: int, keep: set[str]) -> None:
    from presswatch.record.web_models import SearchDoc

    rows = s.scalars(select(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.ref_id == ref_id)).all()
    for r in rows:
        if r.audience not in keep:
            if s.get_bind().dialect.name == "sqlite":
                s.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": r.id})
            s.delete(r)


def _demand_text(r: dict[str, Any]) -> str:
    parts = [r.get("notes") or ""]
    parts += [str(party.get(k) or "") for party in (r["sender"], r["recipient"]) for k in ("name", "person")]
    parts += [f"{lb.get('citation') or ''} {lb.get('text') or ''}" for lb in r.get("legal_basis") or []]
    parts += [f"{t.get('url') or ''} {t.get('description') or ''}" for t in r.get("targets") or []]
    return "\n".join(p for p in parts if p)


def refresh_index(core: Presswatch) -> int:
    """Index what is new or changed since the last refresh; the number of documents written."""
    from presswatch.cases.demands import list_demands, public_record
    from presswatch.record.demand_models import Incident
    from presswatch.record.models import Version, Watch
    from presswatch.record.web_models import IncidentPage, SearchDoc

    with core.db.session() as s:
        last_version = s.scalar(select(func.max(SearchDoc.ref_id)).where(SearchDoc.kind == "version")) or 0
        have_new = s.scalar(select(func.max(Version.id))) or 0
        stamps = {(k, i, a): st for k, i, a, st in s.execute(
            select(SearchDoc.kind, SearchDoc.ref_id, SearchDoc.audience, SearchDoc.stamp)
            .where(SearchDoc.kind.in_(("demand", "incident"))))}
        incidents = [(inc, s.get(IncidentPage, inc.id)) for inc in s.scalars(select(Incident))]
    demands = list_demands(core)
    written = 0
    with _refresh_lock:
        if have_new > last_version:
            def add_versions(s: Session) -> int:
                _fts_ready(s)
                n = 0
                q = (select(Version, Watch).join(Watch, Version.watch_id == Watch.id)
                     .where(Version.id > last_version).order_by(Version.id))
                for v, w in s.execute(q).all():
                    tags = w.tags or {}
                    _put(s, SearchDoc(kind="version", ref_id=v.id, audience="all", stamp="", watch_id=w.id,
                                      url=w.url, title=v.title or "", body=v.text or "", status=w.status,
                                      reason=w.reason, country=(tags.get("country") or None),
                                      outlet=str(tags.get("outlet") or w.host), at=v.first_seen_at))
                    n += 1
                return n

            written += core.db.write(add_versions)
        changed: list[tuple[str, int, dict[str, Any]]] = []
        for r in demands:
            stamp = f"{r.get('revision')}:{r.get('updated_at')}:{r.get('visibility')}"
            pub = public_record(r)
            docs: dict[str, dict[str, Any]] = {}
            if pub is None:
                docs["staff"] = r
            elif r.get("visibility") == "public":
                docs["all"] = r
            else:
                docs["staff"], docs["public"] = r, pub
            if any(stamps.get(("demand", int(r["id"]), a)) != stamp for a in docs) or \
                    {a for (k, i, a) in stamps if k == "demand" and i == int(r["id"])} - set(docs):
                changed.append(("demand", int(r["id"]), {"stamp": stamp, "docs": docs}))
        for inc, page in incidents:
            published = page is None or page.published
            stamp = f"{isoformat(inc.updated_at)}:{isoformat(page.updated_at) if page else ''}:{inc.visibility}"
            audience = "all" if inc.visibility == "public" and published else "staff"
            if stamps.get(("incident", inc.id, audience)) != stamp or \
                    {a for (k, i, a) in stamps if k == "incident" and i == inc.id} - {audience}:
                changed.append(("incident", inc.id, {"stamp": stamp, "audience": audience, "inc": inc,
                                                     "page": page}))
        if changed:
            def write(s: Session) -> int:
                _fts_ready(s)
                n = 0
                for kind, rid, spec in changed:
                    if kind == "demand":
                        _drop(s, "demand", rid, set(spec["docs"]))
                        for aud_name, rec in spec["docs"].items():
                            _put(s, SearchDoc(kind="demand", ref_id=rid, audience=aud_name, stamp=spec["stamp"],
                                              title=rec.get("title") or "", body=_demand_text(rec),
                                              status=rec.get("response"), country=rec["sender"].get("country"),
                                              at=parse_when(rec.get("date_received") or rec.get("created_at"))))
                            n += 1
                    else:
                        inc, page = spec["inc"], spec["page"]
                        _drop(s, "incident", rid, {spec["audience"]})
                        _put(s, SearchDoc(kind="incident", ref_id=rid, audience=spec["audience"],
                                          stamp=spec["stamp"], title=inc.title,
                                          body=f"{inc.description}\n{page.body if page else ''}",
                                          status=None, at=inc.created_at,
                                          outlet=", ".join(page.outlets or []) if page else None))
                        n += 1
                return n

            written += core.db.write(write)
    return written


def _terms(q: str) -> list[str]:
    return [w for w in _WORD.findall(q.lower()) if w][:12]


def _snippet(body: str, terms: list[str], width: int = 220) -> str:
    low = body.lower()
    at = min((i for t in terms if (i := low.find(t)) >= 0), default=0)
    start = max(0, at - width // 3)
    out = " ".join(body[start : start + width].split())
    return ("… " if start else "") + out + (" …" if start + width < len(body) else "")


def search(core: Presswatch, aud: Audience, sq: SearchQuery) -> list[dict[str, Any]]:
    """Matches of every word of ``sq.text`` (prefixes count), best first, for this audience."""
    from presswatch.record.models import Watch
    from presswatch.record.web_models import SearchDoc

    terms = _terms(sq.text)
    if not terms:
        raise InvalidSearch("type at least one word to search for")
    try:
        since = parse_when(sq.since) if sq.since else None
        last = parse_when(sq.until) if sq.until else None
        until = last + timedelta(days=1) if last else None
    except (ValueError, OverflowError) as exc:
        raise InvalidSearch(str(exc)) from None
    refresh_index(core)
    audiences = ("all", "staff") if aud.staff else ("all", "public")
    with core.db.session() as s:
        dialect = s.get_bind().dialect.name
        q = select(SearchDoc).where(SearchDoc.audience.in_(audiences))
        if dialect == "sqlite":
            match = " ".join('"' + t.replace('"', "") + '"*' for t in terms)
            ids = select(text("rowid")).select_from(text("search_fts")).where(
                text("search_fts MATCH :m").bindparams(m=match))
            q = q.where(SearchDoc.id.in_(ids))
        else:
            tsq = " & ".join(re.sub(r"[^\w]", "", t) + ":*" for t in terms)
            q = q.where(text("to_tsvector('simple', search_doc.title || ' ' || search_doc.body) "
                             "@@ to_tsquery('simple', :tsq)").bindparams(tsq=tsq))
        if sq.kind:
            q = q.where(SearchDoc.kind == sq.kind)
        if sq.status:  # a version's status is its article's now (checked below)
            q = q.where(or_(SearchDoc.kind == "version", SearchDoc.status == sq.status))
        if sq.reason:
            q = q.where(SearchDoc.kind == "version")
        if sq.country:
            q = q.where(SearchDoc.country == sq.country.upper())
        if sq.outlet:
            q = q.where(SearchDoc.outlet.ilike(f"%{sq.outlet}%"))
        if since:
            q = q.where(SearchDoc.at >= since)
        if until:
            q = q.where(SearchDoc.at < until)
        docs = s.scalars(q.order_by(SearchDoc.at.desc(), SearchDoc.id.desc()).limit(MAX_RESULTS * 3)).all()
        watch_ids = {d.watch_id for d in docs if d.watch_id is not None}
        watches = {w.id: w for w in s.scalars(select(Watch).where(Watch.id.in_(watch_ids)))} if watch_ids else {}
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for d in docs:
        if d.kind == "version":
            w = watches.get(d.watch_id or -1)
            if w is None or not aud.watch_ok(w):
                continue
            if (sq.status and w.status != sq.status) or (sq.reason and w.reason != sq.reason):
                continue
            key = ("watch", w.id)
            link = f"/watches/{w.id}"
            status = w.status
        else:
            key = (d.kind, d.ref_id)
            link = f"/{d.kind}s/{d.ref_id}"
            status = d.status
        if key in seen:  # one hit per article: its newest matching version
            continue
        seen.add(key)
        out.append({"kind": d.kind, "ref_id": d.ref_id, "link": link, "title": d.title, "url": d.url,
                    "status": status, "at": isoformat(d.at) if d.at else None, "snippet": _snippet(d.body, terms)})
        if len(out) >= MAX_RESULTS:
            break
    return out
