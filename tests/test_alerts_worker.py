"""The background AlertWorker of ``presswatch run``: woken by a committed outbox row (not by polling),
idle costs no rounds, and many messages to many endpoints go out concurrently, each exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from presswatch.alerts.deliver import AlertWorker, deliver_pending
from presswatch.alerts.manage import add_subscription
from presswatch.core import Presswatch
from presswatch.record.alert_models import AlertAttempt, AlertMessage
from presswatch.record.events import NewEvent, add_events
from presswatch.settings import Settings
from tests.alerts_receiver import SECRET, Receiver, receiver

URL = "http://127.0.0.1:9/news/report"


def _event(core: Presswatch, n: int = 1) -> None:
    wid = core.watch(URL, tags={})
    now = core.clock.now()

    def fn(s: Session) -> None:
        add_events(s, [NewEvent(kind="removed", at=now, status="removed", reason="http-404", watch_id=wid,
                                summary=f"removed #{i}") for i in range(n)])

    core.db.write(fn)


def test_worker_wakes_on_commit_and_idles_without_rounds(tmp_path: Path) -> None:
    # alert_poll of an hour: only the in-process signal can start the rounds this test sees
    core = Presswatch.open(Settings(data=tmp_path, allow_private=True, alert_timeout=3.0, alert_poll=3600))
    try:
        with receiver(Receiver()) as rx:
            add_subscription(core, webhook=rx.url, secret=SECRET, filters={})

            async def scenario() -> tuple[int, int, float]:
                w = AlertWorker(core)
                w.start()
                try:
                    await asyncio.sleep(0.5)  # the first round finds nothing
                    idle_before = w._rounds
                    await asyncio.sleep(1.5)
                    idle_rounds = w._rounds - idle_before  # no polling while idle
                    t0 = time.monotonic()
                    await asyncio.to_thread(_event, core)  # committed from another thread, as the writer does
                    while len(rx.got) < 1 and time.monotonic() - t0 < 10:
                        await asyncio.sleep(0.02)
                    return idle_rounds, len(rx.got), time.monotonic() - t0
                finally:
                    await w.aclose()

            idle_rounds, got, took = asyncio.run(scenario())
            assert idle_rounds == 0
            assert got == 1 and took < 5  # far sooner than alert_poll
            assert rx.got[0].verified
    finally:
        core.close()


def test_many_messages_to_many_endpoints_once_each_with_bulk_records(tmp_path: Path) -> None:
    core = Presswatch.open(Settings(data=tmp_path, allow_private=True, alert_timeout=5.0, alert_concurrency=8))
    try:
        with receiver(Receiver()) as rx:
            for i in range(6):
                add_subscription(core, webhook=f"{rx.url}/hook/{i}", secret=SECRET, filters={})
            _event(core, 40)
            st = asyncio.run(deliver_pending(core, limit=50))  # several pipelined claims of 50
            assert (st.delivered, st.pending, st.attempts) == (240, 0, 240)
            ids = Counter(r.webhook_id for r in rx.got)
            assert len(ids) == 240 and max(ids.values()) == 1 and all(r.verified for r in rx.got)
            with core.db.session() as s:
                assert s.scalar(select(func.count()).select_from(AlertAttempt)) == 240
                states = dict(s.execute(select(AlertMessage.state, func.count()).group_by(AlertMessage.state)).all())
                assert states == {"delivered": 240}
                assert s.scalar(select(func.count()).select_from(AlertMessage)
                                .where(AlertMessage.claimed_by.is_not(None))) == 0
                assert s.scalar(select(func.min(AlertMessage.attempts))) == 1
            assert asyncio.run(deliver_pending(core)).attempts == 0  # nothing twice
    finally:
        core.close()
