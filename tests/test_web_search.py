"""Search across titles and extracted text of every version, demands and incidents, on SQLite FTS5 and
PostgreSQL full text: Cyrillic included (case-folded, prefixes), filters, and the audience's visibility."""

from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler

import pytest
from runsupport import local_http
from websupport import client, open_core, sign_in

from presswatch.web.principal import ANONYMOUS, Principal
from presswatch.web.queries import audience
from presswatch.web.search import InvalidSearch, SearchQuery, search

PAGES = {
    "/ru": ("Министерство потребовало удалить расследование",
            "Редакция получила письмо министерства с требованием удалить расследование о закупках. "
            "Главный редактор отказался выполнить требование и оставил материал на сайте."),
    "/en": ("Court orders newspaper to unpublish report",
            "The district court ordered the newspaper to unpublish its report on procurement. The editors "
            "said they would appeal the order and keep the report online for now."),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        title, text = PAGES.get(self.path, ("Not found", "Nothing here."))
        paras = "".join(f"<p>{text} {text}</p>" for _ in range(3))
        body = (f"<!doctype html><html lang=ru><head><meta charset=utf-8><title>{title}</title></head><body>"
                f"<article><h1>{title}</h1>{paras}</article></body></html>").encode()
        self.send_response(200 if self.path in PAGES else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def core(tmp_path, db_url):  # type: ignore[no-untyped-def]
    c = open_core(tmp_path, db_url)
    with local_http(Handler) as port:
        base = f"http://127.0.0.1:{port}"
        ru = c.watch(f"{base}/ru", tags={"country": "KZ", "outlet": "Vlast"})
        en = c.watch(f"{base}/en", tags={"country": "KG", "outlet": "Kloop"})
        asyncio.run(c.check([ru, en]))
    c.add_demand({"title": "Требование удалить расследование о закупках", "sender": "Министерство информации",
                  "recipient": {"name": "Vlast", "person": "Айгуль Секретова"}, "actions": ["remove"],
                  "visibility": "redacted"})
    c.add_demand({"title": "Тайное предписание", "sender": "Прокуратура", "recipient": "Vlast", "actions": ["remove"],
                  "visibility": "private"})
    yield c
    c.close()


def _find(core, text: str, who: Principal = ANONYMOUS, **flt) -> list[dict]:  # type: ignore[no-untyped-def]
    return search(core, audience(core, who), SearchQuery(text, **flt))


def test_cyrillic_words_match_case_folded_and_by_prefix(core) -> None:  # type: ignore[no-untyped-def]
    for q in ("расследование", "РАССЛЕДОВАНИЕ", "расслед", "главный редактор"):
        kinds = [r["kind"] for r in _find(core, q)]
        assert "version" in kinds, q
    hit = next(r for r in _find(core, "закупках") if r["kind"] == "version")
    assert hit["title"] == "Министерство потребовало удалить расследование" and "закупках" in hit["snippet"]
    assert [r["title"] for r in _find(core, "unpublish procurement")] == ["Court orders newspaper to unpublish report"]
    assert _find(core, "несуществующееслово") == []
    with pytest.raises(InvalidSearch):
        _find(core, "  ,,, ")


def test_filters(core) -> None:  # type: ignore[no-untyped-def]
    assert {r["kind"] for r in _find(core, "расследование", kind="demand")} == {"demand"}
    assert [r["kind"] for r in _find(core, "расследование", kind="version", country="KZ")] == ["version"]
    assert _find(core, "расследование", kind="version", country="KG") == []
    assert [r["kind"] for r in _find(core, "report", outlet="Kloop")] == ["version"]
    assert _find(core, "report", status="removed") == []
    assert len(_find(core, "report", status="new")) == 1
    assert len(_find(core, "report", since="2000-01-01")) == 1 and _find(core, "report", until="2000-01-01") == []


def test_what_each_audience_may_find(core) -> None:  # type: ignore[no-untyped-def]
    staff = Principal(role="viewer", user_id=1, name="v", via="session")
    assert _find(core, "Тайное") == [] and [r["kind"] for r in _find(core, "Тайное", staff)] == ["demand"]
    assert _find(core, "Секретова") == []  # the redacted demand's person's name is not searchable anonymously
    assert [r["kind"] for r in _find(core, "Секретова", staff)] == ["demand"]
    assert [r["kind"] for r in _find(core, "Требование удалить", kind="demand")] == ["demand"]
    # a record that changes visibility is indexed again
    from presswatch.cases.demands import update_demand

    update_demand(core, 2, {"visibility": "public"}, by="t")
    assert [r["kind"] for r in _find(core, "Тайное")] == ["demand"]


def test_search_page_renders_cyrillic(core) -> None:  # type: ignore[no-untyped-def]
    c = client(core)
    r = c.get("/search", params={"q": "расследование"})
    assert r.status_code == 200 and "Министерство потребовало удалить расследование" in r.text
    assert "Тайное" not in c.get("/search", params={"q": "Тайное"}).text.replace('value="Тайное"', "")
    sign_in(c, core, "val", "viewer")
    assert "Тайное предписание" in c.get("/search", params={"q": "Тайное"}).text
    api = c.get("/api/v1/search", params={"q": "расслед", "kind": "version"}).json()["rows"]
    assert api and api[0]["link"].startswith("/watches/")
