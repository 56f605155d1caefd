"""Multilingual phrase lists: removal notices, geo walls, login/subscription walls, not-found pages.

Patterns are regular expressions matched against lower-cased, normalized text (see
:func:`~presswatch.analyze.text.normalize_text`: quotes are ASCII, dashes are ``-``). Languages: English,
Russian, Kyrgyz, Kazakh, with a few Ukrainian and Uzbek forms. ``removal_strong`` phrases speak of the page
itself being removed; ``removal_weak`` ones (court decision, "no longer available") only count when the
article text is gone as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

from presswatch.analyze.text import normalize_text

__all__ = ["NOTICE_MAX_CHARS", "PATTERNS", "notice_sentence", "prepare", "scan"]

_E = "[еёe]"  # Russian е/ё (and a Latin e typed by mistake)

PATTERNS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "removal_strong": {
        "en": (
            r"\b(?:article|story|page|post|content|material|publication|report|video|item)s?"
            r" (?:has|have|had|was|were|is|are) (?:been )?"
            r"(?:removed|deleted|taken down|withdrawn|unpublished|retracted|pulled)",
            r"\b(?:removed|deleted|taken down|withdrawn|unpublished)"
            r" (?:at|upon|following|in response to|after)"
            r" (?:the |a )?(?:request|demand|order|decision|instruction|complaint)",
            r"\bremoved (?:by|on) (?:the )?(?:order|decision|request) of",
            r"\bhas been (?:removed|withdrawn|taken down|unpublished) (?:from|by)",
        ),
        "ru": (
            rf"удал{_E}н[аоы]? по (?:требованию|решению|предписанию|запросу|просьбе)",
            rf"(?:материал|статья|публикация|новость|страница|запись)\w* (?:был[аои]? )?(?:удал{_E}н|снят)",
            r"снят[аоы]? с публикации",
            r"по требованию (?:роскомнадзора|генпрокуратуры|прокуратуры|правообладателя|ркн|мвд|фсб)",
            r"(?:материал|статья|публикация)\w* (?:был[аои]? )?(?:заблокирован|скрыт)",
            rf"удал{_E}н[аоы]? редакцией",
        ),
        "ky": (
            r"талаб\w* боюнча өчүрүл",
            r"(?:материал|макала|жарыялоо|барак)\w* өчүрүл",
            r"чечими (?:менен|боюнча) өчүрүл",
            r"жарыялоодон алынды",
        ),
        "kk": (
            r"талаб\w* бойынша жойыл",
            r"(?:материал|мақала|жарияланым|бет)\w* жойыл",
            r"шешімі?(?:мен| бойынша) жойыл",
            r"жариялан\w* алынып тасталды",
        ),
        "uk": (r"видален[оаі]? на вимогу", r"(?:матеріал|стаття)\w* (?:було )?видален"),
        "uz": (r"talab\w* (?:bilan|asosida|binoan) o'chirildi", r"sud qarori bilan o'chirildi"),
    },
    "removal_weak": {
        "en": (
            r"\bno longer (?:available|accessible|online|published)\b",
            r"\b(?:court|judicial) (?:order|decision|ruling)\b",
            r"\bat the request of\b",
            r"\b(?:due to|following|because of) (?:a |an )?(?:legal|court|government|regulator'?s?)"
            r" (?:demand|request|order|complaint|requirement)",
            r"\bhas been withdrawn\b",
            r"\bhas been removed\b",
        ),
        "ru": (
            r"по решению суда",
            r"по требованию",
            r"больше не доступ",
            r"(?:материал|статья|страница|публикация)\w* недоступ",
            r"доступ\w* (?:к \w+ )?ограничен",
        ),
        "ky": (r"сот\w* чечими", r"талабы боюнча", r"жеткиликсиз"),
        "kk": (r"сот шешім", r"талабы бойынша", r"қолжетімсіз"),
        "uk": (r"за рішенням суду",),
    },
    "geo": {
        "en": (
            r"\b(?:not|isn't|is not) available (?:in|from|for) (?:your|this)"
            r" (?:country|region|location|area|territory)",
            r"\bunavailable (?:in|from|for) your (?:country|region|location|area|territory)",
            r"\b(?:access|content|this (?:page|site|article|content)) (?:is |has been )?"
            r"(?:restricted|blocked|unavailable) (?:in|from|for) your (?:country|region|location|area)",
            r"\bnot available (?:to|for) (?:users|visitors|readers) (?:in|from) ",
            r"\bgeo[- ]?(?:blocked|restricted|restriction|block)\b",
            r"\bin your (?:country|region) (?:is|has been) (?:restricted|blocked)",
        ),
        "ru": (
            r"недоступ\w* (?:в|для|из) ваш\w+ (?:стран|регион|местоположени)",
            r"доступ\w* (?:из|в|для) ваш\w+ (?:стран|регион)\w* (?:ограничен|закрыт|заблокирован)",
            r"в вашей (?:стране|регионе) (?:\w+ )?(?:недоступ|ограничен|заблокирован)",
            r"не доступ\w* в ваш\w+ (?:стран|регион)",
        ),
        "ky": (
            r"сиздин (?:өлкөңүздө|өлкөдө|өлкөнүздө|аймагыңызда|аймакта|региондо)\w* (?:\w+ )?"
            r"(?:жеткиликсиз|жеткиликтүү эмес|ачылбайт|бөгөттөлгөн)",
        ),
        "kk": (
            r"сіздің (?:еліңізде|елде|аймағыңызда|өңіріңізде)\w* (?:\w+ )?"
            r"(?:қолжетімсіз|қолжетімді емес|бұғатталған)",
        ),
    },
    "login": {
        "en": (
            r"\bsubscribe (?:now |today )?to (?:continue|keep|read|unlock|access|view)",
            r"\b(?:log|sign) ?in to (?:continue|read|keep reading|view|access|unlock|see)",
            r"\b(?:for|to) (?:paying |paid )?(?:subscribers|members) only\b",
            r"\b(?:subscribers|members)[- ]only\b",
            r"\b(?:only |exclusively )?available (?:only |exclusively )?(?:to|for)"
            r" (?:paying |paid )?(?:subscribers|members)",
            r"\byou(?:'ve| have) (?:reached|used) (?:your|all (?:of )?your|the) (?:\w+ )?(?:free )?"
            r"(?:article|story|page)",
            r"\b(?:create|register) (?:a |an )?(?:free )?account to (?:continue|read|keep)",
            r"\bregister (?:for free )?to (?:continue|read|keep reading)",
            r"\bto (?:continue|keep) reading,? (?:please )?(?:subscribe|log in|sign in|register)",
            r"\bthis (?:article|content|story) is (?:reserved )?for (?:subscribers|members)",
        ),
        "ru": (
            r"(?:войдите|авторизуйтесь|зарегистрируйтесь|подпишитесь),? чтобы (?:продолжить|прочитать|читать|"
            r"получить)",
            r"(?:только|доступн\w*) (?:для )?подписчик",
            r"оформите подписку",
            r"чтобы (?:продолжить чтение|читать дальше|прочитать (?:статью|материал|полностью))",
            r"материал доступен (?:только )?(?:по подписке|подписчикам)",
        ),
        "ky": (r"жазылуучулар(?:га)? (?:үчүн )?гана", r"окуу үчүн (?:кириңиз|катталыңыз|жазылыңыз)"),
        "kk": (r"жазылушылар(?:ға)? (?:үшін )?ғана", r"оқу үшін (?:кіріңіз|тіркеліңіз|жазылыңыз)"),
    },
    "not_found": {
        "en": (
            r"\bpage not found\b",
            r"\b(?:error )?404\b.{0,20}\bnot found\b",
            r"\berror 404\b",
            r"\b(?:page|article|content) (?:you|you're) (?:are )?"
            r"(?:looking for|requested|trying to (?:reach|access))"
            r" (?:could not|couldn't|cannot|can't|does not|doesn't|may not|might not|no longer) ",
            r"\bwe (?:couldn't|could not|can't|cannot) find (?:the|that|this|what) ",
            r"\b(?:page|article) (?:does not|doesn't|no longer) exist",
            r"\bthis page (?:isn't|is not) available\b",
        ),
        "ru": (
            r"страниц\w* не найден",
            r"ошибка 404",
            r"(?:запрашиваем|искомая)\w* страниц\w* не (?:найден|существует)",
            r"такой страницы (?:нет|не существует)",
            r"страниц\w* не существует",
        ),
        "ky": (r"(?:барак|бет)\w* табылган жок", r"мындай барак жок", r"(?:барак|бет)\w* табылбады"),
        "kk": (r"(?:бет|парақ)\w* табылмады", r"мұндай (?:бет|парақ) жоқ"),
    },
}

def _needles(items: Any) -> frozenset[str] | None:
    """Literal strings of which every match of the parsed pattern ``items`` contains at least one.

    ``None`` when no such set is known (the pattern is then always run). Sound by construction: a run
    of consecutive literals in a sequence is in every match; a group or a repeat with a minimum of one
    needs what its content needs; an alternation needs one of what its branches need.
    """
    best: frozenset[str] | None = None

    def consider(cand: frozenset[str] | None) -> None:
        nonlocal best
        if cand is None or any(not c for c in cand):
            return
        if best is None or (min(map(len, cand)), -len(cand)) > (min(map(len, best)), -len(best)):
            best = cand

    run: list[str] = []
    for op, av in list(items) + [(None, None)]:
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            consider(frozenset(["".join(run)]))
            run = []
        if op is _sre.SUBPATTERN:
            consider(_needles(av[-1]))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_needles(av[2]))
        elif op is _sre.BRANCH:
            alts = [_needles(alt) for alt in av[1]]
            if alts and all(a is not None for a in alts):
                consider(frozenset().union(*(a for a in alts if a is not None)))
    return best


@dataclass(frozen=True)
class _Rule:
    key: str  # category/lang/index
    rx: re.Pattern[str]
    needles: frozenset[str] | None  # one of these is in every text the pattern matches

    def search(self, prepared: str) -> bool:
        if self.needles is not None and not any(n in prepared for n in self.needles):
            return False
        return self.rx.search(prepared) is not None


def _rule(key: str, pattern: str) -> _Rule:
    return _Rule(key, re.compile(pattern), _needles(_parser.parse(pattern)))


_RULES: dict[str, tuple[_Rule, ...]] = {
    cat: tuple(_rule(f"{cat}/{lang}/{i}", p) for lang, pats in by_lang.items() for i, p in enumerate(pats))
    for cat, by_lang in PATTERNS.items()
}


def prepare(text: str) -> str:
    """Normalize and lower-case text once before several scans."""
    return normalize_text(text).replace("\n", " ").lower()


def scan(prepared: str, categories: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Pattern keys (``category/lang/index``) that match ``prepared`` text, by category.

    Each pattern's regular expression runs only on texts holding one of its literal needles (a plain
    substring test), which rules out almost every pattern on almost every page.
    """
    hits: dict[str, list[str]] = {}
    for cat in _RULES if categories is None else categories:
        for rule in _RULES[cat]:
            if rule.search(prepared):
                hits.setdefault(cat, []).append(rule.key)
    return hits


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
NOTICE_MAX_CHARS = 500


def notice_sentence(texts: Iterable[str]) -> str | None:
    """The sentence that carries a removal notice, as written (first strong match, else first weak one).

    ``texts`` are candidate passages in reading order (headline, paragraphs, the page's visible text);
    the sentence keeps its original case and is cut at ``NOTICE_MAX_CHARS`` with "…".
    """
    weak: str | None = None
    strong, weak_rules = _RULES["removal_strong"], _RULES["removal_weak"]
    for text in texts:
        if not text:
            continue
        # a sentence's match is a match in its whole passage: passages without one are skipped unsplit
        whole = prepare(text)
        has_strong = any(r.search(whole) for r in strong)
        if not has_strong and (weak is not None or not any(r.search(whole) for r in weak_rules)):
            continue
        for sentence in _SENTENCE_END.split(text):
            sentence = " ".join(sentence.split())
            if len(sentence) < 8:
                continue
            prepared = prepare(sentence)
            if has_strong and any(r.search(prepared) for r in strong):
                return _cap(sentence)
            if weak is None and any(r.search(prepared) for r in weak_rules):
                weak = _cap(sentence)
    return weak


def _cap(sentence: str) -> str:
    if len(sentence) <= NOTICE_MAX_CHARS:
        return sentence
    return sentence[: NOTICE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
