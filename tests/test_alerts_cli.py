"""The ``presswatch alerts`` contract through the real CLI, and ``kill -9`` of a delivering process:
after a restart every alert arrives, each event once after deduplication by webhook-id, none lost."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from presswatch.core import Presswatch
from presswatch.record.events import NewEvent, add_events
from presswatch.settings import Settings
from tests.alerts_receiver import SECRET, Receiver, receiver
from tests.runsupport import cli, cli_env, cli_start, cli_wait

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def write_events(data: Path, n: int) -> list[int]:
    core = Presswatch.open(Settings(data=data, allow_private=True))
    try:
        ids = []
        for i in range(n):
            wid = core.watch(f"http://127.0.0.1:9/news/{i}")

            def fn(s: Session, wid: int = wid) -> list[int]:
                rows = add_events(s, [NewEvent(kind="removed", at=T0, status="removed", reason="http-404",
                                               watch_id=wid, summary="removed (http-404)")])
                s.flush()
                return [e.id for e in rows]

            ids += core.db.write(fn)
        return ids
    finally:
        core.close()


def test_cli_contract(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data")
    with receiver(Receiver()) as rx:
        r = cli(["alerts", "add", "--webhook", rx.url, "--secret", SECRET, "--event", "removed",
                 "--country", "KZ", "--tag", "desk=politics"], env)
        assert r.returncode == 0, r.stderr
        sid = int(r.stdout.strip())
        bad = cli(["alerts", "add", "--webhook", rx.url, "--secret", "not-a-secret"], env)
        assert bad.returncode == 2 and "whsec_" in bad.stderr and bad.stdout == ""
        bad = cli(["alerts", "add", "--apprise", "bogus://nothing"], env)
        assert bad.returncode == 2 and "apprise" in bad.stderr
        (listed,) = [json.loads(x) for x in cli(["alerts", "list", "--json"], env).stdout.splitlines()]
        assert listed["id"] == sid and listed["filters"]["countries"] == ["KZ"]
        assert listed["filters"]["tags"] == {"desk": "politics"}
        any_sid = int(cli(["alerts", "add", "--webhook", rx.url, "--secret", SECRET], env).stdout)
        write_events(tmp_path / "data", 2)
        r = cli(["alerts", "deliver", "--once", "--json"], env)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["delivered"] == 2  # the second subscription's; the first wants KZ
        log = [json.loads(x) for x in cli(["alerts", "log", "--json"], env).stdout.splitlines()]
        assert {m["subscription"] for m in log} == {any_sid}
        assert all(m["state"] == "delivered" and m["log"][0]["status_code"] == 200 for m in log)
        assert {m["webhook_id"] for m in log} == set(rx.ids())
        assert cli(["alerts", "remove", str(sid)], env).returncode == 0
        assert cli(["alerts", "remove", "999"], env).returncode == 2


def test_kill_9_during_delivery_then_restart_delivers_everything_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**cli_env(data), "PRESSWATCH_ALERT_CLAIM_SECONDS": "3", "PRESSWATCH_ALERT_TIMEOUT": "60",
           "PRESSWATCH_ALERT_CONCURRENCY": "4"}
    stalling = {"on": True}
    rx_ = Receiver(behave=lambda n, wid: "stall" if stalling["on"] and n > 6 else "ok")
    with receiver(rx_) as rx:
        assert cli(["alerts", "add", "--webhook", rx.url, "--secret", SECRET], env).returncode == 0
        events = write_events(data, 24)
        proc = cli_start(["alerts", "deliver", "--once"], env)
        rx.wait_for(9, timeout=120)  # six answered, the next ones hang in flight
        assert len(rx.got) >= 9 and proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)
        cli_wait(proc, 30)
        assert proc.returncode == -signal.SIGKILL
        stalling["on"] = False
        time.sleep(3.5)  # the dead worker's claims run out
        r = cli(["alerts", "deliver", "--once", "--json"], env)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["pending"] == 0
        got = rx.bodies()  # verified deliveries, deduplicated by webhook-id
        seen = sorted(b["data"]["event_id"] for b in got.values())
        assert seen == sorted(events)  # every event, once
        resent = [wid for wid, n in rx.ids().items() if n > 1]
        assert resent  # the ones in flight at the kill went again, under the same id
        log = [json.loads(x) for x in cli(["alerts", "log", "--json"], env).stdout.splitlines()]
        assert len(log) == len(events) and {m["state"] for m in log} == {"delivered"}
