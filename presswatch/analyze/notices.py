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

_COMPILED: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    cat: [(f"{cat}/{lang}/{i}", re.compile(p)) for lang, pats in by_lang.items() for i, p in enumerate(pats)]
    for cat, by_lang in PATTERNS.items()
}


def prepare(text: str) -> str:
    """Normalize and lower-case text once before several scans."""
    return normalize_text(text).replace("\n", " ").lower()


def scan(prepared: str) -> dict[str, list[str]]:
    """Pattern keys (``category/lang/index``) that match ``prepared`` text, by category."""
    hits: dict[str, list[str]] = {}
    for cat, pats in _COMPILED.items():
        for key, rx in pats:
            if rx.search(prepared):
                hits.setdefault(cat, []).append(key)
    return hits


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
NOTICE_MAX_CHARS = 500


def notice_sentence(texts: Iterable[str]) -> str | None:
    """The sentence that carries a removal notice, as written (first strong match, else first weak one).

    ``texts`` are candidate passages in reading order (headline, paragraphs, the page's visible text);
    the sentence keeps its original case and is cut at ``NOTICE_MAX_CHARS`` with "…".
    """
    weak: str | None = None
    strong_rx = [rx for _, rx in _COMPILED["removal_strong"]]
    weak_rx = [rx for _, rx in _COMPILED["removal_weak"]]
    for text in texts:
        for sentence in _SENTENCE_END.split(text or ""):
            sentence = " ".join(sentence.split())
            if len(sentence) < 8:
                continue
            prepared = prepare(sentence)
            if any(rx.search(prepared) for rx in strong_rx):
                return _cap(sentence)
            if weak is None and any(rx.search(prepared) for rx in weak_rx):
                weak = _cap(sentence)
    return weak


def _cap(sentence: str) -> str:
    if len(sentence) <= NOTICE_MAX_CHARS:
        return sentence
    return sentence[: NOTICE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
