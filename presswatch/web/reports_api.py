"""The press-report routes of the JSON API v1: add a report (a URL, fetched and archived, or a text), list
and read reports, accept (with optional edits), reject, check the claims.

``POST /api/v1/reports`` answers with the object ``presswatch report add --json`` prints (the machine-
readable contract: ``id``, ``language``, ``actors``, ``actions``, ``blocked_countries``, ``dates``,
``outcome``, ``claims``…). Authorization is the pages': reports are never shown to anonymous callers;
viewers read; writing needs the editor role (API token, or the session cookie with ``X-CSRF-Token``);
measuring from explicitly given vantages needs the admin role.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from presswatch.errors import NotFound, PresswatchError
from presswatch.web.api import Id, writer
from presswatch.web.principal import Principal, require_role

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "AcceptIn",
    "AcceptOut",
    "ActionIn",
    "ActionOut",
    "ActorIn",
    "ActorOut",
    "CheckIn",
    "CheckOut",
    "CheckedClaimOut",
    "ClaimIn",
    "ClaimOut",
    "DraftEdit",
    "DraftOut",
    "RejectIn",
    "RejectOut",
    "ReportIn",
    "ReportList",
    "ReportOut",
    "ReportRow",
    "report_api_router",
]

_OPEN = ConfigDict(extra="allow")


class ReportIn(BaseModel):
    """A report to read: exactly one of ``url`` (fetched, archived, watched; passes the SSRF guard) or
    ``text`` (plain text or HTML)."""

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    text: str | None = Field(default=None, min_length=1, max_length=2_000_000)
    language: Literal["en", "ru"] | None = Field(default=None, description="Default: detected per sentence.")
    report_date: dt.date | None = Field(default=None, description="The report's date (anchors 'last week').")

    @model_validator(mode="after")
    def _one_source(self) -> ReportIn:
        if (self.url is None) == (self.text is None):
            raise ValueError("give exactly one of url or text")
        return self


class ActorOut(BaseModel):
    model_config = _OPEN
    name: str
    role: str = Field(description="sender | recipient | third-party")
    kind: str = Field(description="government | court | regulator | law-enforcement | outlet | journalist | "
                      "platform | other")
    country: str | None = None
    quote: str | None = None


class ActionOut(BaseModel):
    model_config = _OPEN
    kind: str = Field(description="demand-removal | demand-edit | warning | referral-prosecutor | ban | block | "
                      "lawsuit | arrest | other")
    by: str | None = None
    against: str | None = None
    date: str | None = None
    legal_basis: str | None = None
    quote: str | None = None


class ClaimOut(BaseModel):
    model_config = _OPEN
    kind: str = Field(description="online | removed | blocked | edited")
    country: str | None = None
    as_of: str | None = None
    quote: str | None = None


class DraftOut(BaseModel):
    """The draft: the ``report add --json`` contract (extra fields — offsets, confidences, evidence — kept)."""

    model_config = _OPEN
    id: int
    language: str
    actors: list[ActorOut] = Field(default_factory=list)
    actions: list[ActionOut] = Field(default_factory=list)
    blocked_countries: list[str] = Field(default_factory=list)
    dates: list[str] = Field(default_factory=list)
    outcome: str = "unknown"
    claims: list[ClaimOut] = Field(default_factory=list)


class CheckedClaimOut(ClaimOut):
    id: int
    status: str = Field(description="unchecked | corroborated | contradicted | unverified")
    evidence: list[Any] = Field(default_factory=list)


class ReportOut(BaseModel):
    """A report (``presswatch report show --json``): its review state, latest draft and accepted claims."""

    model_config = _OPEN
    id: int
    status: str
    source: str
    language: str
    report_date: str
    revision: int
    incident_id: int | None = None
    demand_ids: list[int] = Field(default_factory=list)
    draft: DraftOut
    claims: list[CheckedClaimOut] = Field(default_factory=list)


class ReportRow(BaseModel):
    model_config = _OPEN
    id: int
    status: str
    language: str
    report_date: str
    title: str | None = None
    source: str
    incident_id: int | None = None


class ReportList(BaseModel):
    ok: bool = True
    total: int
    limit: int
    offset: int
    rows: list[ReportRow]


_CC = Field(default=None, pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
_Offsets = list[Annotated[int, Field(ge=0, le=10_000_000)]]
_Text = Annotated[str, Field(max_length=10_000)]


class ActorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]
    role: Literal["sender", "recipient", "third-party"]
    kind: Literal["government", "court", "regulator", "law-enforcement", "outlet", "journalist", "platform",
                  "other"]
    country: str | None = _CC
    domain: Annotated[str, Field(max_length=255)] | None = None
    quote: _Text = ""
    offsets: _Offsets | None = Field(default=None, max_length=2)
    confidence: float = Field(default=1.0, ge=0, le=1)


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["demand-removal", "demand-edit", "warning", "referral-prosecutor", "ban", "block", "lawsuit",
                  "arrest", "other"]
    by: Annotated[str, Field(max_length=500)] | None = None
    against: Annotated[str, Field(max_length=500)] | None = None
    date: dt.date | None = None
    legal_basis: _Text | None = None
    quote: _Text = ""
    offsets: _Offsets | None = Field(default=None, max_length=2)
    confidence: float = Field(default=1.0, ge=0, le=1)


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["online", "removed", "blocked", "edited"]
    country: str | None = _CC
    as_of: dt.date | None = None
    quote: _Text = ""
    offsets: _Offsets | None = Field(default=None, max_length=2)
    confidence: float = Field(default=1.0, ge=0, le=1)


class DraftEdit(BaseModel):
    """Draft fields to replace before accepting (as ``report accept --edit``); a field left out is kept."""

    model_config = ConfigDict(extra="forbid")
    actors: list[ActorIn] | None = Field(default=None, max_length=200)
    actions: list[ActionIn] | None = Field(default=None, max_length=200)
    claims: list[ClaimIn] | None = Field(default=None, max_length=200)
    blocked_countries: list[Annotated[str, Field(pattern="^[A-Z]{2}$")]] | None = Field(default=None, max_length=250)
    dates: list[dt.date] | None = Field(default=None, max_length=200)
    outcome: Literal["complied", "refused", "partly", "unknown"] | None = None


class AcceptIn(BaseModel):
    edit: DraftEdit | None = None


class AcceptOut(BaseModel):
    report: int
    incident: int
    demands: list[int]
    claims: list[int]


class RejectIn(BaseModel):
    why: str | None = Field(default=None, max_length=10_000)


class CheckIn(BaseModel):
    vantages: list[str] = Field(default_factory=list, max_length=16, description="Measure countries from "
                                "here: CC[:resolver=HOST:PORT,control=HOST:PORT,network=NAME] (admin only).")


class RejectOut(BaseModel):
    ok: bool = True
    report: int
    status: str


class CheckOut(BaseModel):
    ok: bool = True
    results: list[dict[str, Any]]


def report_api_router(core: Presswatch) -> APIRouter:
    from presswatch.reports.review import accept_report, get_report, list_reports, reject_report
    from presswatch.web.reports_pages import ReportInput, add_from_input

    r = APIRouter(prefix="/api/v1", tags=["reports"])
    viewer, editor, admin_role = Depends(require_role("viewer")), writer("editor"), require_role("admin")

    def refused(exc: PresswatchError) -> HTTPException:
        return HTTPException(404 if isinstance(exc, NotFound) else 422, str(exc))

    @r.post("/reports", response_model=DraftOut)
    async def add_report(body: ReportIn, me: Principal = editor) -> dict[str, Any]:
        """Read a press report into a draft (kept out of the evidence log until accepted)."""
        spec = ReportInput(url=body.url, text=body.text, language=body.language, report_date=body.report_date)
        try:
            return await add_from_input(core, spec, by=me.name, require_news=False)
        except PresswatchError as exc:
            raise refused(exc) from exc

    @r.get("/reports", response_model=ReportList)
    def reports(me: Principal = viewer, status: Literal["draft", "accepted", "rejected"] | None = None,
                limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=10_000_000)) -> dict[str, Any]:
        rows = list_reports(core, status=status)
        return {"ok": True, "total": len(rows), "limit": limit, "offset": offset, "rows": rows[offset:offset + limit]}

    @r.get("/reports/{report_id}", response_model=ReportOut)
    def report(report_id: Id, me: Principal = viewer) -> dict[str, Any]:
        try:
            return get_report(core, report_id)
        except PresswatchError as exc:
            raise refused(exc) from exc

    @r.post("/reports/{report_id}/accept", response_model=AcceptOut)
    def accept(report_id: Id, body: AcceptIn | None = None, me: Principal = editor) -> dict[str, Any]:
        """Accept the (optionally edited) draft: incident, demands and claims enter the record and the log."""
        try:
            get_report(core, report_id)
            edit = body.edit.model_dump(mode="json", exclude_unset=True) if body and body.edit else None
            return accept_report(core, report_id, edit=edit, by=me.name)
        except PresswatchError as exc:
            raise refused(exc) from exc

    @r.post("/reports/{report_id}/reject", response_model=RejectOut)
    def reject(report_id: Id, body: RejectIn | None = None, me: Principal = editor) -> dict[str, Any]:
        try:
            reject_report(core, report_id, by=me.name, why=body.why if body else None)
        except PresswatchError as exc:
            raise refused(exc) from exc
        return {"ok": True, "report": report_id, "status": "rejected"}

    @r.post("/reports/{report_id}/check", response_model=CheckOut)
    async def check(request: Request, report_id: Id, body: CheckIn | None = None,
                    me: Principal = editor) -> dict[str, Any]:
        """Check every claim of an accepted report now: corroborated, contradicted or unverified."""
        from presswatch.reports.checking import parse_vantage

        try:
            vantages = []
            if body is not None and body.vantages:
                admin_role(request)
                vantages = [parse_vantage(v) for v in body.vantages]
            return {"ok": True, "results": await core.check_report(report_id, vantages=vantages)}
        except PresswatchError as exc:
            raise refused(exc) from exc
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc

    return r

