"""The body of a check is parsed once: extraction and the page features read the same lxml tree."""

from __future__ import annotations

import lxml.html
import pytest

import presswatch.analyze.page as page_mod
from presswatch.analyze import PageFacts, classify, extract
from presswatch.analyze.extract import extract_tree, parse_html
from presswatch.analyze.page import Page
from presswatch.pipeline import analyze_page

URL = "https://paper.example/world/2026/04/bridge-reopens"
PARAS = " ".join(f"<p>Paragraph {i}: the old railway bridge over the river reopened to walkers on Monday after "
                 f"three years of restoration work that cost far more than first planned.</p>" for i in range(6))
ARTICLE = (f"<html lang='en'><head><title>Bridge reopens - Paper</title></head><body><nav><a href='/'>Home</a>"
           f"</nav><h1>Bridge reopens</h1><article>{PARAS}</article><form><input type='password'></form>"
           f"</body></html>").encode()
NOTICE = (b"<html><head><title>Paper</title></head><body><h1>Bridge reopens</h1><p>This article has been removed "
          b"at the request of the authorities.</p></body></html>")


def _facts(body: bytes) -> PageFacts:
    return PageFacts(url=URL, final_url=URL, http_status=200, headers={"content-type": "text/html; charset=utf-8"},
                     body=body)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    seen: list[bytes] = []

    def counting(body: bytes, content_type: str | None = None) -> lxml.html.HtmlElement | None:
        seen.append(body)
        return parse_html(body, content_type)

    monkeypatch.setattr(page_mod, "parse_html", counting)
    monkeypatch.setattr(lxml.html, "document_fromstring", _forbid(lxml.html.document_fromstring, seen))
    return seen


def _forbid(real, seen):  # type: ignore[no-untyped-def]
    def wrapped(*a, **kw):  # type: ignore[no-untyped-def]
        seen.append(b"document_fromstring")
        return real(*a, **kw)

    return wrapped


@pytest.mark.parametrize("body", [ARTICLE, NOTICE])
def test_analyze_page_parses_once(parses: list[bytes], body: bytes) -> None:
    extracted, cls = analyze_page(_facts(body), None, None)
    assert extracted is not None and extracted.text
    page = Page(_facts(body))
    for _ in (page.page_text, page.h1, page.link_words, page.has_password_field, page.notice, page.extracted):
        pass
    # one parse for analyze_page, one for the separate Page above: each parsed its body exactly once
    assert parses == [body, b"document_fromstring", body, b"document_fromstring"]
    assert cls.status


@pytest.mark.parametrize("body", [ARTICLE, NOTICE])
def test_same_results_as_separate_parses(body: bytes) -> None:
    facts = _facts(body)
    assert Page(facts).extracted == extract(body, URL, facts.content_type)
    shared = analyze_page(facts, None, None)
    separate = classify(facts, extract(body, URL, facts.content_type), None, None)
    assert shared[1] == separate


def test_extraction_leaves_the_tree_unchanged() -> None:
    tree = parse_html(ARTICLE, "text/html")
    assert tree is not None
    before = lxml.html.tostring(tree)
    extract_tree(tree, URL)
    assert lxml.html.tostring(tree) == before
