"""One capture-pointer type: CaptureRef.pointer, Capture.pointer and the JSON shape agree."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from presswatch.archive import CapturePointer
from presswatch.archive.warc import WarcArchive
from presswatch.errors import ArchiveError
from presswatch.record.models import Capture, capture_row

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _write(a: WarcArchive, body: bytes = b"<p>hello</p>"):  # type: ignore[no-untyped-def]
    return a.write_exchange("http://news.example/a", request_headers=[("User-Agent", "t")], http_status=200,
                            response_headers=[("Content-Type", "text/html")], body=body, captured_at=NOW)


def test_ref_row_and_json_share_one_pointer(core) -> None:  # type: ignore[no-untyped-def]
    ref = _write(core.archive)
    ptr = ref.pointer
    assert isinstance(ptr, CapturePointer)
    assert ptr == CapturePointer(ref.warc_file, ref.offset, ref.length) == CapturePointer.of(ref)
    assert list(ref.as_dict()) == ["warc_file", "offset", "length", "payload_digest"]  # JSON shape unchanged
    assert CapturePointer.from_dict(ref.as_dict()) == ptr
    with core.db.session() as s:
        row = capture_row(s, ref, "origin")
        assert isinstance(row, Capture) and row.pointer == ptr == CapturePointer.of(row)
    core.archive.sync()
    assert ptr.read(core.data_dir) == core.archive.read_raw(ref.warc_file, ref.offset, ref.length)
    assert str(ptr) == f"{ref.warc_file}@{ref.offset}"


def test_pointer_is_frozen_and_validated() -> None:
    ptr = CapturePointer("warc/a.warc.gz", 0, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ptr.offset = 5  # type: ignore[misc]
    assert {ptr: 1}[CapturePointer("warc/a.warc.gz", 0, 10)] == 1  # hashable, by value
    for bad in (("", 0, 1), ("w", -1, 1), ("w", 0, -2)):
        with pytest.raises(ArchiveError):
            CapturePointer(*bad)
    for d in ({"offset": 0, "length": 1}, {"warc_file": "w", "offset": "x", "length": 1}):
        with pytest.raises(ArchiveError):
            CapturePointer.from_dict(d)


def test_read_refuses_escapes_and_truncation(tmp_path: Path) -> None:
    a = WarcArchive(tmp_path)
    ref = _write(a)
    a.close()
    with pytest.raises(ArchiveError, match="leaves the data folder"):
        CapturePointer("../outside.warc.gz", 0, 1).read(tmp_path)
    with pytest.raises(ArchiveError, match="truncated"):
        CapturePointer(ref.warc_file, ref.offset, ref.length + 10_000_000).read(tmp_path)
    with pytest.raises(ArchiveError, match="cannot read"):
        CapturePointer("warc/missing.warc.gz", 0, 1).read(tmp_path)
