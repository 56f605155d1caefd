"""Database access: many concurrent readers, one writer.

SQLite allows one writer at a time; like datasette, every write goes through
:meth:`Database.write`, which serialises callers on one lock (one writer connection at a time),
while reads use ordinary sessions in parallel (WAL mode). On PostgreSQL the same API is used.
Schema changes are Alembic migrations (``presswatch/record/migrations``); :meth:`Database.migrate`
brings a database to the latest revision.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from presswatch.errors import DatabaseError

__all__ = ["MIGRATIONS", "Database", "StagedWrite", "dialect_insert"]

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"


def dialect_insert(s: Session, model: Any) -> Any:
    """An INSERT for ``model`` in the session's dialect, with ``on_conflict_do_*`` (both have them)."""
    return (postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert)(model)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    dbapi_conn.isolation_level = None


_OPEN: weakref.WeakSet[Database] = weakref.WeakSet()  # every Database of this process (for fork)


def _after_fork_in_child() -> None:
    """A forked child owns none of its parent's locks.

    An flock belongs to the open file description, which a fork shares: a child that kept the
    descriptor would hold the store's write lock for as long as it lives (an orphaned worker of a
    dead run would keep the data folder locked for every later process). The child closes its copy
    (the parent's lock is unaffected) and starts with fresh in-process locks, queue and writer.
    """
    for db in list(_OPEN):
        db._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class StagedWrite(Generic[T]):
    """A write the writer thread may run together with others of its kind, sharing one flush.

    :meth:`stage` adds rows without flushing (autoflush is off), :meth:`after_flush` runs once per
    group after the group's one flush, then :meth:`finish` for each write (with autoflush off: what it
    adds is flushed once at the end). Writes of one group have distinct :attr:`key` values (e.g. the
    watch they change), so none reads what another staged. When any write of a group fails, the group
    rolls back and each of its writes runs again alone, so one bad write fails alone. Called as a plain
    function (``write(fn)``) a staged write runs the three steps on its own.
    """

    key: Any = None

    def stage(self, s: Session) -> None:
        raise NotImplementedError

    def finish(self, s: Session) -> T:
        raise NotImplementedError

    @classmethod
    def preload(cls, s: Session, writes: Sequence[StagedWrite[Any]]) -> None:
        """Load what the group's writes will read, in few queries (optional)."""

    @classmethod
    def after_flush(cls, s: Session, writes: Sequence[StagedWrite[Any]]) -> None:
        """Group-wide statements after the shared flush (optional)."""

    def __call__(self, s: Session) -> T:
        type(self).preload(s, [self])
        with s.no_autoflush:
            self.stage(s)
        s.flush()
        type(self).after_flush(s, [self])
        return self.finish(s)


class Database:
    """An engine plus the single-writer discipline."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_size"] = 10
        try:
            self.engine: Engine = create_engine(url, **kwargs)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise DatabaseError(f"bad database URL {url!r}: {exc}") from exc
        self.write_engine: Engine = self.engine
        if self.is_sqlite:
            # Writes get their own engine whose transactions start with BEGIN IMMEDIATE: a deferred
            # transaction that reads first cannot wait for another process's write lock (SQLite
            # answers "database is locked" at once), an immediate one waits (busy_timeout).
            self.write_engine = create_engine(url, **kwargs)
            for eng, begin in ((self.engine, "BEGIN"), (self.write_engine, "BEGIN IMMEDIATE")):
                event.listen(eng, "connect", _sqlite_pragmas)
                # SQLAlchemy, not pysqlite, drives transactions, so SAVEPOINTs work (group commit)
                event.listen(eng, "begin", lambda conn, sql=begin: conn.exec_driver_sql(sql))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.write_engine, expire_on_commit=False)
        # Between processes, writers queue on an flock beside the database file: SQLite's own busy
        # handler polls with growing sleeps, which wastes most of the time when processes contend.
        self._flock_path: Path | None = None
        self._flock_depth = 0
        self._flock_fd: int | None = None
        if self.is_sqlite and url.startswith("sqlite:///") and ":memory:" not in url:
            self._flock_path = Path(url.removeprefix("sqlite:///") + ".writelock")
        self._write_lock = threading.RLock()
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self.before_commit: list[Callable[[], None]] = []  # e.g. fsync the WARC files rows point to
        # the evidence log's commitments of rows that never change, by ref (see record.ledger)
        self.settled_commitments: dict[str, bytes] = {}  # digests of their commitments
        _OPEN.add(self)

    def _reset_after_fork(self) -> None:
        fd, self._flock_fd, self._flock_depth = self._flock_fd, None, 0
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)  # our copy only: the parent keeps its lock
        self._write_lock = threading.RLock()
        self._queue = queue.SimpleQueue()
        self._writer = None

    # -- reads ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (no commit)."""
        try:
            with self._sessions() as s:
                yield s
        except OperationalError as exc:
            raise DatabaseError(f"database unavailable: {exc.orig}") from exc

    # -- writes ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _process_lock(self) -> Iterator[None]:
        """Hold the inter-process write lock (re-entrant within this process, under ``_write_lock``)."""
        if self._flock_path is None or self._flock_depth:
            self._flock_depth += 1
            try:
                yield
            finally:
                self._flock_depth -= 1
            return
        import fcntl

        # O_CLOEXEC: no exec'd program inherits it; forked children close it (_after_fork_in_child)
        fd = os.open(self._flock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._flock_fd, self._flock_depth = fd, 1
            yield
        finally:
            self._flock_depth = 0
            if self._flock_fd == fd:
                self._flock_fd = None
                # unlock explicitly: closing alone does not release the lock while a child forked meanwhile
                # still holds this descriptor (it closes its copy at once, but not before we may return)
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    def write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` in one transaction through the single writer; commit or roll back."""
        with self._write_lock, self._process_lock():
            try:
                with self._write_sessions() as s, s.begin():
                    out = fn(s)
                    for hook in self.before_commit:
                        hook()
                    return out
            except OperationalError as exc:
                raise DatabaseError(f"database unavailable: {exc.orig}") from exc

    async def write_async(self, fn: Callable[[Session], T]) -> T:
        """Queue ``fn`` for the writer thread, which commits many queued writes together.

        Each ``fn`` runs in its own SAVEPOINT, so one failing write rolls back alone; the batch
        shares one COMMIT (group commit). Hooks in :attr:`before_commit` run before each commit.
        """
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        self._ensure_writer()
        self._queue.put(_Job(fn, fut, loop))
        return await fut

    def _ensure_writer(self) -> None:
        if self._writer is None or not self._writer.is_alive():
            with self._write_lock:
                if self._writer is None or not self._writer.is_alive():
                    self._writer = threading.Thread(target=self._write_loop, name="presswatch-db-writer",
                                                    daemon=True)
                    self._writer.start()

    def _write_loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            while len(batch) < 256:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
            self._run_batch(batch)

    def _run_batch(self, batch: list[_Job]) -> None:
        results: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            # whatever the queued writes cite was written before they were queued: make it durable
            # first, outside the database lock, so other writers are not held up by fsync
            for hook in self.before_commit:
                hook()
            with self._write_lock, self._process_lock(), self._write_sessions() as s, s.begin():
                for group in _groups(batch):
                    if len(group) > 1 and self._run_group(s, group, results):
                        continue
                    for job in group:
                        try:
                            with s.begin_nested():
                                results.append((job, job.fn(s), None))
                        except Exception as exc:  # noqa: BLE001 - handed to the caller
                            results.append((job, None, exc))
        except Exception as exc:  # noqa: BLE001 - the commit failed: every job fails
            err: BaseException = (
                DatabaseError(f"database unavailable: {exc.orig}") if isinstance(exc, OperationalError) else exc
            )
            results = [(job, None, err) for job in batch]
        for job, value, error in results:
            job.loop.call_soon_threadsafe(_settle, job.fut, value, error)

    @staticmethod
    def _run_group(s: Session, group: list[_Job], results: list[tuple[_Job, Any, BaseException | None]]) -> bool:
        """Run staged writes of one kind in one savepoint with one flush; False when one failed
        (the savepoint is rolled back and nothing is added to ``results``)."""
        writes: list[StagedWrite[Any]] = [job.fn for job in group]  # type: ignore[misc]
        kind = type(writes[0])
        try:
            with s.begin_nested():
                kind.preload(s, writes)
                with s.no_autoflush:
                    for w in writes:
                        w.stage(s)
                s.flush()
                kind.after_flush(s, writes)
                with s.no_autoflush:
                    values = [w.finish(s) for w in writes]
                s.flush()
        except Exception as exc:  # noqa: BLE001 - each write runs again alone
            log.debug("db.group_retry", extra={"writes": len(writes), "error": repr(exc)})
            return False
        results.extend((job, value, None) for job, value in zip(group, values, strict=True))
        return True

    def close_writer(self) -> None:
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(None)
            self._writer.join(timeout=30)
        self._writer = None

    # -- schema ---------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        try:
            with self._write_lock, self.write_engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise DatabaseError(f"database unavailable: {exc.orig}") from exc

    def ping(self) -> None:
        with self.session() as s:
            s.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.close_writer()
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def _groups(batch: list[_Job]) -> Iterator[list[_Job]]:
    """Consecutive staged writes of one kind with distinct keys form a group; any other job is alone."""
    group: list[_Job] = []
    keys: set[Any] = set()
    for job in batch:
        fn = job.fn
        key = fn.key if isinstance(fn, StagedWrite) else None
        if group and (key is None or type(fn) is not type(group[0].fn) or key in keys):
            yield group
            group, keys = [], set()
        if key is not None:
            group.append(job)
            keys.add(key)
        else:
            yield [job]
    if group:
        yield group


class _Job:
    __slots__ = ("fn", "fut", "loop")

    def __init__(self, fn: Callable[[Session], Any], fut: asyncio.Future[Any], loop: asyncio.AbstractEventLoop):
        self.fn, self.fut, self.loop = fn, fut, loop


def _settle(fut: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if fut.done():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(value)
