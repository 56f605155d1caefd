"""The cheaper archive: server-not-modified revisits for 304s, request records only where a request
carried something of its own, record headers in their own deflate block. Every record kind reads back
with warcio's ArchiveIterator and with our RecordReader; the evidence log verifies; tampering shows."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from warcio.archiveiterator import ArchiveIterator

from presswatch.archive.records import RecordReader
from presswatch.archive.warc import NOT_MODIFIED_PROFILE, CaptureRef, PriorPayload, WarcArchive
from presswatch.record.ledger import Ledger
from presswatch.record.models import Capture, Watch

NOW = datetime(2026, 3, 1, tzinfo=UTC)
URL = "http://news.example/2026/03/report"
PLAIN = (("Accept", "text/html"), ("Accept-Encoding", "gzip, deflate"), ("User-Agent", "presswatch-test"))
HOST = [("Host", "news.example")]
BODY = gzip.compress(b"<html><body>" + b"<p>The council met on Tuesday.</p>" * 200 + b"</body></html>")
RESP = [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("ETag", '"v1"')]


def _records(path: Path) -> list[tuple[str, str | None, str | None, str | None, bytes]]:
    """(type, profile, record id, concurrent-to, block) of every record, as warcio reads the file."""
    out = []
    with open(path, "rb") as fh:
        for r in ArchiveIterator(fh):
            h = r.rec_headers
            out.append((r.rec_type, h.get_header("WARC-Profile"), h.get_header("WARC-Record-ID"),
                        h.get_header("WARC-Concurrent-To"),
                        r.http_headers.to_bytes() if r.rec_type == "request" else r.content_stream().read()))
    return out


def _exchanges(a: WarcArchive) -> dict[str, CaptureRef]:
    first = a.write_exchange(URL, request_headers=HOST + list(PLAIN), http_status=200, http_reason="OK",
                             response_headers=RESP, body=BODY, captured_at=NOW, plain_request=PLAIN)
    prior = PriorPayload(first.url, first.captured_at, first.record_id, first.payload_digest)
    cond = HOST + list(PLAIN) + [("If-None-Match", '"v1"')]
    not_mod = a.write_exchange(URL, request_headers=cond, http_status=304, http_reason="Not Modified",
                               response_headers=[("ETag", '"v1"')], body=b"", captured_at=NOW + timedelta(days=1),
                               not_modified=prior, plain_request=PLAIN)
    same = a.write_exchange(URL, request_headers=HOST + list(PLAIN), http_status=200, http_reason="OK",
                            response_headers=RESP, body=BODY, captured_at=NOW + timedelta(days=2),
                            known={first.payload_digest: prior}, plain_request=PLAIN)
    untemplated = a.write_exchange(URL, request_headers=HOST + list(PLAIN), http_status=200, http_reason="OK",
                                   response_headers=RESP, body=BODY + b"", captured_at=NOW + timedelta(days=3))
    return {"first": first, "not_modified": not_mod, "same": same, "untemplated": untemplated}


def test_every_record_kind_reads_back(tmp_path: Path) -> None:
    a = WarcArchive(tmp_path)
    refs = _exchanges(a)
    a.close()
    assert [r.record_type for r in refs.values()] == ["response", "revisit", "revisit", "response"]
    assert refs["not_modified"].refers_to == refs["first"].record_id
    # a 304 revisit names the payload the server says is still current
    assert refs["not_modified"].payload_digest == refs["first"].payload_digest
    files = {r.warc_file for r in refs.values()}
    assert len(files) == 1
    recs = _records(tmp_path / files.pop())
    kinds = [(t, (p or "").rsplit("/", 1)[-1]) for t, p, *_ in recs]
    assert kinds == [
        ("warcinfo", ""),
        ("response", ""),  # plain GET: no request record of its own
        ("revisit", "server-not-modified"), ("request", ""),  # the conditional request is kept
        ("revisit", "identical-payload-digest"),
        ("response", ""), ("request", ""),  # no template given: always a request record
    ]
    info = recs[0][4].decode()
    for k, v in PLAIN:
        assert f"presswatch-request-header: {k}: {v}\r\n" in info
    by_id = {rid: t for t, _, rid, _, _ in recs}
    for t, _, _, conc, block in recs:
        if t == "request":
            assert by_id[conc] in ("response", "revisit")
            assert block.startswith(b"GET /2026/03/report HTTP/1.1")
    with RecordReader(tmp_path) as reader:
        for ref in refs.values():
            rec = reader.read(ref.warc_file, ref.offset, ref.length, payload_digest=ref.payload_digest,
                              block_digest=ref.block_digest, record_id=ref.record_id, url=ref.url)
            assert rec.ok, rec.problems
            assert rec.info.record_type == ref.record_type
        nm = refs["not_modified"]
        raw = reader.raw(nm.warc_file, nm.offset, nm.length)
    assert f"WARC-Profile: {NOT_MODIFIED_PROFILE}".encode() in zlib.decompress(raw, 31)
    assert zlib.decompress(raw, 31).count(b"WARC-Payload-Digest:") == 1


def test_each_record_is_one_gzip_member(tmp_path: Path) -> None:
    """Records are never run together in one member (warcio and pywb refuse that for replay)."""
    a = WarcArchive(tmp_path)
    refs = _exchanges(a)
    a.close()
    data = (tmp_path / refs["first"].warc_file).read_bytes()
    members = 0
    rest = data
    while rest:
        d = zlib.decompressobj(31)
        text = d.decompress(rest)
        assert text.count(b"WARC/1.1\r\n") == 1
        rest = d.unused_data
        members += 1
    assert members == len(_records(tmp_path / refs["first"].warc_file))


def test_headers_no_longer_pay_for_the_payload(tmp_path: Path) -> None:
    a = WarcArchive(tmp_path)
    ref = _exchanges(a)["first"]
    a.close()
    with RecordReader(tmp_path) as reader:
        raw = reader.raw(ref.warc_file, ref.offset, ref.length)
    plain = zlib.decompress(raw, 31)
    one_block = gzip.compress(plain, 6)
    assert len(raw) < len(one_block)


def test_a_changed_template_opens_a_new_file(tmp_path: Path) -> None:
    a = WarcArchive(tmp_path)
    r1 = a.write_exchange(URL, request_headers=HOST + list(PLAIN), http_status=200, body=b"x", captured_at=NOW,
                          plain_request=PLAIN)
    other = (("User-Agent", "another"),)
    r2 = a.write_exchange(URL, request_headers=HOST + list(other), http_status=200, body=b"y", captured_at=NOW,
                          plain_request=other)
    a.close()
    assert r1.warc_file != r2.warc_file
    assert [t for t, *_ in _records(tmp_path / r2.warc_file)] == ["warcinfo", "response"]
    # a request that differs from the template (another Host) keeps its request record
    b = WarcArchive(tmp_path / "b")
    r3 = b.write_exchange(URL, request_headers=[("Host", "elsewhere.example"), *PLAIN], http_status=200, body=b"z",
                          captured_at=NOW, plain_request=PLAIN)
    b.close()
    assert [t for t, *_ in _records(tmp_path / "b" / r3.warc_file)][-1] == "request"


def test_tampered_split_member_is_detected(tmp_path: Path) -> None:
    a = WarcArchive(tmp_path)
    ref = _exchanges(a)["first"]
    a.close()
    path = tmp_path / ref.warc_file
    data = bytearray(path.read_bytes())
    pos = ref.offset + ref.length - 200  # inside the payload's deflate block, after the headers' block
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))
    with RecordReader(tmp_path) as reader:
        rec = reader.read(ref.warc_file, ref.offset, ref.length, payload_digest=ref.payload_digest,
                          block_digest=ref.block_digest, record_id=ref.record_id)
    assert not rec.ok


def test_four_passes_verify_and_replay(core, simsite) -> None:  # type: ignore[no-untyped-def]
    """new → 304 → full GET of the same payload → edited: every check is archived and the store verifies."""
    urls = simsite.article_urls()[:3]

    def run() -> list[dict]:  # type: ignore[type-arg]
        return asyncio.run(core.check(urls))

    first = run()
    assert {r["status"] for r in first} == {"new"}
    second = run()
    assert {r["status"] for r in second} == {"unchanged"}
    core.db.write(lambda s: s.execute(update(Watch).values(etag=None, last_modified=None)))
    third = run()
    assert {r["status"] for r in third} == {"unchanged"}
    for u in urls:
        simsite.set_state(u.rsplit("/", 1)[1], "edit-paragraph", index=1)
    fourth = run()
    assert {r["status"] for r in fourth} == {"edited"}
    with core.db.session() as s:
        caps = list(s.scalars(select(Capture).order_by(Capture.id)))
    assert len(caps) == 12  # every exchange is kept
    kinds = [c.record_type for c in caps]
    assert kinds.count("response") == 6 and kinds.count("revisit") == 6
    assert all(c.refers_to_id is not None for c in caps if c.record_type == "revisit")
    report = Ledger(core).verify_store()
    assert report.ok, report.failures
    # every record in every file reads with warcio, and the 304s are server-not-modified revisits
    profiles = []
    for f in sorted((core.data_dir / "warc").glob("*.warc.gz")):
        with open(f, "rb") as fh:
            for r in ArchiveIterator(fh):
                r.content_stream().read()
                profiles.append(r.rec_headers.get_header("WARC-Profile"))
    assert profiles.count(NOT_MODIFIED_PROFILE) == 3
    with RecordReader(core.data_dir) as reader:
        for c in caps:
            assert reader.read(c.warc_file, c.offset, c.length, payload_digest=c.payload_digest,
                               block_digest=c.block_digest, record_id=c.record_id, url=c.url).ok
