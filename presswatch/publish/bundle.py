"""Self-contained, offline-verifiable evidence bundles (WACZ 1.1.1 files).

A bundle holds the cited WARC records (``archive/``), a CDXJ index and page list so any WACZ replayer
can show the pages, plus ``evidence/``: the log entries' canonical bytes (``entries.jsonl``), the same
records as readable JSON (``records.json``), their inclusion proofs (``proofs.json``), the signed tree
head (``sth.json``), the log's public key (``log-key.pem``) and where each cited capture sits in the
bundle (``captures.json``). :func:`presswatch.publish.verify.verify_bundle` needs nothing else.

With ``public_only`` an entry whose record is marked private (``"private": true`` or
``"visibility": "private"``) is shipped redacted: only its leaf hash and proof (it provably exists in
the log) — neither its content nor its captures.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from presswatch import __version__
from presswatch.archive.records import RecordReader
from presswatch.archive.wacz_tool import pages_jsonl, write_wacz
from presswatch.clock import isoformat
from presswatch.errors import ArchiveError, NotFound, VerificationError
from presswatch.record.ledger import Ledger, SignedTreeHead, public_key_pem
from presswatch.record.models import Capture

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["BUNDLE_FORMAT", "GZ_WARC", "PLAIN_WARC", "WACZ_VERSION", "export_bundle", "is_private", "load_sth"]

log = logging.getLogger(__name__)

WACZ_VERSION = "1.1.1"
BUNDLE_FORMAT = "presswatch-evidence-bundle-1"
GZ_WARC = "archive/data.warc.gz"
PLAIN_WARC = "archive/data.warc"


def is_private(record: Any) -> bool:
    """Is an entry's record marked as not for publication?"""
    return isinstance(record, dict) and (
        record.get("private") is True or record.get("visibility") == "private"
    )


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"


def _cited_captures(s: Session, docs: list[dict[str, Any]]) -> list[Capture]:
    """The captures the bundled entries commit to (and the responses their revisits refer to), by id.

    Never "every capture with a cited digest": many unrelated captures share a digest (every empty 304
    body does), and a public bundle must not carry pages its entries do not name. Entries that commit
    to no capture rows (written before the log did, or citing a digest alone) fall back to their
    digests: restricted to the URLs the entry names, or else the earliest response with each digest.
    """
    ids: set[int] = set()
    legacy: list[tuple[set[str], set[str]]] = []
    for doc in docs:
        warc = doc.get("warc")
        if isinstance(warc, dict) and warc:
            ids.update(int(ref.partition(":")[2]) for ref in warc if ref.partition(":")[2].isdigit())
        elif doc.get("digests"):
            rec = doc.get("record") or {}
            urls = {u for u in (rec.get("url"), rec.get("final_url")) if isinstance(u, str)}
            legacy.append((set(doc["digests"]), urls))
    found: dict[int, Capture] = {}
    id_list = sorted(ids)
    for i in range(0, len(id_list), 500):
        for c in s.scalars(select(Capture).where(Capture.id.in_(id_list[i : i + 500]))):
            found[c.id] = c
    for digests, urls in legacy:
        if urls:
            q = select(Capture).where(
                or_(Capture.payload_digest.in_(digests), Capture.block_digest.in_(digests)), Capture.url.in_(urls)
            )
            found.update((c.id, c) for c in s.scalars(q))
            continue
        for d in sorted(digests):
            first = s.scalars(
                select(Capture)
                .where(Capture.record_type == "response", or_(Capture.payload_digest == d, Capture.block_digest == d))
                .order_by(Capture.id)
                .limit(1)
            ).first()
            if first is not None:
                found[first.id] = first
    refers = {c.refers_to_id for c in found.values() if c.refers_to_id and c.refers_to_id not in found}
    if refers:
        found.update((c.id, c) for c in s.scalars(select(Capture).where(Capture.id.in_(sorted(refers)))))
    return sorted(found.values(), key=lambda c: c.id)


def export_bundle(
    core: Presswatch, entry_indices: Sequence[int], out: Path, *, public_only: bool = True
) -> Path:
    """Write a WACZ bundle proving the given log entries and carrying the captures they cite."""
    ledger = Ledger(core)
    wanted = sorted(set(int(i) for i in entry_indices))
    if not wanted:
        raise ValueError("a bundle needs at least one log entry")
    entries = ledger.entries(wanted)
    missing = sorted(set(wanted) - {e.index for e in entries})
    if missing:
        raise NotFound(f"no log entries {missing}")
    sth = ledger.latest_tree_head()
    if sth is None or sth.tree_size <= wanted[-1]:
        sth = ledger.sign_tree_head()
    tree = ledger.tree(sth.tree_size)
    if tree.size != sth.tree_size or tree.root() != sth.root_hash:
        raise VerificationError(f"the log does not match its signed tree head (size {sth.tree_size})")

    docs: list[dict[str, Any]] = []
    proofs: dict[str, Any] = {}
    lines: list[bytes] = []
    redacted = 0
    for e in entries:
        doc = json.loads(e.canonical)
        proof: dict[str, Any] = {
            "leaf_hash": e.leaf_hash.hex(),
            "proof": [p.hex() for p in tree.inclusion_proof(e.index)],
        }
        if public_only and is_private(doc.get("record")):
            proof["redacted"] = True
            redacted += 1
        else:
            lines.append(e.canonical)
            docs.append(doc)
        proofs[str(e.index)] = proof

    with core.db.session() as s:
        captures = _cited_captures(s, docs)

    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="pw-bundle-") as tmpdir:
        tmp = Path(tmpdir)
        cap_index: list[dict[str, Any]] = []
        paths = {GZ_WARC: tmp / "data.warc.gz", PLAIN_WARC: tmp / "data.warc"}
        offsets = {GZ_WARC: 0, PLAIN_WARC: 0}
        with (
            RecordReader(core.data_dir) as reader,
            open(paths[GZ_WARC], "wb") as gz_out,
            open(paths[PLAIN_WARC], "wb") as plain_out,
        ):
            for c in captures:
                try:
                    raw = reader.raw(c.warc_file, c.offset, c.length)
                except ArchiveError as exc:
                    raise ArchiveError(f"capture {c.id} ({c.warc_file}@{c.offset}): {exc}") from exc
                member, fh = (GZ_WARC, gz_out) if raw[:2] == b"\x1f\x8b" else (PLAIN_WARC, plain_out)
                fh.write(raw)
                cap_index.append({
                    "capture_id": c.id, "url": c.url, "captured_at": isoformat(c.captured_at),
                    "record_type": c.record_type, "record_id": c.record_id, "http_status": c.http_status,
                    "payload_digest": c.payload_digest, "block_digest": c.block_digest,
                    "file": member, "offset": offsets[member], "length": len(raw),
                })  # fmt: skip
                offsets[member] += len(raw)
        warcs = {name: path for name, path in paths.items() if offsets[name]}

        pages = [
            {"id": f"capture-{c.id}", "url": c.url, "ts": isoformat(c.captured_at), "title": c.url}
            for c in captures
            if c.record_type in ("response", "revisit", "resource")
        ]
        evidence: dict[str, bytes] = {
            "evidence/entries.jsonl": b"".join(line + b"\n" for line in lines),
            "evidence/records.json": _dump(docs),
            "evidence/proofs.json": _dump({"tree_size": sth.tree_size, "hash": "sha256", "entries": proofs}),
            "evidence/sth.json": _dump(sth.to_json()),
            "evidence/log-key.pem": public_key_pem(ledger.public_key),
            "evidence/captures.json": _dump(cap_index),
        }
        package = {
            "wacz_version": WACZ_VERSION,
            "title": f"presswatch evidence: log entries {_ranges(wanted)}",
            "description": "Log entries, inclusion proofs, a signed tree head, cited WARC records.",
            "created": isoformat(core.clock.now().astimezone(UTC)),
            "software": f"presswatch {__version__}",
            "presswatch": {
                "format": BUNDLE_FORMAT,
                "tree_size": sth.tree_size,
                "root_hash": sth.root_hash.hex(),
                "key_id": sth.key_id,
                "entries": wanted,
                "redacted": redacted,
            },  # fmt: skip
        }
        write_wacz(out, warcs, pages_jsonl(pages, "Cited captures"), evidence, package=package, dump=_dump)
    log.info("wrote evidence bundle %s (%d entries, %d captures)", out, len(entries), len(captures))
    return out


def _ranges(indices: Sequence[int]) -> str:
    parts: list[str] = []
    start = prev = indices[0]
    for i in list(indices[1:]) + [None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    return ",".join(parts)


def load_sth(data: bytes) -> SignedTreeHead:
    """Parse a bundle's ``evidence/sth.json``."""
    return SignedTreeHead.from_json(json.loads(data))
