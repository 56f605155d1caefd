"""Takedown demands: validation, documents, revisions, follow-up watches, redaction, Lumen-style JSON.

The public functions take the core (:class:`~presswatch.core.Presswatch`) and do every write through
``core.db.write``. A demand is never edited in place silently: :func:`update_demand` stores a new
:class:`~presswatch.record.demand_models.DemandRevision` (changes plus a full snapshot) and appends an
entry to the evidence log in the same transaction.
"""

from __future__ import annotations

import contextlib
import difflib
import email.parser
import email.policy
import hashlib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import filetype
import pycountry
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from presswatch.clock import as_utc, isoformat, parse_when
from presswatch.errors import ConfigError, NotFound, PresswatchError
from presswatch.record.demand_models import (
    ACTIONS,
    CHANNELS,
    DEMAND_TYPES,
    RECIPIENT_KINDS,
    RESPONSES,
    SENDER_KINDS,
    STATE_SENDER_KINDS,
    VISIBILITIES,
    Demand,
    DemandDocument,
    DemandRevision,
    DemandTarget,
)
from presswatch.record.events import NewEvent, add_events
from presswatch.record.ledger import Ledger
from presswatch.record.models import Event, Watch

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "ALLOWED_MIMES",
    "EARLIEST_DATE",
    "EXECUTABLE_MIMES",
    "FOLLOW_UP",
    "MAX_DOCUMENT_BYTES",
    "REDACTED",
    "add_demand",
    "add_case_event",
    "content_digest",
    "Country",
    "country_code",
    "demand_event",
    "demand_json_schema",
    "demand_record",
    "DemandIn",
    "DuplicateDemand",
    "export_demands",
    "follow_up",
    "from_lumen",
    "get_demand",
    "guess_sender_kind",
    "import_demands",
    "ImportResult",
    "InvalidDemand",
    "InvalidDocument",
    "ledger_append",
    "LegalBasisIn",
    "list_demands",
    "load_json_file",
    "measurement_countries",
    "parse_when",
    "public_demands",
    "public_record",
    "read_document",
    "RecipientIn",
    "redact_record",
    "sanitize_filename",
    "scrub",
    "SenderIn",
    "set_response",
    "sniff_type",
    "store_document",
    "StoredDocument",
    "strip_line_comments",
    "TargetIn",
    "to_lumen",
    "unpublished",
    "Unpublished",
    "update_demand",
    "validate_demand",
    "When",
]

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
EARLIEST_DATE = datetime(1998, 10, 28, tzinfo=UTC)  # Lumen's lower bound for notice dates
FOLLOW_UP = timedelta(days=14)  # watch targets closely until deadline + this
REDACTED = "[redacted]"
ALLOWED_MIMES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/tiff",
        "image/heic",
        "image/bmp",
        "message/rfc822",
    }
)
EXECUTABLE_MIMES = frozenset(
    {
        "application/x-msdownload",
        "application/x-executable",
        "application/x-mach-binary",
        "application/x-elf",
        "application/x-sharedlib",
        "application/vnd.microsoft.portable-executable",
        "application/x-dosexec",
        "application/java-archive",
        "application/x-shockwave-flash",
        "application/vnd.android.package-archive",
    }
)
_ALIASES = {"e-mail": "email", "deindex": "de-index", "delist": "de-index", "partial": "partially-complied"}
# input keys that are the demand's substance (the content digest); response/visibility/notes may change
_SUBSTANCE_EXCLUDE = {"external_id", "response", "response_at", "visibility", "notes", "measure_in"}


class InvalidDemand(ConfigError):
    """A demand (or one of its fields or documents) failed validation."""


class DuplicateDemand(InvalidDemand):
    def __init__(self, existing_id: int, message: str) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class InvalidDocument(InvalidDemand):
    pass


# -- field normalisation -----------------------------------------------------------------------------
def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 for a code (alpha-2/alpha-3) or English name; :class:`InvalidDemand` if unknown."""
    text = (value or "").strip()
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        raise InvalidDemand(f"unknown country {value!r} (use an ISO 3166 code such as KG or KZ)") from None


def _choice(allowed: Sequence[str], what: str) -> Any:
    def check(value: object) -> str:
        norm = str(value).strip().lower().replace("_", "-").replace(" ", "-")
        norm = _ALIASES.get(norm, norm)
        if norm not in allowed:
            raise ValueError(f"unknown {what} {value!r} (one of: {', '.join(allowed)})")
        return norm

    return BeforeValidator(check)


def _country(value: object) -> str | None:
    if value is None or value == "":
        return None
    try:
        return country_code(str(value))
    except InvalidDemand as exc:
        raise ValueError(str(exc)) from None


When = Annotated[datetime | None, BeforeValidator(parse_when)]
Country = Annotated[str | None, BeforeValidator(_country)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- shorthand people write naturally: coerced before validation ------------------------------------
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("court", ("court", "tribunal", "judge", "суд")),
    ("prosecutor", ("prosecut", "procurator", "прокур")),
    ("police", ("police", "полиц", "милиц")),
    ("security-service", ("security service", "state security", "intelligence", "спецслужб", "безопасности")),
    ("regulator", ("regulator", "commission", "authority", "agency", "roskomnadzor", "роскомнадзор", "надзор")),
    ("ministry", ("ministry", "minister", "министерств", "министр", "министрлиг")),
)


def guess_sender_kind(name: str) -> str | None:
    """The sender kind a name makes obvious ("Ministry of Information" → ministry), or None."""
    low = name.lower()
    for kind, words in _KIND_WORDS:
        if any(w in low for w in words):
            return kind
    return None


def _party(value: object, *, sender: bool) -> object:
    """A party given as a plain string becomes ``{name: …}`` (a sender's kind guessed from its name)."""
    if isinstance(value, str):
        party: dict[str, Any] = {"name": value}
        if sender and (kind := guess_sender_kind(value)):
            party["kind"] = kind
        return party
    if sender and isinstance(value, dict) and "kind" not in value and isinstance(value.get("name"), str):
        kind = guess_sender_kind(value["name"])
        return {**value, "kind": kind} if kind else value
    return value


def _listify(value: object) -> object:
    """A single item where a list is expected becomes a one-item list."""
    return [value] if isinstance(value, str | dict) else value


def _legal_basis(value: object) -> object:
    items = _listify(value)
    if isinstance(items, list):
        return [{"citation": x} if isinstance(x, str) else x for x in items]
    return items


def _targets(value: object) -> object:
    items = _listify(value)
    if isinstance(items, list):
        return [
            ({"url": x} if urlsplit(x.strip()).scheme in ("http", "https") else {"description": x})
            if isinstance(x, str) else x
            for x in items
        ]
    return items


class SenderIn(_Model):
    name: str = Field(min_length=1)
    kind: Annotated[str, _choice(SENDER_KINDS, "sender kind")]
    country: Country = None
    person: str | None = None
    email: str | None = None
    phone: str | None = None


class RecipientIn(_Model):
    name: str = Field(min_length=1)
    kind: Annotated[str, _choice(RECIPIENT_KINDS, "recipient kind")] = "outlet"
    country: Country = None
    person: str | None = None


class LegalBasisIn(_Model):
    country: Country = None
    citation: str | None = None  # law and article, e.g. "Law on Mass Media, art. 23"
    text: str | None = None


class TargetIn(_Model):
    url: str | None = None
    description: str | None = None
    redact_url: bool = False

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value


class DemandIn(_Model):
    """A demand as entered (CLI, JSON import); dates accept ``YYYY-MM-DD`` or ISO 8601."""

    external_id: str | None = None
    demand_type: Annotated[str, _choice(DEMAND_TYPES, "demand type")] = "government-request"
    title: str = Field(min_length=1)
    sender: Annotated[SenderIn, BeforeValidator(lambda v: _party(v, sender=True))]
    recipient: Annotated[RecipientIn, BeforeValidator(lambda v: _party(v, sender=False))]
    date_sent: When = None
    date_received: When = None
    deadline: When = None
    channel: Annotated[str | None, BeforeValidator(lambda v: v or None)] = None
    legal_basis: Annotated[list[LegalBasisIn], BeforeValidator(_legal_basis)] = Field(default_factory=list)
    actions: Annotated[
        list[Annotated[str, _choice(ACTIONS, "demanded action")]], BeforeValidator(_listify)
    ] = Field(min_length=1)
    targets: Annotated[list[TargetIn], BeforeValidator(_targets)] = Field(default_factory=list)
    response: Annotated[str, _choice(RESPONSES, "response")] = "pending"
    response_at: When = None
    visibility: Annotated[str, _choice(VISIBILITIES, "visibility")] = "public"
    notes: str = ""
    measure_in: Annotated[list[Annotated[str, BeforeValidator(_country)]], BeforeValidator(_listify)] = Field(
        default_factory=list
    )

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is None:
            return None
        norm = value.strip().lower().replace("_", "-").replace(" ", "-")
        norm = _ALIASES.get(norm, norm)
        if norm not in CHANNELS:
            raise ValueError(f"unknown channel {value!r} (one of: {', '.join(CHANNELS)})")
        return norm


def _model_at(loc: Sequence[object]) -> type[BaseModel] | None:
    """The input model that holds the field at ``loc`` (for naming the fields it does accept)."""
    model: type[BaseModel] | None = DemandIn
    for part in loc[:-1]:
        if model is None or isinstance(part, int):
            continue
        field_info = model.model_fields.get(str(part))
        if field_info is None:
            return None
        model = next((t for t in _model_types(field_info.annotation)), None)
    return model


def _model_types(annotation: object) -> list[type[BaseModel]]:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in get_args(annotation) for m in _model_types(a)]


_SHAPES = {
    "sender": 'an object {"name": …, "kind": …, "country": …} or just the name as a string',
    "recipient": 'an object {"name": …, "kind": "outlet", "country": …} or just the name as a string',
    "legal_basis": 'a list of {"country": …, "citation": …} or of strings',
    "targets": 'a list of {"url": …} / {"description": …} or of URL strings',
    "actions": f"a list of: {', '.join(ACTIONS)}",
}


def _format_errors(exc: ValidationError) -> str:
    """One readable line per problem, naming the field and the shape it expects."""
    parts = []
    for err in exc.errors():
        path = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        loc = ".".join(str(p) for p in path) or "demand"
        kind = err["type"]
        field_name = str(path[-1]) if path else ""
        if kind == "missing":
            if field_name == "kind" and path[:1] == ["sender"]:
                msg = f"required (one of: {', '.join(SENDER_KINDS)}); it could not be guessed from the name"
            else:
                msg = "required" + (f": {_SHAPES[field_name]}" if field_name in _SHAPES else "")
        elif kind == "extra_forbidden":
            model = _model_at(path)
            known = list(model.model_fields) if model is not None else []
            close = difflib.get_close_matches(field_name, known, n=1)
            msg = "unknown field" + (f" (did you mean {close[0]!r}?)" if close else "")
            if known:
                msg += f"; known fields: {', '.join(known)}"
        elif kind in ("model_type", "model_attributes_type", "list_type", "dict_type") and (
            field_name in _SHAPES or (len(path) > 1 and str(path[-2]) in _SHAPES)
        ):
            key = field_name if field_name in _SHAPES else str(path[-2])
            msg = f"expected {_SHAPES[key]}, got {type(err.get('input')).__name__}"
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "invalid demand: " + "; ".join(parts)


def validate_demand(data: Mapping[str, Any] | DemandIn, now: datetime) -> DemandIn:
    """Parse and check a demand (types, countries, enumerations, date order and range)."""
    try:
        d = data if isinstance(data, DemandIn) else DemandIn.model_validate(dict(data))
    except ValidationError as exc:
        raise InvalidDemand(_format_errors(exc)) from None
    latest = now + timedelta(days=1)
    for name in ("date_sent", "date_received", "response_at"):
        when = getattr(d, name)
        if when is not None and not EARLIEST_DATE <= when <= latest:
            raise InvalidDemand(
                f"invalid demand: {name}: {isoformat(when)} is out of range "
                f"(between {EARLIEST_DATE.date()} and tomorrow)"
            )
    if d.deadline is not None and d.deadline < EARLIEST_DATE:
        raise InvalidDemand(f"invalid demand: deadline: {isoformat(d.deadline)} is out of range")
    if d.date_sent and d.date_received and d.date_received < d.date_sent:
        raise InvalidDemand("invalid demand: date_received is before date_sent")
    start = d.date_sent or d.date_received
    if start and d.deadline and d.deadline < start:
        raise InvalidDemand("invalid demand: deadline is before the demand was sent")
    if start and d.response_at and d.response_at < start:
        raise InvalidDemand("invalid demand: response_at is before the demand was sent")
    for t in d.targets:
        if not t.url and not t.description:
            raise InvalidDemand("invalid demand: targets: each target needs a url or a description")
    return d


def content_digest(d: DemandIn) -> str:
    """sha256 over the demand's substance (not its response, notes or visibility): duplicate detection."""
    body = d.model_dump(mode="json", exclude=_SUBSTANCE_EXCLUDE)
    for t in body.get("targets", []):
        t.pop("redact_url", None)
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


# -- documents ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredDocument:
    sha256: str
    size: int
    mime: str
    filename: str
    path: Path


_UNSAFE = re.compile(r"[^\w.\- ()\[\]+@,]")


def sanitize_filename(name: str, default: str = "document") -> str:
    """A display-safe file name: no directories, control characters or leading dots; at most 120 chars."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"_{2,}", "_", name)
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:120]
    return name or default


def _looks_like_email(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return False
    try:
        head = data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        head = data[:65536].decode("latin-1")
    if not re.match(r"[A-Za-z0-9-]+:", head):
        return False
    msg = email.parser.Parser(policy=email.policy.compat32).parsestr(head, headersonly=True)
    keys = {k.lower() for k in msg.keys()}
    return "from" in keys and bool(keys & {"date", "subject", "message-id", "to"})


def sniff_type(data: bytes) -> str:
    """The MIME type by magic bytes; :class:`InvalidDocument` for executables and unknown types."""
    kind = filetype.guess(data)
    if kind is not None:
        mime = str(kind.mime)
        if mime in EXECUTABLE_MIMES or data[:2] == b"MZ" or data[:4] == b"\x7fELF":
            raise InvalidDocument(f"refused document: executable content ({mime})")
        if mime not in ALLOWED_MIMES:
            raise InvalidDocument(f"refused document: type {mime} is not accepted (PDF, image or e-mail)")
        return mime
    if data[:2] == b"MZ" or data[:4] == b"\x7fELF" or data[:2] == b"#!":
        raise InvalidDocument("refused document: executable content")
    if _looks_like_email(data):
        return "message/rfc822"
    raise InvalidDocument("refused document: unknown file type (PDF, image or e-mail accepted)")


def store_document(
    data_dir: Path, data: bytes, filename: str, *, max_bytes: int = MAX_DOCUMENT_BYTES
) -> StoredDocument:
    """Check a document and copy it to ``documents/<sha256>`` (never overwriting an existing file)."""
    if len(data) > max_bytes:
        raise InvalidDocument(f"refused document: {len(data)} bytes is over the {max_bytes}-byte limit")
    if not data:
        raise InvalidDocument("refused document: empty file")
    mime = sniff_type(data)
    sha = hashlib.sha256(data).hexdigest()
    folder = data_dir / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / sha
    if not path.exists():
        tmp = folder / f".{sha}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if it appeared meanwhile: never overwrite
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    elif hashlib.sha256(path.read_bytes()).hexdigest() != sha:
        raise InvalidDocument(f"stored document {path} does not match its digest; not touching it")
    return StoredDocument(sha, len(data), mime, sanitize_filename(filename), path)


def read_document(path: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes:
    """Read a file to attach, refusing oversized files before reading them whole."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidDocument(
                f"refused document {path.name}: {size} bytes is over the {max_bytes}-byte limit"
            )
        return path.read_bytes()
    except OSError as exc:
        raise InvalidDocument(f"cannot read document {path}: {exc.strerror}") from exc


# -- evidence log ------------------------------------------------------------------------------------
def ledger_append(
    core: Presswatch,
    session: Session,
    kind: str,
    record: dict[str, Any],
    *,
    ref: str,
    supersedes: int | None = None,
    rows: Sequence[str] = (),
) -> int:
    """Append to the evidence log inside ``session``'s transaction; returns the entry's index.

    Document digests travel inside ``record`` (the log's ``digests`` are reserved for WARC captures).
    ``rows`` are further rows the entry commits to (a demand's targets, documents and revision).
    """
    return Ledger(core).append(session, kind, record, ref=ref, supersedes=supersedes, rows=rows)


def _demand_rows(
    targets: Iterable[DemandTarget], docs: Iterable[DemandDocument], revision: DemandRevision
) -> list[str]:
    return [
        *(f"demand_target:{t.id}" for t in targets),
        *(f"demand_document:{d.id}" for d in docs),
        f"demand_revision:{revision.id}",
    ]


def _for_log(record: dict[str, Any]) -> dict[str, Any]:
    """The log holds the unredacted record: anything not public is marked private (bundles ship its hash)."""
    return {**record, "private": record.get("visibility") != "public"}


def add_case_event(core: Presswatch, session: Session, event: NewEvent) -> Event:
    """Add a case event (``demand``, ``incident-outcome``) with its outbox row and its evidence-log entry,
    inside the caller's write transaction (the change it reports commits with it, or neither does)."""
    (row,) = add_events(session, [event], now=core.clock.now())
    session.flush()
    record = {"id": row.id, "watch_id": row.watch_id, "at": row.at, "kind": row.kind, "status": row.status,
              "reason": row.reason, "country": row.country, "summary": row.summary,
              "private": bool(event.details.get("private")) or event.details.get("visibility", "public") != "public"}
    Ledger(core).append(session, "event", record, ref=f"event:{row.id}")
    return row


def _host_of(url: str | None) -> str | None:
    if not url:
        return None
    if "://" not in url:  # a redacted target shows its host only
        return url.lower()
    host = urlsplit(url).hostname
    return host.lower() if host else None


def demand_event(record: Mapping[str, Any], at: datetime) -> NewEvent:
    """The ``demand`` event of a recorded demand (pure). Its ``details`` carry what alerts match on
    (``countries``, ``hosts``, ``private``) and ``demand``: what an alert may say of it — the record as
    published (:func:`public_record`: a redacted demand's redacted copy) or, for a private demand (which
    only reaches subscriptions whose owner may see private records), the record itself; never personal
    contacts, notes or document names."""
    visibility = str(record.get("visibility") or "private")
    shown = public_record(record) if visibility != "private" else json.loads(json.dumps(record))
    assert shown is not None
    sender, recipient = shown.get("sender") or {}, shown.get("recipient") or {}
    data = {
        "id": shown["id"],
        "title": shown.get("title"),
        "demand_type": shown.get("demand_type"),
        "sender": {"name": sender.get("name"), "kind": sender.get("kind"), "country": sender.get("country")},
        "recipient": {"name": recipient.get("name"), "kind": recipient.get("kind"),
                      "country": recipient.get("country")},
        "date_sent": shown.get("date_sent"),
        "date_received": shown.get("date_received"),
        "deadline": shown.get("deadline"),
        "channel": shown.get("channel"),
        "legal_basis": shown.get("legal_basis") or [],
        "actions": shown.get("actions") or [],
        "targets": [{"url": t.get("url"), "description": t.get("description")} for t in shown.get("targets") or []],
        "response": shown.get("response"),
        "visibility": visibility,
    }
    countries = {c for c in (sender.get("country"), recipient.get("country"), *(shown.get("measure_in") or []),
                             *(lb.get("country") for lb in shown.get("legal_basis") or [])) if c}
    hosts = {h for t in shown.get("targets") or [] if (h := _host_of(t.get("url")))}
    private = visibility == "private"
    summary = f"demand #{shown['id']} received" + ("" if private else f": {shown.get('title')}")
    return NewEvent(
        kind="demand", at=at, status="received", summary=summary, country=sender.get("country"),
        details={"demand_id": shown["id"], "visibility": visibility, "private": private,
                 "countries": sorted(countries), "hosts": sorted(hosts), "incidents": [], "demand": data},
    )  # fmt: skip


# -- records -----------------------------------------------------------------------------------------
def _iso(dt: datetime | None) -> str | None:
    return isoformat(dt) if dt is not None else None


def demand_record(
    d: Demand, targets: Iterable[DemandTarget], documents: Iterable[DemandDocument]
) -> dict[str, Any]:
    """The full (unredacted) JSON record of a demand: the snapshot stored in each revision."""
    return {
        "id": d.id,
        "external_id": d.external_id,
        "content_digest": d.content_digest,
        "demand_type": d.demand_type,
        "title": d.title,
        "sender": {
            "name": d.sender_name,
            "kind": d.sender_kind,
            "country": d.sender_country,
            "person": d.sender_person,
            "email": d.sender_email,
            "phone": d.sender_phone,
        },
        "recipient": {
            "name": d.recipient_name,
            "kind": d.recipient_kind,
            "country": d.recipient_country,
            "person": d.recipient_person,
        },
        "date_sent": _iso(d.date_sent),
        "date_received": _iso(d.date_received),
        "deadline": _iso(d.deadline),
        "channel": d.channel,
        "legal_basis": list(d.legal_basis or []),
        "actions": list(d.actions or []),
        "targets": [
            {"url": t.url, "description": t.description, "redact_url": t.redact_url, "watch_id": t.watch_id}
            for t in targets
        ],
        "documents": [
            {
                "sha256": doc.sha256,
                "filename": doc.filename,
                "mime": doc.mime,
                "size": doc.size,
                "role": doc.role,
            }
            for doc in documents
        ],
        "response": d.response,
        "response_at": _iso(d.response_at),
        "visibility": d.visibility,
        "notes": d.notes,
        "measure_in": list(d.measure_in or []),
        "revision": d.revision,
        "created_at": _iso(d.created_at),
        "updated_at": _iso(d.updated_at),
    }


def _input_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """The editable (input) form of a record."""
    keys = set(DemandIn.model_fields)
    out = {k: v for k, v in record.items() if k in keys}
    out["targets"] = [{k: v for k, v in t.items() if k != "watch_id"} for t in record.get("targets", [])]
    return out


def _load(session: Session, demand_id: int) -> tuple[Demand, list[DemandTarget], list[DemandDocument]]:
    d = session.get(Demand, demand_id)
    if d is None:
        raise NotFound(f"no demand #{demand_id}")
    targets = list(
        session.scalars(
            select(DemandTarget).where(DemandTarget.demand_id == demand_id).order_by(DemandTarget.id)
        )
    )
    docs = list(
        session.scalars(
            select(DemandDocument).where(DemandDocument.demand_id == demand_id).order_by(DemandDocument.id)
        )
    )
    return d, targets, docs


def _apply(d: Demand, v: DemandIn) -> None:
    d.external_id = v.external_id
    d.demand_type = v.demand_type
    d.title = v.title
    d.sender_name, d.sender_kind, d.sender_country = v.sender.name, v.sender.kind, v.sender.country
    d.sender_person, d.sender_email, d.sender_phone = v.sender.person, v.sender.email, v.sender.phone
    d.recipient_name, d.recipient_kind = v.recipient.name, v.recipient.kind
    d.recipient_country, d.recipient_person = v.recipient.country, v.recipient.person
    d.date_sent, d.date_received, d.deadline = v.date_sent, v.date_received, v.deadline
    d.channel = v.channel
    d.legal_basis = [lb.model_dump() for lb in v.legal_basis]
    d.actions = list(dict.fromkeys(v.actions))
    d.response, d.response_at = v.response, v.response_at
    d.visibility, d.notes = v.visibility, v.notes
    d.measure_in = sorted(set(v.measure_in))


def measurement_countries(d: Demand) -> list[str]:
    """Countries whose probes should measure the targets: blocking demands and foreign-state demands."""
    out = set(d.measure_in or [])
    foreign = (
        d.sender_kind in STATE_SENDER_KINDS
        and d.sender_country is not None
        and d.recipient_country is not None
        and d.sender_country != d.recipient_country
    )
    if "block" in (d.actions or []) or foreign:
        if d.sender_country:
            out.add(d.sender_country)
        out.update(lb["country"] for lb in (d.legal_basis or []) if lb.get("country"))
    return sorted(out)


# -- add / update ------------------------------------------------------------------------------------
def _find_duplicate(session: Session, v: DemandIn, digest: str) -> tuple[int, str] | None:
    if v.external_id:
        hit = session.scalar(select(Demand.id).where(Demand.external_id == v.external_id))
        if hit is not None:
            return hit, f"already recorded as demand #{hit} (external_id {v.external_id})"
    hit = session.scalar(select(Demand.id).where(Demand.content_digest == digest))
    if hit is not None:
        return hit, f"duplicate of demand #{hit} (same content)"
    return None


def add_demand(
    core: Presswatch,
    data: Mapping[str, Any] | DemandIn,
    *,
    documents: Sequence[Path | tuple[str, bytes]] = (),
    by: str | None = None,
    digest: str | None = None,
    follow: bool = True,
) -> int:
    """Validate and record a demand with its documents; watch its targets. Returns the demand id.

    ``documents`` are paths or ``(filename, bytes)`` pairs. Raises :class:`InvalidDemand`,
    :class:`InvalidDocument` or :class:`DuplicateDemand`.
    """
    now = core.clock.now()
    v = validate_demand(data, now)
    if v.response != "pending" and v.response_at is None:
        v.response_at = now
    digest = digest or content_digest(v)
    stored = [_store(core, doc) for doc in documents]

    def write(s: Session) -> int:
        dup = _find_duplicate(s, v, digest)
        if dup is not None:
            raise DuplicateDemand(*dup)
        d = Demand(content_digest=digest, created_at=now, updated_at=now, revision=1)
        _apply(d, v)
        s.add(d)
        s.flush()
        targets = [
            DemandTarget(demand_id=d.id, url=t.url, description=t.description, redact_url=t.redact_url)
            for t in v.targets
        ]
        docs = [
            DemandDocument(
                demand_id=d.id,
                sha256=sd.sha256,
                filename=sd.filename,
                mime=sd.mime,
                size=sd.size,
                role="original" if i == 0 else "supporting",
                added_at=now,
            )
            for i, sd in enumerate(_unique_docs(stored))
        ]
        s.add_all([*targets, *docs])
        s.flush()
        record = demand_record(d, targets, docs)
        rev = DemandRevision(
            demand_id=d.id, revision=1, at=now, by=by, reason="recorded", changes={}, snapshot=record
        )
        s.add(rev)
        s.flush()
        rev.ledger_index = ledger_append(
            core, s, "demand", _for_log(record), ref=f"demand:{d.id}", rows=_demand_rows(targets, docs, rev)
        )
        add_case_event(core, s, demand_event(record, now))  # "demand received", for alerts
        return d.id

    demand_id = core.db.write(write)
    log.info("recorded demand #%d", demand_id)
    if follow:
        follow_up(core, demand_id)
    return demand_id


def _unique_docs(stored: Sequence[StoredDocument]) -> list[StoredDocument]:
    first: dict[str, StoredDocument] = {}
    for sd in stored:
        first.setdefault(sd.sha256, sd)
    return list(first.values())


def _store(core: Presswatch, doc: Path | tuple[str, bytes]) -> StoredDocument:
    if isinstance(doc, tuple):
        name, data = doc
    else:
        name, data = doc.name, read_document(doc)
    return store_document(core.data_dir, data, name)


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def update_demand(
    core: Presswatch,
    demand_id: int,
    changes: Mapping[str, Any],
    *,
    by: str | None = None,
    reason: str | None = None,
    documents: Sequence[Path | tuple[str, bytes]] = (),
) -> int:
    """Change a demand as a new revision (kept with its diff and snapshot). Returns the new revision number.

    ``changes`` uses the input keys of :class:`DemandIn`; ``sender``/``recipient`` merge field by field,
    lists (``targets``, ``actions`` …) replace. Unchanged values make no revision unless documents are added.
    """
    now = core.clock.now()
    stored = [_store(core, doc) for doc in documents]

    def write(s: Session) -> int:
        d, targets, docs = _load(s, demand_id)
        # an update that changes nothing leaves the rows as they were (re-applying the record would
        # still rewrite them, e.g. times to the record's whole seconds, with no log entry to say so)
        unchanged = s.begin_nested()
        before = demand_record(d, targets, docs)
        merged = _merge(_input_of(before), changes)
        if (
            "response" in changes
            and changes["response"] != before["response"]
            and "response_at" not in changes
        ):
            merged["response_at"] = now if merged.get("response", "pending") != "pending" else None
        v = validate_demand(merged, now)
        if v.external_id != d.external_id and v.external_id:
            other = s.scalar(select(Demand.id).where(Demand.external_id == v.external_id, Demand.id != d.id))
            if other is not None:
                raise InvalidDemand(f"external_id {v.external_id} is already used by demand #{other}")
        _apply(d, v)
        old_urls = [(t.url, t.description, t.redact_url) for t in targets]
        new_urls = [(t.url, t.description, t.redact_url) for t in v.targets]
        if old_urls != new_urls:
            keep = {t.url: t.watch_id for t in targets if t.url}
            for t in targets:
                s.delete(t)
            targets = [
                DemandTarget(
                    demand_id=d.id,
                    url=t.url,
                    description=t.description,
                    redact_url=t.redact_url,
                    watch_id=keep.get(t.url or ""),
                )
                for t in v.targets
            ]
            s.add_all(targets)
        known = {doc.sha256 for doc in docs}
        for sd in stored:
            if sd.sha256 not in known:
                known.add(sd.sha256)
                doc = DemandDocument(
                    demand_id=d.id,
                    sha256=sd.sha256,
                    filename=sd.filename,
                    mime=sd.mime,
                    size=sd.size,
                    role="supporting",
                    added_at=now,
                )
                s.add(doc)
                docs.append(doc)
        s.flush()
        after = demand_record(d, targets, docs)
        diff = {
            k: {"old": before[k], "new": after[k]}
            for k in after
            if k not in ("revision", "updated_at") and before[k] != after[k]
        }
        if not diff:
            unchanged.rollback()
            return d.revision
        d.revision += 1
        d.updated_at = now
        after["revision"], after["updated_at"] = d.revision, isoformat(now)
        prev = s.scalar(
            select(DemandRevision.ledger_index)
            .where(DemandRevision.demand_id == d.id)
            .order_by(DemandRevision.revision.desc())
            .limit(1)
        )
        record = {**after, "update": {"revision": d.revision, "by": by, "reason": reason, "changes": diff}}
        rev = DemandRevision(
            demand_id=d.id, revision=d.revision, at=now, by=by, reason=reason, changes=diff, snapshot=after
        )
        s.add(rev)
        s.flush()
        rev.ledger_index = ledger_append(
            core, s, "demand-update", _for_log(record), ref=f"demand:{d.id}", supersedes=prev,
            rows=_demand_rows(targets, docs, rev),
        )
        unchanged.commit()
        if "response" in diff or "targets" in diff or "deadline" in diff:  # what incidents' outcomes read
            from presswatch.cases.incidents import incidents_of_demand, outcome_events

            outcome_events(core, s, incidents_of_demand(s, d.id))
        return d.revision

    revision = core.db.write(write)
    if "targets" in changes or "actions" in changes or "deadline" in changes or "measure_in" in changes:
        follow_up(core, demand_id)
    return revision


def set_response(
    core: Presswatch,
    demand_id: int,
    response: str,
    *,
    at: datetime | str | None = None,
    by: str | None = None,
    reason: str | None = None,
) -> int:
    """Record the recipient's response (pending/refused/complied/…) as a new revision."""
    changes: dict[str, Any] = {"response": response}
    if at is not None:
        changes["response_at"] = at
    return update_demand(core, demand_id, changes, by=by, reason=reason or f"response: {response}")


# -- follow-up watches -------------------------------------------------------------------------------
def follow_up(core: Presswatch, demand_id: int) -> list[int]:
    """Watch every target URL closely until deadline + 14 days, tagged with countries to measure from."""
    with core.db.session() as s:
        d, targets, _ = _load(s, demand_id)
        urls = [t.url for t in targets if t.url]
        countries = measurement_countries(d)
        ref = d.deadline or d.date_received or d.date_sent or core.clock.now()
        until = ref + FOLLOW_UP
    if not urls:
        return []
    ids: dict[str, int] = {}
    for url in dict.fromkeys(urls):
        if (wid := _watch(core, url, until, countries)) is not None:
            ids[url] = wid

    def write(s: Session) -> None:
        for t in s.scalars(select(DemandTarget).where(DemandTarget.demand_id == demand_id)):
            if t.url in ids:
                t.watch_id = ids[t.url]
        for watch_id in set(ids.values()):
            w = s.get(Watch, watch_id)
            if w is None:
                continue
            tags = dict(w.tags or {})
            tags["demands"] = sorted(set(tags.get("demands", [])) | {demand_id})
            if countries:
                tags["measure_in"] = sorted(set(tags.get("measure_in", [])) | set(countries))
            w.tags = tags
            if w.priority_until is None or as_utc(w.priority_until) < until:
                w.priority_until = until

    core.db.write(write)
    return sorted(set(ids.values()))


def _watch(core: Presswatch, url: str, until: datetime, countries: list[str]) -> int | None:
    from presswatch.sources.watchlist import add_watch

    tags: dict[str, Any] = {"measure_in": countries} if countries else {}
    try:
        return add_watch(core, url, kind="article", tags=tags, priority_until=until)
    except (PresswatchError, ValueError) as exc:  # e.g. a target the SSRF guard refuses
        log.warning("cannot watch demand target %s: %s", url, exc)
        return None


# -- reads -------------------------------------------------------------------------------------------
def get_demand(core: Presswatch, demand_id: int, *, history: bool = False) -> dict[str, Any]:
    """The full record of a demand, optionally with its revisions."""
    with core.db.session() as s:
        d, targets, docs = _load(s, demand_id)
        record = demand_record(d, targets, docs)
        if history:
            revs = s.scalars(
                select(DemandRevision)
                .where(DemandRevision.demand_id == demand_id)
                .order_by(DemandRevision.revision)
            )
            record["history"] = [
                {
                    "revision": r.revision,
                    "at": isoformat(r.at),
                    "by": r.by,
                    "reason": r.reason,
                    "changes": r.changes,
                    "ledger_index": r.ledger_index,
                }
                for r in revs
            ]
    return record


def list_demands(
    core: Presswatch,
    *,
    country: str | None = None,
    response: str | None = None,
    visibility: str | None = None,
) -> list[dict[str, Any]]:
    """Full records of demands, oldest first, optionally filtered by sender country/response/visibility."""
    with core.db.session() as s:
        q = select(Demand.id).order_by(Demand.id)
        if country:
            q = q.where(Demand.sender_country == country_code(country))
        if response:
            q = q.where(Demand.response == response)
        if visibility:
            q = q.where(Demand.visibility == visibility)
        ids = list(s.scalars(q))
        return [demand_record(*_load(s, i)) for i in ids]


# -- privacy -----------------------------------------------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w/])\+?\(?\d[\d ().-]{5,}\d(?![\w/])")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")


def scrub(text: str | None) -> str | None:
    """Replace e-mail addresses and phone numbers in free text by ``[redacted]``."""
    if not text:
        return text
    text = _EMAIL.sub(REDACTED, text)

    def phone(m: re.Match[str]) -> str:
        s = m.group(0)
        if _DATE.fullmatch(s.strip()) or sum(ch.isdigit() for ch in s) < 7:
            return s
        return REDACTED

    return _PHONE.sub(phone, text)


def redact_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A publishable copy of a *redacted* demand: no personal names, contacts, notes or marked URLs."""
    r = json.loads(json.dumps(record))
    sender, recipient = r["sender"], r["recipient"]
    for key in ("person", "email", "phone"):
        if sender.get(key):
            sender[key] = REDACTED
    sender["name"] = scrub(sender["name"])
    if recipient.get("person"):
        recipient["person"] = REDACTED
    recipient["name"] = REDACTED if recipient.get("kind") == "editor" else scrub(recipient["name"])
    r["title"] = scrub(r["title"])
    r["notes"] = REDACTED if r.get("notes") else ""
    for lb in r["legal_basis"]:
        lb["text"] = scrub(lb.get("text"))
    for t in r["targets"]:
        t["description"] = scrub(t.get("description"))
        if t.get("redact_url") and t.get("url"):
            t["url"] = urlsplit(t["url"]).hostname
            t["watch_id"] = None
    for doc in r["documents"]:
        doc["filename"] = REDACTED
    r.pop("history", None)
    return r


def public_record(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """What may be published of a demand: None if private, redacted if marked so, else a copy."""
    vis = record.get("visibility")
    if vis == "public":
        out = json.loads(json.dumps(record))
        out.pop("history", None)
        return out
    if vis == "redacted":
        return redact_record(record)
    return None


def public_demands(core: Presswatch) -> list[dict[str, Any]]:
    """Every demand that may be published (for feeds and public pages), private ones left out."""
    return [p for r in list_demands(core) if (p := public_record(r)) is not None]


@dataclass(frozen=True)
class Unpublished:
    """What public output must leave out, as decided by :func:`public_record` (``demand export --public``).

    ``demand_ids``: demands not published at all (private); ``urls`` / ``watch_ids``: target URLs (and the
    watches following them) that the published record does not show — every target of a private demand,
    the ``redact_url`` targets of a redacted one; ``hosts``: hosts of targets of private demands (a redacted
    record shows the host, a private one nothing).
    """

    demand_ids: frozenset[int] = frozenset()
    urls: frozenset[str] = frozenset()
    watch_ids: frozenset[int] = frozenset()
    hosts: frozenset[str] = frozenset()


def _canonical(url: str) -> str:
    from presswatch.sources.urls import canonical_url

    return canonical_url(url)


def unpublished(core: Presswatch) -> Unpublished:
    """Compare each demand's full record with its :func:`public_record`: whatever the latter drops."""
    ids: set[int] = set()
    urls: set[str] = set()
    watch_ids: set[int] = set()
    hosts: set[str] = set()
    for record in list_demands(core):
        published = public_record(record)
        shown = published["targets"] if published is not None else [{} for _ in record["targets"]]
        if published is None:
            ids.add(int(record["id"]))
        for target, public_target in zip(record["targets"], shown, strict=True):
            url = target.get("url")
            if url and public_target.get("url") != url:
                urls.add(url)
                with contextlib.suppress(PresswatchError, ValueError):
                    urls.add(_canonical(url))
                if published is None and (host := urlsplit(url).hostname):
                    hosts.add(host.lower())
            if target.get("watch_id") is not None and public_target.get("watch_id") != target["watch_id"]:
                watch_ids.add(int(target["watch_id"]))
    return Unpublished(frozenset(ids), frozenset(urls), frozenset(watch_ids), frozenset(hosts))


# -- Lumen-compatible JSON ---------------------------------------------------------------------------
_LUMEN_TYPES = {
    "government-request": "GovernmentRequest",
    "court-order": "CourtOrder",
    "law-enforcement-request": "LawEnforcementRequest",
    "regulator-order": "GovernmentRequest",
    "data-protection": "DataProtection",
    "defamation": "Defamation",
    "copyright": "DMCA",
    "other": "Other",
}
_FROM_LUMEN = {
    "GovernmentRequest": ("government-request", "ministry"),
    "CourtOrder": ("court-order", "court"),
    "LawEnforcementRequest": ("law-enforcement-request", "police"),
    "DataProtection": ("data-protection", "private-party"),
    "Defamation": ("defamation", "private-party"),
    "DMCA": ("copyright", "private-party"),
}
_ACTION_TAKEN = {"complied": "Yes", "refused": "No", "partially-complied": "Partial"}
_RESPONSE_OF = {"yes": "complied", "no": "refused", "partial": "partially-complied"}


def to_lumen(record: Mapping[str, Any]) -> dict[str, Any]:
    """A notice in the Lumen API's shape (same keys for every type), full record under ``presswatch``."""
    countries = [
        c
        for c in [record["sender"].get("country")] + [lb.get("country") for lb in record["legal_basis"]]
        if c
    ]
    return {
        "id": record["id"],
        "type": _LUMEN_TYPES.get(record["demand_type"], "Other"),
        "title": record["title"],
        "body": record["notes"],
        "date_sent": record["date_sent"],
        "date_received": record["date_received"],
        "date_submitted": record["created_at"],
        "sender_name": record["sender"]["name"],
        "principal_name": None,
        "recipient_name": record["recipient"]["name"],
        "works": [
            {
                "description": t.get("description"),
                "infringing_urls": [{"url": t["url"]}] if t.get("url") else [],
            }
            for t in record["targets"]
        ],
        "tags": list(record["actions"]),
        "jurisdictions": list(dict.fromkeys(countries)),
        "regulations": [lb.get("citation") or lb.get("text") for lb in record["legal_basis"]],
        "action_taken": _ACTION_TAKEN.get(record["response"], "Unspecified"),
        "request_type": record["channel"],
        "language": None,
        "presswatch": dict(record),
    }


def export_demands(core: Presswatch, *, public: bool = False) -> dict[str, Any]:
    """All demands as ``{"notices": [...], "meta": {...}}``; ``public`` drops private and redacts redacted."""
    records = list_demands(core)
    if public:
        records = [p for r in records if (p := public_record(r)) is not None]
    return {
        "notices": [to_lumen(r) for r in records],
        "meta": {
            "generator": "presswatch",
            "exported_at": isoformat(core.clock.now()),
            "public": public,
            "count": len(records),
        },
    }


def from_lumen(notice: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The input form of an imported notice and its content digest (if the file gives one)."""
    inner = notice.get("presswatch")
    if isinstance(inner, Mapping):
        data = _input_of(inner)
        data["sender"] = {k: v for k, v in (inner.get("sender") or {}).items()}
        data["recipient"] = {k: v for k, v in (inner.get("recipient") or {}).items()}
        return data, inner.get("content_digest")
    if len(notice) == 1:  # old API shape: {"dmca": {...}}
        (only,) = notice.values()
        if isinstance(only, Mapping):
            notice = only
    dtype, sender_kind = _FROM_LUMEN.get(str(notice.get("type")), ("other", "private-party"))
    targets = []
    for work in notice.get("works") or []:
        urls = [
            u.get("url") if isinstance(u, Mapping) else u
            for key in ("infringing_urls", "targetted_urls", "urls_in_request", "problematic_urls")
            for u in work.get(key) or []
        ]
        targets += [{"url": u, "description": work.get("description")} for u in urls if u]
        if not urls and work.get("description"):
            targets.append({"description": work["description"]})
    jurisdictions = notice.get("jurisdictions") or []
    data = {
        "external_id": f"lumen:{notice['id']}" if notice.get("id") is not None else None,
        "demand_type": dtype,
        "title": notice.get("title") or "(untitled notice)",
        "sender": {
            "name": notice.get("sender_name") or notice.get("principal_name") or "(unknown)",
            "kind": sender_kind,
            "country": jurisdictions[0] if jurisdictions else None,
        },
        "recipient": {"name": notice.get("recipient_name") or "(unknown)", "kind": "platform"},
        "date_sent": notice.get("date_sent"),
        "date_received": notice.get("date_received"),
        "legal_basis": [{"citation": r} for r in notice.get("regulations") or [] if r],
        "actions": ["remove"],
        "targets": targets,
        "response": _RESPONSE_OF.get(str(notice.get("action_taken") or "").lower(), "pending"),
        "notes": notice.get("body") or "",
    }
    return data, None


@dataclass
class ImportResult:
    added: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one message per skipped notice


def import_demands(
    core: Presswatch, payload: Mapping[str, Any] | Sequence[Any], *, by: str | None = None
) -> ImportResult:
    """Import Lumen-shaped notices; duplicates (external_id or content digest) are skipped with a message.

    Invalid notices raise :class:`InvalidDemand` naming their position; nothing after it is imported.
    """
    notices = payload.get("notices", []) if isinstance(payload, Mapping) else payload
    result = ImportResult()
    for i, notice in enumerate(notices):
        if not isinstance(notice, Mapping):
            raise InvalidDemand(f"notice {i + 1}: not a JSON object")
        data, digest = from_lumen(notice)
        docs = _known_documents(core, notice.get("presswatch"))
        try:
            v = validate_demand(data, core.clock.now())
            result.added.append(
                add_demand(core, v, by=by, digest=digest or content_digest(v), documents=docs)
            )
        except DuplicateDemand as exc:
            result.skipped.append(f"notice {i + 1}: skipped, {exc}")
            log.info("import: notice %d skipped: %s", i + 1, exc)
        except InvalidDemand as exc:
            raise InvalidDemand(f"notice {i + 1}: {exc}") from None
    return result


def _known_documents(core: Presswatch, inner: object) -> list[tuple[str, bytes]]:
    """Documents of an exported record that this data folder already holds (others cannot be imported)."""
    out: list[tuple[str, bytes]] = []
    if not isinstance(inner, Mapping):
        return out
    for doc in inner.get("documents") or []:
        sha = str(doc.get("sha256", ""))
        path = core.data_dir / "documents" / sha
        if re.fullmatch(r"[0-9a-f]{64}", sha) and path.is_file():
            with contextlib.suppress(OSError):
                out.append((str(doc.get("filename") or "document"), path.read_bytes()))
    return out


def strip_line_comments(text: str) -> str:
    """``text`` without ``// …`` comments outside strings (as in ``demand template``); strict JSON is unchanged."""
    out: list[str] = []
    in_string = escaped = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def demand_json_schema() -> dict[str, Any]:
    """The JSON Schema of a demand file (and of the API's demand body), generated from the input model."""
    schema = DemandIn.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://presswatch.example/schemas/demand.json"
    schema["description"] = (
        "A takedown demand (Lumen notice model with presswatch's additions). Shorthand accepted on input: "
        "sender/recipient as a name string, legal_basis and targets as strings, single values for lists."
    )
    return schema


def load_json_file(path: Path) -> Any:
    """Read an import file with a clear error for unreadable or malformed JSON (``//`` comments allowed)."""
    try:
        return json.loads(strip_line_comments(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise InvalidDemand(f"cannot read {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidDemand(f"{path} is not valid JSON: {exc}") from exc
