"""Verification of evidence: a bundle file offline, or the whole store; and the ``verify``/``log`` commands.

``verify_bundle`` needs nothing but the file: it checks every member against ``datapackage.json``, the
signed tree head against the bundled public key, each entry's leaf hash and inclusion proof, and every
cited capture's WARC record digests. Each failure names the item (member, entry, proof, capture, digest).
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

from presswatch.archive.records import check_record
from presswatch.errors import VerificationError
from presswatch.record.ledger import (
    SignedTreeHead,
    VerificationReport,
    canonical_json,
    key_id_of,
    load_public_key,
)
from presswatch.record.merkle import leaf_hash, verify_inclusion

__all__ = ["VerificationReport", "verify_bundle"]

log = logging.getLogger(__name__)

_MAX_JSON = 256 * 1024 * 1024


def _read(zf: zipfile.ZipFile, name: str, report: VerificationReport) -> bytes | None:
    try:
        return zf.read(name)
    except KeyError:
        report.fail(f"member {name}: missing from the bundle")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # CRC errors, corrupt streams
        report.fail(f"member {name}: unreadable ({exc})")
    except Exception as exc:  # zlib.error and friends on corrupted deflate data
        report.fail(f"member {name}: unreadable ({type(exc).__name__}: {exc})")
    return None


def _json(zf: zipfile.ZipFile, name: str, report: VerificationReport) -> Any:
    data = _read(zf, name, report)
    if data is None:
        return None
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.fail(f"member {name}: not valid JSON ({exc})")
        return None


def verify_bundle(path: Path, *, trusted_key_id: str | None = None) -> VerificationReport:
    """Check a bundle file offline; ``trusted_key_id`` pins the log key (else the bundled key is used)."""
    report = VerificationReport()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.fail(f"bundle {path}: not a readable ZIP/WACZ file ({exc})")
        return report
    with zf:
        members = _check_package(zf, report)
        sth = _check_tree_head(zf, report, trusted_key_id)
        proven = _check_entries(zf, sth, report)
        _check_captures(zf, proven, members, report)
    return report


def _check_package(zf: zipfile.ZipFile, report: VerificationReport) -> dict[str, bytes]:
    """Every listed member matches its hash and size; returns the members' bytes (read once)."""
    raw_pkg = _read(zf, "datapackage.json", report)
    contents: dict[str, bytes] = {}
    if raw_pkg is None:
        return contents
    digest_doc = _json(zf, "datapackage-digest.json", report)
    if isinstance(digest_doc, dict):
        if digest_doc.get("hash") != "sha256:" + hashlib.sha256(raw_pkg).hexdigest():
            report.fail("member datapackage.json: sha256 does not match datapackage-digest.json")
    try:
        package = json.loads(raw_pkg)
        resources = package["resources"]
    except (ValueError, KeyError, TypeError):
        report.fail("member datapackage.json: not a WACZ data package")
        return contents
    listed = set()
    for res in resources:
        name = res.get("path") if isinstance(res, dict) else None
        if not isinstance(name, str):
            report.fail("member datapackage.json: a resource has no path")
            continue
        listed.add(name)
        data = _read(zf, name, report)
        if data is None:
            continue
        report.count("members")
        algo, _, value = str(res.get("hash", "")).partition(":")
        if algo not in hashlib.algorithms_guaranteed:
            report.fail(f"member {name}: unknown hash {res.get('hash')!r} in datapackage.json")
        elif hashlib.new(algo, data).hexdigest() != value:
            report.fail(f"member {name}: {algo} does not match datapackage.json (member altered)")
        if res.get("bytes") is not None and res.get("bytes") != len(data):
            report.fail(f"member {name}: {len(data)} bytes, datapackage.json says {res.get('bytes')}")
        contents[name] = data
    for name in zf.namelist():
        if name not in listed and name not in ("datapackage.json", "datapackage-digest.json"):
            report.fail(f"member {name}: not listed in datapackage.json")
    return contents


def _check_tree_head(
    zf: zipfile.ZipFile, report: VerificationReport, trusted_key_id: str | None
) -> SignedTreeHead | None:
    pem = _read(zf, "evidence/log-key.pem", report)
    raw = _json(zf, "evidence/sth.json", report)
    if pem is None or raw is None:
        return None
    try:
        sth = SignedTreeHead.from_json(raw)
    except VerificationError as exc:
        report.fail(f"signed tree head: {exc}")
        return None
    label = f"signed tree head (size {sth.tree_size})"
    try:
        key = load_public_key(pem)
    except (ValueError, VerificationError) as exc:
        report.fail(f"member evidence/log-key.pem: not an Ed25519 public key ({exc})")
        return sth
    kid = key_id_of(key)
    if sth.key_id != kid:
        report.fail(f"{label}: names key {sth.key_id[:16]}…, the bundled key is {kid[:16]}…")
    if trusted_key_id and kid != trusted_key_id.lower():
        report.fail(f"{label}: bundled key {kid[:16]}… is not the trusted key {trusted_key_id[:16]}…")
    report.count("signatures")
    if not sth.verify_signature(key):
        report.fail(f"{label}: signature does not verify with key {kid[:16]}…")
    report.notes.append(f"tree head size {sth.tree_size} root {sth.root_hash.hex()} signed by key {kid}")
    return sth


def _check_entries(
    zf: zipfile.ZipFile, sth: SignedTreeHead | None, report: VerificationReport
) -> dict[int, dict[str, Any]]:
    """Leaf hashes and inclusion proofs; returns the proven (non-redacted) entries by index."""
    proofs_doc = _json(zf, "evidence/proofs.json", report)
    raw_entries = _read(zf, "evidence/entries.jsonl", report)
    records = _json(zf, "evidence/records.json", report)
    proven: dict[int, dict[str, Any]] = {}
    if not isinstance(proofs_doc, dict) or raw_entries is None:
        return proven
    raw_proofs = proofs_doc.get("entries")
    proofs: dict[str, Any] = raw_proofs if isinstance(raw_proofs, dict) else {}
    if sth is not None and proofs_doc.get("tree_size") != sth.tree_size:
        report.fail(
            f"proofs are for tree size {proofs_doc.get('tree_size')}, the tree head has {sth.tree_size}"
        )
    docs: dict[int, tuple[dict[str, Any], bytes]] = {}
    for n, line in enumerate(raw_entries.split(b"\n")[:-1], start=1):
        try:
            doc = json.loads(line)
            index = doc["index"]
            if not isinstance(index, int) or canonical_json(doc) != line:
                raise ValueError("not canonical")
        except (ValueError, KeyError, TypeError):
            report.fail(f"entries.jsonl line {n}: not a canonical log entry")
            continue
        docs[index] = (doc, line)
    for key, item in sorted(proofs.items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else -1):
        try:
            index = int(key)
            leaf = bytes.fromhex(item["leaf_hash"])
            path = [bytes.fromhex(p) for p in item["proof"]]
        except (ValueError, KeyError, TypeError):
            report.fail(f"entry {key}: malformed inclusion proof")
            continue
        report.count("entries")
        if item.get("redacted"):
            report.count("redacted")
            if index in docs:
                report.fail(f"entry {index}: marked redacted but its content is in the bundle")
        elif index not in docs:
            report.fail(f"entry {index}: its record is missing from entries.jsonl")
            continue
        else:
            doc, line = docs[index]
            if leaf_hash(line) != leaf:
                report.fail(
                    f"entry {index}: record does not hash to the leaf hash of its proof (record altered)"
                )
                continue
        if sth is None:
            continue
        report.count("inclusion_proofs")
        if not verify_inclusion(index, sth.tree_size, leaf, path, sth.root_hash):
            report.fail(
                f"entry {index}: inclusion proof does not verify against tree head size {sth.tree_size}"
            )
            continue
        if not item.get("redacted"):
            proven[index] = docs[index][0]
    for index in sorted(set(docs) - {int(k) for k in proofs if str(k).isdigit()}):
        report.fail(f"entry {index}: in entries.jsonl without an inclusion proof")
    if isinstance(records, list):
        shown = {r.get("index"): r for r in records if isinstance(r, dict)}
        for index, (doc, _) in docs.items():
            if shown.get(index) != doc:
                report.fail(f"entry {index}: records.json disagrees with the proven entry")
    return proven


def _check_captures(
    zf: zipfile.ZipFile,
    proven: dict[int, dict[str, Any]],
    contents: dict[str, bytes],
    report: VerificationReport,
) -> None:
    caps = _json(zf, "evidence/captures.json", report)
    if not isinstance(caps, list):
        caps = []
    good: set[str] = set()
    stored: dict[str, str] = {}  # capture id -> SHA-256 of its intact record bytes
    for c in caps:
        try:
            cid, member = c["capture_id"], c["file"]
            offset, length = int(c["offset"]), int(c["length"])
        except (KeyError, TypeError, ValueError):
            report.fail("captures.json: malformed capture entry")
            continue
        label = f"capture {cid} ({c.get('payload_digest')}, {member}@{offset})"
        report.count("captures")
        data = contents.get(member)
        if data is None:
            data = _read(zf, member, report)
            if data is None:
                report.fail(f"{label}: its WARC member is not readable")
                continue
        raw = data[offset : offset + length]
        if len(raw) != length or offset < 0:
            report.fail(f"{label}: outside its WARC member")
            continue
        rec = check_record(
            raw, payload_digest=c.get("payload_digest"), block_digest=c.get("block_digest"),
            record_id=c.get("record_id"), url=c.get("url"),
        )  # fmt: skip
        for p in rec.problems:
            report.fail(f"{label}: {p}")
        if rec.ok:
            good.update(d for d in (c.get("payload_digest"), c.get("block_digest")) if d)
            stored[str(cid)] = rec.sha256
            report.count("capture_bytes", length)
    for index, doc in sorted(proven.items()):
        for d in doc.get("digests") or ():
            report.count("cited_digests")
            if d not in good:
                report.fail(f"entry {index} cites {d}: no intact capture with this digest in the bundle")
        # entries of format 2 commit to the stored bytes of each capture they cover
        warc = doc.get("warc")
        for ref, committed in sorted(warc.items() if isinstance(warc, dict) else ()):
            cid = ref.partition(":")[2]
            if not isinstance(committed, dict) or stored.get(cid) != committed.get("sha256"):
                report.fail(
                    f"entry {index} commits to {ref}: the bundle has no intact copy of its record bytes"
                )
