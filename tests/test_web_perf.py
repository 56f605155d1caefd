"""The web app's fast paths answer exactly what the slow ones did, and a write made anywhere (another
connection, another process) is visible on the very next request."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from presswatch.core import Presswatch
from presswatch.publish.export import EventFilter, event_rows, history_rows
from presswatch.publish.visibility import PublicView
from presswatch.record.events import NewEvent, add_events
from presswatch.record.models import Watch
from presswatch.settings import Settings
from presswatch.web import queries as q
from presswatch.web.app import create_app
from presswatch.web.principal import ANONYMOUS, Principal

T0 = datetime(2026, 2, 1, tzinfo=UTC)
STAFF = Principal(role="viewer", user_id=1, name="v", via="token")


def _open(tmp_path: Path, db_url: str) -> Presswatch:
    return Presswatch.open(Settings(data=tmp_path / "data", db=db_url, allow_private=True))


def _in_another_process(tmp_path: Path, db_url: str, code: str) -> None:
    """Run ``code`` with ``core`` opened on the same data in a fresh interpreter."""
    script = ("from pathlib import Path\nfrom presswatch.core import Presswatch\nfrom presswatch.settings import "
              f"Settings\ncore = Presswatch.open(Settings(data=Path({str(tmp_path / 'data')!r}), db={db_url!r}, "
              f"allow_private=True))\n{code}\ncore.close()\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120,
                   env={k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_")})


def test_change_token_moves_on_every_commit_here_or_elsewhere(db_url: str, tmp_path: Path) -> None:
    core = _open(tmp_path, db_url)
    try:
        before = q.change_token(core)
        assert before is not None
        if core.db.is_sqlite:  # a PostgreSQL server is shared: other databases' writes move it too
            assert q.change_token(core) == before
        core.watch("https://news.example/a")  # this process, the writer connection
        after_own = q.change_token(core)
        assert after_own != before
        _in_another_process(tmp_path, db_url, "core.watch('https://news.example/b')")
        assert q.change_token(core) != after_own
    finally:
        core.close()


def test_a_write_from_another_process_is_on_the_next_answer(db_url: str, tmp_path: Path) -> None:
    """The watch list, the dashboard and the public view are cached between commits; each commit made by
    another process shows at once, including a tag change that hides a watch behind a private demand."""
    core = _open(tmp_path, db_url)
    try:
        shown = core.watch("https://news.example/shown", tags={"country": "KZ"})
        private = core.add_demand({
            "title": "Order to delete", "sender": {"name": "Prosecutor", "country": "KZ"},
            "recipient": {"name": "News"}, "actions": ["remove"], "targets": ["https://news.example/other"],
            "visibility": "private"})
        c = TestClient(create_app(core), base_url="http://testserver")
        assert c.get("/api/v1/watches").json()["total"] == 1
        assert c.get(f"/api/v1/watches/{shown}").status_code == 200
        dash = q.dashboard(core, q.audience(core, ANONYMOUS))
        assert dash["totals"]["articles"] == 1 and q.dashboard(core, q.audience(core, ANONYMOUS)) == dash

        _in_another_process(tmp_path, db_url, "core.watch('https://news.example/new', tags={'country': 'KZ'})")
        assert c.get("/api/v1/watches").json()["total"] == 2
        assert q.dashboard(core, q.audience(core, ANONYMOUS))["totals"]["articles"] == 2

        code = ("from presswatch.record.models import Watch\n"
                f"def tag(s):\n    s.get(Watch, {shown}).tags = {{'country': 'KZ', 'demands': [{private}]}}\n"
                "core.db.write(tag)")
        _in_another_process(tmp_path, db_url, code)
        assert c.get(f"/api/v1/watches/{shown}").status_code == 404  # hidden at once, not after a restart
        assert c.get("/api/v1/watches").json()["total"] == 1
        assert q.dashboard(core, q.audience(core, ANONYMOUS))["totals"]["articles"] == 1
        assert q.dashboard(core, q.audience(core, STAFF))["totals"]["articles"] == 3  # and the demand's target
    finally:
        core.close()


def _events_story(core: Presswatch) -> dict[str, int]:
    ids = {name: core.watch(f"https://{name}.example/story", tags=tags) for name, tags in (
        ("kz", {"country": "KZ"}), ("ru", {"country": "RU", "measure_in": ["KZ"]}), ("by", {"country": "BY"}))}
    kinds = ("new", "edited", "removed", "blocked", "restored")

    def write(s: Any) -> None:
        add_events(s, [NewEvent(kind=kinds[i % 5], at=T0 + timedelta(hours=i // 2), watch_id=ids[name],
                                status=kinds[i % 5], reason="dns" if i % 3 == 0 else None,
                                country=("KZ" if i % 4 == 0 else None), summary=f"event {i}",
                                details={"n": i})
                       for i, name in enumerate(["kz", "ru", "by"] * 9)], now=T0)
        add_events(s, [NewEvent(kind="blocked", at=T0 + timedelta(hours=30), country="KZ", reason="dns",
                                details={"scope": "host", "target": "kz.example"})], now=T0)

    core.db.write(write)
    return ids


@pytest.mark.parametrize("who", ["staff", "public", "hiding"])
def test_event_page_is_event_rows_filtered_and_sliced(core: Presswatch, who: str) -> None:
    ids = _events_story(core)
    view = None if who == "staff" else PublicView(
        urls=frozenset({"https://ru.example/story"} if who == "hiding" else set()), watch_ids=frozenset(),
        hosts=frozenset(), demand_ids=frozenset())
    aud = q.Audience(STAFF if who == "staff" else ANONYMOUS, view)
    filters: list[dict[str, Any]] = [{}, {"kind": "edited"}, {"country": "KZ"}, {"reason": "dns"},
                                     {"url": "https://kz.example/story"}, {"country": "kz", "kind": "blocked"}]
    for flt in filters:
        url = flt.get("url")
        expected = [r for r in event_rows(core, url, EventFilter(
            kinds=(flt["kind"],) if "kind" in flt else (), reason=flt.get("reason"), country=flt.get("country")))
            if aud.event_ok(None, r.get("url"), r.get("details"))]
        for limit, offset in ((100, 0), (4, 0), (4, 3), (5, 26), (3, 100)):
            total, page = q.event_page(core, aud, url=url, kind=flt.get("kind"), country=flt.get("country"),
                                       reason=flt.get("reason"), limit=limit, offset=offset)
            assert (total, page) == (len(expected), expected[offset : offset + limit]), (flt, limit, offset)
    assert ids


def test_api_events_are_paged_with_a_default_page(core: Presswatch) -> None:
    wid = core.watch("https://many.example/story")
    core.db.write(lambda s: add_events(s, [NewEvent(kind="edited", at=T0 + timedelta(minutes=i), watch_id=wid,
                                                    summary=f"edit {i}") for i in range(130)], now=T0))
    c = TestClient(create_app(core), base_url="http://testserver")
    first = c.get("/api/v1/events").json()
    assert (first["total"], first["limit"], first["offset"], len(first["rows"])) == (130, 100, 0, 100)
    assert [r["summary"] for r in first["rows"][:2]] == ["edit 0", "edit 1"]  # oldest first
    rest = c.get("/api/v1/events", params={"offset": 100}).json()
    assert [r["summary"] for r in rest["rows"]] == [f"edit {i}" for i in range(100, 130)]
    assert c.get("/api/v1/events", params={"limit": 501}).status_code == 422
    assert c.get("/api/v1/events", params={"url": "https://nowhere.example/x"}).status_code == 404


def test_history_and_watch_rows_read_as_columns_match_the_orm_shapes(core: Presswatch, simsite: Any) -> None:
    import asyncio

    url = simsite.article_urls()[0]
    wid = core.watch(url, tags={"country": "KZ", "outlet": "Daily"})
    asyncio.run(core.check([wid]))
    simsite.set_state(url.rstrip("/").rsplit("/", 1)[-1], "edit-paragraph", index=1)
    asyncio.run(core.check([wid]))
    rows = q.history(core, url)
    assert rows == history_rows(core, url) and len(rows) == 2 and rows[0]["capture"] is not None
    with pytest.raises(Exception, match="not watched"):
        q.history(core, "https://nowhere.example/x")
    from sqlalchemy import select

    with core.db.session() as s:
        orm = s.get(Watch, wid)
        row = s.execute(select(*q.watch_columns()).where(Watch.id == wid)).one()
    assert q.watch_dict(row) == q.watch_dict(orm)
    assert json.dumps(q.watch_dict(row))  # plain JSON


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_serve_workers_share_the_port_and_stop_together(tmp_path: Path) -> None:
    port, rport = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_")}
    env["PRESSWATCH_DATA"] = str(tmp_path / "data")
    proc = subprocess.Popen([sys.executable, "-m", "presswatch", "serve", "--port", str(port), "--replay-port",
                             str(rport), "--workers", "2"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        workers = _children(proc.pid)
        assert len(workers) == 2
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            assert all(c.get("/api/v1/watches").status_code == 200 for _ in range(20))
        assert httpx.get(f"http://127.0.0.1:{rport}/", timeout=5).status_code < 500  # replay in the parent
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
        assert "2 worker processes" in (proc.stderr.read() if proc.stderr else "")
        for pid in workers:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_fast_iso_is_the_clock_format() -> None:
    from datetime import timezone

    from presswatch.clock import isoformat

    for dt in (datetime(2026, 1, 1, 5, 6, 7, 891011), datetime(2026, 1, 1, 5, 6, 7, tzinfo=UTC),
               datetime(2026, 1, 1, 5, 6, 7, 5, tzinfo=timezone(timedelta(hours=3))),
               datetime(2026, 1, 1, tzinfo=timezone(timedelta(0), "GMT"))):
        assert q._iso(dt) == isoformat(dt)
    assert q._iso(None) is None


def test_a_remembered_caller_is_forgotten_at_the_next_commit_anywhere(tmp_path: Path) -> None:
    """Sessions and API tokens are looked up once per database change: a sign-out, a revoked token or a
    disabled account, written by another process, counts on the very next request."""
    from presswatch.web.auth import add_user, create_api_token
    from presswatch.web.auth import sign_in as open_session

    db_url = f"sqlite:///{tmp_path / 'pw.sqlite3'}"
    core = _open(tmp_path, db_url)
    try:
        add_user(core, "val", "long enough password", "viewer")
        add_user(core, "ed", "long enough password", "editor")
        bearer = create_api_token(core, "val")
        signed = open_session(core, "ed", "long enough password", "127.0.0.1")
        c = TestClient(create_app(core), base_url="http://testserver")

        def me(**kw: Any) -> Any:
            return c.get("/api/v1/me", **kw).json()

        for _ in range(2):  # the second answer comes from the remembered lookup
            assert me(headers={"Authorization": f"Bearer {bearer}"})["role"] == "viewer"
            assert me(cookies={"pw_session": signed.token})["role"] == "editor"
        _in_another_process(tmp_path, db_url, "from presswatch.web.auth import end_session\n"
                                              f"end_session(core, {signed.token!r})")
        assert me(cookies={"pw_session": signed.token})["role"] == "anonymous"
        assert me(headers={"Authorization": f"Bearer {bearer}"})["role"] == "viewer"
        _in_another_process(tmp_path, db_url, "from sqlalchemy import update\n"
                                              "from presswatch.record.web_models import User\n"
                                              "core.db.write(lambda s: s.execute(update(User)"
                                              ".where(User.name == 'val').values(disabled=True)))")
        assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {bearer}"}).status_code == 401
    finally:
        core.close()


def test_list_totals_are_remembered_until_a_commit_and_bounded(db_url: str, tmp_path: Path) -> None:
    core = _open(tmp_path, db_url)
    try:
        c = TestClient(create_app(core))
        core.watch("https://news.example/a")
        assert c.get("/api/v1/watches", params={"limit": 1}).json()["total"] == 1
        assert c.get("/api/v1/watches", params={"limit": 1, "offset": 1}).json()["total"] == 1
        _in_another_process(tmp_path, db_url, "core.watch('https://news.example/b')")
        assert c.get("/api/v1/watches", params={"limit": 1}).json()["total"] == 2  # the commit elsewhere is seen
        core.watch("https://news.example/c")
        assert c.get("/api/v1/watches", params={"limit": 1}).json()["total"] == 3
        for i in range(q.MAX_REMEMBERED + 50):  # distinct filters from requests never grow the memory unbounded
            assert c.get("/api/v1/watches", params={"host": f"h{i}.example"}).json()["total"] == 0
        assert len(q._memo[core.db]) <= q.MAX_REMEMBERED + 2
    finally:
        core.close()
