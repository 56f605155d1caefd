"""Measurement captures hold the bytes as received; a body cut at the cap says ``WARC-Truncated``."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import http.server
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from runsupport import local_http
from warcio.archiveiterator import ArchiveIterator

from presswatch.archive.warc import WarcArchive, sha256_digest
from presswatch.measure.control import local_control
from presswatch.measure.httpstep import BODY_CAP
from presswatch.measure.measurement import Timeouts, Vantage, measure
from presswatch.sim.censor import DnsServer

PAGE = b"<html><head><title>Front page</title></head><body>" + b"<p>story</p>" * 3000 + b"</body></html>"
GZ = gzip.compress(PAGE)
BIG = os.urandom(BODY_CAP + 200_000)  # incompressible, past the measurement cap
T = Timeouts(dns=2, tcp=2, tls=2, http=4, dns_late_window=0.2)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body, enc = (GZ, "gzip") if self.path == "/gz" else (BIG, None)
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if enc else "application/octet-stream")
        if enc:
            self.send_header("Content-Encoding", enc)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass



@pytest.fixture()
def origin() -> Iterator[int]:
    with local_http(Handler) as port:
        yield port


def _measure(url: str, archive: WarcArchive) -> dict:  # type: ignore[type-arg]
    with DnsServer({"news.example": ["127.0.0.1"]}) as dns:
        ctl = local_control(dns.address, None, allow_private=True, timeouts=T)
        return asyncio.run(measure(url, vantage=Vantage("KZ", "AS1", "p1"), resolver=dns.address, control=ctl,
                                   timeouts=T, allow_private=True, archive=archive))


def _record(tmp_path: Path, cap: dict):  # type: ignore[no-untyped-def,type-arg]
    with open(tmp_path / cap["warc_file"], "rb") as fh:
        fh.seek(cap["offset"])
        rec = next(iter(ArchiveIterator(fh)))
        return rec, rec.raw_stream.read()


def test_measurement_record_holds_the_body_as_received(origin: int, tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path)
    try:
        r = _measure(f"http://news.example:{origin}/gz", archive)
    finally:
        archive.close()
    assert r["accessible"] is True
    assert r["requests"][0]["response"]["body_length"] == len(PAGE)  # the analysis still sees the decoded page
    rec, payload = _record(tmp_path, r["capture"])
    assert rec.http_headers.get_header("Content-Encoding") == "gzip"
    assert payload == GZ and int(rec.http_headers.get_header("Content-Length")) == len(payload)
    assert rec.rec_headers.get_header("WARC-Truncated") is None
    assert rec.rec_headers.get_header("WARC-Payload-Digest") == sha256_digest(GZ) == r["capture"]["payload_digest"]
    assert hashlib.sha256(gzip.decompress(payload)).digest() == hashlib.sha256(PAGE).digest()


def test_measurement_record_cut_at_the_cap_says_truncated(origin: int, tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path)
    try:
        r = _measure(f"http://news.example:{origin}/big", archive)
    finally:
        archive.close()
    assert r["requests"][0]["response"]["body_truncated"] is True
    rec, payload = _record(tmp_path, r["capture"])
    assert rec.rec_headers.get_header("WARC-Truncated") == "length"
    assert payload == BIG[:BODY_CAP]  # a prefix of what was received, nothing altered
    assert rec.rec_headers.get_header("WARC-Payload-Digest") == sha256_digest(BIG[:BODY_CAP])
