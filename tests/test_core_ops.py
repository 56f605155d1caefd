"""The core's operations against the simulated site: watch, unwatch, check, run_pass, measure,
add_demand, and the lifecycle of the session's fetcher, checker and analysis pool."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from presswatch.core import Presswatch
from presswatch.errors import BlockedTarget, InvalidURL, NotFound
from presswatch.settings import Settings
from presswatch.sources.watchlist import get_watch, list_watches


@pytest.fixture
def anycore(settings: Settings, db_url: str) -> Iterator[Presswatch]:
    """A core on SQLite, then on PostgreSQL (skipped where there is none)."""
    c = Presswatch.open(settings.model_copy(update={"db": db_url}))
    yield c
    c.close()


def test_watch_and_unwatch(anycore: Presswatch) -> None:
    wid = anycore.watch("http://127.0.0.1:9/feed.xml", kind="feed", tags={"outlet": "X"}, interval=600)
    assert anycore.watch("http://127.0.0.1:9/feed.xml", kind="feed", tags={"outlet": "X"}, interval=600) == wid
    rows = list_watches(anycore)
    assert [(w.id, w.kind, w.tags, w.interval, w.active) for w in rows] == [(wid, "feed", {"outlet": "X"}, 600, True)]
    anycore.unwatch("http://127.0.0.1:9/feed.xml")
    assert list_watches(anycore) == []
    assert len(list_watches(anycore, include_inactive=True)) == 1  # its history is kept
    with pytest.raises(NotFound):
        anycore.unwatch("http://127.0.0.1:9/other")


def test_check_urls_and_watch_ids(anycore: Presswatch, simsite: Any) -> None:
    a, b = simsite.article_urls()[:2]
    first = asyncio.run(anycore.check([a, b]))
    assert [(r["url"], r["status"]) for r in first] == [(a, "new"), (b, "new")]
    wid = anycore.watch(b)  # already watched by the check
    again = asyncio.run(anycore.check([wid, a]))
    assert [(r["url"], r["status"]) for r in again] == [(b, "unchanged"), (a, "unchanged")]


def test_check_refuses_non_public_targets_before_recording(settings: Settings, simsite: Any) -> None:
    core = Presswatch.open(settings.model_copy(update={"allow_private": False}))
    try:
        with pytest.raises(BlockedTarget):
            asyncio.run(core.check(["https://example.org/a", simsite.article_urls()[0]]))
        with pytest.raises(InvalidURL):
            asyncio.run(core.check(["not a url"]))
        assert list_watches(core, include_inactive=True) == []
    finally:
        core.close()


def test_run_pass_discovers_checks_and_frees_its_leases(anycore: Presswatch, simsite: Any) -> None:
    site = anycore.watch(simsite.url + "/", kind="site", tags={"outlet": "Sim"})
    seen: list[tuple[int, int]] = []
    stats = asyncio.run(anycore.run_pass(concurrency=4, progress=lambda d, t, _: seen.append((d, t))))
    articles = list_watches(anycore)
    urls = {w.url for w in articles if w.kind == "article"}
    assert urls == set(simsite.article_urls())
    assert stats.checked == len(urls) and stats.by_status == {"new": len(urls)} and stats.errors == 0
    assert stats.discovered >= len(urls)
    assert seen[-1] == (len(urls), len(urls))
    assert all(w.lease_owner is None for w in articles)
    assert all(w.tags.get("outlet") == "Sim" for w in articles)  # inherited from the site
    parent = get_watch(anycore, simsite.url + "/")
    assert parent.id == site and parent.status == "unchanged"
    assert asyncio.run(anycore.run_pass()).checked == 0  # nothing is due any more


def test_session_shares_one_fetcher_and_closes_it(core: Presswatch, simsite: Any) -> None:
    url = simsite.article_urls()[0]

    async def go() -> Any:
        async with core.session() as ops:
            assert ops.pool is None and ops.runner.checker is ops.checker
            assert ops.checker.fetcher is ops.fetcher
            (r,) = await ops.check([url])
            assert r["status"] == "new"
            stats = await ops.run_pass()
            assert stats.checked == 0  # just checked: not due
            assert not ops.fetcher.closed
            return ops

    ops = asyncio.run(go())
    assert ops.fetcher.closed


def test_session_closes_its_fetcher_when_an_operation_fails(core: Presswatch) -> None:
    async def go() -> Any:
        async with core.session() as ops:
            box.append(ops)
            await ops.check([10_000])  # no such watch

    box: list[Any] = []
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the checker raises for an unknown id
        asyncio.run(go())
    assert box[0].fetcher.closed


def test_session_with_an_analysis_pool_shuts_it_down(core: Presswatch, simsite: Any) -> None:
    from presswatch.pipeline import AnalysisPool

    url = simsite.article_urls()[0]

    async def go() -> Any:
        async with core.session(workers=1) as ops:
            assert isinstance(ops.pool, AnalysisPool) and ops.checker.pool is ops.pool
            (r,) = await ops.check([url])
            assert r["status"] == "new"
            return ops.pool

    pool = asyncio.run(go())
    with pytest.raises(RuntimeError):  # shut down: takes no more work
        pool.submit(int, "1")


def test_measure_from_here(core: Presswatch, simsite: Any) -> None:
    url = simsite.article_urls()[0]
    result = asyncio.run(core.measure(url, country="KZ", network="AS1 Test"))
    m = result["measurement"]
    assert m["url"] == url and m["blocking"] is False and m["accessible"] is True
    assert asyncio.run(core.measure(url))["measurement"]["id"] != m["id"]


def test_add_demand_records_it_and_watches_its_targets(anycore: Presswatch, simsite: Any) -> None:
    from presswatch.cases.demands import get_demand

    url = simsite.article_urls()[0]
    did = anycore.add_demand({
        "title": "Remove the article",
        "sender": {"name": "Ministry", "kind": "ministry", "country": "KG"},
        "recipient": {"name": "Outlet", "kind": "outlet", "country": "KG"},
        "date_sent": "2026-03-01",
        "actions": ["remove"],
        "targets": [{"url": url}],
    }, documents=[("letter.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n")], by="analyst")
    rec = get_demand(anycore, did)
    assert rec["title"] == "Remove the article" and len(rec["documents"]) == 1
    assert [t["url"] for t in rec["targets"]] == [url] and rec["targets"][0]["watch_id"] is not None
    assert [w.url for w in list_watches(anycore)] == [url]
