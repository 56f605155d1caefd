"""A small recorded story for the web tests: articles checked, edited and removed on the simulated site,
a public and a private demand, a published and a private incident; plus signing in through the pages."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from presswatch.core import Presswatch
from presswatch.settings import Settings

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = "Zorgblatt"  # a word only the private demand and incident contain


@dataclass
class Story:
    core: Presswatch
    edited: int  # watch ids
    private_target: int
    plain: int
    public_demand: int
    private_demand: int
    public_incident: int
    private_incident: int
    urls: dict[str, str]


def open_core(tmp_path: Path, db_url: str, **settings: Any) -> Presswatch:
    base: dict[str, Any] = {"data": tmp_path / "data", "db": db_url, "allow_private": True, "confirm_checks": 2,
                            "timeout": 5.0}
    return Presswatch.open(Settings(**{**base, **settings}))


def record_story(core: Presswatch, site: Any) -> Story:
    from presswatch.cases.incidents import add_to_incident, create_incident

    urls = site.article_urls()
    a, b, c = urls[0], urls[1], urls[2]
    ids = [core.watch(u, tags={"country": "KZ", "outlet": "Daily Simulated"}) for u in (a, b, c)]
    asyncio.run(core.check(ids))
    slug_a = a.rstrip("/").rsplit("/", 1)[-1]
    site.set_state(slug_a, "edit-paragraph", index=1)
    asyncio.run(core.check([ids[0]]))
    site.set_state(slug_a, "removal-notice", lang="ru")
    asyncio.run(core.check([ids[0]]))
    asyncio.run(core.check([ids[0]]))
    public = core.add_demand({
        "title": "Ministry demands removal of the report", "sender": {"name": "Ministry of Information",
                                                                       "country": "KZ"},
        "recipient": {"name": "Daily Simulated"}, "actions": ["remove"], "targets": [a],
        "date_received": "2026-01-10", "visibility": "public"})
    private = core.add_demand({
        "title": f"{SECRET} order to delete", "sender": {"name": f"{SECRET} Prosecutor", "kind": "prosecutor",
                                                         "country": "KZ"},
        "recipient": {"name": "Daily Simulated"}, "actions": ["remove"], "targets": [b],
        "notes": f"{SECRET} confidential", "visibility": "private"})
    pub_inc = create_incident(core, "Ministry vs Daily Simulated", description="the founding story")
    add_to_incident(core, pub_inc, demands=[public], countries=["KZ"])
    priv_inc = create_incident(core, f"{SECRET} case", description=f"{SECRET} hidden", visibility="private")
    add_to_incident(core, priv_inc, demands=[private])
    return Story(core, ids[0], ids[1], ids[2], public, private, pub_inc, priv_inc, {"edited": a, "private": b,
                                                                                     "plain": c})


def client(core: Presswatch) -> TestClient:
    from presswatch.web.app import create_app

    return TestClient(create_app(core), base_url="http://testserver", follow_redirects=False)


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def sign_in(c: TestClient, core: Presswatch, name: str, role: str, password: str = "correct horse 1") -> None:
    from presswatch.web.auth import add_user

    add_user(core, name, password, role)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.text
