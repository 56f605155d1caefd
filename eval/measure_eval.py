"""Evaluate the blocking measurement in the simulated censoring network (needs root, ip, nft, tc).

    sudo .venv/bin/python eval/measure_eval.py [--shared ../shared]

Prints a confusion table (technique × presswatch ``blocking``, with accessible/blockpage), the false
positives on the must-not-block cases, and how many OONI HTTP fingerprints match their own example.
"""

from __future__ import annotations

import argparse
import collections
import csv
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "netns"))

from netns_harness import Censornet, skip_reason  # noqa: E402
from netns_scenarios import SCENARIOS, check  # noqa: E402

from presswatch.measure.fingerprints import Fingerprints, read_file  # noqa: E402


def example_for(pattern_type: str, pattern: str) -> str:
    """A string the pattern should match, built from the pattern itself."""
    if pattern_type == "regexp":
        s = pattern.replace("(?i)", "")
        s = re.sub(r"\.\*\??|\.\+\??", " x ", s)
        s = s.replace(r"\s+", " ").replace(r"\s*", " ").replace(r"\d+", "1").replace(r"\w+", "w")
        s = re.sub(r"\\(.)", r"\1", s)
        return s
    if pattern_type == "prefix":
        return pattern + "/tail"
    if pattern_type == "full":
        return pattern
    return f"<html><body>{pattern}</body></html>"


def fingerprint_selfcheck(path: Path) -> None:
    rows = read_file(path)
    stats: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    misses = []
    for fp in rows:
        ex = example_for(fp.pattern_type, fp.pattern)
        one = Fingerprints([fp])
        if fp.location == "body":
            hit = one.match_http(ex.encode("utf-8"), [])
        else:
            name = fp.location.partition(".")[2] or "x-anything"
            hit = one.match_http(b"", [(name.title(), ex)])
        stats[fp.pattern_type][1] += 1
        if hit is fp:
            stats[fp.pattern_type][0] += 1
        else:
            misses.append(fp.name)
    with open(path, encoding="utf-8") as fh:
        total_rows = sum(1 for _ in csv.DictReader(fh))
    ok = sum(v[0] for v in stats.values())
    n = sum(v[1] for v in stats.values())
    print(
        f"\nOONI fingerprints ({path.name}): {total_rows} rows, {n} with a usable pattern, "
        f"{ok} matched by their own example"
    )
    for k, (a, b) in sorted(stats.items()):
        print(f"  {k:9s} {a:5d} / {b}")
    if misses:
        print("  not matched:", ", ".join(misses[:20]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    fp_csv = Path(args.shared) / "data" / "ooni" / "blocking-fingerprints" / "fingerprints_http.csv"
    reason = skip_reason()
    if reason:
        print(f"network scenarios skipped: {reason}")
    else:
        net = Censornet().start()
        rows = []
        t0 = time.monotonic()
        try:
            for s in sorted(SCENARIOS, key=lambda s: s.mode):
                if net.mode != s.mode:
                    net.scenario(s.mode)
                t = time.monotonic()
                r = net.measure(s.url, s.endpoints())
                rows.append((s, r, check(s, r), time.monotonic() - t))
        finally:
            net.stop()
        values = ["False", "dns", "tcp_ip", "tls", "http-failure", "http-diff", "None"]
        print(
            f"{'technique':26s} " + " ".join(f"{v:>12s}" for v in values) + "  accessible  blockpage / notes"
        )
        for s, r, problems, dt in sorted(rows, key=lambda x: SCENARIOS.index(x[0])):
            cells = " ".join(f"{('X' if str(r.get('blocking')) == v else '.'):>12s}" for v in values)
            extra = (
                r.get("blockpage")
                or r.get("server_side_block")
                or ("throttled" if r.get("throttled") else "")
            )
            if r.get("dns_duplicate_responses"):
                extra = "dns_duplicate_responses"
            if r.get("down"):
                extra = "down"
            mark = "ok " if not problems else "BAD"
            print(f"{s.name:26s} {cells}  {str(r.get('accessible')):>10s}  {mark} {extra} ({dt:.1f}s)")
            for p in problems:
                print(f"    {p}")
        correct = sum(1 for _, _, p, _ in rows if not p)
        fp_cases = [(s, r) for s, r, _, _ in rows if s.false_positive_check]
        fps = sum(1 for _, r in fp_cases if r.get("blocking") not in (False,))
        print(
            f"\ncorrect: {correct}/{len(rows)} scenarios; false positives on must-not-block cases: "
            f"{fps}/{len(fp_cases)}; wall time {time.monotonic() - t0:.1f}s"
        )
    if fp_csv.exists():
        fingerprint_selfcheck(fp_csv)
    else:
        print(f"\n{fp_csv} not found: fingerprint self-check skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
