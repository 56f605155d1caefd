"""The tamper-evident evidence log: an append-only Merkle tree in the manner of Certificate Transparency.

Every observation, measurement, demand, incident and event is appended as a leaf whose data is the
entry's canonical JSON (RFC 8785, by the rfc8785 package). Appends run inside the
caller's write transaction, so a crash leaves either the whole entry (and the updated frontier) or
nothing. Tree heads are signed with an Ed25519 key kept in the data folder and can be published
(``published/sth-<size>.json`` and an Atom feed) so outsiders hold copies.

What an entry (format 2) commits to:

* ``record``: the human-readable account of what happened (e.g. the ``check --json`` object);
* ``rows``: for the row it describes (``ref``) and each further row it covers (the capture row of every
  hop of a check and the version it names, a demand's targets, documents and revision, an incident's
  links), the row exactly as stored — :func:`row_commitment` of the row read back from the database
  after a flush: every column except ``ledger_index`` (the back-pointer to the entry itself, checked separately) and
  :data:`MUTABLE_COLUMNS`;
* ``warc``: for each capture row, the SHA-256 of the record's stored bytes and the request record
  archived with it (offset, length, record id, block digest, SHA-256 of its bytes);
* ``digests``: the WARC digests of the captures it cites (what bundles select captures by).

:meth:`Ledger.verify_store` re-checks everything from the stored bytes: leaves, tree heads and
signatures, each described row against the latest entry describing it (the same :func:`row_commitment`
on both sides, compared as canonical JSON), each committed WARC record and request record, and that
no row of :data:`LOGGED_TABLES` exists without an entry. Every failure names the entry, row or record.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import logging
import math
import os
import re
import secrets
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Table, event, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from presswatch.archive.records import (
    RecordReader,
    check_warc_record,
)
from presswatch.errors import ArchiveError, DatabaseError, VerificationError
from presswatch.fsutil import atomic_write
from presswatch.record.ledger_models import LogEntry, LogState, TreeHead
from presswatch.record.merkle import EMPTY_ROOT, CompactRange, MerkleTree, leaf_hash, verify_consistency

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "BACKLINKED_TABLES",
    "ENTRY_VERSION",
    "KEY_FILE",
    "LOGGED_TABLES",
    "MUTABLE_COLUMNS",
    "PUBLISHED_DIR",
    "STH_TYPE",
    "UNCOMMITTED_COLUMNS",
    "canonical_json",
    "inserted_commitment",
    "key_id_of",
    "Ledger",
    "load_or_create_key",
    "load_public_key",
    "note_warc_commitment",
    "parse_ref",
    "public_key_pem",
    "read_row_commitments",
    "row_commitment",
    "SignedTreeHead",
    "VerificationReport",
    "warc_commitment",
]

log = logging.getLogger(__name__)

# 2: entries commit to the rows they describe ("rows") and their request records.
# 3: a row of a table whose rows never change (a version, text included) is committed to in full by the
#    entry written with it and afterwards by its digest ("row_digests": ref -> "sha256:<hex>", see
#    _settled_digest), so the entry of every unchanged check does not repeat the version's text.
ENTRY_VERSION = 3
STH_TYPE = "presswatch-sth-v1"
KEY_FILE = Path("keys") / "log-ed25519.pem"
PUBLISHED_DIR = "published"
_DIGEST_RE = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9+/=_-]+$")
_key_lock = threading.Lock()
# A column holding the index of the row's own log entry is set from what ``append`` returns: it cannot be
# part of the row's commitment (the entry would have to contain its own index before it exists).
UNCOMMITTED_COLUMNS = frozenset({"ledger_index"})
# Columns of a table that honestly change after the entry describing the row, without a new entry:
# a demand target's link to the watch that follows it (set by the follow-up, derived from its URL) and
# a version's sightings (counted on each check that sees the same text again).
MUTABLE_COLUMNS: Mapping[str, frozenset[str]] = {
    "demand_target": frozenset({"watch_id"}),
    "version": frozenset({"last_seen_at", "seen_count"}),
}
# Tables whose every row is written together with a log entry describing it: a row of these tables that
# no entry describes was added behind the log's back.
# (Capture rows are covered through the entries that cite them: an uncited one is evidence of nothing.)
LOGGED_TABLES = (
    "observation", "version", "event", "measurement", "demand", "demand_target", "demand_document", "demand_revision",
    "incident", "incident_link", "incident_note",
)  # fmt: skip
# Tables whose ``ledger_index`` always holds the index of the latest entry describing the row.
BACKLINKED_TABLES = ("demand_revision", "incident", "incident_note")
_MAX_REQUEST_RECORD = 4 * 1024 * 1024


# -- canonical JSON ------------------------------------------------------------------------------
# RFC 8785 (JCS) by the ``rfc8785`` package. Two values JCS has no form for keep the form entries have
# always had: datetimes/dates become ISO 8601 strings, and integers beyond ±(2**53 - 1) (outside I-JSON)
# are written as their decimal digits, so entries written before stay byte-identical.
_JCS_INT_MAX = 2**53 - 1


def _timestamp(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# placeholders of out-of-range integers: a NUL and 64 random bits drawn once per process, which no string
# of an entry holds (and no writer can know)
_BIG_TAG = "\x00pw-int-" + secrets.token_hex(8) + "-"


def _jcs_ready(obj: Any, big: dict[str, int], tag: str, odd: list[bool]) -> Any:
    """``obj`` with datetimes as strings and out-of-range integers as placeholders (keys in ``big``);
    ``odd`` gets an item when ``obj`` holds a float without the same form in both encoders or a non-ASCII
    key (see :func:`canonical_json`)."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, float):
        # repr (the standard library's form) is ECMAScript's for a non-integral float in [1e-4, 1e16):
        # the same shortest round-trip digits, in plain notation. An integral float of at most 2**53
        # is written as its integer by both (1.0 -> 1, -0.0 -> 0). Any other float goes to rfc8785.
        if obj.is_integer() and abs(obj) <= _JCS_INT_MAX:
            return int(obj)
        if not (1e-4 <= abs(obj) < 1e16) or obj.is_integer():
            odd.append(True)
        return obj
    if isinstance(obj, int):
        if -_JCS_INT_MAX <= obj <= _JCS_INT_MAX:
            return obj
        token = f"{tag}{len(big)}"
        big[token] = int(obj)
        return token
    if isinstance(obj, datetime):
        return _timestamp(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON object keys must be strings, not {type(key).__name__}")
            if not key.isascii():
                odd.append(True)
        return {key: _jcs_ready(value, big, tag, odd) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jcs_ready(item, big, tag, odd) for item in obj]
    raise TypeError(f"{type(obj).__name__} has no canonical JSON form")


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 canonical JSON bytes: sorted keys (UTF-16 order), no whitespace, UTF-8, ECMAScript numbers.

    Datetimes become ISO 8601 UTC strings with microseconds and a ``Z``. Raises :class:`ValueError` for
    NaN, infinities and strings that are not valid Unicode, :class:`TypeError` for other types.
    """
    big: dict[str, int] = {}
    odd: list[bool] = []
    ready = _jcs_ready(obj, big, _BIG_TAG, odd)
    out = b""
    if not odd:
        # With such floats only and ASCII keys, JCS is the standard library's compact sorted encoding
        # (code-point order is UTF-16 order for ASCII; the same escapes: \" \\ \b \f \n \r \t, other
        # controls as lower-case \u00xx, nothing else): the C encoder, many times faster. A lone
        # surrogate cannot be encoded and goes to rfc8785, which rejects it.
        try:
            out = json.dumps(ready, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            out = b""
    if not out:
        out = rfc8785.dumps(ready)
    for token, value in big.items():
        out = out.replace(b'"' + token.encode("utf-8").replace(b"\x00", b"\\u0000") + b'"', str(value).encode())
    return out


# -- reports and tree heads ------------------------------------------------------------------------
@dataclass
class VerificationReport:
    """The outcome of a verification: what was checked and each failure, naming the item."""

    ok: bool = True
    checked: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.ok = False
        self.failures.append(message)
        log.info("verification failure: %s", message)

    def count(self, what: str, n: int = 1) -> None:
        self.checked[what] = self.checked.get(what, 0) + n

    def merge(self, other: VerificationReport) -> None:
        for k, v in other.checked.items():
            self.count(k, v)
        for f in other.failures:
            self.fail(f)
        self.notes.extend(other.notes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": dict(self.checked),
            "failures": list(self.failures),
            "notes": list(self.notes),
        }

    def raise_for_failures(self) -> None:
        if not self.ok:
            raise VerificationError("; ".join(self.failures))


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode("ascii"), validate=True)


@dataclass(frozen=True)
class SignedTreeHead:
    """A signed tree head: ``{tree_size, timestamp, root_hash, signature, key_id}``."""

    tree_size: int
    timestamp: int  # milliseconds since the epoch
    root_hash: bytes
    signature: bytes
    key_id: str

    def signed_data(self) -> bytes:
        """The exact bytes the signature covers."""
        return canonical_json(
            {
                "type": STH_TYPE,
                "tree_size": self.tree_size,
                "timestamp": self.timestamp,
                "root_hash": self.root_hash.hex(),
                "key_id": self.key_id,
            }
        )

    def verify_signature(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(self.signature, self.signed_data())
        except InvalidSignature:
            return False
        return True

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp / 1000, UTC)

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "timestamp": self.timestamp,
            "root_hash": _b64(self.root_hash),
            "signature": _b64(self.signature),
            "key_id": self.key_id,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> SignedTreeHead:
        try:
            return cls(
                int(obj["tree_size"]),
                int(obj["timestamp"]),
                _unb64(obj["root_hash"]),
                _unb64(obj["signature"]),
                str(obj["key_id"]),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise VerificationError(f"malformed signed tree head: {exc}") from exc

    @classmethod
    def load(cls, path: Path) -> SignedTreeHead:
        try:
            return cls.from_json(json.loads(Path(path).read_bytes()))
        except (OSError, json.JSONDecodeError) as exc:
            raise VerificationError(f"cannot read signed tree head {path}: {exc}") from exc

    @classmethod
    def from_row(cls, row: TreeHead) -> SignedTreeHead:
        return cls(row.tree_size, row.timestamp, row.root_hash, row.signature, row.key_id)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise VerificationError("the public key is not an Ed25519 key")
    return key


def load_or_create_key(data_dir: Path) -> Ed25519PrivateKey:
    """The log's signing key (``keys/log-ed25519.pem``, mode 0600), generated on first use."""
    path = Path(data_dir) / KEY_FILE
    with _key_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process won the race; read its key below
            else:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(pem)
                    fh.flush()
                    os.fsync(fh.fileno())
                log.info("generated the evidence log signing key %s", path)
                return key
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise VerificationError(f"{path} is not an Ed25519 private key")
    return loaded


# -- the log ---------------------------------------------------------------------------------------
def parse_ref(ref: str | None) -> tuple[str, str] | None:
    """``"observation:12"`` → ``("observation", "12")``; anything else → ``None``."""
    if not ref or ":" not in ref:
        return None
    table, _, key = ref.partition(":")
    return (table, key) if table and key else None


def _committed_value(value: Any) -> Any:
    """A stored column value as JSON the log can hold (the same function writes and verifies)."""
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": _b64(bytes(value))}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, dict):
        return {str(k): _committed_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_committed_value(v) for v in value]
    return value


@functools.cache
def _tables() -> Mapping[str, Table]:
    """Every table (the live mapping of the shared metadata, complete once all models are imported)."""
    from presswatch.record.base import Base
    from presswatch.record.registry import import_all_models

    import_all_models()
    return Base.metadata.tables


def _row_table(ref: str) -> tuple[Table, Any] | None:
    """The table and primary-key value a ``"table:id"`` ref names (None: not a row of a known table)."""
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    table = _tables().get(parsed[0])
    if table is None:
        return None
    pk = list(table.primary_key.columns)
    if len(pk) != 1:
        return None
    key: Any = parsed[1]
    try:
        key = pk[0].type.python_type(key)
    except (NotImplementedError, ValueError, TypeError):
        pass
    return table, key


def row_commitment(table: Table, row: Mapping[Any, Any]) -> dict[str, Any]:
    """What the log commits to for a stored row: every column (but :data:`UNCOMMITTED_COLUMNS`), as stored.

    :meth:`Ledger.append` applies it to the row read back from the database inside the writing
    transaction; :meth:`Ledger.verify_store` applies it to the row read back later. Equal canonical
    JSON on both sides is the only way a row verifies.
    """
    skip = UNCOMMITTED_COLUMNS | MUTABLE_COLUMNS.get(table.name, frozenset())
    return {c.name: _committed_value(row[c.name]) for c in table.columns if c.name not in skip}


def _commitment_digest(commitment: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(canonical_json(commitment)).digest()


def _settled_digest(commitment: Mapping[str, Any]) -> bytes:
    """The digest by which entries name a row of :data:`_SETTLED_TABLES`: of its commitment without the
    columns that are NULL. A column added by a migration is NULL in the rows before it, and an entry
    written before the migration commits to no such column: both name the same row. A value set to
    NULL, or a NULL given a value, still changes the digest."""
    return _commitment_digest({k: v for k, v in commitment.items() if v is not None})


def read_row_commitments(session: Session, table: Table, keys: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """The commitments of the rows of ``table`` with these primary keys, by ref (absent rows are left out)."""
    pk = list(table.primary_key.columns)[0]
    wanted = list(dict.fromkeys(keys))
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(wanted), 500):
        for row in session.execute(select(table).where(pk.in_(wanted[i : i + 500]))).mappings():
            out[f"{table.name}:{row[pk.name]}"] = row_commitment(table, row)
    return out


def _read_one(session: Session, table: Table, key: Any, ref: str) -> dict[str, Any]:
    """The commitment of the one row ``ref`` names, read back; ValueError when it does not exist."""
    got = list(read_row_commitments(session, table, [key]).values())
    if len(got) != 1:
        raise ValueError(f"{ref}: no such row to describe")
    return got[0]


# -- commitments without reading back --------------------------------------------------------------
# The session's flushes note the rows they insert; such a row holds exactly the values the flush sent
# (no table of LOGGED_TABLES or ``capture`` is changed behind the ORM's back), so its commitment can be
# made from them instead of a SELECT. A value whose stored form could differ (a type the column does
# not hold, an expired attribute, a default the database filled in) falls back to reading the row back.
_INSERTED = "presswatch.ledger.inserted"
# Tables whose rows never change once written (but for MUTABLE_COLUMNS, which commitments leave out): the
# entry written with such a row commits to it in full, later entries by its digest, remembered once known.
# A row changed behind the log's back fails verify whether or not a later check read it back.
_SETTLED_TABLES = frozenset({"version"})
_SETTLED_MAX = 1 << 16  # digests (32 bytes) by ref: a pass of 65,536 watches reads no version back
_WARC_NOTED = "presswatch.ledger.warc"


_SETTLE_PENDING = "presswatch.ledger.settle"


def _remember(settled: dict[str, bytes], ref: str, digest: bytes) -> None:
    if len(settled) >= _SETTLED_MAX:
        settled.pop(next(iter(settled)))
    settled[ref] = digest


def _digest_ref(digest: bytes) -> str:
    return "sha256:" + digest.hex()


def _parse_digest_ref(value: Any) -> bytes | None:
    if isinstance(value, str) and value.startswith("sha256:") and len(value) == 71:
        try:
            return bytes.fromhex(value[7:])
        except ValueError:
            return None
    return None


@event.listens_for(Session, "after_commit")
def _settle_committed(session: Session) -> None:
    """Remember the settled rows this transaction inserted. An insert inside a savepoint that rolled
    back left its instance without an identity (and its id may go to another row): not remembered."""
    for settled, ref, obj, digest in session.info.pop(_SETTLE_PENDING, ()):
        state = sa_inspect(obj)
        if state.has_identity and f"{state.mapper.local_table.name}:{state.identity[0]}" == ref:
            _remember(settled, ref, digest)


@event.listens_for(Session, "after_soft_rollback")
def _settle_nothing(session: Session, previous: Any) -> None:
    if previous.parent is None:  # the whole transaction (a savepoint's inserts fail the identity check)
        session.info.pop(_SETTLE_PENDING, None)


@event.listens_for(Session, "after_flush")
def _note_inserted(session: Session, _ctx: Any) -> None:
    if session.new:
        noted = session.info.get(_INSERTED)
        if noted is None:
            noted = session.info[_INSERTED] = weakref.WeakSet()
        noted.update(session.new)


def _inserted_instance(session: Session, table: Table, key: Any) -> Any:
    """The instance of ``table``'s row ``key`` that this session's flushes inserted, or None."""
    noted = session.info.get(_INSERTED)
    if not noted:
        return None
    for mapper in _mappers_of(table):
        obj = session.identity_map.get(mapper.identity_key_from_primary_key([key]))
        if obj is not None and obj in noted:
            return obj
    return None


@functools.cache
def _mappers_of(table: Table) -> tuple[Any, ...]:
    from presswatch.record.base import Base

    return tuple(m for m in Base.registry.mappers if m.local_table is table)


def _holds(column: Any, value: Any) -> bool:
    """Whether the column stores ``value`` as this same Python value (so it reads back equal)."""
    if value is None:
        return True
    try:
        kind = column.type.python_type
    except NotImplementedError:  # JSON: the value is what it serialises
        return True
    if isinstance(value, bool) and kind is not bool:
        return False
    return isinstance(value, kind)


def inserted_commitment(obj: Any) -> dict[str, Any] | None:
    """:func:`row_commitment` of a just-inserted row from its instance's values; None when a value
    may be stored in another form (then the row must be read back)."""
    state = sa_inspect(obj)
    if state.modified or state.expired_attributes or not state.has_identity:
        return None
    mapper = state.mapper
    values: dict[str, Any] = {}
    for column in mapper.local_table.columns:
        try:
            prop = mapper.get_property_by_column(column)
        except Exception:  # noqa: BLE001 - a column not mapped on this class
            return None
        if prop.key in state.dict:
            value = state.dict[prop.key]
        elif column.server_default is None and column.default is None and not column.primary_key:
            value = None  # never set, nothing to fill it in: the flush stored NULL
        else:
            return None
        if not _holds(column, value):
            return None
        values[column.name] = value
    return row_commitment(mapper.local_table, values)


def note_warc_commitment(session: Session, capture: Any, commitment: Mapping[str, Any]) -> None:
    """Remember what the archive wrote for the capture row ``capture`` (see :func:`warc_commitment`)."""
    noted = session.info.get(_WARC_NOTED)
    if noted is None:
        noted = session.info[_WARC_NOTED] = weakref.WeakKeyDictionary()
    noted[capture] = commitment


def warc_commitment(data_dir: Path, capture: Mapping[str, Any]) -> dict[str, Any]:
    """What the log commits to in the WARC file for a capture row: the SHA-256 of the record's stored
    bytes, and the request record archived right after it (pointer, id, block digest, stored SHA-256).

    The archive writes each response/revisit and its request in one append; committing to both makes
    any changed byte, and a removed request record, nameable. ``request`` is None when no request record
    of this capture follows it (a capture archived without one).
    """
    start = int(capture["offset"]) + int(capture["length"])
    warc_file = str(capture["warc_file"])
    with RecordReader(Path(data_dir)) as reader:
        stored = reader.raw(warc_file, int(capture["offset"]), int(capture["length"]))
        raw = reader.member_at(warc_file, start, _MAX_REQUEST_RECORD)
    out: dict[str, Any] = {"sha256": hashlib.sha256(stored).hexdigest(), "request": None}
    if raw is not None:
        problems, info = check_warc_record(raw, payload_digest=None, record_id=None)
        if not problems and info.record_type == "request" and info.concurrent_to == capture.get("record_id"):
            out["request"] = {
                "offset": start, "length": len(raw), "record_id": info.record_id,
                "block_digest": info.block_digest, "sha256": hashlib.sha256(raw).hexdigest(),
            }  # fmt: skip
    return out


class Ledger:
    """The evidence log of one presswatch installation."""

    def __init__(self, core: Presswatch) -> None:
        self.core = core
        self._key: Ed25519PrivateKey | None = None
        # commitments of settled rows read back before, shared by the Ledger objects of one database
        self._settled = core.db.settled_commitments

    # -- keys -------------------------------------------------------------------------------------
    @property
    def key_path(self) -> Path:
        return self.core.data_dir / KEY_FILE

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = load_or_create_key(self.core.data_dir)
        return self._key

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    # -- appending --------------------------------------------------------------------------------
    def append(
        self,
        session: Session,
        kind: str,
        record: dict[str, Any],
        *,
        digests: Sequence[str] = (),
        ref: str | None = None,
        supersedes: int | None = None,
        rows: Sequence[str] = (),
        flushed: bool = False,
    ) -> int:
        """Append one entry inside the caller's write transaction; returns its leaf index.

        ``ref`` names the database row the entry describes (``"table:id"``) and ``rows`` further rows it
        covers (the ``capture:<id>`` rows of the captures it cites). The entry commits to each of these
        rows exactly as stored (:func:`row_commitment`, read back after a flush) and, for a capture, to
        the request record archived with it; :meth:`verify_store` recomputes the same commitments.
        ``digests`` are the WARC digests (``algo:value``) of the captures the entry cites: each must be
        a digest of a capture in ``rows`` when it names captures. ``flushed``: the caller flushed the
        rows named since it last changed them (the entry is then added without a flush of its own).
        """
        if not kind or len(kind) > 32:
            raise ValueError("an entry kind is 1..32 characters")
        if not isinstance(record, dict):
            raise TypeError("an entry record is a dict")
        cited: list[str] = []
        for d in digests:
            if not isinstance(d, str) or not _DIGEST_RE.match(d):
                raise ValueError(f"not a WARC digest: {d!r}")
            if d not in cited:
                cited.append(d)
        described, by_digest, warc = self._commit_rows(
            session, [*([ref] if ref else []), *rows], flush=not flushed
        )
        captured = {
            d for r, c in described.items() if r.startswith("capture:") for d in (c.get("payload_digest"),
                                                                                  c.get("block_digest")) if d
        }
        if any(r.startswith("capture:") for r in described):
            stray = [d for d in cited if d not in captured]
            if stray:
                raise ValueError(f"cited digests {stray} are not digests of the captures the entry covers")
        state, frontier = self._open_state(session)
        index = state.size
        if supersedes is not None and not 0 <= supersedes < index:
            raise ValueError(f"entry {supersedes} cannot be superseded by entry {index}")
        now = self.core.clock.now()
        data = canonical_json(
            {
                "v": ENTRY_VERSION,
                "index": index,
                "kind": kind,
                "created_at": now,
                "ref": ref,
                "supersedes": supersedes,
                "digests": cited,
                "record": record,
                "rows": described,
                "row_digests": by_digest,
                "warc": warc,
            }
        )
        lh = leaf_hash(data)
        frontier.append(lh)
        session.add(
            LogEntry(
                index=index,
                kind=kind,
                ref=ref,
                supersedes=supersedes,
                created_at=now,
                canonical=data,
                leaf_hash=lh,
            )
        )
        state.size = frontier.size
        state.root_hash = frontier.root()
        state.frontier = frontier.to_bytes()
        return index

    def _commit_rows(
        self, session: Session, refs: Sequence[str], *, flush: bool = True
    ) -> tuple[dict[str, dict[str, Any]], dict[str, str], dict[str, dict[str, Any]]]:
        """The commitments of the rows ``refs`` name, as stored; digests of settled rows; captures' WARC.

        A row inserted by this session's flushes is committed to from the values the flush wrote
        (:func:`inserted_commitment`); any other row is read back. A row of :data:`_SETTLED_TABLES`
        not inserted now was committed to in full by the entry written with it: this entry holds the
        digest of its commitment (remembered, or from the row read back), and verify checks that every
        entry naming the row agrees. A capture's WARC commitment comes from the bytes the archive wrote
        (:func:`note_warc_commitment`) or is read from the file.
        """
        if not refs:
            return {}, {}, {}
        if flush:
            session.flush()
        described: dict[str, dict[str, Any]] = {}
        by_digest: dict[str, str] = {}
        warc: dict[str, dict[str, Any]] = {}
        noted: weakref.WeakKeyDictionary[Any, Mapping[str, Any]] | None = session.info.get(_WARC_NOTED)
        for r in dict.fromkeys(refs):
            found = _row_table(r)
            if found is None:
                raise ValueError(f"{r!r} does not name a row of a known table")
            table, key = found
            settled = table.name in _SETTLED_TABLES
            obj = _inserted_instance(session, table, key)
            commitment = inserted_commitment(obj) if obj is not None else None
            if obj is None and settled:
                digest = self._settled.get(r)
                if digest is None:
                    digest = _settled_digest(_read_one(session, table, key, r))
                    _remember(self._settled, r, digest)  # committed by an earlier transaction
                by_digest[r] = _digest_ref(digest)
                continue
            if commitment is None:
                commitment = _read_one(session, table, key, r)
            if obj is not None and settled:
                # a row inserted now is remembered when its transaction commits, if its insert survived
                # (see _settle_committed): the next check naming it (every unchanged check names its
                # current version) reads nothing back
                session.info.setdefault(_SETTLE_PENDING, []).append(
                    (self._settled, r, obj, _settled_digest(commitment))
                )
            described[r] = commitment
            if table.name == "capture":
                known = noted.get(obj) if noted is not None and obj is not None else None
                warc[r] = dict(known) if known is not None else warc_commitment(self.core.data_dir, commitment)
        return described, by_digest, warc

    def append_events(self, session: Session, events: Iterable[Any], *, flushed: bool = False) -> list[int]:
        """Append one ``event`` entry per (flushed) :class:`~presswatch.record.models.Event`."""
        return [
            self.append(
                session,
                "event",
                {
                    "id": e.id, "watch_id": e.watch_id, "at": e.at, "kind": e.kind, "status": e.status,
                    "reason": e.reason, "country": e.country, "summary": e.summary,
                },
                ref=f"event:{e.id}",
                flushed=flushed,
            )
            for e in events
        ]  # fmt: skip

    def _open_state(self, session: Session) -> tuple[LogState, CompactRange]:
        """The locked state row and its frontier, cached for the rest of the caller's transaction."""
        txn = session.get_transaction()
        cached = session.info.get("presswatch.ledger")
        if cached is not None and cached[0] is txn:
            state, frontier = cached[1], cached[2]
            try:
                if state in session and state.size == frontier.size:
                    return state, frontier
            except Exception:  # noqa: BLE001 - a rolled-back savepoint; reload below
                pass
        state = session.get(LogState, 1, with_for_update=True, populate_existing=True)
        if state is None:
            state = LogState(id=1, size=0, root_hash=EMPTY_ROOT, frontier=CompactRange().to_bytes())
            session.add(state)
        frontier = CompactRange.from_bytes(state.frontier)
        if frontier.size != state.size:
            raise DatabaseError(
                f"evidence log state is corrupt (size {state.size}, frontier {frontier.size})"
            )
        session.info["presswatch.ledger"] = (txn, state, frontier)
        return state, frontier

    def append_now(self, kind: str, record: dict[str, Any], **kwargs: Any) -> int:
        """Append in a transaction of its own."""
        return self.core.db.write(lambda s: self.append(s, kind, record, **kwargs))

    # -- reading ----------------------------------------------------------------------------------
    def size(self) -> int:
        with self.core.db.session() as s:
            state = s.get(LogState, 1)
            return state.size if state else 0

    def entry(self, index: int) -> LogEntry | None:
        with self.core.db.session() as s:
            return s.scalars(select(LogEntry).where(LogEntry.index == index)).first()

    def entries(self, indices: Sequence[int]) -> list[LogEntry]:
        wanted = sorted(set(indices))
        found: list[LogEntry] = []
        with self.core.db.session() as s:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                found.extend(s.scalars(select(LogEntry).where(LogEntry.index.in_(chunk))).all())
        found.sort(key=lambda e: e.index)
        return found

    def leaf_hashes(self, n: int | None = None) -> list[bytes]:
        """The stored leaf hashes in index order (the first ``n``)."""
        q = select(LogEntry.leaf_hash).order_by(LogEntry.index)
        if n is not None:
            q = q.where(LogEntry.index < n)
        with self.core.db.session() as s:
            return list(s.scalars(q))

    def tree(self, n: int | None = None) -> MerkleTree:
        return MerkleTree(self.leaf_hashes(n))

    def inclusion(self, index: int, tree_size: int) -> list[bytes]:
        """The audit path of entry ``index`` in the tree of the first ``tree_size`` entries."""
        return self.tree(tree_size).inclusion_proof(index, tree_size)

    def consistency(self, m: int, n: int) -> list[bytes]:
        """The proof that the tree of size ``n`` extends the tree of size ``m``."""
        return self.tree(n).consistency_proof(m, n)

    # -- tree heads -------------------------------------------------------------------------------
    def sign_tree_head(self) -> SignedTreeHead:
        """Sign the current tree head (reusing the latest head when the log has not grown)."""
        key = self.signing_key
        key_id = self.key_id

        def sign(s: Session) -> SignedTreeHead:
            state = s.get(LogState, 1)
            size, root_hash = (state.size, state.root_hash) if state else (0, EMPTY_ROOT)
            latest = s.scalars(select(TreeHead).order_by(TreeHead.id.desc()).limit(1)).first()
            if (
                latest
                and latest.tree_size == size
                and latest.root_hash == root_hash
                and latest.key_id == key_id
            ):
                return SignedTreeHead.from_row(latest)
            ts = int(self.core.clock.now().timestamp() * 1000)
            if latest is not None:
                ts = max(ts, latest.timestamp)
            unsigned = SignedTreeHead(size, ts, root_hash, b"", key_id)
            sth = SignedTreeHead(size, ts, root_hash, key.sign(unsigned.signed_data()), key_id)
            s.add(
                TreeHead(
                    tree_size=size, timestamp=ts, root_hash=root_hash, signature=sth.signature, key_id=key_id
                )
            )
            return sth

        return self.core.db.write(sign)

    def latest_tree_head(self) -> SignedTreeHead | None:
        with self.core.db.session() as s:
            row = s.scalars(select(TreeHead).order_by(TreeHead.id.desc()).limit(1)).first()
            return SignedTreeHead.from_row(row) if row else None

    def tree_heads(self) -> list[SignedTreeHead]:
        with self.core.db.session() as s:
            return [SignedTreeHead.from_row(r) for r in s.scalars(select(TreeHead).order_by(TreeHead.id))]

    # -- publishing -------------------------------------------------------------------------------
    @property
    def published_dir(self) -> Path:
        return self.core.data_dir / PUBLISHED_DIR

    def publish(self) -> SignedTreeHead:
        """Sign the current head and write ``published/sth-<size>.json``, the public key and the Atom feed."""
        sth = self.sign_tree_head()
        out = self.published_dir
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(
            out / f"sth-{sth.tree_size}.json",
            json.dumps(sth.to_json(), indent=2, sort_keys=True).encode() + b"\n",
        )
        atomic_write(out / "log-key.pem", public_key_pem(self.public_key))
        atomic_write(out / "tree-heads.atom", self._atom(self.tree_heads()))
        log.info("published tree head size %d root %s", sth.tree_size, sth.root_hash.hex())
        return sth

    def _atom(self, heads: list[SignedTreeHead]) -> bytes:
        ns = "http://www.w3.org/2005/Atom"
        ET.register_namespace("", ns)
        feed = ET.Element(f"{{{ns}}}feed")
        ET.SubElement(feed, f"{{{ns}}}id").text = f"urn:presswatch:log:{self.key_id}"
        ET.SubElement(feed, f"{{{ns}}}title").text = "presswatch evidence log: signed tree heads"
        latest = max((h.time for h in heads), default=self.core.clock.now())
        ET.SubElement(feed, f"{{{ns}}}updated").text = _timestamp(latest)
        author = ET.SubElement(feed, f"{{{ns}}}author")
        ET.SubElement(author, f"{{{ns}}}name").text = "presswatch"
        ET.SubElement(feed, f"{{{ns}}}link", rel="related", href="log-key.pem", type="application/x-pem-file")
        seen: set[tuple[int, bytes]] = set()
        for h in sorted(heads, key=lambda h: (h.tree_size, h.timestamp), reverse=True):
            if (h.tree_size, h.root_hash) in seen:
                continue
            seen.add((h.tree_size, h.root_hash))
            entry = ET.SubElement(feed, f"{{{ns}}}entry")
            ET.SubElement(
                entry, f"{{{ns}}}id"
            ).text = f"urn:presswatch:sth:{h.key_id[:16]}:{h.tree_size}:{h.root_hash.hex()}"
            ET.SubElement(entry, f"{{{ns}}}title").text = f"Tree head size {h.tree_size}"
            ET.SubElement(entry, f"{{{ns}}}updated").text = _timestamp(h.time)
            ET.SubElement(
                entry,
                f"{{{ns}}}link",
                rel="alternate",
                href=f"sth-{h.tree_size}.json",
                type="application/json",
            )
            content = ET.SubElement(entry, f"{{{ns}}}content", type="text")
            content.text = json.dumps(h.to_json(), sort_keys=True)
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")

    # -- verification -----------------------------------------------------------------------------
    def verify_against(
        self, sth: SignedTreeHead, report: VerificationReport | None = None
    ) -> VerificationReport:
        """Check that the current log is an append-only extension of ``sth`` (a published head)."""
        report = report or VerificationReport()
        label = f"published tree head (size {sth.tree_size}, root {sth.root_hash.hex()[:16]}…)"
        report.count("published_heads")
        if sth.key_id != self.key_id:
            report.fail(f"{label}: signed by key {sth.key_id[:16]}…, the log's key is {self.key_id[:16]}…")
        elif not sth.verify_signature(self.public_key):
            report.fail(f"{label}: signature does not verify")
        tree = self.tree()
        if sth.tree_size > tree.size:
            report.fail(f"forked log: {label} is larger than the current log ({tree.size} entries)")
            return report
        current = tree.root()
        proof = tree.consistency_proof(sth.tree_size)
        if not verify_consistency(sth.tree_size, tree.size, sth.root_hash, current, proof):
            report.fail(f"forked log: {label} is not consistent with the current log (size {tree.size})")
        return report

    def verify_store(self, progress: Callable[[int, int], None] | None = None) -> VerificationReport:
        """Re-check the whole store: leaves, tree heads and signatures, captures, described rows."""
        report = VerificationReport()
        db = self.core.db
        with db.session() as s:
            state = s.get(LogState, 1)
            total = s.scalar(select(func.count()).select_from(LogEntry)) or 0
            heads = list(s.scalars(select(TreeHead).order_by(TreeHead.id)))
        by_size: dict[int, list[TreeHead]] = {}
        for h in heads:
            by_size.setdefault(h.tree_size, []).append(h)

        leaves: list[bytes] = []
        cr = CompactRange()
        rows = _RowsSeen()
        superseded: set[int] = set()
        cites: dict[str, list[int]] = {}  # digests cited by entries that name no capture row (format 1)
        steps = 0
        with db.session() as s:
            for e in _stream_entries(s):
                steps += 1
                expected = len(leaves)
                if e.index != expected:
                    report.fail(f"log entry {expected} missing or out of order (found entry {e.index} there)")
                data = e.canonical
                lh = leaf_hash(data)
                if lh != e.leaf_hash:
                    report.fail(f"entry {e.index}: stored leaf hash does not match its canonical JSON")
                doc = _parse_entry(data, e, report)
                leaves.append(lh)
                cr.append(lh)
                for h in by_size.get(cr.size, ()):
                    if h.root_hash != cr.root():
                        report.fail(
                            f"tree head #{h.id} (size {h.tree_size}): root hash does not match the log"
                        )
                if doc is not None:
                    if isinstance(doc.get("supersedes"), int):
                        superseded.add(doc["supersedes"])
                    if rows.add(e.index, doc, report):
                        for d in doc.get("digests") or ():
                            cites.setdefault(d, []).append(e.index)
                report.count("entries")
                if progress and steps % 1000 == 0:
                    progress(steps, total)
        if progress:
            progress(steps, total)

        # tree heads: signatures, sizes and append-only consistency between consecutive heads
        tree = MerkleTree(leaves)
        public: Ed25519PublicKey | None = None
        if self._key is not None or self.key_path.exists():
            public = self.public_key
        elif heads:
            report.fail(f"signing key {self.key_path} is missing: tree head signatures cannot be checked")
        kid = key_id_of(public) if public is not None else None
        for h in heads:
            report.count("tree_heads")
            if h.tree_size > tree.size:
                report.fail(
                    f"tree head #{h.id} (size {h.tree_size}): larger than the log ({tree.size} entries)"
                )
            sth = SignedTreeHead.from_row(h)
            if public is None or h.key_id != kid:
                report.fail(f"tree head #{h.id} (size {h.tree_size}): signed by unknown key {h.key_id[:16]}…")
            elif not sth.verify_signature(public):
                report.fail(f"tree head #{h.id} (size {h.tree_size}): signature does not verify")
        for a, b in zip(heads, heads[1:], strict=False):
            report.count("consistency_proofs")
            if b.tree_size < a.tree_size or b.tree_size > tree.size:
                report.fail(
                    f"tree heads #{a.id} → #{b.id} (sizes {a.tree_size} → {b.tree_size}): not append-only"
                )
                continue
            proof = tree.consistency_proof(a.tree_size, b.tree_size)
            if not verify_consistency(a.tree_size, b.tree_size, a.root_hash, b.root_hash, proof):
                report.fail(
                    f"tree heads #{a.id} → #{b.id} (sizes {a.tree_size} → {b.tree_size}): not consistent"
                )
        if state is None:
            report.fail("log state row is missing")
        else:
            if state.size > tree.size:
                report.fail(
                    f"log entries {tree.size}..{state.size - 1} missing: the log state holds {state.size} entries"
                )
            if state.size != tree.size or state.root_hash != tree.root():
                report.fail(f"log state (size {state.size}) does not match the entries (size {tree.size})")
            try:
                if CompactRange.from_bytes(state.frontier).hashes != cr.hashes:
                    report.fail("log state frontier does not match the entries")
            except ValueError:
                report.fail("log state frontier is corrupt")

        self._verify_captures(cites, report, progress, steps, total)
        self._verify_committed_captures(rows, report)
        self._verify_rows(rows, superseded, report)
        self._verify_no_unlogged_rows(rows, report)
        return report

    def _verify_captures(
        self,
        cites: dict[str, list[int]],
        report: VerificationReport,
        progress: Callable[[int, int], None] | None,
        done: int,
        total: int,
    ) -> None:
        """Captures cited only by digest (entries of format 1): any capture with the digest must be intact."""
        from presswatch.record.models import Capture

        digests = sorted(cites)
        checked_ids: set[int] = set()
        with RecordReader(self.core.data_dir) as reader, self.core.db.session() as s:
            for i in range(0, len(digests), 200):
                chunk = digests[i : i + 200]
                rows = s.scalars(
                    select(Capture)
                    .where(or_(Capture.payload_digest.in_(chunk), Capture.block_digest.in_(chunk)))
                    .order_by(Capture.warc_file, Capture.offset)
                ).all()
                found: dict[str, list[Capture]] = {}
                for c in rows:
                    for d in {c.payload_digest, c.block_digest}:
                        if d in cites:
                            found.setdefault(d, []).append(c)
                for d in chunk:
                    if d not in found:
                        report.fail(f"entry {cites[d][0]} cites {d}: no capture with this digest")
                for c in rows:
                    if c.id in checked_ids:
                        continue
                    checked_ids.add(c.id)
                    by = cites.get(c.payload_digest) or cites.get(c.block_digest or "") or [-1]
                    self._check_capture(c, by[0], reader, report)
                    done += 1
                    if progress and done % 100 == 0:
                        progress(done, total + len(checked_ids))
        report.count("cited_digests", len(digests))

    def _check_capture(
        self,
        c: Any,
        entry: int,
        reader: RecordReader,
        report: VerificationReport,
        stored_sha256: str | None = None,
    ) -> None:
        label = f"capture {c.id} ({c.payload_digest}, {c.warc_file}@{c.offset}, cited by entry {entry})"
        report.count("captures")
        try:
            rec = reader.read(
                c.warc_file, c.offset, c.length,
                payload_digest=c.payload_digest, block_digest=c.block_digest, record_id=c.record_id, url=c.url,
            )  # fmt: skip
        except ArchiveError as exc:
            report.fail(f"{label}: {exc}")
            return
        if stored_sha256 is not None and rec.sha256 != stored_sha256:
            report.fail(f"{label}: stored record bytes differ from those the log commits to")
        problems = list(rec.problems)
        if rec.info.record_type and rec.info.record_type != c.record_type:
            problems.append(f"WARC-Type is {rec.info.record_type}, the capture row says {c.record_type}")
        for p in problems:
            report.fail(f"{label}: {p}")
        report.count("capture_bytes", len(rec.raw))

    def _verify_committed_captures(self, rows: _RowsSeen, report: VerificationReport) -> None:
        """Every capture an entry commits to: its WARC record as committed, and its request record."""
        with RecordReader(self.core.data_dir) as reader:
            for ref, (index, cap) in sorted(rows.captures.items(), key=lambda kv: (kv[1][1].warc_file,
                                                                                   kv[1][1].offset)):
                committed = rows.warc.get(ref) or {}
                self._check_capture(cap, index, reader, report, committed.get("sha256"))
                req = committed.get("request")
                if not isinstance(req, dict):
                    continue
                report.count("request_records")
                label = (
                    f"capture {cap.id} ({cap.payload_digest}, {cap.warc_file}@{cap.offset}, cited by entry "
                    f"{index}): request record {req.get('record_id')} at {cap.warc_file}@{req.get('offset')}"
                )
                try:
                    offset, length = int(req["offset"]), int(req["length"])
                except (KeyError, TypeError, ValueError):
                    report.fail(f"{label}: malformed in the log")
                    continue
                try:
                    rec = reader.read(
                        cap.warc_file, offset, length,
                        block_digest=req.get("block_digest"), record_id=req.get("record_id"),
                    )  # fmt: skip
                except ArchiveError as exc:
                    report.fail(f"{label}: {exc}")
                    continue
                if rec.sha256 != req.get("sha256"):
                    report.fail(f"{label}: stored record bytes differ from those the log commits to")
                problems = list(rec.problems)
                if rec.info.record_type != "request":
                    problems.append(f"WARC-Type is {rec.info.record_type}, the log says request")
                if rec.info.concurrent_to != cap.record_id:
                    problems.append(f"WARC-Concurrent-To is {rec.info.concurrent_to}, expected {cap.record_id}")
                for p in problems:
                    report.fail(f"{label}: {p}")

    def _verify_rows(self, rows: _RowsSeen, superseded: set[int], report: VerificationReport) -> None:
        """Each described row, as stored now, against the commitment of the latest entry describing it."""
        tables = _tables()
        by_table: dict[str, list[tuple[str, int, bytes | None]]] = {}
        for ref, (index, digest) in rows.latest.items():
            if index in superseded:
                continue
            found = _row_table(ref)
            if found is None:
                if digest is not None:
                    report.fail(f"entry {index}: row {ref} names no known table")
                continue
            by_table.setdefault(found[0].name, []).append((ref, index, digest))
        with self.core.db.session() as s:
            for name, items in sorted(by_table.items()):
                table = tables[name]
                keys = {ref: _row_table(ref)[1] for ref, _, _ in items}  # type: ignore[index]
                current = read_row_commitments(s, table, keys.values())
                canonical_refs = {f"{name}:{k}": ref for ref, k in keys.items()}
                stored = {canonical_refs.get(r, r): c for r, c in current.items()}
                for ref, index, digest in sorted(items, key=lambda it: it[1]):
                    report.count("rows")
                    row = stored.get(ref)
                    if row is None:
                        report.fail(f"entry {index}: row {ref} it describes is missing")
                    elif digest is not None and (
                        _settled_digest(row) if name in _SETTLED_TABLES else _commitment_digest(row)
                    ) != digest:
                        self._name_row_changes(s, index, ref, row, report, rows.full.get(ref))

    def _name_row_changes(
        self, s: Session, index: int, ref: str, row: dict[str, Any], report: VerificationReport,
        full: int | None = None,
    ) -> None:
        """Name the fields of ``row`` that differ from the log: from entry ``index``'s commitment, or
        (when it holds the row's digest only) from entry ``full``'s, if that one commits to the same row."""
        entry = s.scalars(select(LogEntry).where(LogEntry.index == index)).first()
        doc = json.loads(entry.canonical) if entry is not None else {}
        logged = (doc.get("rows") or {}).get(ref)
        if logged is None and full is not None:
            earlier = s.scalars(select(LogEntry).where(LogEntry.index == full)).first()
            logged = (json.loads(earlier.canonical).get("rows") or {}).get(ref) if earlier is not None else None
            said = (doc.get("row_digests") or {}).get(ref)
            if logged is not None and _digest_ref(_settled_digest(logged)) != said:
                logged = None
        if not isinstance(logged, dict):
            report.fail(f"entry {index}: row {ref} does not match the log (the digest it commits to)")
            return
        named = False
        for name in sorted(set(row) | set(logged)):
            if name not in logged:
                report.fail(f"entry {index}: row {ref} has field {name!r} the log does not commit to")
            elif name not in row:
                report.fail(f"entry {index}: row {ref} lacks field {name!r}, the log says {logged[name]!r}")
            elif canonical_json(row[name]) != canonical_json(logged[name]):
                report.fail(f"entry {index}: row {ref} field {name!r} is {row[name]!r}, the log says {logged[name]!r}")
            else:
                continue
            named = True
        if not named:
            report.fail(f"entry {index}: row {ref} does not match the log")

    def _verify_no_unlogged_rows(self, rows: _RowsSeen, report: VerificationReport) -> None:
        """Rows of :data:`LOGGED_TABLES` that no entry describes were added behind the log's back; a row's
        ``ledger_index`` (not part of its commitment) must be the index of the latest entry describing it."""
        tables = _tables()
        unlogged_legacy: list[str] = []
        with self.core.db.session() as s:
            for name in LOGGED_TABLES:
                table = tables.get(name)
                if table is None:
                    continue
                pk = list(table.primary_key.columns)[0]
                back = table.c.get("ledger_index") if name in BACKLINKED_TABLES else None
                cols = [pk] if back is None else [pk, back]
                last: Any = None
                while True:
                    q = select(*cols).order_by(pk).limit(2000)
                    if last is not None:
                        q = q.where(pk > last)
                    batch = s.execute(q).all()
                    if not batch:
                        break
                    last = batch[-1][0]
                    for item in batch:
                        ref = f"{name}:{item[0]}"
                        seen = rows.latest.get(ref)
                        if seen is None and rows.legacy:
                            unlogged_legacy.append(ref)
                        elif seen is None:
                            report.fail(f"row {ref} is not in the evidence log (no entry describes it)")
                        elif back is not None and item[1] != seen[0]:
                            report.fail(
                                f"entry {seen[0]}: row {ref} field 'ledger_index' is {item[1]!r}, "
                                f"the latest entry describing it is {seen[0]}"
                            )
        if unlogged_legacy:
            # a store begun with format-1 entries holds rows that were recorded without an entry
            report.notes.append(
                f"{len(unlogged_legacy)} rows no entry describes, as format-1 stores have "
                f"(e.g. {', '.join(unlogged_legacy[:5])}): they are not evidence the log vouches for"
            )


@dataclass(frozen=True)
class _CaptureSeen:
    id: Any
    url: Any
    warc_file: str
    offset: int
    length: int
    record_type: Any
    record_id: Any
    payload_digest: Any
    block_digest: Any


class _RowsSeen:
    """What the entries commit to, collected while streaming: latest row commitment per ref (as a digest,
    for bounded memory), the captures and request records to check in the WARC files."""

    def __init__(self) -> None:
        self.latest: dict[str, tuple[int, bytes | None]] = {}
        self.full: dict[str, int] = {}  # rows of settled tables: the latest entry committing in full
        self.captures: dict[str, tuple[int, _CaptureSeen]] = {}
        self.warc: dict[str, dict[str, Any]] = {}
        self.legacy = 0

    def add(self, index: int, doc: dict[str, Any], report: VerificationReport) -> bool:
        """Record one entry; True when it cites digests the old way (format 1: no rows committed)."""
        committed = doc.get("rows")
        if doc.get("v") == 1 or committed is None:
            ref = doc.get("ref")
            self.legacy += 1
            if self.legacy == 1:
                report.notes.append(
                    "entries of format 1 commit to no row fields: their rows are checked for presence only"
                )
            if isinstance(ref, str):
                self.latest[ref] = (index, None)  # format 1 commits to no row fields: presence only
            return True
        if not isinstance(committed, dict):
            report.fail(f"entry {index}: its rows are not an object")
            return False
        warc = doc.get("warc") or {}
        digests: set[str] = set()
        by_digest = doc.get("row_digests", {})
        if not isinstance(by_digest, dict):
            report.fail(f"entry {index}: its row digests are not an object")
            by_digest = {}
        for ref, value in by_digest.items():
            d = _parse_digest_ref(value)
            if d is None or not isinstance(ref, str) or ref.partition(":")[0] not in _SETTLED_TABLES:
                report.fail(f"entry {index}: row digest {ref}: {value!r} is malformed")
                continue
            self._settled(index, ref, d, report)
        for ref, c in committed.items():
            if not isinstance(c, dict):
                report.fail(f"entry {index}: row {ref} commitment is not an object")
                continue
            if ref.partition(":")[0] in _SETTLED_TABLES:
                self._settled(index, ref, _settled_digest(c), report)
                self.full[ref] = index
            else:
                self.latest[ref] = (index, _commitment_digest(c))
            if ref.startswith("capture:"):
                try:
                    cap = _CaptureSeen(
                        c["id"], c["url"], str(c["warc_file"]), int(c["offset"]), int(c["length"]),
                        c["record_type"], c["record_id"], c["payload_digest"], c.get("block_digest"),
                    )
                except (KeyError, TypeError, ValueError):
                    report.fail(f"entry {index}: capture row {ref} commitment is malformed")
                    continue
                self.captures[ref] = (index, cap)
                digests.update(d for d in (cap.payload_digest, cap.block_digest) if d)
                if isinstance(warc, dict) and isinstance(warc.get(ref), dict):
                    self.warc[ref] = warc[ref]
                else:
                    report.fail(f"entry {index}: capture row {ref} has no WARC commitment")
                    self.warc.pop(ref, None)
        if any(r.startswith("capture:") for r in committed):
            for d in doc.get("digests") or ():
                report.count("cited_digests")
                if d not in digests:
                    report.fail(f"entry {index} cites {d}: no capture it commits to has this digest")
            return False
        return bool(doc.get("digests"))

    def _settled(self, index: int, ref: str, digest: bytes, report: VerificationReport) -> None:
        """A row that never changes: every entry naming it must commit to the same row."""
        before = self.latest.get(ref)
        if before is not None and before[1] is not None and before[1] != digest:
            report.fail(
                f"entry {index}: row {ref} differs from what entry {before[0]} committed to "
                "(its rows never change: it was changed between the two)"
            )
        self.latest[ref] = (index, digest)


def _stream_entries(s: Session, batch: int = 2000) -> Iterator[LogEntry]:
    """All entries in index order, fetched in keyset-paginated batches (bounded memory)."""
    last = -1
    while True:
        rows = s.scalars(
            select(LogEntry).where(LogEntry.index > last).order_by(LogEntry.index).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].index
        s.expunge_all()


def _parse_entry(data: bytes, e: LogEntry, report: VerificationReport) -> dict[str, Any] | None:
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        report.fail(f"entry {e.index}: leaf data is not JSON")
        return None
    if not isinstance(doc, dict):
        report.fail(f"entry {e.index}: leaf data is not a JSON object")
        return None
    try:
        if canonical_json(doc) != data:
            report.fail(f"entry {e.index}: leaf data is not in canonical form")
    except (TypeError, ValueError):
        report.fail(f"entry {e.index}: leaf data is not in canonical form")
    if doc.get("index") != e.index:
        report.fail(f"entry {e.index}: its leaf data records index {doc.get('index')} (entry moved)")
    for name in ("kind", "ref", "supersedes"):
        if doc.get(name) != getattr(e, name):
            report.fail(
                f"entry {e.index}: column {name} is {getattr(e, name)!r}, the leaf says {doc.get(name)!r}"
            )
    return doc

