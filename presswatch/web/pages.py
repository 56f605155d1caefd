"""The server-rendered pages (Jinja2), one router: reading needs no JavaScript, every form carries a CSRF
token, every write needs the editor role (adding users and tokens stays on the command line).

URLs: ``/`` dashboard, ``/watches/{id}`` article, ``/watches/{id}/diff?from=&to=`` (version ids),
``/captures/{id}``, ``/sites/{host}``, ``/countries/{cc}``, ``/measurements/{id}``, ``/demands``,
``/demands/new``, ``/demands/{id}``, ``/incidents``, ``/incidents/new``, ``/incidents/{id}``,
``/incidents/{id}/edit``, ``/incidents/{id}/bundle``, ``/search``, ``/login``, ``/logout``, ``/lang``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile

from presswatch.errors import NotFound, PresswatchError
from presswatch.web import queries as q
from presswatch.web.auth import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    LoginRefused,
    RateLimited,
    csrf_form,
    csrf_token,
    end_session,
    sign_in,
)
from presswatch.web.i18n import LANG_COOKIE, LANGUAGES, pick_language, translations
from presswatch.web.principal import Principal, current_principal, require_role

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "environment",
    "Id",
    "language",
    "page_router",
    "render",
    "render_error",
    "TEMPLATES",
]

TEMPLATES = Path(__file__).parent / "templates"
Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


def _dt(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return str(value.strftime(fmt))


@cache
def environment(lang: str) -> Environment:
    """The template environment of one interface language."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["dt"] = _dt
    env.filters["day"] = lambda v: _dt(v, "%Y-%m-%d")
    env.filters["pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return env


def language(request: Request) -> str:
    cookies = getattr(request.state, "cookies", None) or {}
    return pick_language(cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _headers(request: Request) -> dict[str, str]:
    core: Presswatch = request.app.state.core
    replay = core.settings.replay_origin.rstrip("/")
    return {
        "Content-Security-Policy": f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"frame-src {replay}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


def render(request: Request, template: str, context: Mapping[str, Any], status: int = 200) -> HTMLResponse:
    """Render a page in the visitor's language, with the CSRF token its forms need."""
    core: Presswatch = request.app.state.core
    lang = language(request)
    me = current_principal(request)
    html = environment(lang).get_template(template).render(
        request=request, me=me, csrf=csrf_token(request), csrf_field=CSRF_FIELD, lang=lang, languages=LANGUAGES,
        replay_origin=core.settings.replay_origin.rstrip("/"), public_read=core.settings.public_read, **context)
    resp = HTMLResponse(html, status_code=status, headers=_headers(request))
    new = getattr(request.state, "new_csrf", None)
    if new:
        resp.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", secure=_secure(request), path="/")
    return resp


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status=status)


def _safe_next(value: object) -> str:
    nxt = str(value or "/")
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/"


def _ids(text: str, what: str) -> list[int]:
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip().lstrip("#")
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"{what}: {part!r} is not a number")
        out.append(int(part))
    return out


def _list(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


def _str(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""



def page_router(core: Presswatch) -> APIRouter:
    """Every page of the web application."""
    from presswatch.record.demand_models import (
        ACTIONS,
        CHANNELS,
        DEMAND_TYPES,
        RECIPIENT_KINDS,
        RESPONSES,
        SENDER_KINDS,
        VISIBILITIES,
    )

    r = APIRouter(include_in_schema=False)
    editor, viewer = Depends(require_role("editor")), Depends(require_role("viewer"))
    choices = {"demand_types": DEMAND_TYPES, "sender_kinds": SENDER_KINDS, "recipient_kinds": RECIPIENT_KINDS,
               "channels": CHANNELS, "actions": ACTIONS, "responses": RESPONSES, "visibilities": VISIBILITIES}

    def aud(request: Request) -> q.Audience:
        return q.audience(core, current_principal(request))

    # -- signing in ---------------------------------------------------------------------------------
    @r.get("/login")
    def login_form(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002 - the query parameter
        return render(request, "login.html", {"next": _safe_next(next), "error": None, "name": ""})

    @r.post("/login")
    async def login(request: Request) -> Response:
        form = await csrf_form(request)
        name, password, nxt = _str(form, "name"), str(form.get("password") or ""), _safe_next(form.get("next"))
        address = request.client.host if request.client else "?"
        try:
            signed = sign_in(core, name, password, address)
        except RateLimited as exc:
            return render(request, "login.html", {"next": nxt, "error": str(exc), "name": name}, status=429)
        except LoginRefused as exc:
            return render(request, "login.html", {"next": nxt, "error": str(exc), "name": name}, status=401)
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(SESSION_COOKIE, signed.token, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=int(core.settings.session_hours * 3600), path="/")
        return resp

    @r.get("/logout")
    def logout_form(request: Request) -> HTMLResponse:
        return render(request, "logout.html", {})

    @r.post("/logout")
    async def logout(request: Request) -> Response:
        await csrf_form(request)
        token = (getattr(request.state, "cookies", None) or {}).get(SESSION_COOKIE)
        if token:
            end_session(core, token)
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    @r.get("/lang")
    def set_language(request: Request, set: str = "en", next: str = "/") -> Response:  # noqa: A002
        resp = RedirectResponse(_safe_next(next), status_code=303)
        if set in LANGUAGES:
            resp.set_cookie(LANG_COOKIE, set, samesite="lax", secure=_secure(request), max_age=365 * 86400, path="/")
        return resp

    # -- reading ------------------------------------------------------------------------------------
    @r.get("/")
    def dashboard(request: Request) -> HTMLResponse:
        return render(request, "dashboard.html", {"d": q.dashboard(core, aud(request))})

    @r.get("/watches/{watch_id}")
    def article(request: Request, watch_id: Id, month: str | None = None) -> HTMLResponse:
        return render(request, "article.html", {"a": q.article(core, aud(request), watch_id, month)})

    @r.get("/watches/{watch_id}/diff")
    def diff(request: Request, watch_id: Id) -> HTMLResponse:
        def num(name: str) -> int | None:
            v = request.query_params.get(name)
            if v is None or v == "":
                return None
            if not v.isdigit():
                raise HTTPException(422, f"{name}: not a version id: {v!r}")
            return int(v)

        return render(request, "diff.html", {"x": q.diff(core, aud(request), watch_id, num("from"), num("to"))})

    @r.get("/captures/{capture_id}")
    def capture(request: Request, capture_id: Id) -> HTMLResponse:
        from presswatch.web.replay import replay_url

        reader = aud(request)
        c = q.capture(core, reader, capture_id)
        base = f"{core.settings.replay_origin.rstrip('/')}/c/{capture_id}"
        # signed-in readers get signed links, which also replay captures hidden from the public
        links = ({v or "page": replay_url(core, capture_id, v) for v in ("", "evidence", "raw")} if reader.staff
                 else {"page": base, "evidence": f"{base}/evidence", "raw": f"{base}/raw"})
        return render(request, "capture.html", {"c": c, "replay": links})

    @r.get("/sites/{host}")
    def site(request: Request, host: str) -> HTMLResponse:
        return render(request, "site.html", {"s": q.site(core, aud(request), host)})

    @r.get("/countries/{cc}")
    def country(request: Request, cc: str) -> HTMLResponse:
        import pycountry

        data = q.country(core, aud(request), cc)
        found = pycountry.countries.get(alpha_2=data["country"])
        return render(request, "country.html", {"c": data, "country_name": found.name if found else data["country"]})

    @r.get("/measurements/{measurement_id}")
    def measurement(request: Request, measurement_id: str) -> HTMLResponse:
        return render(request, "measurement.html", {"m": q.measurement(core, aud(request), measurement_id)})

    @r.get("/search")
    def search(request: Request) -> HTMLResponse:
        from presswatch.web.search import SearchQuery, search

        p = request.query_params
        sq = SearchQuery(text=p.get("q", "")[:200], kind=p.get("kind") or None, status=p.get("status") or None,
                         reason=p.get("reason") or None, country=(p.get("country") or "").upper()[:2] or None,
                         outlet=p.get("outlet") or None, since=p.get("since") or None, until=p.get("until") or None)
        try:
            results = search(core, aud(request), sq) if sq.text.strip() else []
            error = None
        except PresswatchError as exc:
            results, error = [], str(exc)
        return render(request, "search.html", {"sq": sq, "results": results, "error": error},
                      status=422 if error else 200)

    # -- watches ------------------------------------------------------------------------------------
    @r.post("/watches")
    async def add_watch(request: Request, me: Principal = editor) -> Response:
        form = await csrf_form(request)
        url, kind = _str(form, "url"), _str(form, "kind") or "article"
        tags: dict[str, Any] = {}
        if cc := _str(form, "country").upper():
            tags["country"] = cc
        if outlet := _str(form, "outlet"):
            tags["outlet"] = outlet
        try:
            if kind not in ("article", "feed", "sitemap", "site"):
                raise ValueError(f"unknown kind {kind!r}")
            await core.vet([url])
            wid = core.watch(url, kind=kind, tags=tags)
        except (PresswatchError, ValueError) as exc:
            return render(request, "dashboard.html", {"d": q.dashboard(core, aud(request)),
                                                      "watch_error": str(exc), "watch_url": url}, status=422)
        return RedirectResponse(f"/watches/{wid}", status_code=303)

    @r.post("/watches/{watch_id}/check")
    async def check_now(request: Request, watch_id: Id, me: Principal = editor) -> Response:
        await csrf_form(request)
        q.watch_or_404(core, aud(request), watch_id)
        await core.check([watch_id])
        return RedirectResponse(f"/watches/{watch_id}", status_code=303)

    # -- demands ------------------------------------------------------------------------------------
    @r.get("/demands")
    def demands(request: Request) -> HTMLResponse:
        return render(request, "demands.html", {"rows": q.demands(core, aud(request))})

    @r.get("/demands/new")
    def demand_form(request: Request, me: Principal = editor, target: str = "") -> HTMLResponse:
        return render(request, "demand_form.html", {"v": {"targets": target}, "error": None, **choices})

    @r.post("/demands/new")
    async def demand_create(request: Request, me: Principal = editor) -> Response:
        form = await csrf_form(request)
        values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        values["actions"] = [str(v) for v in form.getlist("actions") if isinstance(v, str)]  # type: ignore[assignment]
        try:
            data = _demand_input(form)
            docs = []
            for f in form.getlist("documents"):
                if isinstance(f, UploadFile) and f.filename:
                    docs.append((f.filename, await f.read()))
            did = core.add_demand(data, documents=docs, by=me.name)
        except (PresswatchError, ValueError) as exc:
            return render(request, "demand_form.html", {"v": values, "error": str(exc), **choices}, status=422)
        return RedirectResponse(f"/demands/{did}", status_code=303)

    @r.get("/demands/{demand_id}")
    def demand(request: Request, demand_id: Id) -> HTMLResponse:
        return render(request, "demand.html", {"d": q.demand(core, aud(request), demand_id), "error": None,
                                               **choices})

    @r.get("/demands/{demand_id}/documents/{sha256}")
    def demand_document(request: Request, demand_id: Id, sha256: str,
                        me: Principal = viewer) -> Response:
        """A demand's document, for signed-in users only, always as a download (never rendered)."""
        record = q.demand(core, aud(request), demand_id)
        doc = next((d for d in record["documents"] if d["sha256"] == sha256), None)
        path = core.data_dir / "documents" / sha256
        if doc is None or not path.is_file():
            raise NotFound(f"demand #{demand_id} has no such document")
        return FileResponse(path, media_type="application/octet-stream", filename=doc["filename"],
                            headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})

    @r.post("/demands/{demand_id}/response")
    async def demand_response(request: Request, demand_id: Id, me: Principal = editor) -> Response:
        from presswatch.cases.demands import set_response

        form = await csrf_form(request)
        record = q.demand(core, aud(request), demand_id)
        try:
            set_response(core, demand_id, _str(form, "response"), at=_str(form, "response_at") or None, by=me.name,
                         reason=_str(form, "reason") or None)
        except (PresswatchError, ValueError) as exc:
            return render(request, "demand.html", {"d": record, "error": str(exc), **choices}, status=422)
        return RedirectResponse(f"/demands/{demand_id}", status_code=303)

    # -- incidents ----------------------------------------------------------------------------------
    @r.get("/incidents")
    def incidents(request: Request) -> HTMLResponse:
        return render(request, "incidents.html", {"rows": q.incidents(core, aud(request))})

    @r.get("/incidents/new")
    def incident_form(request: Request, me: Principal = editor, demand: str = "") -> HTMLResponse:
        return render(request, "incident_form.html", {"v": {"demands": demand, "visibility": "public"},
                                                      "error": None, "preview": None, "incident_id": None,
                                                      **choices})

    async def save_incident(request: Request, me: Principal, incident_id: int | None) -> Response:
        form = await csrf_form(request)
        values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        ctx = {"v": values, "incident_id": incident_id, **choices}
        try:
            spec = _incident_input(core, form)
        except (PresswatchError, ValueError) as exc:
            return render(request, "incident_form.html", {**ctx, "error": str(exc), "preview": None}, status=422)
        if _str(form, "action") == "preview":
            return render(request, "incident_form.html", {**ctx, "error": None, "preview": spec})
        iid = _write_incident(core, incident_id, spec, me.name)
        return RedirectResponse(f"/incidents/{iid}", status_code=303)

    @r.post("/incidents/new")
    async def incident_create(request: Request, me: Principal = editor) -> Response:
        return await save_incident(request, me, None)

    @r.get("/incidents/{incident_id}")
    def incident(request: Request, incident_id: Id) -> HTMLResponse:
        return render(request, "incident.html", {"i": q.incident(core, aud(request), incident_id), "error": None})

    @r.get("/incidents/{incident_id}/edit")
    def incident_edit(request: Request, incident_id: Id, me: Principal = editor) -> HTMLResponse:
        i = q.incident(core, aud(request), incident_id)
        links = i["links"]
        v = {"title": i["title"], "description": i["description"], "body": i["page"]["body"],
             "starts_at": (i["page"]["starts_at"] or "")[:10], "ends_at": (i["page"]["ends_at"] or "")[:10],
             "visibility": i["visibility"], "outlets": ", ".join(i["page"]["outlets"]),
             "countries": ", ".join(ln["ref"] for ln in links if ln["kind"] == "country"),
             "demands": ", ".join(ln["ref"] for ln in links if ln["kind"] == "demand"),
             "urls": "\n".join(w["url"] for w in i["watches"]),
             "published": "on" if i["page"]["published"] else ""}
        return render(request, "incident_form.html", {"v": v, "error": None, "preview": None,
                                                      "incident_id": incident_id, **choices})

    @r.post("/incidents/{incident_id}/edit")
    async def incident_update(request: Request, incident_id: Id, me: Principal = editor) -> Response:
        q.incident(core, aud(request), incident_id)
        return await save_incident(request, me, incident_id)

    @r.post("/incidents/{incident_id}/notes")
    async def incident_note(request: Request, incident_id: Id, me: Principal = editor) -> Response:
        from presswatch.cases.incidents import add_note

        form = await csrf_form(request)
        i = q.incident(core, aud(request), incident_id)
        text = _str(form, "text")
        if not text:
            return render(request, "incident.html", {"i": i, "error": "a note needs some text"}, status=422)
        add_note(core, incident_id, text, author=me.name)
        return RedirectResponse(f"/incidents/{incident_id}", status_code=303)

    @r.post("/incidents/{incident_id}/outcome")
    async def incident_outcome(request: Request, incident_id: Id, me: Principal = editor) -> Response:
        """Set (or, with an empty outcome, clear) the editor's outcome beside the inferred one."""
        from presswatch.cases.incidents import override_outcome

        form = await csrf_form(request)
        i = q.incident(core, aud(request), incident_id)
        try:
            override_outcome(core, incident_id, _str(form, "outcome") or None, by=me.name, why=_str(form, "why"))
        except (PresswatchError, ValueError) as exc:
            return render(request, "incident.html", {"i": i, "error": str(exc)}, status=422)
        return RedirectResponse(f"/incidents/{incident_id}", status_code=303)

    @r.get("/incidents/{incident_id}/bundle")
    def incident_bundle(request: Request, incident_id: Id) -> Response:
        from presswatch.publish.bundle import export_bundle
        from presswatch.publish.verify import verify_bundle

        a = aud(request)
        q.incident(core, a, incident_id)  # 404 unless the caller may see it
        public = not a.staff
        tmp_dir = core.data_dir / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"incident-{incident_id}-", suffix=".wacz", dir=tmp_dir)
        os.close(fd)
        path = Path(name)
        try:
            export_bundle(core, q.bundle_entries(core, a, incident_id), path, public_only=public)
            report = verify_bundle(path)
        except (PresswatchError, ValueError) as exc:
            path.unlink(missing_ok=True)
            raise HTTPException(409, f"cannot make the bundle: {exc}") from exc
        if not report.ok:
            path.unlink(missing_ok=True)
            raise HTTPException(500, "the bundle did not verify: " + "; ".join(report.failures[:3]))
        return FileResponse(path, media_type="application/wacz+zip", filename=f"incident-{incident_id}.wacz",
                            background=BackgroundTask(lambda: path.unlink(missing_ok=True)))

    return r


def _demand_input(form: FormData) -> dict[str, Any]:
    """The demand input (:class:`~presswatch.cases.demands.DemandIn`) of the demand form."""

    def opt(name: str) -> str | None:
        return _str(form, name) or None

    data: dict[str, Any] = {
        "title": _str(form, "title"),
        "demand_type": _str(form, "demand_type") or "government-request",
        "sender": {k: v for k, v in {"name": _str(form, "sender_name"), "kind": opt("sender_kind"),
                                     "country": opt("sender_country"), "person": opt("sender_person"),
                                     "email": opt("sender_email"), "phone": opt("sender_phone")}.items()
                   if v is not None},
        "recipient": {k: v for k, v in {"name": _str(form, "recipient_name"), "kind": opt("recipient_kind"),
                                        "country": opt("recipient_country"),
                                        "person": opt("recipient_person")}.items() if v is not None},
        "date_sent": opt("date_sent"), "date_received": opt("date_received"), "deadline": opt("deadline"),
        "channel": opt("channel"),
        "actions": [str(a) for a in form.getlist("actions") if isinstance(a, str) and a],
        "targets": [{"url": t} if t.startswith(("http://", "https://")) else {"description": t}
                    for t in (x.strip() for x in _str(form, "targets").splitlines()) if t],
        "response": _str(form, "response") or "pending", "response_at": opt("response_at"),
        "visibility": _str(form, "visibility") or "public", "notes": _str(form, "notes"),
        "measure_in": _list(_str(form, "measure_in")),
    }
    if _str(form, "legal_citation") or _str(form, "legal_text"):
        data["legal_basis"] = [{"country": opt("legal_country"), "citation": opt("legal_citation"),
                                "text": opt("legal_text")}]
    if _str(form, "redact_targets"):
        data["targets"] = [{**t, "redact_url": True} if "url" in t else t for t in data["targets"]]
    return data


def _incident_input(core: Presswatch, form: FormData) -> dict[str, Any]:
    """The incident form, checked before anything is written (unknown demands, unwatched URLs, bad dates)."""
    from sqlalchemy import select

    from presswatch.cases.demands import country_code
    from presswatch.clock import parse_when
    from presswatch.record.demand_models import Demand
    from presswatch.record.models import Watch
    from presswatch.sources.urls import canonical_url

    title = _str(form, "title")
    if not title:
        raise ValueError("an incident needs a title")
    visibility = _str(form, "visibility") or "public"
    if visibility not in ("public", "redacted", "private"):
        raise ValueError(f"unknown visibility {visibility!r}")
    starts, ends = parse_when(_str(form, "starts_at") or None), parse_when(_str(form, "ends_at") or None)
    if starts and ends and ends < starts:
        raise ValueError("the end comes before the start")
    countries = [country_code(c) for c in _list(_str(form, "countries"))]
    demand_ids = _ids(_str(form, "demands"), "demands")
    urls = [u for u in (x.strip() for x in _str(form, "urls").splitlines()) if u]
    watch_ids = []
    with core.db.session() as s:
        for did in demand_ids:
            if s.get(Demand, did) is None:
                raise NotFound(f"no demand #{did}")
        for u in urls:
            try:
                key = canonical_url(u)
            except (PresswatchError, ValueError) as exc:
                raise ValueError(f"not a URL: {u!r}") from exc
            wid = s.scalar(select(Watch.id).where(Watch.url == key))
            if wid is None:
                raise NotFound(f"not watched: {u} (add the watch first)")
            watch_ids.append(wid)
    return {"title": title, "description": _str(form, "description"), "body": _str(form, "body"),
            "starts_at": starts, "ends_at": ends, "countries": countries, "outlets": _list(_str(form, "outlets")),
            "demands": demand_ids, "watches": watch_ids, "visibility": visibility,
            "published": bool(_str(form, "published"))}


def _write_incident(core: Presswatch, incident_id: int | None, spec: dict[str, Any], by: str) -> int:
    from presswatch.cases.incidents import add_to_incident, create_incident, update_incident
    from presswatch.record.web_models import IncidentPage

    if incident_id is None:
        iid = create_incident(core, spec["title"], description=spec["description"], visibility=spec["visibility"])
    else:
        iid = incident_id
        update_incident(core, iid, title=spec["title"], description=spec["description"],
                        visibility=spec["visibility"])
    add_to_incident(core, iid, demands=spec["demands"], watches=spec["watches"], countries=spec["countries"])
    now = core.clock.now()

    def write(s: Any) -> None:
        page = s.get(IncidentPage, iid)
        if page is None:
            page = IncidentPage(incident_id=iid, updated_at=now)
            s.add(page)
        page.body, page.starts_at, page.ends_at = spec["body"], spec["starts_at"], spec["ends_at"]
        page.outlets, page.published, page.updated_at, page.updated_by = spec["outlets"], spec["published"], now, by

    core.db.write(write)
    return iid

