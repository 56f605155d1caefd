"""Reading a stored record back by pointer and checking its digests: presswatch.archive.records."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from presswatch.archive.records import RecordReader, check_record
from presswatch.archive.warc import PriorPayload, WarcArchive
from presswatch.errors import ArchiveError

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _archive(tmp_path: Path):  # type: ignore[no-untyped-def]
    a = WarcArchive(tmp_path)
    ref = a.write_exchange("http://news.example/a", http_status=200, http_reason="OK",
                           response_headers=[("Content-Type", "text/html")], body=b"<p>an article</p>",
                           captured_at=NOW)
    rev = a.write_exchange("http://news.example/a", http_status=200, body=b"<p>an article</p>", captured_at=NOW,
                           prior=PriorPayload(ref.url, ref.captured_at, ref.record_id))
    a.close()
    return a, ref, rev


def test_intact_records_check_clean(tmp_path: Path) -> None:
    _a, ref, rev = _archive(tmp_path)
    for r in (ref, rev):
        with RecordReader(tmp_path) as reader:
            rec = reader.read(r.warc_file, r.offset, r.length, payload_digest=r.payload_digest,
                              block_digest=r.block_digest, record_id=r.record_id, url=r.url)
        assert rec.ok, rec.problems
        assert rec.info.record_type == r.record_type and rec.info.record_id == r.record_id
    with RecordReader(tmp_path) as reader:
        req = reader.member_at(ref.warc_file, ref.offset + ref.length, 1 << 20)
        assert req is not None
        assert check_record(req).info.concurrent_to == ref.record_id


def test_altered_payload_names_both_digests(tmp_path: Path) -> None:
    _a, ref, _rev = _archive(tmp_path)
    path = tmp_path / ref.warc_file
    data = path.read_bytes()
    member = gzip.decompress(data[ref.offset : ref.offset + ref.length]).replace(b"an article", b"an errata!")
    path.write_bytes(data[: ref.offset] + gzip.compress(member))
    with RecordReader(tmp_path) as reader:
        raw = reader.raw(ref.warc_file, ref.offset, path.stat().st_size - ref.offset)
    rec = check_record(raw, payload_digest=ref.payload_digest, block_digest=ref.block_digest)
    assert not rec.ok
    assert any("WARC-Block-Digest" in p for p in rec.problems)
    assert any("WARC-Payload-Digest" in p for p in rec.problems)
    assert any(f"payload digest {ref.payload_digest}" in p for p in rec.problems)


def test_unreadable_pointers_raise_archive_error(tmp_path: Path) -> None:
    a, ref, _rev = _archive(tmp_path)
    with RecordReader(tmp_path) as reader:
        with pytest.raises(ArchiveError, match="leaves the data folder"):
            reader.raw("../outside.warc.gz", 0, 10)
        with pytest.raises(ArchiveError, match="cannot read WARC file"):
            reader.raw("warc/missing.warc.gz", 0, 10)
        size = (tmp_path / ref.warc_file).stat().st_size
        with pytest.raises(ArchiveError, match="truncated \\(10 of 20 bytes\\)"):
            reader.raw(ref.warc_file, size - 10, 20)
    with pytest.raises(ArchiveError, match=f"{ref.warc_file}@0: WARC file is truncated"):
        a.read_raw(ref.warc_file, 0, size + 1)
    assert check_record(b"not a warc record").problems[0].startswith("unreadable WARC record")
