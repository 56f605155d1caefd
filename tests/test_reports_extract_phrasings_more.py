"""More phrasings: datelines with an agency, dates on header lines, the day a report was told, weekdays
that name no single day; and the recipient and action forms beside them."""

from __future__ import annotations

import pytest

from tests.test_reports_extract_phrasings import _doc, _kinds, _roles  # report date: Wednesday 2026-05-20


@pytest.mark.parametrize(("text", "dates"), [
    ("OSH, May 20 (Valley Wire) — The ministry ordered the news site Tan Kabar to delete an article on 18 May.",
     ["2026-05-18"]),
    ("TARAZ, 20 May 2026 (Steppe Agency) - The regulator blocked the portal Kun Info on 17 May.", ["2026-05-17"]),
    ("20.05.2026\n\nThe ministry blocked the site Tan Kabar on 18 May.", ["2026-05-18"]),
    ("Date: 20 May 2026\nThe ministry blocked the site Tan Kabar on 18 May.", ["2026-05-18"]),
    ("Written by Aida Bekova · 20 May 2026\n\nThe ministry blocked the site Tan Kabar on 18 May.", ["2026-05-18"]),
    ("Бишкек, 20.05.2026\n\nРоскомнадзор 18 мая заблокировал сайт издания «Жол».", ["2026-05-18"]),
    ("Ош, 20 мая 2026 г.\nПрокуратура 18 мая потребовала от редакции «Жол» удалить статью.", ["2026-05-18"]),
])
def test_a_dateline_with_an_agency_or_a_header_line_date_is_no_date_of_an_act(text: str,
                                                                              dates: list[str]) -> None:
    assert _doc(text)["dates"] == dates


def test_a_date_on_a_header_line_days_from_the_report_stays() -> None:
    doc = _doc("12.05.2026\n\nThe ministry blocked the site Tan Kabar.")
    assert doc["dates"] == ["2026-05-12"]


@pytest.mark.parametrize("text", [
    "The ministry blocked the site Tan Kabar on 18 May, its editor said on Wednesday.",
    "The ministry blocked the site Tan Kabar on 18 May, the press group said today.",
    "The ministry blocked the site Tan Kabar on 18 May. The ministry did not respond to requests for comment "
    "on Wednesday.",
    "Роскомнадзор 18 мая заблокировал сайт издания «Жол», сообщил в среду его редактор.",
])
def test_the_day_the_report_was_told_is_no_date_of_an_act(text: str) -> None:
    assert _doc(text)["dates"] == ["2026-05-18"]


def test_a_weekday_of_an_act_on_the_reports_day_stays() -> None:
    assert _doc("The ministry blocked the site Tan Kabar on Wednesday.")["dates"] == ["2026-05-20"]


@pytest.mark.parametrize(("text", "dates"), [
    ("The regulator blocked the portal Kun Info on Monday, 11 May.", ["2026-05-11"]),
    ("Регулятор заблокировал сайт издания «Жол» в понедельник, 4 мая.", ["2026-05-04"]),
    ("The regulator blocked the portal Kun Info on 11 May. Its reporters protest there every Saturday.",
     ["2026-05-11"]),
    ("Регулятор 11 мая заблокировал сайт издания «Жол». Его читатели выходят к зданию каждую субботу.",
     ["2026-05-11"]),
])
def test_a_weekday_beside_its_date_or_of_a_habit_adds_no_day(text: str, dates: list[str]) -> None:
    assert _doc(text)["dates"] == dates


def _actors(doc: dict) -> set[tuple[str, str, str]]:
    return {(a["name"], a["kind"], a["role"]) for a in doc["actors"]}


def test_a_plural_outlet_noun_names_each_outlet_of_its_list() -> None:
    doc = _doc("The regulator blocked the independent portals Kara Suu Post, Nur Ordo and Batken Info 24 in "
               "Kyrgyzstan.")
    assert _roles(doc, "recipient") == {"Kara Suu Post", "Nur Ordo", "Batken Info 24"}
    assert _kinds(doc) == {"block"}


def test_an_article_particle_stays_inside_an_outlets_name() -> None:
    doc = _doc("The regulator blocked the news website Sawt al-Nas in Egypt on 12 May.")
    assert _roles(doc, "recipient") == {"Sawt al-Nas"}


@pytest.mark.parametrize("text", [
    "Police detained Leyla Qasimova, a reporter for Shahr Nameh, and the ministry blocked Shahr Nameh's website.",
    "The ministry demanded that Dunya Akhbar, a small opposition daily, delete the article.",
])
def test_an_outlet_named_as_a_reporters_employer_or_by_apposition(text: str) -> None:
    assert any(a[:2] == (name, "outlet") for a in _actors(_doc(text))
               for name in ("Shahr Nameh", "Dunya Akhbar"))


def test_a_capitalised_body_after_the_is_no_person() -> None:
    doc = _doc("The council blocked the news site Misr Online and referred its editor-in-chief to the Public "
               "Prosecution.")
    assert _roles(doc, "recipient") == {"Misr Online"}
    assert not any(a[1] == "journalist" for a in _actors(doc))


def test_a_region_named_before_coverage_is_no_outlet() -> None:
    doc = _doc("The regulator warned the website Lowland Ledger over its Tigray coverage. Reporters in the Tigray "
               "region were detained on 12 May.")
    assert "Tigray" not in {a[0] for a in _actors(doc)}


@pytest.mark.parametrize("text", [
    "If the newspaper Tan Kabar keeps the article online, its website will be blocked in Kyrgyzstan.",
    "«Если редакция «Жол» не удалит статью, сайт заблокируют», — сказал сотрудник министерства.",
    "Если редакция «Жол» не удалит статью, её сайт заблокируют.",
    "The regulator has stopped short of blocking the news site Tan Kabar, though officials hint it may.",
    "Редакция «Жол» опасается, что против главного редактора возбудят уголовное дело.",
    "The staff of the news site Tan Kabar fear that their editor will be arrested over the report.",
    "Полиция заявила, что журналисты издания «Жол» блокировали проезжую часть.",
])
def test_a_condition_a_fear_or_a_road_blocked_is_no_act(text: str) -> None:
    assert _kinds(_doc(text)) == set()


def test_an_act_after_a_condition_in_another_sentence_stays() -> None:
    doc = _doc("If asked, officials say little. The regulator blocked the news site Tan Kabar in Kyrgyzstan on 12 May.")
    assert _kinds(doc) == {"block"}


@pytest.mark.parametrize(("text", "absent", "present"), [
    # "warning" as a plain noun
    ("Police detained the reporter Aibek Osmonov of the site Kun Info. The arrest is meant as a warning to every "
     "reporter who writes about the mine.", "warning", "arrest"),
    ("The regulator blocked the site Kun Info. Readers in Kyrgyzstan now see the usual warning that the page "
     "was restricted.", "warning", "block"),
    ("Полиция задержала журналиста Айбека Осмонова из издания «Кун Инфо». Коллеги считают, что задержание "
     "Осмонова — предупреждение всем журналистам региона.", "warning", "arrest"),
    ("Полиция задержала журналиста Айбека Осмонова из издания «Кун Инфо». Задержание стало предупреждением для "
     "других журналистов.", "warning", "arrest"),
    # a negation further back, before the paper that would carry the act
    ("The ministry ordered the site Kun Info to delete an article. It said it had issued no order to block the "
     "site.", "block", "demand-removal"),
    ("Министерство потребовало от издания «Кун Инфо» удалить статью. «Министерство не принимало решений об "
     "ограничении доступа к сайту», — заявили в ведомстве.", "block", "demand-removal"),
    ("Роскомнадзор заблокировал сайт издания «Кун Инфо». Редакция говорит, что не получала ни требования "
     "удалить статью, ни предупреждения.", "warning", "block"),
    # a block that is a building
    ("The ministry ordered the site Kun Info to delete its report on cracks in the new residential blocks.",
     "block", "demand-removal"),
    ("The ministry ordered the site Kun Info to remove a story about two blocks of flats.", "block",
     "demand-removal"),
])
def test_a_plain_noun_or_a_negated_paper_is_no_act(text: str, absent: str, present: str) -> None:
    kinds = _kinds(_doc(text))
    assert absent not in kinds and present in kinds


@pytest.mark.parametrize(("text", "kind"), [
    ("The regulator warned the site Kun Info that it would face charges.", "warning"),
    ("The prosecutor issued an official warning to the editor of Kun Info.", "warning"),
    ("Прокуратура вынесла предупреждение редакции издания «Кун Инфо».", "warning"),
    ("The regulator blocked the site Kun Info after an order to restrict access.", "block"),
    ("Роскомнадзор по решению суда ограничил доступ к сайту издания «Кун Инфо».", "block"),
    ("Редакция «Кун Инфо» получила требование удалить статью и предупреждение от прокуратуры.", "warning"),
])
def test_a_warning_or_a_block_still_counts(text: str, kind: str) -> None:
    assert kind in _kinds(_doc(text))


@pytest.mark.parametrize(("text", "sender", "not_actor"), [
    # two capitalised words joined by "and" before the head, an abbreviation in parentheses no rule knows
    ("On Monday, the Information and Security Service (ISS) ordered internet service providers to block the site "
     "Kun Info, according to a notice later posted on the ISS website.", "Information and Security Service",
     "ISS"),
    ("The Intelligence and Security Service told operators to block the portal Kun Info.",
     "Intelligence and Security Service", "Security Service"),
    # a head that is a modifier is no body: "internet service providers"
    ("Internet service providers blocked the site Kun Info on orders from the State Security Service.",
     "State Security Service", "Internet service"),
    # a body for exceptional situations is of the state
    ("The Commission for Exceptional Situations suspended the licence of the channel Kun TV.",
     "Commission for Exceptional Situations", ""),
])
def test_a_body_named_in_full_and_no_generic_noun_is_the_sender(text: str, sender: str, not_actor: str) -> None:
    doc = _doc(text)
    assert sender in _roles(doc, "sender")
    assert not_actor not in {a["name"] for a in doc["actors"]}


def test_a_body_abbreviation_beside_website_stays_the_body() -> None:
    doc = _doc("The Intelligence and Security Service (ISS) ordered providers to block the portal Kun Info. The "
               "list was published on the ISS website.")
    assert _roles(doc, "recipient") == {"Kun Info"}
    assert not any(a["kind"] == "outlet" and a["name"] == "ISS" for a in doc["actors"])


@pytest.mark.parametrize(("text", "plaintiff", "target"), [
    ("Arman Sadykov, the founder and owner of Ak Zhol Mining LLC, filed a libel suit against the news site Kun "
     "Info.", "Arman Sadykov", "Kun Info"),
    ("Daniyar Ospanov, a member of parliament's finance committee, lodged the claim against the news site Kun Info "
     "with the Bishkek City Court.", "Daniyar Ospanov", "Kun Info"),
    ("Октябрьский районный суд Бишкека удовлетворил иск владельца сети кафе Марата Исаева к изданию «Кун Инфо».",
     "Марат Исаев", "Кун Инфо"),
])
def test_a_private_plaintiff_is_a_sender(text: str, plaintiff: str, target: str) -> None:
    doc = _doc(text)
    assert plaintiff in _roles(doc, "sender")
    assert target in _roles(doc, "recipient") and plaintiff not in _roles(doc, "recipient")
    assert next(a["kind"] for a in doc["actors"] if a["name"] == plaintiff) == "other"


@pytest.mark.parametrize(("text", "person"), [
    ("Aibek Osmonov, the founder of the news site Kun Info, was detained by police.", "Aibek Osmonov"),
    ("Police detained Ulvi Hasanli, director of Kun Media, on Monday.", "Ulvi Hasanli"),
])
def test_a_founder_of_an_outlet_stays_of_the_press(text: str, person: str) -> None:
    doc = _doc(text)
    assert person in _roles(doc, "recipient")
    assert next(a["kind"] for a in doc["actors"] if a["name"] == person) == "journalist"


@pytest.mark.parametrize(("text", "absent", "present"), [
    # the acts a publication told of are its story's
    ("The ministry ordered the site Kun Info to delete an article. The article described how police in Osh "
     "detained five activists who were collecting signatures.", "arrest", "demand-removal"),
    ("The ministry ordered the site Kun Info to delete its report of 6 May. It described how officers detained "
     "five activists in Osh.", "arrest", "demand-removal"),
    ("Министерство потребовало от издания «Кун Инфо» удалить статью. В ней рассказывалось о том, как полиция "
     "задержала шестерых фермеров.", "arrest", "demand-removal"),
    ("Министерство потребовало от издания «Кун Инфо» удалить статью. В статье сообщалось, что в Оше сотрудники "
     "милиции задержали пятерых активистов.", "arrest", "demand-removal"),
    # what the press itself sends to a prosecutor is no referral
    ("Прокуратура потребовала от издания «Кун Инфо» удалить статью. Редакция направила в прокуратуру письменный "
     "ответ.", "referral-prosecutor", "demand-removal"),
    ("The prosecutor ordered the site Kun Info to delete an article. The editors sent their reply to the "
     "prosecutor's office on Friday.", "referral-prosecutor", "demand-removal"),
])
def test_a_story_told_or_the_press_own_letter_is_no_act(text: str, absent: str, present: str) -> None:
    kinds = _kinds(_doc(text))
    assert absent not in kinds and present in kinds


@pytest.mark.parametrize(("text", "kind"), [
    # a letter told of by a pronoun keeps its demand; a body's referral stays one
    ("Редакция «Кун Инфо» получила письмо прокуратуры. В нём говорилось, что прокуратура требует удалить "
     "статью.", "demand-removal"),
    ("Police detained the reporter Aibek Osmonov of the site Kun Info and sent the case to the prosecutor.",
     "referral-prosecutor"),
    ("Полиция направила материалы проверки в отношении издания «Кун Инфо» в прокуратуру.", "referral-prosecutor"),
])
def test_a_letter_or_a_referral_still_counts(text: str, kind: str) -> None:
    assert kind in _kinds(_doc(text))


@pytest.mark.parametrize(("text", "people"), [
    # a name followed by an age
    ("Police detained Ivan Petrov, 34, a reporter for the site Kun Info, on Monday.", {"Ivan Petrov"}),
    # names after a relative clause on the press noun
    ("Police detained the two reporters who covered the protest in Osh, Aida Bekova and Timur Aliev.",
     {"Aida Bekova", "Timur Aliev"}),
    # a hyphenated surname stays whole
    ("Police detained the reporter Omar Abdel-Karim of the site Kun Info.", {"Omar Abdel-Karim"}),
])
def test_journalists_named_after_an_age_or_a_relative_clause_are_recipients(text: str, people: set[str]) -> None:
    doc = _doc(text)
    assert people <= _roles(doc, "recipient")
    assert all(next(a["kind"] for a in doc["actors"] if a["name"] == p) == "journalist" for p in people)


def test_a_block_goes_to_the_outlet_not_to_its_reporter() -> None:
    doc = _doc("Police in Tehran detained Mahnaz Rahimi, a staff reporter for Sobh-e Now. Two days after the arrest, "
               "the newspaper's website became unreachable inside Iran.")
    assert {a["against"] for a in doc["actions"] if a["kind"] == "block"} == {"Sobh-e Now"}
    assert {"Sobh-e Now", "Mahnaz Rahimi"} <= _roles(doc, "recipient")


def test_a_person_who_is_no_reporter_after_an_age_stays_unnamed() -> None:
    doc = _doc("Police detained Ivan Petrov, 34, a local farmer, near the site of the protest.")
    assert "Ivan Petrov" not in _roles(doc, "recipient")
