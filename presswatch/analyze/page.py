"""What the fetcher observed (:class:`PageFacts`) and the page features the classifier looks at."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from presswatch.analyze.extract import Extracted, extract_tree, parse_html, visible_text
from presswatch.analyze.notices import notice_sentence, prepare, scan
from presswatch.analyze.text import words
from presswatch.analyze.thresholds import BODY_PARA_MIN_WORDS, NOTICE_PARA_MAX_WORDS

__all__ = ["Page", "PageFacts", "url_words"]

_PASSWORD = etree.XPath("boolean(//input[translate(@type,'PASWORD','pasword')='password'])")
_H1 = etree.XPath("string(//h1)")
_TITLE_SITE_SUFFIX = re.compile(r"\s+(?:\||—|–|::|·|-)\s+")
_LINK_TEXT = etree.XPath("//a//text()")


@dataclass(frozen=True)
class PageFacts:
    """One fetch as the fetcher saw it. ``headers`` have lower-cased names; ``body`` is decompressed."""

    url: str
    final_url: str | None
    http_status: int | None
    headers: Mapping[str, str]
    body: bytes | None
    redirects: Sequence[str] = ()
    error_reason: str | None = None
    not_modified: bool = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def url_words(url: str) -> set[str]:
    """Word tokens of a URL's path (slugs often show up in not-found pages)."""
    return set(words(unquote(urlsplit(url).path)))


@dataclass
class Page:
    """Lazily computed features of one fetched page (parsing happens only when a feature is asked for)."""

    facts: PageFacts
    _extracted: Extracted | None = field(default=None, repr=False)

    @cached_property
    def extracted(self) -> Extracted:
        if self._extracted is not None:
            return self._extracted
        return extract_tree(self._tree, self.facts.final_url or self.facts.url, self.visible)

    @cached_property
    def _tree(self) -> lxml.html.HtmlElement | None:
        """The body parsed once; extraction and every feature below read this one tree."""
        return parse_html(self.facts.body or b"", self.facts.content_type)

    @cached_property
    def visible(self) -> str:
        """The page's visible text as found (computed once: extraction, scans and the notice read it)."""
        return visible_text(self._tree) if self._tree is not None else ""

    @cached_property
    def page_text(self) -> str:
        """Lower-cased, normalized visible text of the whole page."""
        return prepare(self.visible)

    @cached_property
    def link_words(self) -> set[str]:
        """Words of all link texts on the page (suggestion boxes, menus, teasers)."""
        if self._tree is None:
            return set()
        return set(words(" ".join(str(t) for t in _LINK_TEXT(self._tree))))

    @cached_property
    def h1(self) -> str:
        return prepare(str(_H1(self._tree))) if self._tree is not None else ""

    @cached_property
    def has_password_field(self) -> bool:
        return bool(_PASSWORD(self._tree)) if self._tree is not None else False

    @cached_property
    def main_text(self) -> str:
        """Lower-cased title, first heading and main text."""
        ex = self.extracted
        return prepare(" \n ".join(filter(None, (ex.title, self.h1, ex.text))))

    @cached_property
    def main_words(self) -> int:
        return len(self.extracted.text.split())

    @cached_property
    def body_words(self) -> int:
        """Words in main-text paragraphs long enough to be prose (menus and link lists are short lines)."""
        return sum(n for n in (len(p.split()) for p in self.extracted.paragraphs) if n >= BODY_PARA_MIN_WORDS)

    @cached_property
    def main_hits(self) -> dict[str, list[str]]:
        return scan(self.main_text)

    def _para_hits(self, short: bool) -> dict[str, list[str]]:
        paras = [p for p in self.extracted.paragraphs if (len(p.split()) <= NOTICE_PARA_MAX_WORDS) == short]
        return scan(prepare("\n".join(paras))) if paras else {}

    @cached_property
    def short_para_hits(self) -> dict[str, list[str]]:
        """Notice hits in short main-text paragraphs (where a message would stand)."""
        return self._para_hits(True)

    @cached_property
    def long_para_hits(self) -> dict[str, list[str]]:
        """Notice hits inside long paragraphs (prose quoting such phrases)."""
        return self._para_hits(False)

    @cached_property
    def head_hits(self) -> dict[str, list[str]]:
        """Notice hits in the title and first heading alone."""
        return scan(prepare(" \n ".join(filter(None, (self.extracted.title, self.html_title, self.h1)))))

    @cached_property
    def page_hits(self) -> dict[str, list[str]]:
        return scan(self.page_text)

    @cached_property
    def own_title(self) -> str | None:
        """The page's own headline as written: its first ``<h1>``, else its ``<title>`` (not a sidebar heading)."""
        if self._tree is not None:
            h1 = " ".join(str(_H1(self._tree)).split())
            if h1:
                return h1
        t = self.extracted.meta.get("html_title")
        if not isinstance(t, str) or not t.strip():
            return None
        t = " ".join(t.split())
        head = _TITLE_SITE_SUFFIX.split(t, maxsplit=1)[0].strip()  # "Notice | The Daily Example" → "Notice"
        return head or t

    @cached_property
    def notice(self) -> str | None:
        """The removal notice's own sentence, when the page carries one."""
        ex = self.extracted
        return notice_sentence([self.own_title or "", *ex.paragraphs, self.visible])

    @cached_property
    def html_title(self) -> str | None:
        t = self.extracted.meta.get("html_title")
        return t.lower() if isinstance(t, str) and t else None

    def text_words(self) -> set[str]:
        """Distinct words of the main text, minus the words of the page's own URL path."""
        return set(words(self.extracted.text)) - url_words(self.facts.url)
