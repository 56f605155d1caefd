"""The press-report pages: the list of reports, the form that adds one (a URL, pasted text or an uploaded
file), and the review page (every extracted field with its quote highlighted in the report's text, edits,
accept or reject, then the claims with their check status, evidence links and a "check now" button).

Reports and drafts are working material: no page shows them to anonymous visitors (public mode included);
viewers read, editors add, edit, accept, reject and check. Every form carries the CSRF token (as
:mod:`presswatch.web.pages` does); a URL passes the same SSRF guard as a new watch.

URLs: ``/reports``, ``/reports/new``, ``/reports/{id}``, ``/reports/{id}/edit``, ``/reports/{id}/accept``,
``/reports/{id}/reject``, ``/reports/{id}/check``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from presswatch.errors import PresswatchError
from presswatch.web.auth import csrf_form
from presswatch.web.pages import Id, render
from presswatch.web.principal import Principal, require_role

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["LANGUAGE_CHOICES", "ReportInput", "Segment", "add_from_input", "draft_changes", "evidence_links",
           "highlight", "ingest_input", "report_page_router"]

LANGUAGE_CHOICES = ("auto", "en", "ru")
_UPLOAD_SUFFIXES = (".txt", ".text", ".html", ".htm")


@dataclass(frozen=True)
class Segment:
    """A run of the report's text: marked (a quote of the fields ``refs``) or not."""

    text: str
    refs: tuple[str, ...] = ()

    @property
    def marked(self) -> bool:
        return bool(self.refs)


def highlight(text: str, spans: Iterable[tuple[str, Sequence[Any] | None]]) -> list[Segment]:
    """The text cut at every quote's offsets: each piece knows which fields (``ref``) quote it.

    Offsets outside the text, reversed or not numbers are ignored (an edited field may have none).
    """
    cuts = {0, len(text)}
    good: list[tuple[str, int, int]] = []
    for ref, offsets in spans:
        if not offsets or len(offsets) != 2:
            continue
        a, b = offsets
        if not (isinstance(a, int) and isinstance(b, int)) or not 0 <= a < b <= len(text):
            continue
        good.append((ref, a, b))
        cuts.update((a, b))
    points = sorted(cuts)
    out = []
    for a, b in zip(points, points[1:], strict=False):
        refs = tuple(ref for ref, s, e in good if s <= a and b <= e)
        out.append(Segment(text[a:b], refs))
    return out


def _spans(draft: Mapping[str, Any]) -> list[tuple[str, Sequence[Any] | None]]:
    out: list[tuple[str, Sequence[Any] | None]] = []
    for field in ("actors", "actions", "claims"):
        for i, item in enumerate(draft.get(field) or []):
            out.append((f"{field}-{i}", item.get("offsets")))
    ev = draft.get("evidence") or {}
    for field in ("blocked_countries", "dates"):
        for i, item in enumerate(ev.get(field) or []):
            out.append((f"{field}-{i}", item.get("offsets")))
    if isinstance(ev.get("outcome"), Mapping):
        out.append(("outcome", ev["outcome"].get("offsets")))
    return out


def evidence_links(core: Presswatch, refs: Iterable[str]) -> list[dict[str, str | None]]:
    """Each evidence ref of a claim check with the page that shows it (None: no page, e.g. OONI's)."""
    from presswatch.record.models import Observation

    out: list[dict[str, str | None]] = []
    with core.db.session() as s:
        for ref in refs:
            kind, _, ident = str(ref).partition(":")
            href: str | None = None
            if kind == "measurement" and ident:
                href = f"/measurements/{ident}"
            elif kind == "observation" and ident.isdigit():
                obs = s.get(Observation, int(ident))
                if obs is not None:
                    href = f"/captures/{obs.capture_id}" if obs.capture_id else f"/watches/{obs.watch_id}"
            elif kind == "capture" and ident.isdigit():
                href = f"/captures/{ident}"
            out.append({"ref": str(ref), "href": href})
    return out


@dataclass(frozen=True)
class ReportInput:
    """What the add-report form asked for: exactly one of a URL, a text or an uploaded file's bytes."""

    url: str | None = None
    text: str | None = None
    upload: tuple[str, bytes] | None = None
    language: str | None = None
    report_date: date | None = None


def ingest_input(url: str, text: str, upload: tuple[str, bytes] | None, language: str,
                 report_date: str = "") -> ReportInput:
    """The form's fields checked: one source, a known language, a date if any. Raises ``ValueError`` saying
    what is wrong."""
    if language not in LANGUAGE_CHOICES:
        raise ValueError(f"unknown language {language!r}: auto, en or ru")
    day = _iso(report_date.strip() or None, "report date")
    given = [x for x in (url.strip(), text.strip(), upload) if x]
    if not given:
        raise ValueError("give the report: a URL, its text, or a .txt/.html file")
    if len(given) > 1:
        raise ValueError("give one source only: a URL, a text or a file")
    if upload is not None and not upload[0].lower().endswith(_UPLOAD_SUFFIXES):
        raise ValueError(f"{upload[0]}: upload a .txt or .html file")
    return ReportInput(url=url.strip() or None, text=text if text.strip() else None, upload=upload,
                       language=None if language == "auto" else language,
                       report_date=date.fromisoformat(day) if day else None)


async def add_from_input(core: Presswatch, spec: ReportInput, *, by: str | None,
                         require_news: bool = True) -> dict[str, Any]:
    """Ingest what the form (or the API) gave; the draft as JSON. A URL passes the SSRF guard first; a
    text that yields no action and no claim is refused (``require_news``) and nothing is stored."""
    from presswatch.reports.ingest import InvalidReport, is_url, read_report_bytes, store_report

    max_bytes = core.settings.report_max_bytes
    if spec.url is not None:
        if not is_url(spec.url):
            raise InvalidReport(f"{spec.url!r} is not an http(s) URL")
        await core.vet([spec.url])
        return await core.add_report(spec.url, language=spec.language, report_date=spec.report_date, by=by)
    if spec.upload is not None:
        name, raw = spec.upload
        rt = read_report_bytes(raw, name=name, max_bytes=max_bytes)
        source, kind = name, "file"
    else:
        raw = (spec.text or "").encode("utf-8")
        rt = read_report_bytes(raw, name="the text", max_bytes=max_bytes)
        source, kind = "pasted text", "text"
    return store_report(core, rt, source=source, source_kind=kind, language=spec.language,
                        report_date=spec.report_date, by=by, require_news=require_news)


def _str(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _opt(form: FormData, name: str) -> str | None:
    return _str(form, name) or None


def _cc(value: str | None, what: str) -> str | None:
    if not value:
        return None
    from presswatch.cases.demands import country_code

    try:
        return country_code(value)
    except (PresswatchError, ValueError) as exc:
        raise ValueError(f"{what}: {value!r} is not a country") from exc


def draft_changes(draft: Mapping[str, Any], form: FormData) -> dict[str, Any]:
    """The review form's edits as draft fields to replace: each row keeps its quote, offsets and confidence
    unless changed; rows ticked ``*_remove`` go; a filled ``new_actor_name`` adds an actor (no quote)."""
    actors = []
    for i, a in enumerate(draft.get("actors") or []):
        if _str(form, f"actor{i}_remove"):
            continue
        actors.append({**a, "name": _str(form, f"actor{i}_name") or a.get("name"),
                       "role": _str(form, f"actor{i}_role") or a.get("role"),
                       "kind": _str(form, f"actor{i}_kind") or a.get("kind"),
                       "country": _cc(_opt(form, f"actor{i}_country"), f"actor {i + 1} country")})
    if name := _str(form, "new_actor_name"):
        actors.append({"name": name, "role": _str(form, "new_actor_role") or "third-party",
                       "kind": _str(form, "new_actor_kind") or "other",
                       "country": _cc(_opt(form, "new_actor_country"), "new actor country"), "domain": None,
                       "quote": "", "offsets": None, "confidence": 1.0, "added_by_reviewer": True})
    actions = []
    for i, a in enumerate(draft.get("actions") or []):
        if _str(form, f"action{i}_remove"):
            continue
        actions.append({**a, "kind": _str(form, f"action{i}_kind") or a.get("kind"),
                        "by": _opt(form, f"action{i}_by"), "against": _opt(form, f"action{i}_against"),
                        "date": _iso(_opt(form, f"action{i}_date"), f"action {i + 1} date"),
                        "legal_basis": _opt(form, f"action{i}_legal_basis")})
    claims = []
    for i, c in enumerate(draft.get("claims") or []):
        if _str(form, f"claim{i}_remove"):
            continue
        claims.append({**c, "kind": _str(form, f"claim{i}_kind") or c.get("kind"),
                       "country": _cc(_opt(form, f"claim{i}_country"), f"claim {i + 1} country"),
                       "as_of": _iso(_opt(form, f"claim{i}_as_of"), f"claim {i + 1} date")})
    blocked = [_cc(x.strip(), "blocked countries") for x in _str(form, "blocked_countries").split(",") if x.strip()]
    dates = [_iso(x.strip(), "dates") for x in _str(form, "dates").split(",") if x.strip()]
    return {"actors": actors, "actions": actions, "claims": claims,
            "blocked_countries": list(dict.fromkeys(c for c in blocked if c)),
            "dates": list(dict.fromkeys(d for d in dates if d)),
            "outcome": _str(form, "outcome") or draft.get("outcome") or "unknown"}


def _iso(value: str | None, what: str) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError as exc:
        raise ValueError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from exc



def report_page_router(core: Presswatch) -> APIRouter:
    """The report pages (viewer to read, editor to write)."""
    from presswatch.reports.extract import ACTION_KINDS, ACTOR_KINDS, CLAIM_KINDS, OUTCOMES, ROLES
    from presswatch.reports.review import accept_report, edit_draft, get_report, list_reports, reject_report

    r = APIRouter(include_in_schema=False)
    editor, viewer = Depends(require_role("editor")), Depends(require_role("viewer"))
    choices = {"roles": ROLES, "actor_kinds": ACTOR_KINDS, "action_kinds": ACTION_KINDS, "claim_kinds": CLAIM_KINDS,
               "outcomes": OUTCOMES, "languages_in": LANGUAGE_CHOICES}

    def review(request: Request, report_id: int, error: str | None = None, status: int = 200) -> HTMLResponse:
        rep = get_report(core, report_id)
        with core.db.session() as s:
            from presswatch.record.report_models import PressReport

            row = s.get(PressReport, report_id)
            text = row.text if row else ""
        draft = rep["draft"]
        claims = [{**c, "links": evidence_links(core, c.get("evidence") or [])} for c in rep["claims"]]
        return render(request, "report.html", {"r": rep, "d": draft, "claims": claims, "error": error,
                                               "segments": highlight(text, _spans(draft)), **choices},
                      status=status)

    @r.get("/reports")
    def reports(request: Request, me: Principal = viewer, status: str = "") -> HTMLResponse:
        rows = list_reports(core, status=status if status in ("draft", "accepted", "rejected") else None)
        return render(request, "reports.html", {"rows": rows, "status": status})

    @r.get("/reports/new")
    def report_form(request: Request, me: Principal = editor) -> HTMLResponse:
        return render(request, "report_form.html", {"v": {"language": "auto"}, "error": None, **choices})

    @r.post("/reports/new")
    async def report_create(request: Request, me: Principal = editor) -> Response:
        form = await csrf_form(request)
        values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        try:
            upload = None
            f = form.get("file")
            if isinstance(f, UploadFile) and f.filename:
                upload = (f.filename, await f.read())
            spec = ingest_input(_str(form, "url"), str(form.get("text") or ""), upload,
                                _str(form, "language") or "auto", _str(form, "report_date"))
            doc = await add_from_input(core, spec, by=me.name)
        except (PresswatchError, ValueError) as exc:
            return render(request, "report_form.html", {"v": values, "error": str(exc), **choices}, status=422)
        return RedirectResponse(f"/reports/{doc['id']}", status_code=303)

    @r.get("/reports/{report_id}")
    def report(request: Request, report_id: Id, me: Principal = viewer) -> HTMLResponse:
        return review(request, report_id)

    @r.post("/reports/{report_id}/edit")
    async def report_edit(request: Request, report_id: Id, me: Principal = editor) -> Response:
        form = await csrf_form(request)
        draft = get_report(core, report_id)["draft"]
        try:
            edit_draft(core, report_id, draft_changes(draft, form), by=me.name)
        except (PresswatchError, ValueError) as exc:
            return review(request, report_id, str(exc), 422)
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    @r.post("/reports/{report_id}/accept")
    async def report_accept(request: Request, report_id: Id, me: Principal = editor) -> Response:
        await csrf_form(request)
        get_report(core, report_id)  # 404 first
        try:
            accept_report(core, report_id, by=me.name)
        except (PresswatchError, ValueError) as exc:
            return review(request, report_id, str(exc), 422)
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    @r.post("/reports/{report_id}/reject")
    async def report_reject(request: Request, report_id: Id, me: Principal = editor) -> Response:
        form = await csrf_form(request)
        get_report(core, report_id)
        try:
            reject_report(core, report_id, by=me.name, why=_opt(form, "why"))
        except (PresswatchError, ValueError) as exc:
            return review(request, report_id, str(exc), 422)
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    @r.post("/reports/{report_id}/check")
    async def report_check(request: Request, report_id: Id, me: Principal = editor) -> Response:
        """Check the claims now; measuring from vantages named in the form (resolvers to ask) is for admins."""
        from presswatch.reports.checking import parse_vantage

        form = await csrf_form(request)
        get_report(core, report_id)
        named = [v.strip() for v in _str(form, "vantages").splitlines() if v.strip()]
        if named and not me.at_least("admin"):
            raise HTTPException(403, "naming vantages needs the admin role")
        try:
            await core.check_report(report_id, vantages=[parse_vantage(v) for v in named])
        except (PresswatchError, ValueError) as exc:
            return review(request, report_id, str(exc), 422)
        return RedirectResponse(f"/reports/{report_id}", status_code=303)

    return r
