"""The evidence log: appends, signed tree heads, publication, whole-store verification and tampering."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import delete, select, update
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.record.ledger import Ledger, SignedTreeHead, VerificationReport, canonical_json
from presswatch.record.ledger_models import LogEntry, LogState, TreeHead
from presswatch.record.merkle import leaf_hash, verify_consistency, verify_inclusion
from presswatch.record.models import Capture, Observation, Watch
from presswatch.settings import Settings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# -- helpers (also used by test_bundle) ---------------------------------------------------------------
def open_core(data: Path, db_url: str | None = None) -> Presswatch:
    return Presswatch.open(Settings(data=data, db=db_url), clock=FakeClock(T0))


def add_capture(
    core: Presswatch, url: str, body: bytes, *, gz: bool = True, name: str | None = None
) -> Capture:
    """Write one HTTP response record with warcio and insert its capture row."""
    warc_dir = core.data_dir / "warc"
    warc_dir.mkdir(parents=True, exist_ok=True)
    rel = f"warc/{name or ('test.warc.gz' if gz else 'test.warc')}"
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    rec = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
    )
    writer.write_record(rec)
    path = core.data_dir / rel
    with open(path, "ab") as fh:
        offset = fh.tell()
        fh.write(buf.getvalue())
    h = rec.rec_headers

    def insert(s):  # type: ignore[no-untyped-def]
        c = Capture(
            url=url,
            captured_at=T0,
            warc_file=rel,
            offset=offset,
            length=len(buf.getvalue()),
            record_type="response",
            record_id=h.get_header("WARC-Record-ID"),
            payload_digest=h.get_header("WARC-Payload-Digest"),
            block_digest=h.get_header("WARC-Block-Digest"),
            http_status=200,
        )
        s.add(c)
        s.flush()
        return c

    return core.db.write(insert)


def observe(
    core: Presswatch, ledger: Ledger, url: str, body: bytes, status: str = "new", **kw
) -> tuple[int, int]:
    """Archive a page, record an observation row and log it in the same transaction: (obs id, index)."""
    cap = add_capture(core, url, body, **kw)

    def txn(s):  # type: ignore[no-untyped-def]
        w = s.scalars(select(Watch).where(Watch.url == url)).first()
        if w is None:
            w = Watch(url=url, host="news.test", created_at=T0, next_check_at=T0)
            s.add(w)
            s.flush()
        o = Observation(
            watch_id=w.id, url=url, checked_at=T0, status=status, http_status=200, capture_id=cap.id
        )
        s.add(o)
        s.flush()
        rec = {
            "watch_id": w.id,
            "url": url,
            "status": status,
            "http_status": 200,
            "checked_at": T0,
            "capture_id": cap.id,
        }
        return o.id, ledger.append(
            s, "observation", rec, digests=[cap.payload_digest], ref=f"observation:{o.id}"
        )

    return core.db.write(txn)


def flip_byte(path: Path, pos: int) -> None:
    data = bytearray(path.read_bytes())
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))


def failures_about(report: VerificationReport, *needles: str) -> list[str]:
    return [f for f in report.failures if all(n in f for n in needles)]


@pytest.fixture
def pw(tmp_path: Path):  # type: ignore[no-untyped-def]
    core = open_core(tmp_path / "data")
    yield core
    core.close()


@pytest.fixture
def populated(pw: Presswatch):  # type: ignore[no-untyped-def]
    ledger = Ledger(pw)
    obs = []
    for i in range(6):
        obs.append(observe(pw, ledger, f"https://news.test/a/{i}", f"<p>article {i}</p>".encode()))
        if i in (1, 4):
            ledger.sign_tree_head()
            pw.clock.advance(60)  # type: ignore[attr-defined]
    ledger.sign_tree_head()
    return pw, ledger, obs


# -- canonical JSON -----------------------------------------------------------------------------------
def test_canonical_json():
    assert canonical_json({"b": 1, "a": [True, None, "x"]}) == b'{"a":[true,null,"x"],"b":1}'
    assert canonical_json({"é": "ü\n\u2028", "z": "\x01"}) == '{"z":"\\u0001","é":"ü\\n\u2028"}'.encode()
    assert canonical_json([1.0, 0.1, -0.0, 1e21, 1e-7, 123456789012.5, 2.5e-5, 1e20]) == (
        b"[1,0.1,0,1e+21,1e-7,123456789012.5,0.000025,100000000000000000000]"
    )
    assert canonical_json(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == b'"2026-01-02T03:04:05.000000Z"'
    # RFC 8785 sorts keys by UTF-16 code units: U+1F600 (surrogates D83D…) sorts before U+FB01
    assert canonical_json({"\ufb01": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb01":1}'.encode()
    for bad in (float("nan"), float("inf"), {1: "x"}, {"s": {1, 2}}, b"bytes"):
        with pytest.raises((TypeError, ValueError)):
            canonical_json(bad)


# -- appending and proofs --------------------------------------------------------------------------------
def test_append_returns_gap_free_indices_and_proofs_verify(populated):
    pw, ledger, obs = populated
    assert [i for _, i in obs] == list(range(6))
    assert ledger.size() == 6
    sth = ledger.latest_tree_head()
    assert sth is not None and sth.tree_size == 6 and sth.verify_signature(ledger.public_key)
    for e in ledger.entries(range(6)):
        assert e.leaf_hash == leaf_hash(e.canonical)
        doc = json.loads(e.canonical)
        assert doc["index"] == e.index and doc["kind"] == "observation" and len(doc["digests"]) == 1
        proof = ledger.inclusion(e.index, 6)
        assert verify_inclusion(e.index, 6, e.leaf_hash, proof, sth.root_hash)
    heads = ledger.tree_heads()
    assert [h.tree_size for h in heads] == [2, 5, 6]
    assert verify_consistency(2, 6, heads[0].root_hash, sth.root_hash, ledger.consistency(2, 6))
    # no new head when nothing was appended
    assert ledger.sign_tree_head() == sth and len(ledger.tree_heads()) == 3


def test_key_is_private_and_reused(pw):
    ledger = Ledger(pw)
    ledger.sign_tree_head()
    mode = stat.S_IMODE(os.stat(ledger.key_path).st_mode)
    assert mode == 0o600
    assert Ledger(pw).key_id == ledger.key_id


def test_append_validates_input(pw):
    ledger = Ledger(pw)
    with pytest.raises(ValueError):
        ledger.append_now("observation", {}, digests=["not a digest"])
    with pytest.raises(ValueError):
        ledger.append_now("observation", {}, supersedes=0)  # nothing to supersede yet
    with pytest.raises(TypeError):
        ledger.append_now("observation", {"x": object()})
    assert ledger.size() == 0


def test_rolled_back_append_leaves_intact_chain(populated):
    pw, ledger, _ = populated

    def boom(s):  # type: ignore[no-untyped-def]
        ledger.append(s, "change", {"note": "half-done"})
        raise RuntimeError("crash after append, before commit")

    with pytest.raises(RuntimeError):
        pw.db.write(boom)
    assert ledger.size() == 6
    assert ledger.append_now("change", {"note": "next"}) == 6
    ledger.sign_tree_head()
    report = ledger.verify_store()
    assert report.ok, report.failures


def test_killed_process_mid_append_leaves_intact_chain(populated, tmp_path):
    pw, ledger, _ = populated
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from presswatch.core import Presswatch
        from presswatch.record.ledger import Ledger
        from presswatch.settings import Settings
        core = Presswatch.open(Settings(data=Path({str(pw.data_dir)!r})))
        ledger = Ledger(core)
        def txn(s):
            for i in range(3):
                ledger.append(s, "change", {{"n": i}})
            os._exit(9)  # killed inside the transaction
        core.db.write(txn)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == 9, proc.stderr.decode()
    assert ledger.size() == 6
    assert ledger.append_now("change", {"n": "after"}) == 6
    assert ledger.verify_store().ok


def test_supersede_is_a_new_entry(populated):
    pw, ledger, obs = populated
    obs_id, index = obs[2]

    def correct(s):  # type: ignore[no-untyped-def]
        o = s.get(Observation, obs_id)
        o.status = "edited"
        return ledger.append(
            s,
            "observation",
            {"status": "edited", "note": "reclassified"},
            ref=f"observation:{obs_id}",
            supersedes=index,
        )

    new = pw.db.write(correct)
    assert new == 6
    assert json.loads(ledger.entry(6).canonical)["supersedes"] == index
    assert ledger.entry(index).canonical == ledger.entries([index])[0].canonical  # untouched
    report = ledger.verify_store()
    assert report.ok, report.failures


# -- whole-store verification ---------------------------------------------------------------------------
def test_happy_path_verifies(populated):
    _, ledger, _ = populated
    seen: list[tuple[int, int]] = []
    report = ledger.verify_store(progress=lambda d, t: seen.append((d, t)))
    assert report.ok, report.failures
    assert report.checked["entries"] == 6
    assert report.checked["captures"] == 6
    assert report.checked["tree_heads"] == 3
    assert report.checked["consistency_proofs"] == 2
    assert report.checked["rows"] == 6
    assert seen


def test_tamper_warc_byte(populated):
    pw, ledger, _ = populated
    with pw.db.session() as s:
        cap = s.scalars(select(Capture).order_by(Capture.id).offset(3)).first()
    flip_byte(pw.data_dir / cap.warc_file, cap.offset + cap.length - 20)
    report = ledger.verify_store()
    assert not report.ok
    assert failures_about(report, f"capture {cap.id}", cap.payload_digest, "cited by entry 3")
    assert all(f"capture {cap.id}" in f for f in report.failures)


def test_tamper_uncompressed_warc_payload(pw):
    ledger = Ledger(pw)
    observe(pw, ledger, "https://news.test/plain", b"<p>original wording</p>", gz=False)
    with pw.db.session() as s:
        cap = s.scalars(select(Capture)).one()
    path = pw.data_dir / cap.warc_file
    data = path.read_bytes()
    pos = data.index(b"original")
    path.write_bytes(data[:pos] + b"ORIGINAL" + data[pos + 8 :])
    report = ledger.verify_store()
    assert not report.ok
    assert failures_about(report, f"capture {cap.id}", "WARC-Payload-Digest")
    assert failures_about(report, f"capture {cap.id}", "WARC-Block-Digest")


def test_tamper_database_row(populated):
    pw, ledger, obs = populated
    obs_id, index = obs[4]
    pw.db.write(
        lambda s: s.execute(update(Observation).where(Observation.id == obs_id).values(status="removed"))
    )
    report = ledger.verify_store()
    assert not report.ok
    assert report.failures == [
        f"entry {index}: row observation:{obs_id} field 'status' is 'removed', the log says 'new'"
    ]


def test_tamper_deleted_row_and_capture(populated):
    pw, ledger, obs = populated
    obs_id, index = obs[0]
    pw.db.write(lambda s: s.execute(delete(Observation).where(Observation.id == obs_id)))
    report = ledger.verify_store()
    assert failures_about(report, f"entry {index}", f"observation:{obs_id}", "missing")


def test_tamper_drop_entry(populated):
    pw, ledger, _ = populated
    pw.db.write(lambda s: s.execute(delete(LogEntry).where(LogEntry.index == 3)))
    report = ledger.verify_store()
    assert not report.ok
    assert failures_about(report, "log entry 3 missing")
    assert failures_about(report, "tree head", "size 5")  # the later heads no longer match


def test_tamper_reorder_entries(populated):
    pw, ledger, _ = populated

    def swap(s):  # type: ignore[no-untyped-def]
        a = s.scalars(select(LogEntry).where(LogEntry.index == 2)).one()
        b = s.scalars(select(LogEntry).where(LogEntry.index == 3)).one()
        a.canonical, b.canonical = b.canonical, a.canonical
        a.leaf_hash, b.leaf_hash = b.leaf_hash, a.leaf_hash
        a.ref, b.ref = b.ref, a.ref

    pw.db.write(swap)
    report = ledger.verify_store()
    assert not report.ok
    assert failures_about(report, "entry 2", "records index 3")
    assert failures_about(report, "entry 3", "records index 2")
    assert failures_about(report, "tree head", "root hash does not match")


def test_tamper_entry_content(populated):
    pw, ledger, _ = populated

    def edit(s):  # type: ignore[no-untyped-def]
        e = s.scalars(select(LogEntry).where(LogEntry.index == 1)).one()
        e.canonical = e.canonical.replace(b'"status":"new"', b'"status":"old"')

    pw.db.write(edit)
    report = ledger.verify_store()
    assert failures_about(report, "entry 1", "leaf hash does not match")


def test_tamper_signature(populated):
    pw, ledger, _ = populated

    def flip(s):  # type: ignore[no-untyped-def]
        h = s.scalars(select(TreeHead).where(TreeHead.tree_size == 5)).one()
        h.signature = bytes([h.signature[0] ^ 1]) + h.signature[1:]
        return h.id

    head_id = pw.db.write(flip)
    report = ledger.verify_store()
    assert report.failures == [f"tree head #{head_id} (size 5): signature does not verify"]


def test_rewritten_history_with_valid_signatures_is_caught(populated):
    """An operator who rewrites an old entry and re-signs still breaks consistency with earlier heads."""
    pw, ledger, _ = populated

    def rewrite(s):  # type: ignore[no-untyped-def]
        entries = list(s.scalars(select(LogEntry).order_by(LogEntry.index)))
        e = entries[0]
        doc = json.loads(e.canonical)
        doc["record"]["status"] = "removed"
        e.canonical = canonical_json(doc)
        e.leaf_hash = leaf_hash(e.canonical)
        from presswatch.record.merkle import CompactRange

        cr = CompactRange()
        for x in entries:
            cr.append(x.leaf_hash)
        st = s.get(LogState, 1)
        st.root_hash, st.frontier = cr.root(), cr.to_bytes()

    pw.db.write(rewrite)
    pw.db.write(lambda s: s.execute(update(Observation).values(status="removed")))
    ledger.append_now("change", {"note": "after the rewrite"})
    new_head = ledger.sign_tree_head()
    assert new_head.verify_signature(ledger.public_key)
    report = ledger.verify_store()
    assert not report.ok
    assert failures_about(report, "tree heads", "(sizes 6 → 7): not consistent")


# -- publication and fork detection ---------------------------------------------------------------------
def test_publish_writes_sth_and_feed(populated):
    pw, ledger, _ = populated
    sth = ledger.publish()
    out = pw.data_dir / "published"
    loaded = SignedTreeHead.load(out / "sth-6.json")
    assert loaded == sth and loaded.verify_signature(ledger.public_key)
    feed = ET.parse(out / "tree-heads.atom").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == ["Tree head size 6", "Tree head size 5", "Tree head size 2"]
    content = feed.find("a:entry/a:content", ns)
    assert content is not None and json.loads(content.text or "")["tree_size"] == 6
    assert (out / "log-key.pem").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_verify_against_published_head(populated):
    pw, ledger, _ = populated
    early = ledger.publish()
    ledger.append_now("change", {"note": "later"})
    assert ledger.verify_against(early).ok
    assert ledger.verify_against(ledger.publish()).ok


def test_forked_log_detected(tmp_path, populated):
    pw, ledger, _ = populated
    published = ledger.publish()  # size 6, held by outsiders
    # the same operator key, but a log whose history diverges at entry 2
    fork = open_core(tmp_path / "fork")
    (fork.data_dir / "keys").mkdir(parents=True)
    (fork.data_dir / "keys" / "log-ed25519.pem").write_bytes(ledger.key_path.read_bytes())
    fl = Ledger(fork)
    for i in range(8):
        fl.append_now("change", {"n": i if i != 2 else "rewritten"})
    report = fl.verify_against(published)
    assert not report.ok
    assert report.failures == [
        f"forked log: published tree head (size 6, root {published.root_hash.hex()[:16]}…) "
        "is not consistent with the current log (size 8)"
    ]
    # a head larger than the log (the log was truncated)
    fl2 = open_core(tmp_path / "short")
    (fl2.data_dir / "keys").mkdir(parents=True)
    (fl2.data_dir / "keys" / "log-ed25519.pem").write_bytes(ledger.key_path.read_bytes())
    short = Ledger(fl2)
    short.append_now("change", {"n": 0})
    assert failures_about(short.verify_against(published), "forked log", "larger than the current log")
    # a head signed by someone else
    forged = SignedTreeHead(
        published.tree_size, published.timestamp, published.root_hash, fl.signing_key.sign(b"x"), "00" * 32
    )
    assert failures_about(ledger.verify_against(forged), "signed by key 0000")
    fork.close()
    fl2.close()


def test_timestamps_from_clock(pw):
    ledger = Ledger(pw)
    ledger.append_now("change", {})
    pw.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    sth = ledger.sign_tree_head()
    assert sth.time == T0 + timedelta(hours=1)
    assert json.loads(ledger.entry(0).canonical)["created_at"] == "2026-03-01T12:00:00.000000Z"


def test_ledger_on_both_databases(db_url, tmp_path):
    core = open_core(tmp_path / "d", db_url)
    try:
        ledger = Ledger(core)
        for i in range(5):
            observe(core, ledger, f"https://news.test/{i}", f"body {i}".encode())
        ledger.sign_tree_head()
        ledger.append_now("change", {"x": 1.5})
        ledger.sign_tree_head()
        report = ledger.verify_store()
        assert report.ok, report.failures
        assert report.checked["entries"] == 6
    finally:
        core.close()


def test_many_appends_in_one_transaction_and_savepoint_rollback(pw):
    ledger = Ledger(pw)

    def txn(s):  # type: ignore[no-untyped-def]
        first = [ledger.append(s, "change", {"n": i}) for i in range(50)]
        sp = s.begin_nested()
        ledger.append(s, "change", {"n": "discarded"})
        sp.rollback()
        return first, ledger.append(s, "change", {"n": "kept"})

    first, last = pw.db.write(txn)
    assert first == list(range(50)) and last == 50
    assert ledger.size() == 51
    assert b"discarded" not in b"".join(e.canonical for e in ledger.entries(range(51)))
    ledger.sign_tree_head()
    assert ledger.verify_store().ok


def test_missing_signing_key_is_named(populated):
    pw, ledger, _ = populated
    ledger.key_path.unlink()
    report = Ledger(pw).verify_store()
    assert failures_about(report, "signing key", "is missing")
    assert not Ledger(pw).key_path.exists()  # verification never creates a key


# -- honest stores made by the commands; tampering the log must name ------------------------------------
def _cli(env: dict[str, str], *args: str) -> list[dict]:
    from typer.testing import CliRunner

    from presswatch.cli import app

    res = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]


@pytest.fixture
def cli_store(tmp_path: Path, simsite):  # type: ignore[no-untyped-def]
    """A store made by ``check`` (new, unchanged via revisit/304, edited) and ``measure``."""
    env = {"PRESSWATCH_DATA": str(tmp_path / "cli"), "PRESSWATCH_ALLOW_PRIVATE": "1", "PRESSWATCH_TIMEOUT": "5"}
    urls = simsite.article_urls()[:3]
    _cli(env, "check", *urls, "--json")
    _cli(env, "check", *urls, "--json")
    simsite.set_state(urls[1].rsplit("/", 1)[1], "edit-paragraph", index=1, text="A new paragraph, added later.")
    _cli(env, "check", *urls, "--json")
    _cli(env, "measure", urls[0], "--country", "KG", "--json")
    core = Presswatch.open(Settings(data=tmp_path / "cli"))
    yield core, Ledger(core), urls
    core.close()


def test_verify_passes_on_a_store_made_by_the_commands(cli_store):
    core, ledger, _ = cli_store
    report = ledger.verify_store()
    assert report.ok, report.failures
    assert report.checked["rows"] >= 10


def test_every_observation_and_measurement_is_in_the_log(cli_store):
    from presswatch.record.measure_models import Measurement

    core, ledger, _ = cli_store
    with core.db.session() as s:
        refs = set(s.scalars(select(LogEntry.ref)))
        obs = [f"observation:{i}" for i in s.scalars(select(Observation.id))]
        meas = [f"measurement:{i}" for i in s.scalars(select(Measurement.id))]
    assert obs and meas
    assert not [r for r in obs + meas if r not in refs]


def test_no_silent_path_around_the_log(tmp_path, simsite, monkeypatch):
    """The check records its observation only together with its log entry; no import can skip it."""
    monkeypatch.setitem(sys.modules, "presswatch.record.ledger", None)  # any import of it fails
    env = {"PRESSWATCH_DATA": str(tmp_path / "d"), "PRESSWATCH_ALLOW_PRIVATE": "1", "PRESSWATCH_TIMEOUT": "5"}
    from typer.testing import CliRunner

    from presswatch.cli import app

    CliRunner().invoke(app, ["check", simsite.article_urls()[0], "--json"], env=env)
    monkeypatch.undo()
    core = Presswatch.open(Settings(data=tmp_path / "d"))
    try:
        with core.db.session() as s:
            obs = set(s.scalars(select(Observation.id)))
            logged = set(s.scalars(select(LogEntry.ref).where(LogEntry.kind == "observation")))
        assert {f"observation:{i}" for i in obs} <= logged
    finally:
        core.close()


def test_unlogged_row_is_named(cli_store):
    core, ledger, _ = cli_store

    def forge(s):  # type: ignore[no-untyped-def]
        w = s.scalars(select(Watch)).first()
        o = Observation(watch_id=w.id, url=w.url, checked_at=T0, status="removed", http_status=404)
        s.add(o)
        s.flush()
        return o.id

    oid = core.db.write(forge)
    report = ledger.verify_store()
    assert failures_about(report, f"observation:{oid}", "not in the evidence log")


def _revisit_capture(core: Presswatch) -> Capture:
    with core.db.session() as s:
        caps = list(s.scalars(select(Capture).order_by(Capture.id)))
    for c in caps:
        if sum(1 for o in caps if o.payload_digest == c.payload_digest) > 1 and c.record_type == "revisit":
            return c
    for c in caps:
        if sum(1 for o in caps if o.payload_digest == c.payload_digest) > 1:
            return c
    raise AssertionError("no capture shares its payload digest")


def tamper_sql(core: Presswatch, sql: str, params: dict | None = None) -> None:
    """Run SQL behind presswatch's back, with foreign keys not enforced (as a forger would)."""
    from sqlalchemy import text

    url = core.db.engine.url
    if url.get_backend_name() == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.database)
        try:
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute(sql, params or {})
            conn.commit()
        finally:
            conn.close()
        return
    with core.db.engine.connect() as c:
        c.exec_driver_sql("SET session_replication_role = replica")
        c.execute(text(sql), params or {})
        c.commit()


def _delete_row(core: Presswatch, table: str, key: object) -> None:
    tamper_sql(core, f"DELETE FROM {table} WHERE id = :k", {"k": key})


def test_deleted_capture_row_sharing_its_digest_is_named(cli_store):
    core, ledger, _ = cli_store
    c = _revisit_capture(core)
    _delete_row(core, "capture", c.id)
    report = ledger.verify_store()
    assert failures_about(report, f"capture:{c.id}", "missing"), report.failures


def test_removed_warc_request_record_is_named(cli_store):
    import zlib

    core, ledger, _ = cli_store
    with core.db.session() as s:
        c = s.scalars(select(Capture).order_by(Capture.id.desc())).first()
    path = core.data_dir / c.warc_file
    data = path.read_bytes()
    start = c.offset + c.length
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    d.decompress(data[start:])
    assert d.eof and b"WARC-Type: request" in zlib.decompress(data[start:], 16 + zlib.MAX_WBITS)[:200]
    end = len(data) - len(d.unused_data)
    path.write_bytes(data[:start] + data[end:])
    report = ledger.verify_store()
    assert failures_about(report, f"capture {c.id}", "request record"), report.failures


def test_demand_update_without_changes_leaves_the_row_as_logged(pw):
    """Found by the property test: a no-op update re-applied the record (whole seconds) to the row."""
    from presswatch.cases import demands as dm

    pw.clock.advance(timedelta(microseconds=67814))  # type: ignore[attr-defined]
    data = {
        "title": "Remove the article",
        "sender": {"name": "Ministry", "kind": "ministry", "country": "KG"},
        "recipient": {"name": "Portal", "kind": "outlet", "country": "KG"},
        "actions": ["remove"],
        "targets": [{"url": "https://news.test/a"}],
    }
    did = dm.add_demand(pw, data, follow=False)
    dm.set_response(pw, did, "refused", by="editor")
    pw.clock.advance(1)  # type: ignore[attr-defined]
    dm.set_response(pw, did, "refused", by="editor")  # nothing changes: no revision
    report = Ledger(pw).verify_store()
    assert report.ok, report.failures


def test_write_lock_is_released_while_a_forked_child_lives(pw):
    """A worker forked during a write (the analysis pool) must not keep the write lock held."""
    import threading
    import time

    ledger = Ledger(pw)

    def txn(s):  # type: ignore[no-untyped-def]
        ledger.append(s, "change", {"n": 0})
        pid = os.fork()
        if pid == 0:  # the child inherits the lock's descriptor and outlives the write
            time.sleep(120)
            os._exit(0)
        return pid

    pid = pw.db.write(txn)
    try:
        done = threading.Thread(target=lambda: ledger.append_now("change", {"n": 1}), daemon=True)
        done.start()
        done.join(60)  # generous: a held lock blocks forever, a free one takes milliseconds
        assert not done.is_alive(), "the next write waits for a lock nobody is using"
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert ledger.size() == 2


def test_format_1_entries_are_checked_for_presence(pw, monkeypatch):
    """Stores begun before entries committed to rows: presence is checked, the rest is said in notes."""
    import presswatch.record.ledger as ledger_mod

    ledger = Ledger(pw)
    monkeypatch.setattr(ledger_mod, "ENTRY_VERSION", 1)
    obs_id, index = observe(pw, ledger, "https://news.test/old", b"<p>old</p>")
    monkeypatch.undo()
    observe(pw, ledger, "https://news.test/new", b"<p>new</p>")
    pw.db.write(lambda s: s.execute(update(Observation).where(Observation.id == obs_id).values(status="edited")))
    report = ledger.verify_store()
    assert report.ok, report.failures
    assert [n for n in report.notes if "format 1" in n]
    pw.db.write(lambda s: s.execute(delete(Observation).where(Observation.id == obs_id)))
    assert failures_about(ledger.verify_store(), f"entry {index}", f"observation:{obs_id}", "missing")
