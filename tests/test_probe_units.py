"""Keys, envelopes, request signatures, the spool and test-list import."""

from __future__ import annotations

import stat
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from presswatch.clock import FakeClock
from presswatch.core import Presswatch
from presswatch.errors import ConfigError, VerificationError
from presswatch.probes import envelope as env
from presswatch.probes.lists import import_test_list, list_entries, parse_test_list
from presswatch.probes.spool import Spool
from presswatch.settings import Settings

SHARED_LISTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "test-lists"
T = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)


def test_key_file_is_private_and_round_trips(tmp_path: Path) -> None:
    key = env.generate_key()
    path = tmp_path / "k" / "probe_key.pem"
    env.save_key(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert env.public_key_b64(env.load_key(path)) == env.public_key_b64(key)
    path.write_text("garbage")
    with pytest.raises(ConfigError):
        env.load_key(path)


def test_envelope_signature_covers_every_field() -> None:
    key = env.generate_key()
    pub = env.public_key_b64(key)
    e = env.build_envelope(
        {"url": "https://a.example/", "blocking": "dns", "when": T, "nested": {"b": 1, "a": [1.5, None]}},
        probe_id="p",
        country="kz",
        network="AS1",
        start_time=T,
    )
    assert e["probe_cc"] == "KZ" and e["measurement_start_time"] == "2026-02-01T09:30:00Z"
    assert e["input"] == "https://a.example/" and uuid.UUID(e["measurement_id"])
    sig = env.sign_envelope(key, e)
    env.verify_envelope(pub, e, sig)
    env.verify_envelope(pub, dict(reversed(list(e.items()))), sig)  # key order does not matter
    for tamper in ({"probe_cc": "RU"}, {"test_keys": {**e["test_keys"], "blocking": False}}):
        with pytest.raises(VerificationError):
            env.verify_envelope(pub, {**e, **tamper}, sig)
    with pytest.raises(VerificationError):
        env.verify_envelope(env.public_key_b64(env.generate_key()), e, sig)


def test_request_signature_binds_method_path_time_nonce_body() -> None:
    key = env.generate_key()
    pub = env.public_key_b64(key)
    h = env.sign_request(key, "p1", "POST", "/api/v1/measurements", b"{}", T)
    args = ("POST", "/api/v1/measurements", b"{}", h[env.H_TIMESTAMP], h[env.H_NONCE], h[env.H_SIGNATURE])
    env.verify_request(pub, *args)
    for i, other in enumerate(("GET", "/api/v1/control", b"{ }", "2026-02-01T09:31:00Z", "00" * 16)):
        bad = list(args)
        bad[i] = other
        with pytest.raises(VerificationError):
            env.verify_request(pub, *bad)  # type: ignore[arg-type]
    assert env.sign_request(key, "p1", "GET", "/x", b"", T)[env.H_NONCE] != h[env.H_NONCE]


def test_spool_one_atomic_file_per_measurement(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    envs = [
        env.build_envelope(
            {"url": f"https://a.example/{i}"}, probe_id="p", country="KZ", network="", start_time=T
        )
        for i in range(3)
    ]
    for e in envs:
        spool.put(e, "sig")
    spool.put(envs[0], "sig")  # same id: same file, not a second measurement
    assert len(spool) == 3
    (tmp_path / "spool" / "broken.json").write_text("{")
    items = spool.pending()
    assert sorted(i.measurement_id for i in items) == sorted(e["measurement_id"] for e in envs)
    assert all(stat.S_IMODE(i.path.stat().st_mode) == 0o600 for i in items)
    spool.remove(items[0])
    assert len(spool.pending()) == 2
    with pytest.raises(ValueError):
        spool.put({**envs[0], "measurement_id": "../escape"}, "sig")


CSV = """url,category_code,category_description,date_added,source,notes
http://www.akorda.kz/,GOVT,Government,2014-04-15,citizenlab,
https://news.example.kz/,NEWS,News Media,2020-01-01,presswatch,"a, quoted note"
not a url,NEWS,News Media,2020-01-01,x,
http://www.akorda.kz/,GOVT,Government,2014-04-15,citizenlab,duplicate row
"""


def test_parse_and_import_test_list(tmp_path: Path) -> None:
    rows = parse_test_list(CSV)
    assert [r["url"] for r in rows] == [
        "http://www.akorda.kz/",
        "https://news.example.kz/",
        "http://www.akorda.kz/",
    ]
    assert rows[1]["notes"] == "a, quoted note" and rows[0]["notes"] is None
    with pytest.raises(ConfigError, match="url"):
        parse_test_list("a,b\n1,2\n")
    core = Presswatch.open(Settings(data=tmp_path / "d"), clock=FakeClock(T))
    try:
        src = tmp_path / "kz.csv"
        src.write_text(CSV)
        r = import_test_list(core, str(src), "kz")
        assert (r.added, r.updated, r.skipped, r.total) == (2, 0, 1, 2)
        src.write_text(CSV.replace("News Media,2020", "News,2020"))
        r = import_test_list(core, str(src), "KZ")
        assert (r.added, r.updated, r.total) == (0, 1, 2)
        with core.db.session() as s:
            entries = list_entries(s, "KZ")
            assert {e["category_description"] for e in entries} == {"Government", "News"}
            assert list_entries(s, "RU") == []
        with pytest.raises(ConfigError):
            import_test_list(core, str(tmp_path / "missing.csv"), "KZ")
        with pytest.raises(ConfigError):
            import_test_list(core, str(src), "KAZ")
    finally:
        core.close()


@pytest.mark.skipif(not (SHARED_LISTS / "kz.csv").exists(), reason="shared test lists not present")
def test_import_real_citizenlab_list(tmp_path: Path) -> None:
    core = Presswatch.open(Settings(data=tmp_path))
    try:
        r = import_test_list(core, str(SHARED_LISTS / "kz.csv"), "KZ")
        assert r.total > 100 and r.added == r.total
        assert import_test_list(core, str(SHARED_LISTS / "kz.csv"), "KZ").added == 0
    finally:
        core.close()
