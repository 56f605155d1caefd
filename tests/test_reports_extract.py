"""Extraction of press reports (pure): English, Russian, mixed, non-news; the JSON contract; gazetteer."""

from __future__ import annotations

from datetime import date

import pytest
from reports_support import FOUNDING, founding_like

from presswatch.reports import gazetteer
from presswatch.reports.extract import (
    ACTION_KINDS,
    ACTOR_KINDS,
    CLAIM_KINDS,
    OUTCOMES,
    ROLES,
    detect_language,
    draft_from_dict,
    extract,
)


def _senders(doc):
    return {(a["kind"], a["country"]) for a in doc["actors"] if a["role"] == "sender"}


def test_contract_shape():
    doc = extract(founding_like("https://news.example/2015/11/video"), report_date=date(2015, 11, 27)).as_dict()
    for key in ("language", "actors", "actions", "blocked_countries", "dates", "outcome", "claims"):
        assert key in doc
    for a in doc["actors"]:
        assert {"name", "role", "kind", "country", "quote"} <= a.keys()
        assert a["role"] in ROLES and a["kind"] in ACTOR_KINDS
        assert a["country"] is None or (len(a["country"]) == 2 and a["country"].isupper())
    for a in doc["actions"]:
        assert {"kind", "by", "against", "date", "legal_basis", "quote"} <= a.keys() and a["kind"] in ACTION_KINDS
    for c in doc["claims"]:
        assert {"kind", "country", "as_of", "quote"} <= c.keys() and c["kind"] in CLAIM_KINDS
        assert 0 < c["confidence"] <= 1
    assert doc["outcome"] in OUTCOMES


def test_russian_report_with_inflected_countries_and_relative_dates():
    text = ("МВД Киргизии на прошлой неделе потребовало от издания «Ала Пресс» удалить статью о протестах. "
            "Редакция отказалась. Вчера доступ к сайту был ограничен в Казахстане. "
            "По состоянию на 20 октября 2025 года статья по-прежнему доступна.")
    doc = extract(text, report_date=date(2025, 10, 22)).as_dict()
    assert doc["language"] == "ru"
    assert ("government", "KG") in _senders(doc)
    assert [a["name"] for a in doc["actors"] if a["role"] == "recipient"] == ["Ала Пресс"]
    assert {a["kind"] for a in doc["actions"]} == {"demand-removal", "block"}
    assert doc["blocked_countries"] == ["KZ"]
    assert {"2025-10-15", "2025-10-21", "2025-10-20"} <= set(doc["dates"])
    assert doc["outcome"] == "refused"
    assert {(c["kind"], c["country"]) for c in doc["claims"]} == {("blocked", "KZ"), ("online", None)}


def test_every_field_keeps_its_quote_with_offsets():
    text = "Filler line.\n\nRoskomnadzor blocked the news website Free Voice on 2 May 2025 in Russia."
    doc = extract(text, report_date=date(2025, 5, 5)).as_dict()
    for item in [*doc["actors"], *doc["actions"], *doc["claims"], *doc["evidence"]["dates"]]:
        s, e = item["offsets"]
        assert text[s:e] == item["quote"]
    assert doc["actions"][0]["date"] == "2025-05-02"


def test_mixed_language_text_reads_each_sentence_in_its_own_language():
    text = ("The Interior Ministry of Kyrgyzstan asked the news website Bir Media to remove a video. "
            "Роскомнадзор заблокировал сайт «Бир Медиа» в России.")
    doc = extract(text, report_date=date(2025, 5, 5)).as_dict()
    assert {a["kind"] for a in doc["actions"]} == {"demand-removal", "block"}
    assert doc["blocked_countries"] == ["RU"]
    assert ("regulator", "RU") in _senders(doc) and ("government", "KG") in _senders(doc)


@pytest.mark.parametrize("text", [
    "Weather: sunny in the capital, 12 degrees. Residents are advised to take umbrellas on Saturday.",
    "Рецепт плова: рис, морковь, баранина. Готовить два часа.",
    "1234 5678 !!! ??? ...",
])
def test_non_news_text_gives_an_empty_draft(text):
    doc = extract(text, report_date=date(2025, 5, 5)).as_dict()
    assert doc["actions"] == [] and doc["claims"] == [] and doc["blocked_countries"] == []
    assert doc["outcome"] == "unknown" and doc["empty"] is True
    assert all(a["role"] == "third-party" for a in doc["actors"])


def test_language_detection_and_unsupported_language():
    assert detect_language("Казахстане заблокировали сайт") == "ru"
    assert detect_language("the site was blocked") == "en"
    assert detect_language("12345 !!!") is None
    with pytest.raises(ValueError):
        extract("text", language="de")


@pytest.mark.parametrize(("word", "lemma", "cc"), [
    ("Кыргызстан", "кыргызстан", "KG"), ("Киргизии", "киргизия", "KG"), ("Казахстане", "казахстан", "KZ"),
    ("Узбекистане", "узбекистан", "UZ"), ("Турции", "турция", "TR"), ("России", "россия", "RU"),
    ("Kyrgyzstan's", None, "KG"), ("Kyrgyz", None, "KG"), ("Kazakh", None, "KZ"), ("Türkiye", None, "TR"),
])
def test_gazetteer_local_and_inflected_forms(word, lemma, cc):
    from presswatch.reports.extract import _lemma

    got = _lemma(word) if lemma else None
    assert got == lemma
    assert gazetteer.country_of_word(word, lemma=got) == cc


def test_edited_draft_is_validated():
    good = {"actors": [{"name": "X", "role": "sender", "kind": "court", "country": "KZ"}], "outcome": "refused",
            "claims": [{"kind": "blocked", "country": "KZ"}], "blocked_countries": ["KZ"]}
    assert draft_from_dict(good)["outcome"] == "refused"
    for bad in ({"outcome": "maybe"}, {"actors": [{"name": "X", "role": "boss", "kind": "court"}]},
                {"claims": [{"kind": "blocked", "country": "Kazakhstan"}]}, {"blocked_countries": ["kz"]}):
        with pytest.raises(ValueError):
            draft_from_dict(bad)


@pytest.mark.skipif(not FOUNDING.exists(), reason="the founding story's report is not in shared/data")
def test_founding_story_draft():
    doc = extract(FOUNDING.read_text(encoding="utf-8"), report_date=date(2015, 11, 27)).as_dict()
    assert ("government", "KG") in _senders(doc) and ("government", "KZ") in _senders(doc)
    assert {"demand-removal", "referral-prosecutor", "ban", "block"} <= {a["kind"] for a in doc["actions"]}
    assert doc["blocked_countries"] == ["KZ"]
    assert {"2015-11-25", "2015-11-26"} <= set(doc["dates"])
    assert doc["outcome"] == "refused"
    claims = {(c["kind"], c["country"]): c for c in doc["claims"]}
    assert claims[("blocked", "KZ")]["as_of"] == "2015-11-26"
    assert claims[("online", None)]["as_of"] == "2015-11-26"


def test_huge_text_is_cut_not_crashed():
    text = "The Interior Ministry asked the news website Big One to remove a report. " + "filler words " * 20_000
    doc = extract(text, report_date=date(2025, 5, 5)).as_dict()
    assert doc["truncated"] is True and doc["actions"][0]["kind"] == "demand-removal"
