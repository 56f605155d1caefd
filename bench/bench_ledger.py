"""Benchmark the evidence log: append and verify throughput, and verification of a store of WARC captures.

    .venv/bin/python bench/bench_ledger.py                    # 100k entries, 1 GB of captures
    .venv/bin/python bench/bench_ledger.py --entries 20000 --size-mb 100

Everything happens in a temporary data folder (or ``--dir``) that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from presswatch.core import Presswatch  # noqa: E402
from presswatch.record.ledger import Ledger  # noqa: E402
from presswatch.record.models import Capture  # noqa: E402
from presswatch.settings import Settings  # noqa: E402


def bench_log(data: Path, entries: int, single: int, batch: int) -> dict[str, Any]:
    core = Presswatch.open(Settings(data=data))
    ledger = Ledger(core)
    out: dict[str, Any] = {"entries": entries}
    try:
        t = time.perf_counter()
        for i in range(single):
            ledger.append_now("observation", {"n": i, "status": "unchanged", "url": f"https://news.test/{i}"})
        dt = time.perf_counter() - t
        out["append_single_per_s"] = single / dt if single else 0.0

        t = time.perf_counter()
        done = single
        while done < entries:
            n = min(batch, entries - done)

            def txn(s: Any, start: int = done, n: int = n) -> None:
                for i in range(start, start + n):
                    ledger.append(
                        s, "observation", {"n": i, "status": "unchanged", "url": f"https://news.test/{i}"}
                    )

            core.db.write(txn)
            done += n
            if done % 20000 < batch:
                ledger.sign_tree_head()
        dt = time.perf_counter() - t
        out["append_batched_per_s"] = (entries - single) / dt if entries > single else 0.0
        ledger.sign_tree_head()

        t = time.perf_counter()
        ledger.inclusion(entries // 2, entries)
        out["inclusion_proof_s"] = time.perf_counter() - t

        t = time.perf_counter()
        report = ledger.verify_store()
        dt = time.perf_counter() - t
        assert report.ok, report.failures[:5]
        out["verify_s"] = dt
        out["verify_entries_per_s"] = entries / dt
        out["tree_heads"] = report.checked.get("tree_heads", 0)
    finally:
        core.close()
    return out


def bench_captures(data: Path, size_mb: int, capture_kb: int) -> dict[str, Any]:
    core = Presswatch.open(Settings(data=data))
    ledger = Ledger(core)
    out: dict[str, Any] = {"size_mb": size_mb, "capture_kb": capture_kb}
    n = max(1, size_mb * 1024 // capture_kb)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        t = time.perf_counter()
        for i in range(n):
            url = f"https://news.test/article/{i}"
            body = os.urandom(capture_kb * 1024)  # incompressible: the WARC is as large as the payload
            ref = core.archive.write_exchange(
                url,
                request_headers=[("User-Agent", "bench")],
                http_status=200,
                http_reason="OK",
                response_headers=[("Content-Type", "application/octet-stream")],
                body=body,
                captured_at=when,
            )

            def txn(s: Any, ref: Any = ref, url: str = url, i: int = i) -> None:
                s.add(
                    Capture(
                        url=url,
                        captured_at=when,
                        warc_file=ref.warc_file,
                        offset=ref.offset,
                        length=ref.length,
                        record_type=ref.record_type,
                        record_id=ref.record_id,
                        payload_digest=ref.payload_digest,
                        block_digest=ref.block_digest,
                        http_status=200,
                    )
                )
                ledger.append(s, "observation", {"n": i, "url": url}, digests=[ref.payload_digest])

            core.db.write(txn)
        out["generate_s"] = time.perf_counter() - t
        ledger.sign_tree_head()
        warc_bytes = sum(p.stat().st_size for p in (data / "warc").glob("*.warc*"))
        out["captures"] = n
        out["warc_mb"] = warc_bytes / 1e6
        t = time.perf_counter()
        report = ledger.verify_store()
        dt = time.perf_counter() - t
        assert report.ok, report.failures[:5]
        out["verify_s"] = dt
        out["verify_mb_per_s"] = report.checked.get("capture_bytes", 0) / 1e6 / dt
        out["verified_captures"] = report.checked.get("captures", 0)
    finally:
        core.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=100_000, help="log entries for the throughput part")
    ap.add_argument("--single", type=int, default=2000, help="of which appended one per transaction")
    ap.add_argument("--batch", type=int, default=1000, help="appends per transaction for the rest")
    ap.add_argument(
        "--size-mb", type=int, default=1024, help="size of the WARC captures to verify (0 = skip)"
    )
    ap.add_argument("--capture-kb", type=int, default=512, help="payload size of each capture")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    base = Path(tempfile.mkdtemp(prefix="pw-bench-ledger-", dir=args.dir))
    results: dict[str, Any] = {}
    try:
        if args.entries:
            results["log"] = bench_log(base / "log", args.entries, min(args.single, args.entries), args.batch)
        if args.size_mb:
            results["store"] = bench_captures(base / "store", args.size_mb, args.capture_kb)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    if args.json:
        print(json.dumps(results, indent=2))
        return
    if "log" in results:
        r = results["log"]
        print(f"log: {r['entries']} entries")
        print(f"  append, one per transaction : {r['append_single_per_s']:10.0f} entries/s")
        print(f"  append, batched             : {r['append_batched_per_s']:10.0f} entries/s")
        print(f"  inclusion proof (full tree) : {r['inclusion_proof_s']:10.3f} s")
        print(f"  verify_store                : {r['verify_entries_per_s']:10.0f} entries/s "
              f"({r['verify_s']:.1f} s, {r['tree_heads']} tree heads)")  # fmt: skip
    if "store" in results:
        r = results["store"]
        print(f"store: {r['captures']} captures of {r['capture_kb']} KiB, {r['warc_mb']:.0f} MB of WARC")
        print(f"  generate                    : {r['generate_s']:10.1f} s")
        print(f"  verify_store                : {r['verify_s']:10.1f} s = {r['verify_mb_per_s']:.0f} MB/s")


if __name__ == "__main__":
    main()
