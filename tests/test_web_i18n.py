"""Interface languages: every template string and every word translated from data has a Russian
translation; the language follows the visitor's choice, else Accept-Language; Cyrillic content renders."""

from __future__ import annotations

import re

import pytest
from websupport import client, open_core

from presswatch.web.i18n import VOCABULARY, pick_language, template_messages, translations


def test_russian_catalog_is_complete() -> None:
    ru = translations("ru")
    ids = [*template_messages(), *VOCABULARY]
    assert len(ids) > 200
    untranslated = [m for m in ids if ru.gettext(m) == m and m not in ("API", "ok")]
    assert untranslated == []
    assert "%(n)s" in ru.gettext("seen %(n)s times")  # placeholders kept
    for m in ids:
        if "%(" in m:
            assert sorted(re.findall(r"%\(\w+\)s", m)) == sorted(re.findall(r"%\(\w+\)s", ru.gettext(m))), m


def test_language_choice() -> None:
    assert pick_language(None, "ru-RU,ru;q=0.9,en-US;q=0.8") == "ru"
    assert pick_language(None, "en-GB,en;q=0.9,ru;q=0.8") == "en"
    assert pick_language(None, "de-DE,de;q=0.9,ru;q=0.5") == "ru"
    assert pick_language(None, "de, fr") == "en" and pick_language(None, None) == "en"
    assert pick_language("ru", "en") == "ru" and pick_language("xx", "ru") == "ru"


@pytest.fixture
def core(tmp_path):  # type: ignore[no-untyped-def]
    c = open_core(tmp_path, f"sqlite:///{tmp_path / 'i18n.sqlite3'}")
    yield c
    c.close()


def test_pages_follow_accept_language_and_the_cookie(core) -> None:  # type: ignore[no-untyped-def]
    c = client(core)
    assert "Сводка" in c.get("/", headers={"Accept-Language": "ru"}).text
    page = c.get("/", headers={"Accept-Language": "en"})
    assert "Dashboard" in page.text and "Сводка" not in page.text and '<html lang="en">' in page.text
    r = c.get("/lang", params={"set": "ru", "next": "/demands"})
    assert r.status_code == 303 and r.headers["location"] == "/demands"
    shown = c.get("/demands", headers={"Accept-Language": "en"})
    assert '<html lang="ru">' in shown.text and "Требования" in shown.text
    assert c.get("/lang", params={"set": "ru", "next": "//evil.example/"}).headers["location"] == "/"


def test_cyrillic_content_renders_escaped_and_intact(core) -> None:  # type: ignore[no-untyped-def]
    did = core.add_demand({"title": "Удалить «статью» <script>alert(1)</script>", "sender": "Министерство",
                           "recipient": "Редакция", "actions": ["remove"]})
    html = client(core).get(f"/demands/{did}", headers={"Accept-Language": "ru"}).text
    assert "Удалить «статью» &lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Отправитель" in html and "министерство" in html  # the sender kind, translated
