"""The evidence log commits to just-inserted rows from the values the flush wrote and to captures' WARC
bytes as the archive wrote them. Both must equal what reading back gives (what ``verify`` recomputes),
on SQLite and PostgreSQL; a value that could be stored in another form falls back to reading back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from presswatch.archive.warc import WarcArchive
from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.fetch.client import Fetcher
from presswatch.pipeline import Checker
from presswatch.record.ledger import (
    Ledger,
    inserted_commitment,
    read_row_commitments,
    warc_commitment,
)
from presswatch.record.models import Capture, Observation, Watch
from presswatch.settings import Settings
from presswatch.sources.watchlist import add_watch
from tests.test_archive_size import _exchanges

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_the_archive_reports_what_verify_reads_back(tmp_path: Path) -> None:
    """Every record kind (response with and without a request record, 304 revisit, identical-payload
    revisit): the commitment computed while writing equals the one read from the file."""
    a = WarcArchive(tmp_path)
    refs = _exchanges(a)
    a.close()
    for name, ref in refs.items():
        assert ref.stored is not None, name
        row = {"warc_file": ref.warc_file, "offset": ref.offset, "length": ref.length, "record_id": ref.record_id}
        assert dict(ref.stored) == warc_commitment(tmp_path, row), name
    assert refs["untemplated"].stored["request"] is not None  # type: ignore[index]
    assert refs["first"].stored["request"] is None  # type: ignore[index]  # a plain GET: the warcinfo says it


def _observation(s: Any, path: str = "a", **over: Any) -> Observation:
    w = Watch(url=f"https://news.test/{path}", host="news.test", created_at=T0, next_check_at=T0)
    s.add(w)
    s.flush()
    fields: dict[str, Any] = dict(
        watch_id=w.id, url=w.url,
        checked_at=datetime(2026, 3, 1, 17, 0, 0, 123456, tzinfo=timezone(timedelta(hours=5))),
        status="unchanged", http_status=200, confirmed=True,
        details={"elapsed": 0.1 + 0.2, "redirects": ("a", "b"), "nested": {"ж": [1, 2.5, None, True]}, "big": 2**60},
    )
    fields.update(over)
    o = Observation(**fields)
    s.add(o)
    s.flush()
    return o


def test_inserted_commitment_equals_reading_back(db_url: str, tmp_path: Path) -> None:
    core = Presswatch.open(Settings(data=tmp_path / "data", db=db_url), clock=FakeClock(T0))
    try:
        def txn(s: Any) -> tuple[Any, Any]:
            o = _observation(s)
            table = Observation.__table__
            return inserted_commitment(o), read_row_commitments(s, table, [o.id])[f"observation:{o.id}"]  # type: ignore[arg-type]

        fast, stored = core.db.write(txn)
        assert fast is not None
        assert fast == stored
    finally:
        core.close()


def test_a_value_stored_in_another_form_is_read_back(tmp_path: Path) -> None:
    """An integer column given True, a text column given a number: the stored form differs from the
    value, so the fast path declines and the append reads the row back (and verify passes)."""
    core = Presswatch.open(Settings(data=tmp_path / "data"), clock=FakeClock(T0))
    try:
        def txn(s: Any) -> Any:
            o = _observation(s, http_status=True)
            assert inserted_commitment(o) is None
            o2 = _observation(s, "b", status=404)  # type: ignore[arg-type]
            assert inserted_commitment(o2) is None
            Ledger(core).append(s, "observation", {"id": o.id}, ref=f"observation:{o.id}")
            Ledger(core).append(s, "observation", {"id": o2.id}, ref=f"observation:{o2.id}")

        core.db.write(txn)
        assert Ledger(core).verify_store().ok
    finally:
        core.close()


def test_checks_log_without_reading_rows_back_and_verify(db_url: str, tmp_path: Path, simsite: Any) -> None:
    """New, unchanged (304) and edited checks through the pipeline: the recording transaction reads no
    observation or capture row back, and the whole store verifies."""
    core = Presswatch.open(Settings(data=tmp_path / "data", db=db_url, allow_private=True, timeout=5.0))
    reads: list[str] = []
    phase = ["new"]
    version_reads: list[str] = []

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        low = " ".join(statement.lower().split())
        # what read_row_commitments sends: the rows by primary key (not the check's own state queries)
        if low.startswith("select") and any(f"where {t}.id in (" in low and f"where {t}.id in (select" not in low
                                            for t in ("observation", "capture", "event")):
            reads.append(statement)
        # a version the check itself inserted is committed to from memory too, and remembered once its
        # transaction committed: the unchanged check naming it reads it back neither
        if low.startswith("select") and "where version.id in (" in low:
            version_reads.append(f"{phase[0]}: {statement}")

    event.listen(core.db.write_engine, "before_cursor_execute", spy)
    try:
        urls = simsite.article_urls()[:3]
        ids = [add_watch(core, u) for u in urls]

        async def run() -> list[str]:
            async with Fetcher(core.settings, core.clock) as f:
                c = Checker(core, f)
                return [(await c.check(i))["status"] for i in ids]

        assert asyncio.run(run()) == ["new"] * 3
        phase[0] = "unchanged"
        assert asyncio.run(run()) == ["unchanged"] * 3
        simsite.set_state(urls[0].rsplit("/", 1)[1], "edit-paragraph")
        phase[0] = "edited"
        assert asyncio.run(run())[0] == "edited"
        assert reads == []
        assert version_reads == []
        report = Ledger(core).verify_store()
        assert report.ok, report.failures
        with core.db.session() as s:
            assert s.scalar(select(Capture.id).limit(1)) is not None
    finally:
        event.remove(core.db.write_engine, "before_cursor_execute", spy)
        core.close()


def _check_once(core: Presswatch, wid: int) -> str:
    """One check of watch ``wid`` with a fetcher of its own; its status."""

    async def once() -> str:
        async with Fetcher(core.settings, core.clock) as f:
            return str((await Checker(core, f).check(wid))["status"])

    return asyncio.run(once())


def test_a_version_changed_between_checks_fails_verify(tmp_path: Path, simsite: Any) -> None:
    """A version row is committed to from memory once read: an edit behind the log's back between two
    checks is not taken into the next entry, and verify names the row."""
    from sqlalchemy import update

    from presswatch.record.models import Version

    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True, timeout=5.0))
    try:
        wid = add_watch(core, simsite.article_urls()[0])

        assert [_check_once(core, wid) for _ in range(2)] == ["new", "unchanged"]
        assert Ledger(core).verify_store().ok
        core.db.write(lambda s: s.execute(update(Version).values(title="A different headline")))
        assert _check_once(core, wid) == "unchanged"
        report = Ledger(core).verify_store()
        assert not report.ok
        assert any("version:" in f for f in report.failures), report.failures
    finally:
        core.close()


def test_unchanged_checks_commit_to_their_version_by_digest(tmp_path: Path, simsite: Any) -> None:
    """The entry written with a version commits to it in full; the entries of the unchanged checks
    after it hold the digest of that same commitment (not the text again), remembered or read back."""
    import json

    from presswatch.record.ledger import LogEntry, _settled_digest

    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True, timeout=5.0))
    try:
        wid = add_watch(core, simsite.article_urls()[0])

        assert _check_once(core, wid) == "new"
        assert _check_once(core, wid) == "unchanged"  # the digest remembered at commit
        core.db.settled_commitments.clear()  # as in a new process: the row is read back
        assert _check_once(core, wid) == "unchanged"
        with core.db.session() as s:
            docs = [json.loads(e.canonical) for e in s.scalars(
                select(LogEntry).where(LogEntry.kind == "observation").order_by(LogEntry.index))]
        ref = next(r for r in docs[0]["rows"] if r.startswith("version:"))
        full = docs[0]["rows"][ref]
        assert full["text_z"]  # the text, once
        want = "sha256:" + _settled_digest(full).hex()
        for doc in docs[1:]:
            assert doc["v"] == 3
            assert ref not in doc["rows"]
            assert doc["row_digests"] == {ref: want}
            assert len(json.dumps(doc)) < len(json.dumps(docs[0]))
        assert Ledger(core).verify_store().ok
    finally:
        core.close()


def test_a_version_changed_then_read_back_fails_verify(tmp_path: Path, simsite: Any) -> None:
    """An edit behind the log's back that the next check reads back (nothing remembered, as after a
    restart) is caught: every entry naming a version must commit to the same row."""
    from sqlalchemy import update

    from presswatch.record.models import Version

    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True, timeout=5.0))
    try:
        wid = add_watch(core, simsite.article_urls()[0])

        assert [_check_once(core, wid) for _ in range(2)] == ["new", "unchanged"]
        core.db.write(lambda s: s.execute(update(Version).values(title="A different headline")))
        core.db.settled_commitments.clear()
        assert _check_once(core, wid) == "unchanged"
        report = Ledger(core).verify_store()
        assert not report.ok
        assert any("version:" in f and "differs from what entry" in f for f in report.failures), report.failures
    finally:
        core.close()


def test_a_version_inserted_in_a_rolled_back_savepoint_is_not_remembered(db_url: str, tmp_path: Path) -> None:
    """Only a committed insert is remembered as settled: one whose savepoint rolled back leaves no
    commitment behind for the id another row may be given next."""
    from presswatch.record.models import Version

    core = Presswatch.open(Settings(data=tmp_path / "data", db=db_url, allow_private=True))
    try:
        wid = add_watch(core, "http://127.0.0.1:9/a")
        now = core.clock.now()
        refs: dict[str, str] = {}

        def write(s: Any) -> None:
            def version(digest: str) -> Version:
                v = Version(watch_id=wid, text_digest=digest, title=digest, meta={}, first_seen_at=now,
                            last_seen_at=now)
                v.text = f"text {digest}"
                s.add(v)
                s.flush()
                return v

            kept = version("kept")
            refs["kept"] = f"version:{kept.id}"
            Ledger(core).append(s, "test", {"n": 1}, rows=[refs["kept"]])
            nested = s.begin_nested()
            dropped = version("dropped")
            refs["dropped"] = f"version:{dropped.id}"
            Ledger(core).append(s, "test", {"n": 2}, rows=[refs["dropped"]])
            nested.rollback()

        core.db.write(write)
        assert refs["kept"] in core.db.settled_commitments
        assert refs["dropped"] not in core.db.settled_commitments
        assert Ledger(core).verify_store().ok
    finally:
        core.close()



def test_a_version_logged_before_a_column_existed_still_verifies(tmp_path: Path, monkeypatch: Any) -> None:
    """A store upgraded by a migration that added a column (NULL in older rows, as ``text_z`` is):
    entries written before it commit to no such column, entries after it name the row by digest; the
    two agree, and setting a committed value to NULL still fails verify."""
    from sqlalchemy import update

    import presswatch.record.ledger as ledger_mod
    from presswatch.record.models import Version

    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True))
    try:
        wid = add_watch(core, "http://127.0.0.1:9/a")
        now = core.clock.now()
        ref: list[str] = []

        def old_entry(s: Any) -> None:
            v = Version(watch_id=wid, text_digest="d", title="Old", meta={}, first_seen_at=now, last_seen_at=now)
            v.plain_text, v.text_z = "plain text of an older row", None
            s.add(v)
            s.flush()
            ref.append(f"version:{v.id}")
            Ledger(core).append(s, "test", {"n": 1}, rows=[ref[0]])

        # as written before the column existed: format 2, the column unknown to the commitment
        monkeypatch.setattr(ledger_mod, "ENTRY_VERSION", 2)
        monkeypatch.setitem(ledger_mod.MUTABLE_COLUMNS, "version", frozenset({"last_seen_at", "seen_count", "text_z"}))
        core.db.write(old_entry)
        monkeypatch.undo()
        core.db.settled_commitments.clear()
        core.db.write(lambda s: Ledger(core).append(s, "test", {"n": 2}, rows=[ref[0]]))
        report = Ledger(core).verify_store()
        assert report.ok, report.failures
        core.db.write(lambda s: s.execute(update(Version).values(title=None)))
        report = Ledger(core).verify_store()
        assert any(ref[0] in f for f in report.failures), report.failures
    finally:
        core.close()
