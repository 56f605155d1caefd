"""A press report in a real headless Chromium: sign in, paste a report, review the draft (quotes
highlighted), add a missing actor, accept it and follow the link to the incident. Every request the browser
makes stays on 127.0.0.1. A screenshot of the review page goes to ``$PRESSWATCH_ARTIFACTS``."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from browser import launch_chromium, serve_app
from reports_support import founding_like
from websupport import open_core

from presswatch.web.app import create_app
from presswatch.web.auth import add_user


def test_review_a_report_in_a_browser(tmp_path: Path) -> None:
    shots = Path(os.environ.get("PRESSWATCH_ARTIFACTS") or tmp_path) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    core = open_core(tmp_path, f"sqlite:///{tmp_path / 'b.sqlite3'}")
    add_user(core, "editor", "correct horse 1", "editor")
    requests: list[str] = []
    try:
        with serve_app(create_app(core)) as base, launch_chromium() as browser:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(f"{base}/login?next=/reports/new")
            page.fill("input[name=name]", "editor")
            page.fill("input[name=password]", "correct horse 1")
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_url(f"{base}/reports/new")
            page.fill("textarea[name=text]", founding_like("https://news.example/2015/11/camp-video"))
            page.click("form[action='/reports/new'] button[type=submit]")
            page.wait_for_url(f"{base}/reports/*")
            assert page.locator("mark").count() >= 3
            assert "remains online" in page.content()
            page.fill("input[name=new_actor_name]", "State Security Committee")
            page.click("form.review button[type=submit]")
            page.wait_for_load_state()
            assert page.locator("input[value='State Security Committee']").count() == 1
            page.screenshot(path=str(shots / "report-review.png"), full_page=True)
            page.click("form[action$='/accept'] button[type=submit]")
            page.wait_for_load_state()
            assert "Accepted into the record" in page.content()
            page.click("p.accepted a[href^='/incidents/']")
            page.wait_for_url(f"{base}/incidents/*")
        assert requests and all(urlsplit(u).hostname == "127.0.0.1" for u in requests)
    finally:
        core.close()
