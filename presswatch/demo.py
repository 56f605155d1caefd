"""``presswatch demo``: a takedown story played against the simulated news site in accelerated time.

Day 0 the site is watched (feeds and sitemaps discovered, every article captured). Over the next
hours and days, one article is edited, one gets only boilerplate churn, one hiccups with a 503,
one is replaced by a "removed at the request of …" notice, another is soft-deleted. Each pass is
a real check over HTTP; time is a fake clock moved forward between passes.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table

from .clock import FakeClock, isoformat
from .core import Presswatch
from .fetch.client import Fetcher
from .publish.export import event_rows
from .runner import Runner
from .settings import Settings
from .sources.watchlist import add_watch

console = Console()


def run_demo(settings: Settings, *, articles: int = 12, keep: bool = False) -> dict[str, Any]:
    from .simsite import SimSite

    data = settings.data / "demo"
    if data.exists():
        shutil.rmtree(data)
    settings = settings.model_copy(
        update={"data": data, "db": None, "allow_private": True, "confirm_checks": 2, "timeout": 5.0,
                "respect_robots": True}
    )
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    site = SimSite(articles=articles, seed=2026, clock=clock).start()
    core = Presswatch.open(settings, clock=clock)
    summary: dict[str, Any] = {}
    try:
        console.rule("[bold]presswatch demo")
        console.print(f"simulated news site at {site.url} · data in {data}")
        add_watch(core, site.url + "/", kind="site", tags={"outlet": "Daily Simulated", "country": "KG",
                                                          "measure_in": ["KZ"]})
        slugs = site.slugs()
        story = {"edit": slugs[0], "churn": slugs[1], "notice": slugs[2], "soft": slugs[3], "flaky": slugs[4]}
        urls = {k: next(u for u in site.article_urls() if u.endswith(v)) for k, v in story.items()}

        async def play() -> None:
            async with Fetcher(core.settings, clock) as f:
                runner = Runner(core, f, pool=None)

                async def step(label: str, advance: timedelta) -> None:
                    clock.advance(advance)
                    stats = await runner.run_once()
                    counts = ", ".join(f"{k} {v}" for k, v in sorted(stats.by_status.items()))
                    console.print(f"[cyan]{isoformat(clock.now())}[/]  {label:<44} checked {stats.checked}: {counts}")

                await step("discover the site, first captures", timedelta(0))
                site.set_state(story["edit"], "edit-paragraph", index=2, text="The ministry later disputed "
                               "these figures, and the paragraph quoting its spokesman was removed.")
                site.set_state(story["churn"], "churn")
                site.set_state(story["flaky"], "flaky-503", every=2)
                await step("an edit, boilerplate churn, a 503 hiccup", timedelta(minutes=20))
                site.set_state(story["flaky"], "normal")
                site.set_state(story["notice"], "removal-notice", lang="ru")
                site.set_state(story["soft"], "soft-404")
                await step("a removal notice and a soft 404 appear", timedelta(hours=1))
                await step("re-checked: removals confirmed", timedelta(minutes=20))
                await step("a day later", timedelta(days=1))

        asyncio.run(play())
        rows = event_rows(core)
        t = Table("when", "event", "article", "what", title="Timeline")
        for r in rows:
            if r["kind"] == "new" and r["url"] not in urls.values():
                continue
            t.add_row(r["at"], r["kind"], (r["url"] or "").replace(site.url, ""), r["summary"][:70])
        console.print(t)
        hidden = sum(1 for r in rows if r["kind"] == "new" and r["url"] not in urls.values())
        console.print(f"(+{hidden} other first captures not shown)")
        summary["events"] = rows
        summary["urls"] = urls
        _blocking_epilogue(core, site, urls["edit"], summary)
        if keep:
            console.print(f"serving {site.url} — Ctrl-C to stop")
            import time

            while True:
                time.sleep(3600)
    finally:
        core.close()
        site.stop()
    return summary


def _blocking_epilogue(core: Presswatch, site: Any, url: str, summary: dict[str, Any]) -> None:
    """Issue 3's ending: measure from a simulated KZ vantage (loopback lying resolver + blockpage)."""
    try:
        from .measure.demo_story import kz_story
    except ImportError:
        return
    summary["blocking"] = kz_story(core, site, url, console)
