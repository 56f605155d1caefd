"""Rewriting archived HTML and CSS for replay: every URL a page loads or links to points into the archive.

:class:`HtmlRewriter` parses a page once (lxml), lists the absolute URLs it refers to
(:meth:`~HtmlRewriter.urls`, so the caller can ask the archive which it holds in one query) and
rewrites them (:meth:`~HtmlRewriter.render`): ``href``/``src``/``srcset``/``poster``/``action``/``data``,
``url()`` and ``@import`` in ``<style>`` and ``style=""``. A URL the archive holds becomes its replay
URL (``resolve(url)``); any other becomes :data:`PLACEHOLDER`, which loads nothing. ``<base>``, ``ping``,
``integrity`` and meta refresh / set-cookie / CSP are removed. The *evidence* rendering first removes
scripts, event handlers, ``javascript:`` URLs, forms, frames, embedded objects and meta tags entirely
(lxml_html_clean), then rewrites what is left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree
from lxml_html_clean import Cleaner

from presswatch.analyze.text import decode_html
from presswatch.fetch.requisites import CSS_URL, split_srcset

__all__ = ["PLACEHOLDER", "HtmlRewriter", "Resolve", "rewrite_css", "target"]

#: What a URL the archive does not hold becomes: a URL that loads nothing and goes nowhere.
PLACEHOLDER = "about:blank#not-archived"

Resolve = Callable[[str], str | None]
"""``resolve(absolute_url)``: its replay URL when the archive holds it, else ``None``."""

_URL_ATTRS = ("href", "src", "action", "data", "poster", "background", "formaction", "longdesc", "cite",
              "codebase", "usemap", "manifest", "icon", "xlink:href")
_SRCSET_ATTRS = ("srcset", "imagesrcset")
_DROP_ATTRS = ("ping", "integrity", "nonce")
_DROP_META = {"refresh", "set-cookie", "content-security-policy", "content-security-policy-report-only", "link"}
_INERT = ("data:", "#")


def target(base: str, ref: str) -> tuple[str | None, str]:
    """``ref`` resolved against ``base``: ``(absolute http(s) URL without fragment, "#fragment")``, or
    ``(None, "")`` for anything else (``javascript:``, ``mailto:``, garbage)."""
    ref = ref.strip()
    if not ref or ref.startswith("#"):
        return None, ""
    try:
        url, frag = urldefrag(urljoin(base, ref))
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None, ""
    if scheme not in ("http", "https"):
        return None, ""
    return url, ("#" + frag if frag else "")


def _map(base: str, ref: str, resolve: Resolve) -> str:
    stripped = ref.strip()
    low = stripped.lower()
    if not stripped or stripped.startswith("#"):
        return ref
    if low.startswith("data:"):
        return stripped
    url, frag = target(base, stripped)
    if url is None:
        return PLACEHOLDER
    mapped = resolve(url)
    return mapped + frag if mapped else PLACEHOLDER


def rewrite_css(text: str, base: str, resolve: Resolve) -> str:
    """CSS with every ``url()`` and ``@import`` pointed into the archive (or at :data:`PLACEHOLDER`)."""

    def sub(m: re.Match[str]) -> str:
        if m.group("u") is not None:
            return f'url("{_css_escape(_map(base, m.group("u"), resolve))}")'
        return f'@import "{_css_escape(_map(base, m.group("i"), resolve))}"'

    return CSS_URL.sub(sub, text)


def _css_escape(url: str) -> str:
    return url.replace("\\", "\\\\").replace('"', "%22").replace("\n", "").replace("\r", "")


def _css_refs(text: str, base: str) -> set[str]:
    out = set()
    for m in CSS_URL.finditer(text):
        ref = m.group("u") if m.group("u") is not None else m.group("i")
        url, _ = target(base, ref or "")
        if url:
            out.add(url)
    return out


class HtmlRewriter:
    """One archived HTML page, parsed once: the URLs it refers to, and renderings that replay it."""

    def __init__(self, body: bytes, content_type: str | None, url: str) -> None:
        self.url = url
        text = decode_html(body, content_type)
        try:
            self.doc: lxml.html.HtmlElement | None = lxml.html.document_fromstring(text) if text.strip() else None
        except (etree.ParserError, ValueError):
            self.doc = None
        self.base = url
        if self.doc is not None:
            for b in self.doc.iter("base"):
                href = b.get("href")
                if href:
                    resolved, _ = target(url, href)
                    self.base = resolved or url
                    break

    def _refs(self, doc: lxml.html.HtmlElement) -> set[str]:
        out: set[str] = set()
        for el in doc.iter(etree.Element):
            if el.tag == "base":
                continue
            for attr in _URL_ATTRS:
                v = el.get(attr)
                if v:
                    u, _ = target(self.base, v)
                    if u:
                        out.add(u)
            for attr in _SRCSET_ATTRS:
                for ref, _ in split_srcset(el.get(attr) or ""):
                    u, _ = target(self.base, ref)
                    if u:
                        out.add(u)
            if el.get("style"):
                out |= _css_refs(el.get("style", ""), self.base)
            if el.tag == "style" and el.text:
                out |= _css_refs(el.text, self.base)
        return out

    def urls(self) -> set[str]:
        """Every absolute http(s) URL the page refers to (links and subresources, fragments dropped)."""
        return self._refs(self.doc) if self.doc is not None else set()

    def render(self, resolve: Resolve, *, evidence: bool = False) -> bytes:
        """The page rewritten for replay, as UTF-8 HTML. ``evidence``: scripts and all active content
        removed first."""
        if self.doc is None:
            return b"<!doctype html><html><body></body></html>"
        doc = _copy(self.doc)
        if evidence:
            _CLEANER(doc)
            for el in doc.iter(etree.Element):  # event handlers (the cleaner's own pass would drop stylesheets)
                for name in [a for a in el.attrib if a.lower().startswith("on")]:
                    del el.attrib[name]
        for el in list(doc.iter("base")):
            el.drop_tree()
        for el in list(doc.iter("meta")):
            if (el.get("http-equiv") or "").strip().lower() in _DROP_META:
                el.drop_tree()
        for el in doc.iter(etree.Element):
            for attr in _DROP_ATTRS:
                if attr in el.attrib:
                    del el.attrib[attr]
            for attr in _URL_ATTRS:
                v = el.get(attr)
                if v is not None:
                    el.set(attr, _map(self.base, v, resolve))
            for attr in _SRCSET_ATTRS:
                v = el.get(attr)
                if v is not None:
                    parts = []
                    for ref, desc in split_srcset(v):
                        mapped = _map(self.base, ref, resolve)
                        if mapped != PLACEHOLDER:
                            parts.append(f"{mapped} {desc}".strip())
                    if parts:
                        el.set(attr, ", ".join(parts))
                    else:
                        del el.attrib[attr]
            if el.get("style"):
                el.set("style", rewrite_css(el.get("style", ""), self.base, resolve))
            if el.tag == "style" and el.text:
                el.text = rewrite_css(el.text, self.base, resolve)
        out: bytes = lxml.html.tostring(doc, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")
        return out


def _copy(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    tree = lxml.html.document_fromstring(lxml.html.tostring(doc, encoding="unicode"))
    return tree


_CLEANER = Cleaner(
    scripts=True, javascript=False, comments=True, style=False, inline_style=False, links=False, meta=True,
    page_structure=False, processing_instructions=True, embedded=True, frames=True, forms=True,
    annoying_tags=False, remove_unknown_tags=False, safe_attrs_only=False,
)
