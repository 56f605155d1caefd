"""The read API's remembered answers (presswatch.web.answers): byte for byte what the route says, never
older than the last commit (in this process or another), never a signed-in reader's answer to anyone else."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from presswatch.core import Presswatch
from presswatch.record.events import NewEvent, add_events
from presswatch.record.models import Observation
from presswatch.settings import Settings
from presswatch.web import answers
from presswatch.web.answers import AnswerCache
from presswatch.web.app import create_app

T0 = datetime(2026, 2, 1, tzinfo=UTC)


def _open(tmp_path: Path, db_url: str) -> Presswatch:
    return Presswatch.open(Settings(data=tmp_path / "data", db=db_url, allow_private=True))


def _in_another_process(tmp_path: Path, db_url: str, code: str) -> None:
    script = ("from pathlib import Path\nfrom presswatch.core import Presswatch\nfrom presswatch.settings import "
              f"Settings\ncore = Presswatch.open(Settings(data=Path({str(tmp_path / 'data')!r}), db={db_url!r}, "
              f"allow_private=True))\n{code}\ncore.close()\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120,
                   env={k: v for k, v in os.environ.items() if not k.startswith("PRESSWATCH_")})


def _cache(client: TestClient) -> AnswerCache:
    """The app's AnswerCache (the middleware stack is built by the first request)."""
    client.get("/healthz")
    node: Any = client.app
    node = node.middleware_stack
    while node is not None and not isinstance(node, AnswerCache):
        node = getattr(node, "app", None)
    assert node is not None, "AnswerCache is not in the middleware stack"
    return node


def _observe(core: Presswatch, watch_id: int, url: str, hours: int, status: str = "unchanged") -> None:
    core.db.write(lambda s: s.add(Observation(
        watch_id=watch_id, url=url, checked_at=T0 + timedelta(hours=hours), vantage="origin", status=status,
        confirmed=False, http_status=200, final_url=url, title=f"check {hours}", text_digest=f"sha256:{hours}",
        details={}, diff=None)))


def test_a_commit_is_on_the_next_answer_of_every_cached_route(db_url: str, tmp_path: Path) -> None:
    core = _open(tmp_path, db_url)
    try:
        url = "https://news.example/a"
        wid = core.watch(url)
        _observe(core, wid, url, 1, "new")
        c = TestClient(create_app(core))
        cache = _cache(c)
        paths = ["/api/v1/watches?limit=5", "/api/v1/events", f"/api/v1/history?url={url}"]
        first = {p: c.get(p) for p in paths}
        assert all(r.status_code == 200 for r in first.values())
        if core.db.is_sqlite:  # a PostgreSQL server is shared: other databases' writes move its token too
            assert len(cache) == 3
        again = {p: c.get(p) for p in paths}  # remembered: the same bytes and headers
        assert {p: (r.content, r.headers["content-type"]) for p, r in again.items()} == {
            p: (r.content, r.headers["content-type"]) for p, r in first.items()}
        assert first[paths[0]].json()["total"] == 1 and len(first[paths[2]].json()["rows"]) == 1

        # a commit in this process
        core.watch("https://news.example/b")
        assert c.get(paths[0]).json()["total"] == 2
        # commits by another process: an observation and an event
        _in_another_process(tmp_path, db_url, (
            "from datetime import datetime, UTC\nfrom presswatch.record.models import Observation\n"
            f"core.db.write(lambda s: s.add(Observation(watch_id={wid}, url={url!r}, "
            "checked_at=datetime(2026, 2, 2, tzinfo=UTC), vantage='origin', status='unchanged', confirmed=False, "
            f"http_status=200, final_url={url!r}, title='later', text_digest='sha256:x', details={{}}, diff=None)))"))
        rows = c.get(paths[2]).json()["rows"]
        assert [r["title"] for r in rows] == ["check 1", "later"]
        _in_another_process(tmp_path, db_url, (
            "from datetime import datetime, UTC\nfrom presswatch.record.events import NewEvent, add_events\n"
            "core.db.write(lambda s: add_events(s, [NewEvent(kind='edited', at=datetime(2026, 2, 3, tzinfo=UTC), "
            f"status='edited', watch_id={wid}, summary='edited later')], now=datetime(2026, 2, 3, tzinfo=UTC)))"))
        assert "edited later" in [e["summary"] for e in c.get(paths[1]).json()["rows"]]
    finally:
        core.close()


def test_a_private_row_never_reaches_an_anonymous_reader(db_url: str, tmp_path: Path) -> None:
    """A watch hidden by a private demand: the signed-in reader's remembered answers (watch list, events,
    history) are never what an anonymous reader of the same path gets, in either order."""
    from presswatch.web.auth import add_user, create_api_token

    core = _open(tmp_path, db_url)
    try:
        secret = "https://news.example/secret"
        core.watch("https://news.example/open")
        sid = core.watch(secret)
        _observe(core, sid, secret, 1, "new")
        core.db.write(lambda s: add_events(s, [NewEvent(kind="edited", at=T0, status="edited", watch_id=sid,
                                                        summary="secret edit")], now=T0))
        core.add_demand({"title": "Order to delete", "sender": {"name": "Prosecutor", "country": "KZ"},
                         "recipient": {"name": "News"}, "actions": ["remove"], "targets": [secret],
                         "visibility": "private"})
        add_user(core, "val", "long enough password", "viewer")
        staff = {"Authorization": f"Bearer {create_api_token(core, 'val')}"}
        c = TestClient(create_app(core))
        cache = _cache(c)
        history = f"/api/v1/history?url={secret}"
        for order in ("staff first", "anonymous first"):
            for _ in range(2):  # the second round is answered from what was remembered
                seq = [(True, "/api/v1/watches"), (False, "/api/v1/watches"), (True, "/api/v1/events"),
                       (False, "/api/v1/events"), (True, history), (False, history)]
                if order == "anonymous first":
                    seq = [(not who, p) for who, p in seq]
                for signed_in, path in seq:
                    r = c.get(path, headers=staff if signed_in else {})
                    if path == history:
                        assert r.status_code == (200 if signed_in else 404), (order, signed_in)
                        continue
                    assert r.status_code == 200
                    shown = r.text
                    assert (secret in shown) is signed_in, (order, path, signed_in)
                    assert ("secret edit" in shown) is (signed_in and path == "/api/v1/events")
            if core.db.is_sqlite:
                assert len(cache) == 5  # 404s are not remembered
            core.watch(f"https://news.example/{order.split()[0]}")  # a commit: start again from nothing
    finally:
        core.close()


def test_only_whole_ok_answers_are_kept_and_the_cache_is_bounded(tmp_path: Path, monkeypatch: Any) -> None:
    core = _open(tmp_path, f"sqlite:///{tmp_path / 'pw.sqlite3'}")
    try:
        for i in range(6):
            core.watch(f"https://news.example/{i}")
        c = TestClient(create_app(core))
        cache = _cache(c)
        assert c.get("/api/v1/watches?limit=0").status_code == 422
        assert c.get("/api/v1/history?url=https://news.example/none").status_code == 404
        assert c.get("/api/v1/me").status_code == 200  # not a cached route
        assert len(cache) == 0
        monkeypatch.setattr(answers, "MAX_ANSWERS", 3)
        bodies = [c.get(f"/api/v1/watches?limit=1&offset={i}").content for i in range(5)]
        assert len(cache) == 3
        assert [c.get(f"/api/v1/watches?limit=1&offset={i}").content for i in range(5)] == bodies
        monkeypatch.setattr(answers, "MAX_ANSWER_BYTES", 10)
        core.watch("https://news.example/new")
        assert c.get("/api/v1/watches").json()["total"] == 7
        assert len(cache) == 0  # larger than the bound: served, not kept
    finally:
        core.close()


def test_nothing_is_remembered_without_a_change_token(tmp_path: Path, monkeypatch: Any) -> None:
    core = _open(tmp_path, f"sqlite:///{tmp_path / 'pw.sqlite3'}")
    try:
        c = TestClient(create_app(core))
        cache = _cache(c)
        monkeypatch.setattr("presswatch.web.queries.change_token", lambda core: None)
        core.watch("https://news.example/a")
        assert c.get("/api/v1/watches").json()["total"] == 1
        assert c.get("/api/v1/watches").json()["total"] == 1
        assert len(cache) == 0
    finally:
        core.close()



def test_history_decodes_what_it_shows_as_the_orm_shape_does(db_url: str, tmp_path: Path) -> None:
    """Diffs, removal notices and other details read as stored text give the export's rows exactly."""
    from presswatch.publish.export import history_rows
    from presswatch.web import queries as q

    core = _open(tmp_path, db_url)
    try:
        url = "https://news.example/story"
        wid = core.watch(url)
        rows = [({}, None), ({"page_words": 3, "why": "no notice here"}, {}),
                ({"notice": "Удалено по требованию прокуратуры"}, {"paragraphs_added": 1, "words_added": 7}),
                ({"nested": {"notice": "not this one"}}, {"paragraphs_removed": 2, "words_removed": 9}),
                ({"notice": None}, {"words_added": 0})]

        def write(s: Any) -> None:
            for i, (details, diff) in enumerate(rows):
                s.add(Observation(watch_id=wid, url=url, checked_at=T0 + timedelta(hours=i, microseconds=7),
                                  vantage="origin", status="edited" if diff else "unchanged", confirmed=False,
                                  http_status=200, final_url=url, title=f"v{i}", text_digest=f"sha256:{i}",
                                  details=details, diff=diff))

        core.db.write(write)
        got = q.history(core, url)
        assert got == history_rows(core, url)
        assert [r["notice"] for r in got] == [None, None, "Удалено по требованию прокуратуры", None, None]
        assert got[2]["diff"] == {"paragraphs_added": 1, "paragraphs_removed": 0, "words_added": 7,
                                  "words_removed": 0}
        assert got[0]["checked_at"] == "2026-02-01T00:00:00Z"
    finally:
        core.close()
