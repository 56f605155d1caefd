"""The probe server API (FastAPI router) and the server-side probe administration.

Endpoints under ``/api/v1``:

* ``POST /probes/enroll`` — ``{token, public_key, country, network, software_version}`` → ``{probe_id}``
* ``GET /probes/{id}/assignments`` — (signed) the URLs this probe should measure
* ``POST /measurements`` — (signed) ``{envelope, signature}``; idempotent on the measurement id
* ``GET /measurements`` — stored measurements (``country``, ``url``, ``probe_id``, ``limit``)
* ``POST /control`` — (signed) ``{url, endpoints}`` → the control view (test helper)
* ``GET /status`` — per-country reachability (``country``, ``scope``)

Signed requests carry the headers of :func:`presswatch.probes.envelope.sign_request`; the server refuses
unknown and revoked probes, bad signatures, timestamps off by more than ``max_skew`` seconds and nonces
it has seen (a captured request cannot be replayed).

What a probe claims is checked against what the server knows:

* ``measured_at`` must lie in [enrollment − ``measure_time_skew``, receipt + ``measure_time_skew``]
  (default 300 s); otherwise the submission is **rejected** with 422 (not clamped), so nothing implausible
  is stored. Status ordering uses ``min(measured_at, received_at)`` besides (see
  :mod:`presswatch.probes.reachability`).
* The envelope's ``probe_cc`` and ``probe_network_name`` must be the enrolled country and network (422
  otherwise), and the stored measurement records the enrolled ones.
* ``/control`` takes at most :data:`~presswatch.measure.control.MAX_ENDPOINTS` ``ip:port`` endpoints (422
  otherwise); it connects only to public addresses (the SSRF guard) unless ``allow_private`` is set.
* Request bodies larger than ``Settings.max_request_bytes`` are refused with 413 before they are read
  (:class:`presswatch.web.app.BodyLimit`, installed by ``create_app``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from presswatch.clock import as_utc, isoformat
from presswatch.errors import NotFound, VerificationError
from presswatch.measure.control import MAX_ENDPOINTS, ControlInputError, check_control_input
from presswatch.probes import envelope as env
from presswatch.probes.reachability import (
    InvalidMeasurement,
    StatusPolicy,
    check_measured_at,
    measurement_dict,
    record_measurement,
    status_rows,
)
from presswatch.record.ledger import Ledger
from presswatch.record.measure_models import EnrollmentToken, Measurement, Probe, ProbeNonce, TestListEntry
from presswatch.record.models import Watch

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "assignments_for",
    "ControlFn",
    "ControlRequest",
    "create_token",
    "EnrollRequest",
    "hash_token",
    "list_probes",
    "probe_dict",
    "ProbeError",
    "probe_router",
    "revoke_probe",
    "Submission",
]

log = logging.getLogger(__name__)

ControlFn = Callable[[str, list[str]], Awaitable[dict[str, Any]]]


# -- administration (CLI) -----------------------------------------------------------------------------
def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(core: Presswatch, country: str | None = None, valid_hours: float | None = None) -> str:
    """Create a single-use enrollment token (returned once; only its hash is stored)."""
    token = "pwt_" + secrets.token_urlsafe(24)
    now = core.clock.now()
    expires = now + timedelta(hours=valid_hours) if valid_hours else None
    cc = country.upper() if country else None
    core.db.write(
        lambda s: s.add(
            EnrollmentToken(token_hash=hash_token(token), country=cc, created_at=now, expires_at=expires)
        )
    )
    return token


def probe_dict(p: Probe) -> dict[str, Any]:
    return {
        "id": p.id,
        "country": p.country,
        "network": p.network,
        "software_version": p.software_version,
        "enrolled_at": isoformat(p.enrolled_at),
        "last_seen_at": isoformat(p.last_seen_at) if p.last_seen_at else None,
        "revoked_at": isoformat(p.revoked_at) if p.revoked_at else None,
        "public_key": p.public_key,
    }


def list_probes(core: Presswatch) -> list[dict[str, Any]]:
    with core.db.session() as s:
        return [probe_dict(p) for p in s.scalars(select(Probe).order_by(Probe.enrolled_at))]


def revoke_probe(core: Presswatch, probe_id: str) -> None:
    now = core.clock.now()

    def _revoke(s: Session) -> None:
        probe = s.get(Probe, probe_id)
        if probe is None:
            raise NotFound(f"no probe {probe_id!r}")
        if probe.revoked_at is None:
            probe.revoked_at = now

    core.db.write(_revoke)


def assignments_for(s: Session, country: str) -> list[dict[str, Any]]:
    """Active watches tagged for ``country`` plus the country's imported test list, URL-deduplicated."""
    cc = country.upper()
    out: dict[str, dict[str, Any]] = {}
    for w in s.scalars(select(Watch).where(Watch.active.is_(True)).order_by(Watch.id)):
        tags = w.tags or {}
        measure_in = tags.get("measure_in") or []
        if isinstance(measure_in, str):
            measure_in = [measure_in]
        if cc in {str(c).upper() for c in measure_in} or str(tags.get("country", "")).upper() == cc:
            out.setdefault(w.url, {"url": w.url, "source": "watch", "watch_id": w.id})
    q = select(TestListEntry).where(TestListEntry.country == cc).order_by(TestListEntry.id)
    for e in s.scalars(q):
        out.setdefault(e.url, {"url": e.url, "source": "list", "category_code": e.category_code})
    return list(out.values())


# -- API ----------------------------------------------------------------------------------------------
class ProbeError(BaseModel):
    """An error answer: ``detail`` is a message, or (request validation) the list of failing fields."""

    detail: str | list[dict[str, Any]]


class EnrollRequest(BaseModel):
    token: str
    public_key: str
    country: str = Field(min_length=2, max_length=2)
    network: str = Field(default="", max_length=255)
    software_version: str | None = Field(default=None, max_length=64)


class Submission(BaseModel):
    envelope: dict[str, Any]
    signature: str


class ControlRequest(BaseModel):
    url: str = Field(max_length=2048)
    endpoints: list[str] = Field(default_factory=list, max_length=MAX_ENDPOINTS)


def _default_control(core: Presswatch, resolver: str | None) -> ControlFn:
    async def control(url: str, endpoints: list[str]) -> dict[str, Any]:
        from presswatch.measure.control import control_measure

        result: dict[str, Any] = await control_measure(
            url, endpoints, resolver=resolver, allow_private=core.settings.allow_private
        )
        return result

    return control


def probe_router(
    core: Presswatch,
    *,
    policy: StatusPolicy | None = None,
    control: ControlFn | None = None,
    control_resolver: str | None = None,
    max_skew: float = 300.0,
) -> APIRouter:
    """The probe API bound to ``core``; ``control`` defaults to :func:`control_measure` run here."""
    router = APIRouter(prefix="/api/v1", tags=["probes"],
                       responses={422: {"model": ProbeError, "description": "Invalid request (a message, or the "
                                        "fields that failed validation)."}})
    policy = policy or StatusPolicy.from_settings(core.settings)
    control_fn = control or _default_control(core, control_resolver)
    skew = timedelta(seconds=max_skew)
    time_skew = timedelta(seconds=core.settings.measure_time_skew)

    def _check_and_note(probe_id: str, timestamp: str, nonce: str, verify: Callable[[str], None]) -> Probe:
        now = core.clock.now()
        with core.db.session() as s:
            probe = s.get(Probe, probe_id)
        if probe is None:
            raise HTTPException(401, f"unknown probe {probe_id!r}")
        if probe.revoked_at is not None:
            raise HTTPException(403, f"probe {probe_id} is revoked")
        try:
            when = as_utc(datetime.fromisoformat(timestamp.replace("Z", "+00:00")))
        except ValueError as exc:
            raise HTTPException(401, "bad request timestamp") from exc
        if abs(when - now) > skew:
            raise HTTPException(401, "request timestamp too old or in the future")
        try:
            verify(probe.public_key)
        except VerificationError as exc:
            raise HTTPException(401, str(exc)) from exc
        if not nonce or len(nonce) > 64:
            raise HTTPException(401, "bad request nonce")

        def _note(s: Session) -> None:
            s.execute(delete(ProbeNonce).where(ProbeNonce.seen_at < now - 2 * skew))
            s.add(ProbeNonce(probe_id=probe_id, nonce=nonce, seen_at=now))
            p = s.get(Probe, probe_id)
            if p is not None:
                p.last_seen_at = now

        try:
            core.db.write(_note)
        except IntegrityError as exc:
            raise HTTPException(409, "replayed request (nonce already used)") from exc
        return probe

    async def authenticate(request: Request) -> tuple[Probe, bytes]:
        body = await request.body()
        h = request.headers
        probe_id = h.get(env.H_PROBE)
        timestamp, nonce, sig = h.get(env.H_TIMESTAMP), h.get(env.H_NONCE), h.get(env.H_SIGNATURE)
        if not (probe_id and timestamp and nonce and sig):
            raise HTTPException(401, "missing probe signature headers")
        method, path = request.method, request.url.path

        def verify(public_key: str) -> None:
            env.verify_request(public_key, method, path, body, timestamp, nonce, sig)

        probe = await run_in_threadpool(_check_and_note, probe_id, timestamp, nonce, verify)
        return probe, body

    @router.post("/probes/enroll", status_code=201)
    def enroll(req: EnrollRequest) -> dict[str, Any]:
        now = core.clock.now()
        cc = req.country.upper()
        try:
            env.parse_public_key(req.public_key)
        except VerificationError as exc:
            raise HTTPException(422, str(exc)) from exc

        def _enroll(s: Session) -> Probe:
            tok = s.scalars(
                select(EnrollmentToken).where(EnrollmentToken.token_hash == hash_token(req.token))
            ).first()
            if tok is None or tok.used_at is not None:
                raise HTTPException(403, "invalid or already used enrollment token")
            if tok.expires_at is not None and tok.expires_at < now:
                raise HTTPException(403, "enrollment token expired")
            if tok.country and tok.country != cc:
                raise HTTPException(403, f"this token enrolls probes in {tok.country}, not {cc}")
            if s.scalars(select(Probe).where(Probe.public_key == req.public_key)).first() is not None:
                raise HTTPException(409, "this key is already enrolled")
            probe = Probe(
                id=str(uuid.uuid4()),
                public_key=req.public_key,
                country=cc,
                network=req.network,
                software_version=req.software_version,
                token_id=tok.id,
                enrolled_at=now,
            )
            s.add(probe)
            tok.used_at, tok.used_by = now, probe.id
            return probe

        probe = core.db.write(_enroll)
        log.info("enrolled probe %s in %s (%s)", probe.id, cc, req.network)
        return {"probe_id": probe.id, "country": probe.country, "network": probe.network}

    @router.get("/probes/{probe_id}/assignments")
    async def assignments(probe_id: str, request: Request) -> dict[str, Any]:
        probe, _ = await authenticate(request)
        if probe.id != probe_id:
            raise HTTPException(403, "a probe may only read its own assignments")

        def _load() -> list[dict[str, Any]]:
            with core.db.session() as s:
                return assignments_for(s, probe.country)

        return {"probe_id": probe.id, "country": probe.country, "urls": await run_in_threadpool(_load)}

    @router.post("/measurements")
    async def submit(request: Request) -> Any:
        from fastapi.responses import JSONResponse

        probe, body = await authenticate(request)
        try:
            sub = Submission.model_validate_json(body)
        except ValueError as exc:
            raise HTTPException(422, f"bad submission: {exc}") from exc
        envelope = sub.envelope
        if envelope.get("probe_id") != probe.id:
            raise HTTPException(403, "envelope names another probe")
        if str(envelope.get("probe_cc", "")).upper() != probe.country:
            raise HTTPException(422, f"envelope country {envelope.get('probe_cc')!r} is not {probe.country}")
        if str(envelope.get("probe_network_name") or "") != (probe.network or ""):
            raise HTTPException(
                422, f"envelope network {envelope.get('probe_network_name')!r} is not the enrolled {probe.network!r}"
            )
        try:
            env.verify_envelope(probe.public_key, envelope, sub.signature)
        except VerificationError as exc:
            raise HTTPException(401, str(exc)) from exc
        now = core.clock.now()

        def _plausible(measured_at: datetime) -> None:
            check_measured_at(measured_at, enrolled_at=probe.enrolled_at, received_at=now, skew=time_skew)

        def _store(s: Session) -> tuple[Measurement, list[str], bool]:
            row, events, created = record_measurement(
                s, envelope, ledger=Ledger(core), signature=sub.signature, probe_id=probe.id, received_at=now,
                policy=policy, check_time=_plausible, country=probe.country, network=probe.network or "",
            )
            return row, [e.summary for e in events], created

        try:
            row, events, created = await run_in_threadpool(core.db.write, _store)
        except env.ReplayError as exc:
            raise HTTPException(409, str(exc)) from exc
        except InvalidMeasurement as exc:
            raise HTTPException(422, str(exc)) from exc
        body_out = {"id": row.id, "status": "stored" if created else "duplicate", "events": events}
        return JSONResponse(body_out, status_code=201 if created else 200)

    @router.get("/measurements")
    def measurements(
        country: str | None = None,
        url: str | None = None,
        probe_id: str | None = None,
        limit: int = Query(default=100, ge=1, le=1000),
        envelope: bool = False,
    ) -> dict[str, Any]:
        q = select(Measurement).order_by(Measurement.measured_at.desc()).limit(limit)
        if country:
            q = q.where(Measurement.country == country.upper())
        if url:
            q = q.where(Measurement.url == url)
        if probe_id:
            q = q.where(Measurement.probe_id == probe_id)
        from presswatch.publish.visibility import public_view

        view = public_view(core)
        if url and view.url_hidden(url):
            return {"measurements": []}
        with core.db.session() as s:
            return {"measurements": [measurement_dict(m, with_envelope=envelope) for m in s.scalars(q)
                                     if view.target_visible("url", m.url)]}

    @router.post("/control")
    async def control_endpoint(request: Request) -> dict[str, Any]:
        _, body = await authenticate(request)
        try:
            req = ControlRequest.model_validate_json(body)
            url, endpoints = check_control_input(req.url, req.endpoints)
        except (ValueError, ControlInputError) as exc:  # pydantic.ValidationError and ControlInputError
            raise HTTPException(422, f"bad control request: {exc}") from exc
        try:
            return await control_fn(url, endpoints)
        except ControlInputError as exc:
            raise HTTPException(422, f"bad control request: {exc}") from exc

    @router.get("/status")
    def status(country: str | None = None, scope: str | None = None) -> dict[str, Any]:
        from presswatch.publish.visibility import public_view

        view = public_view(core)
        with core.db.session() as s:
            rows = status_rows(s, country=country, scope=scope)
        return {"status": [r for r in rows if view.target_visible(r["scope"], r["target"])
                           and r["watch_id"] not in view.watch_ids]}

    return router
