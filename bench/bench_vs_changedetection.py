"""Benchmark: presswatch and changedetection.io side by side on the same 1,000 static pages.

    python bench/bench_vs_changedetection.py [--pages 1000] [--rounds 2] [--cache ~/.cache/presswatch-bench]

Installs changedetection.io (pinned, from PyPI) into its own virtual environment under the cache
folder the first time, starts it on loopback with its default settings (plain HTTP fetcher, its
default worker count; ``ALLOW_IANA_RESTRICTED_ADDRESSES=true`` so it may fetch 127.0.0.1, as
presswatch needs ``--allow-private``) and drives it through its REST API (the API key is read from
its datastore). One static server in its own process serves both (HTTP/1.1 keep-alive, ETag and
Last-Modified with 304s, like a stock nginx). presswatch runs as a user would: ``presswatch watch``
then ``presswatch run --once`` per pass, each a fresh process (its start-up is counted).

The two alternate: first pass of each, then ``--rounds`` rechecks of each (unchanged pages), in turns.
changedetection.io is polled sparingly: a cheap system-info call (queue size) every second, and one
full watch listing (≈ 0.3 s of its CPU each) once the queue is empty, whose per-watch
``last_checked`` (whole seconds) gives the completion time. CPU is user+system time of the process
(and its children) over the pass.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CD_VERSION = "0.60.10"
TICK = os.sysconf("SC_CLK_TCK")


# -- the static site (own process) -------------------------------------------------------------
def page(i: int) -> bytes:
    paras = "".join(
        f"<p>Paragraph {j} of report {i}: the city council met on Tuesday to discuss the budget for the "
        f"coming year, the repairs of the northern bridge and the new bus routes ({i * 7 + j}).</p>"
        for j in range(8)
    )
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Report {i} - The Static Times"
            f"</title></head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>"
            f"<h1>Report {i}</h1>{paras}</article><footer>The Static Times</footer></body></html>").encode()


def serve(pages: int, port_file: str) -> None:
    bodies = {f"/a/{i}": page(i) for i in range(pages)}
    etags = {k: '"' + hashlib.sha1(v).hexdigest()[:16] + '"' for k, v in bodies.items()}
    modified = email.utils.formatdate(time.time() - 86400, usegmt=True)

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            body = bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            tag = etags[self.path]
            if self.headers.get("If-None-Match") == tag or self.headers.get("If-Modified-Since") == modified:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.send_header("Last-Modified", modified)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", tag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    Path(port_file).write_text(str(srv.server_address[1]))
    srv.serve_forever()


# -- helpers ---------------------------------------------------------------------------------------
def cpu_of(pid: int) -> float:
    """User+system seconds of ``pid`` and its live descendants."""
    total = 0.0
    kids: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            raw = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(d)] = fields
        kids.setdefault(int(fields[1]), []).append(int(d))
    todo = [pid]
    while todo:
        p = todo.pop()
        if p in stats:
            f = stats[p]
            total += (int(f[11]) + int(f[12])) / TICK
        todo += kids.get(p, [])
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_file(path: Path, timeout: float = 60) -> str:
    t = time.time()
    while time.time() - t < timeout:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {path}")


# -- changedetection.io ----------------------------------------------------------------------------
def cd_install(cache: Path) -> Path:
    venv = cache / f"changedetection-{CD_VERSION}"
    exe = venv / "bin" / "changedetection.io"
    if not exe.exists():
        print(f"installing changedetection.io {CD_VERSION} into {venv} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"changedetection-io=={CD_VERSION}"], check=True)
    return exe


class CD:
    def __init__(self, exe: Path, datastore: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ALLOW_IANA_RESTRICTED_ADDRESSES": "true", "LOGGER_LEVEL": "WARNING"}
        self.proc = subprocess.Popen([str(exe), "-d", str(datastore), "-C", "-h", "127.0.0.1", "-p", str(self.port),
                                      "-l", "WARNING"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.key = ""
        deadline = time.time() + 120
        while time.time() < deadline:
            cfg = datastore / "changedetection.json"
            try:
                self.key = json.loads(cfg.read_text())["settings"]["application"]["api_access_token"]
                self.call("GET", "/api/v1/systeminfo")
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        raise SystemExit("changedetection.io did not start")

    def call(self, method: str, path: str, data: bytes | None = None, ctype: str = "application/json") -> Any:
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"x-api-key": self.key, "Content-Type": ctype})
        with urllib.request.urlopen(req, timeout=120) as r:
            body = r.read()
        try:
            return json.loads(body)
        except ValueError:
            return body.decode()

    def cpu(self) -> float:
        return cpu_of(self.proc.pid)

    def wait_all_checked(self, n: int, since: float, limit: float = 600.0) -> tuple[float, int]:
        """Poll until every watch has last_checked >= since; return (completion time, watches checked).

        After ``limit`` seconds with its queue empty but fewer than ``n`` watches seen checked, gives up
        and says so on stderr (the figure then covers the watches it did check)."""
        end = time.time() + limit
        checked: list[float] = []
        while True:
            time.sleep(1.0)
            if time.time() > end and checked:
                print(f"changedetection.io: only {len(checked)} of {n} watches checked after {limit:.0f} s;"
                      " its figures are per watch it checked", file=sys.stderr)
                return max(checked) + 1.0, len(checked)
            try:  # (its system info can fail while an import still adds watches: ask again)
                if self.call("GET", "/api/v1/systeminfo").get("queue_size", 1):
                    continue
                listing = self.call("GET", "/api/v1/watch")
            except (urllib.error.URLError, OSError):
                continue
            checked = [w["last_checked"] for w in listing.values() if w.get("last_checked", 0) >= int(since)]
            if len(checked) >= n:
                return max(checked) + 1.0, len(checked)  # whole seconds: the check ended within that second

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def cd_first(cd: CD, urls: list[str]) -> tuple[float, float]:
    c0, t0 = cd.cpu(), time.time()
    cd.call("POST", "/api/v1/import", "\n".join(urls).encode(), ctype="text/plain")
    done, seen = cd.wait_all_checked(len(urls), t0)
    share = len(urls) / max(seen, 1)  # a pass that gave up: per-check figures of the watches it checked
    return (done - t0) * share, (cd.cpu() - c0) * share


def cd_recheck(cd: CD, n: int) -> tuple[float, float]:
    c0, t0 = cd.cpu(), time.time()
    cd.call("GET", "/api/v1/watch?recheck_all=1")
    done, seen = cd.wait_all_checked(n, t0 + 1)  # a recheck ends after it was queued
    share = n / max(seen, 1)  # a pass that gave up: per-check figures of the watches it checked
    return (done - t0) * share, (cd.cpu() - c0) * share


# -- presswatch ------------------------------------------------------------------------------------
PW_ENV: dict[str, str] = {}


def pw_env(data: Path) -> dict[str, str]:
    return {**os.environ, "PRESSWATCH_DATA": str(data), "PRESSWATCH_ALLOW_PRIVATE": "1", **PW_ENV}


def pw(data: Path, *args: str) -> tuple[float, float]:
    """Run one presswatch command; return (wall seconds, CPU seconds incl. its analysis workers)."""
    before = os.times()
    t0 = time.time()
    subprocess.run([sys.executable, "-m", "presswatch", *args], env=pw_env(data), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = os.times()
    return time.time() - t0, (after.children_user - before.children_user) + (after.children_system
                                                                            - before.children_system)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2, help="rechecks of each (alternating)")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "presswatch-bench")
    ap.add_argument("--pw-env", action="append", default=[], metavar="NAME=VALUE",
                    help="presswatch setting for the run, e.g. PRESSWATCH_PER_HOST_CONCURRENCY=16 (repeatable)")
    ap.add_argument("--only", choices=("presswatch", "changedetection"), help="run one of the two")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.pages, args.serve)
        return

    PW_ENV.update(kv.split("=", 1) for kv in args.pw_env)
    run_cd, run_pw = args.only != "presswatch", args.only != "changedetection"
    exe = cd_install(args.cache) if run_cd else None
    tmp = Path(tempfile.mkdtemp(prefix="pw-vs-cd-"))
    port_file = tmp / "port"
    site = subprocess.Popen([sys.executable, __file__, "--pages", str(args.pages), "--serve", str(port_file)],
                            start_new_session=True)
    cd: CD | None = None
    rows: dict[str, list[tuple[float, float]]] = {}
    try:
        base = f"http://127.0.0.1:{wait_file(port_file)}"
        urls = [f"{base}/a/{i}" for i in range(args.pages)]
        cd = CD(exe, tmp / "cd") if exe is not None else None
        pw_data = tmp / "pw"
        if run_pw:
            pw(pw_data, "watch", "--interval", "1", *urls)  # (not timed: adding watches)

        def record(name: str, wall: float, cpu: float) -> None:
            rows.setdefault(name, []).append((wall, cpu))
            print(f"{name:28s} {args.pages / wall:7.1f} checks/s  {cpu / args.pages * 1000:6.1f} ms CPU/check",
                  file=sys.stderr)

        if cd is not None:
            record("changedetection first", *cd_first(cd, urls))
        if run_pw:
            record("presswatch first", *pw(pw_data, "run", "--once"))
        for _ in range(args.rounds):
            time.sleep(1.0)  # presswatch's 1 s interval: every watch due again
            if cd is not None:
                record("changedetection recheck", *cd_recheck(cd, args.pages))
            if run_pw:
                record("presswatch recheck", *pw(pw_data, "run", "--once"))
    finally:
        if cd is not None:
            cd.stop()
        os.killpg(site.pid, signal.SIGTERM)
        site.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    def rng(name: str, i: int, scale: float) -> str:
        if name not in rows:
            return "–"
        vals = sorted((args.pages / w) if i == 0 else (c / args.pages * scale) for w, c in rows[name])
        return f"{vals[0]:.1f}" if len(vals) == 1 or f"{vals[0]:.1f}" == f"{vals[-1]:.1f}" else (
            f"{vals[0]:.1f}–{vals[-1]:.1f}")

    def ratio(kind: str) -> str:
        if f"presswatch {kind}" not in rows or f"changedetection {kind}" not in rows:
            return "–"
        p = [args.pages / w for w, _ in rows[f"presswatch {kind}"]]
        c = [args.pages / w for w, _ in rows[f"changedetection {kind}"]]
        lo, hi = min(p) / max(c), max(p) / min(c)
        return f"{lo:.1f}×" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}–{hi:.1f}×"

    print(f"{args.pages} static pages on loopback; {args.rounds} recheck round(s) each, alternating; "
          f"presswatch settings: {' '.join(args.pw_env) or 'defaults'}")
    print("| pass | changedetection.io checks/s | presswatch checks/s | ratio "
          "| CPU ms/check (cd) | CPU ms/check (pw) |")
    print("|---|---|---|---|---|---|")
    for kind in ("first", "recheck"):
        print(f"| {kind} | {rng(f'changedetection {kind}', 0, 1)} | {rng(f'presswatch {kind}', 0, 1)} | "
              f"{ratio(kind)} | {rng(f'changedetection {kind}', 1, 1000)} | {rng(f'presswatch {kind}', 1, 1000)} |")


if __name__ == "__main__":
    main()
