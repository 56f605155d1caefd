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


def _many_records(tmp_path: Path, n: int) -> Path:
    a = WarcArchive(tmp_path)
    for i in range(n):
        write(a, f"<p>record {i}</p>".encode() * 20)
    a.close()
    (f,) = (tmp_path / "warc").glob("*.warc.gz")
    return f


def test_repair_is_linear(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Linear, not quadratic: 4× the records feed the decompressor about 4× the bytes (not 16×)."""
    import zlib

    from presswatch.archive.warc import repair_tail

    real = zlib.decompressobj
    fed = [0]

    class Counting:
        def __init__(self, *args):  # type: ignore[no-untyped-def]
            self._d = real(*args)

        def decompress(self, data, *args):  # type: ignore[no-untyped-def]
            fed[0] += len(data)
            return self._d.decompress(data, *args)

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self._d, name)

    def feed_for(n: int) -> tuple[int, int]:
        path = _many_records(tmp_path / str(n), n)
        whole = path.read_bytes()
        path.write_bytes(whole + whole[-200:-100])  # torn tail
        fed[0] = 0
        monkeypatch.setattr(zlib, "decompressobj", Counting)
        try:
            assert repair_tail(path) == 100
        finally:
            monkeypatch.setattr(zlib, "decompressobj", real)
        assert path.read_bytes() == whole
        return fed[0], len(whole)

    small, small_size = feed_for(150)
    big, big_size = feed_for(600)
    assert big / small < 1.5 * big_size / small_size, (small, big, small_size, big_size)


def test_repair_never_trims_complete_records_after_damage(tmp_path: Path) -> None:
    """A damaged record in the middle is not a torn tail: nothing is trimmed, the damage is reported."""
    from presswatch.archive.warc import repair_tail
    from presswatch.errors import ArchiveError

    a = WarcArchive(tmp_path)
    refs = [write(a, f"<p>record {i}</p>".encode() * 20) for i in range(5)]
    a.close()
    path = tmp_path / refs[0].warc_file
    data = bytearray(path.read_bytes())
    mid = refs[2].offset + refs[2].length // 2
    data[mid : mid + 8] = b"\xff" * 8  # a damaged middle record, complete ones after it
    path.write_bytes(bytes(data))
    import pytest

    with pytest.raises(ArchiveError) as exc:
        repair_tail(path)
    assert str(refs[2].offset) in str(exc.value)
    assert path.read_bytes() == bytes(data)
    res = CliRunner().invoke(app, ["repair-warc", str(path)])
    assert res.exit_code != 0 and "Traceback" not in res.output


def test_repair_trims_a_zero_filled_tail(tmp_path: Path) -> None:
    from presswatch.archive.warc import repair_tail

    path = _many_records(tmp_path, 3)
    whole = path.read_bytes()
    path.write_bytes(whole + b"\0" * 4096)  # blocks allocated but never written before the power loss
    assert repair_tail(path) == 4096 and path.read_bytes() == whole


def test_revisit_pointer_names_the_record_in_warc_refers_to(core) -> None:  # type: ignore[no-untyped-def]
    """Two URLs with the same payload: the revisit of the second points (in the DB) at the second's capture."""
    from presswatch.record.models import Capture, capture_row

    body = b"<p>the same syndicated story on two URLs</p>"

    def cap(url: str, prior: PriorPayload | None = None):  # type: ignore[no-untyped-def]
        ref = core.archive.write_exchange(url, http_status=200, http_reason="OK",
                                          response_headers=[("Content-Type", "text/html")], body=body,
                                          captured_at=NOW, prior=prior)
        return ref, core.db.write(lambda s: (lambda row: (s.flush(), row.id)[1])(capture_row(s, ref, "origin")))

    a_ref, a_id = cap("http://news.example/a")
    b_ref, b_id = cap("http://news.example/b")
    rev_ref, rev_id = cap("http://news.example/b", PriorPayload(b_ref.url, b_ref.captured_at, b_ref.record_id))
    assert rev_ref.record_type == "revisit"
    rec = core.archive.read(rev_ref.warc_file, rev_ref.offset, rev_ref.length)
    assert rec.header("WARC-Refers-To") == b_ref.record_id
    with core.db.session() as s:
        row = s.get(Capture, rev_id)
        target = s.get(Capture, row.refers_to_id)
        assert target is not None and target.record_id == rec.header("WARC-Refers-To") and target.id == b_id
