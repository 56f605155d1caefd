"""Extract a structured draft from a press report's text, offline (rules, gazetteers, pymorphy3 lemmas,
dateparser).

:func:`extract` is pure: text (and the report's date) in, :class:`Draft` out. Each sentence is read
with the rules of its own language (so a mixed English/Russian text is read in both), as a *key
string* — tokens lower-cased (English) or lemmatized (Russian), country words replaced by ``CTRY``.
Every extracted field keeps the sentence it came from (``quote`` with ``offsets`` into the text) and a
``confidence``. The JSON shape (:meth:`Draft.as_dict`) is the stable contract of ``report add --json``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from presswatch.reports import gazetteer, lang_en, lang_ru, ner_ru, roles

__all__ = [
    "ACTION_KINDS",
    "ACTOR_KINDS",
    "CLAIM_KINDS",
    "OUTCOMES",
    "ROLES",
    "MAX_TEXT_CHARS",
    "STATE_KINDS",
    "Action",
    "Actor",
    "Claim",
    "Draft",
    "Quote",
    "detect_language",
    "draft_from_dict",
    "extract",
]

ROLES = ("sender", "recipient", "third-party")
ACTOR_KINDS = ("government", "court", "regulator", "law-enforcement", "outlet", "journalist", "platform", "other")
STATE_KINDS = frozenset({"government", "court", "regulator", "law-enforcement"})
ACTION_KINDS = ("demand-removal", "demand-edit", "warning", "referral-prosecutor", "ban", "block", "lawsuit",
                "arrest", "other")
OUTCOMES = ("complied", "refused", "partly", "unknown")
CLAIM_KINDS = ("online", "removed", "blocked", "edited")

_LANGS: dict[str, ModuleType] = {"en": lang_en, "ru": lang_ru}
MAX_TEXT_CHARS = 200_000  # a press report is a few thousand characters; past this the text is cut (``truncated``)
_TOKEN = re.compile(r"\w+(?:[-.’']\w+)*(?:'s|’s)?|[^\w\s]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”’)]*\s+(?=[\"«“(]?[A-ZА-ЯЁ0-9])|\n\s*\n|\n(?=\S)")
# a domain: a known top-level domain in any case, or any other (top-level domains are an open set: .blog,
# .in, .press) written in lower case, not a file's extension ("report.pdf"); not an e-mail address's
_DOMAIN = re.compile(r"(?<![@\w.-])((?i:(?:[a-z0-9-]+\.)+(?:kg|kz|uz|tj|tm|ru|by|tr|az|am|ge|ua|org|com|net|info|"
                     r"media|news|su|io|me|eu|online|live|asia))|(?:[a-z0-9-]+\.)+(?!(?:pdf|docx?|xlsx?|pptx?|txt|csv|jpe?g|png|gif|"
                     r"webp|svg|mp[34]|mov|avi|zip|rar|exe|apk|html?|php|aspx?|js|json|xml)\b)[a-z]{2,12})\b(?![.-]?\w)")
_ABBREV_END = re.compile(r"(?<![\w.])(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Art|Arts|No|Nos|St|Mr|Mrs|Ms|"
                         r"Dr|Gen|Col|Lt|Sgt|Prof|Rep|Sen|ст|п|ч|г|гг|им|ул|д|т)\.$")
_URL = re.compile(r"https?://[^\s<>\"'«»“”]+")
_CYR = re.compile(r"[А-Яа-яЁё]")
_LAT = re.compile(r"[A-Za-z]")
_PERSON_WORD = {"en": r"(?:businessman|businesswoman|entrepreneur|official|politician|deputy)",
                "ru": r"(?:бизнесмен|предприниматель|чиновник|депутат)"}
_THREAT = {"en": re.compile(r"(?:threat\w*|threatened|face|risk|could|may|might|would|lead to|result in|entail) "
                           r"(?:to |be )?(?:an? )?$"),
           "ru": re.compile(r"(?:угрожать|пригрозить|грозить|могут|мочь|повлечь|влечь|грозящий~?|под угроза) "
                            r"(?:\S+ )?$")}
_LEGAL = {
    "en": re.compile(r"((?:[Aa]rticles?\s+[\dA-Za-z./-]+(?:\s+of\s+(?:the\s+|its\s+)?(?:Law|Criminal|Code|"
                     r"Civil|Administrative)[^.;]{0,70}?(?=[.;]|\s+after\b|$))?)|(?:the\s+)?[Ll]aw\s+(?:on|No\.?)\s+"
                     r"[^.;,]{1,70}?(?=[.;,]|\s+after\b|$)|(?:the\s+)?(?:Criminal|Civil|Administrative)\s+Code)"),
    "ru": re.compile(r"((?:стать[юяиейе]\s+[\d./A-Za-zА-я]+\s+(?:закона\s+(?:№\s*\d+|«[^»]+»)|[А-Яа-я]+\s+кодекса|"
                     r"кодекса)?)|(?:закон[аеу]?\s+(?:№\s*\d+|«[^»]+»)))"),
}


# "the law allows the ministry to block websites", «закон позволяет блокировать»: a power, not an act;
# "plans to sue", «юристы готовят иск»: an intent, not an act
_HYPOTHETICAL = {
    "en": re.compile(r"\b(?:allow|allows|allowed|allowing|enable|enables|empower|empowers|powers? to|right to|"
                     r"authority to|able to|can|cannot|should|bill|draft law|proposal|proposed|would allow)\b"
                     r"(?:\s+\S+){0,8}\s*$|\b(?:plans?|planning|prepares?|preparing|intends?|intending|considering|"
                     r"considers|threatened|threatening|threatens|vowed|vows|would|could|might|stopped short of|"
                     r"stops short of)\b(?:\s+\S+){0,5}\s*$|"
                     r"\b(?:fears?|feared|fearing|worried|worries)\b(?:\s+\S+){0,8}\s*$|"
                     r"\b(?:any|every|no)\s*$"),
    "ru": re.compile(r"(?:позволять|позволить|разрешать|разрешить|право|полномочие|законопроект|мочь|смочь|должный|"
                     r"предлагать|предложить)~?(?:\s+\S+){0,6}\s*$|(?:готовить|собираться|намереваться|планировать|"
                     r"пригрозить|грозить|угрожать)(?:\s+\S+){0,3}\s*$|(?:^| )(?:любой|никакой)\s*$|"
                     r"(?:опасаться|бояться)(?:\s+\S+){0,8}\s*$|"
                     # «для решения вопроса о возбуждении дела»: a question put, no act
                     r"(?:^| )вопрос о\s*$"),
}
# "for a block a court ruling is required", «для блокировки требуется решение суда»: a rule, not an act
_REQUIRED = {
    "en": re.compile(r"^(?:\s+\S+){0,4}?\s+(?:requires?|required|needs|needed|takes)\b"),
    "ru": re.compile(r"^(?:\s+\S+){0,4}?\s+(?:требоваться|нужный|нужно|необходимый|необходимо)(?: |$)"),
}
_FOR = {"en": re.compile(r"(?:^| )(?:for|to)\s*$"), "ru": re.compile(r"(?:^| )для\s*$")}
# "… without a court ruling", «без суда»: a body the sentence says took no part
_WITHOUT = frozenset({"without", "без"})
# "denied that it had demanded…", «опровергла сообщения о том, что требовала…»: an act the sentence denies
_DENIAL = {
    "en": re.compile(r"\b(?:denied|denies|deny|denying|refuted|refutes|dismissed (?:the )?(?:reports?|claims?)|"
                     r"(?:fake|forged|forgery|fabricated))\b"),
    "ru": re.compile(r"(?:^| )(?:опровергнуть|опровергать|отрицать|поддельный|фальшивый|фейковый|подделка|фейк)"
                     r"(?: |$)"),
}
# what a block needs in its sentence (a site, a channel, access …) when no outlet or platform is named
_BLOCKABLE = {
    "en": re.compile(r"\b(?:access|site|sites|website|websites|portal|page|url|channel|app|messenger|vpn|"
                     r"domain|resource|outlet|newspaper|agency|broadcaster|video|videos|article|articles|reports?|"
                     r"posts?|publications?|account)\b"),
    "ru": re.compile(r"(?:^| )(?:доступ|сайт|ресурс|портал|страница|канал|приложение|мессенджер|издание|"
                     r"агентство|видео|статья|материал|аккаунт|домен|vpn|телеграм-канал)(?: |$)"),
}
# a body that asked a court for the act named elsewhere in the report
_APPLIED = {
    "en": re.compile(r"\b(?:filed|submitted|lodged|brought|sent) (?:an? |the |its )?(?:\S+ )?(?:application|petition|"
                     r"motion|request|claim|lawsuit|charges?|complaint)\b|\bdrew up (?:an? |the )?(?:\S+ )?(?:report|"
                     r"charge sheet|protocol)\b"),
    "ru": re.compile(r"(?:^| )составить(?: \S+){0,3} протокол(?: |$)|(?:^| )протокол(?: \S+){0,4} составить(?: |$)|"
                     r"(?:^| )(?:подать|направить|внести)(?: \S+){0,3} (?:заявление|иск|представление|ходатайство)"
                     r"(?: |$)|(?:^| )(?:заявление|иск|представление|ходатайство)(?: \S+){0,3} (?:подать|направить|"
                     r"внести)(?: |$)"),
}
# hearsay before an act ("several channels claimed that …", «якобы»): no act when the report denies one
_HEARSAY = {
    "en": re.compile(r"\b(?:claimed|claims|claiming|alleged|allegedly|rumou?red|rumou?rs|reportedly|purportedly|"
                     r"complained|complain|complains|complaining|linked|attributed|blamed)\b"),
    "ru": re.compile(r"(?:^| )(?:утверждать|якобы|слух|будто|заявлять о тот|пожаловаться|жаловаться|связывать|"
                     r"связать)(?: |$)"),
}
# a charge named before a ban's words: "jailed for 'disseminating extremist materials'"
_CHARGE = {
    "en": re.compile(r"(?:^| )(?:for|over|on charges of|charged with|accused of|under article \S+ on) (?:\" )?"
                     r"(?:\S+ ){0,3}$"),
    "ru": re.compile(r"(?:^| )(?:за|по статья о?|обвинение в|обвинять в|вменяться|вменять|вменить|подозрение в|"
                     r"подозревать в) (?:« )?(?:\S+ ){0,3}$"),
}
# an organisation the state has banned, named in passing: «организация, признанная в России экстремистской»,
# "a group designated as extremist" — the ban is not the report's act
_BANNED_BEFORE = {
    "en": re.compile(r"(?:^| )(?:organi[sz]ations?|groups?|movements?|foundations?)(?: ,)? (?:that was |which was |"
                     r"that is |which is )?(?:designated|recognised|recognized|declared|labell?ed|banned|listed) "
                     r"(?:as )?(?:\S+ ){0,3}?(?:extremist|terrorist|undesirable)$"),
    "ru": re.compile(r"(?:^| )(?:организация|движение|структура|объединение|фонд)(?: ,)? (?:признать~|признанный|"
                     r"запретить~|запрещённый|запрещенный) (?:\S+ ){0,3}?(?:экстремистский|террористический|"
                     r"нежелательный)~?$"),
}
# an act only asked about: "Asked whether the site had been blocked, …", «На вопрос, заблокирован ли сайт, …»
_ASKED_ABOUT = {
    "en": re.compile(r"\b(?:asked|asking|ask|asks|question|questions|wondered|wondering) (?:\S+ ){0,4}?(?:whether|if)\b"
                     r"(?:\s+\S+){0,8}\s*$"),
    "ru": re.compile(r"(?:^| )(?:вопрос|спросить|спрашивать)(?: \S+){0,10} ли(?: \S+){0,4}\s*$|"
                     r"(?:^| )ли(?: \S+){0,6}\s*$"),
}
# a block of a vague many, over years: "has restricted access to dozens of news websites", «заблокированы
# десятки сайтов» — the state's practice told as background, no act of the report
_MANY = {
    "en": re.compile(r"\b(?:dozens|hundreds|thousands|scores|numerous|countless)\b"),
    "ru": re.compile(r"(?:^| )(?:десяток|десятка|сотня|тысяча|множество|многие|многий)(?: |$)"),
}
# an act under a condition put mid-sentence: "in the event of a repeat the office would …", «в случае
# повторения прокуратура поставит вопрос об ограничении доступа» — a threat
_IN_CASE = {
    "en": re.compile(r"\b(?:in the event of|in case of|should (?:it|they|the \S+) (?:\S+ )?(?:fail|refuse|repeat|"
                     r"continue))\b(?:\s+\S+){0,10}\s*$"),
    "ru": re.compile(r"(?:^| )в случай(?: \S+){0,10}\s*$|(?:^| )(?:поставить|ставить) (?:« )?вопрос о\s*$"),
}
# an act named only as what is to be avoided, or under a condition
_AVERTED = {
    "en": re.compile(r"(?:^| )(?:avoid|avoiding|prevent|preventing|escape|if|unless|whether)(?: |$)"),
    "ru": re.compile(r"(?:^| )(?:избежать|избегать|предотвратить|если|ли|чтобы не)(?: |$)"),
}
# a sentence that opens with a condition: "If the article stays up, the site will be blocked", «Если не удалим,
# сайт заблокируют» — a threat, no act
_CONDITION = {"en": re.compile(r"^(?:[\"“«] )?(?:if|unless) "),
              "ru": re.compile(r"^(?:[\"“«] )?(?:если|в случай если) ")}
# what a blocking verb takes in another sense: shots, traffic, roads, bank cards
_NOT_BLOCKED = {
    "en": re.compile(r"^ (?:\S+ ){0,3}?(?:shots?|penalty|penalties|kicks?|passes|attacks?|attempts?|lanes?|traffic|"
                     r"spam|malware|viruses|ddos|roads?|streets?|entrances?|exits?|bridges?|path|way|view|calls?|"
                     r"numbers?|cards?|payments?|transactions?|funds|assets|bills?|legislation|reforms?|deals?)\b"),
    "ru": re.compile(r"^ (?:\S+ ){0,3}?(?:удар|бросок|атака|передача|подача|дорога|улица|проезд|проезжий|вход|"
                     r"выход|мост|трасса|карта|счёт|счет|платёж|платеж|звонок|номер|спам|вирус|трафик|средство|"
                     r"актив)(?: |$)"),
}
# what is to be withdrawn or dropped when it is no content: "withdraw the draft", «снять обвинения»
_NOT_CONTENT = {
    "en": re.compile(r"^ (?:the |its |their |his |her |a |an |this |that )?(?:\S+ ){0,2}?(?:draft|bill|law|"
                     r"amendments?|complaints?|charges?|lawsuit|suit|claims?|case|application|accreditation|"
                     r"candidacy|proposals?|resolution|decree|troops|forces|restrictions?|ban|block)\b"),
    "ru": re.compile(r"^ (?:\S+ ){0,2}?(?:законопроект|поправка|обвинение|иск|жалоба|кандидатура|претензия|"
                     r"запрет|ограничение|блокировка|проект)(?: |$)"),
}
# a sentence on what a law or a draft provides: "the amendments also introduce fines",
# «законодательство позволяет агентству направлять требования»: no act done
_PROVISION = {
    "en": re.compile(r"\b(?:law|laws|legislation|bill|draft|amendments|provisions?|regulation|code)\b[^.]{0,200}?\b"
                     r"(?:allow|allows|would allow|lets|empowers?|enables?|introduces?|introduce|provides? for|"
                     r"permits?)\b"),
    "ru": re.compile(r"(?<!\S)(?:закон|законодательство|законопроект|поправка|норма|кодекс)(?!\S)[^.]{0,200}?"
                     r"(?<!\S)(?:позволять|разрешать|предусматривать|вводить|наделять|давать право)(?!\S)"),
}
# what a demand to remove or edit is about, when no state body or person made it
_CONTENT = {
    "en": re.compile(r"\b(?:article|articles|material|materials|video|videos|post|posts|report|story|piece|"
                     r"urls?|links?|publication|interview|investigation|documentary|film|page|text|headline|photo|photos|"
                     r"content|comment|comments|news)\b"),
    "ru": re.compile(r"(?:^| )(?:статья|материал|видео|пост|публикация|интервью|расследование|фильм|ролик|сюжет|"
                     r"репортаж|видеорепортаж|"
                     r"страница|текст|заголовок|фото|фотография|новость|запись|комментарий|контент|сведение|"
                     r"информация|заметка|выпуск|передача|программа)(?: |$)"),
}


# words of the press: a report naming none of them (nor an outlet, journalist or platform) is about
# something else ("banks blocked 48,000 accounts", «суд запретил фестиваль»)
_PRESS_WORDS = {
    "en": re.compile(r"\b(?:journalists?|reporters?|editors?|editor-in-chief|bloggers?|correspondents?|columnists?|"
                     r"photojournalists?|cameram[ae]n|presenters?|newspapers?|outlets?|websites?|(?:news )?sites?|"
                     r"portals?|broadcasters?|channels?|newsrooms?|magazines?|weekly|daily|articles?|publications?|"
                     r"news|television|tv|radio|blogs?|youtube|telegram|facebook|instagram|tiktok|vpns?|videos?|"
                     r"footage|(?:radio|tv|television|community) stations?|"
                     r"documentar(?:y|ies)|films?|interviews?|investigations?|stor(?:y|ies)|headlines?|photos?|"
                     r"reports? by|"
                     r"(?<!social )media|press(?! conference| release| service| secretary| officer))\b"),
    "ru": re.compile(r"(?:^| )(?:журналист|журналистка|блогер|редактор|корреспондент|корреспондентка|обозреватель|"
                     r"колумнист|издание|интернет-издание|сайт|портал|газета|телеканал|телеграм-канал|канал|редакция|"
                     r"сми|медиа|журнал|радио|статья|публикация|видео|ролик|репортаж|сюжет|youtube|telegram|"
                     r"блог|vpn|пресса|заметка|интервью|расследование|фильм|видеорепортаж|заголовок|фото|фотография|"
                     r"новость)(?: |$)"),
}


_RUMOUR = {"en": re.compile(r"\b(?:reports?|claims?|rumou?rs?|allegations?|posts?) (?:\S+ ){0,6}?that\b"),
           "ru": re.compile(r"(?:^| )(?:сообщение|слух|информация|утверждение|публикация) о(?: |$)")}


def _denied_kinds(sents: list[_Sentence]) -> set[str]:
    """The kinds of act a report denies as a rumour: "the agency denied reports that it had ordered bloggers to
    delete …", «опровергло сообщения о том, что оно якобы направило требования удалить …»."""
    out: set[str] = set()
    for s in sents:
        d = _DENIAL[s.lang].search(s.keystr)
        if d is None:
            continue
        for rx, kind in _compiled(s.lang, "ACTION_RULES"):
            for m in rx.finditer(s.keystr, d.end()):
                between = s.keystr[d.end(): m.start()]
                if _HEARSAY[s.lang].search(between) or _RUMOUR[s.lang].search(between):
                    out.add(kind)
    return out


def _about_the_press(sents: list[_Sentence], actors: dict[str, Actor]) -> bool:
    """The report speaks of the press: it names an outlet, a journalist or a platform, or a word of the
    press."""
    return any(a.kind in ("outlet", "journalist", "platform") and not a.guessed for a in actors.values()) or any(
        _PRESS_WORDS[s.lang].search(s.keystr) for s in sents)


_FIRST_PERSON = {"en": re.compile(r"(?:^| )(?:i|me|my|myself|i'm|i've)(?: |$)"),
                 "ru": re.compile(r"(?:^| )(?:я|мой|себя)(?: |$)")}
_SIGNATURE = re.compile(r"(?:[—–-][ \t]*)?([A-ZА-ЯЁ][\w'’-]+(?:[ \t]+[A-ZА-ЯЁ][\w'’-]+){1,2})")
_NOT_SIGNATURE = frozenset({"the", "a", "an", "our", "your", "editors", "editorial", "redaktsiya", "редакция",
                            "мы", "we"})


def _author(sents: list[_Sentence], actors: dict[str, Actor]) -> Actor | None:
    """The author of a first-person report signed on its last line with a person's name ("— Daniyar
    Seitkali", «Илья Корзун»): a blogger writing of what was done to them. Not "The Editors", not a
    body or outlet the report names."""
    if not sents:
        return None
    last = sents[-1]
    m = _SIGNATURE.fullmatch(last.text.strip())
    if m is None or any(t.key in _NOT_SIGNATURE or t.country for t in last.toks):
        return None
    firsts = sum(bool(_FIRST_PERSON[s.lang].search(s.keystr)) for s in sents[:-1])
    if firsts < 3:
        return None
    name = _person_nominative_name(m.group(1).split()) if last.lang == "ru" else m.group(1)
    key = _name_key(name)
    known = actors.get(key)
    if known is not None:
        return known if known.kind in ("journalist", "other") else None
    return Actor(name, "journalist", None, last.quote, 0.6, key=key, guessed=True)


def _plausible(s: _Sentence, kind: str, found: list[tuple[int, int, Any]], after_actions: bool) -> bool:
    """An action's evidence in its own sentence: a block names something blockable ("the goalkeeper
    blocked a penalty" is none, police blocking a road neither); a demand to remove names a state
    body or person, or the content; an arrest names a journalist, an outlet or a person of the press.
    After other actions of the report a pronoun ("it has been blocked in Kazakhstan") stands for what
    they were about."""
    kinds = {a.kind for _, _, a in found if not a.guessed}  # a guessed outlet («Дордоя») is no evidence
    if after_actions and re.search(r"(?:^| )(?:it|they|this|these|them|both|all (?:two|three|four|five|six|seven|"
                                   r"eight|nine|ten|of them)|он|она|оно|они|оба|обе|их|все|двое|трое|четверо|"
                                   r"двоих|троих|четверых|пятерых|шестерых|задержанный~?)(?: |$)", s.keystr):
        return True
    if kind == "block":
        return bool(kinds & {"outlet", "platform", "government", "court", "regulator"}) or bool(
            _BLOCKABLE[s.lang].search(s.keystr))
    if kind in ("demand-removal", "demand-edit"):
        return bool(kinds & (STATE_KINDS | {"other"})) or bool(_CONTENT[s.lang].search(s.keystr))
    if kind == "ban":  # "departures of buses are prohibited", "he could be banned for five matches": no press
        return bool(kinds & (STATE_KINDS | {"outlet", "journalist", "platform"})) or bool(
            _CONTENT[s.lang].search(s.keystr)) or bool(_BLOCKABLE[s.lang].search(s.keystr))
    if kind == "warning":  # "warned that old cards will be removed from the system" warns no one of the press
        return bool(kinds & {"outlet", "journalist", "platform", "other"}) or bool(
            _CONTENT[s.lang].search(s.keystr)) or bool(
            re.search(r"(?:^| )(?:" + _LANGS[s.lang].PERSON_NOUNS + r"s?|him|her|them|editors?|editorial|newsroom|"
                      r"staff|его|её|ее|их|им|ему|ей|редакция|редакция~|сотрудник)(?: |$)", s.keystr))
    if kind == "other":  # a fine: of someone of the press ("fined the broadcaster", «оштрафовал блогера»)
        return bool(kinds & {"outlet", "journalist", "platform"}) or bool(
            re.search(r"(?:^| )(?:" + _LANGS[s.lang].PERSON_NOUNS + r"s?|" + _LANGS[s.lang].OUTLET_NOUNS.rstrip(",?")
                      + r"|him|her|them|it|its|его|её|ее|их|редакция)(?: |$)", s.keystr))
    if kind == "arrest":
        return bool(kinds & {"outlet", "journalist"}) or bool(
            re.search(r"(?:^| )" + _LANGS[s.lang].PERSON_NOUNS + r"s?(?: |$)", s.keystr)) or bool(
            re.search(r"\b(?:him|her|his|he|she|director|staff|employees?|contributors?|freelancer|его|её|ее|он|"
                      r"она|сотрудник)\b", s.keystr))
    return True


# -- results -----------------------------------------------------------------------------------------
@dataclass
class Quote:
    text: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        return {"quote": self.text, "offsets": [self.start, self.end]}


@dataclass
class Actor:
    name: str
    kind: str
    country: str | None
    quote: Quote
    confidence: float
    role: str = "third-party"
    domain: str | None = None
    key: str = ""
    guessed: bool = False  # named by no trigger noun: its kind comes from the words around it
    # short forms merged into this actor (name and quote), kept as evidence; not part of the JSON
    merged: list[tuple[str, Quote]] = field(default_factory=list)
    # countries a body of an abbreviation several countries share may belong to (GKNB: KG, TJ); not in the JSON
    country_options: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "kind": self.kind, "country": self.country,
                "domain": self.domain, **self.quote.as_dict(), "confidence": self.confidence}


@dataclass
class Action:
    kind: str
    by: str | None
    against: str | None
    date: str | None
    legal_basis: str | None
    quote: Quote
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "by": self.by, "against": self.against, "date": self.date,
                "legal_basis": self.legal_basis, **self.quote.as_dict(), "confidence": self.confidence}


@dataclass
class Claim:
    kind: str
    country: str | None
    as_of: str | None
    quote: Quote
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "country": self.country, "as_of": self.as_of, **self.quote.as_dict(),
                "confidence": self.confidence}


@dataclass
class Draft:
    language: str
    report_date: str
    actors: list[Actor] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    blocked: list[tuple[str, Quote]] = field(default_factory=list)
    dates: list[tuple[str, Quote, float]] = field(default_factory=list)
    outcome: str = "unknown"
    outcome_quote: Quote | None = None
    claims: list[Claim] = field(default_factory=list)
    outlets: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    role_features: list[tuple[Actor, dict[str, float]]] = field(default_factory=list)  # not part of the JSON

    @property
    def blocked_countries(self) -> list[str]:
        return list(dict.fromkeys(c for c, _ in self.blocked))

    @property
    def empty(self) -> bool:
        return not (self.actions or self.claims)

    def as_dict(self) -> dict[str, Any]:
        """The contract of ``report add --json`` (plus ``id`` and ``source``, added by the caller)."""
        return {
            "language": self.language,
            "report_date": self.report_date,
            "actors": [a.as_dict() for a in self.actors],
            "actions": [a.as_dict() for a in self.actions],
            "blocked_countries": self.blocked_countries,
            "dates": list(dict.fromkeys(d for d, _, _ in self.dates)),
            "outcome": self.outcome,
            "claims": [c.as_dict() for c in self.claims],
            "targets": {"outlets": self.outlets, "articles": self.articles},
            "evidence": {
                "blocked_countries": [{"country": c, **q.as_dict(), "confidence": 0.8} for c, q in self.blocked],
                "dates": [{"date": d, **q.as_dict(), "confidence": conf} for d, q, conf in self.dates],
                "outcome": (
                    {"outcome": self.outcome, **self.outcome_quote.as_dict(), "confidence": 0.7}
                    if self.outcome_quote else {"outcome": "unknown", "quote": None, "offsets": None,
                                                "confidence": 0.5}
                ),
            },
            "empty": self.empty,
            "truncated": self.truncated,
        }


def draft_from_dict(data: dict[str, Any]) -> dict[str, Any]:
    """Validate an edited draft (the ``report accept --edit`` JSON); returns it normalized.

    Raises ``ValueError`` naming the first bad field.
    """
    out = dict(data)
    for i, a in enumerate(out.get("actors") or []):
        if a.get("role") not in ROLES:
            raise ValueError(f"actors[{i}].role must be one of {', '.join(ROLES)}")
        if a.get("kind") not in ACTOR_KINDS:
            raise ValueError(f"actors[{i}].kind must be one of {', '.join(ACTOR_KINDS)}")
        if not str(a.get("name") or "").strip():
            raise ValueError(f"actors[{i}].name is empty")
        cc = a.get("country")
        if cc is not None and (not isinstance(cc, str) or not re.fullmatch(r"[A-Z]{2}", cc)):
            raise ValueError(f"actors[{i}].country must be an ISO 3166-1 alpha-2 code or null")
    for i, a in enumerate(out.get("actions") or []):
        if a.get("kind") not in ACTION_KINDS:
            raise ValueError(f"actions[{i}].kind must be one of {', '.join(ACTION_KINDS)}")
    for i, c in enumerate(out.get("claims") or []):
        if c.get("kind") not in CLAIM_KINDS:
            raise ValueError(f"claims[{i}].kind must be one of {', '.join(CLAIM_KINDS)}")
        cc = c.get("country")
        if cc is not None and (not isinstance(cc, str) or not re.fullmatch(r"[A-Z]{2}", cc)):
            raise ValueError(f"claims[{i}].country must be an ISO 3166-1 alpha-2 code or null")
    if out.get("outcome", "unknown") not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    for cc in out.get("blocked_countries") or []:
        if not isinstance(cc, str) or not re.fullmatch(r"[A-Z]{2}", cc):
            raise ValueError(f"blocked_countries: {cc!r} is not an alpha-2 code")
    return out


# -- language, sentences, tokens -----------------------------------------------------------------------
def detect_language(text: str) -> str | None:
    """``ru`` or ``en`` by script (Cyrillic vs Latin letters), None for text with neither."""
    cyr, lat = len(_CYR.findall(text)), len(_LAT.findall(text))
    if cyr + lat == 0:
        return None
    return "ru" if cyr >= lat else "en"


@functools.cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=65536)
def _lemma(word: str) -> str:
    return str(_morph().parse(word.lower())[0].normal_form)


@dataclass
class _Tok:
    text: str
    start: int  # absolute offsets in the report text
    end: int
    key: str
    country: str | None


@dataclass
class _Sentence:
    text: str
    start: int
    lang: str
    toks: list[_Tok]
    keystr: str
    pos: list[int]  # start of each token's key in keystr

    def tok_range(self, a: int, b: int) -> tuple[int, int] | None:
        """Token indices covering keystr[a:b]."""
        idx = [i for i, p in enumerate(self.pos) if a <= p < b]
        return (idx[0], idx[-1]) if idx else None

    def span_text(self, i: int, j: int) -> str:
        return self.text[self.toks[i].start - self.start : self.toks[j].end - self.start]

    def tok_at(self, offset: int) -> int:
        for i, p in enumerate(self.pos):
            if p >= offset:
                return i
        return len(self.toks)

    def tok_at_abs(self, offset: int) -> int:
        """The token at (or first after) an absolute offset."""
        for i, t in enumerate(self.toks):
            if t.end > offset:
                return i
        return max(0, len(self.toks) - 1)

    @property
    def quote(self) -> Quote:
        return Quote(self.text, self.start, self.start + len(self.text))


def _sentences(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        if _ABBREV_END.search(text, max(0, m.start() - 8), m.start()):
            continue  # "on Oct. 2", "Art. 274", «ст. 207»: an abbreviation, not a sentence's end
        out.append((pos, text[pos : m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    res = []
    for start, s in out:
        stripped = s.strip()
        if stripped:
            res.append((start + s.index(stripped), stripped))
    return res


@functools.lru_cache(maxsize=65536)
def _is_full_participle(word: str) -> bool:
    return "PRTF" in _morph().parse(word.lower())[0].tag


def _key(word: str, lang: str) -> tuple[str, str | None]:
    if lang == "ru" and _CYR.search(word):
        lemma = _lemma(word)
        if _is_full_participle(word):
            lemma += "~"  # "задержанных" is no "задержать"
        cc = gazetteer.country_words_ru().get(lemma)
        return ("CTRY" if cc else lemma), cc
    w = gazetteer.normalize_word(word)
    cc = gazetteer.country_words_en().get(w) if word[:1].isupper() or lang == "en" else None
    if cc and not word[:1].isupper():  # "turkey", "china": only capitalised words name a country
        cc = None
    # "24.kg", "kaktus.media": a dot inside a token is no sentence end for the rules' ``[^.]``
    return ("CTRY" if cc else w.replace("’", "'").replace(".", "_") if len(w) > 1 else w), cc


def _analyse(start: int, text: str, default_lang: str) -> _Sentence:
    lang = detect_language(text) or default_lang
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        key, cc = _key(m.group(), lang)
        toks.append(_Tok(m.group(), start + m.start(), start + m.end(), key, cc))
    pos, parts, n = [], [], 0
    for t in toks:
        pos.append(n)
        parts.append(t.key)
        n += len(t.key) + 1
    return _Sentence(text, start, lang, toks, " ".join(parts), pos)


@functools.cache
def _compiled(lang: str, name: str) -> list[tuple[re.Pattern[str], Any]]:
    rules = getattr(_LANGS[lang], name)
    return [(re.compile(r"(?<!\S)(?:" + p + r")(?!\S)" if name in ("BODY_RULES", "ANAPHORA") else p), v)
            for p, v in rules]


# -- actors ------------------------------------------------------------------------------------------
def _clean_name(name: str) -> str:
    name = re.sub(r"^(?:the|a|an|an?other)\s+", "", name.strip(" ,.;:"), flags=re.IGNORECASE)
    name = re.sub(r"\s*\(\s*\)$", "", name)
    name = re.sub(r"(?:'s|’s|'|’)$", "", name)
    name = re.sub(r"(?:\s+(?:and|и)|,)+$", "", name.strip(" ,.;:"))
    return name.strip(" ,.;:")


def _name_key(name: str) -> str:
    words = [_lemma(w) if _CYR.search(w) else gazetteer.normalize_word(w) for w in re.findall(r"\w+", name)]
    return " ".join(w for w in words if w not in ("the", "of", "a", "an"))


@functools.lru_cache(maxsize=65536)
def _ru_tags(word: str) -> frozenset[str]:
    """The grammemes of every parse of a Russian word with its likeliest part of speech (``gent``,
    ``ADJF``, ``Apro`` …): «в» is a preposition, not the letter's genitive."""
    parses = _morph().parse(word.lower())
    out: set[str] = set()
    for p in parses:
        if p.tag.POS == parses[0].tag.POS:
            out |= set(p.tag.grammemes)
    return frozenset(out)


_EN_LINK = frozenset({"of", "for", "on", "under", "and", ",", "the", "&"})
_EN_NOT_NAME = frozenset(lang_en.WEEKDAYS + lang_en.MONTHS)  # "… of Kazakhstan on Wednesday" ends at the country
# capitalised words that open a sentence, not a name ("On Monday Ministry of Health officials …")
_EN_NOT_LEFT = _EN_NOT_NAME | {"the", "a", "an", "on", "in", "at", "by", "for", "after", "before", "since", "earlier",
                               "later", "meanwhile", "yesterday", "today", "last", "this", "then", "when", "but", "and",
                               "also", "now", "under", "from", "with"}
_RU_STOP_NOUNS = re.compile(r"^(?:" + lang_ru.OUTLET_NOUNS.replace("|ресурс", "") + "|" + lang_ru.PERSON_NOUNS +
                            r"|статья|материал|"
                            r"публикация|видео|сюжет|репортаж|решение|требование|письмо|год|день|число)$")


def _title_case(s: _Sentence) -> bool:
    """A Title Case headline (no closing stop, most longer words capitalised): capitals name nothing there.
    A sentence full of names ("Radio Azattyk, RFE/RL's Kyrgyz service, was blocked …") ends with a stop."""
    words = [t.text for t in s.toks if t.text[:1].isalpha() and len(t.text) > 3]
    return len(words) >= 4 and sum(w[:1].isupper() for w in words) * 10 >= len(words) * 7 and not re.search(
        r"[.!?…][\"»”’)]*$", s.text)


def _generic_bodies(s: _Sentence) -> list[tuple[int, int, int, str]]:
    """State bodies named by a head noun and its complements, beyond the gazetteer: "the Ministry of
    Emergency Response and Civil Protection of Kazakhstan", "a deputy minister of Territorial
    Administration", «Министерства культуры, информации, спорта и молодёжной политики», «Государственной
    инспекции по надзору за СМИ при Министерстве культуры». A head that is a common noun too (agency,
    service, «совет») needs a capitalised name; a name that holds an outlet or a person is no body."""
    mod = _LANGS[s.lang]
    heads: dict[str, str] = mod.BODY_HEADS
    toks = s.toks
    n = len(toks)
    out: list[tuple[int, int, int, str]] = []
    if s.lang == "en" and _title_case(s):
        return out  # a Title Case headline capitalises every word: no name can be read from capitals
    for h, t in enumerate(toks):
        kind = heads.get(t.key)
        if kind is None:
            continue
        cap = t.text[:1].isupper()
        if s.lang == "en":
            i = h
            while i > 0 and (toks[i - 1].text[:1].isupper() or toks[i - 1].key == "CTRY" or (
                    re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)", toks[i - 1].text) and i - 1 > 0
                    and toks[i - 2].text[:1].isupper())) and \
                    toks[i - 1].key not in _EN_NOT_LEFT and toks[i - 1].key not in heads:
                i -= 1  # "the Istanbul 5th Criminal Judgeship of Peace"
                if i > 1 and toks[i - 1].key == "and" and toks[i - 2].text[:1].isupper() and \
                        toks[i - 2].key not in _EN_NOT_LEFT and toks[i - 2].key not in heads and i < h:
                    i -= 2  # "the Intelligence and Security Service": two capitalised words joined by "and"
            j, k = h, h + 1
            while k < n:  # of/for/under (the) Capitalised …, with "and", "," between capitalised words
                link = k
                while link < n and toks[link].key in _EN_LINK:
                    link += 1
                if link == k or link >= n or not toks[link].text[:1].isupper() or toks[link].key in mod.NOT_STATE \
                        or toks[link].key in _EN_NOT_NAME:
                    break
                if toks[link].key in heads and any(toks[x].key in ("and", ",") for x in range(k, link)):
                    break  # "the Ministry of Culture and the Ministry of Justice": two bodies
                if k == h + 1 and toks[k].key not in ("of", "for", "under", "on"):
                    break
                k = link
                while k < n and (toks[k].text[:1].isupper() or toks[k].key == "CTRY") and toks[k].key not in \
                        ("the", "a", "an") and toks[k].key not in _EN_NOT_NAME and not (
                        toks[k].key in heads and toks[k - 1].key in ("and", ",")):
                    k += 1
                j = k - 1
            complement = j > h
            if not complement and (not cap or i == h):
                continue  # an ambiguous head with capitalised words before it needs a state word (below)
            if t.key in mod.AMBIGUOUS_HEADS and not (cap or complement):
                continue
        else:
            if "Apro" in _ru_tags(t.text):
                continue
            i = h
            while i > 0 and i > h - 3 and ({"ADJF", "PRTF"} & _ru_tags(toks[i - 1].text)) and \
                    "Apro" not in _ru_tags(toks[i - 1].text) and _CYR.search(toks[i - 1].text):
                i -= 1
            j, k, seen_po = h, h + 1, False
            while k < n and k - h < 14:
                tk = toks[k]
                if tk.key in ("и", ",") and k + 1 < n and toks[k + 1].key not in heads and \
                        "gent" in _ru_tags(toks[k + 1].text) and not _RU_STOP_NOUNS.match(toks[k + 1].key):
                    k += 1
                    continue
                if tk.key == "по" and k + 1 < n and re.match(r"(?:требование|представление|запрос|иск|заявление|"
                                                             r"решение|просьба|жалоба|указание|ходатайство)$",
                                                             toks[k + 1].key):
                    break  # «суд … по представлению КГБ»: the one who asked, not part of the name
                if tk.key == "по" and k + 1 < n and _CYR.search(toks[k + 1].text):
                    seen_po = True  # «по уголовным делам», «по надзору»: adjectives, then their noun
                    k += 1
                    while k + 1 < n and {"ADJF", "PRTF"} & _ru_tags(toks[k].text) and _CYR.search(toks[k + 1].text):
                        k += 1
                    k += 1
                    j = k - 1
                    continue
                if tk.key == "за" and seen_po and k + 1 < n:
                    k += 2
                    j = k - 1
                    continue
                if tk.key == "при" and k + 1 < n and (toks[k + 1].key in heads or toks[k + 1].key in (
                        "правительство", "президент")):
                    k += 1
                    continue
                if tk.key == "CTRY" or (tk.text.isupper() and len(tk.text) > 1 and _CYR.search(tk.text)) or (
                        _CYR.search(tk.text) and "gent" in _ru_tags(tk.text) and not _RU_STOP_NOUNS.match(tk.key)
                        and ({"NOUN", "ADJF", "PRTF"} & _ru_tags(tk.text)) and not tk.text[:1].isdigit()
                        and tk.key not in heads or ((tk.key in heads or tk.key in ("правительство", "президент"))
                                                    and toks[k - 1].key == "при")):
                    j = k
                    k += 1
                    continue
                break
            if toks[i].text[:1].isupper():
                cap = True
            complement = j > h
            if not complement and i == h:
                continue
            police = re.search(r"внутренний дело|полиция|милиция|безопасность|преступность|мвд|экстремизм", " ".join(
                toks[x].key for x in range(h + 1, j + 1)))
            if t.key in mod.AMBIGUOUS_HEADS and not (cap and (complement or i < h)) and not (
                    t.key in ("управление", "департамент", "служба") and police):
                continue  # «управление внутренних дел Ташкента» is a police body, capitalised or not
            if t.key == "агентство" and not complement:
                continue  # «информационное агентство» is an outlet
        if any(toks[x].key in mod.NOT_STATE for x in range(i, j + 1)) or (
                j + 1 < n and toks[j + 1].key in mod.NOT_STATE) or (j + 2 < n and toks[j + 1].key in _EN_LINK
                                                                  and toks[j + 2].key in mod.NOT_STATE):
            continue  # "the Committee for the Protection of Journalists" is none, cut short or not
        if t.key in mod.AMBIGUOUS_HEADS and not any(
                toks[x].key == "CTRY" or toks[x].key in mod.STATE_WORDS or toks[x].key in heads and x != h
                for x in range(i, j + 1)):
            continue  # "the Administration of the Osh Bazaar", «Служба поддержки» name no state body
        keys = " ".join(toks[x].key for x in range(i, j + 1))
        if re.search(r"police|полиция|милиция|security|безопасность|investigat|следственный|prosecutor|"
                     r"преступность|organi[sz]ed crime", keys) or (
                t.key in ("управление", "департамент") and "внутренний дело" in keys):
            kind = "law-enforcement"
        out.append((i, j, h, kind))
    return out


def _body_actors(s: _Sentence) -> list[tuple[int, int, Actor]]:
    found: list[tuple[int, int, str]] = []
    for rx, kind in _compiled(s.lang, "BODY_RULES"):
        for m in rx.finditer(s.keystr):
            r = s.tok_range(m.start(), m.end())
            if r is not None:
                found.append((r[0], r[1], kind))
    for i, j, h, kind in _generic_bodies(s):
        # the gazetteer's kind of the body named by the head wins ("… Communications Service" is a regulator)
        inner = [f for f in found if f[0] <= h <= f[1] and f[2] != "platform"]
        found.append((i, j, max(inner, key=lambda f: f[1] - f[0])[2] if inner else kind))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: set[int] = set()
    out = []
    for i, j, kind in found:
        if any(k in taken for k in range(i, j + 1)):
            continue
        # a lone country word is no actor (the patterns always need a body word)
        if all(s.toks[k].key == "CTRY" for k in range(i, j + 1)):
            continue
        taken.update(range(i, j + 1))
        name = _clean_name(s.span_text(i, j))
        if kind == "platform":  # "the social network X", «соцсеть X»: the platform's own name
            name = re.sub(r"(?i)^(?:social network|platform|network|company|owner of|социальн\w* сет\w*|соцсет\w*|"
                          r"платформ\w*|сет\w*|компани\w*)\s+", "", name)
            name = re.sub(r"\s*\(\s*formerly Twitter\s*\)$|\s+Corp$", "", name)
        country = next((s.toks[k].country for k in range(i, j + 1) if s.toks[k].country), None)
        if country is None:
            country = next((gazetteer.BODY_COUNTRY[s.toks[k].key] for k in range(i, j + 1)
                            if s.toks[k].key in gazetteer.BODY_COUNTRY), None)
        options = () if country else next((gazetteer.AMBIGUOUS_BODY_COUNTRY[s.toks[k].key] for k in range(i, j + 1)
                                           if s.toks[k].key in gazetteer.AMBIGUOUS_BODY_COUNTRY), ())
        # «ГКНБ задержал в Кулябе …», "the GKNB in Khujand": the sentence's own place settles it
        country = country or next((t.country for t in s.toks if t.country in options), None)
        conf = 0.9 if j > i or kind in ("regulator", "platform") else 0.75
        out.append((i, j, Actor(name, kind, country, s.quote, conf, key=_name_key(name),
                                country_options=() if country else options)))
    return out


# the agency a dateline credits: "BISHKEK, 14 March 2025 (Steppe Wire) —", «БИШКЕК, 5 сентября (Кабар) —»
_DATELINE_AGENCY = re.compile(r"(?m)^[^\W\d][^\n,()]{1,40},[ \t]*[^\n()]{3,40}?[ \t]*\(([^()\n]{2,60})\)[ \t]*[—–-]")


# a masthead: the site the report is published on, heading it with a date ("seitkali.blog — Friday, 27 September
# 2024", «korzun.blog · 27 июня 2025»)
_MASTHEAD = re.compile(r"^\s*(\S+)[ \t]+[—–·|-][ \t]+[^\n]{0,40}?\b\d{1,2}\b[^\n]{0,20}?\b\d{4}\b[^\n]{0,10}$",
                       re.MULTILINE)


def _dateline_agencies(text: str) -> set[str]:
    """The name keys of the agencies the report's datelines credit, and of a site its masthead names: the
    report's own source, no party."""
    out = {_name_key(m.group(1)) for m in _DATELINE_AGENCY.finditer(text[:3000])}
    head = _MASTHEAD.match(text)
    if head is not None and _DOMAIN.fullmatch(head.group(1)):
        out.add(_name_key(head.group(1).lower()))
    return out - {""}


# an abbreviation of a body: all capitals ("CONATEL", "IRGC"), not a word of a headline or a common abbreviation
_ACRONYM = re.compile(r"[A-ZА-ЯЁ][A-ZА-ЯЁ0-9]{2,7}$")
_NOT_ACRONYM = frozenset({"URGENT", "BREAKING", "UPDATE", "UPDATED", "NEW", "LIVE", "VIDEO", "PHOTO", "OPINION",
                          "VPN", "VPNS", "DNS", "URL", "PDF", "NGO", "NGOS", "OSCE", "CPJ", "RSF", "HRW", "BBC", "VOA",
                          "RFE", "IFJ", "IPI", "USA", "CEO", "LLC", "JSC", "OJSC", "CJSC", "LTD", "PLC", "INC", "III",
                          "FAQ", "SMS", "ISP", "ISPS", "IPS", "WHO", "UNESCO", "UNDP", "NATO", "CIS", "SCO", "EAEU",
                          "AFP", "CNN", "ABC", "NBC", "CBS", "TASS", "RIA", "DPA", "EFE", "ANSA", "AP", "GMT", "UTC"})
# what a relative clause says of someone outside the press: "X, who sits on the parliamentary committee", "X,
# who owns a chain of petrol stations", "X, who is a member of parliament"
_EN_WHO_OTHER = re.compile(r"\b(?:parliament|parliamentary|lawmakers?|mps?|senators?|deputies|deputy|councillors?|"
                           r"businessm[ae]n|tycoon|owns (?:a |an )?(?:\S+ ){0,3}?(?:company|chain|firm|business|group)|"
                           r"(?:company|firm|holding|corporation)|mayor|governor|minister)\b")
# what makes an abbreviation a security body: "IRGC intelligence", "SBU officers"
_FORCE_AFTER = frozenset({"intelligence", "agents", "agent", "officers", "officer", "operatives", "investigators",
                          "counterintelligence", "разведка", "контрразведка"})


def _acronym_bodies(s: _Sentence, found: list[tuple[int, int, Actor]]) -> list[tuple[int, int, Actor]]:
    """State bodies named by an abbreviation the gazetteer does not know: one in apposition with a body
    the sentence names ("at the request of CONATEL, the telecommunications regulator", "the regulator
    CONATEL"), or one before a word of the security services ("agents of IRGC intelligence")."""
    out: list[tuple[int, int, Actor]] = []
    for i, t in enumerate(s.toks):
        if not _ACRONYM.match(t.text) or t.text in _NOT_ACRONYM or any(
                a <= i <= b for a, b, _ in found + out):
            continue
        kind, country, j = None, None, i
        if i + 1 < len(s.toks) and s.toks[i + 1].key in _FORCE_AFTER:
            kind, j = "law-enforcement", i + 1
        else:
            for a0, b0, a in found:
                if a.kind not in STATE_KINDS:
                    continue
                after = _appositive_gap([x.key for x in s.toks[i + 1: a0]])
                before = b0 == i - 1 or (b0 == i - 2 and s.toks[i - 1].key == ",")
                if after or before:
                    kind, country = a.kind, a.country
                    break
        if kind is None:
            continue
        country = country or next((x.country for x in s.toks if x.country), None)
        out.append((i, j, Actor(t.text, kind, country, s.quote, 0.75, key=_name_key(t.text))))
    return out


def _ambiguous_country(a: Actor, mentions: Counter[str]) -> str | None:
    """The country of a body whose abbreviation several countries use (the GKNB of Kyrgyzstan or of
    Tajikistan) and whose sentence names none of them: the one the report names most, None if none."""
    named = [c for c in a.country_options if mentions[c]]
    return max(named, key=lambda c: mentions[c]) if named else None


def _back_references(s: _Sentence, found: list[tuple[int, int, Actor]],
                     seen: list[Actor]) -> list[tuple[int, int, Actor]]:
    """"The ministry", "the committee", «ведомство», «комиссия» with no name of their own: the last state
    body named before them whose name holds that head (any body but a court for «ведомство»)."""
    out: list[tuple[int, int, Actor]] = []
    for pat, head in _compiled(s.lang, "ANAPHORA"):
        for m in pat.finditer(s.keystr):
            r = s.tok_range(m.start(), m.end())
            if r is None or any(i <= r[1] and r[0] <= j for i, j, _ in found + out):
                continue
            lead = s.text[: s.toks[r[0]].start - s.start]
            if lead.count("«") > lead.count("»") or lead.count("“") > lead.count("”"):
                continue  # a screenshot of «письма агентства», a so-called "ministry letter": a quotation's word
            before = seen + [a for i, _, a in sorted(found, key=lambda f: f[0]) if i < r[0] and a.kind in STATE_KINDS]
            ok = [a for a in before if (a.kind != "court" if head == "*" else
                                        re.search(r"(?:^| )" + head, a.key) is not None)]
            if ok:
                out.append((r[0], r[1], ok[-1]))
    return out


def _named_actors(s: _Sentence) -> list[tuple[int, int, Actor]]:
    """Outlets and people: named after a trigger noun ("the news website X", «X» after «издание»)."""
    mod = _LANGS[s.lang]
    out: list[tuple[int, int, Actor]] = []

    def add(a: int, b: int, name: str, kind: str, conf: float, domain: str | None = None) -> None:
        name = _clean_name(name)
        if not name or gazetteer.country_of_word(name) or name.lower() in ("the", "its") or name.isdigit():
            return
        i, j = s.tok_at_abs(a), s.tok_at_abs(b - 1)
        out.append((i, j, Actor(name, kind, None, s.quote, conf, domain=domain, key=_name_key(name))))

    text = s.text
    if s.lang == "en":
        cap = r"(?:[A-Z0-9][\w’'.-]*|[a-z0-9-]+\.[a-z]{2,})"
        word = r"(?:(?:al|el|ul|ad|ar|as|ash|at|an|az)-)?[A-Z][\w’'.-]*"  # "Bawabet al-Rasif"
        rx = re.compile(r"(?i:\b" + mod.OUTLET_NOUNS + r")\s+(" + cap + r"(?:\s+(?:" + word + r"|\d{1,3}(?![\d,.])))?"
                        r"(?:\s+(?:" + word + r")){0,2})(?:\s*\(([\w.-]+\.[a-z]{2,})\))?")
        for m in rx.finditer(text):
            name = re.sub(r"(?:'s|’s)$", "", m.group(1))
            words = name.split()
            while words and (words[-1].lower() in ("said", "has", "had", "was", "is", "on", "the", "in")
                             or gazetteer.country_of_word(words[-1])):
                words.pop()
            if words:
                add(s.start + m.start(1), s.start + m.start(1) + len(" ".join(words)), " ".join(words), "outlet",
                    0.8, (m.group(2) or "").lower() or None)
                more = re.compile(r"\s*(?:,|\band\b)\s+(" + cap + r"(?:\s+(?:[A-Z0-9][\w’'.-]*)){0,2})")
                pos = m.end()
                while (m2 := more.match(text, pos)) is not None:
                    add(s.start + m2.start(1), s.start + m2.end(1), m2.group(1), "outlet", 0.7)
                    pos = m2.end()
        name2 = r"([A-Z][a-z]+(?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?){1,2})"  # "Hossam Abdel-Ghani"
        prx = re.compile(r"(?i:\b" + mod.PERSON_NOUNS + r"),?\s+" + name2 + r"(?![\w’'])")
        for m in prx.finditer(text):
            add(s.start + m.start(1), s.start + m.end(1), m.group(1), "journalist", 0.8)
        # "Aynur Elgunesh, a reporter for …"; "the editor-in-chief of the website X, Ulvi Hasanli,"
        for rx2 in (re.compile(name2 + r",\s+(?:(?:a|an|the)\s+(?:[\w-]+\s+){0,2})?(?i:" + mod.PERSON_NOUNS + r")\b"),
                    re.compile(r"(?i:\b(?:editor-in-chief|editor|founder|co-founder|director|head|owner))\s+of\s+"
                               r"[^,.;]{2,60},\s+" + name2 + r"(?=[,.;]|\s+(?:on|was|who|said|and)\b)"),
                    # "Bektur Iskender of the news website said …"
                    re.compile(name2 + r"\s+of\s+(?:the|a|an)\s+(?i:" + mod.OUTLET_NOUNS + r")")):
            for m in rx2.finditer(text):
                for _, _, a in out:  # "the website X, Ulvi Hasanli," is no list of two outlets
                    if a.name == m.group(1) and a.kind == "outlet" and a.domain is None:
                        a.kind, a.confidence = "journalist", 0.75
                if not any(a.name == m.group(1) for _, _, a in out):
                    # "Hovik Melkonyan, the founder and principal shareholder of Debed Copper CJSC": a business
                    clause = text[m.end(1):].split(",", 2)[1] if text[m.end(1):].startswith(",") else ""
                    add(s.start + m.start(1), s.start + m.end(1), m.group(1),
                        "other" if _EN_COMPANY.search(clause.lower()) else "journalist", 0.75)
        # a company by its legal form: "Ak-Tash Stroy LLC", "the company Nur Invest"
        for m in re.finditer(r"\b((?:[A-Z][\w’'-]*\s+){1,3}(?:LLC|JSC|LLP|Ltd|Inc|Holding|Group))\b|"
                             r"\b(?:company|firm|developer|holding)\s+((?:[A-Z][\w’'-]*)(?:\s+[A-Z][\w’'-]*){0,2})",
                             text):
            g = 1 if m.group(1) else 2
            if not any(a.name == m.group(g) for _, _, a in out):
                add(s.start + m.start(g), s.start + m.end(g), m.group(g), "other", 0.7)
        orx = re.compile(r"(?i:\b" + _PERSON_WORD["en"] + r")\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2})")
        for m in orx.finditer(text):
            add(s.start + m.start(1), s.start + m.end(1), m.group(1), "other", 0.7)
    else:
        outlet_rx = re.compile(r"^" + mod.OUTLET_NOUNS + r"$")
        for m in re.finditer(r"«([^»]{2,60})»", text):
            before = s.tok_at_abs(s.start + m.start()) - 1
            keys = [s.toks[k].key for k in range(max(0, before - 3), before + 1)]
            if keys and any(k.startswith("закон") or k == "статья" for k in keys[-2:]) and not outlet_rx.match(
                    keys[-1]):
                continue  # «статья «Название»» is a title; «статью издания «Вёрстка»» names the outlet
            if m.group(1)[:1].islower() and _CYR.match(m.group(1)):
                continue  # «удалить канал как «нарушающий законодательство»»: a quotation, no name
            if any(outlet_rx.match(k) for k in keys):
                add(s.start + m.start(1), s.start + m.end(1), m.group(1), "outlet", 0.85)
                # «главного редактора издания «X» Олега Смирнова»: the person named after the outlet
                person_rx = re.compile(r"^" + mod.PERSON_NOUNS + r"$")
                if any(person_rx.match(k) for k in keys):
                    k0 = s.tok_at_abs(s.start + m.end())
                    names = []
                    for t2 in s.toks[k0 : k0 + 3]:
                        if t2.text[:1].isupper() and _CYR.search(t2.text) and not t2.country:
                            names.append(t2)
                        else:
                            break
                    while len(names) >= 2:  # «… Айбека Джумабаева и Нурию Садыкову»: every one named
                        name = _person_nominative_name([t2.text for t2 in names])
                        out.append((k0, k0 + len(names) - 1,
                                    Actor(name, "journalist", None, s.quote, 0.75, key=_name_key(name))))
                        k0 += len(names) + 1
                        if k0 - 1 >= len(s.toks) or s.toks[k0 - 1].key not in ("и", ","):
                            break
                        names = []
                        for t2 in s.toks[k0 : k0 + 2]:
                            if t2.text[:1].isupper() and _CYR.search(t2.text) and not t2.country:
                                names.append(t2)
                            else:
                                break
        # a company by its legal form: ООО «Южстрой», компания «Сибирский лес»
        for m in re.finditer(r"(?:\b(?:ООО|АО|ЗАО|ОАО|ПАО|ТОО|ОсОО)|[Кк]омпани\w+|[Фф]ирм\w+|[Хх]олдинг\w*|"
                             r"[Зз]астройщик\w*)\s+«([^»]{2,60})»", text):
            add(s.start + m.start(1), s.start + m.end(1), m.group(1), "other", 0.75)
        for kind, word_rx in (("journalist", mod.PERSON_NOUNS), ("other", _PERSON_WORD["ru"])):
            wrx = re.compile(r"^" + word_rx + r"$")
            for k, t in enumerate(s.toks):
                if not wrx.match(t.key):
                    continue
                names = []
                for t2 in s.toks[k + 1 : k + 4]:
                    if t2.text[:1].isupper() and _CYR.search(t2.text):
                        names.append(t2)
                    else:
                        break
                if len(names) >= 2:
                    name = _person_nominative_name([t2.text for t2 in names])
                    out.append((k + 1, k + len(names), Actor(name, kind, None, s.quote, 0.8, key=_name_key(name))))
    if s.lang == "ru":  # «сайт Meydan TV», «к сайтам Meydan TV и Turan»: Latin names after an outlet noun
        outlet_rx = re.compile(r"^" + mod.OUTLET_NOUNS + r"$")
        lat = re.compile(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,2}")
        for k, t in enumerate(s.toks):
            if not outlet_rx.match(t.key) or k + 1 >= len(s.toks):
                continue
            pos = s.toks[k + 1].start - s.start
            while (lm := lat.match(text, pos)) is not None and not _DOMAIN.fullmatch(lm.group()):
                add(s.start + lm.start(), s.start + lm.end(), lm.group(), "outlet", 0.7)
                nxt = re.compile(r"\s*(?:,|и)\s+").match(text, lm.end())
                if nxt is None:
                    break
                pos = nxt.end()
    for m in _DOMAIN.finditer(text):
        dom = m.group(1).lower()
        if any(a.domain == dom for _, _, a in out):
            continue
        add(s.start + m.start(1), s.start + m.end(1), dom, "outlet", 0.6, dom)
    return out


# -- candidates beyond the trigger nouns: proper names (English) and NER spans (Russian) ----------------
# the last word of an outlet's own name ("Kuzey Haber", "Bayraq Media", "Nioman Daily", «Ала-Тоо Таймс»)
_OUTLET_HEADS = frozenset({
    "news", "times", "daily", "haber", "media", "post", "review", "tv", "radio", "press", "ledger", "herald",
    "gazette", "online", "info", "journal", "observer", "express", "courier", "tribune", "today", "weekly",
    "files", "live", "voice", "telegraph", "chronicle", "insider", "standard", "mirror", "vestnik",
    "kurier", "xabar", "khabar", "habar", "gazeta", "novosti", "ekspress", "leaks", "digest", "bulletin", "wire",
    "network", "channel", "fm", "24", "plus",
    "таймс", "пост", "вестник", "газета", "новость", "ньюс", "медиа", "онлайн", "инфо", "курьер", "правда", "экспресс",
    "хабар", "обозреватель", "дайджест",
})
# the first word of an outlet's own name ("Kanal Deniz", "Radio Azattyk")
_OUTLET_FIRST = frozenset({"kanal", "radio", "telekanal", "tv", "gazeta", "gazete", "radio-tv", "телеканал", "радио"})
# what follows an outlet's name ("Bayraq Media reporters", "Kisan Awaaz accounts", "X's website")
_EN_AFTER_OUTLET = frozenset({"reporters", "reporter", "journalists", "journalist", "editors", "editor", "website",
                              "site", "newsroom", "staff", "accounts", "account", "stories", "story", "articles",
                              "article", "coverage", "correspondent", "correspondents", "team", "editorial",
                              "publisher", "headquarters", "newsletter", "homepage", "broadcasts", "programme",
                              "program", "page", "channel", "editor-in-chief"})
# what follows only an outlet's name, never a person's ("Aq Tash reporters", "Aq Tash's newsroom")
_EN_AFTER_STAFF = frozenset({"reporters", "journalists", "editors", "staff", "newsroom", "correspondents",
                             "website", "headquarters", "editorial"})
# people of the press named before a name, in any number ("reporters X and Y", "camera operator X")
_EN_PRESS_PERSON = frozenset({"blogger", "bloggers", "journalist", "journalists", "reporter", "reporters", "editor",
                              "editors", "editor-in-chief", "correspondent", "correspondents", "columnist",
                              "photojournalist", "photographer", "photographers", "cameraman", "cameramen",
                              "operator", "presenter", "anchor", "host", "producer", "founder", "co-founder",
                              "publisher", "commentator", "freelancer", "contributor", "investigator", "colleague",
                              "colleagues", "administrator", "admin"})
_EN_OTHER_PERSON = frozenset({"businessman", "businesswoman", "entrepreneur", "tycoon", "magnate", "mogul",
                              "oligarch", "politician", "deputy", "lawmaker", "mp", "parliamentarian", "official",
                              "developer", "investor", "owner"})
# what follows the sites a cut access names: "Access to A, B and C was restricted on Monday"
_ACCESS_CUT = re.compile(r"^(?:(?:,|and) (?:[^.,]+ )?(?:, )?(?:and )?[^.]{0,60}?)?(?:was|were|has been|have been|"
                         r"had been|is|are) (?:\S+ )?(?:restricted|limited|blocked|cut)\b")
# what a person of the press does, in a relative clause after the name: "X, who covers housing for …"
_EN_PRESS_VERBS = frozenset({"covers", "covered", "reports", "reported", "writes", "wrote", "edits", "edited", "blogs",
                             "blogged", "hosts", "hosted", "presents", "presented", "anchors", "anchored", "films",
                             "filmed", "photographs", "photographed"})
# what anyone may do, of the press when the clause names a press word: "X, who runs the Y news blog"
_EN_RUN_VERBS = frozenset({"runs", "ran", "founded", "co-founded", "heads", "headed", "owns", "owned", "works",
                           "worked", "manages", "managed", "contributes", "contributed"})
_EN_NUMBERS = frozenset({"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "several", "many",
                         "dozens", "some", "all", "both"})
# words before a head that make a kind of media, not a name ("Mass Media", "Free Press")
_EN_GENERIC = frozenset({"mass", "social", "state", "independent", "free", "local", "foreign", "online", "new", "print",
                         "breaking", "latest", "top", "world", "business", "good", "fake",
                         "digital", "national", "public", "private", "russian-language", "opposition", "the"})
_EN_PARLIAMENT = re.compile(r"(?:member of (?:CTRY )?(?:the )?(?:CTRY )?parliament|lawmaker|member of the [a-z]+ "
                            r"(?:council|assembly))(?: ,)?$")
# what says a person's appositive names a business: "the founder and owner of Debed Copper CJSC"
_EN_COMPANY = re.compile(r"\b(?:cjsc|ojsc|jsc|llc|ltd|inc|plc|corp|a_ş|company|companies|corporation|holding|"
                         r"shareholder|bank|factory|plant|mine|mining|construction|developer|firm)\b")
_EN_LAWMAKER = re.compile(r"\b(?:member of (?:CTRY )?(?:the )?(?:CTRY )?parliament|lawmaker|mp|parliamentarian)\b")
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*$")


def _personish(words: list[str]) -> bool:
    """Two or three words each written like a name ("Ayşe Demir", "Faizan Wani")."""
    return 2 <= len(words) <= 3 and all(_NAME_WORD.match(w) and w[:1].isupper() and not w[1:].isupper()
                                        for w in words)


# a lowercase article inside a name ("Bawabet al-Rasif", "Hossam el-Din")
_NAME_PARTICLE = re.compile(r"(?:al|el|ul|ad|ar|as|ash|at|an|az)-[A-Z]")
# an outlet noun in apposition after a name ("Khabar-e Shahr, a reformist daily")
_EN_APPOS_OUTLET = re.compile(r"^, (?:a|an|the) (?:[\w-]+ ){0,3}(?:daily|weekly|newspaper|paper|website|site|portal|"
                              r"outlet|channel|broadcaster|magazine|news agency|station)\b")
_EN_PLACE_HEADS = frozenset({"avenue", "street", "square", "boulevard", "road", "lane", "prospekt", "prospect",
                             "highway", "bridge", "embankment", "park", "airport", "quarter", "district", "st", "ave"})


def _en_name_candidates(s: _Sentence, found: list[tuple[int, int, Actor]]) -> list[tuple[int, int, Actor]]:
    """Outlets and people named without a trigger noun right before them: runs of capitalised words
    whose kind a word nearby decides — an outlet's head word ("Kuzey Haber") or a word after it
    ("Bayraq Media reporters", "Kıyı Haber's story"), a press noun before a person ("reporters Leyla
    Mammadli and Nigar Huseynova", "camera operator Elvin Qasimov"), a businessman or lawmaker before one
    ("Construction magnate Mehmet Kaya", "a member of parliament, Karen Mkrtchyan"); names listed with
    "and" or commas share the kind of the first."""
    toks, n = s.toks, len(s.toks)
    if _title_case(s) or sum(t.text[:1].isalpha() for t in toks) < 4:
        return []  # a Title Case headline, a page's label ("Breaking News"): capitals say nothing
    taken = {k for i, j, _ in found for k in range(i, j + 1)}
    heads = lang_en.BODY_HEADS
    runs: list[tuple[int, int, bool]] = []
    k = 0
    while k < n:
        t = toks[k]
        quoted = t.text in ('"', "“", "«") and k + 1 < n and toks[k + 1].text[:1].isupper()
        if quoted:
            e = k + 1
            while e < n and toks[e].text not in ('"', "”", "»") and e - k <= 6:
                e += 1
            if e < n and toks[e].text in ('"', "”", "»") and e - k >= 2:
                runs.append((k + 1, e - 1, True))
                k = e + 1
                continue
        if t.text[:1].isupper() and t.text[:1].isalpha() and k not in taken:
            e = k
            while e + 1 < n and (toks[e + 1].text[:1].isupper() and toks[e + 1].text[:1].isalpha()
                                 or _NAME_PARTICLE.match(toks[e + 1].text)) and \
                    e + 1 not in taken and not toks[e].text.endswith(("'s", "’s")):
                e += 1
            runs.append((k, e, False))
            k = e + 1
            continue
        k += 1
    out: list[tuple[int, int, Actor]] = []
    prev: tuple[int, str] | None = None  # end of the last candidate and its kind, for lists

    def tail_all(start: int) -> str:  # the sentence's words from a token on
        return " ".join(toks[x].key for x in range(start, n))

    def clause_who(start: int) -> str:  # the relative clause's words up to its comma
        return " ".join(itertools.takewhile(lambda x: x not in (",", "."), (toks[x].key for x in range(start, min(
            n, start + 14)))))

    for i, j, quoted in runs:
        if not quoted:
            while i <= j and (toks[i].key in _EN_NOT_LEFT or toks[i].key == "CTRY" or (
                    toks[i].text.isupper() and len(toks[i].text) > 3) or toks[i].key in _EN_PRESS_PERSON
                    or toks[i].key in _EN_OTHER_PERSON or toks[i].key in _EN_NUMBERS):
                i += 1  # "On Sunday …", "Kazakh …", a dateline "ANKARA —", "Reporters Leyla Mammadli", "Three …"
            while j >= i and (toks[j].key == "CTRY" or toks[j].key in _EN_NOT_NAME):
                j -= 1
        if i > j or any(k in taken for k in range(i, j + 1)):
            continue
        keys = [toks[x].key for x in range(i, j + 1)]
        if any(x in heads or x in lang_en.NOT_STATE or x in gazetteer.PLATFORMS for x in keys):
            continue
        if keys[-1] in _EN_PLACE_HEADS:
            continue  # "Rustaveli Avenue", "Taksim Square": a place, no one
        texts = [re.sub(r"(?:'s|’s)$", "", toks[x].text) for x in range(i, j + 1)]
        before = [toks[x].key for x in range(max(0, i - 3), i)]
        before_q = [toks[x].key for x in range(max(0, i - 4), i - 1)] if quoted else before
        after = toks[j + 1].key if j + 1 < n else ""
        poss = toks[j].text.endswith(("'s", "’s"))
        lead = " ".join(toks[x].key for x in range(max(0, i - 8), i))
        kind: str | None = None
        tail = " ".join(toks[x].key for x in range(j + 1, min(n, j + 8)))
        if quoted:
            if any(re.fullmatch(lang_en.OUTLET_NOUNS.rstrip(",?"), b) for b in before_q) or keys[-1] in _OUTLET_HEADS:
                kind = "outlet"
        elif len(before) >= 2 and before[-1] in ("for", "at") and before[-2] in _EN_PRESS_PERSON or \
                _EN_APPOS_OUTLET.match(tail):
            kind = "outlet"  # "a staff reporter for Khabar-e Shahr", "Khabar-e Shahr, a reformist daily"
        elif (keys[-1] in _OUTLET_HEADS or keys[0] in _OUTLET_FIRST) and len(keys) > 1 and not all(
                x in _EN_GENERIC for x in keys[:-1]):
            kind = "outlet"
        elif (after in _EN_AFTER_OUTLET and not _personish(texts)) or after in _EN_AFTER_STAFF:
            kind = "outlet"  # "Kisan Awaaz accounts"; "two Aq Tash reporters" though it reads like a person
        elif before[-2:] == ["access", "to"] and (re.search(r"\b(?:restrict\w*|block\w*|limit\w*|cut\w*(?: off)?) "
                                                          r"access to$", lead) or _ACCESS_CUT.match(tail_all(j + 1))):
            kind = "outlet"  # "Access to Cronica Andina … was restricted", "blocked access to Kun Info": a site
        elif prev is not None and prev[1] == "outlet" and 0 < i - prev[0] <= 2 and all(
                toks[x].key in ("and", ",") for x in range(prev[0] + 1, i)):
            kind = "outlet"  # "access to Cronica Andina, El Telegrafo Llanero and Mirador 24": the list's others
        elif _personish(texts) and before[-1:] != ["the"]:  # "to the Public Prosecution" is no one's name
            age = 3 if j + 3 < n and toks[j + 1].key == "," and re.fullmatch(r"\d{1,2}", toks[j + 2].text) and \
                toks[j + 3].key == "," else 0  # "Ivan Petrov, 34, a reporter for …": the age is no apposition
            appos = [toks[x].key for x in range(j + 1 + age - (1 if age else 0), min(n, j + 6 + age))]
            clause = " ".join(itertools.takewhile(lambda x: x != ",", (toks[x].key for x in range(j + 2 + age, min(
                n, j + 14 + age))))) if appos[:1] == [","] else ""
            if clause and (_EN_COMPANY.search(clause) or _EN_LAWMAKER.search(clause) or any(
                    x in _EN_OTHER_PERSON and x not in ("owner", "official") for x in clause.split()[:4])):
                kind = "other"  # "X, the founder of Debed Copper CJSC", "X, a member of parliament's committee"
            elif appos[:1] == [","] and (any(x in _EN_PRESS_PERSON for x in appos[1:4]) or any(
                    x in ("director", "head", "chief", "owner", "manager") and y in ("of", "at", "for")
                    for x, y in zip(appos[1:], appos[2:], strict=False))):
                kind = "journalist"  # "Ulvi Hasanli, director of Abzas Media", "X, a reporter for Y"
            elif appos[:2] == [",", "who"] and _EN_WHO_OTHER.search(clause_who(j + 3)) and not _PRESS_WORDS[
                    "en"].search(clause_who(j + 3)):
                kind = "other"  # "X, who sits on the parliamentary committee for planning, sued the portal"
            elif appos[:2] == [",", "who"] and len(appos) > 2 and (appos[2] in _EN_PRESS_VERBS or (
                    appos[2] in _EN_RUN_VERBS and _PRESS_WORDS["en"].search(clause_who(j + 3)))):
                kind = "journalist"  # "X, who covers housing for the daily Y", "X, who runs the Z news blog"
            elif any(b in _EN_PRESS_PERSON for b in before) or re.search(
                    r"(?:reporters?|journalists?|editors?|staff|employees|its|their) , $", lead + " ") or re.search(
                    # "the two reporters who wrote the article, X and Y": the names after a relative clause
                    r"(?:reporters?|journalists?|editors?|correspondents?|bloggers?) (?:who|that) (?:[^,]+ ){1,6}, $",
                    " ".join(toks[x].key for x in range(max(0, i - 12), i)) + " ") or re.search(
                    r"(?:outlet|site|website|channel|newspaper|paper|station|broadcaster|portal|agency|magazine|its|"
                    r"their) (?:general )?(?:director|head|founder|owner|chief|manager|producer) ,? $", lead + " "):
                kind = "journalist"
            elif any(b in _EN_OTHER_PERSON for b in before) or _EN_PARLIAMENT.search(lead):
                kind = "other"
            elif prev is not None and prev[1] in ("journalist", "other") and all(
                    toks[x].key in ("and", ",") or toks[x].key in _EN_PRESS_PERSON for x in range(prev[0] + 1, i)):
                kind = prev[1]
        if kind is None or (i == 0 and len(keys) == 1 and not poss):
            prev = None
            continue
        name = _clean_name(" ".join(texts) if not quoted else s.span_text(i, j))
        if not name or gazetteer.country_of_word(name):
            continue
        out.append((i, j, Actor(name, kind, None, s.quote, 0.6, key=_name_key(name), guessed=True)))
        taken.update(range(i, j + 1))
        prev = (j, kind)
    return out


_RU_PARLIAMENT = frozenset({"парламент", "мажилис", "дума", "госдума", "сенат", "кенеш", "меджлис", "сейм"})
_RU_NOT_OUTLET = re.compile(r"(?:^| )(?:партия|фонд|университет|ассоциация|союз|банк|клуб|фк|школа|центр|институт|"
                            r"движение|организация|объединение|оон|обсе|компания|команда|сборная|федерация|"
                            r"больница|поликлиника|завод)(?: |$)")
_RU_PRESS_PERSON = re.compile(r"^(?:" + lang_ru.PERSON_NOUNS.strip("(?:)") + r"|сотрудник|репортёр|репортер|"
                              r"журналист-\w+|главный|шеф-редактор|редактор-\w+|администратор|админ)$")


_RU_NOT_NAME_BEFORE = re.compile(r"^(?:закон|статья|материал|программа|передача|фильм|книга|заголовок|название|"
                                 r"операция|акция|статус|премия|песня|спектакль|выставка|рубрика|колонка|слово|"
                                 r"фраза|лозунг|формулировка|тюрьма|сизо|колония|статья~|пост|публикация|"
                                 r"расследование|интервью|репортаж|сюжет|ролик|видео|проект|кампания|дело)$")


def _ru_quoted_candidates(s: _Sentence, found: list[tuple[int, int, Actor]]) -> list[tuple[int, int, Actor]]:
    """«Kun Xabar» удалил заметку, МКИСМП заблокировало «Ала-Тоо Таймс»: a capitalised name in quotes that
    a verb takes as its subject or object, with no noun of a law, a text or a programme before it, is an
    outlet (guessed)."""
    out: list[tuple[int, int, Actor]] = []
    taken = {k for i, j, _ in found for k in range(i, j + 1)}
    for m in re.finditer(r"«([^«»]{2,40})»", s.text):
        inner = m.group(1)
        if not inner[:1].isupper() or len(inner.split()) > 4:
            continue
        i, j = s.tok_at_abs(s.start + m.start(1)), s.tok_at_abs(s.start + m.end(1) - 1)
        if any(k in taken for k in range(i, j + 1)):
            continue
        before = [s.toks[x] for x in range(max(0, i - 3), i - 1)]  # i - 1 is the opening quote
        if any(_RU_NOT_NAME_BEFORE.match(t.key) or re.match(lang_ru.OUTLET_NOUNS + "$", t.key) for t in before):
            continue  # after an outlet noun the rules named it already
        nxt = s.toks[j + 2] if j + 2 < len(s.toks) else None
        prv = s.toks[i - 2] if i >= 2 else None
        if prv is not None and _RU_PRESS_PERSON.match(prv.key):  # «главного редактора «Клоопа»»: whose editor
            name = _clean_name(inner)
            if name and not gazetteer.country_of_word(name):
                out.append((i, j, Actor(name, "outlet", None, s.quote, 0.5, key=_name_key(name), guessed=True)))
                taken.update(range(i, j + 1))
            continue
        verb = (nxt is not None and bool({"VERB", "PRTS"} & _ru_tags(nxt.text)) and _CYR.search(nxt.text)) or (
            prv is not None and "VERB" in _ru_tags(prv.text) and _CYR.search(prv.text) and i - 2 == s.tok_at_abs(
                prv.start))
        if not verb:
            continue
        name = _clean_name(inner)
        keys = [s.toks[x].key for x in range(i, j + 1)]
        if not name or gazetteer.country_of_word(name) or _RU_NOT_OUTLET.search(" ".join(keys)) or any(
                k in gazetteer.PLATFORMS for k in keys):
            continue
        out.append((i, j, Actor(name, "outlet", None, s.quote, 0.5, key=_name_key(name), guessed=True)))
        taken.update(range(i, j + 1))
    return out


def _ru_ner_candidates(s: _Sentence, ents: list[tuple[int, int, str]],
                       found: list[tuple[int, int, Actor]]) -> list[tuple[int, int, Actor]]:
    """Actors from the NER's spans that no rule named: a PER is a journalist after a press noun or in
    apposition to one («Фарходу Назарову, главному редактору»), someone else after «депутат»,
    «бизнесмен»; an ORG is a state body by its head noun (the rules' kind), a parliament, or else an
    outlet unless its words say party, fund, company, club …"""
    mod = lang_ru
    out: list[tuple[int, int, Actor]] = []
    taken = {k for i, j, _ in found for k in range(i, j + 1)}
    for a, b, typ in ents:
        if typ not in ("ORG", "PER"):
            continue
        i, j = s.tok_at_abs(s.start + a), s.tok_at_abs(s.start + b - 1)
        while j > i and s.toks[j].text in ("»", '"', ")", "”"):
            j -= 1
        while i < j and s.toks[i].text in ("«", '"', "(", "“"):
            i += 1
        if any(k in taken for k in range(i, j + 1)):
            continue
        keys = [s.toks[x].key for x in range(i, j + 1)]
        texts = [s.toks[x].text for x in range(i, j + 1)]
        before = [s.toks[x].key for x in range(max(0, i - (5 if typ == "PER" else 3)), i)]
        kind: str | None = None
        name = s.span_text(i, j)
        if typ == "PER":
            if len(texts) < 2 or not all(w[:1].isupper() for w in texts):
                continue
            lead = [s.toks[x].key for x in range(j + 1, min(len(s.toks), j + 7))]
            if any(_RU_PRESS_PERSON.match(x) for x in before) or (lead[:1] == [","] and any(
                    _RU_PRESS_PERSON.match(x) for x in lead[1:])):
                kind = "journalist"
            elif any(re.fullmatch(_PERSON_WORD["ru"], x) for x in before) or any(x in _RU_PARLIAMENT for x in before) \
                    or any(x in ("иск", "истец") for x in before):  # «иск владельца автосалонов Виктора Ладыгина»
                kind = "other"
            else:
                continue
            if _CYR.search(name):
                name = _person_nominative_name(texts)
        else:
            if any(x in gazetteer.PLATFORMS or x.split("-")[0] in gazetteer.PLATFORMS or x in mod.NOT_STATE
                   for x in keys) or all(x in _OUTLET_HEADS or x in ("сми", "тв") for x in keys):
                continue
            if len(texts) == 1 and _CYR.search(texts[0]) and 3 <= len(texts[0]) <= 10 and texts[0][:1].isupper() \
                    and sum(c.isupper() for c in texts[0]) >= 3:
                kind = "government"  # «МЧС», «АИМК», «ГУБОПиК»: a body by its abbreviation
            elif any(x in mod.BODY_HEADS or x.startswith(("гос", "мин")) and len(texts) > 1 for x in keys[:2]):
                head = next((x for x in keys if x in mod.BODY_HEADS), "")
                kind = mod.BODY_HEADS.get(head, "government")
                if re.search(r"безопасность|полиция|милиция|внутренний дело|прокуратура|следственный", " ".join(keys)):
                    kind = "law-enforcement"
                if kind in ("regulator", "government") and keys[0] in mod.AMBIGUOUS_HEADS and not any(
                        x in mod.STATE_WORDS or x == "CTRY" for x in keys[1:]):
                    continue
            elif any(x in _RU_PARLIAMENT for x in keys):
                kind = "government"
            elif _RU_NOT_OUTLET.search(" ".join(keys)) or any(re.fullmatch(
                    r"(?:ООО|АО|ЗАО|ОАО|ПАО|ТОО|ОсОО)", x) for x in texts) or (
                    i > 0 and re.match(r"компания|фирма|холдинг|застройщик", s.toks[i - 1].key)):
                continue
            elif all(x == "CTRY" for x in keys):
                continue
            else:
                kind = "outlet"
        name = _clean_name(name)
        if not name or gazetteer.country_of_word(name):
            continue
        country = next((s.toks[x].country for x in range(i, j + 1) if s.toks[x].country), None) \
            if kind in STATE_KINDS else None
        out.append((i, j, Actor(name, kind, country, s.quote, 0.55, key=_name_key(name), guessed=True)))
        taken.update(range(i, j + 1))
    return out


def _place_word(s: _Sentence, i: int, j: int, text: str) -> bool:
    """Tokens ``i..j`` are one word that says where someone is from, not who: "Lahore-based", a nationality
    ("Kashmiri journalist", "Kyrgyz"), a place adjective before a noun («Екатеринбургский портал»)."""
    if i != j:
        return False
    word = s.toks[i].text
    low = gazetteer.normalize_word(word)
    if low.endswith("-based") or low in gazetteer.country_words_en():
        return True
    if re.search(r"(?<!\w)" + re.escape(word) + r" (?:region|province|oblast|governorate|county|valley)\b", text):
        return True  # "over Amhara coverage" in a report of "the Amhara region"
    nxt = s.toks[j + 1].text if j + 1 < len(s.toks) else ""
    if not (nxt[:1].isalpha() and nxt[:1].islower()):
        return False
    if _CYR.search(word):
        return "ADJF" in _ru_tags(word) and not _ru_tags(word) & {"NOUN", "Name", "Surn"}
    # "Kashmiri", "Punjabi", "Bengali": the place itself is named in the report
    stem = re.sub(r"(?:i|ian|an|ese)$", "", word)
    return stem != word and len(stem) >= 4 and re.search(r"(?<!\w)" + re.escape(stem) + r"(?![a-z])", text) is not None


_TRANSLIT = str.maketrans({"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
                           "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
                           "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
                           "ш": "sh", "щ": "sch", "ы": "y", "э": "e", "ю": "yu", "я": "ya", "ь": "", "ъ": "",
                           # the letters of Tajik, Kazakh, Kyrgyz and Uzbek Cyrillic: «Тоҷик Назар», tojiknazar
                           "ҷ": "j", "ӣ": "i", "ӯ": "u", "қ": "q", "ғ": "gh", "ҳ": "h", "ө": "o", "ү": "u",
                           "ң": "ng", "ә": "a", "і": "i", "ұ": "u", "һ": "h", "ў": "o"})


def _squash(name: str) -> str:
    """Letters and digits only, Cyrillic transliterated: «Ордо Пресс» and ordopress.kg meet."""
    return re.sub(r"[^a-z0-9]", "", name.lower().translate(_TRANSLIT))


def _merge_domains(actors: dict[str, Actor], per_sentence: list[list[tuple[int, int, Actor]]]) -> None:
    """An outlet's own domain beside its name ("Nioman Chas … its website niomanchas.by") is the same
    outlet: the name keeps the domain."""
    outlets = [a for a in actors.values() if a.kind == "outlet"]
    for d in [a for a in outlets if _DOMAIN.fullmatch(a.name)]:
        label = _squash(d.name.split(".")[0])
        o = next((o for o in outlets if o is not d and not _DOMAIN.fullmatch(o.name) and len(label) > 3
                  and _squash(o.name) == label), None)
        # «издания «Северный вестник» severvestnik.ru»: the domain right after the name is the outlet's own
        o = o or next((o for found in per_sentence for (_, j1, o), (i2, _, d2) in itertools.pairwise(
            sorted(found, key=lambda f: f[0])) if d2 is d and o is not d and o.kind == "outlet"
            and not _DOMAIN.fullmatch(o.name) and 0 < i2 - j1 <= 3 and len(label) > 3
            and _squash(o.name)[:3] == label[:3]), None)
        if o is None:
            continue
        o.domain = o.domain or d.name.lower()
        actors.pop(d.key, None)
        for found in per_sentence:
            found[:] = [(i, j, o if a is d else a) for i, j, a in found]


_SURNAME_ENDINGS = {  # (gender, case) of the first name -> (ending of the surname, nominative ending)
    ("masc", "gent"): ("а", ""), ("masc", "accs"): ("а", ""), ("masc", "datv"): ("у", ""),
    ("masc", "ablt"): ("ым", ""), ("femn", "accs"): ("у", "а"), ("femn", "gent"): ("ой", "а"),
    ("femn", "datv"): ("ой", "а"), ("femn", "ablt"): ("ой", "а"),
}


def _person_nominative_name(words: list[str]) -> str:
    """«Гульнару Бажкенову» -> «Гульнара Бажкенова», «Олега Смирнова» -> «Олег Смирнов»: the first
    name's gender and case decide the surname's nominative."""
    first = [x for x in _morph().parse(words[0]) if "Name" in x.tag.grammemes]
    if not first or len(words) < 2:
        return " ".join(_person_nominative(w) for w in words)
    out = [words[0]]
    for pn in first:
        for w in words[1:]:
            ps = next((x for x in _morph().parse(w) if {"Surn", "Patr"} & set(x.tag.grammemes)
                       and x.tag.gender == pn.tag.gender and x.tag.case == pn.tag.case), None)
            if ps is None:
                break
        else:
            nom = pn.inflect({"nomn"})
            out = [(nom.word if nom else pn.normal_form).capitalize()]
            for w in words[1:]:
                ps = next(x for x in _morph().parse(w) if {"Surn", "Patr"} & set(x.tag.grammemes)
                          and x.tag.gender == pn.tag.gender and x.tag.case == pn.tag.case)
                ns = ps.inflect({"nomn", pn.tag.gender}) if pn.tag.gender else None
                out.append((ns.word if ns else ps.normal_form).capitalize())
            return " ".join(out)
    # a surname the dictionary does not know: its ending follows the first name's gender and case
    pn = first[0]
    nom = pn.inflect({"nomn"})
    out = [(nom.word if nom else pn.normal_form).capitalize()]
    for w in words[1:]:
        end = _SURNAME_ENDINGS.get((str(pn.tag.gender), str(pn.tag.case)))
        if end and re.search(r"(?:ов|ев|ёв|ин|ын)" + end[0] + r"$", w.lower()):
            out.append(w[: len(w) - len(end[0])] + end[1])
        else:
            out.append(w)
    return " ".join(out)


def _person_nominative(word: str) -> str:
    """A name's nominative; a word the dictionary knows as no name stays as written («Жаныл», not «Жаныть»)."""
    p = _morph().parse(word)
    best = next((x for x in p if {"Name", "Surn", "Patr"} & set(x.tag.grammemes)), None)
    return str(best.normal_form).capitalize() if best is not None else word




# -- dates -------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _parse_date(span: str, lang: str, base: date) -> date | None:
    import dateparser

    dt = dateparser.parse(span, languages=[lang], settings={
        "RELATIVE_BASE": datetime(base.year, base.month, base.day, 12), "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month"], "PREFER_DAY_OF_MONTH": "first"})
    return dt.date() if dt else None


def _absolute_dates(s: _Sentence, base: date) -> list[tuple[int, date, float]]:
    mod = _LANGS[s.lang]
    out = []
    for rx in mod.DATE_PATTERNS:
        for m in rx.finditer(s.text):
            has_year = bool(m.group(3))
            d = _parse_date(re.sub(r"(?<=\d)-?(?:го|е)(?=\s)", "", m.group(0)), s.lang, base)  # «3-го октября»
            if d is None:
                continue
            if not has_year:
                d = d.replace(year=base.year)
                if d > base + timedelta(days=30):
                    d = d.replace(year=base.year - 1)
            if abs((d - base).days) <= 1 and _dateline(s, m.start(), m.end()):
                continue  # the report's own date in its dateline or byline
            out.append((m.start(), d, 0.95))
    for m in re.finditer(r"\b(\d{4})-(\d{2})-(\d{2})\b|\b(\d{2})\.(\d{2})\.(\d{4})\b", s.text):
        try:
            d = (date(int(m[1]), int(m[2]), int(m[3])) if m[1] else date(int(m[6]), int(m[5]), int(m[4])))
        except ValueError:
            continue
        if abs((d - base).days) <= 1 and _dateline(s, m.start(), m.end()):
            continue  # «Анкара, 12.03.2025», a line of its own "10.12.2024"
        out.append((m.start(), d, 0.95))
    return sorted(out, key=lambda x: x[0])


_LAST_WEEK = re.compile(r"(?:^| )(?:last|прошлый) $")
# a dateline or a byline ("BISHKEK, 14 March —", «АЛМАТЫ, 9 июля.», "Statement by X, 20 January 2025",
# "MINSK, May 3 (Agency) —", "Date: 3 May 2024", "Posted by X · 3 May 2024", a date on a line of its own):
# when the report was written, not when anything happened
_DATELINE = re.compile(r"^(?:[^\W\d][^,.:;!?—·|]{0,60}[,:·|])?\s*$")
_DATELINE_END = re.compile(r"^[ \t]*(?:(?:года|г\.)[ \t]*)?(?:\([^()]{1,40}\)\s*)?(?:[—–-]|\.?[ \t]*(?:\n|$))")


def _dateline(s: _Sentence, at: int, end: int) -> bool:
    """The absolute date at ``at``..``end`` of ``s.text`` is a dateline's or a byline's."""
    return bool(_DATELINE.match(s.text[:at]) and _DATELINE_END.match(s.text[end:end + 50]))


def _told(s: _Sentence, at: int) -> bool:
    """The report's own day at ``at`` of ``s.keystr`` follows a verb of telling: the day it was told."""
    return bool(re.search(_LANGS[s.lang].TELLING, s.keystr[max(0, at - 60): at]))


def _relative_dates(s: _Sentence, base: date, prev: date | None,
                    absolute: list[tuple[int, date, float]] | None = None) -> list[tuple[int, date, float]]:
    """Relative dates of a sentence. "The next day" counts from the nearest date before it in the
    sentence («во вторник …, а на следующий день»), else from the last date of the text (``prev``)."""
    mod = _LANGS[s.lang]
    out: list[tuple[int, date, float]] = []
    chained: list[tuple[int, int, int]] = []
    for rx, delta in _compiled(s.lang, "RELATIVE"):
        for m in rx.finditer(s.keystr):
            t = s.tok_at(m.start())
            if t < len(s.toks) and t > 0 and s.toks[t].text[:1].isupper():
                continue  # "Kuzbass Today" names an outlet
            if isinstance(delta, int):
                if delta == 0 and _told(s, m.start()):
                    continue
                out.append((m.start(), base + timedelta(days=delta), 0.75))
            else:
                chained.append((m.start(), int(delta[4:]), m.end()))
    # absolute dates' offsets are in the text: place them in the key string to compare
    absolute_at = [s.pos[min(s.tok_at_abs(s.start + p), len(s.pos) - 1)] for p, _, _ in absolute or []]
    for wd, name in enumerate(mod.WEEKDAYS):
        for m in re.finditer(r"(?<!\S)" + name + r"(?!\S)", s.keystr):
            if any(m.end() <= p <= m.end() + 3 for p in absolute_at):
                continue  # "on Monday, 11 November", «в понедельник, 27 ноября»: the date is written out
            if re.search(r"(?:^| )(?:every|each|a|an|каждый|по) $", s.keystr[max(0, m.start() - 10): m.start()]):
                continue  # "every Saturday", «каждую субботу», "on a Tuesday": a habit or no one day
            back = (base.weekday() - wd) % 7
            if back == 0 and _LAST_WEEK.search(s.keystr[max(0, m.start() - 12): m.start()]):
                back = 7  # "last Wednesday", «в прошлую среду» in a report of a Wednesday: a week ago
            if back == 0 and _told(s, m.start()):
                continue
            out.append((m.start(), base - timedelta(days=back), 0.65))
    anchors = out + [(at, d, c) for at, (_, d, c) in zip(absolute_at, absolute or [], strict=True)]
    for at, days, end in chained:
        if any(end <= p <= end + 3 for p in absolute_at):
            continue  # «на следующий день, 29 августа»: the date itself follows
        earlier = [a for a in anchors if a[0] < at]
        anchor = max(earlier, key=lambda a: a[0])[1] if earlier else prev
        if anchor is not None:
            out.append((at, anchor + timedelta(days=days), 0.6))
    return out


# -- the extraction ----------------------------------------------------------------------------------
def _ner_spans(sents: list[_Sentence], ner: bool) -> dict[int, list[tuple[int, int, str]]] | None:
    """NER spans of the Russian sentences (by sentence index), or None without the NER."""
    ru = [k for k, s in enumerate(sents) if s.lang == "ru"]
    if not ru or not ner:
        return None
    got = ner_ru.spans([sents[k].text for k in ru])
    return dict(zip(ru, got, strict=True)) if got is not None else None


def extract(text: str, *, language: str | None = None, report_date: date | None = None,
            role_model: roles.RoleModel | bool = False, keep_features: bool = False, ner: bool = True) -> Draft:
    """The draft of one report. ``language`` (en|ru) overrides detection for sentences in no clear
    script; ``report_date`` anchors relative dates ("last week") and year-less ones (default today);
    ``ner``: use the Russian NER where installed (:mod:`presswatch.reports.ner_ru`; ``Settings.ner``).
    Senders and recipients are the rules' unless ``role_model`` is a :class:`~presswatch.reports.roles.
    RoleModel` (or True: the one in ``roles.json``, when there is one); ``keep_features`` keeps each actor's
    features in ``Draft.role_features`` (for ``eval/train_roles.py``)."""
    base = report_date or date.today()
    lang = language or detect_language(text) or "en"
    if lang not in _LANGS:
        raise ValueError(f"unsupported language {lang!r} (en or ru)")
    draft = Draft(language=lang, report_date=base.isoformat(), truncated=len(text) > MAX_TEXT_CHARS)
    sents = [_analyse(st, t, lang) for st, t in _sentences(text[:MAX_TEXT_CHARS])]

    # countries mentioned, for actors whose country the text leaves implicit
    mentions = Counter(t.country for s in sents for t in s.toks if t.country)
    dominant = mentions.most_common(1)[0][0] if mentions else None

    actors: dict[str, Actor] = {}
    per_sentence: list[list[tuple[int, int, Actor]]] = []
    seen_bodies: list[Actor] = []  # state bodies in text order, for "the ministry" / «ведомство»
    ner_spans = _ner_spans(sents, ner)
    agencies = _dateline_agencies(text[:MAX_TEXT_CHARS])
    for k_s, s in enumerate(sents):
        found = _body_actors(s)
        found += [f for f in _named_actors(s) if not any(f[0] <= j and i <= f[1] for i, j, _ in found)]
        found += _en_name_candidates(s, found) if s.lang == "en" else _ru_quoted_candidates(s, found)
        found += _acronym_bodies(s, found)
        if s.lang != "en" and ner_spans is not None and k_s in ner_spans:
            found += _ru_ner_candidates(s, ner_spans[k_s], found)
        found = [f for f in found if not (f[2].guessed and _place_word(s, f[0], f[1], text))
                 and f[2].key not in agencies]  # "(Steppe Wire) —": the report's own source, no party
        resolved = []
        for i, j, a in found:
            prior = actors.get(a.key) or _same_actor(actors, a)
            if prior is None:
                actors[a.key] = a
                prior = a
            elif not a.guessed and prior.guessed:  # «Даракчи» guessed in the headline, «газета «Даракчи»» later
                prior.guessed, prior.kind, prior.confidence = False, a.kind, a.confidence
            if prior.country is None and not prior.country_options:  # «… безопасности (ГКНБ)»: the short name's
                prior.country_options = a.country_options
            resolved.append((i, j, prior))
        _alias_parenthesised(s, resolved, actors, per_sentence)
        _apposition(s, resolved, actors, per_sentence)
        resolved += _back_references(s, resolved, seen_bodies)
        seen_bodies += [a for _, _, a in sorted(resolved, key=lambda f: f[0]) if a.kind in STATE_KINDS]
        per_sentence.append(resolved)
    unique: dict[int, str] = {}  # an alias (an abbreviation in parentheses) leaves one actor under two keys
    for k, a in actors.items():
        unique.setdefault(id(a), k)
    actors = {k: a for k, a in actors.items() if unique[id(a)] == k}
    # later mentions of a known outlet or person by name (no trigger noun)
    named = [a for a in actors.values() if a.kind in ("outlet", "journalist", "other")]
    surnames = _surnames([a for a in named if a.kind in ("journalist", "other")])
    # a platform by its short name after its full one ("X Corp." … "required X to block"): whole tokens only
    platforms = [a for a in actors.values() if a.kind == "platform"]
    for s, found in zip(sents, per_sentence, strict=True):
        for a in named:
            for m in re.finditer(r"(?<!\w)" + re.escape(a.name) + r"(?!\w)", s.text):
                i = s.tok_at_abs(s.start + m.start())
                if not any(x[2] is a for x in found):
                    found.append((i, i, a))
        for a in platforms:
            for i, t in enumerate(s.toks):
                if t.text == a.name and not any(x[2] is a or x[0] <= i <= x[1] for x in found):
                    found.append((i, i, a))
        # "Demir stands by her reporting", «Эргашеву избрали меру пресечения»: a person by the surname alone
        for i, t in enumerate(s.toks):
            a2 = surnames.get(_surname_key(t.text)) if t.text[:1].isupper() else None
            if a2 is not None and not any(x[2] is a2 or x[0] <= i <= x[1] for x in found):
                found.append((i, i, a2))
    _merge_domains(actors, per_sentence)
    for a in actors.values():
        if a.country is None and a.kind in STATE_KINDS:
            a.country = _ambiguous_country(a, mentions) or dominant
        if a.kind == "outlet" and a.domain:
            tld = a.domain.rsplit(".", 1)[-1].upper()
            a.country = tld if len(tld) == 2 and tld not in ("TV", "FM") else a.country

    # dates, in text order (relative ones lean on the last date seen)
    prev: date | None = None
    sentence_dates: list[list[tuple[int, date, float]]] = []
    for s in sents:
        ds = _absolute_dates(s, base)
        ds_key = []
        rel = _relative_dates(s, base, ds[-1][1] if ds else prev, ds)
        ds_key.extend(rel)
        for _pos, d, conf in sorted(ds + ds_key, key=lambda x: x[0]):
            draft.dates.append((d.isoformat(), s.quote, conf))
        allds = ds + ds_key
        sentence_dates.append(allds)
        if allds:
            prev = max(allds, key=lambda x: x[0])[1]

    # a first-person report signed by its author ("— Daniyar Seitkali"): the author is the one acted on
    author = _author(sents, actors)
    if author is not None:
        actors.setdefault(author.key, author)
        per_sentence[-1].append((0, len(sents[-1].toks) - 1, author))

    # actions
    last_state: Actor | None = None
    last_against: Actor | None = None
    # the report's own subject: an outlet or journalist named by a trigger noun before any guessed one
    main_outlet = next((a for a in actors.values() if a.kind == "outlet" and not a.guessed), None)
    main_target = main_outlet or next((a for a in actors.values() if a.kind == "journalist" and not a.guessed), None) \
        or next((a for a in actors.values() if a.kind in ("outlet", "journalist")), None)
    senders: dict[str, Actor] = {}
    recipients: dict[str, Actor] = {}
    legal_first: str | None = None
    acts: list[list[tuple[str, int]]] = [[] for _ in sents]  # each sentence's actions: kind, verb's token
    denied_anywhere = any(_DENIAL[s.lang].search(s.keystr) for s in sents)
    denied = _denied_kinds(sents) if denied_anywhere else set()
    for k_sent, (s, found, sds) in enumerate(zip(sents, per_sentence, sentence_dates, strict=True)):
        state = [(i, j, a) for i, j, a in found if a.kind in STATE_KINDS and not any(
            t.key in _WITHOUT for t in s.toks[max(0, i - 2): i])]
        legal = _legal_basis(s)
        legal_first = legal_first or legal
        kinds_seen: set[str] = set()
        acted_by: Actor | None = None
        for rx, kind in _compiled(s.lang, "ACTION_RULES"):
            found_m = rx.search(s.keystr)
            if found_m is None or kind in kinds_seen:
                continue
            m = found_m
            if rx.pattern == _LANGS[s.lang].SEARCH and "arrest" in kinds_seen:
                continue  # "detained her in a raid on her home": the search is the arrest's own manner
            before = s.keystr[: m.start()]
            if kind == "block" and re.search(_LANGS[s.lang].NO_BLOCK, s.keystr):
                continue
            t0 = s.tok_at(m.start())
            if _AVERTED[s.lang].search(" ".join(t.key for t in s.toks[max(0, t0 - 4): t0])):
                continue  # «чтобы избежать блокировки», "to avoid a ban", «если … не открываются»: no act
            if _CONDITION[s.lang].match(s.keystr):
                continue
            if _ASKED_ABOUT[s.lang].search(before) or re.match(r" ли(?: |$)", s.keystr[m.end():]) or (
                    kind not in ("demand-removal", "demand-edit", "warning")
                    and _IN_CASE[s.lang].search(re.sub(r' ["“”«»] ', " ", before))):
                # "Asked whether the site had been blocked"; a sanction threatened: «в случае повторения …
                # поставит вопрос об ограничении доступа» (a demand «в случае отказа удалить» is still made)
                continue
            if kind == "block" and _MANY[s.lang].search(s.keystr[max(0, m.start() - 80): m.end() + 40]):
                continue  # "has restricted access to dozens of news websites": the state's practice, no act
            if kind == "ban" and _CHARGE[s.lang].search(s.keystr[max(0, m.start() - 40): m.start()]):
                continue  # «арест за «распространение экстремистских материалов»»: the charge, not a ban
            if kind == "ban" and _BANNED_BEFORE[s.lang].search(s.keystr[max(0, m.start() - 60): m.end()]):
                continue  # «упоминалась организация, признанная в России экстремистской»: a ban named in passing
            if kind == "demand-removal" and _NOT_CONTENT[s.lang].match(s.keystr[m.end():]):
                continue  # "called on the government to withdraw the draft": no content to remove
            if _PROVISION[s.lang].search(before):
                continue  # "the amendments also introduce fines": what a law provides, no act
            lang_rules = _LANGS[s.lang]
            if kind == "block" and hasattr(lang_rules, "NOUN_BEFORE_BLOCK") and (
                    re.search(lang_rules.NOUN_BEFORE_BLOCK, before[-30:])
                    or re.match(lang_rules.NOUN_AFTER_BLOCK, s.keystr[m.end():])):
                continue  # "residential blocks", "blocks of flats": a building
            if kind == "warning" and (re.search(lang_rules.PLAIN_WARNING_BEFORE, before[-30:])
                                      or re.match(lang_rules.PLAIN_WARNING_AFTER, s.keystr[m.end():])):
                continue  # "meant as a warning to every reporter": a plain noun, no body's warning
            if (story := re.match(lang_rules.STORY_TOLD, s.keystr)) and story.end() <= m.start():
                continue  # "The article described how police detained …": the story's act, not one on the press
            if kind == "referral-prosecutor" and re.search(lang_rules.OWN_LETTER, s.keystr[m.start(): m.end() + 30]):
                continue  # «редакция направила в прокуратуру ответ»: the press's own letter
            if re.search(lang_rules.NEGATED_PAPER, before[-80:]):
                continue  # «не принимало решений об ограничении доступа»: the paper itself is denied
            if kind == "block" and _NOT_BLOCKED[s.lang].match(s.keystr[m.end():]):
                continue  # "blocked 38 shots", "blocks malicious traffic", «заблокировал удар»: another sense
            if kind == "block" and any(t.text.lower() in ("будет", "будут", "может", "могут", "станет", "will", "may",
                                                           "might") for t in s.toks[max(0, t0 - 3): t0]):
                continue  # «сайт будет недоступен», "may be unavailable": a notice, not a block
            before = re.sub(r' ["“”«»] ', " ", before)  # 'says it "could" block': quotes are no words
            if _THREAT[s.lang].search(before[-40:]) or _HYPOTHETICAL[s.lang].search(before[-80:]) or _DENIAL[
                    s.lang].search(before) or (
                    kind != "lawsuit" and re.search(_LANGS[s.lang].NEGATION + r"\s*(?:\S+\s*)?$", before[-25:])):
                continue
            if _FOR[s.lang].search(before) and _REQUIRED[s.lang].match(s.keystr[m.end():]):
                continue  # «для блокировки требуется решение суда»: what a block needs, not a block
            if denied_anywhere and _HEARSAY[s.lang].search(before):
                continue  # "bloggers claimed the agency had ordered …", denied elsewhere in the report
            if kind in denied and not state:
                continue  # the rumour the body denied, retold with no body doing it («в письме предлагалось удалить»)
            if not _plausible(s, kind, found, bool(draft.actions)) and not (
                    author is not None and kind in ("warning", "arrest", "other", "demand-removal", "demand-edit")
                    and _FIRST_PERSON[s.lang].search(s.keystr)) and not (
                    rx.pattern == _LANGS[s.lang].SEARCH and any(a.kind == "arrest" for a in draft.actions)):
                # in a signed first-person report "issued me a warning" is one to the author; «Дома прошёл
                # обыск» after an arrest is a search of the one arrested
                continue
            if kind.startswith("demand") and _future_passive(s, m.end()):
                continue  # "… and warned that the old line will be removed": a plan, not a demand
            kinds_seen.add(kind)
            t_at = s.tok_at(m.start())
            acts[k_sent].append((kind, t_at))
            by = _pick_by(s, kind, t_at, state, found)
            conf = 0.8
            if by is None and last_state is not None and kind != "other" and not (
                    kind == "block" and last_state.kind == "law-enforcement"):
                by, conf = last_state, 0.6
            # "his YouTube channel was blocked": the platform only carries the person's channel
            # "…remove the video from YouTube", «удалить видео с YouTube»: the platform is where, not whom
            # "the Telegram channel of Nioman Daily", «Telegram-канал издания»: the channel is the outlet's
            targets = [f for f in found if not (f[2].kind == "platform" and (f[0] > 0 and s.toks[f[0] - 1].key in (
                "his", "her", "their", "its", "его", "её", "ее", "свой", "их", "from", "on", "с", "на", "в") or (
                f[1] + 1 < len(s.toks) and re.match(r"(?:channels?|accounts?|pages?|канал|аккаунт|страница)$",
                                                     s.toks[f[1] + 1].key))))]
            against = _pick_against(kind, t_at, targets)
            if against is None and not (k_sent == 0 and not re.search(r"[.!?…]$", s.text)):
                against = last_against or main_target or author  # a headline names its own parties or none
            if kind == "block" and against is not None and against.kind == "journalist":
                # a site is blocked, not a person: the outlet the sentence names ("X, whose editor Y said …"),
                # else the person's employer ("Y, a reporter for X"), else the report's own outlet
                here = [a for _, _, a in sorted(found, key=lambda f: f[0]) if a.kind == "outlet"]
                against = (here[0] if here else None) or _employer(against, per_sentence) or main_outlet or against
            if kind == "referral-prosecutor" and by is not None and by.kind == "law-enforcement" and state:
                pass
            when = min(sds, key=lambda x: abs(x[0] - m.start()))[1].isoformat() if sds else None
            draft.actions.append(Action(kind, by.name if by else None, against.name if against else None, when,
                                        legal, s.quote, conf))
            if by is not None:
                senders[by.key] = by
                acted_by = by
            if against is not None:
                recipients[against.key] = against
                last_against = against
                # "Name, a reporter for the outlet X"; "the editor of X, Name": the person and the outlet
                span = next(((i, j) for i, j, a in found if a is against), None)
                for i, j, a in found:
                    if span is not None and a is not against and {a.kind, against.kind} == {"outlet", "journalist"} \
                            and (0 <= i - span[1] <= 9 or 0 <= span[0] - j <= 9):
                        recipients[a.key] = a
                for i, _, a in found:  # "two outlets, X and Y"
                    if a.kind == against.kind == "outlet" and i >= t_at:
                        recipients[a.key] = a
                # "the reporters X, Y and Z", «журналистов Айбека Джумабаева и Нурию Садыкову»: all of them
                chain = sorted((f for f in found if f[2].kind == against.kind == "journalist"), key=lambda f: f[0])
                links = [(a0, a1) for (_, j0, a0), (i1, _, a1) in zip(chain, chain[1:], strict=False)
                         if _list_gap(s, j0 + 1, i1)]
                for a0, a1 in links + links[::-1]:  # "X and Y, camera operator Z and editor W were detained"
                    if a0.key in recipients or a1.key in recipients:
                        recipients[a0.key], recipients[a1.key] = a0, a1
            # "the three sites remain blocked", «в адрес редакций всех четырёх СМИ»: the outlets last named
            for o in _counted_outlets(s, per_sentence[: k_sent + 1]):
                recipients[o.key] = o
            # "police detained X, editor of Y, and two of its reporters, Z and W": everyone of the press it names
            if kind in ("arrest", "warning") and against is not None:
                stop = next((k for k, t in enumerate(s.toks) if k > t_at and _SPEAKS[s.lang].match(t.key)), len(s.toks))
                for i, _, a in found:
                    if a.kind == "journalist" and t_at <= i < stop:
                        recipients[a.key] = a
            # "a demand to YouTube to delete videos by the channel Dozhd": the outlet whose content it is
            if against is not None and against.kind == "platform" and kind in ("demand-removal", "block"):
                for i, _, a in found:
                    if a.kind == "outlet" and i >= t_at and not a.guessed:
                        recipients[a.key] = a
            # "The social network X has withheld the accounts": the platform that blocks was asked to
            if kind in ("block", "demand-removal"):
                for f in targets:
                    if f[2].kind == "platform" and f[0] < t_at and f[2] is not against:
                        recipients[f[2].key] = f[2]
            # "YouTube sent me an e-mail. It said it had received a legal request … to take the video down",
            # «уведомление от Telegram. Они написали, что получили … требование удалить канал»: the platform asked
            if kind in ("block", "demand-removal") and k_sent > 0 and _PRONOUN_RECEIVED[s.lang].search(s.keystr):
                for _, _, a in per_sentence[k_sent - 1]:
                    if a.kind == "platform":
                        recipients[a.key] = a
            # "at the request of X": X asked for it too
            rq = re.search(_LANGS[s.lang].REQUEST_OF, s.keystr)
            if rq and kind in ("block", "ban", "demand-removal"):
                after = [a for i, _, a in state if s.pos[i] >= rq.end() and a is not by]
                if after:
                    senders[after[0].key] = after[0]
            if kind == "block":
                for cc in _block_countries(s, by):
                    if cc not in (c for c, _ in draft.blocked):
                        draft.blocked.append((cc, s.quote))
        # an interview's yes to a question on an act: "Did anyone ask you to delete things first? — Yes, the
        # ministry did", «Вас просили удалить материалы? — Да, министерство»: the act the question names, by the
        # body the answer names
        if k_sent > 0 and not kinds_seen and state and _YES[s.lang].match(s.keystr) \
                and sents[k_sent - 1].text.rstrip().endswith("?"):
            q = sents[k_sent - 1]
            for rx, kind in _compiled(q.lang, "ACTION_RULES"):
                qm = rx.search(q.keystr)
                if qm is None or kind in kinds_seen or re.search(_LANGS[q.lang].NEGATION, q.keystr[: qm.start()]):
                    continue
                kinds_seen.add(kind)
                by = state[0][2]
                against = last_against or main_target
                draft.actions.append(Action(kind, by.name, against.name if against else None,
                                            sds[0][1].isoformat() if sds else None, None, s.quote, 0.6))
                senders[by.key] = by
                acted_by = by
                if against is not None:
                    recipients[against.key] = against
        rq_free = re.search(_LANGS[s.lang].REQUEST_OF, s.keystr) if not kinds_seen and draft.actions else None
        if rq_free is not None:  # "The notice referred to a request from the Prosecutor General's Office."
            after_rq = [a for i, _, a in state if s.pos[i] >= rq_free.end() and a.kind != "court"]
            if after_rq:
                senders[after_rq[0].key] = after_rq[0]
        if not kinds_seen and draft.actions and _APPLIED[s.lang].search(s.keystr):
            # "The prosecutor's office had filed the application", «Заявление в суд подало управление …»
            asked_by = [a for i, _, a in state if a.kind != "court" and not (
                i > 0 and s.toks[i - 1].key in ("to", "with", "в", "во"))]
            if asked_by:
                senders[asked_by[0].key] = asked_by[0]
        if acted_by is not None:
            last_state = acted_by
        else:
            free = [a for i, _, a in state if i == 0 or s.toks[i - 1].key not in ("to", "в", "во", "at")]
            if free:
                last_state = free[-1]
    if draft.actions and not _about_the_press(sents, actors):
        draft.actions, draft.blocked = [], []  # banks blocking cards, a banned concert: no act against the press
    if not draft.actions:
        senders, recipients = {}, {}
    for key, a in list(senders.items()):  # "the Tajik authorities" is the specific body named beside it
        if _concept(a) == "authorities":
            other = next((b for b in senders.values() if b is not a and b.country == a.country
                          and _concept(b) != "authorities"), None)
            if other is not None:
                del senders[key]
                actors.pop(a.key, None)
                for act in draft.actions:
                    act.by = other.name if act.by == a.name else act.by
    for role_of in (senders, recipients):
        for short, full in _coreferent(role_of, per_sentence):
            _merge_into(short, full, role_of, draft.actions, per_sentence)
            actors = {k: a for k, a in actors.items() if a is not short}
    for a in actors.values():
        a.role = "sender" if a.key in senders else "recipient" if a.key in recipients else "third-party"
    model = (roles.default_model() if role_model is True else role_model if isinstance(role_model, roles.RoleModel)
             else None)
    if model is not None or keep_features:
        feats = _role_features(sents, per_sentence, acts, actors, senders, recipients, dominant)
        if keep_features:
            draft.role_features = [(a, feats[id(a)]) for a in actors.values()]
        if model is not None and draft.actions:
            for a in actors.values():
                a.role = model.role(feats[id(a)])
    if legal_first:
        for act in draft.actions:
            if act.legal_basis is None and act.kind.startswith("demand"):
                act.legal_basis = legal_first
                break
    draft.actors = list(actors.values())

    # outcome, claims
    if any(_lifted(s) for s in sents) and not _gave_in(sents):
        draft.blocked = []  # "… can be opened again from Uzbekistan": blocked once, not now
    draft.outcome, draft.outcome_quote = _outcome(sents) if draft.actions else ("unknown", None)
    draft.claims = _claims(sents, sentence_dates, draft, base)
    # no act and no one of the state or the press named (a bare domain or a guessed name is no one): a match
    # report, a press release, a maintenance notice — no claims either
    someone = any(a.kind in STATE_KINDS or (a.kind != "other" and not a.guessed and not _DOMAIN.fullmatch(a.name))
                  for a in draft.actors)
    if not draft.actions and not someone:
        draft.claims = []
    if not draft.actions and not draft.claims:
        draft.dates = []  # no act and no claim: nothing the report's dates could be the dates of
    draft.outlets = [{"name": a.name, "domain": a.domain} for a in draft.actors
                     if a.kind == "outlet" and a.role == "recipient"] or [
        {"name": a.name, "domain": a.domain} for a in draft.actors if a.kind == "outlet"][:1]
    draft.articles = _articles(text, sents)
    return draft


# -- features of each actor's mentions, for the learned role model (:mod:`presswatch.reports.roles`) ----
_ACT_GROUP = {"demand-removal": "demand", "demand-edit": "demand", "warning": "warning",
              "referral-prosecutor": "referral", "ban": "ban", "block": "block", "lawsuit": "lawsuit",
              "arrest": "arrest", "other": "other"}
_KIND_GROUP = {"government": "state", "court": "court", "regulator": "state", "law-enforcement": "state",
               "outlet": "press", "journalist": "press", "platform": "platform", "other": "other"}
_AGENT_PREP = {"en": re.compile(r"(?:^| )(?:by|from|of|request of|orders? of|request by|request from|application "
                                r"by|application from|complaint by|complaint from|demand of|demand from)(?: the)?$"),
               "ru": re.compile(r"(?:^| )(?:от|по требование|по запрос|по представление|по иск|по заявление|"
                                r"по решение|по просьба|по жалоба|по указание|по предписание|со сторона)$")}
_PLACE_PREP = {"en": re.compile(r"(?:^| )(?:to|with|in|into|at|before|on|against|about|for|of the|like|than)"
                                r"(?: the| a| an)?$"),
               "ru": re.compile(r"(?:^| )(?:в|во|к|на|с|против|о|об|про|для|перед)$")}
_SPEAKS = {"en": re.compile(r"^(?:'s )?(?:\S+ )?(?:said|says|told|wrote|writes|added|confirmed|noted|argued|"
                            r"claimed|stated|announced|reported|tweeted|posted|called|insisted|stands)\b"),
           "ru": re.compile(r"^(?:\S+ )?(?:заявить|сообщить|сказать|рассказать|написать|отметить|считать|"
                            r"подтвердить|добавить|назвать|пояснить|уточнить|утверждать|говорить)\b")}
_PASSIVE = {"en": re.compile(r"\b(?:was|were|been|be|is|are|being|got)(?: \S+)? \w+(?:ed|en|wn|ut|eld)\b"),
            "ru": re.compile(r"(?:^| )быть(?: |$)")}


def _role_features(sents: list[_Sentence], per_sentence: list[list[tuple[int, int, Actor]]],
                   acts: list[list[tuple[str, int]]], actors: dict[str, Actor], senders: dict[str, Actor],
                   recipients: dict[str, Actor], dominant: str | None) -> dict[int, dict[str, float]]:
    """Per actor (by ``id``), the features of its mentions' contexts (see :mod:`presswatch.reports.roles`)."""
    out: dict[int, dict[str, float]] = {}
    first_outlet = next((a for a in actors.values() if a.kind == "outlet"), None)
    by_group: dict[str, list[Actor]] = {}
    for a in actors.values():
        by_group.setdefault(_KIND_GROUP.get(a.kind, "other"), []).append(a)
    acted = {k for k, here in enumerate(acts) if here}
    for a in actors.values():
        f: dict[str, float] = {"k:" + a.kind: 1.0}
        kg = _KIND_GROUP.get(a.kind, "other")
        group = by_group[kg]
        if len(group) == 1:
            f[kg + "&sole"] = 1.0
        elif group[0] is a:
            f[kg + "&first"] = 1.0
        if not senders:
            f[kg + "&no-rule-sender"] = 1.0
        if not recipients:
            f[kg + "&no-rule-recipient"] = 1.0
        if a.key in senders:
            f["rule:sender"] = 1.0
        if a.key in recipients:
            f["rule:recipient"] = 1.0
        if a.guessed:
            f["guessed"] = 1.0
        if a.domain:
            f["domain"] = 1.0
        if a is first_outlet:
            f["first-outlet"] = 1.0
        if a.kind in STATE_KINDS and a.country and a.country == dominant:
            f["home-country"] = 1.0
        mentions = 0
        act_sents = 0
        for k, (s, found) in enumerate(zip(sents, per_sentence, strict=True)):
            spans = [(i, j) for i, j, b in found if b is a]
            if not spans:
                continue
            mentions += len(spans)
            f["ru"] = 1.0 if s.lang == "ru" else f.get("ru", 0.0)
            if k == 0:
                f["headline"] = 1.0
                f[kg + "&headline"] = 1.0
            if k - 1 in acted or k + 1 in acted:
                f[kg + "&beside-act"] = 1.0
            here = acts[k]
            if here:
                act_sents += 1
            passive = bool(_PASSIVE[s.lang].search(s.keystr)) or (s.lang == "ru" and any(
                "PRTS" in _ru_tags(t.text) for t in s.toks if _CYR.search(t.text)))
            for i, j in spans:
                lead = " ".join(t.key for t in s.toks[max(0, i - 4): i])
                tail = " ".join(t.key for t in s.toks[j + 1: j + 4])
                if _AGENT_PREP[s.lang].search(lead):
                    f["prep:agent"] = 1.0
                    f[kg + "&prep:agent"] = 1.0
                elif _PLACE_PREP[s.lang].search(lead):
                    f["prep:place"] = 1.0
                    f[kg + "&prep:place"] = 1.0
                if _SPEAKS[s.lang].search(tail):
                    f["speaks"] = 1.0
                    f[kg + "&speaks"] = 1.0
                if s.lang == "ru" and _CYR.search(s.toks[i].text):
                    tags = _ru_tags(s.toks[i].text)
                    for case in ("nomn", "gent", "datv", "accs", "ablt", "loct"):
                        if case in tags:
                            f[kg + "&case:" + case] = 1.0
                if i == 0 or all(not t.text[:1].isalpha() for t in s.toks[:i]):
                    f[kg + "&opens"] = 1.0
                for kind, t_at in here:
                    g = _ACT_GROUP.get(kind, "other")
                    f["act:" + g] = 1.0
                    f[kg + "&act:" + g] = 1.0
                    side = "before" if j < t_at else "after"
                    f[kg + "&" + side] = 1.0
                    f[kg + "&" + side + "&" + g] = 1.0
                    if passive:
                        f[kg + "&passive&" + side] = 1.0
                    if abs(t_at - (j if j < t_at else i)) <= 3:
                        f[kg + "&near"] = 1.0
        f["mentions"] = min(mentions, 5) / 5
        f["act-sents"] = min(act_sents, 3) / 3
        if act_sents == 0:
            f["no-act-sent"] = 1.0
        out[id(a)] = f
    return out


_CONCEPTS = [
    ("interior", re.compile(r"interior|internal affairs|внутренний дело|\bмвд\b")),
    ("natsec", re.compile(r"national security|\bg?knb\b|\bг?кнб\b|национальный безопасность")),
    ("prosecutor", re.compile(r"prosecutor|прокур")),
    ("roskomnadzor", re.compile(r"roskomnadzor|роскомнадзор|\bркн\b")),
    ("governor", re.compile(r"governor|губернатор")),
    ("head-office", re.compile(r"администрация (?:глава|президент)|presidential administration")),
    ("digital", re.compile(r"минцифр|цифровой развитие|digital development")),
    ("culture", re.compile(r"минкульт|министерство культура|ministry of culture|culture ministry")),
    ("information", re.compile(r"мининформ|министерство информация|ministry of information|information ministry")),
    ("police", re.compile(r"police|полиция|милиция")),
    ("authorities", re.compile(r"^(?:\w+ )?(?:authorities|government|officials|власть|правительство)(?: \w+)?$")),
]


def _concept(a: Actor) -> str | None:
    for name, rx in _CONCEPTS:
        if rx.search(a.key):
            return name
    return None


def _same_actor(actors: dict[str, Actor], a: Actor) -> Actor | None:
    """A shorter or longer mention of an actor already seen ("the Kyrgyz Interior Ministry" → "Interior
    Ministry"), or its abbreviation in parentheses."""
    for b in actors.values():
        if _abbreviates(a.name, b.name) or _abbreviates(b.name, a.name):
            if len(a.name) > len(b.name):
                b.name, b.key, b.kind = a.name, a.key, a.kind
            b.country = b.country or a.country
            b.guessed = b.guessed and a.guessed
            return b
        if b.kind != a.kind:
            continue
        same_concept = a.kind in STATE_KINDS and _concept(a) is not None and _concept(a) == _concept(b)
        # "a Turkish court" beside "the Istanbul criminal court of peace": the generic mention is the same court
        generic = re.compile(r"^(?:\w+ )?(?:court|суд)$")
        same_concept = same_concept or (a.kind == "court" and bool(generic.match(a.key) or generic.match(b.key)))
        if a.key and b.key and (a.key in b.key or b.key in a.key or same_concept) and (
                a.country is None or b.country is None or a.country == b.country):
            if len(a.key) > len(b.key):
                b.name, b.key = a.name, a.key
                b.country = b.country or a.country
            b.guessed = b.guessed and a.guessed
            return b
    return None


_HEADS = frozenset({"court", "суд", "ministry", "министерство", "police", "полиция", "милиция", "prosecutor",
                    "prosecutors", "прокуратура", "regulator", "регулятор", "government", "правительство",
                    "committee", "комитет", "service", "служба", "agency", "агентство", "department", "управление"})
_SMALL_WORDS = frozenset({"s", "in", "of", "the", "a", "по", "в", "при", "and", "и"})
_KEY_FILLER = _SMALL_WORDS | {"city", "город", "local", "district", "районный", "district-level"}


def _content_words(a: Actor) -> set[str]:
    """The words of an actor's key that tell bodies apart: no country or city, no small words."""
    return {w for w in a.key.split() if w not in _SMALL_WORDS
            and not gazetteer.country_of_word(w, lemma=w)}


_GENERIC_REGULATOR = re.compile(r"^(?:\S+ (?:s )?)?(?:(?:state|national|media|broadcasting|broadcast|telecoms?|"
                                r"telecommunications?|internet|communications?|press|audiovisual|online) )*"
                                r"(?:regulator|watchdog)$|^(?:\S+ )?(?:медиа)?регулятор$")


def _short_form(a: Actor, b: Actor) -> bool:
    """``a`` is a short form of ``b``: a bare head noun ("court", «суда»), an abbreviation or known short
    name (ГУВД, Мининформ, GKNB, "security service"), or a name the other contains («Роскомнадзор» in
    «Управление Роскомнадзора по Уральскому федеральному округу»)."""
    if a is b or not a.key or not b.key or (a.country and b.country and a.country != b.country):
        return False
    state = a.kind in STATE_KINDS and b.kind in STATE_KINDS
    if state and _abbreviates(a.name, b.name):
        return True
    # "Egypt's media regulator", "the broadcasting watchdog": a description of the one named regulator
    if a.kind == b.kind == "regulator" and _GENERIC_REGULATOR.match(a.key) and not _GENERIC_REGULATOR.match(b.key):
        return True
    if not (a.kind == b.kind or (state and (a.guessed or b.guessed))):
        # a body's name inside a longer one («Управление Роскомнадзора …») may carry another kind
        if not (state and a.key in b.key and len(a.key) < len(b.key)):
            return False
    if _abbreviates(a.name, b.name):
        return True
    # "Kyrgyzstan's security service" (key «kyrgyzstan s security service») is the short form "security service"
    a_short = re.sub(r"^(\S+) s ", r"\1 ", a.key)
    if state and any(re.search(sh, a_short) and re.search(lo, b.key) for sh, lo in gazetteer.SHORT_FORMS):
        return True
    wa, wb = _content_words(a), _content_words(b)
    if not wa or not wa < wb:
        return False
    if state and wa <= _HEADS | _KEY_FILLER:  # "court", "the district court in Baku", «суда»
        return bool(wa & set(b.key.split()))
    return len(wa) >= 1 and any(w not in _HEADS | _KEY_FILLER for w in wa)


def _apart(a: Actor, b: Actor, per_sentence: list[list[tuple[int, int, Actor]]]) -> bool:
    """The text names ``a`` and ``b`` side by side as two actors ("Roskomnadzor and its Urals office")."""
    for found in per_sentence:
        ia = [(i, j) for i, j, x in found if x is a]
        ib = [(i, j) for i, j, x in found if x is b]
        if any(abs(i1 - j2) <= 3 or abs(i2 - j1) <= 3 for i1, j1 in ia for i2, j2 in ib):
            return True
    return False


def _coreferent(role_of: dict[str, Actor], per_sentence: list[list[tuple[int, int, Actor]]]
                ) -> list[tuple[Actor, Actor]]:
    """Pairs (short form, full name) among the actors of one role; a short form that could be either of
    two fuller names is left alone."""
    out: list[tuple[Actor, Actor]] = []
    taken: set[int] = set()
    cands = list({id(a): a for a in role_of.values()}.values())  # an alias keeps one actor under two keys
    for a in cands:
        fulls = [b for b in cands if id(b) not in taken and b is not a and _short_form(a, b)
                 and not _short_form(b, a)]
        fulls = [b for b in fulls if not any(c is not b and _short_form(b, c) for c in fulls)] or fulls
        if len(fulls) == 1 and not _apart(a, fulls[0], per_sentence):
            out.append((a, fulls[0]))
            taken.add(id(a))
    # merge along chains: "court" -> "district court" -> "Khatai District Court"
    full_of = {id(a): b for a, b in out}
    resolved = []
    for a, b in out:
        seen = {id(a)}
        while id(b) in full_of and id(b) not in seen:
            seen.add(id(b))
            b = full_of[id(b)]
        resolved.append((a, b))
    return resolved


def _merge_into(short: Actor, full: Actor, role_of: dict[str, Actor], actions: list[Action],
                per_sentence: list[list[tuple[int, int, Actor]]]) -> None:
    """Fold ``short`` into ``full``: the full name stays, ``short``'s mentions become ``full``'s."""
    if full.guessed and not short.guessed or (full.kind == "government" and short.kind != "government"
                                              and not short.guessed):
        full.kind = short.kind  # «Управление Роскомнадзора»: the regulator's kind, not a department's
    full.guessed = full.guessed and short.guessed
    full.country = full.country or short.country
    full.merged += [(short.name, short.quote), *short.merged]
    for k in [k for k, x in role_of.items() if x is short]:
        del role_of[k]
    for act in actions:
        act.by = full.name if act.by == short.name else act.by
        act.against = full.name if act.against == short.name else act.against
    for found in per_sentence:
        for n, (i, j, x) in enumerate(found):
            if x is short:
                found[n] = (i, j, full)


def _alias_parenthesised(s: _Sentence, found: list[tuple[int, int, Actor]], actors: dict[str, Actor],
                         earlier: Sequence[list[tuple[int, int, Actor]]] = ()) -> None:
    """"the Information and Communication Technologies Authority (BTK)", «… (МКИСМП)»: the short name in
    parentheses right after an actor is that actor (its key then leads to it from later sentences, and its
    mentions in ``earlier`` sentences, a headline's "RTÜK fines …", become the actor's)."""
    spans = sorted(found, key=lambda f: f[0])
    toks = s.toks
    for _, j, a in spans:  # "the Intelligence and Security Service (SIS)": an abbreviation no rule knows
        if a.kind in STATE_KINDS and j + 3 < len(toks) and toks[j + 1].text == "(" and toks[j + 3].text == ")" \
                and re.fullmatch(r"[A-ZА-ЯЁ][A-ZА-ЯЁİÜ]{1,7}", toks[j + 2].text) and not any(
                    f[0] == j + 2 for f in spans):
            alias = _name_key(toks[j + 2].text)
            was = actors.get(alias)
            if was is not None and was.kind in STATE_KINDS:
                continue
            actors[alias] = a  # "… (SIS) … on the SIS website": the name is the body's, not an outlet's
            for part in (found, *earlier):
                for k, (i2, j2, x) in enumerate(part):
                    if was is not None and x is was:
                        part[k] = (i2, j2, a)
    for (_, j1, a1), (i2, j2, a2) in zip(spans, spans[1:], strict=False):
        if a1 is a2 or i2 != j1 + 2 or i2 != j2 or s.toks[j1 + 1].text != "(" or j2 + 1 >= len(s.toks) or \
                s.toks[j2 + 1].text != ")" or len(a2.name) > 10 or sum(c.isupper() for c in a2.name) < 2:
            continue
        if a1.kind in STATE_KINDS and a2.kind not in STATE_KINDS | {"other"}:
            continue
        actors[a2.key] = a1
        if a1.country is None:  # "the State Committee for National Security (GKNB)": what the short name says
            a1.country, a1.country_options = a2.country, a1.country_options or a2.country_options
        for part in (found, *earlier):
            for k, (i, j, a) in enumerate(part):
                if a is a2:
                    part[k] = (i, j, a1)
        for key, a in list(actors.items()):
            if a is a2:
                actors[key] = a1


_APPOS_GAP = frozenset({",", "the", "a", "an", "country", "\"", "“", "”", "«", "»", "'", "—", "–"})


def _appositive_gap(keys: list[str]) -> bool:
    """The words between a name and its description set beside it: a comma, articles, quotes (at most four)."""
    return 0 < len(keys) <= 4 and "," in keys and all(g in _APPOS_GAP for g in keys)


def _apposition(s: _Sentence, found: list[tuple[int, int, Actor]], actors: dict[str, Actor],
                earlier: Sequence[list[tuple[int, int, Actor]]] = ()) -> None:
    """"Roskomnadzor, Russia's communications regulator", "CONATEL, the telecommunications regulator", "the
    media watchdog, RTÜK": a description of a regulator set beside its name by a comma is that body."""
    spans = sorted(found, key=lambda f: f[0])
    for (_, j1, a1), (i2, _, a2) in zip(spans, spans[1:], strict=False):
        if a1 is a2 or a1.kind != a2.kind or a1.kind not in STATE_KINDS:
            continue
        if not _appositive_gap([t.key for t in s.toks[j1 + 1: i2]]):
            continue
        g1, g2 = bool(_GENERIC_REGULATOR.match(a1.key)), bool(_GENERIC_REGULATOR.match(a2.key))
        if g1 == g2 or (a1.country and a2.country and a1.country != a2.country):
            continue
        named, desc = (a2, a1) if g1 else (a1, a2)
        named.country = named.country or desc.country
        for key, a in list(actors.items()):
            if a is desc:
                actors[key] = named
        for part in (found, *earlier):
            for k, (i, j, a) in enumerate(part):
                if a is desc:
                    part[k] = (i, j, named)


def _list_gap(s: _Sentence, a: int, b: int) -> bool:
    """Tokens ``a..b-1`` join two names of one list: "and", commas, and press nouns ("…, camera operator …")."""
    gap = s.toks[a:b]
    if not gap or len(gap) > 4:
        return False
    press = [t for t in gap if t.key in _EN_PRESS_PERSON or _RU_PRESS_PERSON.match(t.key)]
    joins = all(t.key in ("и", "and", ",") or t.key in _EN_PRESS_PERSON or _RU_PRESS_PERSON.match(t.key) or (
        press and t.text.isalpha() and t.text.islower()) for t in gap)
    return joins and any(t.key in ("и", "and", ",") for t in gap)


def _surname_key(word: str) -> str:
    """A surname's stem, the same in its cases (Эргашева, Эргашеву, Эргашевой → эргашев; Demir → demir)."""
    w = re.sub(r"(?:'s|’s)$", "", word).lower()
    if _CYR.search(w):
        w = re.sub(r"(?:ой|ому|ым|ом|ую|ая|ого|ой|а|у|е|ы|ой)$", "", w)
    return w if len(w) >= 4 else ""


def _surnames(people: list[Actor]) -> dict[str, Actor]:
    """People by their surname's stem, when no two of them share it."""
    out: dict[str, Actor] = {}
    clash: set[str] = set()
    for a in people:
        words = a.name.split()
        if len(words) < 2:
            continue
        k = _surname_key(words[-1])
        if not k:
            continue
        if k in out and out[k] is not a:
            clash.add(k)
        out[k] = a
    return {k: a for k, a in out.items() if k not in clash}


def _abbreviates(short: str, long: str) -> bool:
    """«МКИСМП» for «Министерство культуры, информации, спорта и молодёжной политики», "BTK" for "Information
    and Communication Technologies Authority" (initials in order, small words optional, a country may close)."""
    if not (2 <= len(short) <= 10 and " " not in short and sum(c.isupper() for c in short) >= 2):
        return False
    words = [w for w in re.findall(r"\w+", long) if not w.isupper()]
    if len(words) < 2:
        return False
    initials = "".join(w[0] for w in words).lower()
    big = "".join(w[0] for w in words if w.lower() not in ("и", "по", "при", "of", "and", "for", "the", "on", "in")
                  ).lower()
    # «АИМК» for «Агентство информации и массовых коммуникаций при Администрации Президента»: the body's own
    # words end where what it is attached to begins
    cut = next((n for n, w in enumerate(words) if w.lower() in ("при", "under")), len(words))
    own = "".join(w[0] for w in words[:cut] if w.lower() not in ("и", "of", "and", "for", "the", "on", "in")
                  ).lower() if cut >= 2 else initials
    ab = short.lower()
    return any(x.startswith(ab) and len(ab) >= len(x) - 2 for x in (initials, big, own)) and len(ab) >= 3


def _future_passive(s: _Sentence, end: int) -> bool:
    """The word ending at ``end`` (a removal) follows "will be" / «будет», «будут»."""
    t = s.tok_at(end) - 1
    prev = [x.text.lower() for x in s.toks[max(0, t - 2): t]]
    return bool(prev) and (prev[-1] in ("будет", "будут", "станет", "станут") or prev[-2:] == ["will", "be"]
                           or prev[-2:] == ["shall", "be"])


def _pick_by(s: _Sentence, kind: str, t_at: int, state: list[tuple[int, int, Actor]],
             found: list[tuple[int, int, Actor]]) -> Actor | None:
    if kind in ("lawsuit",):
        cands = sorted(((i, j, a) for i, j, a in found if a.kind in ("other", "government") and i < t_at),
                       key=lambda f: f[0])
        if cands:
            # "X, the owner of Y LLC, filed a suit": Y is in X's apposition, X is the one who sued
            if len(cands) > 1 and s.toks[cands[-2][1] + 1].text == "," and "," in (
                    t.text for t in s.toks[cands[-1][1] + 1: t_at]):
                return cands[-2][2]
            return cands[-1][2]
        # «по иску, который подала компания «СибТрансСтрой»»: the one who sued named after the suit
        later = [(i, a) for i, _, a in found if a.kind == "other" and i > t_at]
        if later:
            return later[0][1]
        state = [f for f in state if f[2].kind != "court"]  # a court hears a suit, it brings none
    # "filed a suit with the district court", «подало в Арбитражный суд»: the court is where, not who
    state = [(i, j, a) for i, j, a in state if not (a.kind == "court" and i > 0 and s.toks[i - 1].key in (
        "to", "with", "into", "в", "во"))]
    # "at the request of the prosecutor, the court banned …": the one who asked is no subject
    asked = {s.tok_at(m.end()) for m in re.finditer(_LANGS[s.lang].REQUEST_OF, s.keystr)}
    state = [(i, j, a) for i, j, a in state if not any(0 <= i - k <= 5 for k in asked)] or state
    before = [(i, a) for i, _, a in state if i <= t_at]
    if kind == "referral-prosecutor":
        before = [(i, a) for i, a in before if not (a.kind == "law-enforcement" and "прокур" in a.key
                                                    or "prosecutor" in a.key)] or before
    if before:
        return before[-1][1]
    after = [(i, a) for i, _, a in state if i > t_at]
    if after and kind not in ("referral-prosecutor",):
        i, a = after[0]
        prev = s.toks[i - 1].key if i > 0 else ""
        if prev not in ("to", "в", "во"):
            return a
    return None


def _employer(person: Actor, per_sentence: list[list[tuple[int, int, Actor]]]) -> Actor | None:
    """The outlet named within a few words of ``person`` in some sentence ("Y, a staff reporter for X")."""
    for found in per_sentence:
        spans = [(i, j) for i, j, a in found if a is person]
        for i, j, a in found:
            if a.kind == "outlet" and any(0 <= i - pj <= 9 or 0 <= pi - j <= 9 for pi, pj in spans):
                return a
    return None


def _pick_against(kind: str, t_at: int, found: list[tuple[int, int, Actor]]) -> Actor | None:
    targets = sorted(((i, a) for i, _, a in found if a.kind in ("outlet", "journalist", "platform")),
                     key=lambda t: t[0])
    if kind in ("arrest", "lawsuit"):
        people = [(i, a) for i, a in targets if a.kind == "journalist"]
        targets = people or targets
    after = [a for i, a in targets if i >= t_at]
    if after:
        return after[0]
    return targets[-1][1] if targets else None  # the nearest one before the verb


_LIST_LINK = frozenset({",", "and", "or", "и", "или", "а", "также"})
_LIST_PLACE_PREP = frozenset({"in", "across", "inside", "within", "from", "в", "во"})
# what may follow a country that ends a list of places ("in Belarus and Russia since May"); a noun after it
# makes the word a demonym ("in Belarus and Russian users"), no place
_AFTER_PLACE = frozenset({",", ".", ";", ":", "and", "or", "on", "since", "from", "after", "by", "at", "for", "until",
                          "last", "this", "as", "too", "as well", "—", "-", "–", ")", "и", "или", "с", "после", "по",
                          "на", "в", "до", "а", "тоже", "также", "уже", "же"})


def _listed_countries(s: _Sentence, t: int) -> list[str]:
    """The further countries of a list after a block's place: "blocked in Belarus and Russia", "in Kazakhstan,
    Kyrgyzstan and Uzbekistan", «заблокирован в Таджикистане и России»."""
    out: list[str] = []
    while t + 1 < len(s.toks):
        if s.toks[t].key in _LIST_LINK:
            k = t + 1
        elif [x.key for x in s.toks[t: t + 3]] == ["as", "well", "as"]:
            k = t + 3
        else:
            break
        if k < len(s.toks) and s.toks[k].key in _LIST_PLACE_PREP:
            k += 1
        if k < len(s.toks) and s.toks[k].key == "the":
            k += 1
        if k >= len(s.toks) or not s.toks[k].country:
            break
        if k + 1 < len(s.toks) and s.toks[k + 1].key not in _AFTER_PLACE and s.toks[k + 1].key.isalpha():
            break
        out.append(s.toks[k].country or "")
        t = k + 1
    return out


# a pronoun that received the demand: "it said it had received a request", «они написали, что получили»
_PRONOUN_RECEIVED = {
    "en": re.compile(r"(?:^| )(?:it|they)(?: \S+){0,4} (?:received|receives|got|gets)(?: |$)"),
    "ru": re.compile(r"(?:^| )(?:он|она|оно|они)(?: \S+){0,4} (?:получить|получать)(?: |$)"),
}
# an answer's yes: "Yes, the ministry did", «Да, министерство»
_YES = {"en": re.compile(r"^(?:yes|yeah|yep|indeed)(?: ,| \.| —| -)"),
        "ru": re.compile(r"^(?:да|конечно)(?: ,| \.| —| -)")}
_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                "both": 2, "два": 2, "две": 2, "оба": 2, "обе": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
                "семь": 7, "восемь": 8, "девять": 9, "десять": 10}
# a counted mention of outlets: "the three sites", "all four outlets", «всех четырёх средств массовой информации»
_PLURAL_OUTLETS_EN = (r"(?:outlets|sites|websites|newspapers|channels|portals|publications|broadcasters|papers|"
                      r"newsrooms|editorial offices)")
_COUNTED = {
    "en": re.compile(r"\b(?:the|all|these|those) (?:of the )?(two|three|four|five|six|seven|eight|nine|ten) (?:\S+ )?"
                     + _PLURAL_OUTLETS_EN + r"\b|\b(both) (?:of the )?(?:\S+ )?" + _PLURAL_OUTLETS_EN + r"\b"),
    "ru": re.compile(r"(?:^| )(?:весь |это |эти )?(два|две|оба|обе|три|четыре|пять|шесть|семь|восемь|девять|десять) "
                     r"(?:\S+ )?(?:издание|сайт|сми|средство массовый информация|редакция|газета|телеканал|портал|"
                     r"ресурс)(?: |$)"),
}


def _counted_outlets(s: _Sentence, upto: Sequence[list[tuple[int, int, Actor]]]) -> list[Actor]:
    """The outlets a counted mention stands for ("the three sites", «всех четырёх СМИ»): the last that many
    outlets the report named, when it named at least that many."""
    m = _COUNTED[s.lang].search(s.keystr)
    if m is None:
        return []
    count = _COUNT_WORDS.get(next((g for g in m.groups() if g), ""), 0)
    if count < 2:
        return []
    seen: list[Actor] = []
    for found in reversed(upto):
        for _, _, a in sorted(found, key=lambda f: -f[0]):
            if a.kind == "outlet" and all(a is not b for b in seen):
                seen.append(a)
    return seen[:count] if len(seen) >= count else []


def _block_countries(s: _Sentence, by: Actor | None) -> list[str]:
    place = re.compile(_LANGS[s.lang].BLOCK_PLACE)
    out = []
    for m in place.finditer(s.keystr):
        end = m.end() - len("CTRY")
        t = s.tok_at(end)
        if t < len(s.toks) and s.toks[t].country:
            lead = s.keystr[max(0, m.start() - 30): m.start()]
            if re.search(r"(?:outside|beyond|за предел)\s*(?:\S+\s*)?$", lead) or (
                    re.search(r"(?:^| )(?:accessible|available|доступный|доступен)\s*(?:\S+\s*)?$", lead)
                    and not re.search(r"(?:no longer|not|не)\s+(?:\S+\s+)?(?:accessible|available|доступный|доступен)",
                                      lead)):
                continue  # "available outside Russia"; but "no longer accessible in Turkey" is a block
            out.append(s.toks[t].country)
            out += _listed_countries(s, t + 1)
    if not out and by is not None and by.country:
        out.append(by.country)
    return list(dict.fromkeys(c for c in out if c))


# a lifting only asked for, hoped for or under a condition, or asked about: "Would you remove it to get
# unblocked?", "unless the block is lifted", «призываем … снять блокировку» — the block stands
_LIFT_UNREAL = {
    "en": re.compile(r"\b(?:unless|if|until|whether|would|will|should|must|might|hopes?|hoping|calls? (?:on|for)|"
                     r"called (?:on|for)|urged?|urges|urging|demands?|demanded|demanding|asks?|asked|wants?|"
                     r"seeking|sought|fight|fights|fighting|trying|tried|struggling|to get|to be|in order to)\b"
                     r"(?:\s+\S+){0,6}\s*$"),
    "ru": re.compile(r"(?:^| )(?:если|чтобы|призывать|призвать|требовать|потребовать|просить|попросить|добиваться|"
                     r"добиться|надеяться|хотеть|ради)(?: \S+){0,12}\s*$"),
}


def _lifted(s: _Sentence) -> bool:
    """The sentence says a block has ended: "Kominfo lifted the block", «сайт снова открывается» — not when
    the lifting is only asked for, hoped for or conditional, nor in a question."""
    if s.text.rstrip().endswith("?"):
        return False
    return any(not _LIFT_UNREAL[s.lang].search(s.keystr[: m.start()])
               for m in re.finditer(_LANGS[s.lang].LIFTED, s.keystr))


def _gave_in(sents: list[_Sentence]) -> bool:
    """The outlet removed or edited what was demanded ("the site edited the article", «редакция удалила
    материал»): a block lifted after that was the price of giving in, and stays the report's block."""
    return any(re.search(_LANGS[s.lang].GAVE_IN, s.text.lower()) for s in sents)


def _legal_basis(s: _Sentence) -> str | None:
    m = _LEGAL[s.lang].search(s.text)
    return m.group(1).strip(" ,.") if m else None


_CONTINUES = re.compile(r"(?:however|but|meanwhile|still|yet|at the same time|однако|но|при этом|тем не менее|"
                       r"между тем)\b", re.IGNORECASE)
_DEMANDED = (r"(?:ask|asked|demand|told|urged|order|требование|потребовать|требовать|попросить|просить|обязать|"
             r"предписание)\w*\b[^.]*$")


# "removed the video, but the text remains": compliance with a part kept
_KEPT = re.compile(r"(?:^| )(?:but|however|though|yet|но|однако|а|хотя)(?: |$)[^.]*?(?:\b(?:kept|keep|keeps)\b|"
                   r"\b(?:did not|didn't|would not|refused to) (?:touch|remove|delete|change|alter|take|retract|"
                   r"publish|correct)|\bleft (?:\S+ ){0,3}(?:unchanged|intact|online|up)|\bremain|\bstill (?:online|"
                   r"available|up|on)|(?:^| )(?:оставаться|остаться|оставить|по-прежнему)(?: |$)|(?:^| )не (?:удалить|"
                   r"удалять|убрать|тронуть|трогать|изменить|менять|публиковать|опубликовать|исправить)(?: |$))")
# "eventually removed", «в итоге удалила»: compliance after a refusal
_EVENTUALLY = re.compile(r"\b(?:eventually|finally|in the end|later gave in)\b|(?:^| )(?:всё же|все же|в итог|"
                         r"в конец конец|впоследствии)(?: |$)")
_WHETHER = re.compile(r"\b(?:whether|if)\b(?:\s+\S+){0,4}\s*$|(?:^| )ли(?:\s+\S+){0,4}\s*$")


def _outcome(sents: list[_Sentence]) -> tuple[str, Quote | None]:
    hits: dict[str, Quote] = {}
    eventual: Quote | None = None
    for s in sents:
        for rx, label in _compiled(s.lang, "OUTCOME_RULES"):
            for m in rx.finditer(s.keystr):
                before = s.keystr[max(0, m.start() - 90): m.start()]
                if label != "refused" and re.search(_LANGS[s.lang].NEGATION + r"(?:\s+\S+){0,3}\s*$", before):
                    continue
                if label == "complied" and re.search(_DEMANDED, before):
                    continue
                if _WHETHER.search(before[-40:]):
                    continue  # "has not said whether it will challenge the orders"
                if label == "complied" and _future_passive(s, m.end()):
                    continue  # "old cards will be removed from the system"
                if label == "complied" and _KEPT.search(s.keystr[m.end():]):
                    label = "partly"
                elif label == "complied" and "refused" in hits and _EVENTUALLY.search(s.keystr):
                    eventual = eventual or s.quote
                hits.setdefault(label, s.quote)
    if "partly" in hits:
        return "partly", hits["partly"]
    if eventual is not None:
        return "complied", eventual
    if "refused" in hits and "complied" in hits:
        return "partly", hits["complied"]
    for label in ("refused", "complied"):
        if label in hits:
            return label, hits[label]
    return "unknown", None


def _claims(sents: list[_Sentence], sdates: list[list[tuple[int, date, float]]], draft: Draft,
            base: date) -> list[Claim]:
    out: list[Claim] = []
    seen: set[tuple[str, str | None]] = set()
    prev_day: date | None = None
    as_of_of: dict[int, str] = {}
    for s, ds in zip(sents, sdates, strict=True):
        # "As of November 26, … remains online. However, … blocked in Kazakhstan": the date carries over
        day = ds[0][1] if ds else (prev_day if _CONTINUES.match(s.text) else None)
        as_of = (day or base).isoformat()
        as_of_of[s.start] = as_of
        prev_day = ds[0][1] if ds else day
        for rx, kind in _compiled(s.lang, "CLAIM_RULES"):
            hit = rx.search(s.keystr)
            if hit is None:
                continue
            before = s.keystr[max(0, hit.start() - 20): hit.start()]
            if re.search(_LANGS[s.lang].NEGATION + r"\s*(?:\S+\s*)?$", before) and kind != "online":
                continue
            if kind == "removed" and (_future_passive(s, hit.end()) or not _CONTENT[s.lang].search(s.keystr)):
                continue  # "was removed from the game" removes no text; «будут удалены» is a plan
            if kind == "removed" and re.search(_DEMANDED, s.keystr[: hit.start()]):
                continue  # "demanded that it remove the article" is no removal
            country = None
            if kind == "online":
                loc = re.search(r"(?:accessible|available|online|доступный|доступен) (?:only )?(?:in|в) CTRY",
                                s.keystr[hit.start():])
                if loc:
                    t = s.tok_at(hit.start() + loc.end() - 4)
                    country = s.toks[t].country if t < len(s.toks) else None
                if any(c == country for c, _ in draft.blocked) and country is not None:
                    continue
            if (kind, country) in seen:
                continue
            seen.add((kind, country))
            out.append(Claim(kind, country, as_of, s.quote, 0.8))
    for cc, q in draft.blocked:
        as_of = as_of_of.get(q.start, base.isoformat())
        if ("blocked", cc) not in seen:
            seen.add(("blocked", cc))
            out.append(Claim("blocked", cc, as_of, q, 0.8))
    return out


def _articles(text: str, sents: list[_Sentence]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in _URL.finditer(text):
        url = m.group().rstrip(".,;)")
        if urlsplit(url).path.strip("/"):
            out.append({"url": url, "title": None, "offsets": [m.start(), m.start() + len(url)]})
    title_rx = re.compile(r"(?:article|report|story|investigation|material|interview|video|статья|статью|материал|"
                          r"расследование|интервью|публикаци[юя])\s+(?:titled\s+|headlined\s+|под названием\s+)?"
                          r"[\"“«]([^\"”»]{8,160})[\"”»]", re.IGNORECASE)
    for m in title_rx.finditer(text):
        out.append({"url": None, "title": m.group(1).strip(), "offsets": [m.start(1), m.end(1)]})
    return out
