"""Instruction count of the page analysis (load-independent, for a shared machine).

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python bench/bench_analysis_icount.py [--tree DIR] N
    # per analysed page = (Collected with N pages - Collected with 0 pages) / N

Analyses one warm-up page, then N pages of the scrapinghub article-extraction benchmark from
``../shared/data`` (first captures: no prior, no site profile). ``--tree`` puts another checkout of
the project first on ``sys.path`` (e.g. a worktree of an older commit) to count it with the same
virtual environment.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "articles" / "scrapinghub-aeb" / "html"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pages", type=int)
    ap.add_argument("--tree", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    if args.tree is not None:
        sys.path.insert(0, str(args.tree.resolve()))
    import presswatch
    from presswatch.analyze import PageFacts
    from presswatch.pipeline import analyze_page

    if args.tree is not None and not presswatch.__file__.startswith(str(args.tree.resolve())):
        raise SystemExit(f"presswatch imported from {presswatch.__file__}, not from {args.tree}")
    files = sorted(args.data.glob("*.html.gz"))[: max(args.pages, 1)]
    if not files:
        raise SystemExit(f"no pages in {args.data}")
    bodies = [gzip.decompress(f.read_bytes()) for f in files]
    for body in [bodies[0], *bodies[: args.pages]]:  # the first one warms caches and lazy imports
        facts = PageFacts(url="https://news.example/2026/03/a-report", final_url=None, http_status=200,
                          headers={"content-type": "text/html; charset=utf-8"}, body=body)
        analyze_page(facts, None, None)


if __name__ == "__main__":
    main()
