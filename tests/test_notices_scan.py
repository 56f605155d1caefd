"""The notice scan runs each pattern only on texts holding one of its literal needles; it must find
exactly what running every regular expression on every text found (the reference below), on hostile
inputs and, when present, on the real pages of the evaluation data."""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presswatch.analyze import notices
from presswatch.analyze.extract import parse_html, visible_text
from presswatch.analyze.notices import PATTERNS, notice_sentence, prepare, scan
from presswatch.analyze.text import normalize_text

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "articles"
if not DATA.exists():
    DATA = Path("/work/shared/data/articles")

# -- the reference: every regular expression on every text, every sentence prepared on its own -------
_REF = {cat: [(f"{cat}/{lang}/{i}", re.compile(p)) for lang, pats in by.items() for i, p in enumerate(pats)]
        for cat, by in PATTERNS.items()}
_ZW = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_MAP = str.maketrans({**{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"},
                      **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a"},
                      **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
                      "\u2026": "..."})


def ref_normalize(s: str) -> str:
    s = unicodedata.normalize("NFC", s).translate(_ZW).translate(_MAP)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = re.sub(r"[^\S\n]+", " ", s)
    return "\n".join(x for x in (line.strip() for line in s.split("\n")) if x)


def ref_prepare(text: str) -> str:
    return ref_normalize(text).replace("\n", " ").lower()


def ref_scan(prepared: str) -> dict[str, list[str]]:
    hits: dict[str, list[str]] = {}
    for cat, pats in _REF.items():
        for key, rx in pats:
            if rx.search(prepared):
                hits.setdefault(cat, []).append(key)
    return hits


def ref_notice_sentence(texts: Iterable[str]) -> str | None:
    weak = None
    for text in texts:
        for sentence in re.split(r"(?<=[.!?…])\s+|\n+", text or ""):
            sentence = " ".join(sentence.split())
            if len(sentence) < 8:
                continue
            p = ref_prepare(sentence)
            if any(rx.search(p) for _, rx in _REF["removal_strong"]):
                return notices._cap(sentence)
            if weak is None and any(rx.search(p) for _, rx in _REF["removal_weak"]):
                weak = notices._cap(sentence)
    return weak


# -- hostile inputs: pattern fragments, typography, zero-width characters, odd whitespace -----------
_FRAGMENTS = [
    "this article has been removed", "removed at the request of", "the court order", "has been withdrawn",
    "материал удалён по требованию", "удален по решению", "по требованию роскомнадзора", "снята с публикации",
    "талабы боюнча өчүрүлдү", "мақала жойылды", "сот шешімі", "not available in your country",
    "subscribe to continue", "page not found", "error 404", "страница не найдена", "статья", "матеріал видалено",
    "talabiga binoan o'chirildi", "no longer available", "ограничен", "мұндай бет жоқ", "block", "sign in to read",
]
_NOISE = st.sampled_from([" ", "  ", "\n", "\u00a0", "\u200b", "\u00ad", "\u2019", "\u201c", "\u2014", "…", ".",
                          "!", "?", "\r\n", "\t", "É", "Ё", "İ", "e\u0301", "`", "«", "»", "-", "x", "Ü"])
_TEXT = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), _NOISE, st.text(max_size=6)), max_size=30).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_scan_matches_reference_on_hostile_text(text: str) -> None:
    assert prepare(text) == ref_prepare(text)
    assert normalize_text(text) == ref_normalize(text)
    assert scan(prepare(text)) == ref_scan(ref_prepare(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEXT, max_size=5))
def test_notice_sentence_matches_reference(texts: list[str]) -> None:
    assert notice_sentence(texts) == ref_notice_sentence(texts)


@pytest.mark.parametrize("key", [r.key for rules in notices._RULES.values() for r in rules])
def test_needles_are_in_every_match(key: str) -> None:
    """Strings generated to match a pattern all hold one of its needles (the prefilter drops no match)."""
    rule = next(r for rules in notices._RULES.values() for r in rules if r.key == key)
    assert rule.needles is None or all(rule.needles)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.from_regex(rule.rx))
    def check(s: str) -> None:
        assert rule.rx.search(s)
        assert rule.search(s)

    check()


def test_known_notices_are_found() -> None:
    page = "Home | World\nЭтот материал был удалён по требованию Роскомнадзора. Читайте также"
    hits = scan(prepare(page))
    assert "removal_strong/ru/0" in hits["removal_strong"] and "removal_weak/ru/1" in hits["removal_weak"]
    assert scan(prepare("An ordinary report about bridges.")) == {}
    assert notice_sentence(["Title", "Intro.", "This story has been removed following a court order. More"]) == (
        "This story has been removed following a court order."
    )
    assert notice_sentence(["Nothing to see.", "Still nothing."]) is None


def _eval_texts() -> list[str]:
    out = []
    for f in sorted((DATA / "scrapinghub-aeb" / "html").glob("*.html.gz"))[:120]:
        tree = parse_html(gzip.decompress(f.read_bytes()))
        if tree is not None:
            out.append(visible_text(tree))
    return out


@pytest.mark.skipif(not (DATA / "scrapinghub-aeb").exists(), reason="evaluation data absent")
def test_scan_matches_reference_on_eval_pages() -> None:
    texts = _eval_texts()
    assert texts
    for t in texts:
        assert scan(prepare(t)) == ref_scan(ref_prepare(t))
        paras = t.split("  ")
        assert notice_sentence(paras) == ref_notice_sentence(paras)
        # with a notice spliced in, both find the same sentence
        spliced = [*paras[:3], "Этот материал удалён по требованию прокуратуры. ", *paras[3:]]
        assert notice_sentence(spliced) == ref_notice_sentence(spliced)
