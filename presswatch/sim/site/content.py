"""Deterministic, seeded news content in English and Russian built from word lists."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime

__all__ = [
    "EN_CONNECTORS",
    "EN_FACTS",
    "EN_FIRST",
    "EN_HEAD_SUBJECTS",
    "EN_HEAD_VERBS",
    "EN_LAST",
    "EN_OBJECTS",
    "EN_QUOTES",
    "EN_ROLES",
    "EN_SUBJECTS",
    "EN_TAILS",
    "EN_VERBS",
    "REMOVAL_NOTICES",
    "RU_CONNECTORS",
    "RU_ENDINGS",
    "RU_FACTS",
    "RU_FEMALE",
    "RU_FIRST",
    "RU_LAST",
    "RU_OBJECTS",
    "RU_QUOTES",
    "RU_ROLES",
    "RU_SUBJECTS",
    "RU_TAILS",
    "RU_VERB_STEMS",
    "SECTION_NAMES",
    "SECTIONS_EN",
    "Article",
    "headline",
    "make_article",
    "paragraph",
    "replacement_article",
    "sentence",
    "variant_b",
]

# --- English -----------------------------------------------------------------------------------------

EN_SUBJECTS = [
    ("The ministry", "ministry"),
    ("Officials in the capital", "officials"),
    ("A spokesperson for the regional administration", "region"),
    ("Opposition lawmakers", "opposition"),
    ("The central election commission", "elections"),
    ("Local residents", "residents"),
    ("Independent observers", "observers"),
    ("The prosecutor's office", "prosecutors"),
    ("Several journalists", "journalists"),
    ("The parliamentary committee", "committee"),
    ("Human rights groups", "rights"),
    ("The city council", "council"),
    ("Representatives of the state energy company", "energy"),
    ("Analysts at the economic institute", "analysts"),
    ("The governor's office", "governor"),
    ("Police in the northern region", "police"),
    ("A coalition of teachers' unions", "teachers"),
    ("The state broadcaster", "broadcaster"),
    ("Farmers in the southern districts", "farmers"),
    ("The national bank", "bank"),
    ("The constitutional court", "court"),
    ("The media regulator", "regulator"),
]
EN_VERBS = [
    "announced",
    "denied",
    "confirmed",
    "questioned",
    "criticised",
    "postponed",
    "approved",
    "rejected",
    "welcomed",
    "investigated",
    "published",
    "disputed",
    "reviewed",
    "defended",
    "proposed",
    "challenged",
]
EN_OBJECTS = [
    ("the new draft law on media", "media-law"),
    ("a report on public spending", "report"),
    ("plans to restructure the energy sector", "energy-plan"),
    ("the results of the audit", "audit"),
    ("a proposal to raise water tariffs", "tariffs"),
    ("the decision to close the border crossing", "border"),
    ("new registration rules for online publications", "online-rules"),
    ("the budget for the coming year", "budget"),
    ("an agreement with foreign investors", "investors"),
    ("the closure of two regional newspapers", "newspapers"),
    ("the reform of the pension system", "pensions"),
    ("a ban on unauthorised street rallies", "rallies"),
    ("the list of so-called foreign agents", "agents"),
    ("the construction of a new hydropower plant", "hydropower"),
    ("the results of the municipal vote", "vote"),
    ("the licence of an independent television channel", "licence"),
    ("a programme to support small businesses", "business"),
    ("the detention of a blogger", "blogger"),
]
EN_TAILS = [
    "on Tuesday",
    "after weeks of debate",
    "despite earlier promises",
    "according to documents seen by our correspondent",
    "in a statement posted online",
    "citing security concerns",
    "amid growing public pressure",
    "without giving further details",
    "during a press conference in the capital",
    "for the second time this year",
    "late on Friday evening",
    "after a closed-door meeting",
    "in a letter to the editors",
    "earlier this month",
]
EN_CONNECTORS = [
    "At the same time,",
    "However,",
    "Meanwhile,",
    "In response,",
    "Earlier,",
    "According to sources,",
    "As a result,",
    "Separately,",
    "Critics say that",
    "Supporters argue that",
]
EN_QUOTES = [
    "We have not received any official explanation",
    "This decision affects thousands of families",
    "The process was transparent and lawful",
    "Nobody consulted the people who live here",
    "We will continue to report on this story",
    "The figures speak for themselves",
    "It is too early to draw conclusions",
    "We are ready to discuss every proposal",
    "This is a matter of national security",
    "The public has a right to know",
]
EN_FIRST = [
    "Anna",
    "David",
    "Elena",
    "Marat",
    "Sara",
    "Timur",
    "Olga",
    "Daniyar",
    "Maria",
    "Ruslan",
    "Aliya",
    "Peter",
    "Nadia",
    "Bekzat",
    "Irina",
    "James",
]
EN_LAST = [
    "Petrova",
    "Abdullaev",
    "Karimova",
    "Sokolov",
    "Brown",
    "Nurlanov",
    "Ivanova",
    "Tokhtarov",
    "Kuznetsova",
    "Walker",
    "Sadykova",
    "Orlov",
    "Zhumabekova",
    "Miller",
]
EN_ROLES = [
    "a member of parliament",
    "a local activist",
    "a deputy minister",
    "an economist",
    "a lawyer",
    "the head of the district",
    "a university lecturer",
    "a spokesperson for the ministry",
]
EN_FACTS = [
    "The figure rose by {n} percent compared with last year.",
    "About {n} people attended the meeting.",
    "The project is expected to cost {n} million dollars.",
    "Officials said {n} complaints had been filed.",
    "The vote passed with {n} deputies in favour.",
    "Prices in the region have increased by {n} percent.",
    "More than {n} households were affected.",
    "The document runs to {n} pages.",
]
EN_HEAD_SUBJECTS = [
    "Ministry",
    "Parliament",
    "Court",
    "Regulator",
    "Governor",
    "City council",
    "Central bank",
    "Prosecutor",
    "Election commission",
    "Government",
]
EN_HEAD_VERBS = [
    "rejects",
    "approves",
    "delays",
    "defends",
    "questions",
    "unveils",
    "scraps",
    "reviews",
    "backs",
    "criticises",
]

# --- Russian -----------------------------------------------------------------------------------------

# (subject, gender for past-tense agreement, slug word)
RU_SUBJECTS = [
    ("Министерство", "n", "ministerstvo"),
    ("Представители администрации", "pl", "administraciya"),
    ("Прокуратура", "f", "prokuratura"),
    ("Парламентский комитет", "m", "komitet"),
    ("Центральная избирательная комиссия", "f", "cik"),
    ("Местные жители", "pl", "zhiteli"),
    ("Независимые наблюдатели", "pl", "nablyudateli"),
    ("Городской совет", "m", "sovet"),
    ("Правозащитники", "pl", "pravozashchitniki"),
    ("Пресс-служба губернатора", "f", "gubernator"),
    ("Полиция северного региона", "f", "policiya"),
    ("Национальный банк", "m", "natsbank"),
    ("Конституционный суд", "m", "sud"),
    ("Государственная телерадиокомпания", "f", "trk"),
    ("Фермеры южных районов", "pl", "fermery"),
    ("Оппозиционные депутаты", "pl", "deputaty"),
]
RU_VERB_STEMS = [
    "объявил",
    "подтвердил",
    "раскритиковал",
    "отложил",
    "одобрил",
    "отклонил",
    "опубликовал",
    "оспорил",
    "рассмотрел",
    "предложил",
    "поддержал",
    "проверил",
    "обсудил",
    "прокомментировал",
]
RU_ENDINGS = {"m": "", "f": "а", "n": "о", "pl": "и"}
RU_OBJECTS = [
    ("новый законопроект о СМИ", "zakonoproekt"),
    ("доклад о государственных расходах", "doklad"),
    ("планы реформы энергетического сектора", "reforma"),
    ("результаты проверки", "proverka"),
    ("предложение о повышении тарифов", "tarify"),
    ("решение о закрытии пограничного перехода", "granica"),
    ("новые правила для интернет-изданий", "pravila"),
    ("бюджет на следующий год", "byudzhet"),
    ("соглашение с иностранными инвесторами", "investory"),
    ("закрытие двух региональных газет", "gazety"),
    ("пенсионную реформу", "pensii"),
    ("запрет на несанкционированные митинги", "mitingi"),
    ("список так называемых иностранных агентов", "inoagenty"),
    ("строительство новой ГЭС", "ges"),
    ("итоги муниципальных выборов", "vybory"),
    ("лицензию независимого телеканала", "licenziya"),
]
RU_TAILS = [
    "во вторник",
    "после нескольких недель обсуждений",
    "несмотря на прежние обещания",
    "в заявлении, опубликованном на официальном сайте",
    "ссылаясь на соображения безопасности",
    "на фоне растущего общественного давления",
    "не сообщив подробностей",
    "на пресс-конференции в столице",
    "уже второй раз за год",
    "поздно вечером в пятницу",
    "после закрытого совещания",
    "в начале месяца",
]
RU_CONNECTORS = [
    "В то же время",
    "Однако",
    "Между тем",
    "В ответ",
    "Ранее",
    "По данным источников",
    "В результате",
    "Кроме того",
    "Критики считают, что",
    "Сторонники решения утверждают, что",
]
RU_QUOTES = [
    "Мы не получили никаких официальных объяснений",
    "Это решение затрагивает тысячи семей",
    "Процедура была прозрачной и законной",
    "С людьми, которые здесь живут, никто не советовался",
    "Мы продолжим следить за этой историей",
    "Цифры говорят сами за себя",
    "Делать выводы пока рано",
    "Мы готовы обсуждать любые предложения",
    "Это вопрос национальной безопасности",
    "Общество имеет право знать",
]
RU_FIRST = [
    "Алексей",
    "Айгуль",
    "Марат",
    "Елена",
    "Тимур",
    "Ольга",
    "Данияр",
    "Мария",
    "Руслан",
    "Алия",
    "Нурлан",
    "Ирина",
    "Бекзат",
    "Наталья",
]
RU_LAST = [
    "Смирнов",
    "Нурланова",
    "Абдуллаев",
    "Петрова",
    "Сейткали",
    "Иванова",
    "Токтаров",
    "Кузнецова",
    "Орлов",
    "Садыкова",
    "Жумабеков",
    "Соколов",
]
RU_ROLES = [
    "депутат парламента",
    "местный активист",
    "заместитель министра",
    "экономист",
    "адвокат",
    "глава района",
    "преподаватель университета",
    "представитель министерства",
]
RU_FACTS = [
    "По сравнению с прошлым годом показатель вырос на {n} процентов.",
    "На встрече присутствовали около {n} человек.",
    "Стоимость проекта оценивается в {n} миллионов долларов.",
    "По словам чиновников, поступило {n} жалоб.",
    "За решение проголосовали {n} депутатов.",
    "Цены в регионе выросли на {n} процентов.",
    "Пострадали более {n} домохозяйств.",
    "Объём документа составляет {n} страниц.",
]

SECTIONS_EN = ["politics", "world", "economy", "society"]
SECTION_NAMES = {
    "politics": "Politics",
    "world": "World",
    "economy": "Economy",
    "society": "Society",
    "ru": "На русском",
}

# Removal-notice wordings per language (the authority varies).
REMOVAL_NOTICES: dict[str, list[str]] = {
    "en": [
        "This article has been removed at the request of the Ministry of Information.",
        "This material was taken down following a demand from the Prosecutor General's Office.",
        "Access to this article has been restricted in accordance with a court decision.",
        "This article is no longer available. It was removed at the request of the communications regulator.",
    ],
    "ru": [
        "Материал удалён по требованию Генеральной прокуратуры.",
        "Публикация удалена по требованию Министерства информации.",
        "Материал снят с публикации на основании решения суда.",
        "Редакция удалила этот материал по требованию уполномоченного государственного органа.",
    ],
    "ky": [
        "Бул материал Башкы прокуратуранын талабы боюнча өчүрүлдү.",
        "Бул материал Маданият, маалымат жана туризм министрлигинин талабы боюнча өчүрүлдү.",
        "Бул макала соттун чечими боюнча өчүрүлдү.",
    ],
    "kk": [
        "Бұл материал Бас прокуратураның талабы бойынша жойылды.",
        "Бұл материал Ақпарат және қоғамдық даму министрлігінің талабы бойынша жойылды.",
        "Бұл мақала сот шешімі бойынша жойылды.",
    ],
}


@dataclass
class Article:
    """One article; mutable through scenario edits (each edit bumps ``version``)."""

    index: int
    slug: str
    lang: str
    section: str
    title: str
    lead: str
    author: str
    published: datetime
    modified: datetime
    paragraphs: list[str]
    tags: list[str] = field(default_factory=list)
    version: int = 1

    @property
    def path(self) -> str:
        return f"/news/{self.published:%Y}/{self.published:%m}/{self.slug}"

    def copy(self) -> Article:
        return replace(self, paragraphs=list(self.paragraphs), tags=list(self.tags))


RU_FEMALE = {"Айгуль", "Елена", "Ольга", "Мария", "Алия", "Ирина", "Наталья"}


def _name(rng: random.Random, lang: str) -> str:
    if lang == "ru":
        first, last = rng.choice(RU_FIRST), rng.choice(RU_LAST)
        if first in RU_FEMALE and last.endswith(("ов", "ев", "ин")):
            last += "а"
        elif first not in RU_FEMALE and last.endswith(("ова", "ева", "ина")):
            last = last[:-1]
        return f"{first} {last}"
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


def sentence(rng: random.Random, lang: str) -> str:
    """One plausible news sentence."""
    kind = rng.random()
    n = rng.choice([3, 7, 12, 15, 24, 40, 65, 120, 300, 1500])
    if lang == "ru":
        if kind < 0.15:
            quote, name = rng.choice(RU_QUOTES), _name(rng, "ru")
            said = "заявила" if name.split()[0] in RU_FEMALE else "заявил"
            return f"«{quote}», — {said} {name}, {rng.choice(RU_ROLES)}."
        if kind < 0.3:
            return rng.choice(RU_FACTS).format(n=n)
        subj, gender, _ = rng.choice(RU_SUBJECTS)
        verb = rng.choice(RU_VERB_STEMS) + RU_ENDINGS[gender]
        obj, _ = rng.choice(RU_OBJECTS)
        body = f"{subj.lower() if kind < 0.5 else subj} {verb} {obj} {rng.choice(RU_TAILS)}."
        if kind < 0.5:
            return f"{rng.choice(RU_CONNECTORS)} {body}"
        return body
    if kind < 0.15:
        return f'"{rng.choice(EN_QUOTES)}," said {_name(rng, "en")}, {rng.choice(EN_ROLES)}.'
    if kind < 0.3:
        return rng.choice(EN_FACTS).format(n=n)
    subj, _ = rng.choice(EN_SUBJECTS)
    obj, _ = rng.choice(EN_OBJECTS)
    body = f"{rng.choice(EN_VERBS)} {obj} {rng.choice(EN_TAILS)}."
    if kind < 0.5:
        conn = rng.choice(EN_CONNECTORS)
        return f"{conn} {subj[0].lower() + subj[1:] if not subj.startswith('The') else subj.lower()} {body}"
    return f"{subj} {body}"


def paragraph(rng: random.Random, lang: str) -> str:
    return " ".join(sentence(rng, lang) for _ in range(rng.randint(3, 7)))


def headline(rng: random.Random, lang: str) -> tuple[str, str]:
    """A headline and the two slug words it yields."""
    if lang == "ru":
        subj, gender, sw = rng.choice(RU_SUBJECTS)
        obj, ow = rng.choice(RU_OBJECTS)
        return f"{subj} {rng.choice(RU_VERB_STEMS)}{RU_ENDINGS[gender]} {obj}", f"{sw}-{ow}"
    subj = rng.choice(EN_HEAD_SUBJECTS)
    obj, ow = rng.choice(EN_OBJECTS)
    obj = obj[4:] if obj.startswith("the ") else obj
    return f"{subj} {rng.choice(EN_HEAD_VERBS)} {obj}", f"{subj.lower().replace(' ', '-')}-{ow}"


def make_article(seed: int, index: int, published: datetime, taken: set[str] | None = None) -> Article:
    """Article number ``index`` of the site seeded with ``seed`` (stable regardless of other articles)."""
    rng = random.Random(f"presswatch-simsite:{seed}:{index}")
    lang = "ru" if rng.random() < 0.5 else "en"
    section = "ru" if lang == "ru" else rng.choice(SECTIONS_EN)
    title, words = headline(rng, lang)
    slug = f"{words}-{rng.randint(1000, 9999)}"
    while taken is not None and slug in taken:
        slug = f"{words}-{rng.randint(1000, 99999)}"
    paras = [paragraph(rng, lang) for _ in range(rng.randint(6, 15))]
    lead = sentence(rng, lang)
    tags = sorted({w for w in words.split("-") if len(w) > 2})
    return Article(
        index=index,
        slug=slug,
        lang=lang,
        section=section,
        title=title,
        lead=lead,
        author=_name(rng, lang),
        published=published,
        modified=published,
        paragraphs=paras,
        tags=tags,
    )


def replacement_article(original: Article, seed: int) -> Article:
    """An unrelated article to show at ``original``'s URL (``content-replaced``)."""
    other = make_article(seed + 7919, original.index + 100_000, original.published)
    rng = random.Random(f"replace:{seed}:{original.slug}")
    while other.title == original.title:
        other.title = headline(rng, other.lang)[0]
    other.slug = original.slug
    return other


def variant_b(article: Article, seed: int) -> Article:
    """The B variant of an A/B test: a different headline and second paragraph."""
    rng = random.Random(f"ab:{seed}:{article.slug}:{article.version}")
    b = article.copy()
    title = headline(rng, article.lang)[0]
    while title == article.title:
        title = headline(rng, article.lang)[0]
    b.title = title
    if len(b.paragraphs) > 1:
        new = paragraph(rng, article.lang)
        while new == b.paragraphs[1]:
            new = paragraph(rng, article.lang)
        b.paragraphs[1] = new
    return b
