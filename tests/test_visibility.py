"""Nothing of a private or redacted demand or incident reaches an anonymous reader, on any route.

The test walks every operation of the app's OpenAPI schema as an anonymous client (path parameters filled
with existing ids, query parameters with the private values themselves) and searches every response.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from presswatch.cases import demands as dm
from presswatch.cases import incidents as inc
from presswatch.clock import FakeClock, isoformat
from presswatch.core import Presswatch
from presswatch.probes import envelope as env
from presswatch.probes.reachability import StatusPolicy, record_measurement
from presswatch.publish.web import create_app
from presswatch.record.ledger import Ledger
from presswatch.record.measure_models import Probe
from presswatch.settings import Settings
from presswatch.sources.watchlist import add_watch

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PRIVATE_URL = "https://hidden-outlet.example/2026/03/xyzzy-investigation"
REDACTED_URL = "https://portal.example/plugh/secret-path?id=77"
PUBLIC_URL = "https://portal.example/open-story"
PRIVATE_TITLE = "Quux demand about the frobnicate affair"
INCIDENT_TITLE = "Wibble incident nobody may see"
SECRETS = ["hidden-outlet.example", "xyzzy-investigation", "plugh", "secret-path", PRIVATE_TITLE,
           INCIDENT_TITLE, '"TM"', "Turkmen"]


def _demand(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "A demand",
        "sender": {"name": "Ministry of Culture", "kind": "ministry", "country": "KG"},
        "recipient": {"name": "Portal News", "kind": "outlet", "country": "KG"},
        "date_sent": "2026-03-01",
        "date_received": "2026-03-02T08:30:00Z",
        "deadline": "2026-03-05",
        "channel": "letter",
        "actions": ["remove"],
        "targets": [{"url": PUBLIC_URL}],
    }
    base.update(over)
    return base


@pytest.fixture
def world(tmp_path: Path) -> Any:
    clock = FakeClock(START)
    core = Presswatch.open(Settings(data=tmp_path / "data", allow_private=True), clock=clock)
    yield core, clock
    core.close()


def _measure(core: Presswatch, clock: FakeClock, url: str, country: str, blocking: Any) -> None:
    result = {"url": url, "measured_at": isoformat(clock.now()), "accessible": not blocking,
              "blocking": blocking, "down": False}
    envelope = env.build_envelope(result, probe_id=None, country=country, network=f"AS1 {country}-net",
                                  start_time=clock.now())
    core.db.write(lambda s: record_measurement(s, envelope, ledger=Ledger(core), signature=None, probe_id=None,
                                               received_at=clock.now(), policy=StatusPolicy(confirm_runs=1)))


def _populate(core: Presswatch, clock: FakeClock) -> dict[str, str]:
    public_id = dm.add_demand(core, _demand(title="Public demand"))
    private_id = dm.add_demand(core, _demand(
        title=PRIVATE_TITLE, visibility="private", actions=["block"],
        sender={"name": "Turkmen State Agency", "kind": "regulator", "country": "TM"},
        legal_basis=[{"country": "TM", "citation": "Law on Internet art. 9"}],
        targets=[{"url": PRIVATE_URL}]))
    redacted_id = dm.add_demand(core, _demand(
        title="Redacted demand", visibility="redacted",
        targets=[{"url": REDACTED_URL, "redact_url": True}, {"url": PUBLIC_URL}]))
    other = add_watch(core, "https://elsewhere.example/page")
    iid = inc.create_incident(core, INCIDENT_TITLE, description="quietly handled", visibility="private")
    inc.add_to_incident(core, iid, demands=[private_id], watches=[other])
    # the private target is measured (status rows, events) from its country
    for _ in range(2):
        _measure(core, clock, PRIVATE_URL, "TM", "dns")
        _measure(core, clock, REDACTED_URL, "KG", "dns")
        _measure(core, clock, PUBLIC_URL, "KG", "tls")
        clock.advance(3600)
    probe_id = "11111111-1111-1111-1111-111111111111"
    core.db.write(lambda s: s.add(Probe(id=probe_id, public_key="A" * 44, country="TM", network="AS1",
                                        enrolled_at=clock.now() - timedelta(days=1))))
    rec = dm.get_demand(core, private_id)
    assert rec["targets"][0]["watch_id"] is not None  # the private target is followed by a watch
    assert json.dumps(dm.export_demands(core)).count("xyzzy") > 0
    return {"probe_id": probe_id, "demand_id": str(private_id), "public_id": str(public_id),
            "redacted_id": str(redacted_id), "incident_id": str(iid), "watch_id": str(rec["targets"][0]["watch_id"])}


def _param_value(name: str, ids: dict[str, str]) -> str:
    if name in ids:
        return ids[name]
    if name.endswith("_id") or name == "id":
        return ids["demand_id"]
    return {"url": PRIVATE_URL, "country": "TM", "scope": "url", "limit": "1000", "envelope": "true",
            "host": "hidden-outlet.example", "q": "xyzzy"}.get(name, "xyzzy")


def _calls(spec: dict[str, Any], ids: dict[str, str]) -> list[tuple[str, str, dict[str, str], Any]]:
    out: list[tuple[str, str, dict[str, str], Any]] = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            filled = re.sub(r"\{(\w+)\}", lambda m: _param_value(m.group(1), ids), path)
            required = {p["name"]: _param_value(p["name"], ids) for p in params
                        if p["in"] == "query" and p.get("required")}
            every = {p["name"]: _param_value(p["name"], ids) for p in params if p["in"] == "query"}
            bodies = [None] if method == "get" else [{}, {"url": PRIVATE_URL, "endpoints": []}]
            for query in (required, every, {**every, "url": REDACTED_URL}):
                for body in bodies:
                    out.append((method.upper(), filled, query, body))
    return out


def _without_echo(r: httpx.Response, sent: list[Any]) -> str:
    """The response text without the caller's own input echoed in an error ``detail`` (not a leak)."""
    try:
        data = r.json()
    except ValueError:
        return r.text
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        if isinstance(detail, list):
            data["detail"] = [{k: v for k, v in d.items() if k != "input"} if isinstance(d, dict) else d
                              for d in detail]
        elif isinstance(detail, str):
            for value in sent:
                if isinstance(value, str) and value:
                    detail = detail.replace(value, "<sent>")
            data["detail"] = detail
    return json.dumps(data)


def test_every_route_hides_private_and_redacted(world: Any) -> None:
    core, clock = world
    ids = _populate(core, clock)
    app = create_app(core)
    spec = app.openapi()
    assert len(spec["paths"]) >= 8

    async def walk() -> list[tuple[str, str, int]]:
        seen = []
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for method, path, query, body in _calls(spec, ids) + [("GET", "/openapi.json", {}, None)]:
                r = await c.request(method, path, params=query, json=body)
                assert r.status_code < 500, (method, path, query, r.text[:300])
                text = _without_echo(r, [*query.values(), *((body or {}).values())])
                for secret in SECRETS:
                    assert secret not in text, (method, path, query, secret, text[:500])
                assert f'"demands": [{ids["demand_id"]}]' not in text.replace('":[', '": [')
                seen.append((method, path, r.status_code))
        return seen

    seen = asyncio.run(walk())
    paths = {p for _, p, _ in seen}
    assert "/api/v1/watches" in paths and "/api/v1/status" in paths and "/api/v1/measurements" in paths


def test_public_values_are_still_served(world: Any) -> None:
    core, clock = world
    _populate(core, clock)
    app = create_app(core)

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            urls = [w["url"] for w in (await c.get("/api/v1/watches")).json()["rows"]]
            assert PUBLIC_URL in urls and "https://elsewhere.example/page" in urls
            status = (await c.get("/api/v1/status")).json()["status"]
            assert {r["target"] for r in status} >= {PUBLIC_URL, "portal.example"}
            events = (await c.get("/api/v1/events")).json()["rows"]
            assert events and all("xyzzy" not in json.dumps(e) for e in events)
            ms = (await c.get("/api/v1/measurements")).json()["measurements"]
            assert {m["url"] for m in ms} == {PUBLIC_URL}
            assert (await c.get("/api/v1/history", params={"url": PRIVATE_URL})).status_code == 404

    asyncio.run(go())
