"""Shared pieces of the press-report tests: the self-written founding-like report and an OONI-like API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from runsupport import local_http

DATA = Path(__file__).parent / "data" / "reports"
FOUNDING = Path(__file__).resolve().parents[2] / "shared" / "data" / "reports" / "founding-story-en.txt"


def founding_like(article_url: str) -> str:
    return (DATA / "founding-like-en.txt").read_text(encoding="utf-8").replace("{ARTICLE_URL}", article_url)


def web_connectivity(url: str, cc: str, uid: str, blocking: Any, accessible: Any,
                     start: str = "2015-11-26 08:00:00") -> dict[str, Any]:
    """A Web Connectivity measurement in OONI's base format (df-000-base, ts-017 test_keys)."""
    return {
        "annotations": {"platform": "linux"}, "data_format_version": "0.2.0", "input": url,
        "measurement_start_time": start, "probe_asn": "AS9198", "probe_cc": cc, "probe_ip": "127.0.0.1",
        "report_id": f"20151126T080000Z_AS9198_{uid}", "software_name": "ooniprobe", "software_version": "3.20",
        "test_name": "web_connectivity", "test_runtime": 1.2, "test_start_time": start, "test_version": "0.4.3",
        "measurement_uid": uid,
        "test_keys": {"blocking": blocking, "accessible": accessible, "dns_consistency": "inconsistent",
                      "http_experiment_failure": None, "body_length_match": False, "queries": [], "requests": []},
    }  # fmt: skip


@contextmanager
def ooni_api(measurements: list[dict[str, Any]]) -> Iterator[tuple[str, list[str]]]:
    """A local server answering like OONI's measurement API: ``/api/v1/measurements`` (filtered by input,
    probe_cc, test_name) and ``/api/v1/measurement/{uid}``. Yields (base URL, request paths)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            parts = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(parts.query).items()}
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if parts.path == "/api/v1/measurements":
                rows = [m for m in measurements
                        if m["input"] == q.get("input", m["input"])
                        and m["probe_cc"] == q.get("probe_cc", m["probe_cc"])
                        and m["test_name"] == q.get("test_name", m["test_name"])]
                body = {"metadata": {"count": len(rows), "limit": int(q.get("limit", 100)), "offset": 0},
                        "results": [{
                            "measurement_uid": m["measurement_uid"], "report_id": m["report_id"], "input": m["input"],
                            "probe_cc": m["probe_cc"], "probe_asn": m["probe_asn"], "test_name": m["test_name"],
                            "measurement_start_time": m["measurement_start_time"].replace(" ", "T") + "Z",
                            "anomaly": bool(m["test_keys"]["blocking"]), "confirmed": False, "failure": False,
                            "scores": {}, "measurement_url": f"{base}/api/v1/measurement/{m['measurement_uid']}",
                        } for m in rows]}  # fmt: skip
            elif parts.path.startswith("/api/v1/measurement/"):
                uid = parts.path.rsplit("/", 1)[1]
                found = [m for m in measurements if m["measurement_uid"] == uid]
                if not found:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = found[0]
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a: Any) -> None:
            pass

    with local_http(Handler) as port:
        yield f"http://127.0.0.1:{port}", seen
