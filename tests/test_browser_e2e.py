"""End to end in a real headless Chromium: sign in, watch an article of the simulated site, check it, see
the edit and the takedown on the dashboard, open the diff, record a demand through the form, open an
incident and see its timeline, download the bundle and verify it with ``presswatch verify``. Every request
the browser makes stays on 127.0.0.1. Screenshots of the main pages go to ``$PRESSWATCH_ARTIFACTS``
(default: the test's temporary folder)."""

from __future__ import annotations

import asyncio
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from browser import launch_chromium, serve_app
from runsupport import cli, cli_env, control, simsite_process
from websupport import open_core

from presswatch.sim.censor import loopback_kz_vantage
from presswatch.web.app import create_app
from presswatch.web.auth import add_user


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("PRESSWATCH_ARTIFACTS") or tmp_path) / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_newsroom_story_in_a_browser(tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'e2e.sqlite3'}", respect_robots=False)
    add_user(core, "editor", "correct horse 1", "editor")
    requests: list[str] = []
    try:
        with simsite_process(articles=6, seed=5) as site, serve_app(create_app(core)) as base, \
                launch_chromium() as browser:
            # watched by name, so a simulated Kazakh resolver can lie about it (as in the demo)
            article = control(site, "/_sim/articles")["urls"][0].replace("127.0.0.1", "localhost")
            slug = article.rstrip("/").rsplit("/", 1)[-1]
            ctx = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900},
                                      locale="en-US")
            page = ctx.new_page()
            page.on("request", lambda r: requests.append(r.url))

            page.goto(f"{base}/login")
            page.fill("input[name=name]", "editor")
            page.fill("input[name=password]", "correct horse 1")
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_url(f"{base}/")
            assert "editor (editor)" in page.content()

            page.fill("form[action='/watches'] input[name=url]", article)
            page.fill("form[action='/watches'] input[name=country]", "KZ")
            page.fill("form[action='/watches'] input[name=outlet]", "Daily Simulated")
            page.click("form[action='/watches'] button[type=submit]")
            page.wait_for_url(f"{base}/watches/*")
            article_page = page.url

            def check() -> None:
                page.click("form[action$='/check'] button")
                page.wait_for_load_state("load")

            check()
            control(site, "/_sim/state", {"slug": slug, "state": "edit-paragraph", "params": {"index": 1}})
            check()
            control(site, "/_sim/state", {"slug": slug, "state": "removal-notice", "params": {"lang": "ru"}})
            check()
            check()

            port = int(urlsplit(article).port or 80)
            with loopback_kz_vantage("localhost", "127.0.0.1", port) as kz:
                for _ in range(2):  # a block is confirmed by consistent measurements
                    measure = core.measure(article, country="KZ", network="AS9198 Simulated KZ ISP",
                                           resolver=kz.resolver, control_resolver=kz.control_resolver)
                    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
                        pool.submit(asyncio.run, measure).result()

            page.goto(f"{base}/")
            events = page.inner_text("table.events")
            assert "edited" in events and "removal-notice" in events and "blocked" in events
            page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

            page.goto(article_page)
            assert "removal-notice" in page.inner_text("p.now")
            first_capture = page.get_attribute("ul.captures a", "href")
            assert first_capture and first_capture.startswith("/captures/")
            page.screenshot(path=str(shots / "article.png"), full_page=True)
            page.goto(f"{base}{first_capture}")
            frame = page.locator("iframe.replay")
            assert frame.get_attribute("sandbox") == "allow-scripts"
            src = frame.get_attribute("src") or ""  # a signed-in reader gets a signed replay link
            assert re.fullmatch(re.escape(core.settings.replay_origin) + r"/k/[^/]+/c/"
                                + re.escape(first_capture.rsplit("/", 1)[1]), src), src
            page.goto(article_page)
            page.click("text=Latest change")
            page.wait_for_url("**/diff*")
            assert page.locator("table.sbs ins").count() > 0 and page.locator("table.sbs del").count() > 0
            page.screenshot(path=str(shots / "diff.png"), full_page=True)
            diff_url = page.url
            if page.locator("#prev").count():
                page.keyboard.press("ArrowLeft")
                page.wait_for_url(lambda u: u != diff_url)

            page.goto(article_page)
            page.click("text=Record a demand about this article")
            page.fill("input[name=title]", "Ministry demands removal of the report")
            page.fill("input[name=sender_name]", "Ministry of Information")
            page.select_option("select[name=sender_kind]", "ministry")
            page.fill("input[name=sender_country]", "KZ")
            page.fill("input[name=recipient_name]", "Daily Simulated")
            page.fill("input[name=deadline]", "2026-12-31")
            page.fill("input[name=legal_citation]", "Law on Mass Media, art. 23")
            letter = tmp_path / "letter.pdf"
            letter.write_bytes(b"%PDF-1.4\n% the ministry's letter\n")
            page.set_input_files("input[name=documents]", str(letter))
            page.click("form.form button[type=submit]")
            page.wait_for_url(f"{base}/demands/*")
            assert "letter.pdf" in page.content() and "Law on Mass Media" in page.content()
            page.screenshot(path=str(shots / "demand.png"), full_page=True)
            demand_page = page.url

            page.goto(article_page)
            check()  # the article, checked after the demand: still removed
            page.goto(demand_page)
            page.click("text=Open an incident for this demand")
            page.fill("input[name=title]", "Ministry vs Daily Simulated")
            page.fill("input[name=description]", "A demand to remove a report; the report was taken down.")
            page.fill("textarea[name=body]", "The ministry wrote to the editors.\n\nThe article was replaced.")
            page.fill("input[name=countries]", "KZ")
            page.click("button[value=preview]")
            assert "Preview" in page.inner_text("section.preview")
            page.check("input[name=published]")
            page.click("button[value=save]")
            page.wait_for_url(f"{base}/incidents/*")
            timeline = page.inner_text("ol.timeline")
            assert "demand" in timeline and "removed" in timeline
            assert "complied" in page.inner_text("section.outcome")
            page.screenshot(path=str(shots / "incident.png"), full_page=True)

            with page.expect_download() as dl:
                page.click("#bundle")
            bundle = tmp_path / "incident.wacz"
            dl.value.save_as(str(bundle))

            page.goto(f"{base}/countries/KZ")
            assert "blocked since" in page.inner_text("main") and "dns" in page.inner_text("main")
            page.screenshot(path=str(shots / "country.png"), full_page=True)
            page.goto(f"{base}/docs")  # the OpenAPI page renders from the app's own assets (no CDN)
            page.wait_for_selector(".opblock", timeout=30_000)
            assert page.locator(".opblock").count() > 10
            page.goto(f"{base}/lang?set=ru&next=/")
            assert "Сводка" in page.content()
            page.screenshot(path=str(shots / "dashboard-ru.png"), full_page=True)
            ctx.close()
    finally:
        core.close()
    verified = cli(["verify", str(bundle)], cli_env(tmp_path / "elsewhere"))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    hosts = {urlsplit(u).hostname for u in requests if u.startswith("http")}
    assert hosts <= {"127.0.0.1"}, hosts
