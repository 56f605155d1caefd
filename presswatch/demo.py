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

from presswatch.clock import FakeClock, isoformat
from presswatch.core import Presswatch
from presswatch.publish.export import event_rows
from presswatch.settings import Settings

__all__ = ["console", "demo_problems", "run_demo"]

console = Console()


def run_demo(settings: Settings, *, articles: int = 12, keep: bool = False) -> dict[str, Any]:
    from presswatch.sim.site import SimSite

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
    summary: dict[str, Any] = {"errors": 0}
    try:
        console.rule("[bold]presswatch demo")
        console.print(f"simulated news site at {site.url} · data in {data}")
        core.watch(site.url + "/", kind="site", tags={"outlet": "Daily Simulated", "country": "KG",
                                                      "measure_in": ["KZ"]})
        slugs = site.slugs()
        story = {"edit": slugs[0], "churn": slugs[1], "notice": slugs[2], "soft": slugs[3], "flaky": slugs[4]}
        urls = {k: next(u for u in site.article_urls() if u.endswith(v)) for k, v in story.items()}

        async def play() -> None:
            async with core.session() as ops:

                async def step(label: str, advance: timedelta) -> None:
                    clock.advance(advance)
                    stats = await ops.run_pass()
                    summary["errors"] += stats.errors + stats.by_status.get("error", 0)
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
        _takedown_story(core, site, clock, summary)
        if keep:
            console.print(f"serving {site.url} — Ctrl-C to stop")
            import time

            while True:
                time.sleep(3600)
    finally:
        core.close()
        site.stop()
    summary["problems"] = demo_problems(summary)
    summary["settings"] = settings
    return summary


def demo_problems(summary: dict[str, Any]) -> list[str]:
    """What did not come out as the story says (empty when the demo worked); the CLI exits 1 otherwise."""
    problems = []
    if summary.get("errors"):
        problems.append(f"{summary['errors']} checks failed with an error")
    kinds = {(e["kind"], e["reason"], e["url"]) for e in summary.get("events", [])}
    urls = summary.get("urls", {})
    expected = {"edit": ("edited", None), "notice": ("removed", "removal-notice"), "soft": ("removed", "soft-404")}
    for role, (kind, reason) in expected.items():
        if (kind, reason, urls.get(role)) not in kinds:
            problems.append(f"the {role} article has no {kind} ({reason or 'any reason'}) event")
    if any(k == "edited" and u == urls.get("churn") for k, _, u in kinds):
        problems.append("boilerplate churn was reported as an edit")
    if any(u == urls.get("flaky") and k != "new" for k, _, u in kinds):
        problems.append("a single 503 raised an event")
    if (summary.get("blocking") or {}).get("blocking") != "dns":
        problems.append("the KZ measurement did not find DNS blocking")
    if len(summary.get("alerts") or []) != 1:
        problems.append(f"{len(summary.get('alerts') or [])} alerts arrived for the KZ block (expected one)")
    if summary.get("bundle_ok") is not True:
        problems.append("the evidence bundle does not verify")
    if summary.get("tampered_ok") is not False:
        problems.append("a tampered bundle verifies")
    return problems


def _takedown_story(core: Presswatch, site: Any, clock: FakeClock, summary: dict[str, Any]) -> None:
    """Issues 3 and 4: a demand, a refusal, the article still online, blocked in a second country.

    The article is reached as ``localhost`` so that name resolution matters: the simulated KZ
    vantage asks a lying resolver (loopback) that points at a blockpage server on 127.0.0.2,
    while the control resolver answers honestly.
    """
    from presswatch.alerts.demo import alert_receiver
    from presswatch.cases import demands as dm
    from presswatch.cases import incidents as inc
    from presswatch.publish.bundle import export_bundle
    from presswatch.publish.verify import verify_bundle
    from presswatch.publish.visibility import public_incident_entries
    from presswatch.sim.censor import loopback_kz_vantage

    port = int(site.url.rsplit(":", 1)[1])
    slug = site.slugs()[5]
    url = f"http://localhost:{port}" + next(u for u in site.article_urls() if u.endswith(slug)).split(str(port), 1)[1]
    console.rule("[bold]A takedown demand")
    t0 = clock.now()
    did = core.add_demand({
        "title": "Remove the report on police conduct at the border protest",
        "sender": {"name": "Ministry of Internal Affairs of the Kyrgyz Republic", "kind": "ministry",
                   "country": "KG"},
        "recipient": {"name": "Daily Simulated", "kind": "outlet", "country": "KG"},
        "date_sent": t0.date().isoformat(),
        "date_received": isoformat(t0),
        "deadline": (t0 + timedelta(days=1)).date().isoformat(),
        "channel": "letter",
        "legal_basis": [{"country": "KG", "citation": "Law on Protection from False Information, art. 4"}],
        "actions": ["remove"],
        "targets": [{"url": url}],
        "notes": "The ministry also forwarded the material to the prosecutor's office.",
    })
    watch_id = core.watch(url, tags={"measure_in": ["KZ"], "outlet": "Daily Simulated"})

    def check_origin() -> dict[str, Any]:
        return asyncio.run(core.check([watch_id]))[0]

    first = check_origin()
    console.print(f"[cyan]{isoformat(clock.now())}[/]  demand #{did} received; article captured: {first['status']}")
    clock.advance(timedelta(hours=6))
    dm.set_response(core, did, "refused", by="editor-in-chief")
    console.print(f"[cyan]{isoformat(clock.now())}[/]  the editors refuse")
    clock.advance(timedelta(days=1, hours=4))
    later = check_origin()
    console.print(f"[cyan]{isoformat(clock.now())}[/]  a day later, at the origin: {later['status']}")

    # an editor subscribed to blocks in KZ: a signed webhook to a local receiver
    with alert_receiver(core, events=["blocked"], countries=["KZ"]) as rx, \
            loopback_kz_vantage("localhost", "127.0.0.1", port) as kz:
        results = []
        for _ in range(2):  # a block is confirmed by consistent measurements
            clock.advance(timedelta(hours=1))
            results.append(asyncio.run(core.measure(
                url, country="KZ", network="AS9198 Simulated KZ ISP",
                resolver=kz.resolver, control_resolver=kz.control_resolver,
            )))
        m = results[-1]["measurement"]
        console.print(f"[cyan]{isoformat(clock.now())}[/]  measured from KZ: blocking={m['blocking']} "
                      f"blockpage={m.get('blockpage')} accessible={m['accessible']}")
        asyncio.run(core.deliver_alerts())
        rx.wait_for(1, timeout=10.0)
        alerts = rx.describe()
    for line in alerts:
        console.print(f"  {line}")
    summary["alerts"] = alerts

    iid = inc.create_incident(core, "Kyrgyz interior ministry vs Daily Simulated", kind="censorship/removal")
    inc.add_to_incident(core, iid, demands=[did], countries=["KZ"])
    t = Table("when", "what", title=f"Incident #{iid} timeline")
    for e in inc.timeline(core, iid):
        t.add_row(isoformat(e.at), e.summary[:110])
    console.print(t)
    outcome = inc.infer_outcome(core, iid)
    for line in outcome.statements:
        console.print(f"  inferred: [bold]{line}[/]")

    bundle = core.data_dir / f"incident-{iid}.wacz"
    export_bundle(core, public_incident_entries(core, iid), bundle)
    report = verify_bundle(bundle)
    console.print(f"evidence bundle {bundle.name}: {'verifies offline' if report.ok else report.failures}")
    tampered = bundle.with_name("tampered.wacz")
    raw = bytearray(bundle.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    tampered.write_bytes(bytes(raw))
    bad = verify_bundle(tampered)
    console.print(f"a copy with one flipped byte: {'verifies (!)' if bad.ok else 'fails: ' + bad.failures[0][:90]}")

    online = later["status"] in ("unchanged", "new", "edited")
    blocked = m["blocking"]
    since = next((e.at for e in inc.timeline(core, iid) if e.kind == "blocked"), None)
    sentence = (f"The article is {'still online at the origin, unchanged' if online else 'not online'}; "
                f"blocked in KZ ({blocked}) since {isoformat(since) if since else '-'}.")
    console.rule()
    console.print(f"[bold]{sentence}[/]")
    console.print(f"→ online at origin, blocked in KZ ({blocked})" if online and blocked else "")
    summary.update(blocking=m, outcome=outcome.as_dict(), bundle_ok=report.ok, tampered_ok=bad.ok,
                   sentence=sentence, demand=did, incident=iid)
