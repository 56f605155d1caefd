"""``verify`` is exact: it passes on every store an honest sequence of commands makes, and names every tampering.

Seeded random sequences of operations (check, state changes of the simulated site, ``run --once``,
``measure``, probe submissions, demands and their updates, incidents, notes, exports, ``log publish``)
build a store; ``verify`` must pass. Then each kind of damage is applied to its own copy of the store
(a flipped byte in a WARC record, an edited row, a deleted row, a deleted capture row that shares its
payload digest, a removed WARC request record, a dropped log entry, a forged row) and ``verify`` must
fail with a message naming the damaged row, record or entry.
"""

from __future__ import annotations

import json
import random
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import UniqueConstraint, create_engine, delete, insert, select, update
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from presswatch.cli import app
from presswatch.core import Presswatch
from presswatch.record.ledger import BACKLINKED_TABLES, LOGGED_TABLES, MUTABLE_COLUMNS, UNCOMMITTED_COLUMNS
from presswatch.settings import Settings

SCENARIOS: list[tuple[str, dict[str, Any]]] = [
    ("normal", {}),
    ("edit-paragraph", {"index": 1, "text": "A paragraph added after the ministry's letter."}),
    ("edit-headline", {"title": "Ministry demands removal, editors refuse"}),
    ("delete-404", {}),
    ("delete-410", {}),
    ("http-451", {}),
    ("redirect-home", {}),
    ("removal-notice", {"lang": "en"}),
    ("flaky-503", {"every": 1}),
    ("ab", {}),
    ("churn", {}),
]


def cli(env: dict[str, str], *args: str, code: int = 0) -> str:
    res = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert res.exit_code == code, res.output
    return str(res.stdout)


def open_core(env: dict[str, str]) -> Presswatch:
    return Presswatch.open(Settings(data=Path(env["PRESSWATCH_DATA"]), db=env.get("PRESSWATCH_DB")))


def with_core(env: dict[str, str], fn: Callable[[Presswatch], Any]) -> Any:
    core = open_core(env)
    try:
        return fn(core)
    finally:
        core.close()


def demand_data(n: int, url: str) -> dict[str, Any]:
    return {
        "title": f"Remove the article (letter {n})",
        "sender": {"name": "Ministry of Culture", "kind": "ministry", "country": "KG"},
        "recipient": {"name": "Portal News", "kind": "outlet", "country": "KG"},
        "date_received": "2026-03-02T08:00:00Z",
        "deadline": "2026-03-04",
        "channel": "letter",
        "legal_basis": [{"country": "KG", "citation": "Law on False Information, art. 4"}],
        "actions": ["remove"],
        "targets": [{"url": url}],
    }


def build_store(rng: random.Random, env: dict[str, str], site: Any, steps: int) -> list[str]:
    """Run a random honest sequence of operations; returns the operations run."""
    from presswatch.cases import demands as dm
    from presswatch.cases import incidents as inc
    from presswatch.probes.envelope import build_envelope
    from presswatch.probes.reachability import record_measurement
    from presswatch.record.ledger import Ledger

    urls = site.article_urls()[:5]
    cli(env, "check", *urls[:3], "--json")
    done = ["check"]
    demands: list[int] = []
    incidents: list[int] = []
    ops = ["check", "check", "state", "state", "run", "measure", "probe", "demand", "demand-update",
           "incident", "note", "export", "export", "publish"]  # fmt: skip
    sequence = list(dict.fromkeys(ops))  # every operation at least once, in random order, then more
    rng.shuffle(sequence)
    for op in sequence + rng.choices(ops, k=steps):
        url = rng.choice(urls)
        if op == "demand-update" and not demands:
            op = "demand"
        if op == "note" and not incidents:
            op = "incident"
        if op == "check":
            cli(env, "check", *rng.sample(urls, rng.randint(1, 3)), "--json")
        elif op == "state":
            state, params = rng.choice(SCENARIOS)
            site.set_state(url.rsplit("/", 1)[1], state, **params)
            cli(env, "check", url, "--json")
        elif op == "run":
            cli(env, "run", "--once")
        elif op == "measure":
            cli(env, "measure", url, "--country", rng.choice(["KG", "KZ"]), "--json")
        elif op == "probe":
            blocking = rng.choice([None, "dns", "tcp_ip"])
            keys = {"url": url, "blocking": blocking or False, "accessible": blocking is None, "down": False}

            def submit(core: Presswatch, keys: dict[str, Any] = keys) -> None:
                now = core.clock.now()
                envelope = build_envelope(keys, probe_id="probe-1", country="KZ", network="AS1 Net", start_time=now)
                core.db.write(
                    lambda s: record_measurement(
                        s, envelope, ledger=Ledger(core), signature="sig", probe_id="probe-1", received_at=now
                    )
                )

            with_core(env, submit)
        elif op == "demand":
            data = demand_data(len(demands), url)
            demands.append(with_core(env, partial(dm.add_demand, data=data)))
        elif op == "demand-update":
            did = rng.choice(demands)
            response = rng.choice(["refused", "complied", "partial", "pending"])
            with_core(env, partial(dm.set_response, demand_id=did, response=response, by="editor"))
        elif op == "incident":
            iid = with_core(env, partial(inc.create_incident, title=f"Incident {len(incidents)}"))
            incidents.append(iid)
            if demands:
                with_core(env, partial(inc.add_to_incident, incident_id=iid, demands=[rng.choice(demands)]))
            with_core(env, partial(inc.add_to_incident, incident_id=iid, urls=[urls[0]], countries=["KG"]))
        elif op == "note":
            note = partial(inc.add_note, incident_id=rng.choice(incidents), text="called the editor", author="a")
            with_core(env, note)
        elif op == "export":
            out = Path(env["PRESSWATCH_DATA"]).parent / f"export-{uuid.uuid4().hex[:6]}"
            fmt = rng.choice(["json", "csv", "warc", "bundle"])
            if fmt == "bundle" and incidents:
                cli(env, "export", "incident", str(rng.choice(incidents)), "--bundle", f"{out}.wacz")
                cli(env, "verify", f"{out}.wacz")  # the bundle verifies offline too
            elif fmt != "bundle":
                cli(env, "export", "--format", fmt, "--out", f"{out}.{fmt}")
        else:
            assert op == "publish", op
            cli(env, "log", "publish", "--json")
        done.append(op)
    return done


def verify(env: dict[str, str], ok: bool) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(cli(env, "verify", "--json", code=0 if ok else 1))
    return report


# -- what the log commits to (read from the entries, as a forger cannot change them unnoticed) -----------
@dataclass
class Committed:
    rows: dict[str, dict[str, Any]]  # ref -> latest commitment
    warc: dict[str, dict[str, Any]]  # capture ref -> WARC commitment
    size: int


def committed(env: dict[str, str]) -> Committed:
    from presswatch.record.ledger_models import LogEntry

    def read(core: Presswatch) -> Committed:
        rows: dict[str, dict[str, Any]] = {}
        warc: dict[str, dict[str, Any]] = {}
        with core.db.session() as s:
            entries = list(s.scalars(select(LogEntry).order_by(LogEntry.index)))
        superseded = set()
        latest_index: dict[str, int] = {}
        for e in entries:
            doc = json.loads(e.canonical)
            if doc.get("supersedes") is not None:
                superseded.add(doc["supersedes"])
            for ref, c in (doc.get("rows") or {}).items():
                rows[ref] = c
                latest_index[ref] = e.index
            warc.update(doc.get("warc") or {})
        rows = {r: c for r, c in rows.items() if latest_index[r] not in superseded}
        return Committed(rows, warc, len(entries))

    out: Committed = with_core(env, read)
    return out


def tamper_engine(db_url: str) -> Engine:
    """A plain engine with foreign keys not enforced (as a forger editing the database would have)."""
    engine = create_engine(db_url)
    if engine.dialect.name == "postgresql":
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _replica(dbapi_conn: Any, _rec: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute("SET session_replication_role = replica")

    return engine


def tables() -> dict[str, Any]:
    from presswatch.record.base import Base
    from presswatch.record.registry import import_all_models

    import_all_models()
    return dict(Base.metadata.tables)


def changed(rng: random.Random, col: Any, cur: Any) -> Any:
    """A different value of the column's type."""
    from datetime import UTC, datetime

    impl = getattr(col.type, "impl_instance", col.type)
    try:
        kind = impl.python_type
    except NotImplementedError:
        kind = type(cur)
    if cur is not None and col.nullable and rng.random() < 0.2:
        return None
    if kind is bool:
        return not cur if cur is not None else True
    if kind is int:
        return (cur or 0) + rng.randint(1, 5)
    if kind is float:
        return (cur or 0.0) + 1.25
    if kind is datetime:
        return (cur or datetime(2026, 1, 1, tzinfo=UTC)) + timedelta(seconds=rng.randint(1, 3600))
    if kind is str:
        if not cur:
            return "x"
        return cur[:-1] + ("y" if cur[-1] != "y" else "z")
    if isinstance(cur, dict):
        return {**cur, "tampered": 1}
    if isinstance(cur, list):
        return [*cur, "tampered"]
    return {"tampered": 1}


def _key(table: Any, ref: str) -> Any:
    pk = list(table.primary_key.columns)[0]
    raw = ref.partition(":")[2]
    return pk, (int(raw) if pk.type.python_type is int else raw)


# -- damages: each returns the strings one failure must contain (or None when it does not apply) --------
def flip_warc_byte(rng: random.Random, env: dict[str, str], c: Committed) -> list[str] | None:
    ref = rng.choice(sorted(c.warc))
    cap = c.rows.get(ref)
    if cap is None:
        return None
    regions = [(int(cap["offset"]), int(cap["length"]))]
    req = c.warc[ref].get("request")
    if req:
        regions.append((int(req["offset"]), int(req["length"])))
    start, length = rng.choice(regions)
    pos = start + rng.randrange(length)
    path = Path(env["PRESSWATCH_DATA"]) / cap["warc_file"]
    data = bytearray(path.read_bytes())
    data[pos] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))
    return [f"capture {cap['id']} ("]


def edit_row(rng: random.Random, env: dict[str, str], c: Committed) -> list[str] | None:
    ref = rng.choice(sorted(c.rows))
    table = tables()[ref.partition(":")[0]]
    pk, key = _key(table, ref)
    skip = UNCOMMITTED_COLUMNS | MUTABLE_COLUMNS.get(table.name, frozenset())
    cols = [col for col in table.columns if not col.primary_key and col.name not in skip]
    col = rng.choice(cols)
    engine = tamper_engine(env["PRESSWATCH_DB"])
    try:
        with engine.begin() as conn:
            cur = conn.execute(select(table.c[col.name]).where(pk == key)).scalar_one()
            conn.execute(update(table).where(pk == key).values({col.name: changed(rng, col, cur)}))
    finally:
        engine.dispose()
    return [f"row {ref} field '{col.name}'"]


def edit_backlink(rng: random.Random, env: dict[str, str], c: Committed) -> list[str] | None:
    """A row's pointer to its own log entry changed (it is not part of the row's commitment)."""
    refs = sorted(r for r in c.rows if r.partition(":")[0] in BACKLINKED_TABLES)
    if not refs:
        return None
    ref = rng.choice(refs)
    table = tables()[ref.partition(":")[0]]
    pk, key = _key(table, ref)
    engine = tamper_engine(env["PRESSWATCH_DB"])
    try:
        with engine.begin() as conn:
            conn.execute(update(table).where(pk == key).values(ledger_index=table.c.ledger_index + 1))
    finally:
        engine.dispose()
    return [f"row {ref} field 'ledger_index'"]


def delete_row(rng: random.Random, env: dict[str, str], c: Committed) -> list[str] | None:
    return _delete(env, rng.choice(sorted(c.rows)))


def _delete(env: dict[str, str], ref: str) -> list[str]:
    table = tables()[ref.partition(":")[0]]
    pk, key = _key(table, ref)
    engine = tamper_engine(env["PRESSWATCH_DB"])
    try:
        with engine.begin() as conn:
            assert conn.execute(delete(table).where(pk == key)).rowcount == 1
    finally:
        engine.dispose()
    return [f"row {ref} it describes is missing"]


def delete_shared_digest_capture(rng: random.Random, env: dict[str, str], c: Committed) -> list[str] | None:
    caps = {r: v for r, v in c.rows.items() if r.startswith("capture:")}
    shared = [r for r, v in caps.items() if sum(o["payload_digest"] == v["payload_digest"] for o in caps.values()) > 1]
    if not shared:
        return None
    return _delete(env, rng.choice(sorted(shared)))


def remove_request_record(rng: random.Random, env: dict[str, str], c: Committed) -> list[str] | None:
    with_request = sorted(r for r, w in c.warc.items() if w.get("request") and r in c.rows)
    if not with_request:
        return None
    ref = rng.choice(with_request)
    cap, req = c.rows[ref], c.warc[ref]["request"]
    path = Path(env["PRESSWATCH_DATA"]) / cap["warc_file"]
    data = path.read_bytes()
    start, end = int(req["offset"]), int(req["offset"]) + int(req["length"])
    assert b"WARC-Type: request" in __import__("gzip").decompress(data[start:end])
    path.write_bytes(data[:start] + data[end:])
    return [f"capture {cap['id']} (", "request record"]


def drop_entry(rng: random.Random, env: dict[str, str], c: Committed) -> list[str] | None:
    from presswatch.record.ledger_models import LogEntry

    index = rng.randrange(c.size)
    engine = tamper_engine(env["PRESSWATCH_DB"])
    try:
        with engine.begin() as conn:
            conn.execute(delete(LogEntry.__table__).where(LogEntry.__table__.c.index == index))
    finally:
        engine.dispose()
    return [f"log entry {index} missing"] if index < c.size - 1 else [f"log entries {index}..{index} missing"]


def forge_row(rng: random.Random, env: dict[str, str], c: Committed) -> list[str] | None:
    """A copy of a logged row inserted without its log entry."""
    candidates = sorted(r for r in c.rows if r.partition(":")[0] in LOGGED_TABLES and not r.startswith("measurement:"))
    if not candidates:
        return None
    ref = rng.choice(candidates)
    table = tables()[ref.partition(":")[0]]
    pk, key = _key(table, ref)
    engine = tamper_engine(env["PRESSWATCH_DB"])
    try:
        with engine.begin() as conn:
            row = dict(conn.execute(select(table).where(pk == key)).mappings().one())
            row.pop(pk.name)
            uniques = [[c] for c in table.columns if c.unique] + [
                list(u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)
            ]
            for cols in uniques:  # keep unique (combinations of) columns unique
                for col in cols:
                    if isinstance(row.get(col.name), str):
                        row[col.name] += "-copy"
                        break
                    if isinstance(row.get(col.name), int) and not col.foreign_keys:
                        row[col.name] += 100_000
                        break
            new = conn.execute(insert(table).values(row).returning(pk)).scalar_one()
    finally:
        engine.dispose()
    return [f"row {table.name}:{new} is not in the evidence log"]


DAMAGES: dict[str, Callable[[random.Random, dict[str, str], Committed], list[str] | None]] = {
    "warc-byte": flip_warc_byte,
    "row-edit": edit_row,
    "backlink-edit": edit_backlink,
    "row-delete": delete_row,
    "shared-digest-capture-delete": delete_shared_digest_capture,
    "request-record-removed": remove_request_record,
    "entry-dropped": drop_entry,
    "row-forged": forge_row,
}


def assert_named(report: dict[str, Any], needles: list[str], what: str) -> None:
    assert not report["ok"], f"{what}: verify passed on a damaged store"
    hits = [f for f in report["failures"] if all(n in f for n in needles)]
    assert hits, f"{what}: no failure names {needles}: {report['failures']}"


# -- the property -------------------------------------------------------------------------------------
def _env(data: Path, db_url: str) -> dict[str, str]:
    return {
        "PRESSWATCH_DATA": str(data),
        "PRESSWATCH_DB": db_url,
        "PRESSWATCH_ALLOW_PRIVATE": "1",
        "PRESSWATCH_TIMEOUT": "5",
        "PRESSWATCH_CONFIRM_CHECKS": "2",
    }


TRIALS = 2  # damages of each kind per store


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_verify_is_exact_sqlite(seed: int, tmp_path: Path) -> None:
    from presswatch.sim.site import SimSite

    rng = random.Random(seed)
    base = tmp_path / "base"
    env = _env(base / "data", f"sqlite:///{base / 'pw.sqlite3'}")
    with SimSite(articles=6, seed=seed).start() as site:
        ops = build_store(rng, env, site, steps=6)
    report = verify(env, ok=True)
    assert report["ok"], (ops, report["failures"])
    c = committed(env)
    applied = set()
    for trial in range(TRIALS):
        for name, damage in DAMAGES.items():
            copy = tmp_path / f"{name}-{trial}"
            shutil.copytree(base, copy)
            denv = _env(copy / "data", f"sqlite:///{copy / 'pw.sqlite3'}")
            needles = damage(random.Random(f"{seed}-{name}-{trial}"), denv, c)
            if needles is not None:
                applied.add(name)
                assert_named(verify(denv, ok=False), needles, f"seed {seed} ops {ops} damage {name}")
            shutil.rmtree(copy)
    assert applied >= set(DAMAGES) - {"shared-digest-capture-delete", "backlink-edit"}, applied


@pytest.mark.postgres
def test_verify_is_exact_postgres(tmp_path: Path, pg_url: str) -> None:
    """The same on PostgreSQL: each damage on its own copy of the database (CREATE DATABASE … TEMPLATE)."""
    import psycopg

    from presswatch.sim.site import SimSite

    seed = 4
    rng = random.Random(seed)
    env = _env(tmp_path / "base" / "data", pg_url)
    with SimSite(articles=6, seed=seed).start() as site:
        ops = build_store(rng, env, site, steps=4)
    report = verify(env, ok=True)
    assert report["ok"], (ops, report["failures"])
    c = committed(env)
    u = make_url(pg_url)
    kw: dict[str, Any] = {"host": u.host, "port": u.port or 5432, "user": u.username, "dbname": "postgres",
                          "autocommit": True}  # fmt: skip
    for name, damage in DAMAGES.items():
        copy_db = f"{u.database}_{name.replace('-', '_')[:20]}"
        with psycopg.connect(**kw) as conn:
            conn.execute(f'CREATE DATABASE "{copy_db}" TEMPLATE "{u.database}"')
        try:
            shutil.copytree(tmp_path / "base", tmp_path / name)
            denv = _env(tmp_path / name / "data", u.set(database=copy_db).render_as_string(hide_password=False))
            needles = damage(random.Random(f"{seed}-{name}"), denv, c)
            if needles is not None:
                assert_named(verify(denv, ok=False), needles, f"postgres ops {ops} damage {name}")
        finally:
            with psycopg.connect(**kw) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{copy_db}" WITH (FORCE)')
