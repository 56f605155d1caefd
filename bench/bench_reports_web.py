"""Benchmark: press reports through the web app, in process (the real app, SQLite). Latency of
``POST /api/v1/reports`` (a report's text in, its draft out), of the review page ``/reports/ID`` (the
text with every quote highlighted, every field in a form) and of ``POST /api/v1/reports/ID/accept``.

    python bench/bench_reports_web.py [--reports 30] [--db URL]

The reports are ``--reports`` variants of the self-written founding-like report (tests/data/reports),
each naming another article URL so none is a duplicate. Prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from presswatch.core import Presswatch
from presswatch.settings import Settings
from presswatch.web.app import create_app
from presswatch.web.auth import add_user, create_api_token

TEXT = Path(__file__).resolve().parents[1] / "tests" / "data" / "reports" / "founding-like-en.txt"


def _ms(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return f"median {statistics.median(xs) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(xs)})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=30)
    ap.add_argument("--db", default=None, help="database URL (default: SQLite in a temporary directory)")
    args = ap.parse_args()
    template = TEXT.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{Path(tmp) / 'pw.sqlite3'}"
        core = Presswatch.open(Settings(data=Path(tmp) / "data", db=db, allow_private=True))
        try:
            add_user(core, "bench", "correct horse 1", "editor")
            headers = {"Authorization": f"Bearer {create_api_token(core, 'bench')}"}
            c = TestClient(create_app(core), base_url="http://testserver")
            c.post("/api/v1/reports", headers=headers, json={"text": template.replace("{ARTICLE_URL}", "x")})  # warm
            add, page, accept = [], [], []
            for i in range(args.reports):
                text = template.replace("{ARTICLE_URL}", f"https://news.example/{i}/article")
                t0 = time.perf_counter()
                r = c.post("/api/v1/reports", headers=headers, json={"text": text, "report_date": "2015-11-27"})
                add.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
                rid = r.json()["id"]
                t0 = time.perf_counter()
                p = c.get(f"/reports/{rid}", headers=headers)
                page.append(time.perf_counter() - t0)
                assert p.status_code == 200 and "<mark" in p.text
                t0 = time.perf_counter()
                a = c.post(f"/api/v1/reports/{rid}/accept", headers=headers, json={})
                accept.append(time.perf_counter() - t0)
                assert a.status_code == 200, a.text
            print(f"POST /api/v1/reports            {_ms(add)}")
            print(f"GET  /reports/ID (review page)  {_ms(page)}")
            print(f"POST /api/v1/reports/ID/accept  {_ms(accept)}")
        finally:
            core.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
