"""The JSON API in-process (httpx ASGI transport) over a real database and real checks."""

from __future__ import annotations

import asyncio

import httpx

from presswatch.fetch.client import Fetcher
from presswatch.pipeline import Checker
from presswatch.sources.watchlist import add_watch
from presswatch.web.app import create_app


def test_api_serves_watches_history_events_and_openapi(core, simsite) -> None:  # type: ignore[no-untyped-def]
    url = simsite.article_urls()[0]
    wid = add_watch(core, url)

    async def go() -> None:
        async with Fetcher(core.settings, core.clock) as f:
            await Checker(core, f).check(wid)

    asyncio.run(go())
    app = create_app(core)

    async def calls() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            assert (await c.get("/healthz")).json()["ok"] is True
            w = (await c.get("/api/v1/watches")).json()["rows"]
            assert w[0]["url"] == url and w[0]["status"] == "new"
            h = (await c.get("/api/v1/history", params={"url": url})).json()["rows"]
            assert [r["status"] for r in h] == ["new"]
            assert (await c.get("/api/v1/history", params={"url": "http://nowhere.example/x"})).status_code == 404
            ev = (await c.get("/api/v1/events")).json()["rows"]
            assert ev[0]["kind"] == "new"
            spec = (await c.get("/openapi.json")).json()
            assert "/api/v1/history" in spec["paths"] and "/api/v1/measurements" in spec["paths"]

    asyncio.run(calls())
