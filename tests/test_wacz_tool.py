"""WACZ files by py-wacz's Python API, in process: quiet, atomic, valid."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from presswatch.archive.wacz_tool import create_wacz, pages_jsonl, write_wacz
from presswatch.archive.warc import WarcArchive
from presswatch.errors import ArchiveError

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _warc(tmp_path: Path) -> Path:
    a = WarcArchive(tmp_path / "data")
    a.write_exchange("http://news.example/a", http_status=200, response_headers=[("Content-Type", "text/html")],
                     body=b"<p>one</p>", captured_at=NOW)
    a.close()
    return next((tmp_path / "data" / "warc").glob("*.warc.gz"))


def test_create_wacz_in_process_is_quiet_and_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wacz.validate import Validation

    out = tmp_path / "all.wacz"
    create_wacz(out, [_warc(tmp_path)], [{"url": "http://news.example/a", "ts": "2026-03-01T00:00:00Z"}],
                title="All Pages")
    assert capsys.readouterr().out == ""  # py-wacz's progress lines stay off our stdout
    v = Validation(str(out))
    assert v.check_required_contents() == 0 and v.check_file_hashes()
    with zipfile.ZipFile(out) as zf:
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
    assert pages[0]["title"] == "All Pages" and [p["url"] for p in pages[1:]] == ["http://news.example/a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.wacz", "data"]  # no temporary file left


def test_write_wacz_lists_every_member_and_fails_atomically(tmp_path: Path) -> None:
    warc = _warc(tmp_path)
    out = tmp_path / "b.wacz"
    dump = lambda o: json.dumps(o, sort_keys=True).encode()  # noqa: E731
    write_wacz(out, {"archive/data.warc.gz": warc}, pages_jsonl([], "Cited"), {"evidence/x.json": b"{}"},
               package={"title": "t", "presswatch": {"format": "x"}}, dump=dump)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        pkg = json.loads(zf.read("datapackage.json"))
        assert zf.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
    assert names[:2] == ["datapackage.json", "datapackage-digest.json"]
    assert {r["path"] for r in pkg["resources"]} == set(names[2:])
    assert all(r["hash"].startswith("sha256:") for r in pkg["resources"])
    assert pkg["presswatch"] == {"format": "x"} and pkg["title"] == "t"
    before = out.read_bytes()
    with pytest.raises(ArchiveError, match="wacz failed"):
        write_wacz(out, {"archive/data.warc.gz": tmp_path / "missing.warc.gz"}, b"", {}, package={}, dump=dump)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.wacz", "data"]
