"""WARC 1.1 writer and reader.

Design rules (evidence is sacred):

* Each process appends only to WARC files it created itself (name carries time, pid and a counter),
  so concurrent workers never interleave bytes. Files rotate at ``max_bytes``.
* Records are gzip-compressed one member each. A capture (response or revisit record, then its
  request record) is serialised in memory and appended with a single ``write(2)`` on an
  ``O_APPEND`` descriptor followed by ``fsync``: a ``kill -9`` leaves either the whole capture or
  nothing. :func:`repair_tail` trims a torn tail left by power loss, never a complete record.
* Payload digests are SHA-256 (``sha256:BASE32``); a payload already archived for the same URL is
  written as a ``revisit`` record (identical-payload-digest profile) pointing at the original, and a
  ``304 Not Modified`` answer as a ``revisit`` record with the server-not-modified profile pointing at
  the capture the validators came from.
* A ``request`` record (``WARC-Concurrent-To`` its response) is written whenever the request carried
  something of its own (conditional headers, any header or method beyond the plain GET); a plain GET
  whose headers are exactly those the file's ``warcinfo`` record lists (``presswatch-request-header``
  fields, ``Host`` being the target's) is fully described by that record and the response's target URI,
  so it gets no request record of its own.
* Nothing is ever rewritten in place.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import logging
import os
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from presswatch import __version__
from presswatch.archive.pointer import CapturePointer
from presswatch.errors import ArchiveError

__all__ = [
    "NOT_MODIFIED_PROFILE",
    "CaptureRef",
    "PriorPayload",
    "read_record",
    "repair_tail",
    "sha256_digest",
    "StoredRecord",
    "warc_date",
    "WarcArchive",
]

log = logging.getLogger(__name__)

_counter = itertools.count()

NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def warc_date(dt: datetime) -> str:
    """WARC-Date (UTC, microseconds) for an aware datetime."""
    return str(datetime_to_iso_date(dt.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def sha256_digest(data: bytes) -> str:
    """WARC-style digest string: ``sha256:`` + base32."""
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


class _Sha256Writer(WARCWriter):
    """warcio writer computing SHA-256 block/payload digests instead of SHA-1.

    Request records (no payload) carry a block digest only: a payload digest of nothing would be
    the same 60 incompressible bytes in every one of them.
    """

    NO_PAYLOAD_DIGEST_TYPES = ("warcinfo", "revisit", "request")

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass(frozen=True)
class CaptureRef:
    """Where a capture lives: ``warc_file`` is relative to the data folder."""

    warc_file: str
    offset: int
    length: int
    record_type: str
    record_id: str
    payload_digest: str
    block_digest: str | None
    captured_at: datetime
    url: str
    http_status: int | None = None
    refers_to: str | None = None  # a revisit's WARC-Refers-To: the record id of the capture it points at
    # what the evidence log commits to in the WARC file for this capture, from the bytes as written
    # (the form of :func:`presswatch.record.ledger.warc_commitment`); None: read it back from the file
    stored: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def pointer(self) -> CapturePointer:
        return CapturePointer(self.warc_file, self.offset, self.length)

    def as_dict(self) -> dict[str, Any]:
        return {**self.pointer.as_dict(), "payload_digest": self.payload_digest}


@dataclass(frozen=True)
class PriorPayload:
    """An earlier capture of the same payload, target of a revisit record."""

    url: str
    captured_at: datetime
    record_id: str
    payload_digest: str | None = None  # its payload digest (what a 304 revisit names)


class WarcArchive:
    def __init__(self, data_dir: Path, max_bytes: int = 1024**3, prefix: str = "presswatch") -> None:
        self.data_dir = Path(data_dir)
        self.warc_dir = self.data_dir / "warc"
        self.max_bytes = max_bytes
        self.prefix = prefix
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._path: Path | None = None
        self._size = 0
        self._dirty = False
        self._template: tuple[tuple[str, str], ...] | None = None  # the open file's plain request headers

    # -- writing --------------------------------------------------------------------------------
    def _open_new(self, template: tuple[tuple[str, str], ...] | None = None) -> None:
        self.warc_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        name = f"{self.prefix}-{stamp}-{os.getpid()}-{next(_counter):05d}.warc.gz"
        path = self.warc_dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        buf = io.BytesIO()
        writer = _Sha256Writer(buf, gzip=True, warc_version="1.1")
        fields: list[tuple[str, str]] = [
            ("software", f"presswatch/{__version__}"),
            ("format", "WARC File Format 1.1"),
            ("conformsTo", "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
        ]
        if template is not None:
            # the plain GET of this file: a request exactly like it has no request record of its own
            fields += [("http-header-user-agent", v) for k, v in template if k.lower() == "user-agent"]
            fields.append(("presswatch-request-method", "GET"))
            fields.append(("presswatch-request-header", "Host: (the target URI's host)"))
            fields += [("presswatch-request-header", f"{k}: {v}") for k, v in template]
        body = "".join(f"{k}: {v}\r\n" for k, v in fields).encode("utf-8")
        head = StatusAndHeaders("", [], protocol=writer.warc_version)
        head.add_header("WARC-Type", "warcinfo")
        head.add_header("WARC-Record-ID", writer._make_warc_id())
        head.add_header("WARC-Filename", name)
        head.add_header("WARC-Date", writer.curr_warc_date())
        info = writer.create_warc_record("", "warcinfo", warc_headers=head, payload=io.BytesIO(body), length=len(body))
        writer.write_record(info)
        os.write(fd, buf.getvalue())
        os.fsync(fd)
        self._fd, self._path, self._size = fd, path, len(buf.getvalue())
        self._template = template

    def _append(self, data: bytes, template: tuple[tuple[str, str], ...] | None = None) -> tuple[str, int]:
        """Append ``data`` atomically (one write) and return (relative file, offset).

        ``template``: the plain request the data's records rely on being listed in the file's
        ``warcinfo``; a file listing another one is closed and a new one opened.
        """
        with self._lock:
            stale = template is not None and template != self._template
            if self._fd is None or self._size + len(data) > self.max_bytes or stale:
                if self._fd is not None:
                    os.fsync(self._fd)
                    os.close(self._fd)
                    self._fd = None
                self._open_new(template if template is not None else self._template)
            assert self._fd is not None and self._path is not None
            offset = self._size
            written = os.write(self._fd, data)
            if written != len(data):  # pragma: no cover - disk full
                raise ArchiveError(f"short write to {self._path}: {written} of {len(data)} bytes")
            self._size += written
            self._dirty = True
            return str(self._path.relative_to(self.data_dir)), offset

    def sync(self) -> None:
        """fsync what was appended (called before a database commit that points at it).

        A kill -9 cannot tear a record (each is one write(2)); fsync guards against power loss.
        """
        with self._lock:
            if self._fd is not None and self._dirty:
                os.fsync(self._fd)
                self._dirty = False

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                if self._dirty:
                    os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None
                self._dirty = False

    def write_exchange(
        self,
        url: str,
        *,
        method: str = "GET",
        request_headers: Sequence[tuple[str, str]] = (),
        http_status: int,
        http_reason: str = "",
        response_headers: Sequence[tuple[str, str]] = (),
        body: bytes = b"",
        captured_at: datetime,
        ip: str | None = None,
        vantage: str = "origin",
        http_version: str = "HTTP/1.1",
        prior: PriorPayload | None = None,
        known: Mapping[str, PriorPayload] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        not_modified: PriorPayload | None = None,
        plain_request: Sequence[tuple[str, str]] | None = None,
    ) -> CaptureRef:
        """Archive one HTTP exchange (response or revisit, plus its request); return the pointer.

        ``body`` is the payload as received on the wire (content-encoding kept, transfer-encoding
        removed: a ``Transfer-Encoding`` header is kept under ``X-Presswatch-Orig-Transfer-Encoding``).
        When the payload was archived before — ``prior``, or ``known[digest]`` for a map of earlier
        payloads by digest — a revisit record pointing at it is written instead. A bodiless 304
        answering validators taken from ``not_modified`` (an earlier response of this URL) is a revisit
        record with the server-not-modified profile naming that response and its payload digest.
        ``plain_request``: the headers (``Host`` aside) of a plain GET; a request exactly like it is
        described by the file's warcinfo record instead of a request record of its own.
        """
        date = warc_date(captured_at)
        payload_digest = sha256_digest(body)
        truncated = bool(extra_headers and any(k.lower() == "warc-truncated" for k in extra_headers))
        profile = RecordBuilder.REVISIT_PROFILE_1_1
        if truncated:
            prior = None  # a cut payload is its own record, never "the same as" a complete one
        elif http_status == 304 and not body and prior is None and not_modified and not_modified.payload_digest:
            prior, profile = not_modified, NOT_MODIFIED_PROFILE
            payload_digest = not_modified.payload_digest  # the payload the server says is still current
        elif prior is None and known and body:
            prior = known.get(payload_digest)
        headers = [
            (("X-Presswatch-Orig-" + k) if k.lower() == "transfer-encoding" else k, v)
            for k, v in response_headers
        ]
        status_line = f"{http_status} {http_reason or ''}".strip()
        http_headers = StatusAndHeaders(status_line, headers, protocol=http_version)
        warc_headers: dict[str, str] = {"WARC-Date": date}
        if prior is None:
            warc_headers["WARC-Payload-Digest"] = payload_digest  # (a revisit names it once, below)
        if ip:
            warc_headers["WARC-IP-Address"] = ip
        warc_headers["WARC-Presswatch-Vantage"] = vantage
        if extra_headers:
            warc_headers.update(extra_headers)

        buf = io.BytesIO()
        writer = _Sha256Writer(buf, gzip=False, warc_version="1.1")  # each record gzipped by _member
        if prior is not None:
            record = writer.create_revisit_record(
                url,
                digest=payload_digest,
                refers_to_uri=prior.url,
                refers_to_date=warc_date(prior.captured_at),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            record.rec_headers.add_header("WARC-Refers-To", prior.record_id)
            record.rec_headers.replace_header("WARC-Profile", profile)
            rec_type = "revisit"
        else:
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            rec_type = "response"
        writer.write_record(record)
        plain = buf.getvalue()
        tail = len(body) + 4 if rec_type == "response" else 0  # the payload and the record's closing CRLFs
        members = [_member(plain[: len(plain) - tail], plain[len(plain) - tail :])]
        resp_len = len(members[0])
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        block_digest = record.rec_headers.get_header("WARC-Block-Digest")

        template = tuple(plain_request) if plain_request is not None else None
        if template is None or not _is_plain(method, url, request_headers, template):
            path = _request_target(url)
            req = StatusAndHeaders(f"{method} {path} HTTP/1.1", list(request_headers), protocol="")
            request = writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=req,
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
            )
            start = buf.tell()
            writer.write_record(request)
            members.append(_member(buf.getvalue()[start:]))
        rel, offset = self._append(b"".join(members), template)
        stored: dict[str, Any] = {"sha256": hashlib.sha256(members[0]).hexdigest(), "request": None}
        if len(members) > 1:
            stored["request"] = {
                "offset": offset + resp_len, "length": len(members[1]),
                "record_id": request.rec_headers.get_header("WARC-Record-ID"),
                "block_digest": request.rec_headers.get_header("WARC-Block-Digest"),
                "sha256": hashlib.sha256(members[1]).hexdigest(),
            }  # fmt: skip
        return CaptureRef(
            warc_file=rel,
            offset=offset,
            length=resp_len,
            record_type=rec_type,
            record_id=record_id,
            payload_digest=payload_digest,
            block_digest=block_digest,
            captured_at=captured_at,
            url=url,
            http_status=http_status,
            refers_to=prior.record_id if prior is not None else None,
            stored=stored,
        )

    # -- reading --------------------------------------------------------------------------------
    def path_of(self, warc_file: str) -> Path:
        p = Path(warc_file)
        return p if p.is_absolute() else self.data_dir / p

    def read_raw(self, warc_file: str, offset: int, length: int) -> bytes:
        """The record's bytes exactly as stored (one gzip member)."""
        from presswatch.archive.records import RecordReader

        with RecordReader(self.data_dir) as reader:
            try:
                return reader.raw(warc_file, offset, length)
            except ArchiveError as exc:
                raise ArchiveError(f"{warc_file}@{offset}: {exc}") from exc

    def read(self, warc_file: str, offset: int, length: int) -> StoredRecord:
        return read_record(self.read_raw(warc_file, offset, length))


@dataclass(frozen=True)
class StoredRecord:
    rec_type: str
    url: str
    date: str
    warc_headers: list[tuple[str, str]]
    http_status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes

    def header(self, name: str) -> str | None:
        for k, v in self.warc_headers:
            if k.lower() == name.lower():
                return v
        return None


def read_record(raw: bytes) -> StoredRecord:
    """Parse one stored (gzipped) record; payload is returned as stored (content-encoding kept)."""
    try:
        it = ArchiveIterator(io.BytesIO(raw))
        rec = next(iter(it))
        payload = rec.raw_stream.read()  # as stored: content-encoding kept (what the digest covers)
        http_status = int(rec.http_headers.get_statuscode()) if rec.http_headers else None
        http_headers = list(rec.http_headers.headers) if rec.http_headers else []
        return StoredRecord(
            rec_type=rec.rec_type,
            url=rec.rec_headers.get_header("WARC-Target-URI") or "",
            date=rec.rec_headers.get_header("WARC-Date") or "",
            warc_headers=list(rec.rec_headers.headers),
            http_status=http_status,
            http_headers=http_headers,
            payload=payload,
        )
    except (StopIteration, ValueError, OSError, EOFError, zlib.error) as exc:
        raise ArchiveError(f"unreadable WARC record: {exc}") from exc


_REPAIR_READ = 1 << 20  # bytes read from the file at a time
_REPAIR_FEED = 16 * 1024  # bytes offered to the decompressor per call (a zero-copy slice)
_REPAIR_OUT = 1 << 20  # output per call, discarded: bounds memory on huge records


def _member_ends(fh: IO[bytes]) -> Iterator[int]:
    """Offsets (from where ``fh`` stands) at which complete gzip members end, in one pass.

    Each byte is inflated once and offered to zlib in small zero-copy slices, so what zlib copies
    back (``unused_data``/``unconsumed_tail``) stays small: linear time, bounded memory. Stops at end of
    file or at the first byte that does not continue a valid member.
    """
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    end = 0  # where the last complete member ended
    used = 0  # bytes of the current member consumed so far
    while chunk := fh.read(_REPAIR_READ):
        view = memoryview(chunk)
        pos = 0
        while pos < len(view):
            piece = view[pos : pos + _REPAIR_FEED]
            try:
                d.decompress(piece, _REPAIR_OUT)
            except zlib.error:
                return
            if d.eof:
                n = len(piece) - len(d.unused_data)
                used += n
                pos += n
                end += used
                yield end
                d, used = zlib.decompressobj(16 + zlib.MAX_WBITS), 0
            else:
                n = len(piece) - len(d.unconsumed_tail)
                used += n
                pos += n


def _later_member(fh: IO[bytes], after: int) -> int | None:
    """Offset of a complete gzip member starting past ``after``, if there is one (damage, not a torn tail)."""
    magic = b"\x1f\x8b\x08"
    pos = after + 1
    carry = b""
    fh.seek(pos)
    while chunk := fh.read(1 << 20):
        data = carry + chunk
        base = pos - len(carry)
        i = data.find(magic)
        while i != -1:
            cand = base + i
            here = fh.tell()
            fh.seek(cand)
            if next(_member_ends(fh), None) is not None:  # a whole member decodes from there
                return cand
            fh.seek(here)
            i = data.find(magic, i + 1)
        carry = data[-(len(magic) - 1) :]
        pos += len(chunk)
    return None


def repair_tail(path: Path) -> int:
    """Trim a torn final gzip member (power loss); return bytes removed. Complete records are kept.

    One pass over the file (linear time, bounded memory). When the unreadable bytes are followed by
    a complete member, that is damage inside the file, not a torn tail: nothing is trimmed and
    :class:`ArchiveError` names the offset.
    """
    size = path.stat().st_size
    good = 0
    with open(path, "rb") as fh:
        for end in _member_ends(fh):
            good = end
        if good < size:
            later = _later_member(fh, good)
            if later is not None:
                raise ArchiveError(
                    f"{path}: unreadable record at offset {good} followed by a complete record at offset "
                    f"{later}: damage inside the file, not a torn tail; nothing trimmed"
                )
    if good < size:
        with open(path, "r+b") as fh:
            fh.truncate(good)
        log.warning("warc.repair", extra={"file": str(path), "trimmed": size - good})
    return size - good


def _member(head: bytes, tail: bytes = b"") -> bytes:
    """One record as one gzip member. The headers end their own deflate block (a sync flush), so
    their Huffman codes are not shared with an already-compressed payload, which is what made the
    headers of a response cost almost a byte per character.

    The window is no larger than the record (at least 512 bytes, at most 32 KiB): a deflate stream
    never refers further back than its window, so a small record compresses the same, while setting
    up a full window costs a few times more than compressing a revisit record. Readers always use a
    32 KiB window, which decodes every smaller one (RFC 1951).
    """
    wbits = min(zlib.MAX_WBITS, max(9, (len(head) + len(tail)).bit_length()))
    c = zlib.compressobj(6, zlib.DEFLATED, 16 + wbits)
    if not tail:
        return c.compress(head) + c.flush()
    return c.compress(head) + c.flush(zlib.Z_SYNC_FLUSH) + c.compress(tail) + c.flush()


def _is_plain(method: str, url: str, headers: Sequence[tuple[str, str]], template: tuple[tuple[str, str], ...]) -> bool:
    """A GET whose headers are the template's plus the target's own ``Host``, in the same order."""
    if method != "GET":
        return False
    from urllib.parse import urlsplit

    netloc = urlsplit(url).netloc.rpartition("@")[2]
    rest = []
    host_seen = False
    for k, v in headers:
        if k.lower() == "host" and not host_seen:
            host_seen = True
            if v != netloc:
                return False
            continue
        rest.append((k, v))
    return host_seen and tuple(rest) == template


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return (parts.path or "/") + (("?" + parts.query) if parts.query else "")