"""WARC archive: byte-for-byte read-back, revisits, rotation, torn-tail repair."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from presswatch.archive.warc import PriorPayload, WarcArchive, read_record
from presswatch.cli import app

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def write(a: WarcArchive, body: bytes, prior: PriorPayload | None = None):  # type: ignore[no-untyped-def]
    return a.write_exchange("http://news.example/a", request_headers=[("User-Agent", "t")], http_status=200,
                            http_reason="OK", response_headers=[("Content-Type", "text/html")], body=body,
                            captured_at=NOW, prior=prior)


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(path)], capture_output=True, text=True)


def test_read_back_revisit_and_rotation(tmp_path: Path) -> None:
    import os

    body = os.urandom(3000)  # incompressible, so the 4 KB rotation threshold is crossed
    a = WarcArchive(tmp_path, max_bytes=4096)
    first = write(a, body)
    again = write(a, body, PriorPayload(first.url, first.captured_at, first.record_id))
    other = write(a, b"<p>other</p>")
    a.close()
    assert first.record_type == "response" and again.record_type == "revisit"
    assert first.payload_digest == again.payload_digest != other.payload_digest
    assert len({first.warc_file, again.warc_file, other.warc_file}) >= 2  # rotated at 4 KB
    rec = read_record(a.read_raw(first.warc_file, first.offset, first.length))
    assert rec.payload == body and rec.header("WARC-Payload-Digest") == first.payload_digest
    rev = read_record(a.read_raw(again.warc_file, again.offset, again.length))
    assert rev.rec_type == "revisit" and rev.header("WARC-Refers-To") == first.record_id
    for f in (tmp_path / "warc").glob("*.warc.gz"):
        assert warcio_check(f).returncode == 0


def test_torn_tail_is_trimmed_and_complete_records_kept(tmp_path: Path) -> None:
    a = WarcArchive(tmp_path)
    ref = write(a, b"<p>kept</p>")
    a.close()
    path = tmp_path / ref.warc_file
    whole = path.read_bytes()
    path.write_bytes(whole + whole[ref.offset : ref.offset + ref.length // 2])  # a power loss mid-append
    assert warcio_check(path).returncode != 0
    res = CliRunner().invoke(app, ["repair-warc", str(path)])
    assert res.exit_code == 0 and "trimmed" in res.output
    assert path.read_bytes() == whole and warcio_check(path).returncode == 0
    assert "intact" in CliRunner().invoke(app, ["repair-warc", str(path)]).output
