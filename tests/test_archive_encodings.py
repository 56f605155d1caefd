"""Every content-encoding the fetcher may receive is archived as received and read by standard tools.

A small HTTP server on 127.0.0.1 serves one page per encoding (``/identity``, ``/gzip``, ``/deflate``)
and, unsolicited, ``/br`` (a server that sends brotli although it was not asked for). Each page goes
through ``presswatch check``; the WARC is read back with warcio (payload as received, and decoded),
checked with ``warcio check``, and exported as a WACZ that ``wacz validate`` accepts.
"""

from __future__ import annotations

import gzip
import http.server
import json
import random
import subprocess
import sys
import zlib
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from runsupport import local_http
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from presswatch.cli import app

PAGE = (
    b"<!doctype html><html><head><title>Ministry denies report</title></head><body><article>"
    + b"<p>The ministry said on Tuesday that the report was inaccurate and asked for its removal.</p>" * 40
    + b"</article></body></html>"
)
ENCODED = {
    "identity": PAGE,
    "gzip": gzip.compress(PAGE),
    "deflate": zlib.compress(PAGE),
    "br": brotli.compress(PAGE),
}
SEEN_ACCEPT: list[str] = []


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        SEEN_ACCEPT.append(self.headers.get("Accept-Encoding", ""))
        coding = self.path.strip("/").split("?")[0]
        body = ENCODED.get(coding)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if coding != "identity":
            self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with local_http(Handler) as port:
        yield f"http://127.0.0.1:{port}"


def warcio_check_api(path: Path) -> int:
    from warcio.checker import Checker

    return int(Checker(Namespace(inputs=[str(path)], verbose=False)).process_all())


def responses(path: Path) -> list[tuple[bytes, bytes, str | None]]:
    """(payload as stored, payload decoded by warcio, Content-Encoding) of each response record."""
    out = []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type == "response":
                enc = rec.http_headers.get_header("Content-Encoding")
                raw = rec.raw_stream.read()
                out.append((raw, b"", enc))
    with open(path, "rb") as fh:
        decoded = [rec.content_stream().read() for rec in ArchiveIterator(fh) if rec.rec_type == "response"]
    return [(r, d, e) for (r, _, e), d in zip(out, decoded, strict=True)]


def test_fetcher_does_not_ask_for_brotli(origin: str, tmp_path: Path) -> None:
    env = {"PRESSWATCH_DATA": str(tmp_path / "data"), "PRESSWATCH_ALLOW_PRIVATE": "1", "PRESSWATCH_TIMEOUT": "5"}
    SEEN_ACCEPT.clear()
    res = CliRunner().invoke(app, ["check", f"{origin}/gzip", "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert SEEN_ACCEPT and all("br" not in a.replace(" ", "").split(",") for a in SEEN_ACCEPT), SEEN_ACCEPT
    assert "gzip" in SEEN_ACCEPT[0]


@pytest.mark.parametrize("coding", ["identity", "gzip", "deflate", "br"])
def test_encoding_round_trips_through_warcio_and_wacz(origin: str, tmp_path: Path, coding: str) -> None:
    env = {"PRESSWATCH_DATA": str(tmp_path / "data"), "PRESSWATCH_ALLOW_PRIVATE": "1", "PRESSWATCH_TIMEOUT": "5"}
    res = CliRunner().invoke(app, ["check", f"{origin}/{coding}", "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.splitlines()[-1])["status"] == "new"

    warcs = sorted((tmp_path / "data" / "warc").glob("*.warc.gz"))
    assert warcs
    got = [r for w in warcs for r in responses(w)]
    assert len(got) == 1
    raw, decoded, enc = got[0]
    assert raw == ENCODED[coding]  # exactly what was received
    assert enc == (None if coding == "identity" else coding)
    assert decoded == PAGE  # warcio undoes the content-encoding
    for w in warcs:
        assert warcio_check_api(w) == 0
        if coding != "br":  # the stock command line, no presswatch code loaded
            chk = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(w)], capture_output=True,
                                 text=True)
            assert chk.returncode == 0, chk.stdout + chk.stderr

    out = tmp_path / "all.wacz"
    res = CliRunner().invoke(app, ["export", "--format", "wacz", "-o", str(out)], env=env)
    assert res.exit_code == 0, res.output
    val = subprocess.run([sys.executable, "-m", "wacz.main", "validate", "-f", str(out)], capture_output=True,
                         text=True)
    assert val.returncode == 0, val.stdout + val.stderr
    import zipfile

    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        pages = z.read("pages/pages.jsonl").decode()
    assert any(n.startswith("archive/") for n in names) and "datapackage.json" in names
    assert f"/{coding}" in pages


def test_failed_wacz_export_leaves_no_file(tmp_path: Path) -> None:
    env = {"PRESSWATCH_DATA": str(tmp_path / "data"), "PRESSWATCH_ALLOW_PRIVATE": "1"}
    warc_dir = tmp_path / "data" / "warc"
    warc_dir.mkdir(parents=True)
    (warc_dir / "broken.warc.gz").write_bytes(random.Random(7).randbytes(5000))
    out = tmp_path / "out.wacz"
    res = CliRunner().invoke(app, ["export", "--format", "wacz", "-o", str(out)], env=env)
    assert res.exit_code != 0 and "wacz failed" in res.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]  # no temporary file left either
    out.write_bytes(b"an earlier export")
    assert CliRunner().invoke(app, ["export", "--format", "wacz", "-o", str(out)], env=env).exit_code != 0
    assert out.read_bytes() == b"an earlier export"  # untouched by the failed one


def test_warcio_reads_a_large_brotli_payload_in_small_blocks() -> None:
    """The compatibility decompressor keeps state across warcio's reads (many blocks, one stream)."""
    import io
    import random as _random

    from warcio.bufferedreaders import BufferedReader

    import presswatch.archive  # noqa: F401 - installs the decompressor

    rng = _random.Random(3)
    text = " ".join(rng.choice(["court", "ruling", "editor", "removed", "story"]) for _ in range(100_000)).encode()
    packed = brotli.compress(text)
    reader = BufferedReader(io.BytesIO(packed), block_size=1024, decomp_type="br")
    got = bytearray()
    while piece := reader.read(4096):
        got += piece
    assert bytes(got) == text and len(packed) > 16 * 1024
