"""Benchmark: scale-out on one machine — 1, 2 and 4 Celery workers on PostgreSQL + Redis against the
simulated site; then a worker killed (SIGKILL) mid-run, counting lost and doubled checks.

    python bench/bench_scale.py [--pages 1000] [--workers 1,2,4] [--batch 25] [--concurrency 8] [--no-kill]

Each run: a fresh PostgreSQL database, ``presswatch import`` of the site's article URLs,
``presswatch scheduler --once`` (every page due: one batch task per ``--batch`` pages), then N
``presswatch worker`` processes (one process each, ``--concurrency`` checks at once inside a task)
until every page has its observation. Checks/s is over the span from the first observation to the
last (worker start-up excluded). CPU is per process (workers, the simulated site) and for the whole
machine (PostgreSQL and Redis included), which shows what saturates. PostgreSQL at
``PRESSWATCH_TEST_PG``, Redis at ``PRESSWATCH_TEST_REDIS``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scalesupport import (  # noqa: E402
    CLI,
    REDIS,
    check_span,
    counts,
    env_for,
    machine_busy,
    named_cpu,
    pg_database,
    run_cli,
    tree_cpu,
)


def start_site(pages: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "presswatch.sim.site", "--host", "127.0.0.1", "--port", "0",
                             "--articles", str(pages), "--seed", "42"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            text=True, start_new_session=True)


def stop(p: subprocess.Popen[str], sig: int = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, sig)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()


def prepare(tmp: Path, db: str, urls_file: Path, opts: argparse.Namespace, vt: int) -> dict[str, str]:
    env = env_for(tmp / f"data-{uuid.uuid4().hex[:6]}", db, PRESSWATCH_MODE="scale-out",
                  PRESSWATCH_BROKER_URL=REDIS, PRESSWATCH_QUEUE_PREFIX=f"bench{uuid.uuid4().hex[:8]}.",
                  PRESSWATCH_BATCH_SIZE=str(opts.batch), PRESSWATCH_WORKER_CONCURRENCY=str(opts.concurrency),
                  PRESSWATCH_BROKER_VISIBILITY_TIMEOUT=str(vt), PRESSWATCH_PER_HOST_CONCURRENCY="64",
                  PRESSWATCH_CONCURRENCY="64")
    run_cli(["import", str(urls_file)], env)
    out = run_cli(["scheduler", "--once"], env)
    print(f"    {out.strip()}", file=sys.stderr)
    return env


def wait_all(db: str, n: int, procs: list[subprocess.Popen[str]], deadline: float = 1800) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        c = counts(db)
        if len(c) == n and min(c.values()) >= 1:
            return
        time.sleep(0.5)
    raise SystemExit("timed out waiting for every check")


def one_run(tmp: Path, k: int, urls_file: Path, n: int, site: subprocess.Popen[str],
            opts: argparse.Namespace) -> dict[str, float]:
    with pg_database() as db:
        env = prepare(tmp, db, urls_file, opts, vt=3600)
        b0, t0 = machine_busy()
        s0, pg0 = tree_cpu(site.pid), named_cpu(("postgres", "redis-server"))
        w0 = time.monotonic()
        procs = [start_worker(env) for _ in range(k)]
        try:
            wait_all(db, n, procs)
            wall = time.monotonic() - w0
            worker_cpu = sum(tree_cpu(p.pid) for p in procs)
        finally:
            for p in procs:
                stop(p)
        b1, t1 = machine_busy()
        span = check_span(db)
        site_cpu, store_cpu = tree_cpu(site.pid) - s0, named_cpu(("postgres", "redis-server")) - pg0
        c = counts(db)
        return {
            "workers": k, "checks": sum(c.values()), "rate": (n - 1) / span if span else 0.0, "wall": wall,
            "worker_cpu_ms": 1000 * worker_cpu / n, "site_cpu_pct": 100 * site_cpu / wall,
            "store_cpu_pct": 100 * store_cpu / wall, "machine_pct": 100 * (b1 - b0) / (t1 - t0),
            "worker_cpu_pct": 100 * worker_cpu / wall,
        }


def kill_run(tmp: Path, urls_file: Path, n: int, opts: argparse.Namespace) -> dict[str, int]:
    """Two workers; one SIGKILLed once 40 % are checked, a replacement started; lost and doubled counted."""
    vt = 10
    with pg_database() as db:
        env = prepare(tmp, db, urls_file, opts, vt=vt)
        procs = [start_worker(env) for _ in range(2)]
        try:
            while sum(counts(db).values()) < 0.4 * n:
                time.sleep(0.2)
            stop(procs[0], signal.SIGKILL)
            at_kill = sum(counts(db).values())
            procs[0] = start_worker(env)
            wait_all(db, n, procs)
            time.sleep(vt + 5)  # let any redelivered batch run (it must find nothing to do)
        finally:
            for p in procs:
                stop(p)
        c = counts(db)
        return {"checks": n, "at_kill": at_kill, "lost": sum(1 for v in c.values() if v == 0),
                "doubled": sum(1 for v in c.values() if v > 1), "observations": sum(c.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--no-kill", action="store_true")
    opts = ap.parse_args()
    site, base = start_site(opts.pages)
    try:
        urls = json.loads(urllib.request.urlopen(base + "/_sim/articles").read())["urls"]
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            urls_file = tmp / "urls.txt"
            urls_file.write_text("\n".join(urls) + "\n")
            rows = []
            for k in [int(x) for x in opts.workers.split(",")]:
                print(f"== {k} worker(s), {len(urls)} pages", file=sys.stderr)
                rows.append(one_run(tmp, k, urls_file, len(urls), site, opts))
            print(f"\nFirst captures of {len(urls)} pages of the simulated site, PostgreSQL + Redis, "
                  f"{os.cpu_count()} CPUs, batch {opts.batch}, {opts.concurrency} checks at once per worker\n")
            print("| workers | checks/s | worker CPU per check | workers' CPU | sim site CPU | PostgreSQL + Redis CPU "
                  "| machine busy |")
            print("|---|---|---|---|---|---|---|")
            for r in rows:
                print(f"| {r['workers']} | {r['rate']:.1f} | {r['worker_cpu_ms']:.0f} ms | {r['worker_cpu_pct']:.0f} % "
                      f"| {r['site_cpu_pct']:.0f} % | {r['store_cpu_pct']:.0f} % | {r['machine_pct']:.0f} % |")
            print("\n(CPU in % of one core over the run; machine busy in % of all cores.)")
            if not opts.no_kill:
                print("== 2 workers, one killed at 40 %", file=sys.stderr)
                k = kill_run(tmp, urls_file, len(urls), opts)
                print(f"\nKill a worker (SIGKILL) after {k['at_kill']} of {k['checks']} checks, start another: "
                      f"{k['lost']} lost, {k['doubled']} doubled ({k['observations']} observations "
                      f"for {k['checks']} pages)")
    finally:
        site.terminate()
        site.wait()


if __name__ == "__main__":
    main()
