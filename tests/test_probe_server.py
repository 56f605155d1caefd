"""A probe against a real probe server (uvicorn on 127.0.0.1): enroll, run, spool, replay, revoke, status."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
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
from presswatch.measure import envelope as env
from presswatch.measure.models import Measurement, Reachability
from presswatch.measure.probe import (
    MeasureContext,
    ProbeClient,
    ProbeError,
    enroll,
    load_probe,
    probe_dir,
    run_once,
)
from presswatch.measure.server import create_token, list_probes, probe_router, revoke_probe
from presswatch.measure.status import StatusPolicy
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
    from presswatch.measure.models import TestListEntry

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
