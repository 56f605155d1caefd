"""Gazetteers: countries (pycountry plus local names, demonyms and inflected forms), state bodies,
regulators, courts, platforms.

Russian entries are keyed on lemmas (pymorphy3's normal forms), so "Казахстане", "Казахстана" and
"казахстанский" all reach Kazakhstan. English entries match on lower-cased words with the possessive
("Kyrgyzstan's") stripped.
"""

from __future__ import annotations

import functools
import re

import pycountry

__all__ = [
    "AMBIGUOUS_BODY_COUNTRY",
    "BODY_COUNTRY",
    "PLATFORMS",
    "SHORT_FORMS",
    "country_of_word",
    "country_words_en",
    "country_words_ru",
    "normalize_word",
]

# English: demonyms and local spellings pycountry does not carry (lower case) -> alpha-2
_EN_ALIASES: dict[str, str] = {
    "kyrgyz": "KG", "kyrgyzstan": "KG", "kirghiz": "KG", "kirghizia": "KG", "kirgizia": "KG",
    "kazakh": "KZ", "kazakhstani": "KZ", "kazakhstan": "KZ", "qazaqstan": "KZ",
    "uzbek": "UZ", "uzbekistani": "UZ", "uzbekistan": "UZ",
    "tajik": "TJ", "tajikistani": "TJ", "tajikistan": "TJ",
    "turkmen": "TM", "turkmenistan": "TM",
    "russian": "RU", "russia": "RU",
    "turkish": "TR", "turkey": "TR", "türkiye": "TR", "turkiye": "TR",
    "belarusian": "BY", "belarus": "BY", "belarussian": "BY",
    "azerbaijani": "AZ", "azerbaijan": "AZ", "azeri": "AZ",
    "armenian": "AM", "armenia": "AM", "georgian": "GE", "georgia": "GE",
    "ukrainian": "UA", "ukraine": "UA", "moldovan": "MD", "moldova": "MD",
    "iranian": "IR", "iran": "IR", "chinese": "CN", "china": "CN",
    "indian": "IN", "pakistani": "PK", "egyptian": "EG", "ethiopian": "ET",
    "american": "US", "british": "GB", "german": "DE", "french": "FR", "polish": "PL",
    "lithuanian": "LT", "latvian": "LV", "estonian": "EE", "afghan": "AF", "syrian": "SY", "iraqi": "IQ",
    "chechen": "RU",
}
# cities that stand for their country in "a court in Minsk" / "police in Tashkent"
_EN_CITIES: dict[str, str] = {
    "bishkek": "KG", "osh": "KG", "naryn": "KG", "almaty": "KZ", "astana": "KZ", "shymkent": "KZ",
    "tashkent": "UZ", "samarkand": "UZ", "dushanbe": "TJ", "ashgabat": "TM", "moscow": "RU",
    "yekaterinburg": "RU", "kemerovo": "RU", "istanbul": "TR", "ankara": "TR", "minsk": "BY", "brest": "BY",
    "baku": "AZ", "tbilisi": "GE", "yerevan": "AM", "grozny": "RU",
    "karaganda": "KZ", "karagandy": "KZ", "aktobe": "KZ", "pavlodar": "KZ", "kostanay": "KZ", "atyrau": "KZ",
    "oskemen": "KZ", "semey": "KZ", "taraz": "KZ", "khujand": "TJ", "kulob": "TJ", "khorog": "TJ",
    "jalal-abad": "KG", "karakol": "KG", "talas": "KG", "namangan": "UZ", "andijan": "UZ", "bukhara": "UZ",
    "nukus": "UZ", "turkmenabat": "TM", "gomel": "BY", "homel": "BY", "grodno": "BY", "hrodna": "BY",
    "vitebsk": "BY", "mogilev": "BY", "ganja": "AZ", "sumgait": "AZ", "batumi": "GE", "kutaisi": "GE",
    "gyumri": "AM", "izmir": "TR", "antalya": "TR", "diyarbakir": "TR", "kazan": "RU", "novosibirsk": "RU",
    "krasnodar": "RU", "voronezh": "RU", "samara": "RU", "chisinau": "MD", "kishinev": "MD", "balti": "MD",
}
# Russian: lemmas (pymorphy3 normal forms) -> alpha-2; names, local variants, adjectives, cities
_RU_ALIASES: dict[str, str] = {
    "кыргызстан": "KG", "киргизия": "KG", "кыргызский": "KG", "киргизский": "KG", "кыргызия": "KG",
    "казахстан": "KZ", "казахстанский": "KZ", "казахский": "KZ",
    "узбекистан": "UZ", "узбекский": "UZ", "узбекистанский": "UZ",
    "таджикистан": "TJ", "таджикский": "TJ", "туркменистан": "TM", "туркменский": "TM", "туркмения": "TM",
    "россия": "RU", "российский": "RU", "рф": "RU",
    "турция": "TR", "турецкий": "TR",
    "беларусь": "BY", "белоруссия": "BY", "белорусский": "BY",
    "азербайджан": "AZ", "азербайджанский": "AZ", "армения": "AM", "армянский": "AM",
    "грузия": "GE", "грузинский": "GE", "украина": "UA", "украинский": "UA",
    "китай": "CN", "китайский": "CN", "иран": "IR", "польша": "PL", "литва": "LT", "латвия": "LV",
    "чечня": "RU", "чеченский": "RU", "молдова": "MD", "молдавия": "MD", "молдавский": "MD", "молдовский": "MD",
    "египет": "EG", "египетский": "EG", "индия": "IN", "индийский": "IN", "пакистан": "PK", "пакистанский": "PK",
    "эфиопия": "ET", "эфиопский": "ET", "бангладеш": "BD", "сербия": "RS", "сербский": "RS",
    "кишинёв": "MD", "кишинев": "MD", "кишинёвский": "MD", "кишиневский": "MD", "бельцы": "MD", "тирасполь": "MD",
    "бишкек": "KG", "ош": "KG", "ошский": "KG", "нарын": "KG", "алматы": "KZ", "астана": "KZ",
    "шымкент": "KZ", "ташкент": "UZ", "душанбе": "TJ", "москва": "RU", "стамбул": "TR", "анкара": "TR",
    "минск": "BY", "брест": "BY", "баку": "AZ",
    "караганда": "KZ", "актобе": "KZ", "павлодар": "KZ", "костанай": "KZ", "атырау": "KZ", "усть-каменогорск": "KZ",
    "семей": "KZ", "тараз": "KZ", "худжанд": "TJ", "куляб": "TJ", "хорог": "TJ", "джалал-абад": "KG",
    "каракол": "KG", "талас": "KG", "наманган": "UZ", "андижан": "UZ", "бухара": "UZ", "нукус": "UZ",
    "самарканд": "UZ", "туркменабат": "TM", "ашхабад": "TM", "гомель": "BY", "гродно": "BY", "витебск": "BY",
    "могилёв": "BY", "могилев": "BY", "гянджа": "AZ", "сумгаит": "AZ", "батуми": "GE", "кутаиси": "GE",
    "тбилиси": "GE", "ереван": "AM", "гюмри": "AM", "измир": "TR", "анталья": "TR", "казань": "RU",
    "новосибирск": "RU", "екатеринбург": "RU", "краснодар": "RU", "воронеж": "RU",
}
# bodies whose country is part of their name
BODY_COUNTRY: dict[str, str] = {
    "roskomnadzor": "RU", "роскомнадзор": "RU", "ркн": "RU", "btk": "TR", "rtük": "TR", "rtuk": "TR",
    "fsb": "RU", "фсб": "RU", "kgb": "BY", "кгб": "BY",
}
# bodies of the same abbreviation in several countries: the one the report speaks of most, else the first
AMBIGUOUS_BODY_COUNTRY: dict[str, tuple[str, ...]] = {
    "гкнб": ("KG", "TJ"), "gknb": ("KG", "TJ"), "кнб": ("KZ", "KG", "TJ"), "knb": ("KZ", "KG", "TJ"),
}
# short forms of state bodies (on name keys: lower case, Russian lemmas) -> what their full names say
SHORT_FORMS: tuple[tuple[str, str], ...] = (
    (r"^(?:г|гл)?увд\b", r"управление внутренний дело|внутренний дело"),
    (r"^мининформ", r"министерство (?:\w+ )*?информация"),
    (r"^минкульт", r"министерство (?:\w+ )*?культура"),
    (r"^минцифр", r"министерство (?:\w+ )*?цифровой"),
    (r"^(?:mvd|мвд)\b", r"internal affairs|interior|внутренний дело"),
    (r"^g?knb\b|^(?:\w+ )?(?:national )?security service$", r"national security|\bg?knb\b"),
    (r"^г?кнб\b|^(?:\w+ )?служба безопасность$", r"национальный безопасность|\bг?кнб\b"),
    (r"^(?:\w+ )?information ministry$", r"ministry (?:\w+ )*?information"),
    (r"^(?:\w+ )?culture ministry$", r"ministry (?:\w+ )*?culture"),
    (r"^(?:\w+ )?interior ministry$", r"ministry (?:\w+ )*?(?:interior|internal affairs)"),
)
PLATFORMS = ("google", "youtube", "facebook", "meta", "telegram", "twitter", "instagram", "tiktok",
             "vkontakte", "vk", "ютуб", "гугл", "телеграм", "фейсбук", "вконтакте", "инстаграм")

_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def normalize_word(word: str) -> str:
    """Lower case, possessive stripped ("Kyrgyzstan's" → "kyrgyzstan")."""
    return _POSSESSIVE.sub("", word.strip().lower())


@functools.cache
def _pycountry_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name"):
            name = getattr(c, attr, None)
            if name and " " not in name and "," not in name:
                out[name.lower()] = c.alpha_2
    # a few words that are both a country name and an everyday English word are not countries here
    for word in ("chad", "jordan", "georgia", "niger", "guinea", "mali", "oman", "peru", "togo"):
        out.pop(word, None)
    return out


@functools.cache
def country_words_en() -> dict[str, str]:
    """Every single English word that names a country (names, demonyms, capitals)."""
    return {**_pycountry_names(), **_EN_ALIASES, **_EN_CITIES}


def country_words_ru() -> dict[str, str]:
    """Russian lemmas that name a country (names, adjectives, cities)."""
    return _RU_ALIASES


def country_of_word(word: str, *, lemma: str | None = None) -> str | None:
    """The alpha-2 code a single word (or its Russian lemma) names, or None."""
    if lemma is not None and lemma in _RU_ALIASES:
        return _RU_ALIASES[lemma]
    w = normalize_word(word)
    return country_words_en().get(w) or _RU_ALIASES.get(w)
