"""Main-text and metadata extraction (trafilatura in its fast mode) plus whole-page features."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import lxml.html
import trafilatura
from htmldate import find_date
from lxml import etree
from trafilatura.metadata import examine_meta, extract_meta_json, extract_sitename, extract_title
from trafilatura.settings import Document, Extractor

from presswatch.analyze.fingerprint import sketch
from presswatch.analyze.text import decode_html, normalize_text, words
from presswatch.analyze.thresholds import DATELINE_DROP_MAX_WORDS, DATELINE_MAX_WORDS, LINK_LINE_MIN_WORDS

__all__ = ["extract", "extract_tree", "Extracted", "parse_html", "text_digest", "visible_text"]

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_VISIBLE = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"
    " or ancestor::svg)]"
)
_TITLE = etree.XPath("string(//head/title)")
_H1 = etree.XPath("string(//h1)")
_CANONICAL = etree.XPath("//link[@rel='canonical']/@href")
_LANG = etree.XPath("string(/html/@lang)")
_MAX_NODES_TEXT = 2_000_000  # characters of visible text we look at, at most

# trafilatura fast path for the main text; metadata comes from its cheaper building blocks (below)
_OPTIONS = Extractor(output_format="python", fast=True, comments=False, tables=True, with_metadata=False)


@dataclass(frozen=True)
class Extracted:
    """What one page says: main text (normalized), metadata and whole-page features."""

    title: str | None
    text: str
    paragraphs: tuple[str, ...]
    lang: str | None
    meta: Mapping[str, Any]
    text_digest: str
    page_words: int
    fingerprint: tuple[int, ...] = field(default=())


_CLOCK = re.compile(r"\b\d{1,2}[:.h]\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?", re.I)
_DATE = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d+\s+(?:min|mins|minutes?|hours?|hrs?|days?)\s+ago\b", re.I
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_LIST_MARK = re.compile(r"^(?:[-*•·▪►>]\s*)+")


def _digest_line(line: str) -> str:
    n = len(line.split())
    if n <= DATELINE_MAX_WORDS:
        masked = _DATE.sub("<t>", _CLOCK.sub("<t>", line))
        if n <= DATELINE_DROP_MAX_WORDS and (masked != line or _YEAR.search(line)):
            return ""  # a bare date/time line ("Wednesday, 04 May 2022") comes and goes with the layout
        line = masked
    return line


def text_digest(title: str | None, text: str) -> str:
    """``sha256:<hex>`` over the normalized title and main text.

    Clock times and dates in short lines (bylines, "updated 5 minutes ago") are masked: they change on
    every render of some sites without the article changing.
    """
    lines = [d for x in normalize_text(text).split("\n") if (d := _digest_line(x))]
    payload = normalize_text(title or "") + "\n\n" + "\n".join(lines)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _link_lines(tree: lxml.html.HtmlElement) -> set[str]:
    """Normalized, lower-cased texts of all links."""
    out = set()
    for a in tree.iter("a"):
        t = normalize_text(a.text_content()).replace("\n", " ").lower()
        if t:
            out.add(t)
    return out


def parse_html(body: bytes, content_type: str | None = None) -> lxml.html.HtmlElement | None:
    """Decode and parse an HTML body leniently; ``None`` when there is no document at all."""
    text = decode_html(body, content_type)
    text = _CONTROL.sub("", _XML_DECL.sub("", text, count=1))
    if not text.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        log.debug("unparseable HTML: %s", exc)
        return None
    return tree if isinstance(tree, lxml.html.HtmlElement) else None


def visible_text(tree: lxml.html.HtmlElement) -> str:
    """All text a reader could see in the body (scripts, styles, templates excluded)."""
    parts = _VISIBLE(tree)
    out = " ".join(str(p) for p in parts if isinstance(p, str))
    return out[:_MAX_NODES_TEXT]


def _str(v: object) -> str | None:
    return v.strip() or None if isinstance(v, str) else None


def _is_link_line(line: str, links: set[str]) -> bool:
    """A list item that is a link ("Share", "Previous", another story's headline), or led by or mostly
    made of a link of a few words (teaser lists: headline link plus standfirst)."""
    bare = _LIST_MARK.sub("", line).lower()
    if bare == line.lower():
        return False  # not a list item: plain lines may well repeat a link text (a headline, a date)
    if bare in links:
        return True
    n = len(bare.split())
    for a in links:
        k = len(a.split())
        if k >= LINK_LINE_MIN_WORDS and (bare.startswith(a) or (k * 2 >= n and a in bare)):
            return True
    return False


def _metadata(tree: lxml.html.HtmlElement, url: str) -> tuple[str | None, dict[str, Any]]:
    """Title and metadata from meta tags and JSON-LD (trafilatura) and the date (htmldate, fast search)."""
    meta: dict[str, Any] = {}
    try:
        doc = examine_meta(tree)
        try:
            doc = extract_meta_json(tree, doc)
        except Exception as exc:  # malformed JSON-LD
            log.debug("JSON-LD metadata of %s: %s", url, exc)
        title = _str(doc.title) or _str(extract_title(tree))
        for key in ("author", "sitename", "description", "image"):
            if (val := _str(getattr(doc, key, None))) is not None:
                meta[key] = val
        if "sitename" not in meta and (site := _str(extract_sitename(tree))):
            meta["sitename"] = site
        date = find_date(tree, extensive_search=False, original_date=True, outputformat="%Y-%m-%d", url=url)
        if date:
            meta["date"] = date
    except Exception as exc:  # metadata is a bonus: never fail the extraction for it
        log.debug("metadata of %s: %s", url, exc)
        return None, meta
    return title, meta


def extract(body: bytes, url: str, content_type: str | None = None) -> Extracted:
    """Extract title, main text, metadata, page size and fingerprint from an HTML body.

    Never raises on bad input: an empty or hopeless document gives empty text.
    """
    return extract_tree(parse_html(body or b"", content_type), url)


def extract_tree(tree: lxml.html.HtmlElement | None, url: str, visible: str | None = None) -> Extracted:
    """:func:`extract` from a tree :func:`parse_html` already built (``None``: no document).

    The tree is only read, never changed (trafilatura works on its own copy), so the caller may go on
    using it for the page's other features: a body is parsed once per check. ``visible`` is
    :func:`visible_text` of the tree when the caller has it already.
    """
    if tree is None:
        return _build(None, "", {}, None, 0, ())
    page_tokens = words(visible_text(tree) if visible is None else visible)
    fingerprint = sketch(page_tokens)
    links = _link_lines(tree)
    html_title = normalize_text(str(_TITLE(tree))) or None
    lang = _str(_LANG(tree))
    canonical = _CANONICAL(tree)
    title, meta = _metadata(tree, url)
    meta["html_title"] = html_title
    if canonical:
        meta["canonical"] = str(canonical[0]).strip()
    doc: Document | None = None
    try:
        result = trafilatura.bare_extraction(tree, url=url, options=_OPTIONS)
        doc = result if isinstance(result, Document) else None
    except Exception as exc:  # trafilatura can trip on pathological trees; the page still has features
        log.warning("extraction failed for %s: %s", url, exc)
    text = (doc.text or "") if doc is not None else ""
    heads = {normalize_text(t).lower() for t in (title, html_title, str(_H1(tree))) if t}
    lines = normalize_text(text).split("\n") if text else []
    while lines and lines[0].lower() in heads:
        lines.pop(0)  # the headline is the title: not a paragraph of its own
    if links:
        links -= heads  # a "most read" box may link to this very article
        lines = [ln for ln in lines if not _is_link_line(ln, links)]
    text = "\n".join(lines)
    if doc is not None:
        lang = lang or _str(doc.language)
    return _build(title or html_title, text, meta, lang, len(page_tokens), fingerprint)


def _build(
    title: str | None, text: str, meta: dict[str, Any], lang: str | None, page_words: int, fp: tuple[int, ...]
) -> Extracted:
    title = normalize_text(title).replace("\n", " ") if title else None
    norm = normalize_text(text)
    paragraphs = tuple(norm.split("\n")) if norm else ()
    return Extracted(
        title=title or None,
        text=norm,
        paragraphs=paragraphs,
        lang=lang.lower() if lang else None,
        meta=meta,
        text_digest=text_digest(title, norm),
        page_words=page_words,
        fingerprint=fp,
    )
