"""Benchmark ``repair-warc``: throughput of the torn-tail repair on a large WARC file.

    .venv/bin/python bench/bench_repair.py                  # 120 MB WARC of news-page captures
    .venv/bin/python bench/bench_repair.py --size-mb 500 --compare-mb 10

Builds a WARC with presswatch's own writer (HTML pages of ~56 KB, ~10 KB gzip, each capture a response
and a request record): ``--unique-mb`` of distinct captures, repeated to reach ``--size-mb`` (the
repair's work depends on the records' sizes, not on their being distinct; repeating saves minutes of
building). It appends part of a record (a power loss mid-append) and times ``repair_tail`` on it, then
on the repaired (intact) file. The file was just written, so it is mostly in the page cache.
``--compare-mb`` also times the previous implementation (one decompression of the whole remaining
file per record) on a file of that size, for contrast. Everything happens in a temporary folder
(or ``--dir``) removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from presswatch.archive.warc import WarcArchive, repair_tail  # noqa: E402

WORDS = ("minister government report court police election statement journalist protest budget "
         "parliament court ruling removed article editor newspaper said on tuesday according to the "
         "agency officials denied comment regional capital opposition leader").split()


def page(rng: random.Random, n: int) -> bytes:
    paras = []
    size = 0
    while size < 56_000:
        p = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90)))
        paras.append(f"<p class=\"story-{rng.randint(0, 99)}\">{p}.</p>")
        size += len(paras[-1])
    return (f"<!doctype html><html><head><title>Story {n}</title></head><body><article>"
            + "\n".join(paras) + "</article></body></html>").encode()


def build(path_dir: Path, size_mb: float, seed: int = 1) -> tuple[Path, int, int]:
    """Write captures until the file passes ``size_mb``; return (file, captures, bytes)."""
    rng = random.Random(seed)
    a = WarcArchive(path_dir, max_bytes=1 << 62)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    n = 0
    last = None
    target = int(size_mb * 1e6)
    try:
        while last is None or last.offset + last.length < target:
            body = page(rng, n)
            last = a.write_exchange(
                f"https://news.example/story/{n}", request_headers=[("User-Agent", "bench")], http_status=200,
                http_reason="OK", response_headers=[("Content-Type", "text/html; charset=utf-8")],
                body=body, captured_at=now,
            )
            n += 1
    finally:
        a.close()
    (f,) = (path_dir / "warc").glob("*.warc.gz")
    return f, n, f.stat().st_size


def tear(path: Path) -> int:
    """Append half of the file's last member again: a torn tail; return its length."""
    data = path.read_bytes()
    torn = data[-4000:-2000]
    with open(path, "ab") as fh:
        fh.write(torn)
    return len(torn)


def old_repair_tail(path: Path) -> int:
    """The previous implementation (quadratic: each record decompresses the rest of the file)."""
    size = path.stat().st_size
    good = 0
    data = path.read_bytes()
    pos = 0
    while pos < size:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            d.decompress(data[pos:])
        except zlib.error:
            break
        if not d.eof:
            break
        pos = size - len(d.unused_data)
        good = pos
    if good < size:
        with open(path, "r+b") as fh:
            fh.truncate(good)
    return size - good


def timed(fn: Any, path: Path) -> tuple[float, int]:
    t = time.perf_counter()
    trimmed = fn(path)
    return time.perf_counter() - t, trimmed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, default=120.0)
    ap.add_argument("--unique-mb", type=float, default=20.0, help="distinct captures, repeated to --size-mb")
    ap.add_argument("--compare-mb", type=float, default=0.0, help="also time the previous implementation")
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-repair-", dir=args.dir))
    out: dict[str, Any] = {}
    try:
        t = time.perf_counter()
        f, captures, size = build(root / "big", min(args.unique_mb, args.size_mb))
        unique = f.read_bytes()
        copies = max(1, -(-int(args.size_mb * 1e6) // len(unique)))
        with open(f, "ab") as fh:
            for _ in range(copies - 1):
                fh.write(unique)
        captures *= copies
        size = f.stat().st_size
        del unique
        out["build_s"] = round(time.perf_counter() - t, 1)
        torn = tear(f)
        dt, trimmed = timed(repair_tail, f)
        assert trimmed == torn and f.stat().st_size == size, (trimmed, torn)
        again, zero = timed(repair_tail, f)
        assert zero == 0
        out["repair"] = {"file_mb": round(size / 1e6, 1), "captures": captures, "records": 2 * captures + copies,
                         "torn_seconds": round(dt, 2), "torn_mb_per_s": round(size / 1e6 / dt, 1),
                         "intact_seconds": round(again, 2), "intact_mb_per_s": round(size / 1e6 / again, 1)}
        if args.compare_mb:
            g, c2, size2 = build(root / "small", args.compare_mb, seed=2)
            tear(g)
            shutil.copy(g, root / "copy.warc.gz")
            new_dt, _ = timed(repair_tail, g)
            old_dt, _ = timed(old_repair_tail, root / "copy.warc.gz")
            assert (root / "copy.warc.gz").read_bytes() == g.read_bytes()
            out["compare"] = {"file_mb": round(size2 / 1e6, 1), "captures": c2,
                              "previous_seconds": round(old_dt, 2), "previous_mb_per_s": round(size2 / 1e6 / old_dt, 2),
                              "now_seconds": round(new_dt, 3), "now_mb_per_s": round(size2 / 1e6 / new_dt, 1)}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
