"""What the pages and the JSON API read, filtered for the caller.

Every function takes an :class:`Audience`: a signed-in viewer (or above) sees every record; anyone else
sees what :mod:`presswatch.publish.visibility` lets an anonymous reader see (no watch, event, observation or
measurement a private or redacted demand hides; demands as :func:`~presswatch.cases.demands.public_record`
publishes them) and only published, public incidents. Unknown or hidden ids are the same ``NotFound``.
"""

from __future__ import annotations

import calendar
import itertools
import json
import threading
import weakref
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import String, func, or_, select, type_coerce

from presswatch.clock import as_utc, isoformat
from presswatch.errors import NotFound
from presswatch.web.principal import Principal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from presswatch.core import Presswatch
    from presswatch.publish.visibility import PublicView
    from presswatch.record.demand_models import Incident
    from presswatch.record.models import Watch

__all__ = [
    "DASHBOARD_FRESH_SECONDS",
    "article",
    "bundle_entries",
    "change_token",
    "MAX_REMEMBERED",
    "count_rows",
    "audience",
    "Audience",
    "capture",
    "country",
    "dashboard",
    "dashboard_of",
    "demand",
    "demands",
    "diff",
    "EVENT_KINDS",
    "event_page",
    "events",
    "forget_views",
    "history",
    "incident",
    "incident_visible",
    "incidents",
    "measurement",
    "site",
    "versions",
    "watch_columns",
    "watch_dict",
    "watch_or_404",
]

#: the state changes the dashboard lists
EVENT_KINDS = ("removed", "withheld", "edited", "blocked", "unblocked", "restored")


@dataclass(frozen=True)
class Audience:
    """Who reads: a principal and, for anyone not signed in, the public view to filter through."""

    principal: Principal
    view: PublicView | None
    stamp: tuple[Any, ...] = ()  # what the cached public view and demand records were made for

    @property
    def staff(self) -> bool:
        return self.view is None

    def watch_ok(self, w: Any) -> bool:
        """Whether the reader may see ``w`` (a watch or a row with its ``id``, ``url`` and ``tags``)."""
        return self.view is None or self.view.watch_visible(w.id, w.url, w.tags)

    def event_ok(self, watch_id: int | None, url: str | None, details: dict[str, Any] | None) -> bool:
        return self.view is None or self.view.event_visible(watch_id, url, details)

    def target_ok(self, scope: str | None, target: str | None) -> bool:
        return self.view is None or self.view.target_visible(scope, target)


_cache_lock = threading.Lock()
_view_cache: dict[tuple[str, tuple[Any, ...]], Any] = {}


class _ChangeToken:
    """A cheap "did anything commit since?" reading of one database, taken before the queries it guards.

    SQLite: ``PRAGMA data_version`` on a connection of our own that never writes; its value changes
    whenever any other connection, in this process or another, commits to the file. PostgreSQL: the
    current snapshot (``pg_current_snapshot()``: the transactions in flight and the next id), which every
    writing transaction changes when it starts and again when its commit becomes visible (a WAL position
    would move before the commit is visible to readers). ``None`` where there is no such reading (an
    in-memory database, a server without it): the callers then recompute every time.
    """

    def __init__(self, url: str, is_sqlite: bool) -> None:
        self.serial = next(_serials)  # readings of two databases (or of one opened twice) never compare equal
        self._lock = threading.Lock()
        self._conn: Any = None
        self._sqlite = is_sqlite
        self._path: str | None = None
        if is_sqlite:
            from sqlalchemy.engine import make_url

            self._path = make_url(url).database or None
        self._broken = is_sqlite and (self._path is None or ":memory:" in url or "mode=memory" in url)

    def read(self, core: Presswatch) -> Any:
        if self._broken:
            return None
        try:
            if self._sqlite:
                import sqlite3

                with self._lock:
                    if self._conn is None:
                        self._conn = sqlite3.connect(self._path or "", check_same_thread=False, timeout=30)
                    return self.serial, self._conn.execute("PRAGMA data_version").fetchone()[0]
            from sqlalchemy import text

            with core.db.session() as s:
                return self.serial, str(s.execute(text("SELECT pg_current_snapshot()::text")).scalar())
        except Exception:  # noqa: BLE001 - no reading: recompute every time (correct, only slower)
            self._broken = True
            return None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


_serials = itertools.count(1)
_tokens: weakref.WeakKeyDictionary[Any, _ChangeToken] = weakref.WeakKeyDictionary()
_memo: weakref.WeakKeyDictionary[Any, dict[str, tuple[Any, Any]]] = weakref.WeakKeyDictionary()


def change_token(core: Presswatch) -> Any:
    """What :class:`_ChangeToken` reads for ``core``'s database now (``None``: unknown, assume changed)."""
    db = core.db
    with _cache_lock:
        tok = _tokens.get(db)
        if tok is None:
            tok = _tokens[db] = _ChangeToken(db.url, db.is_sqlite)
    return tok.read(core)


def _unless_changed(core: Presswatch, kind: str, make: Any) -> Any:
    """``make()``, remembered for ``core``'s database until anything commits to it (in any process)."""
    token = change_token(core)  # read first: a commit racing with make() changes it for the next caller
    if token is not None:
        with _cache_lock:
            hit = _memo.get(core.db, {}).get(kind)
        if hit is not None and hit[0] == token:
            return hit[1]
    value = make()
    if token is not None:
        with _cache_lock:
            _memo.setdefault(core.db, {})[kind] = (token, value)
    return value


MAX_REMEMBERED = 1024  # remembered totals per database before they are dropped


def count_rows(core: Presswatch, s: Session, stmt: Any, key: str) -> int:
    """How many rows ``stmt`` gives, remembered under ``key`` until anything commits (the total a list
    route reports is the same for every page of it)."""
    with _cache_lock:  # keys come from request filters: keep their number bounded
        memo = _memo.get(core.db)
        if memo is not None and len(memo) > MAX_REMEMBERED:
            for k in [k for k in memo if k.startswith("count:")]:
                del memo[k]

    def count() -> int:  # the statement is built only when the remembered total is stale
        return int(s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)

    return int(_unless_changed(core, f"count:{key}", count))


def _stamp(core: Presswatch) -> tuple[Any, ...]:
    """A fingerprint of what the public view and the demand records depend on (one query, made again
    only after something was committed to the database)."""
    return tuple(_unless_changed(core, "stamp", lambda: _full_stamp(core)))


def _full_stamp(core: Presswatch) -> tuple[Any, ...]:
    """Counts and latest changes of demands, their targets and documents, watches and test lists, and the
    tags of the watches that name demands."""
    import hashlib

    from sqlalchemy import Text, cast

    from presswatch.record.demand_models import Demand, DemandDocument, DemandTarget
    from presswatch.record.measure_models import TestListEntry
    from presswatch.record.models import Watch

    with core.db.session() as s:
        # the watches whose tags name demands (what PublicView.watch_visible reads), in full: a tag change
        # made by another process or server worker changes the fingerprint too
        tagged = s.execute(select(Watch.id, Watch.tags).where(cast(Watch.tags, Text).like("%demands%"))
                           .order_by(Watch.id)).all()
        tags_digest = hashlib.sha256(json.dumps([[i, t] for i, t in tagged], sort_keys=True,
                                                default=str).encode()).hexdigest()
        return (core.db.url, tags_digest, *s.execute(select(
            select(func.count()).select_from(Demand).scalar_subquery(),
            select(func.max(Demand.updated_at)).scalar_subquery(),
            select(func.sum(Demand.revision)).scalar_subquery(),
            select(func.count()).select_from(DemandTarget).where(DemandTarget.watch_id.is_not(None))
            .scalar_subquery(),
            select(func.count()).select_from(DemandDocument).scalar_subquery(),
            select(func.count()).select_from(Watch).scalar_subquery(),
            select(func.max(Watch.id)).scalar_subquery(),
            select(func.count()).select_from(TestListEntry).scalar_subquery(),
        )).one())


def _cached(kind: str, key: tuple[Any, ...], make: Any) -> Any:
    with _cache_lock:
        hit = _view_cache.get((kind, key))
    if hit is None:
        hit = make()
        with _cache_lock:
            for k in [k for k in _view_cache if k[0] == kind]:
                del _view_cache[k]
            _view_cache[(kind, key)] = hit
    return hit


def audience(core: Presswatch, principal: Principal) -> Audience:
    """The audience of ``principal``. The public view is cached while nothing it depends on changed
    (demands, watches, test lists: counts and latest changes)."""
    stamp = _stamp(core)
    if principal.sees_private:
        return Audience(principal, None, stamp)
    from presswatch.publish.visibility import public_view

    return Audience(principal, _cached("view", stamp, lambda: public_view(core)), stamp)


def forget_views() -> None:
    """Drop the cached public view (after a write its fingerprint might not notice, e.g. changed tags)."""
    with _cache_lock:
        _view_cache.clear()


def _iso(dt: datetime | str | None) -> str | None:
    """:func:`~presswatch.clock.isoformat`, formatting a UTC (or naive, as SQLite returns it) time directly;
    also SQLite's stored text of a UTC time (a :func:`_stored_text` column: ``YYYY-MM-DD HH:MM:SS[.ffffff]``)."""
    if not dt:
        return None
    if isinstance(dt, str):  # cut, as isoformat(timespec="seconds") truncates
        return f"{dt[:10]}T{dt[11:19]}Z"
    tz = dt.tzinfo
    if tz is None:
        return dt.isoformat(timespec="seconds") + "Z"
    if tz is UTC:
        return dt.isoformat(timespec="seconds")[:-6] + "Z"  # without "+00:00"
    return isoformat(dt)


def _stored_text(col: Any) -> Any:
    """``col`` read as the text the driver stores it as, without the column type's conversion: SQLite's
    text of a time (formatted again by :func:`_iso`) or of a JSON value (decoded by :func:`_decoded` only
    where a route shows it). PostgreSQL's driver still returns datetimes and decoded JSON."""
    return type_coerce(col, String).label(col.key)



def watch_columns() -> tuple[Any, ...]:
    """The columns :func:`watch_dict` reads: ``select(*watch_columns())`` rows are accepted like watches
    (no ORM objects made, for the list routes)."""
    from presswatch.record.models import Watch

    return (Watch.id, Watch.url, Watch.kind, Watch.host, Watch.status, Watch.reason, Watch.confirmed, Watch.tags,
            Watch.active, Watch.interval, _stored_text(Watch.created_at), _stored_text(Watch.last_checked_at),
            _stored_text(Watch.last_change_at))


def watch_dict(w: Any) -> dict[str, Any]:
    """A watch (or a row of :func:`watch_columns`) as the API shows it."""
    from sqlalchemy.engine import Row

    if isinstance(w, Row):  # unpacked by position: cheaper than an attribute each
        wid, url, kind, host, status, reason, confirmed, tags, active, interval, created, checked, changed = w
    else:
        wid, url, kind, host, status, reason, confirmed, tags = (w.id, w.url, w.kind, w.host, w.status, w.reason,
                                                                 w.confirmed, w.tags)
        active, interval, created, checked, changed = (w.active, w.interval, w.created_at, w.last_checked_at,
                                                       w.last_change_at)
    tags = tags or {}
    return {"id": wid, "url": url, "kind": kind, "host": host, "status": status, "reason": reason,
            "confirmed": confirmed, "tags": tags, "outlet": tags.get("outlet"), "country": tags.get("country"),
            "active": active, "interval": interval, "created_at": _iso(created),
            "last_checked_at": _iso(checked), "last_change_at": _iso(changed)}


def watch_or_404(core: Presswatch, aud: Audience, watch_id: int) -> Watch:
    from presswatch.record.models import Watch

    with core.db.session() as s:
        w = s.get(Watch, watch_id)
    if w is None or not aud.watch_ok(w):
        raise NotFound(f"no watch #{watch_id}")
    return w


def _event_dict(e: Any, url: str | None) -> dict[str, Any]:
    d = e.details or {}
    return {"id": e.id, "at": _iso(e.at), "kind": e.kind, "status": e.status, "reason": e.reason,
            "method": d.get("method") or (e.reason if e.kind in ("blocked", "unblocked") else None),
            "country": e.country, "watch_id": e.watch_id, "url": url or d.get("url") or d.get("target"),
            "summary": e.summary, "details": d, "observation_id": e.observation_id}


def events(core: Presswatch, aud: Audience, *, kinds: Sequence[str] = (), watch_id: int | None = None,
           country: str | None = None, reason: str | None = None, limit: int = 50, offset: int = 0,
           hosts: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Events, newest first, filtered for the audience."""
    from presswatch.record.models import Event, Watch

    q = select(Event.id, Event.at, Event.kind, Event.status, Event.reason, Event.country, Event.watch_id,
               Event.summary, Event.details, Event.observation_id, Watch.url.label("watch_url"),
               ).outerjoin(Watch, Event.watch_id == Watch.id)  # rows, not ORM objects
    if kinds:
        q = q.where(Event.kind.in_(list(kinds)))
    if watch_id is not None:
        q = q.where(Event.watch_id == watch_id)
    if country:
        q = q.where(Event.country == country.upper())
    if reason:
        q = q.where(Event.reason == reason)
    if hosts:
        q = q.where(or_(Watch.host.in_(list(hosts)), Event.watch_id.is_(None)))
    out: list[dict[str, Any]] = []
    skipped = 0
    with core.db.session() as s:
        for e in s.execute(q.order_by(Event.at.desc(), Event.id.desc())).yield_per(500):
            url = e.watch_url
            if not aud.event_ok(e.watch_id, url, e.details):
                continue
            row = _event_dict(e, url)
            if hosts and e.watch_id is None:
                target = str(row.get("url") or "")
                if (urlsplit(target).hostname or target) not in hosts:
                    continue
            if skipped < offset:
                skipped += 1
                continue
            out.append(row)
            if len(out) >= limit:
                break
    return out


def event_page(core: Presswatch, aud: Audience, *, url: str | None = None, kind: str | None = None,
               country: str | None = None, reason: str | None = None, limit: int = 100,
               offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """One page of the timeline, oldest first, and how many events match in all (the rows and filters of
    :func:`presswatch.publish.export.event_rows`, filtered for the audience).

    Paged and counted in SQL when nothing needs filtering row by row (no ``country``, a view that hides
    nothing); else the matching rows are filtered as they stream and only the page's are turned into dicts.
    """
    from presswatch.alerts.subscriptions import CASE_KINDS
    from presswatch.publish.export import watched_id
    from presswatch.record.models import Event, Watch
    from presswatch.sources.watchlist import WatchFilter

    cols = (_stored_text(Event.at), Event.kind, Watch.url, Event.status, Event.reason, Event.country, Event.summary,
            Event.details, Watch.tags)
    stmt = select(*cols).outerjoin(Watch, Event.watch_id == Watch.id)
    with core.db.session() as s:
        if url is not None:
            stmt = stmt.where(Event.watch_id == watched_id(s, url))
        if kind:
            stmt = stmt.where(Event.kind == kind)
        if reason is not None:
            stmt = stmt.where(Event.reason == reason)
        ordered = stmt.order_by(Event.at, Event.id)

        def row(r: Any) -> dict[str, Any]:
            return {"at": _iso(r[0]), "kind": r[1], "url": r[2], "status": r[3], "reason": r[4], "country": r[5],
                    "summary": r[6], "details": r[7]}

        if country is None and (aud.view is None or aud.view.hides_nothing):
            if aud.view is not None:  # the case events of private records stay out (as ``event_visible`` says)
                ordered = ordered.where(or_(Event.kind.notin_(CASE_KINDS),
                                            func.coalesce(Event.details["private"].as_boolean(), False).is_(False)))
                stmt = ordered
            total = count_rows(core, s, stmt, f"events:{url}:{kind}:{reason}:{aud.view is None}")
            paged = ordered.with_only_columns(*cols[:8]).limit(limit).offset(offset)  # no tags to decode
            return total, [row(r) for r in s.execute(paged)]
        cc = country.upper() if country is not None else None
        by_country = WatchFilter(country=country) if country is not None else None
        total, page = 0, []
        for r in s.execute(ordered).yield_per(1000):
            if cc is not None and by_country is not None and (r[5] or "").upper() != cc:
                if r[5] or not by_country.matches_tags(r[8]):
                    continue
            if not aud.event_ok(None, r[2], r[7]):
                continue
            if offset <= total < offset + limit:
                page.append(row(r))
            total += 1
    return total, page


def _decoded(value: Any) -> Any:
    """A :func:`_stored_text` JSON value decoded (a driver that decodes JSON itself already gave the object)."""
    return json.loads(value) if isinstance(value, str) else value


def history(core: Presswatch, url: str) -> list[dict[str, Any]]:
    """A watched URL's observations, oldest first, in the ``check --json`` shape of
    :func:`presswatch.publish.export.history_rows` and :func:`~presswatch.publish.rows.observation_json`
    (read as columns, not ORM objects; the ``diff`` and ``details`` JSON decoded only when they hold
    something the answer shows)."""
    from presswatch.publish.export import watched_id
    from presswatch.record.models import Capture, Observation

    o = Observation
    stmt = (select(o.url, _stored_text(o.checked_at), o.vantage, o.status, o.reason, o.confirmed, o.http_status,
                   o.final_url, o.title, o.text_digest, _stored_text(o.diff), o.error, _stored_text(o.details),
                   Capture.id, Capture.warc_file, Capture.offset, Capture.length, Capture.payload_digest,
                   Capture.record_type)
            .outerjoin(Capture, o.capture_id == Capture.id))
    with core.db.session() as s:
        wid = watched_id(s, url, missing=f"no history for {url} (not watched)")
        rows = s.execute(stmt.where(o.watch_id == wid).order_by(o.checked_at, o.id)).all()
    out = []
    no_diff = {"paragraphs_added": 0, "paragraphs_removed": 0, "words_added": 0, "words_removed": 0}
    for (ourl, checked, vantage, status, reason, confirmed, http_status, final_url, title, digest, diff_, error,
         details, cap_id, warc_file, offset, length, payload_digest, record_type) in rows:
        d = _decoded(diff_) if diff_ is not None and diff_ != "null" else None
        if isinstance(details, str):  # stored text: decoded only when it can hold a notice
            details = json.loads(details) if '"notice"' in details else None
        out.append({
            "url": ourl, "checked_at": _iso(checked), "vantage": vantage, "status": status, "reason": reason,
            "confirmed": confirmed, "http_status": http_status, "final_url": final_url, "title": title,
            "text_digest": digest,
            "capture": ({"warc_file": warc_file, "offset": offset, "length": length,
                         "payload_digest": payload_digest, "record_type": record_type}
                        if cap_id is not None else None),
            "diff": ({"paragraphs_added": int(d.get("paragraphs_added", 0)),
                      "paragraphs_removed": int(d.get("paragraphs_removed", 0)),
                      "words_added": int(d.get("words_added", 0)), "words_removed": int(d.get("words_removed", 0))}
                     if d else dict(no_diff)),
            "error": error, "notice": (details or {}).get("notice"),
        })
    return out


def _visible_watches(core: Presswatch, aud: Audience, *, host: str | None = None) -> list[Watch]:
    from presswatch.record.models import Watch

    q = select(Watch).order_by(Watch.id)
    if host:
        q = q.where(Watch.host == host)
    with core.db.session() as s:
        return [w for w in s.scalars(q) if aud.watch_ok(w)]


DASHBOARD_FRESH_SECONDS = 2.0
_dashboards: dict[tuple[int, bool], tuple[tuple[Any, ...], float, dict[str, Any]]] = {}
_building: dict[tuple[int, bool], threading.Lock] = {}


def dashboard(core: Presswatch, aud: Audience) -> dict[str, Any]:
    """:func:`dashboard_of`, shared by the requests of the same audience (signed in or not) until anything
    is committed to the database, by this process or another (:func:`change_token`). Where there is no
    such reading, while no event, observation or measurement was added, for at most
    ``DASHBOARD_FRESH_SECONDS`` (so a burst of readers costs one build)."""
    import copy
    import time

    from presswatch.record.measure_models import Measurement
    from presswatch.record.models import Event, Observation

    token = change_token(core)  # read before anything the build reads
    if token is not None:
        key: tuple[Any, ...] = (id(core), aud.staff, aud.stamp, "token", token)
    else:
        with core.db.session() as s:
            marks = tuple(s.execute(select(select(func.max(Event.id)).scalar_subquery(),
                                           select(func.max(Observation.id)).scalar_subquery(),
                                           select(func.count()).select_from(Measurement).scalar_subquery())).one())
        key = (id(core), aud.staff, aud.stamp, "marks", marks)
    now = time.monotonic()
    slot = (id(core), aud.staff)
    with _cache_lock:
        hit = _dashboards.get(slot)
    if hit is not None and hit[0] == key and (token is not None or now - hit[1] < DASHBOARD_FRESH_SECONDS):
        return copy.deepcopy(hit[2])
    with _building.setdefault(slot, threading.Lock()):  # a burst of readers waits for one build
        with _cache_lock:
            hit = _dashboards.get(slot)
        if hit is not None and hit[0] == key and (token is not None or now - hit[1] < DASHBOARD_FRESH_SECONDS):
            return copy.deepcopy(hit[2])
        built = dashboard_of(core, aud)
        with _cache_lock:
            _dashboards[slot] = (key, now, built)
    return copy.deepcopy(built)


def dashboard_of(core: Presswatch, aud: Audience) -> dict[str, Any]:
    """Latest confirmed state changes, counts by country and outlet, what needs review."""
    from presswatch.record.measure_models import Reachability

    watches = [w for w in _visible_watches(core, aud) if w.kind == "article"]
    by_outlet: dict[str, Counter[str]] = defaultdict(Counter)
    by_country: dict[str, Counter[str]] = defaultdict(Counter)
    for w in watches:
        tags = w.tags or {}
        by_outlet[str(tags.get("outlet") or w.host)][w.status or "pending"] += 1
        for cc in {*(tags.get("measure_in") or []), *([tags["country"]] if tags.get("country") else [])}:
            by_country[str(cc)]["watched"] += 1
    with core.db.session() as s:
        for r in s.scalars(select(Reachability)):
            if not aud.target_ok(r.scope, r.target):
                continue
            by_country[r.country][r.state] += 1
    review = [watch_dict(w) for w in watches
              if w.status in ("removed", "withheld", "unreachable") and not w.confirmed][:50]
    pending = [d for d in demands(core, aud) if d["response"] == "pending"][:50]
    drafts = [i for i in incidents(core, aud) if not i["published"]] if aud.staff else []
    return {
        "events": events(core, aud, kinds=EVENT_KINDS, limit=30),
        "by_country": {k: dict(v) for k, v in sorted(by_country.items())},
        "by_outlet": {k: dict(v) for k, v in sorted(by_outlet.items())},
        "review": review, "pending_demands": pending, "draft_incidents": drafts,
        "totals": {"articles": len(watches), "by_status": dict(Counter(w.status or "pending" for w in watches))},
    }


def versions(core: Presswatch, watch_id: int, *, text: bool = True) -> list[dict[str, Any]]:
    """A watch's distinct versions, oldest first, numbered from 1 (``text=False``: without their texts,
    which are then not even read)."""
    from presswatch.record.models import Version

    cols: list[Any] = [Version.id, Version.title, Version.meta, Version.first_seen_at, Version.last_seen_at,
            Version.seen_count, Version.capture_id]
    if text:
        cols += [Version.plain_text, Version.text_z]
    with core.db.session() as s:
        rows = s.execute(select(*cols).where(Version.watch_id == watch_id)
                         .order_by(Version.first_seen_at, Version.id)).all()
    out = []
    for n, v in enumerate(rows, start=1):
        d: dict[str, Any] = {"number": n, "id": v.id, "title": v.title, "meta": v.meta or {},
             "first_seen_at": _iso(v.first_seen_at), "last_seen_at": _iso(v.last_seen_at),
             "seen_count": v.seen_count, "capture_id": v.capture_id}
        if text:
            d["text"] = Version.stored_text(v.plain_text, v.text_z)
        out.append(d)
    return out


def _reachability(core: Presswatch, aud: Audience, *, watch_id: int | None = None, host: str | None = None,
                  country: str | None = None) -> list[dict[str, Any]]:
    from presswatch.probes.reachability import reachability_dict
    from presswatch.record.measure_models import Reachability

    q = select(Reachability).order_by(Reachability.country, Reachability.network, Reachability.target)
    conds = []
    if watch_id is not None:
        conds.append(Reachability.watch_id == watch_id)
    if host is not None:
        conds.append((Reachability.scope == "host") & (Reachability.target == host))
        conds.append((Reachability.scope == "url") & Reachability.target.like(f"%://{host}/%"))
    if conds:
        q = q.where(or_(*conds))
    if country is not None:
        q = q.where(Reachability.country == country.upper())
    with core.db.session() as s:
        return [reachability_dict(r) for r in s.scalars(q) if aud.target_ok(r.scope, r.target)]


def _captures(core: Presswatch, watch_id: int) -> list[dict[str, Any]]:
    from presswatch.record.models import Capture, Observation

    q = (select(Observation.id, Observation.checked_at, Observation.status, Observation.reason,
                Observation.http_status, Capture.id, Capture.record_type)
         .join(Capture, Observation.capture_id == Capture.id)
         .where(Observation.watch_id == watch_id).order_by(Observation.checked_at, Observation.id))
    with core.db.session() as s:
        return [{"observation_id": oid, "at": isoformat(at), "day": as_utc(at).date().isoformat(),
                 "status": st, "reason": rs, "http_status": hs, "capture_id": cid, "record_type": rt}
                for oid, at, st, rs, hs, cid, rt in s.execute(q)]


def _calendar(caps: list[dict[str, Any]], month: str | None) -> dict[str, Any]:
    """One month of captures as weeks of days (Wayback-style), with the months before and after that have any."""
    months = sorted({c["day"][:7] for c in caps})
    if not months:
        return {"month": None, "weeks": [], "prev": None, "next": None, "captures": []}
    current: str = month if month is not None and month in months else months[-1]
    year, mon = (int(x) for x in current.split("-"))
    counts = Counter(c["day"] for c in caps if c["day"].startswith(current))
    weeks = [[{"day": d, "date": f"{current}-{d:02d}" if d else None,
               "count": counts.get(f"{current}-{d:02d}", 0) if d else 0} for d in week]
             for week in calendar.Calendar().monthdayscalendar(year, mon)]
    i = months.index(current)
    return {"month": current, "weeks": weeks, "prev": months[i - 1] if i > 0 else None,
            "next": months[i + 1] if i + 1 < len(months) else None,
            "captures": [c for c in caps if c["day"].startswith(current)]}


def article(core: Presswatch, aud: Audience, watch_id: int, month: str | None = None) -> dict[str, Any]:
    """One watch's whole story."""
    from presswatch.record.demand_models import DemandTarget, IncidentLink

    w = watch_or_404(core, aud, watch_id)
    caps = _captures(core, watch_id)
    vs = versions(core, watch_id, text=False)
    with core.db.session() as s:
        demand_ids = sorted(set(s.scalars(select(DemandTarget.demand_id).where(DemandTarget.watch_id == watch_id))))
        inc_ids = set(s.scalars(select(IncidentLink.incident_id).where(
            or_((IncidentLink.kind == "watch") & (IncidentLink.ref == str(watch_id)),
                (IncidentLink.kind == "demand") & IncidentLink.ref.in_([str(i) for i in demand_ids])))))
    cited = [d for d in demands(core, aud) if d["id"] in demand_ids]
    return {
        "watch": watch_dict(w), "versions": vs,
        "reachability": _reachability(core, aud, watch_id=watch_id, host=w.host),
        "events": events(core, aud, watch_id=watch_id, limit=200),
        "calendar": _calendar(caps, month), "capture_count": len(caps),
        "demands": cited, "incidents": [i for i in incidents(core, aud) if i["id"] in inc_ids],
    }


def diff(core: Presswatch, aud: Audience, watch_id: int, from_id: int | None, to_id: int | None) -> dict[str, Any]:
    """Two versions compared (default: the last two), with the neighbouring pairs for previous/next."""
    from presswatch.publish.diffview import Side, version_diff

    w = watch_or_404(core, aud, watch_id)
    vs = versions(core, watch_id)
    by_id = {v["id"]: v for v in vs}
    if (from_id is not None and from_id not in by_id) or (to_id is not None and to_id not in by_id):
        raise NotFound(f"no such version of watch #{watch_id}")
    if len(vs) < 2 and (from_id is None or to_id is None):
        return {"watch": watch_dict(w), "versions": vs, "diff": None, "prev": None, "next": None}
    new = by_id[to_id] if to_id is not None else vs[-1]
    old = by_id[from_id] if from_id is not None else vs[max(0, new["number"] - 2)]
    if old["number"] > new["number"]:
        old, new = new, old

    def side(v: dict[str, Any]) -> Side:
        return Side(v["number"], v["first_seen_at"], v["title"], {"id": v["capture_id"]} if v["capture_id"] else None)

    d = version_diff(old["text"], new["text"], side(old), side(new), old_meta=old["meta"], new_meta=new["meta"])
    n_old, n_new = old["number"] - 1, new["number"] - 1  # list indices
    prev = (vs[n_old - 1]["id"], vs[n_old]["id"]) if n_old >= 1 else None
    nxt = (vs[n_new]["id"], vs[n_new + 1]["id"]) if n_new + 1 < len(vs) else None
    return {"watch": watch_dict(w), "versions": [{k: v for k, v in x.items() if k != "text"} for x in vs],
            "old": old, "new": new, "diff": d, "prev": prev, "next": nxt}


def capture(core: Presswatch, aud: Audience, capture_id: int) -> dict[str, Any]:
    from presswatch.record.models import Capture, Observation, Watch

    with core.db.session() as s:
        c = s.get(Capture, capture_id)
        if c is None:
            raise NotFound(f"no capture #{capture_id}")
        obs = s.scalars(select(Observation).where(Observation.capture_id == capture_id).limit(1)).first()
        w = s.get(Watch, obs.watch_id) if obs is not None else s.scalars(
            select(Watch).where(Watch.url == c.url)).first()
    if (w is not None and not aud.watch_ok(w)) or (aud.view is not None and aud.view.url_hidden(c.url)):
        raise NotFound(f"no capture #{capture_id}")
    neighbours: dict[str, int | None] = {"prev": None, "next": None}
    if w is not None:
        caps = _captures(core, w.id)
        ids = [x["capture_id"] for x in caps]
        if capture_id in ids:
            i = ids.index(capture_id)
            neighbours = {"prev": ids[i - 1] if i > 0 else None, "next": ids[i + 1] if i + 1 < len(ids) else None}
    return {"capture": {"id": c.id, "url": c.url, "captured_at": isoformat(c.captured_at), "warc_file": c.warc_file,
                        "offset": c.offset, "length": c.length, "record_type": c.record_type,
                        "record_id": c.record_id, "payload_digest": c.payload_digest,
                        "block_digest": c.block_digest, "http_status": c.http_status, "vantage": c.vantage},
            "observation": ({"id": obs.id, "status": obs.status, "reason": obs.reason, "title": obs.title,
                             "checked_at": isoformat(obs.checked_at)} if obs is not None else None),
            "watch": watch_dict(w) if w is not None else None, **neighbours}


def site(core: Presswatch, aud: Audience, host: str) -> dict[str, Any]:
    """An outlet: its articles, reachability per country over time, blocked-since lines."""
    from presswatch.record.measure_models import Measurement

    host = host.lower()
    watches = _visible_watches(core, aud, host=host)
    if aud.view is not None and aud.view.host_hidden(host):
        raise NotFound(f"no site {host}")
    reach = _reachability(core, aud, host=host)
    if not watches and not reach:
        raise NotFound(f"no site {host}")
    table: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # country -> month -> cell
    with core.db.session() as s:
        q = select(Measurement).where(Measurement.host == host).order_by(Measurement.measured_at)
        for m in s.scalars(q):
            if not aud.target_ok("url", m.url):
                continue
            month = as_utc(m.measured_at).strftime("%Y-%m")
            cell = table[m.country].setdefault(month, {"blocked": 0, "reachable": 0, "methods": Counter()})
            if m.blocking:
                cell["blocked"] += 1
                cell["methods"][m.blocking] += 1
            elif not m.down:
                cell["reachable"] += 1
    months = sorted({mo for cells in table.values() for mo in cells})
    grid = {cc: [(mo, cells.get(mo)) for mo in months] for cc, cells in sorted(table.items())}
    since = [r for r in reach if r["state"] == "blocked" and r["since"]]
    return {"host": host, "watches": [watch_dict(w) for w in watches], "reachability": reach,
            "months": months, "grid": grid, "blocked_since": since,
            "events": events(core, aud, hosts=[host], limit=100)}


def country(core: Presswatch, aud: Audience, cc: str) -> dict[str, Any]:
    """One country: outlets reachable or blocked there per network, confirmed blocks, active probes."""
    from presswatch.probes.server import probe_dict
    from presswatch.record.measure_models import Probe

    cc = cc.upper()
    if len(cc) != 2 or not cc.isalpha():
        raise NotFound(f"no country {cc!r}")
    reach = _reachability(core, aud, country=cc)
    with core.db.session() as s:
        active = select(Probe).where(Probe.country == cc, Probe.revoked_at.is_(None))
        probes = [probe_dict(p) for p in s.scalars(active)]
    watched = [watch_dict(w) for w in _visible_watches(core, aud)
               if cc in {*((w.tags or {}).get("measure_in") or []), (w.tags or {}).get("country")}]
    blocks = [r for r in reach if r["state"] == "blocked"]
    return {"country": cc, "reachability": reach, "blocks": blocks, "probes": probes if aud.staff else [],
            "probe_count": len(probes), "watches": watched,
            "events": events(core, aud, kinds=("blocked", "unblocked"), country=cc, limit=100)}


def measurement(core: Presswatch, aud: Audience, measurement_id: str) -> dict[str, Any]:
    from presswatch.probes.reachability import measurement_dict
    from presswatch.record.measure_models import Measurement

    with core.db.session() as s:
        m = s.get(Measurement, measurement_id)
    if m is None or not aud.target_ok("url", m.url):
        raise NotFound(f"no measurement {measurement_id}")
    out = measurement_dict(m, with_envelope=True)
    keys = (m.envelope or {}).get("test_keys") or {}
    out["test_keys"] = keys if isinstance(keys, dict) else {}
    out["host"] = m.host
    return out


def demands(core: Presswatch, aud: Audience) -> list[dict[str, Any]]:
    """Demands, newest first: full records for signed-in users, else as published."""
    import copy

    from presswatch.cases.demands import list_demands, public_record

    rows = copy.deepcopy(_cached("demands", aud.stamp or _stamp(core), lambda: list_demands(core)))
    if aud.view is not None:
        rows = [p for r in rows if (p := public_record(r)) is not None]
    return list(reversed(rows))


def demand(core: Presswatch, aud: Audience, demand_id: int) -> dict[str, Any]:
    from presswatch.cases.demands import get_demand, public_record

    record = get_demand(core, demand_id, history=aud.staff)
    if aud.view is not None:
        published = public_record(record)
        if published is None:
            raise NotFound(f"no demand #{demand_id}")
        return published
    return record


def _page(core: Presswatch, incident_id: int) -> Any:
    from presswatch.record.web_models import IncidentPage

    with core.db.session() as s:
        return s.get(IncidentPage, incident_id)


def incident_visible(aud: Audience, inc: Incident, page: Any) -> bool:
    """Signed-in users see every incident; others only public ones whose page is published (an incident
    without a page, made on the command line, counts as published)."""
    if aud.staff:
        return True
    return inc.visibility == "public" and (page is None or bool(page.published))


def incidents(core: Presswatch, aud: Audience) -> list[dict[str, Any]]:
    from presswatch.record.demand_models import Incident
    from presswatch.record.web_models import IncidentPage

    with core.db.session() as s:
        pages = {p.incident_id: p for p in s.scalars(select(IncidentPage))}
        out = []
        for inc in s.scalars(select(Incident).order_by(Incident.id.desc())):
            page = pages.get(inc.id)
            if not incident_visible(aud, inc, page):
                continue
            out.append({"id": inc.id, "title": inc.title, "description": inc.description, "kind": inc.kind,
                        "visibility": inc.visibility, "published": page is None or page.published,
                        "updated_at": isoformat(inc.updated_at)})
    return out


def incident(core: Presswatch, aud: Audience, incident_id: int) -> dict[str, Any]:
    """An incident with its page, joined timeline and inferred outcome (hidden members left out)."""
    from presswatch.cases.incidents import show_incident, timeline
    from presswatch.record.demand_models import Incident

    with core.db.session() as s:
        inc = s.get(Incident, incident_id)
    page = _page(core, incident_id)
    if inc is None or not incident_visible(aud, inc, page):
        raise NotFound(f"no incident #{incident_id}")
    rec = show_incident(core, incident_id)
    entries = [e.as_dict() for e in timeline(core, incident_id)]
    if aud.view is not None:
        view = aud.view
        shown = {d["id"]: d for d in demands(core, aud)}
        rec["demands"] = [{**d, "title": shown[d["id"]]["title"], "sender": shown[d["id"]]["sender"]["name"]}
                          for d in rec["demands"] if d["id"] in shown]
        rec["watches"] = [w for w in rec["watches"] if w["id"] not in view.watch_ids]
        rec["hosts"] = [h for h in rec["hosts"] if not view.host_hidden(h)]
        rec["links"] = [ln for ln in rec["links"] if not (
            (ln["kind"] == "demand" and int(ln["ref"]) not in shown)
            or (ln["kind"] == "watch" and int(ln["ref"]) in view.watch_ids)
            or (ln["kind"] == "host" and view.host_hidden(ln["ref"])))]
        kept = []
        for e in entries:
            ref = e.get("ref") or ""
            if ref.startswith("demand:"):
                did = int(ref.split(":")[1])
                if did not in shown:
                    continue
                if e["kind"] == "demand":
                    e = {**e, "summary": f"demand #{did}: {shown[did]['title']}",
                         "details": {"title": shown[did]["title"]}}
            det = e.get("details") or {}
            if det.get("watch_id") is not None and det["watch_id"] in view.watch_ids:
                continue
            if view.url_hidden(det.get("url")) or not view.target_visible("url", det.get("url")):
                continue
            kept.append(e)
        entries = kept
        statements = rec["outcome"]["inferred"]["statements"]
        hidden_demands = {d.id for d in _demand_rows(core, incident_id)} - set(shown)
        rec["outcome"]["inferred"]["statements"] = [
            st for st in statements if not any(f"demand #{i}" in st for i in hidden_demands)
            and not any(u in st for u in view.urls)]
    rec["timeline"] = entries
    rec["page"] = ({"body": page.body, "starts_at": _iso(page.starts_at), "ends_at": _iso(page.ends_at),
                    "outlets": page.outlets or [], "published": page.published} if page is not None else
                   {"body": "", "starts_at": None, "ends_at": None, "outlets": [], "published": True})
    return rec


def bundle_entries(core: Presswatch, aud: Audience, incident_id: int) -> list[int]:
    """The log entries of an incident's bundle for this audience: everything it cites for signed-in users,
    the public entries (:func:`~presswatch.publish.visibility.public_incident_entries`) for others."""
    from presswatch.cases.incidents import incident_entry_indices
    from presswatch.publish.visibility import public_incident_entries

    if aud.view is None:
        return incident_entry_indices(core, incident_id)
    return public_incident_entries(core, incident_id, aud.view)


def _demand_rows(core: Presswatch, incident_id: int) -> list[Any]:
    from presswatch.cases.incidents import members

    with core.db.session() as s:
        return members(s, incident_id).demands
