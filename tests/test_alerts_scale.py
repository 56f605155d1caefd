"""Delivery at scale, in small: the fan-out in chunks ahead of the sender, the queries that must not scan
history, and the webhook client's reading of answers (chunked, keep-alive, close) from raw servers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from presswatch.alerts import deliver as dl
from presswatch.alerts.manage import add_subscription
from presswatch.alerts.webhooks import WebhookSender
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.record.events import NewEvent, add_events
from presswatch.record.models import Watch
from presswatch.settings import Settings
from tests.alerts_receiver import SECRET, Receiver, receiver

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


@pytest.fixture()
def core(tmp_path: Path) -> Iterator[Presswatch]:
    c = Presswatch.open(Settings(data=tmp_path, allow_private=True, alert_timeout=5.0), clock=FakeClock(T0))
    yield c
    c.close()


def removals(core: Presswatch, n: int) -> None:
    def fn(s: Session) -> None:
        ws = [Watch(url=f"http://127.0.0.1:9/a/{i}", host="127.0.0.1", kind="article", tags={},
                    created_at=T0, next_check_at=T0) for i in range(n)]
        s.add_all(ws)
        s.flush()
        add_events(s, [NewEvent(kind="removed", at=T0, status="removed", reason="http-404", watch_id=w.id,
                                summary="removed (http-404)") for w in ws])

    core.db.write(fn)


def test_chunked_fan_out_ahead_of_the_sender_delivers_each_once(core: Presswatch,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dl, "CHUNK_ITEMS", 6)  # 3 subscriptions: 2 events per chunk
    monkeypatch.setattr(dl, "LOOKAHEAD", 4)  # the fan-out waits for the sender after every other chunk
    with receiver(Receiver()) as rx:
        for _ in range(3):
            add_subscription(core, webhook=rx.url, secret=SECRET, filters={})
        removals(core, 11)
        st = asyncio.run(dl.deliver_pending(core, limit=5))
        assert (st.events, st.items, st.messages, st.delivered, st.pending) == (11, 33, 33, 33, 0)
        ids = rx.ids()
        assert len(ids) == 33 and set(ids.values()) == {1}
        assert all(r.verified for r in rx.got)
        assert asyncio.run(dl.deliver_pending(core)).attempts == 0  # nothing left, nothing sent twice


def _plan(core: Presswatch, sql: str, **params: object) -> str:
    with core.db.session() as s:
        return " ".join(str(r[-1]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql), params))


def test_delivery_queries_use_indexes_not_history(core: Presswatch) -> None:
    stale = _plan(core, "SELECT id FROM outbox WHERE delivered_at IS NULL AND claimed_at IS NOT NULL "
                        "AND claimed_at < :t LIMIT 1", t=T0)
    assert "ix_outbox_undelivered" in stale
    with core.db.session() as s:  # the statements settling runs: the last release and the notes per key
        for fn in (dl._last_sent, dl._pending_notes):
            seen: list[tuple[str, Any]] = []

            def plan(conn: object, cursor: object, statement: str, params: Any, context: object,
                     executemany: bool, seen: list[tuple[str, Any]] = seen) -> None:
                seen.append((statement, params))

            event.listen(s.get_bind(), "before_cursor_execute", plan)
            try:
                fn(s, 1, ["watch:1", "watch:2"])
            finally:
                event.remove(s.get_bind(), "before_cursor_execute", plan)
            sql, params = seen[-1]  # after any the connection ran first (its pragmas)
            steps = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            assert "ix_alert_item_key" in " ".join(str(r[-1]) for r in steps), (fn.__name__, steps)


async def _raw_server(answers: list[bytes], seen: list[int]) -> asyncio.Server:
    """Answers the n-th request on any connection with ``answers[n]``; ``seen`` counts connections."""
    count = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n")
                              if h.lower().startswith(b"content-length"))
                await reader.readexactly(length)
                answer = answers[min(count[0], len(answers) - 1)]
                count[0] += 1
                writer.write(answer)
                await writer.drain()
                if b"Connection: close" in answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize(("answer", "status", "reused"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 200, True),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 204, True),
    (b"HTTP/1.1 503 Busy\r\nRetry-After: 30\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 503, True),
    (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 200, False),
])
def test_the_webhook_client_reads_answers_and_reuses_connections(answer: bytes, status: int, reused: bool) -> None:
    async def go() -> tuple[list[int | None], list[str | None], int]:
        seen: list[int] = []
        srv = await _raw_server([answer], seen)
        port = srv.sockets[0].getsockname()[1]
        sender = WebhookSender(allow_private=True, timeout=5, user_agent="t")
        try:
            got = [await sender.send(f"http://127.0.0.1:{port}/h?x=1", f"msg_{i}", "{}", [SECRET])
                   for i in range(3)]
        finally:
            await sender.aclose()
            srv.close()
        return [a.status for a in got], [a.retry_after for a in got], len(seen)

    statuses, retry_after, connections = asyncio.run(go())
    assert statuses == [status] * 3
    assert retry_after == (["30"] * 3 if status == 503 else [None] * 3)
    assert connections == (1 if reused else 3)


def test_a_garbled_answer_is_an_error_not_a_crash() -> None:
    async def go() -> str | None:
        srv = await _raw_server([b"SPDY/9 what\r\n\r\n"], [])
        port = srv.sockets[0].getsockname()[1]
        sender = WebhookSender(allow_private=True, timeout=5, user_agent="t")
        try:
            a = await sender.send(f"http://127.0.0.1:{port}/", "msg_1", "{}", [SECRET])
        finally:
            await sender.aclose()
            srv.close()
        assert a.status is None
        return a.error

    assert "BadResponseError: illegal status line" in (asyncio.run(go()) or "")
