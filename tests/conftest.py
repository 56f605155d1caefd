"""Shared fixtures: settings on a temp data dir, SQLite and PostgreSQL cores, the simulated site."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PRESSWATCH_ALLOW_PRIVATE", "1")

PG_URL = os.environ.get("PRESSWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_available() -> str | None:
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(PG_URL)
        with psycopg.connect(
            host=u.host, port=u.port or 5432, user=u.username, dbname=u.database, connect_timeout=3
        ):
            return None
    except Exception as exc:  # noqa: BLE001
        return str(exc)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    why = _pg_available()
    if why is not None:
        if os.environ.get("PRESSWATCH_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL required but unavailable: {why}")
        pytest.skip(f"PostgreSQL unavailable: {why}")
    return PG_URL


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(pg_admin_url)
    name = f"pw_test_{uuid.uuid4().hex[:12]}"
    kw = {"host": u.host, "port": u.port or 5432, "user": u.username, "dbname": u.database, "autocommit": True}
    with psycopg.connect(**kw) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield u.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**kw) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pw.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from presswatch.settings import Settings

    return Settings(data=tmp_path / "data", allow_private=True, confirm_checks=2, timeout=5.0)


@pytest.fixture
def core(settings):  # type: ignore[no-untyped-def]
    from presswatch.core import Presswatch

    c = Presswatch.open(settings)
    yield c
    c.close()


@pytest.fixture
def simsite():  # type: ignore[no-untyped-def]
    from presswatch.sim.site import SimSite

    site = SimSite(articles=12, seed=7).start()
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="session", autouse=True)
def _forget_test_queues() -> Iterator[None]:
    """At the end, delete the queues the scale-out tests made on the machine's brokers."""
    yield
    import sys

    support = sys.modules.get("workersupport")
    if support is not None:
        support.forget_queues()
