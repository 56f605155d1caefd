"""The JSON API, version 1 (OpenAPI at /docs): watches (create, list, read, update, delete), observations,
captures (metadata and the stored WARC record), versions and diffs, events, demands, incidents,
measurements, probes, per-country status and search — with ``limit``/``offset`` pagination and filters.

Authorization is the pages': anyone may read what :mod:`presswatch.web.queries` shows them (anonymous
callers only public records, and only while ``Settings.public_read`` is on); writing needs the editor role,
listing probes the admin role. A write made with the session cookie must send the session's CSRF token as
``X-CSRF-Token``; API tokens (``Authorization: Bearer``) need none.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from presswatch.errors import BlockedTarget, InvalidURL, NotFound, PresswatchError
from presswatch.web import queries as q
from presswatch.web.auth import CSRF_HEADER
from presswatch.web.principal import Principal, Role, current_principal, require_role

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "api_router",
    "EVENTS_PAGE",
    "Id",
    "Limit",
    "MAX_LIMIT",
    "Offset",
    "SubscriptionIn",
    "WatchIn",
    "WatchPatch",
    "writer",
]

MAX_LIMIT = 500
EVENTS_PAGE = 100  #: events per page of /api/v1/events unless ``limit`` says otherwise
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class WatchIn(BaseModel):
    url: str = Field(min_length=1, max_length=2048)
    kind: str = Field(default="article", pattern="^(article|feed|sitemap|site)$")
    tags: dict[str, Any] = Field(default_factory=dict)
    interval: int | None = Field(default=None, ge=60, le=365 * 86400)


class WatchPatch(BaseModel):
    tags: dict[str, Any] | None = None
    interval: int | None = Field(default=None, ge=60, le=365 * 86400)
    active: bool | None = None


class SubscriptionIn(BaseModel):
    """An alert subscription: exactly one channel (``webhook`` with ``secret``, or ``apprise``) and filters."""

    webhook: str | None = Field(default=None, max_length=2048)
    secret: str | None = Field(default=None, max_length=200, description="Standard Webhooks secret: whsec_ + base64.")
    apprise: str | None = Field(default=None, max_length=2048)
    events: list[str] = Field(default_factory=list, max_length=16)
    countries: list[str] = Field(default_factory=list, max_length=250)
    tags: dict[str, str] = Field(default_factory=dict)
    watch: str | None = Field(default=None, max_length=2048, description="A watch id or a watched URL.")
    site: str | None = Field(default=None, max_length=255)
    incident: int | None = Field(default=None, ge=1, le=2**31 - 1)
    min_words: int = Field(default=0, ge=0, le=1_000_000)
    headline: bool = False
    digest: str | None = Field(default=None, pattern="^(hourly|daily)$")
    debounce: int = Field(default=0, ge=0, le=30 * 86400)
    title: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=20_000)


def writer(role: Role) -> Any:
    """Dependency: ``role`` or above, and the CSRF header when the caller came with the session cookie."""
    need = require_role(role)

    def dependency(request: Request) -> Principal:
        p = need(request)
        if p.via == "session":
            expected = getattr(request.state, "session_csrf", None) or ""
            got = request.headers.get(CSRF_HEADER, "")
            if not expected or not hmac.compare_digest(expected, got):
                raise HTTPException(403, "missing or wrong X-CSRF-Token header")
        return p

    return Depends(dependency)


def _page(rows: list[Any], limit: int, offset: int) -> dict[str, Any]:
    return {"ok": True, "total": len(rows), "limit": limit, "offset": offset, "rows": rows[offset : offset + limit]}


def api_router(core: Presswatch) -> APIRouter:
    r = APIRouter(prefix="/api/v1")
    editor, admin = writer("editor"), writer("admin")

    def aud(request: Request) -> q.Audience:
        return q.audience(core, current_principal(request))

    def not_found(exc: PresswatchError) -> HTTPException:
        return HTTPException(404, str(exc))

    @r.get("/me", tags=["accounts"])
    def me(request: Request) -> dict[str, Any]:
        """Who the server takes the caller for (and, for a signed-in browser, the CSRF token its writes need)."""
        p = current_principal(request)
        token = getattr(request.state, "session_csrf", None) if p.via == "session" else None
        return {"ok": True, "role": p.role, "name": p.name or None, "via": p.via, "csrf_token": token}

    @r.get("/schemas/demand.json", tags=["demands"])
    def demand_schema() -> dict[str, Any]:
        """The JSON Schema of demand files (``presswatch demand schema`` prints the same)."""
        from presswatch.cases.demands import demand_json_schema

        return demand_json_schema()

    # -- watches --------------------------------------------------------------------------------
    @r.get("/watches", tags=["watches"])
    def watches(request: Request, limit: Limit = 100, offset: Offset = 0,
                status: Annotated[str | None, Query(max_length=16)] = None,
                reason: Annotated[str | None, Query(max_length=32)] = None,
                kind: Annotated[str | None, Query(max_length=16)] = None,
                host: Annotated[str | None, Query(max_length=255)] = None,
                country: Annotated[str | None, Query(max_length=2)] = None,
                outlet: Annotated[str | None, Query(max_length=255)] = None) -> dict[str, Any]:
        """Watched URLs with their current state."""
        from presswatch.record.models import Watch

        a = aud(request)
        stmt = select(*q.watch_columns()).order_by(Watch.id)  # rows, not ORM objects
        for col, val in ((Watch.status, status), (Watch.reason, reason), (Watch.kind, kind), (Watch.host, host)):
            if val:
                stmt = stmt.where(col == val)
        with core.db.session() as s:
            if (a.view is None or a.view.hides_nothing) and not country and not outlet:  # page in SQL
                total = q.count_rows(core, s, stmt, f"watches:{status}:{reason}:{kind}:{host}")
                page = [q.watch_dict(w) for w in s.execute(stmt.limit(limit).offset(offset))]
                return {"ok": True, "total": total, "limit": limit, "offset": offset, "rows": page}
            rows = [q.watch_dict(w) for w in s.execute(stmt) if a.watch_ok(w)]
        if country:
            rows = [w for w in rows if country.upper() in {w["country"], *(w["tags"].get("measure_in") or [])}]
        if outlet:
            rows = [w for w in rows if (w["outlet"] or "") == outlet]
        return _page(rows, limit, offset)

    @r.post("/watches", tags=["watches"], status_code=201)
    async def create_watch(body: WatchIn, me: Principal = editor) -> dict[str, Any]:
        """Watch a URL. Private, loopback and link-local targets are refused (422) unless the server allows them."""
        try:
            await core.vet([body.url])
            wid = core.watch(body.url, kind=body.kind, tags=body.tags, interval=body.interval)
        except (BlockedTarget, InvalidURL) as exc:
            raise HTTPException(422, f"refused: {exc}") from exc
        except (PresswatchError, ValueError) as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"ok": True, "id": wid, "watch": q.watch_dict(q.watch_or_404(core, q.audience(core, me), wid))}

    @r.get("/watches/{watch_id}", tags=["watches"])
    def get_watch(request: Request, watch_id: Id) -> dict[str, Any]:
        try:
            return {"ok": True, "watch": q.watch_dict(q.watch_or_404(core, aud(request), watch_id))}
        except NotFound as exc:
            raise not_found(exc) from exc

    @r.patch("/watches/{watch_id}", tags=["watches"])
    def update_watch(watch_id: Id, body: WatchPatch, me: Principal = editor) -> dict[str, Any]:
        """Change a watch's tags (replaced), interval or active flag."""
        from presswatch.record.models import Watch

        def write(s: Any) -> None:
            w = s.get(Watch, watch_id)
            if w is None:
                raise NotFound(f"no watch #{watch_id}")
            if body.tags is not None:
                w.tags = body.tags
            if "interval" in body.model_fields_set:
                w.interval = body.interval
            if body.active is not None:
                w.active = body.active

        try:
            core.db.write(write)
        except NotFound as exc:
            raise not_found(exc) from exc
        q.forget_views()
        return {"ok": True, "watch": q.watch_dict(q.watch_or_404(core, q.audience(core, me), watch_id))}

    @r.delete("/watches/{watch_id}", tags=["watches"])
    def delete_watch(watch_id: Id, me: Principal = editor) -> dict[str, Any]:
        """Stop checking a watch (its history is kept)."""
        try:
            w = q.watch_or_404(core, q.audience(core, me), watch_id)
            core.unwatch(w.url)
        except NotFound as exc:
            raise not_found(exc) from exc
        return {"ok": True, "id": watch_id, "active": False}

    @r.get("/watches/{watch_id}/observations", tags=["observations"])
    def observations(request: Request, watch_id: Id, limit: Limit = 100, offset: Offset = 0,
                     status: Annotated[str | None, Query(max_length=16)] = None) -> dict[str, Any]:
        """Checks of one watch, oldest first."""
        from presswatch.publish.rows import observation_json
        from presswatch.record.models import Capture, Observation

        try:
            q.watch_or_404(core, aud(request), watch_id)
        except NotFound as exc:
            raise not_found(exc) from exc
        base = select(Observation).where(Observation.watch_id == watch_id)
        if status:
            base = base.where(Observation.status == status)
        with core.db.session() as s:
            total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
            stmt = (select(Observation, Capture).outerjoin(Capture, Observation.capture_id == Capture.id)
                    .where(Observation.watch_id == watch_id))
            if status:
                stmt = stmt.where(Observation.status == status)
            rows = [{"id": o.id, "capture_id": o.capture_id, "version_id": o.version_id, **observation_json(o, c)}
                    for o, c in s.execute(stmt.order_by(Observation.checked_at, Observation.id)
                                          .limit(limit).offset(offset))]
        return {"ok": True, "total": total, "limit": limit, "offset": offset, "rows": rows}

    @r.get("/watches/{watch_id}/versions", tags=["versions"])
    def versions(request: Request, watch_id: Id, limit: Limit = 100, offset: Offset = 0,
                 text: bool = False) -> dict[str, Any]:
        """Distinct versions of an article, oldest first (``text=true`` includes the extracted text)."""
        try:
            q.watch_or_404(core, aud(request), watch_id)
        except NotFound as exc:
            raise not_found(exc) from exc
        rows = q.versions(core, watch_id, text=text)
        return _page(rows, limit, offset)

    @r.get("/watches/{watch_id}/diff", tags=["versions"])
    def diff(request: Request, watch_id: Id, from_: Annotated[int | None, Query(alias="from", ge=1)] = None,
             to: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
        """What changed between two versions (ids; default the last two): paragraphs, words, headline, metadata."""
        try:
            x = q.diff(core, aud(request), watch_id, from_, to)
        except NotFound as exc:
            raise not_found(exc) from exc
        d = x["diff"]
        return {"ok": True, "watch_id": watch_id, "from": x["old"]["id"] if d else None,
                "to": x["new"]["id"] if d else None, "diff": d.as_dict() if d else None}

    @r.get("/watches/{watch_id}/events", tags=["events"])
    def watch_events(request: Request, watch_id: Id, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        try:
            q.watch_or_404(core, aud(request), watch_id)
        except NotFound as exc:
            raise not_found(exc) from exc
        rows = q.events(core, aud(request), watch_id=watch_id, limit=limit, offset=offset)
        return {"ok": True, "limit": limit, "offset": offset, "rows": rows}

    # -- captures -------------------------------------------------------------------------------
    @r.get("/captures/{capture_id}", tags=["captures"])
    def capture(request: Request, capture_id: Id) -> dict[str, Any]:
        try:
            return {"ok": True, **q.capture(core, aud(request), capture_id)}
        except NotFound as exc:
            raise not_found(exc) from exc

    @r.get("/captures/{capture_id}/record", tags=["captures"],
           responses={200: {"content": {"application/warc": {}}, "description": "The stored WARC record."}})
    def capture_record(request: Request, capture_id: Id) -> Response:
        """The WARC record exactly as stored (its digests in ``X-Payload-Digest`` / ``X-Block-Digest``)."""
        from presswatch.archive.records import RecordReader

        try:
            c = q.capture(core, aud(request), capture_id)["capture"]
        except NotFound as exc:
            raise not_found(exc) from exc
        with RecordReader(core.data_dir) as reader:
            try:
                raw = reader.raw(c["warc_file"], c["offset"], c["length"])
            except PresswatchError as exc:
                raise HTTPException(409, str(exc)) from exc
        return Response(raw, media_type="application/warc",
                        headers={"X-Payload-Digest": c["payload_digest"], "X-Block-Digest": c["block_digest"] or "",
                                 "Content-Disposition": f'attachment; filename="capture-{capture_id}.warc.gz"'})

    # -- history and events (the first API's routes, kept) --------------------------------------
    @r.get("/history", tags=["observations"])
    def history(request: Request, url: Annotated[str, Query(max_length=2048)]) -> dict[str, Any]:
        """Recorded observations of a URL, oldest first (the ``check --json`` shape)."""
        a = aud(request)
        if a.view is not None and a.view.url_hidden(url):
            raise HTTPException(404, f"not watched: {url[:200]}")
        try:
            return {"ok": True, "rows": q.history(core, url)}
        except PresswatchError as exc:
            raise HTTPException(404, str(exc)) from exc

    @r.get("/events", tags=["events"])
    def events(request: Request, url: Annotated[str | None, Query(max_length=2048)] = None,
               kind: Annotated[str | None, Query(max_length=32)] = None,
               country: Annotated[str | None, Query(max_length=2)] = None,
               reason: Annotated[str | None, Query(max_length=32)] = None,
               limit: Limit = EVENTS_PAGE, offset: Offset = 0) -> dict[str, Any]:
        """Timeline events, oldest first, ``limit`` a page (default 100; ``offset`` pages on; ``total``
        counts them all)."""
        a = aud(request)
        if url is not None and a.view is not None and a.view.url_hidden(url):
            raise HTTPException(404, f"not watched: {url[:200]}")
        try:
            total, page = q.event_page(core, a, url=url, kind=kind, country=country, reason=reason,
                                       limit=limit, offset=offset)
        except PresswatchError as exc:
            raise HTTPException(404, str(exc)) from exc
        return {"ok": True, "total": total, "limit": limit, "offset": offset, "rows": page}

    # -- demands and incidents ------------------------------------------------------------------
    @r.get("/demands", tags=["demands"])
    def demands(request: Request, limit: Limit = 100, offset: Offset = 0,
                response: Annotated[str | None, Query(max_length=32)] = None,
                country: Annotated[str | None, Query(max_length=2)] = None) -> dict[str, Any]:
        """Demands, newest first (as published, for anonymous callers)."""
        rows = q.demands(core, aud(request))
        if response:
            rows = [d for d in rows if d["response"] == response]
        if country:
            rows = [d for d in rows if (d["sender"].get("country") or "") == country.upper()]
        return _page(rows, limit, offset)

    @r.post("/demands", tags=["demands"], status_code=201)
    def create_demand(data: Annotated[dict[str, Any], Body(description="A demand (see /api/v1/schemas/demand.json).")],
                      me: Principal = editor) -> dict[str, Any]:
        try:
            did = core.add_demand(data, by=me.name)
        except (PresswatchError, ValueError) as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"ok": True, "id": did}

    @r.get("/demands/{demand_id}", tags=["demands"])
    def demand(request: Request, demand_id: Id) -> dict[str, Any]:
        try:
            return {"ok": True, "demand": q.demand(core, aud(request), demand_id)}
        except NotFound as exc:
            raise not_found(exc) from exc

    @r.get("/incidents", tags=["incidents"])
    def incidents(request: Request, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        return _page(q.incidents(core, aud(request)), limit, offset)

    @r.get("/incidents/{incident_id}", tags=["incidents"])
    def incident(request: Request, incident_id: Id) -> dict[str, Any]:
        """An incident with its members, joined timeline and inferred outcome."""
        try:
            return {"ok": True, "incident": q.incident(core, aud(request), incident_id)}
        except NotFound as exc:
            raise not_found(exc) from exc

    # -- measurements, probes, countries, search ------------------------------------------------
    @r.get("/measurements/{measurement_id}", tags=["measurements"])
    def measurement(request: Request, measurement_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
        try:
            m = q.measurement(core, aud(request), measurement_id)
        except NotFound as exc:
            raise not_found(exc) from exc
        m.pop("test_keys", None)
        return {"ok": True, "measurement": m}

    @r.get("/probes", tags=["probes"])
    def probes(me: Principal = admin, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        """Enrolled probes (admin)."""
        from presswatch.probes.server import list_probes

        return _page(list_probes(core), limit, offset)

    @r.get("/countries/{cc}", tags=["status"])
    def country(request: Request, cc: Annotated[str, Path(min_length=2, max_length=2)]) -> dict[str, Any]:
        """One country: reachability per target and network, confirmed blocks, blocking events."""
        try:
            c = q.country(core, aud(request), cc)
        except NotFound as exc:
            raise not_found(exc) from exc
        return {"ok": True, **c}

    @r.get("/search", tags=["search"])
    def search(request: Request, q_: Annotated[str, Query(alias="q", min_length=1, max_length=200)],
               kind: Annotated[str | None, Query(pattern="^(version|demand|incident)$")] = None,
               status: Annotated[str | None, Query(max_length=16)] = None,
               reason: Annotated[str | None, Query(max_length=32)] = None,
               country: Annotated[str | None, Query(max_length=2)] = None,
               outlet: Annotated[str | None, Query(max_length=255)] = None,
               since: Annotated[str | None, Query(max_length=32)] = None,
               until: Annotated[str | None, Query(max_length=32)] = None) -> dict[str, Any]:
        """Full-text search over versions, demands and incidents (every word must match; prefixes count)."""
        from presswatch.web.search import SearchQuery
        from presswatch.web.search import search as run

        try:
            rows = run(core, aud(request), SearchQuery(q_, kind, status, reason, country, outlet, since, until))
        except PresswatchError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"ok": True, "rows": rows}

    # -- alert subscriptions ----------------------------------------------------------------------
    @r.get("/alerts/subscriptions", tags=["alerts"])
    def subscriptions(me: Principal = editor) -> dict[str, Any]:
        """Alert subscriptions (secrets and channel credentials masked)."""
        from presswatch.alerts.manage import list_subscriptions

        return {"ok": True, "rows": list_subscriptions(core)}

    @r.post("/alerts/subscriptions", tags=["alerts"], status_code=201)
    def subscribe(body: SubscriptionIn, me: Principal = editor) -> dict[str, Any]:
        """Subscribe a webhook or an apprise channel; every problem (a refused target, a bad secret, URL or
        template) is a 422 now, not a failure at delivery time."""
        filters: dict[str, Any] = {"events": body.events, "countries": body.countries, "tags": body.tags,
                                   "site": body.site, "incident": body.incident, "min_words": body.min_words,
                                   "headline": body.headline}
        if body.watch:
            filters["watch"] = body.watch
        try:
            sid = core.subscribe(webhook=body.webhook, apprise=body.apprise, secret=body.secret, filters=filters,
                                 digest=body.digest, debounce=body.debounce, title=body.title, body=body.body,
                                 owner=me.name or None)
        except NotFound as exc:
            raise HTTPException(422, str(exc)) from exc
        except (BlockedTarget, InvalidURL) as exc:
            raise HTTPException(422, f"refused: {exc}") from exc
        except (PresswatchError, ValueError) as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"ok": True, "id": sid}

    @r.delete("/alerts/subscriptions/{sub_id}", tags=["alerts"])
    def unsubscribe(sub_id: Id, me: Principal = editor) -> dict[str, Any]:
        """Remove a subscription (its delivery log stays)."""
        from presswatch.alerts.manage import remove_subscription

        try:
            remove_subscription(core, sub_id)
        except PresswatchError as exc:
            raise not_found(exc) from exc
        return {"ok": True}

    @r.get("/alerts/log", tags=["alerts"])
    def alert_log(me: Principal = editor, subscription: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                  limit: Limit = 100) -> dict[str, Any]:
        """Deliveries and their attempts, newest first."""
        from presswatch.alerts.manage import delivery_log

        return {"ok": True, "rows": delivery_log(core, subscription=subscription, limit=limit)}

    return r
