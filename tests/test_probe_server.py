"""A probe against a real probe server (uvicorn on 127.0.0.1): enroll, run, spool, replay, revoke, status."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from presswatch.clock import FakeClock, isoformat
from presswatch.core import Presswatch
from presswatch.errors import ConfigError
from presswatch.probes import envelope as env
from presswatch.probes.client import (
    MeasureContext,
    ProbeClient,
    ProbeError,
    enroll,
    load_probe,
    probe_dir,
    run_once,
)
from presswatch.probes.reachability import StatusPolicy
from presswatch.probes.server import create_token, list_probes, probe_router, revoke_probe
from presswatch.record.measure_models import Measurement, Reachability
from presswatch.record.models import Event, Watch
from presswatch.settings import Settings

WATCHED = "https://news.example.kz/2026/01/article-1"
LISTED = "http://www.akorda.kz/"


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread; can stop and come back on the same port."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(10)


class Sim:
    """Per-URL results the fake measurement engine returns (what the vantage 'sees')."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.blocking: dict[str, str | bool] = {}
        self.calls: list[str] = []
        self.controls: list[dict[str, Any]] = []

    async def measure(self, url: str, ctx: MeasureContext) -> dict[str, Any]:
        self.calls.append(url)
        try:
            control = await ctx.control(url, ["127.0.0.1:443"])
        except Exception as exc:  # the engine records a failed control and carries on
            control = {"failure": str(exc)}
        self.controls.append(control)
        blocking = self.blocking.get(url, False)
        return {
            "url": url,
            "vantage": {"country": ctx.country, "network": ctx.network, "probe_id": ctx.probe_id},
            "measured_at": isoformat(self.clock.now()),
            "accessible": not blocking,
            "blocking": blocking,
            "blockpage": None,
            "down": False,
            "throttled": False,
            "control": control,
        }


World = tuple[Presswatch, FakeClock, "LiveServer", "Sim"]


@pytest.fixture()
def world(tmp_path: Path, db_url: str) -> Iterator[World]:
    clock = FakeClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    core = Presswatch.open(Settings(data=tmp_path / "server", db=db_url, allow_private=True), clock=clock)

    def add_watches(s: Session) -> None:
        now = clock.now()
        s.add(
            Watch(
                url=WATCHED,
                host="news.example.kz",
                tags={"measure_in": ["KZ"]},
                created_at=now,
                next_check_at=now,
            )
        )
        s.add(
            Watch(
                url="https://other.example/ru",
                host="other.example",
                tags={"country": "RU"},
                created_at=now,
                next_check_at=now,
            )
        )

    core.db.write(add_watches)
    from presswatch.record.measure_models import TestListEntry

    core.db.write(
        lambda s: s.add(
            TestListEntry(country="KZ", url=LISTED, category_code="GOVT", imported_at=clock.now())
        )
    )

    async def control(url: str, endpoints: list[str]) -> dict[str, Any]:
        return {"url": url, "endpoints": endpoints, "http_status": 200}

    app = FastAPI()
    app.include_router(
        probe_router(core, policy=StatusPolicy(confirm_runs=2, confirm_probes=2), control=control)
    )
    server = LiveServer(app)
    server.start()
    yield core, clock, server, Sim(clock)
    server.stop()
    core.close()


def _enroll(tmp_path: Path, core: Presswatch, server: LiveServer, name: str = "probe", **kw: Any) -> Path:
    data = tmp_path / name
    token = create_token(core, country="KZ")
    enroll(data, server.url, token, "KZ", kw.get("network", "AS9198 KazakhTelecom"), clock=core.clock)
    return data


def _count(core: Presswatch, model: Any, *where: Any) -> int:
    with core.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_enroll_run_submit_and_status(world: World, tmp_path: Path) -> None:
    core, clock, server, sim = world
    data = _enroll(tmp_path, core, server)
    key_file = probe_dir(data) / "probe_key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    config, _ = load_probe(data)
    assert [p["id"] for p in list_probes(core)] == [config.probe_id]

    report = asyncio.run(run_once(data, measure_fn=sim.measure, clock=clock, concurrency=2))
    assert report.assigned == 2 and report.measured == 2 and report.submitted == 2, report
    assert sorted(sim.calls) == sorted([WATCHED, LISTED])  # not the RU watch
    assert sim.controls[0]["http_status"] == 200  # control came from the server's test helper
    assert _count(core, Measurement) == 2
    with core.db.session() as s:
        m = s.scalars(select(Measurement).where(Measurement.url == WATCHED)).one()
        # the stored envelope re-verifies with the probe's public key
        pub = env.public_key_b64(load_probe(data)[1])
        assert m.signature is not None
        env.verify_envelope(pub, m.envelope, m.signature)
        assert m.envelope["probe_cc"] == "KZ" and m.envelope["test_keys"]["url"] == WATCHED

    # a site gets blocked; first run is not enough, second confirms
    sim.blocking[WATCHED] = "dns"
    clock.advance(3600)
    asyncio.run(run_once(data, measure_fn=sim.measure, clock=clock))
    assert _count(core, Event, Event.kind == "blocked") == 0
    clock.advance(3600)
    asyncio.run(run_once(data, measure_fn=sim.measure, clock=clock))
    with core.db.session() as s:
        ev = s.scalars(select(Event).where(Event.kind == "blocked")).one()
        watch = s.scalars(select(Watch).where(Watch.url == WATCHED)).one()
        assert ev.watch_id == watch.id and ev.country == "KZ" and ev.reason == "dns"
        assert ev.summary.startswith("blocked in KZ") and "DNS tampering" in ev.summary
        row = s.scalars(select(Reachability).where(Reachability.target == WATCHED)).one()
        assert row.state == "blocked" and row.confirmed and row.method == "dns"

    resp = httpx.get(f"{server.url}/api/v1/status", params={"country": "kz", "scope": "url"})
    states = {r["target"]: r["state"] for r in resp.json()["status"]}
    assert states == {WATCHED: "blocked", LISTED: "reachable"}

    # unblocked after two reachable runs
    sim.blocking.clear()
    for _ in range(2):
        clock.advance(3600)
        asyncio.run(run_once(data, measure_fn=sim.measure, clock=clock))
    with core.db.session() as s:
        ev = s.scalars(select(Event).where(Event.kind == "unblocked")).one()
        assert ev.summary.startswith("reachable again in KZ") and ev.reason == "dns"
    assert _count(core, Measurement) == 10


def test_offline_spool_then_submit_once(world: World, tmp_path: Path) -> None:
    core, clock, server, sim = world
    data = _enroll(tmp_path, core, server)
    asyncio.run(run_once(data, measure_fn=sim.measure, clock=clock))  # caches assignments
    assert _count(core, Measurement) == 2

    server.stop()
    clock.advance(600)
    report = asyncio.run(run_once(data, measure_fn=sim.measure, clock=clock))
    assert report.offline and report.measured == 2 and report.submitted == 0 and report.pending == 2
    spooled = sorted((probe_dir(data) / "spool").glob("*.json"))
    assert len(spooled) == 2
    assert not list((probe_dir(data) / "spool").glob(".*.tmp"))  # atomic writes leave no temporaries
    item = json.loads(spooled[0].read_text())

    server.start()  # same port
    clock.advance(600)
    report = asyncio.run(run_once(data, measure_fn=sim.measure, clock=clock))
    assert report.submitted == 4 and report.pending == 0, report
    assert _count(core, Measurement) == 6

    assert not spooled[0].exists()
    # the server stored it but the answer got lost: re-submitting counts once
    config, key = load_probe(data)

    async def resubmit() -> str:
        async with ProbeClient(config, key, clock) as client:
            return await client.submit(item["envelope"], item["signature"])

    assert asyncio.run(resubmit()) == "duplicate"
    assert _count(core, Measurement) == 6


def _signed_post(
    data: Path, clock: FakeClock, server: LiveServer, body: dict[str, Any]
) -> tuple[bytes, dict]:
    config, key = load_probe(data)
    content = json.dumps(body).encode()
    headers = env.sign_request(key, config.probe_id, "POST", "/api/v1/measurements", content, clock.now())
    headers["Content-Type"] = "application/json"
    return content, headers


def _submission(data: Path, clock: FakeClock, **test_keys: Any) -> dict[str, Any]:
    config, key = load_probe(data)
    result = {
        "url": WATCHED,
        "accessible": True,
        "blocking": False,
        "down": False,
        "measured_at": isoformat(clock.now()),
        **test_keys,
    }
    envelope = env.build_envelope(
        result, probe_id=config.probe_id, country="KZ", network=config.network, start_time=clock.now()
    )
    return {"envelope": envelope, "signature": env.sign_envelope(key, envelope)}


def test_replays_tampering_and_revocation_rejected(world: World, tmp_path: Path) -> None:
    core, clock, server, sim = world
    data = _enroll(tmp_path, core, server)
    url = f"{server.url}/api/v1/measurements"
    sub = _submission(data, clock)
    content, headers = _signed_post(data, clock, server, sub)
    assert httpx.post(url, content=content, headers=headers).status_code == 201
    # the very same request again (same nonce): replay
    r = httpx.post(url, content=content, headers=headers)
    assert r.status_code == 409 and "nonce" in r.json()["detail"]
    # same measurement id, other content, freshly signed: replay with different content
    config, key = load_probe(data)
    other = dict(sub["envelope"], test_keys={**sub["envelope"]["test_keys"], "blocking": "dns"})
    forged = {"envelope": other, "signature": env.sign_envelope(key, other)}
    content, headers = _signed_post(data, clock, server, forged)
    assert httpx.post(url, content=content, headers=headers).status_code == 409
    # an old request: timestamp outside the window
    sub2 = _submission(data, clock)
    content, headers = _signed_post(data, clock, server, sub2)
    clock.advance(3600)
    r = httpx.post(url, content=content, headers=headers)
    assert r.status_code == 401 and "timestamp" in r.json()["detail"]
    # tampered envelope (signature no longer matches)
    sub3 = _submission(data, clock)
    sub3["envelope"]["test_keys"]["blocking"] = "tls"
    content, headers = _signed_post(data, clock, server, sub3)
    r = httpx.post(url, content=content, headers=headers)
    assert r.status_code == 401 and "envelope signature" in r.json()["detail"]
    # tampered body under a valid request signature
    sub4 = _submission(data, clock)
    content, headers = _signed_post(data, clock, server, sub4)
    r = httpx.post(url, content=content.replace(b"KZ", b"RU"), headers=headers)
    assert r.status_code == 401 and "request signature" in r.json()["detail"]
    # unknown probe
    content, headers = _signed_post(data, clock, server, _submission(data, clock))
    headers[env.H_PROBE] = "00000000-0000-0000-0000-000000000000"
    assert httpx.post(url, content=content, headers=headers).status_code == 401
    assert _count(core, Measurement) == 1

    # revoked: the probe's run fails with a clear error, its measurement stays spooled
    revoke_probe(core, load_probe(data)[0].probe_id)
    with pytest.raises(ProbeError) as exc_info:
        asyncio.run(run_once(data, measure_fn=sim.measure, clock=clock))
    assert exc_info.value.status == 403 and "revoked" in str(exc_info.value)
    assert _count(core, Measurement) == 1
    assert list_probes(core)[0]["revoked_at"] is not None


def test_enrollment_tokens(world: World, tmp_path: Path) -> None:
    core, clock, server, _ = world
    token = create_token(core, country="KZ")
    with pytest.raises(ProbeError, match="not RU"):
        enroll(tmp_path / "a", server.url, token, "RU", "AS1")
    enroll(tmp_path / "b", server.url, token, "KZ", "AS1")
    with pytest.raises(ProbeError, match="already used"):
        enroll(tmp_path / "c", server.url, token, "KZ", "AS1")
    with pytest.raises(ConfigError, match="already enrolled"):
        enroll(tmp_path / "b", server.url, create_token(core), "KZ", "AS1")
    assert not (probe_dir(tmp_path / "a") / "probe.json").exists()
    assert len(list_probes(core)) == 1


def test_two_distinct_probes_confirm_at_once(world: World, tmp_path: Path) -> None:
    core, clock, server, sim = world
    a = _enroll(tmp_path, core, server, "a")
    b = _enroll(tmp_path, core, server, "b")
    sim.blocking[LISTED] = "tcp_ip"
    asyncio.run(run_once(a, measure_fn=sim.measure, clock=clock))
    assert _count(core, Event, Event.kind == "blocked") == 0
    asyncio.run(run_once(b, measure_fn=sim.measure, clock=clock))
    with core.db.session() as s:
        ev = s.scalars(select(Event).where(Event.kind == "blocked")).one()
        assert ev.watch_id is None and ev.reason == "tcp_ip" and len(ev.details["probes"]) == 2
    r = httpx.get(f"{server.url}/api/v1/measurements", params={"country": "KZ"})
    assert len(r.json()["measurements"]) == 4


# -- the control cannot reach the server's own network ---------------------------------------------------
@pytest.fixture()
def strict(tmp_path: Path) -> Iterator[tuple[Presswatch, FakeClock, LiveServer]]:
    """The full app (``create_app``) with the default control and ``allow_private`` off."""
    from presswatch.publish.web import create_app

    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    core = Presswatch.open(Settings(data=tmp_path / "server", allow_private=False), clock=clock)
    server = LiveServer(create_app(core))
    server.start()
    yield core, clock, server
    server.stop()
    core.close()


def _control(data: Path, clock: FakeClock, url: str, endpoints: list[str]) -> dict[str, Any]:
    config, key = load_probe(data)

    async def go() -> dict[str, Any]:
        async with ProbeClient(config, key, clock) as client:
            return await client.control(url, endpoints)

    return asyncio.run(go())


def test_control_refuses_loopback_in_every_spelling(strict: Any, tmp_path: Path) -> None:
    core, clock, server = strict
    data = _enroll(tmp_path, core, server)
    port = server.port
    for url in (f"http://[::ffff:127.0.0.1]:{port}/healthz", f"http://2130706433:{port}/healthz",
                f"http://127.1:{port}/healthz", f"http://0x7f.0.0.1:{port}/healthz", f"http://[::1]:{port}/",
                f"http://[64:ff9b::7f00:1]:{port}/", f"http://0.0.0.0:{port}/healthz"):
        out = _control(data, clock, url, [f"127.0.0.1:{port}", f"[::ffff:127.0.0.1]:{port}"])
        http = out["http_request"]
        assert http["status_code"] == -1 and http["failure"] == "private_address_refused", (url, http)
        assert "headers" not in http or http["headers"] == {}
        assert all(t["failure"] == "private_address_refused" for t in out["tcp_connect"].values()), out


def test_control_input_is_validated(strict: Any, tmp_path: Path) -> None:
    core, clock, server = strict
    data = _enroll(tmp_path, core, server)
    url = "http://203.0.113.9:9/"
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.close()

    watcher = threading.Thread(target=accept, daemon=True)
    watcher.start()
    cases = [
        (url, [f"127.0.0.1:{port}"] + [f"127.0.0.1:{p}" for p in range(1000, 2000)], "at most"),
        (url, [f"127.0.0.1:{port}"] * 9, "at most"),
        (url, ["garbage"], "endpoint"),
        (url, ["127.0.0.1"], "endpoint"),
        (url, ["127.0.0.1:99999"], "port"),
        (url, ["[::1]:0"], "port"),
        ("file:///etc/passwd", [], "http"),
        ("not a url", [], "URL"),
        ("http://256.1.1.1/", [], "numeric host"),
    ]
    try:
        for target, endpoints, message in cases:
            with pytest.raises(ProbeError) as exc_info:
                _control(data, clock, target, endpoints)
            assert exc_info.value.status == 422 and message in str(exc_info.value), (endpoints[:2], exc_info.value)
    finally:
        stop.set()
        watcher.join(timeout=5)
        listener.close()
    assert accepted == []  # refused up front: not one endpoint was connected to


# -- probes cannot lie about time or place ------------------------------------------------------------------
def _post_submission(data: Path, clock: FakeClock, server: LiveServer, sub: dict[str, Any]) -> httpx.Response:
    content, headers = _signed_post(data, clock, server, sub)
    return httpx.post(f"{server.url}/api/v1/measurements", content=content, headers=headers)


def _signed_submission(data: Path, envelope: dict[str, Any]) -> dict[str, Any]:
    _, key = load_probe(data)
    return {"envelope": envelope, "signature": env.sign_envelope(key, envelope)}


def test_measured_at_must_lie_between_enrollment_and_receipt(world: World, tmp_path: Path) -> None:
    core, clock, server, _ = world
    data = _enroll(tmp_path, core, server)
    clock.advance(3600)
    for when, ok in ((datetime(2099, 1, 1, tzinfo=UTC), False), (clock.now() + timedelta(hours=1), False),
                     (clock.now() - timedelta(days=2), False), (clock.now() + timedelta(seconds=60), True),
                     (clock.now() - timedelta(minutes=30), True)):
        sub = _submission(data, clock, measured_at=isoformat(when))
        r = _post_submission(data, clock, server, _signed_submission(data, sub["envelope"]))
        assert (r.status_code == 201) is ok, (when, r.status_code, r.text)
        if not ok:
            assert r.status_code == 422 and "measured_at" in r.json()["detail"]
    assert _count(core, Measurement) == 2


def test_two_2099_blocks_cannot_confirm(world: World, tmp_path: Path) -> None:
    core, clock, server, _ = world
    data = _enroll(tmp_path, core, server)
    for i in range(2):
        sub = _submission(data, clock, blocking="dns", accessible=False,
                          measured_at=isoformat(datetime(2099, 1, 1 + i, tzinfo=UTC)))
        assert _post_submission(data, clock, server, sub).status_code == 422
    assert _count(core, Reachability) == 0 and _count(core, Event) == 0


def test_envelope_network_must_be_the_enrolled_one(world: World, tmp_path: Path) -> None:
    core, clock, server, _ = world
    data = _enroll(tmp_path, core, server)
    config, _ = load_probe(data)
    sub = _submission(data, clock)
    forged = dict(sub["envelope"], probe_network_name="AS666 Someone Else")
    r = _post_submission(data, clock, server, _signed_submission(data, forged))
    assert r.status_code == 422 and "network" in r.json()["detail"]
    assert _post_submission(data, clock, server, _submission(data, clock)).status_code == 201
    with core.db.session() as s:
        (m,) = s.scalars(select(Measurement)).all()
        assert m.network == config.network == "AS9198 KazakhTelecom" and m.country == "KZ"


def test_lone_probe_cannot_confirm_when_another_disagrees(world: World, tmp_path: Path) -> None:
    core, clock, server, sim = world
    liar = _enroll(tmp_path, core, server, "liar")
    honest = _enroll(tmp_path, core, server, "honest")
    asyncio.run(run_once(honest, measure_fn=sim.measure, clock=clock))
    sim.blocking[WATCHED] = "dns"
    for _ in range(3):
        clock.advance(600)
        asyncio.run(run_once(liar, measure_fn=sim.measure, clock=clock))
    assert _count(core, Event, Event.kind == "blocked") == 0
    clock.advance(600)
    asyncio.run(run_once(honest, measure_fn=sim.measure, clock=clock))  # now both see it
    assert _count(core, Event, Event.kind == "blocked") == 1


# -- request bodies are capped before they are read ---------------------------------------------------------
def _raw_post(port: int, head: bytes, chunks: Iterator[bytes], limit: int) -> tuple[bytes, int]:
    import socket

    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for chunk in chunks:
                sock.sendall(chunk)
                sent += len(chunk)
                if sent >= limit:
                    break
        except OSError:  # the server answered and closed
            pass
        sock.settimeout(10)
        reply = b""
        try:
            while b"\r\n\r\n" not in reply:
                part = sock.recv(65536)
                if not part:
                    break
                reply += part
        except OSError:
            pass
    return reply, sent


def test_request_bodies_are_limited_on_every_route(strict: Any) -> None:
    _, _, server = strict
    big = b"x" * (2 * 1024 * 1024)
    for path in ("/api/v1/measurements", "/api/v1/probes/enroll", "/api/v1/control", "/api/v1/watches"):
        r = httpx.post(f"{server.url}{path}", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413, (path, r.status_code)
    # a declared 200 MB body is refused before any of it is sent
    head = (b"POST /api/v1/measurements HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: 209715200\r\n\r\n")
    reply, _ = _raw_post(server.port, head, iter(()), 0)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:100]
    # a chunked body without a length is counted as it streams and cut off at the limit
    head = (b"POST /api/v1/probes/enroll HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    block = b"x" * 65536
    chunks = (b"%x\r\n" % len(block) + block + b"\r\n" for _ in range(200 * 16))
    reply, sent = _raw_post(server.port, head, chunks, 200 * 1024 * 1024)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:100]
    assert sent < 64 * 1024 * 1024  # the server stopped reading long before 200 MB
    # small bodies still work
    assert httpx.post(f"{server.url}/api/v1/probes/enroll", json={}).status_code == 422
