"""Evidence bundles: export as WACZ, verify offline, and name exactly what a tampered bundle breaks."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from test_ledger import add_capture, failures_about, observe, open_core

from presswatch.errors import NotFound
from presswatch.publish.bundle import export_bundle
from presswatch.publish.verify import VerificationReport, verify_bundle
from presswatch.record.ledger import Ledger


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    core = open_core(tmp_path / "data")
    ledger = Ledger(core)
    for i in range(5):
        observe(core, ledger, f"https://news.test/story/{i}", f"<h1>Story {i}</h1><p>text {i}</p>".encode())
    ledger.sign_tree_head()
    observe(core, ledger, "https://news.test/plain", b"<p>uncompressed</p>", gz=False)
    cap = add_capture(core, "https://news.test/private", b"<p>source document</p>", name="private.warc.gz")
    ledger.append_now(
        "demand", {"requester": "someone", "private": True}, digests=[cap.payload_digest], ref=None
    )
    yield core, ledger
    core.close()


def rewrite_member(src: Path, dst: Path, name: str, fn, *, rehash: bool) -> None:  # type: ignore[no-untyped-def]
    """Copy a bundle changing one member; with ``rehash`` also fix datapackage.json (a careful forger)."""
    with zipfile.ZipFile(src) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    members[name] = fn(members[name])
    if rehash:
        pkg = json.loads(members["datapackage.json"])
        for res in pkg["resources"]:
            data = members[res["path"]]
            res["hash"], res["bytes"] = "sha256:" + hashlib.sha256(data).hexdigest(), len(data)
        members["datapackage.json"] = json.dumps(pkg).encode()
        members["datapackage-digest.json"] = json.dumps(
            {
                "path": "datapackage.json",
                "hash": "sha256:" + hashlib.sha256(members["datapackage.json"]).hexdigest(),
            }
        ).encode()
    with zipfile.ZipFile(dst, "w") as zout:
        for n, data in members.items():
            zout.writestr(n, data)


def flip_at(data: bytes, pos: int) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :]


@pytest.fixture
def bundle(store, tmp_path):  # type: ignore[no-untyped-def]
    core, _ = store
    return export_bundle(core, [1, 3, 5], tmp_path / "out" / "evidence.wacz")


def test_bundle_verifies_offline(store, bundle, tmp_path):
    core, ledger = store
    core.close()
    moved = tmp_path / "elsewhere.wacz"
    moved.write_bytes(bundle.read_bytes())
    report = verify_bundle(moved, trusted_key_id=ledger.key_id)
    assert report.ok, report.failures
    assert report.checked["entries"] == 3
    assert report.checked["inclusion_proofs"] == 3
    assert report.checked["captures"] == 3
    assert report.checked["cited_digests"] == 3
    assert report.checked["signatures"] == 1
    with zipfile.ZipFile(moved) as zf:
        names = set(zf.namelist())
        assert {
            "datapackage.json",
            "datapackage-digest.json",
            "archive/data.warc.gz",
            "archive/data.warc",
            "indexes/index.cdxj",
            "pages/pages.jsonl",
            "evidence/sth.json",
            "evidence/proofs.json",
            "evidence/entries.jsonl",
            "evidence/records.json",
            "evidence/log-key.pem",
        } <= names
        assert zf.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        pkg = json.loads(zf.read("datapackage.json"))
        assert pkg["wacz_version"] == "1.1.1" and pkg["presswatch"]["entries"] == [1, 3, 5]
        cdx = zf.read("indexes/index.cdxj").decode().splitlines()
        assert len(cdx) == 3 and cdx[0].startswith("test,news)/")
        records = json.loads(zf.read("evidence/records.json"))
        assert [r["record"]["url"] for r in records] == [f"https://news.test/story/{i}" for i in (1, 3)] + [
            "https://news.test/plain"
        ]


def test_bundle_passes_wacz_validator(bundle):
    from wacz.validate import Validation

    v = Validation(str(bundle))
    assert v.version == "1.1.1"
    assert v.check_required_contents() == 0
    assert v.check_file_paths()
    assert v.check_file_hashes()
    assert v.frictionless_validate()


def test_wrong_trusted_key_is_named(bundle):
    report = verify_bundle(bundle, trusted_key_id="ab" * 32)
    assert failures_about(report, "is not the trusted key abababab")


def test_private_entry_is_redacted(store, tmp_path):
    core, ledger = store
    out = export_bundle(core, [0, 6], tmp_path / "b.wacz")
    with zipfile.ZipFile(out) as zf:
        assert b"someone" not in zf.read("evidence/entries.jsonl") + zf.read("evidence/records.json")
        assert b"source document" not in zf.read("archive/data.warc.gz")
        assert json.loads(zf.read("evidence/proofs.json"))["entries"]["6"]["redacted"] is True
    report = verify_bundle(out)
    assert report.ok, report.failures
    assert report.checked["redacted"] == 1 and report.checked["inclusion_proofs"] == 2
    full = export_bundle(core, [6], tmp_path / "full.wacz", public_only=False)
    report = verify_bundle(full)
    assert report.ok and report.checked["captures"] == 1


def test_export_signs_a_head_covering_new_entries(store, tmp_path):
    core, ledger = store
    new = ledger.append_now("change", {"note": "late"})
    out = export_bundle(core, [new], tmp_path / "late.wacz")
    assert verify_bundle(out).ok
    with pytest.raises(NotFound):
        export_bundle(core, [999], tmp_path / "none.wacz")


def test_tamper_member_bytes(bundle, tmp_path):
    bad = tmp_path / "bad.wacz"
    rewrite_member(
        bundle, bad, "evidence/records.json", lambda d: d.replace(b"story/1", b"story/9"), rehash=False
    )
    report = verify_bundle(bad)
    assert not report.ok
    assert failures_about(report, "member evidence/records.json", "does not match datapackage.json")
    assert failures_about(report, "entry 1: records.json disagrees")


def test_tamper_warc_member_names_capture(bundle, tmp_path):
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(bundle) as zf:
        caps = json.loads(zf.read("evidence/captures.json"))
    plain = next(c for c in caps if c["file"] == "archive/data.warc")

    def edit(data: bytes) -> bytes:
        pos = data.index(b"uncompressed")
        return data[:pos] + b"UNcompressed" + data[pos + 12 :]

    rewrite_member(bundle, bad, "archive/data.warc", edit, rehash=True)  # even with fixed-up hashes
    report = verify_bundle(bad)
    assert not report.ok
    assert failures_about(report, f"capture {plain['capture_id']}", plain["payload_digest"], "Payload-Digest")
    assert failures_about(report, "entry 5 cites", plain["payload_digest"], "no intact capture")
    assert not failures_about(report, "entry 1 cites")


def test_raw_byte_flip_in_zip_is_named(bundle, tmp_path):
    data = bundle.read_bytes()
    with zipfile.ZipFile(bundle) as zf:
        info = zf.getinfo("archive/data.warc.gz")
    pos = info.header_offset + 30 + len(info.filename) + len(info.extra) + 40
    bad = tmp_path / "flipped.wacz"
    bad.write_bytes(flip_at(data, pos))
    report = verify_bundle(bad)
    assert not report.ok
    assert failures_about(report, "member archive/data.warc.gz")


def test_tamper_proof(bundle, tmp_path):
    bad = tmp_path / "bad.wacz"

    def edit(data: bytes) -> bytes:
        doc = json.loads(data)
        p = doc["entries"]["3"]["proof"]
        p[1] = ("0" if p[1][0] != "0" else "1") + p[1][1:]
        return json.dumps(doc).encode()

    rewrite_member(bundle, bad, "evidence/proofs.json", edit, rehash=True)
    report = verify_bundle(bad)
    assert report.failures == ["entry 3: inclusion proof does not verify against tree head size 7"]


def test_tamper_signature(bundle, tmp_path):
    bad = tmp_path / "bad.wacz"

    def edit(data: bytes) -> bytes:
        doc = json.loads(data)
        sig = bytearray(__import__("base64").b64decode(doc["signature"]))
        sig[5] ^= 1
        doc["signature"] = __import__("base64").b64encode(bytes(sig)).decode()
        return json.dumps(doc).encode()

    rewrite_member(bundle, bad, "evidence/sth.json", edit, rehash=True)
    report = verify_bundle(bad)
    assert len(report.failures) == 1
    assert report.failures[0].startswith("signed tree head (size 7): signature does not verify with key ")


def test_tamper_entry_record(bundle, tmp_path):
    bad = tmp_path / "bad.wacz"
    swap = (b'"status":"new"', b'"status":"gone"')
    rewrite_member(bundle, bad, "evidence/entries.jsonl", lambda d: d.replace(*swap, 1), rehash=True)
    report = verify_bundle(bad)
    assert failures_about(report, "entry 1: record does not hash to the leaf hash")


def test_not_a_bundle(tmp_path):
    p = tmp_path / "x.wacz"
    p.write_bytes(b"nope")
    report = verify_bundle(p)
    assert not report.ok and "not a readable ZIP" in report.failures[0]
    assert isinstance(report, VerificationReport)


def test_cli_verify_and_log_commands(store, bundle, tmp_path):
    typer_testing = pytest.importorskip("typer.testing")
    from presswatch.cli import app

    core, ledger = store
    runner = typer_testing.CliRunner()
    base = ["--data-dir", str(core.data_dir)]
    res = runner.invoke(app, ["verify", str(bundle), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["ok"] is True
    bad = tmp_path / "bad.wacz"
    rewrite_member(
        bundle,
        bad,
        "evidence/sth.json",
        lambda d: d.replace(b'"tree_size": 7', b'"tree_size": 6'),
        rehash=True,
    )
    res = runner.invoke(app, ["verify", str(bad)])
    assert res.exit_code == 1
    res = runner.invoke(app, [*base, "log", "publish", "--json"])
    assert res.exit_code == 0, res.output
    sth_file = json.loads(res.stdout)["file"]
    res = runner.invoke(app, [*base, "verify", "--against", sth_file, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["checked"]["published_heads"] == 1
    res = runner.invoke(app, [*base, "log", "prove", "2"])
    assert res.exit_code == 0, res.output
    proof = json.loads(res.stdout)
    assert proof["index"] == 2 and proof["tree_size"] == 7 and proof["proof"]
    res = runner.invoke(app, [*base, "log", "head", "--json"])
    assert json.loads(res.stdout)["tree_size"] == 7
    # a store with an edited row fails with a non-zero exit
    from sqlalchemy import update

    from presswatch.record.models import Observation

    core.db.write(lambda s: s.execute(update(Observation).where(Observation.id == 1).values(status="edited")))
    res = runner.invoke(app, [*base, "verify", "--json"])
    assert res.exit_code == 1
    assert any("field 'status'" in f for f in json.loads(res.stdout)["failures"])


def test_bundle_carries_only_the_captures_its_entries_name(tmp_path, simsite):  # type: ignore[no-untyped-def]
    """Unrelated captures sharing a digest (the same not-found page at two URLs) never ride along in a bundle."""
    import asyncio

    from presswatch.cases import incidents as inc
    from presswatch.core import Presswatch
    from presswatch.settings import Settings

    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True))
    try:
        a, b = simsite.article_urls()[:2]
        asyncio.run(core.check([a, b]))
        for u in (a, b):
            simsite.set_state(u.rsplit("/", 1)[1], "delete-404")
        results = asyncio.run(core.check([a, b]))  # both now serve the site's one not-found page
        assert {r["capture"]["payload_digest"] for r in results} and len(
            {r["capture"]["payload_digest"] for r in results}) == 1
        iid = inc.create_incident(core, "Only A")
        inc.add_to_incident(core, iid, urls=[a])
        out = tmp_path / "a.wacz"
        export_bundle(core, inc.incident_entry_indices(core, iid, public=True), out)
    finally:
        core.close()
    with zipfile.ZipFile(out) as zf:
        caps = json.loads(zf.read("evidence/captures.json"))
    assert caps and {c["url"] for c in caps} == {a}
    assert verify_bundle(out).ok
