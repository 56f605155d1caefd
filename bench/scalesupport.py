"""Shared parts of the scale-out benchmarks: a throw-away PostgreSQL database, CLI environments,
CPU time of processes from /proc."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG = os.environ.get("PRESSWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("PRESSWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")
CLI = [sys.executable, "-m", "presswatch"]
TICK = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def pg_database(admin: str = PG) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards; its URL."""
    import psycopg

    u = make_url(admin)
    name = f"pw_bench_{uuid.uuid4().hex[:10]}"
    kw = {"host": u.host, "port": u.port or 5432, "user": u.username, "dbname": u.database, "autocommit": True}
    with psycopg.connect(**kw) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield u.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**kw) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def env_for(data: Path, db: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_")}
    env.update({"PRESSWATCH_DATA": str(data), "PRESSWATCH_DB": db, "PRESSWATCH_ALLOW_PRIVATE": "1",
                "PRESSWATCH_RESPECT_ROBOTS": "0", "PRESSWATCH_TIMEOUT": "20"})
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str]) -> str:
    r = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=1800)
    if r.returncode not in (0, 1):
        raise SystemExit(f"presswatch {' '.join(args)} failed:\n{r.stderr[-3000:]}")
    return r.stdout


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its waited-for children, seconds (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICK


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and every live descendant."""
    total = cpu_seconds(pid)
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += tree_cpu(int(child))
    return total


def named_cpu(names: tuple[str, ...]) -> float:
    """CPU seconds of every live process whose command is one of ``names`` (e.g. postgres, redis-server)."""
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1: stat.rindex(")")]
        if comm in names:
            total += cpu_seconds(int(d.name))
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return (sum(parts) - idle) / TICK, sum(parts) / TICK


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_mb(pid: int) -> float:
    """Resident set of ``pid`` in MB (VmRSS; VmHWM is the peak)."""
    return _status_mb(pid, "VmRSS")


def peak_rss_mb(pid: int) -> float:
    return _status_mb(pid, "VmHWM")


def counts(db: str) -> dict[int, int]:
    """Observations per article watch."""
    eng = create_engine(db)
    try:
        with eng.connect() as c:
            return {int(w): int(n) for w, n in c.execute(text(
                "SELECT w.id, count(o.id) FROM watch w LEFT JOIN observation o ON o.watch_id = w.id "
                "WHERE w.kind = 'article' GROUP BY w.id"))}
    finally:
        eng.dispose()


def check_span(db: str) -> float:
    """Seconds from the first to the last observation."""
    eng = create_engine(db)
    try:
        with eng.connect() as c:
            lo, hi = c.execute(text("SELECT min(checked_at), max(checked_at) FROM observation")).one()
        return (hi - lo).total_seconds() if lo and hi else 0.0
    finally:
        eng.dispose()
