"""Extraction of varied phrasings (English and Russian): demands, bans, blocks, warnings, referrals,
lawsuits, arrests; outlets named by their domain; journalists in apposition; and texts that must stay
empty (nothing may cry wolf)."""

from __future__ import annotations

from datetime import date

import pytest

from presswatch.reports.extract import extract

BASE = date(2026, 5, 20)


def _doc(text: str) -> dict:
    return extract(text, report_date=BASE).as_dict()


def _roles(doc: dict, role: str) -> set[str]:
    return {a["name"] for a in doc["actors"] if a["role"] == role}


def _kinds(doc: dict) -> set[str]:
    return {a["kind"] for a in doc["actions"]}


@pytest.mark.parametrize(("text", "kinds"), [
    ("The ministry instructed the portal Vesti Daily to take down the interview.", {"demand-removal"}),
    ("The regulator directed the outlet Nur Times to take its report off the air.", {"demand-removal"}),
    ("Officials sought the removal of the article from the news site Tan Kabar.", {"demand-removal"}),
    ("Officers demanded that the article be deleted by the website Sary Ozen.", {"demand-removal"}),
    ("The court declared the materials of the newspaper Nasha Gazeta extremist.", {"ban"}),
    ("Distribution of the documentary is now prohibited in Belarus.", {"ban"}),
    ("Access to the outlet's website has been restricted in Kyrgyzstan.", {"block"}),
    ("The regulator cut off access to the news site Kun Info in Uzbekistan.", {"block"}),
    ("The ministry cautioned the newspaper Aq Zhol over its headline.", {"warning"}),
    ("The agency referred the matter to prosecutors after the editor refused.", {"referral-prosecutor"}),
    ("Prosecutors opened a criminal case against the blogger Arsen Tokonov.", {"lawsuit"}),
    ("A court sentenced journalist Timur Osmonov to three years in prison.", {"arrest"}),
    ("Police apprehended the reporter Nurlan Abenov outside the newsroom.", {"arrest"}),
    ("Минцифры потребовало от редакции 24.kg удалить публикацию.", {"demand-removal"}),
    ("Прокуратура вынесла предостережение редакции газеты «Таң Нуру».", {"warning"}),
    ("Роскомнадзор внёс сайт издания «Северный край» в реестр запрещённых.", {"block"}),
    ("Суд признал видео канала «Жол» запрещёнными к распространению.", {"ban"}),
    ("Следственный комитет возбудил дело против редактора издания «Заря».", {"lawsuit"}),
    ("Журналиста Азамата Кадырова приговорили к пяти годам лишения свободы.", {"arrest"}),
])
def test_action_phrasings(text: str, kinds: set[str]) -> None:
    assert kinds <= _kinds(_doc(text))


def test_outlet_by_domain_takes_the_demand_despite_its_dot() -> None:
    doc = _doc("The Kyrgyz Ministry of Culture ordered Kaktus.media to remove a video about the floods.")
    assert _roles(doc, "recipient") == {"kaktus.media"}
    assert {(a["kind"], a["country"]) for a in doc["actors"] if a["role"] == "sender"} == {("government", "KG")}


def test_journalist_in_apposition_and_the_outlet_are_both_recipients() -> None:
    doc = _doc("Police in Baku arrested Leyla Mammadova, a reporter for the online outlet Meydan Xeber, on May 18.")
    assert _roles(doc, "recipient") == {"Leyla Mammadova", "Meydan Xeber"}
    doc = _doc("The security service summoned the editor of the news website Azad Soz, Elvin Aliyev, and warned him.")
    assert _roles(doc, "recipient") == {"Elvin Aliyev", "Azad Soz"}
    assert next(a for a in doc["actors"] if a["name"] == "Elvin Aliyev")["kind"] == "journalist"


def test_russian_journalist_named_after_the_outlet() -> None:
    doc = _doc("ГКНБ задержал главного редактора издания «Ак Жол» Эрмека Осмонова 18 мая.")
    assert {"Ак Жол", "Эрмек Осмонов"} <= _roles(doc, "recipient")


def test_the_court_that_granted_a_request_is_the_sender_before_the_requester() -> None:
    doc = _doc("At the request of the Prosecutor General's Office, the Bishkek District Court banned the "
               "distribution of a film by the outlet Ayan Live.")
    ban = next(a for a in doc["actions"] if a["kind"] == "ban")
    assert ban["by"] == "Bishkek District Court"
    assert {"Bishkek District Court", "Prosecutor General's Office"} <= _roles(doc, "sender")


@pytest.mark.parametrize(("text", "outcome"), [
    ("The ministry told the outlet Jany Ordo to delete the story. The editors said they would appeal.", "refused"),
    ("The regulator ordered the site Bir Ay to remove the video. The site ignored the instruction.", "refused"),
    ("The ministry ordered the portal Tan Sholpan to correct the text. It amended two paragraphs but kept "
     "the article online.", "partly"),
    ("Мининформ потребовал от издания «Ай Кол» удалить видео. Редакция удалила видео, но оставила текст "
     "новости.", "partly"),
    ("Прокуратура потребовала удалить материал издания «Кыз Жибек». Блогер заявил, что обжалует решение.",
     "refused"),
])
def test_outcome_phrasings(text: str, outcome: str) -> None:
    assert _doc(text)["outcome"] == outcome


@pytest.mark.parametrize("text", [
    "Dear readers, the website will be unavailable on May 21 from 2:00 to 4:00 for scheduled maintenance.",
    "Уважаемые читатели! 21 мая сайт будет недоступен в связи с техническими работами.",
    "Access to the news site Kun Info was unblocked in Uzbekistan on Monday.",
    "Our podcast returns next week; thank you to readers in Kazakhstan for their letters.",
])
def test_non_news_and_lifted_blocks_give_no_actions(text: str) -> None:
    doc = _doc(text)
    assert doc["actions"] == [] and doc["blocked_countries"] == []
    assert not _roles(doc, "sender") and not _roles(doc, "recipient")


def test_outlet_named_after_editors_of_or_website_of() -> None:
    doc = _doc("The editors of Azattyk Media received a letter from prosecutors asking them to delete a video.")
    assert _roles(doc, "recipient") == {"Azattyk Media"}
    doc = _doc("The Tajik communications service restricted access to the website of Radio Ozodi in Tajikistan.")
    assert _roles(doc, "recipient") == {"Radio Ozodi"} and doc["blocked_countries"] == ["TJ"]


def test_a_persons_channel_on_a_platform_makes_the_person_the_recipient() -> None:
    doc = _doc("Blogger Alexei Ponomarev said his YouTube channel was blocked in Russia by Roskomnadzor.")
    assert _roles(doc, "recipient") == {"Alexei Ponomarev"}


def test_russian_names_in_the_nominative_with_their_gender() -> None:
    doc = _doc("Сотрудники полиции задержали главного редактора портала «Орда» Гульнару Бажкенову.")
    assert "Гульнара Бажкенова" in _roles(doc, "recipient")
    doc = _doc("Прокуратура вынесла предупреждение журналисту Азамату Кадырову.")
    assert "Азамат Кадыров" in _roles(doc, "recipient")


def test_russian_latin_outlet_names_after_an_outlet_noun() -> None:
    doc = _doc("Власти Азербайджана ограничили доступ к сайтам Meydan TV и Turan. Редакции продолжают работу.")
    assert _roles(doc, "recipient") == {"Meydan TV", "Turan"}
    assert doc["blocked_countries"] == ["AZ"]
    doc = _doc("Редакция сайта Kaktus.media получила письмо от ГКНБ с требованием удалить статью. "
               "Редакция требование проигнорировала.")
    assert doc["outcome"] == "refused" and _roles(doc, "recipient") == {"kaktus.media"}


@pytest.mark.parametrize("text", [
    "The new law allows the ministry to block websites without a court order.",
    "The goalkeeper blocked a penalty in the final minute as Dordoi beat Alay 2-1 in Bishkek.",
    "Readers asked us to remove the paywall, and we did.",
    "The ministry said it would never ask outlets to remove material.",
    "Министерство заявило, что не будет требовать от СМИ удалять материалы.",
    "Футболисты «Дордоя» заблокировали атаку соперника и выиграли матч.",
    "Новый закон позволяет министерству блокировать сайты без решения суда.",
    "Police arrested two men suspected of stealing cars in Osh.",
])
def test_powers_negations_and_other_senses_cry_no_wolf(text: str) -> None:
    doc = _doc(text)
    assert doc["actions"] == [] and not _roles(doc, "sender") and not _roles(doc, "recipient")


def test_suspensions_and_broadcast_bans_and_their_threats() -> None:
    doc = _doc("Turkey's RTÜK imposed a broadcast ban on the channel Sozcu TV for ten days. "
               "The channel said it would challenge the penalty.")
    assert _kinds(doc) == {"ban"} and _roles(doc, "recipient") == {"Sozcu TV"} and doc["outcome"] == "refused"
    assert _kinds(_doc("Суд приостановил выпуск газеты «Ак Шумкар» на три месяца.")) == {"ban"}
    doc = _doc("Прокуратура вынесла предостережение газете «Ак Шумкар»: повторное нарушение повлечёт "
               "приостановку выпуска.")
    assert _kinds(doc) == {"warning"}
