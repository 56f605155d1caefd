"""kill -9 in the middle of `presswatch run` leaves readable WARCs and a consistent database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from presswatch.sim.site import SimSite


def test_kill_9_mid_run_leaves_archive_and_db_consistent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "PRESSWATCH_DATA": str(data), "PRESSWATCH_ALLOW_PRIVATE": "1",
           "PRESSWATCH_CONCURRENCY": "8"}
    with SimSite(articles=300, seed=3).start() as site:
        cli = [sys.executable, "-m", "presswatch"]
        w = subprocess.run([*cli, "watch", *site.article_urls()], env=env, capture_output=True, text=True)
        assert w.returncode == 0, w.stderr[-2000:]
        proc = subprocess.Popen([*cli, "run", "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        db = data / "presswatch.sqlite3"
        deadline = time.monotonic() + 60
        n = 0
        while time.monotonic() < deadline:  # wait until the run is well under way
            time.sleep(0.2)
            try:
                with sqlite3.connect(db, timeout=5) as c:
                    n = c.execute("select count(*) from observation").fetchone()[0]
            except sqlite3.Error:
                continue
            if n >= 20:
                break
        assert n >= 20, "run made no progress"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

        with sqlite3.connect(db) as c:
            assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
            rows = c.execute("select warc_file, offset, length, payload_digest from capture").fetchall()
            dangling = c.execute(
                "select count(*) from observation o left join capture c on o.capture_id = c.id "
                "where o.capture_id is not null and c.id is null").fetchone()[0]
        assert dangling == 0 and rows
        for f in sorted((data / "warc").glob("*.warc.gz")):
            chk = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(f)], capture_output=True,
                                 text=True)
            assert chk.returncode == 0, chk.stdout + chk.stderr
        from presswatch.archive.warc import read_record

        for warc_file, offset, length, digest in rows:
            with open(data / warc_file, "rb") as fh:
                fh.seek(offset)
                rec = read_record(fh.read(length))
            assert rec.header("WARC-Payload-Digest") == digest

        # the next run continues and finishes the rest
        done = subprocess.run([*cli, "run", "--once"], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(db) as c:
            unchecked = c.execute("select count(*) from watch where last_checked_at is null").fetchone()[0]
        assert unchecked == 0
