"""Reading a stored WARC record back and checking it: the one place that does it.

A capture is a pointer (WARC file relative to the data folder, offset, length of its gzip member).
:class:`RecordReader` reads the bytes at a pointer (refusing paths that leave the data folder, short
reads and unreadable files with :class:`~presswatch.errors.ArchiveError`) and :func:`check_record`
parses them with warcio and recomputes the block and payload digests against the record's own
headers and against what the database (or a bundle index) recorded. The evidence log's
``verify``, bundle export and bundle verification all go through here.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from warcio.archiveiterator import ArchiveIterator

from presswatch.errors import ArchiveError

__all__ = [
    "check_record",
    "check_warc_record",
    "CheckedRecord",
    "digest_algorithm_known",
    "digest_matches",
    "RecordInfo",
    "RecordReader",
]

_HASHES = {
    "sha1": "sha1",
    "sha-1": "sha1",
    "sha256": "sha256",
    "sha-256": "sha256",
    "sha512": "sha512",
    "sha-512": "sha512",
    "md5": "md5",
}


def digest_matches(label: str, data: bytes) -> bool:
    """Does the WARC-style digest ``algo:value`` (base32 or hex value) describe ``data``?"""
    algo, _, value = label.partition(":")
    name = _HASHES.get(algo.lower())
    if name is None or not value:
        return False
    raw = hashlib.new(name, data).digest()
    b32 = base64.b32encode(raw).decode("ascii")
    return value.rstrip("=").upper() == b32.rstrip("=") or value.lower() == raw.hex()


def digest_algorithm_known(label: str) -> bool:
    return label.partition(":")[0].lower() in _HASHES


@dataclass
class RecordInfo:
    record_type: str | None = None
    record_id: str | None = None
    url: str | None = None
    payload_digest: str | None = None
    block_digest: str | None = None
    block_bytes: int = 0
    concurrent_to: str | None = None


def check_warc_record(
    raw: bytes,
    *,
    payload_digest: str | None,
    block_digest: str | None = None,
    record_id: str | None = None,
    url: str | None = None,
) -> tuple[list[str], RecordInfo]:
    """Parse one stored WARC record (gzip member or plain) and recompute its digests.

    Checks the WARC-Block-Digest and WARC-Payload-Digest headers against recomputed values and against
    the digests and identity the database (or a bundle index) recorded. Returns the problems found.
    """
    problems: list[str] = []
    info = RecordInfo()
    try:
        it = ArchiveIterator(io.BytesIO(raw), no_record_parse=True)
        record = next(iter(it), None)
        if record is None:
            return ["no WARC record at this position"], info
        block = record.raw_stream.read()
        it.close()
    except Exception as exc:  # warcio/zlib raise many types on corrupt input
        return [f"unreadable WARC record ({type(exc).__name__}: {exc})"], info
    headers = record.rec_headers
    info.record_type = headers.get_header("WARC-Type")
    info.record_id = headers.get_header("WARC-Record-ID")
    info.url = headers.get_header("WARC-Target-URI")
    info.payload_digest = headers.get_header("WARC-Payload-Digest")
    info.block_digest = headers.get_header("WARC-Block-Digest")
    info.concurrent_to = headers.get_header("WARC-Concurrent-To")
    info.block_bytes = len(block)
    declared = headers.get_header("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) != len(block):
        problems.append(f"block is {len(block)} bytes, Content-Length says {declared}")
    if record_id is not None and info.record_id != record_id:
        problems.append(f"WARC-Record-ID is {info.record_id}, expected {record_id}")
    if url is not None and info.url != url:
        problems.append(f"WARC-Target-URI is {info.url!r}, expected {url!r}")
    # block digest: header vs recomputation vs recorded
    if info.block_digest:
        if not digest_matches(info.block_digest, block):
            problems.append(f"WARC-Block-Digest {info.block_digest} does not match the record block")
    if block_digest and not digest_matches(block_digest, block):
        problems.append(f"block digest {block_digest} recorded for this capture does not match the block")
    # payload digest: revisits carry the original payload's digest and no payload
    ctype = (headers.get_header("Content-Type") or "").lower()
    payload: bytes | None
    if info.record_type == "revisit":
        payload = None
    elif ctype.startswith("application/http"):
        head, sep, body = block.partition(b"\r\n\r\n")
        payload = body if sep else b""
    else:
        payload = block
    if payload is not None:
        if info.payload_digest and not digest_matches(info.payload_digest, payload):
            problems.append(f"WARC-Payload-Digest {info.payload_digest} does not match the payload")
        if payload_digest and not digest_matches(payload_digest, payload):
            problems.append(f"payload digest {payload_digest} does not match the recomputed payload digest")
    elif payload_digest and info.payload_digest != payload_digest:
        problems.append(f"revisit names payload digest {info.payload_digest}, expected {payload_digest}")
    if not info.block_digest and not info.payload_digest and not block_digest:
        problems.append("record carries no digest to check")
    return problems, info


def _gzip_member(fh: IO[bytes], start: int, limit: int) -> bytes | None:
    """The gzip member starting at ``start`` (None when there is none: end of file, not gzip, too long)."""
    fh.seek(start)
    if fh.read(2) != b"\x1f\x8b":
        return None
    fh.seek(start)
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    raw = bytearray()
    try:
        while not d.eof:
            chunk = fh.read(65536)
            if not chunk or len(raw) > limit:
                return None
            raw += chunk
            d.decompress(chunk, 1 << 20)
            while d.unconsumed_tail and not d.eof:
                d.decompress(d.unconsumed_tail, 1 << 20)
    except zlib.error:
        return None
    return bytes(raw[: len(raw) - len(d.unused_data)])


@dataclass(frozen=True)
class CheckedRecord:
    """A stored record's bytes, what its headers say, and every problem its digests show (none: intact)."""

    raw: bytes
    info: RecordInfo
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the stored bytes (what log entries commit to)."""
        return hashlib.sha256(self.raw).hexdigest()


def check_record(
    raw: bytes,
    *,
    payload_digest: str | None = None,
    block_digest: str | None = None,
    record_id: str | None = None,
    url: str | None = None,
) -> CheckedRecord:
    """:func:`check_warc_record` as one value."""
    problems, info = check_warc_record(
        raw, payload_digest=payload_digest, block_digest=block_digest, record_id=record_id, url=url
    )
    return CheckedRecord(raw, info, problems)


class RecordReader:
    """Reads records by pointer from one data folder, keeping each WARC file open until :meth:`close`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._root = self.data_dir.resolve()
        self._files: dict[str, IO[bytes]] = {}

    def __enter__(self) -> RecordReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        files, self._files = self._files, {}
        for fh in files.values():
            fh.close()

    def _file(self, warc_file: str) -> IO[bytes]:
        fh = self._files.get(warc_file)
        if fh is None:
            path = (self.data_dir / warc_file).resolve()
            if not path.is_relative_to(self._root):
                raise ArchiveError("WARC path leaves the data folder")
            try:
                fh = self._files[warc_file] = open(path, "rb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise ArchiveError(f"cannot read WARC file: {exc}") from exc
        return fh

    def raw(self, warc_file: str, offset: int, length: int) -> bytes:
        """The record's bytes exactly as stored; :class:`ArchiveError` when they cannot all be read."""
        fh = self._file(warc_file)
        try:
            fh.seek(offset)
            data = fh.read(length)
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"cannot read WARC file: {exc}") from exc
        if len(data) != length:
            raise ArchiveError(f"WARC file is truncated ({len(data)} of {length} bytes)")
        return data

    def read(
        self,
        warc_file: str,
        offset: int,
        length: int,
        *,
        payload_digest: str | None = None,
        block_digest: str | None = None,
        record_id: str | None = None,
        url: str | None = None,
    ) -> CheckedRecord:
        """Read and check the record at a pointer (problems listed, not raised: evidence is reported)."""
        return check_record(
            self.raw(warc_file, offset, length),
            payload_digest=payload_digest, block_digest=block_digest, record_id=record_id, url=url,
        )  # fmt: skip

    def member_at(self, warc_file: str, start: int, limit: int) -> bytes | None:
        """The gzip member starting at ``start`` (None: end of file, not gzip, or longer than ``limit``)."""
        return _gzip_member(self._file(warc_file), start, limit)
