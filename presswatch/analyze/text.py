"""Text normalization and HTML decoding."""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata

import charset_normalizer

__all__ = ["decode_html", "normalize_text", "words"]

log = logging.getLogger(__name__)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_CHAR_MAP = str.maketrans(
    {
        **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"},
        **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a"},
        **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
        "\u2026": "...",
    }
)
# one table for both: applied only to text holding one of its characters (most text holds none)
_TRANSLATE = {**_CHAR_MAP, **_ZERO_WIDTH}
_TRANSLATED = re.compile("[" + "".join(re.escape(chr(c)) for c in _TRANSLATE) + "]")
# the same as (character, replacement) pairs: replacing the few present is ~50x faster than str.translate
# with a dict, and a replacement (ASCII or nothing) never makes another character of the table appear
_REPLACEMENTS = tuple((chr(c), r or "") for c, r in _TRANSLATE.items())
_BLANK_LINES = re.compile(r"\n{2,}")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalize_text(s: str) -> str:
    """Canonical form for comparing/digesting text; keeps case and paragraph breaks.

    NFC; zero-width characters and soft hyphens dropped; curly quotes, guillemets, dashes and the
    ellipsis mapped to ASCII; runs of spaces (NBSP included) collapsed; lines stripped; empty lines removed.
    """
    if not s.isascii():
        s = unicodedata.normalize("NFC", s)
    if _TRANSLATED.search(s):  # (the backtick is ASCII)
        for c, r in _REPLACEMENTS:
            if c in s:
                s = s.replace(c, r)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    # str.split() splits on exactly the characters of str.isspace(): NBSP, thin spaces, tabs …
    return "\n".join(j for line in s.split("\n") if (j := " ".join(line.split())))


def words(s: str) -> list[str]:
    """Lower-cased word tokens (Unicode letters/digits)."""
    return _WORD.findall(s.lower())


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# share of non-ASCII characters allowed to be undecodable before we stop trusting a declared UTF-8
_UTF8_MAX_BAD_SHARE = 0.02
_ASCII = bytes(range(128))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    # browsers treat latin-1/ascii labels as windows-1252 (WHATWG encoding standard)
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def _utf8_bad_share(body: bytes) -> float:
    """Share of non-ASCII bytes that do not decode as UTF-8 (0.0 = clean UTF-8)."""
    non_ascii = len(body.translate(None, _ASCII))
    if not non_ascii:
        return 0.0
    text = body.decode("utf-8", errors="replace")
    return min(1.0, text.count("\ufffd") * 1.0 / non_ascii)


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode an HTML body to text; never raises.

    Order: byte-order mark, charset of the Content-Type header, ``<meta charset>``; a declared UTF-8 that
    does not decode (e.g. cp1251 bytes labelled utf-8) and an undeclared non-UTF-8 body go to detection.
    """
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, errors="replace")
    declared: list[str] = []
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m and (c := _codec(m.group(1))):
            declared.append(c)
    m2 = _META_CHARSET.search(body[:4096])
    if m2 and (c := _codec(m2.group(1).decode("ascii", "ignore"))):
        declared.append(c)
    bad = _utf8_bad_share(body)
    for enc in declared:
        if enc in ("utf-8", "utf-8-sig"):
            if bad <= _UTF8_MAX_BAD_SHARE:
                return body.decode("utf-8", errors="replace")
            continue  # mislabelled: detect below
        if enc.startswith(("utf-16", "utf-32")):
            continue  # a real UTF-16 page has a BOM; a label without one is a lie (WHATWG does the same)
        if bad == 0.0 and body.isascii() is False:
            # a single-byte label over bytes that are valid, non-ASCII UTF-8: the label is wrong
            return body.decode("utf-8")
        try:
            return body.decode(enc)
        except UnicodeDecodeError:
            continue
    if bad <= _UTF8_MAX_BAD_SHARE:
        return body.decode("utf-8", errors="replace")
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    enc = best.encoding if best is not None else "cp1252"
    log.debug("detected charset %s", enc)
    try:
        return body.decode(enc, errors="replace")
    except LookupError:
        return body.decode("cp1252", errors="replace")
