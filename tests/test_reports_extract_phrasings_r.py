"""Phrasings of the r set's failure forms, in sentences of their own (never the reports' wording), each with
controls: blocks in a list of countries, liftings only asked for, conditional or after the outlet gave in,
blocks only asked about, threatened mid-sentence, of a vague many or denied hearsay; senders by an unknown
abbreviation, a regulator's description in apposition, a dateline's agency or a masthead's site as no party;
recipients by a domain of any top level, a relative clause, a cut access's list, a counted mention, a signed
first-person author, the platform behind a demand; searches, seizures, administrative cases, edit demands,
stations, freelancers, an interview's yes, a register entry."""

from __future__ import annotations

import pytest

from tests.test_reports_extract_phrasings import _doc, _kinds, _roles  # report date: Wednesday 2026-05-20


@pytest.mark.parametrize(("text", "countries"), [
    ("The news site Tan Kabar was blocked in Belarus and Russia on 11 May.", {"BY", "RU"}),
    ("The regulator blocked the portal Kun Info in Kazakhstan, Kyrgyzstan and Uzbekistan.", {"KZ", "KG", "UZ"}),
    ("The portal Kun Info has been blocked in Armenia as well as Georgia since May.", {"AM", "GE"}),
    ("Сайт издания «Жол» заблокирован в Таджикистане и России.", {"TJ", "RU"}),
    # control: a demonym after "and" is no second place
    ("The regulator blocked the portal Kun Info in Kazakhstan and Russian officials praised the move.", {"KZ"}),
])
def test_a_block_in_a_list_of_countries_is_a_block_in_each(text: str, countries: set[str]) -> None:
    assert set(_doc(text)["blocked_countries"]) == countries


@pytest.mark.parametrize("text", [
    "The regulator blocked the news site Tan Kabar in Kazakhstan on 11 May. Would the editors delete the article "
    "to get unblocked? They said they would not.",
    "The regulator blocked the news site Tan Kabar in Kazakhstan on 11 May. The site will lose its advertisers "
    "unless the block was lifted.",
    "The regulator blocked the news site Tan Kabar in Kazakhstan on 11 May. Press groups urged the regulator to "
    "make the site accessible again.",
    "Роскомнадзор 11 мая заблокировал сайт издания «Жол» в России. Мы призываем власти немедленно снять блокировку "
    "сайта.",
    "Роскомнадзор 11 мая заблокировал сайт издания «Жол» в России. Редакция надеется, что сайт снова станет "
    "доступен.",
])
def test_a_lifting_only_asked_for_hoped_for_or_conditional_leaves_the_block(text: str) -> None:
    doc = _doc(text)
    assert "block" in _kinds(doc)
    assert doc["blocked_countries"] in (["KZ"], ["RU"])


@pytest.mark.parametrize("text", [
    # controls: a lifting the report states ends the block
    "The regulator blocked the news site Tan Kabar in Kazakhstan in March. The regulator lifted the block on 11 May.",
    "Роскомнадзор в марте заблокировал сайт издания «Жол» в России. 11 мая сайт разблокировали.",
    "The regulator blocked the news site Tan Kabar in Kazakhstan in March. The editors refused to delete the "
    "article. The regulator lifted the block on 11 May.",
])
def test_a_lifting_the_report_states_ends_the_block(text: str) -> None:
    assert _doc(text)["blocked_countries"] == []


@pytest.mark.parametrize(("text", "country"), [
    ("The regulator blocked the news site Tan Kabar in Kazakhstan on 4 May. On 11 May the editors deleted the "
     "article, and the regulator lifted the block.", "KZ"),
    ("The regulator blocked the news site Tan Kabar in Kazakhstan on 4 May. The site can be opened again after "
     "rewriting the story.", "KZ"),
    ("Роскомнадзор 4 мая заблокировал сайт издания «Жол» в России. 11 мая редакция удалила статью, и сайт "
     "разблокировали.", "RU"),
    ("Роскомнадзор 4 мая заблокировал сайт издания «Жол» в России. Сайт снова открывается после удаления статьи.",
     "RU"),
])
def test_a_block_lifted_after_the_outlet_gave_in_stays_the_reports_block(text: str, country: str) -> None:
    assert _doc(text)["blocked_countries"] == [country]


@pytest.mark.parametrize("text", [
    "When reporters asked whether the portal Kun Info was blocked, the regulator's press office blamed its host.",
    "Reporters asked the regulator whether the portal Kun Info had in fact been blocked; it gave no answer.",
    "На вопрос, заблокирован ли сайт издания «Жол», в министерстве ответили, что сбои вызваны хостингом.",
])
def test_a_block_only_asked_about_is_no_block(text: str) -> None:
    assert "block" not in _kinds(_doc(text))


def test_a_block_told_after_a_question_on_something_else_stays() -> None:  # control
    doc = _doc("Asked about the article, the minister said the regulator had blocked the site Tan Kabar on 11 May.")
    assert "block" in _kinds(doc)


@pytest.mark.parametrize("text", [
    "Kazakhstan has blocked dozens of news websites since 2015.",
    "Hundreds of websites, including several news sites, have been blocked in Egypt since 2017.",
    "За последние годы в Таджикистане были заблокированы десятки сайтов.",
])
def test_a_block_of_a_vague_many_is_background_no_act(text: str) -> None:
    doc = _doc(text)
    assert "block" not in _kinds(doc)
    assert doc["blocked_countries"] == []


def test_a_block_of_a_counted_few_stays() -> None:  # control
    doc = _doc("The regulator blocked three news websites in Kazakhstan on 11 May.")
    assert "block" in _kinds(doc)
    assert doc["blocked_countries"] == ["KZ"]


@pytest.mark.parametrize("text", [
    "В письме говорится, что в случае новой публикации ведомство поставит вопрос о блокировке сайта издания "
    "«Жол».",
    "Under the notice, in case of a repeat violation access to the site Tan Kabar is restricted for a month.",
])
def test_a_block_under_a_condition_put_mid_sentence_is_a_threat(text: str) -> None:
    assert "block" not in _kinds(_doc(text))


def test_a_demand_under_a_condition_is_still_made() -> None:  # control: «в случае отказа удалить» demands removal
    doc = _doc("Прокуратура направила письмо, в котором говорилось, что в случае отказа удалить видео редакции "
               "канала «Жол» грозит ответственность.")
    assert "demand-removal" in _kinds(doc)


@pytest.mark.parametrize("text", [
    "Readers complained that the site Tan Kabar was blocked on 11 May. The ministry denied blocking any site.",
    "The editors linked the outage of the site Tan Kabar to blocking. The regulator denied it.",
    "Читатели пожаловались, что сайт издания «Жол» заблокирован. В министерстве отрицают блокировку.",
])
def test_a_complaint_or_an_attribution_of_a_block_the_report_denies_is_no_block(text: str) -> None:
    assert "block" not in _kinds(_doc(text))


def test_a_complaint_of_a_block_nobody_denies_stays() -> None:  # control
    assert "block" in _kinds(_doc("Readers complained that the site Tan Kabar was blocked on 11 May."))


def _senders(doc: dict) -> set[tuple[str, str]]:
    return {(a["name"], a["kind"]) for a in doc["actors"] if a["role"] == "sender"}


@pytest.mark.parametrize(("text", "sender"), [
    ("The news site Tan Kabar was blocked at the request of TELCOM, the country's telecommunications regulator.",
     ("TELCOM", "regulator")),
    ("The news site Tan Kabar was blocked on 11 May at the request of the telecommunications regulator, TELCOM.",
     ("TELCOM", "regulator")),
    ("Reporter Aida Bekova of the news site Tan Kabar was detained by SBU officers on 11 May.",
     ("SBU", "law-enforcement")),
    ("Agents of GNB intelligence arrested the reporter Aida Bekova on 11 May.",
     ("GNB", "law-enforcement")),
])
def test_a_body_named_by_an_unknown_abbreviation_beside_a_body_word_is_the_sender(
        text: str, sender: tuple[str, str]) -> None:
    assert _senders(_doc(text)) == {sender}


def test_a_capitalised_word_beside_no_body_is_no_body() -> None:  # control
    doc = _doc("The ministry ordered the news site Tan Kabar to delete an article about TELCOM, a mobile operator.")
    assert "TELCOM" not in {a["name"] for a in doc["actors"]}


def _state(doc: dict) -> set[str]:
    return {a["name"] for a in doc["actors"] if a["kind"] in ("government", "court", "regulator", "law-enforcement")}


@pytest.mark.parametrize(("text", "body"), [
    ("Roskomnadzor, the media regulator, blocked the news site Tan Kabar on 11 May. The media regulator gave no "
     "reason.", "Roskomnadzor"),
    ("The site Tan Kabar was blocked by the media regulator, RTÜK, on 11 May.", "RTÜK"),
])
def test_a_regulators_description_set_beside_its_name_is_that_regulator(text: str, body: str) -> None:
    assert _state(_doc(text)) == {body}


def test_two_named_bodies_side_by_side_stay_two() -> None:  # control
    doc = _doc("Roskomnadzor, the Prosecutor General's Office and a Moscow court blocked the news site Tan Kabar.")
    assert _state(doc) >= {"Roskomnadzor", "Prosecutor General's Office"}


@pytest.mark.parametrize("text", [
    "Kyrgyzstan's security service told the portal Kun Info to remove a story on 11 May. The GKNB also told the "
    "portal to take the story down.",
    "Kazakhstan's information ministry ordered the news site Tan Kabar to delete an article. The Ministry of "
    "Information of Kazakhstan blocked the site on 11 May.",
])
def test_a_bodys_short_form_after_a_countrys_possessive_is_that_body(text: str) -> None:
    assert len(_senders(_doc(text))) == 1


@pytest.mark.parametrize(("text", "agency"), [
    ("OSH, 19 May 2026 (Valley Wire) — The ministry ordered the news site Tan Kabar to delete an article. "
     "Valley Wire could not reach the editors.", "Valley Wire"),
    ("LIMA, May 19, 2026 (Pampa Press Service) — The regulator blocked the news site Tan Kabar. A notice seen by "
     "Pampa Press Service cites the law on public order.", "Pampa Press Service"),
    ("ОШ, 19 мая 2026 года (Кабар Ньюс) — Министерство потребовало от издания «Жол» удалить статью. «Кабар Ньюс» "
     "не удалось связаться с редакцией.", "Кабар Ньюс"),
])
def test_the_agency_a_dateline_credits_is_no_party(text: str, agency: str) -> None:
    assert agency not in {a["name"] for a in _doc(text)["actors"]}


@pytest.mark.parametrize(("text", "outlet"), [
    ("The ministry ordered kunbasy.press to delete an article about a customs official on 11 May.", "kunbasy.press"),
    ("The ministry's letter reached bekova.blog on 11 May; it told the blog to delete the video.", "bekova.blog"),
    ("Министерство 11 мая потребовало от сайта jolnews.in удалить статью.", "jolnews.in"),
])
def test_an_outlet_named_only_by_a_domain_of_any_top_level_is_the_recipient(text: str, outlet: str) -> None:
    assert outlet in _roles(_doc(text), "recipient")


@pytest.mark.parametrize(("text", "not_outlet"), [
    ("The ministry ordered the news site Tan Kabar to delete the article and the report.pdf attached to it.",
     "report.pdf"),
    ("The ministry ordered the news site Tan Kabar and press@jolwatch.media to delete an article.", "jolwatch.media"),
])
def test_a_files_name_or_an_e_mail_address_is_no_outlet(text: str, not_outlet: str) -> None:  # controls, then
    doc = _doc(text)  # the e-mail address that read as an outlet before
    assert not_outlet not in {a["name"] for a in doc["actors"]}
    assert "Tan Kabar" in _roles(doc, "recipient")


@pytest.mark.parametrize(("text", "site"), [
    ("kunbasy.kg — Friday, 15 May 2026\n\nThe ministry ordered me to delete my video about the customs post. "
     "I am the journalist Aida Bekova and I refused.", "kunbasy.kg"),
    ("petrenko.ru · 15 мая 2026\n\nМинистерство потребовало от журналиста Олега Петренко удалить видео.",
     "petrenko.ru"),
])
def test_the_site_a_masthead_names_is_the_reports_source_no_party(text: str, site: str) -> None:
    assert site not in {a["name"] for a in _doc(text)["actors"]}


def test_a_domain_in_the_text_after_a_masthead_stays() -> None:  # control
    doc = _doc("kunbasy.kg — Friday, 15 May 2026\n\nThe ministry ordered jolnews.kg to delete an article.")
    assert _roles(doc, "recipient") == {"jolnews.kg"}


def test_a_tajik_name_and_its_domain_are_one_outlet() -> None:
    doc = _doc("Служба связи 2 мая заблокировала сайт ovozijavon.tj. Редакция издания «Овози Ҷавон» узнала об этом "
               "от читателей.")
    assert _roles(doc, "recipient") == {"Овози Ҷавон"}


@pytest.mark.parametrize(("text", "person"), [
    ("Nina Petrova, who writes about courts for the weekly Tan Kabar, was arrested on 11 May.", "Nina Petrova"),
    ("Police detained Aibek Osmonov, who runs the news site Jol Watch, on 11 May.", "Aibek Osmonov"),
])
def test_a_person_a_relative_clause_puts_in_the_press_is_a_recipient(text: str, person: str) -> None:
    doc = _doc(text)
    assert person in _roles(doc, "recipient")
    assert {a["kind"] for a in doc["actors"] if a["name"] == person} == {"journalist"}


def test_a_person_whose_relative_clause_names_no_press_is_no_journalist() -> None:  # control
    doc = _doc("Police detained Aibek Osmonov, who runs a construction company, on 11 May. The newspaper Tan Kabar "
               "reported the arrest.")
    assert "journalist" not in {a["kind"] for a in doc["actors"] if a["name"] == "Aibek Osmonov"}


def test_a_suspended_edition_is_a_suspension() -> None:
    assert "other" in _kinds(_doc("The board suspended the print edition of the daily Tan Kabar on 11 May."))


def test_an_edition_published_is_no_suspension() -> None:  # control
    assert _kinds(_doc("The daily Tan Kabar published a special edition on 11 May.")) == set()


def test_the_sites_a_cut_access_names_in_a_list_are_all_recipients() -> None:
    doc = _doc("Three news websites have become unreachable in Kazakhstan. Access to Kun Basy, Aq Zhol and Tuz 24 "
               "was restricted on Monday.")
    assert {"Kun Basy", "Aq Zhol", "Tuz"} <= _roles(doc, "recipient")


def test_a_person_one_is_denied_access_to_is_no_site() -> None:  # control
    doc = _doc("The reporter Aida Bekova of the site Tan Kabar was detained on 11 May. Her lawyers were denied access "
               "to Nurlan Abenov, her cameraman, on Monday.")
    assert {a["kind"] for a in doc["actors"] if a["name"] == "Nurlan Abenov"} != {"outlet"}


@pytest.mark.parametrize(("text", "outlets"), [
    ("The regulator named the sites Kun Basy, Aq Zhol and Tan Kabar in its order. On 11 May the three sites were "
     "blocked.", {"Kun Basy", "Aq Zhol", "Tan Kabar"}),
    ("Статьи опубликовали газета «Жол», издание «Кун» и сайт jolnews.kg. Прокуратура потребовала от всех трёх изданий "
     "удалить материалы.", {"Жол", "Кун", "jolnews.kg"}),
])
def test_a_counted_mention_of_outlets_stands_for_the_outlets_last_named(text: str, outlets: set[str]) -> None:
    assert outlets <= _roles(_doc(text), "recipient")


def test_a_count_above_the_outlets_named_adds_none() -> None:  # control
    doc = _doc("The regulator named the site Tan Kabar in its order. The site Kun Basy reported it. On 11 May the "
               "five sites were blocked.")
    assert "Kun Basy" not in _roles(doc, "recipient")


_BLOG_EN = ("I put my film about the new bridge on my channel on 2 May. I did not expect much.\n\n"
            "On Monday the city prosecutor's office gave me a formal warning over it. I am keeping the film up, and "
            "my readers know why.\n\n{sign}")
_BLOG_RU = ("Я выложил в моём блоге заметку о ремонте дорог 2 мая. Я не ждал ничего особенного.\n\n"
            "В понедельник прокуратура вынесла мне официальное предостережение. Я не буду удалять мой текст.\n\n"
            "{sign}")


@pytest.mark.parametrize(("text", "author"), [
    (_BLOG_EN.format(sign="— Aibek Osmonov"), "Aibek Osmonov"),
    (_BLOG_RU.format(sign="Олег Петренко"), "Олег Петренко"),
])
def test_the_author_who_signs_a_first_person_report_is_its_recipient(text: str, author: str) -> None:
    doc = _doc(text)
    assert "warning" in _kinds(doc)
    assert author in _roles(doc, "recipient")


@pytest.mark.parametrize("text", [
    _BLOG_EN.format(sign="The Editors"),
    _BLOG_RU.format(sign="Редакция"),
    # a third-person report that ends with a name is no signed first-person one
    "The Almaty City Prosecutor's Office issued the reporter Aida Bekova a warning on Monday. She said she would "
    "appeal.\n\nTan Kabar",
])
def test_no_signed_first_person_author_no_author(text: str) -> None:  # controls
    doc = _doc(text)
    assert not {"The Editors", "Редакция", "Tan Kabar"} & _roles(doc, "recipient")


def test_a_lower_case_quotation_after_an_outlet_noun_is_no_outlet() -> None:
    doc = _doc("Агентство информации потребовало от блогера удалить канал как «порочащий честь ведомства».")
    assert "порочащий честь ведомства" not in {a["name"] for a in doc["actors"]}


def test_a_capitalised_name_in_quotes_after_an_outlet_noun_stays_an_outlet() -> None:  # control
    doc = _doc("Агентство потребовало от издания «Жол» удалить статью.")
    assert "Жол" in _roles(doc, "recipient")


def test_a_bodys_word_inside_a_quotation_is_no_mention_of_the_body() -> None:
    # before the lower-case rule above the quotation read as an outlet and hid the word; now it must not count
    doc = _doc("Агентство информации опровергло сообщения о том, что оно якобы требовало от блогеров удалить посты. "
               "В сети появился снимок «записки агентства», в которой блогерам предлагалось удалить материалы о газе.")
    assert "demand-removal" not in _kinds(doc)


@pytest.mark.parametrize(("text", "platform"), [
    ("On 11 May the blogger Aida Bekova got a notice from YouTube. It told her it had received a government request "
     "to remove the video.", "YouTube"),
    ("Telegram прислал блогеру Азизу Каримову письмо 11 мая. В нём они сообщили, что получили от Агентства "
     "информации требование удалить его видео.", "Telegram"),
])
def test_the_platform_a_pronoun_says_received_the_demand_is_a_recipient(text: str, platform: str) -> None:
    assert platform in _roles(_doc(text), "recipient")


def test_a_platform_in_another_sentence_than_the_pronoun_before_is_no_recipient() -> None:  # control
    doc = _doc("The blogger Aida Bekova posts on YouTube. The editors of the site Tan Kabar met her on 9 May. They "
               "said they had received a demand from the ministry to delete an article.")
    assert "YouTube" not in _roles(doc, "recipient")


def test_a_platform_named_again_by_its_short_name_is_the_one_asked() -> None:
    doc = _doc("The ministry served X Corp. with a legal order on 11 May. A day later X withheld the account of the "
               "news site Tan Kabar in India.")
    assert {"X", "Tan Kabar"} <= _roles(doc, "recipient")


@pytest.mark.parametrize("text", [
    "Police searched the flat of the reporter Aida Bekova on 11 May and took two laptops.",
    "The reporter Aida Bekova was summoned by the city police on 11 May and questioned for five hours.",
    "Officers kept the notebook of the reporter Aida Bekova after she was released.",
    "В квартире журналистки Айгуль Садыковой 11 мая прошёл обыск.",
    "У журналистки Айгуль Садыковой изъяли телефон и ноутбук.",
])
def test_a_search_a_seizure_or_a_summons_for_questioning_is_an_act_of_its_own(text: str) -> None:
    assert "other" in _kinds(_doc(text))


@pytest.mark.parametrize("text", [
    "Police detained the reporter Aida Bekova in a raid on her home on 11 May.",
    "Журналистку Айгуль Садыкову задержали 11 мая, после чего в её квартире провели обыск.",
])
def test_a_search_in_the_sentence_of_an_arrest_is_the_arrests_manner(text: str) -> None:  # controls
    assert _kinds(_doc(text)) == {"arrest"}


def test_a_search_a_story_was_about_is_no_act() -> None:  # control
    assert "other" not in _kinds(_doc("Издание «Жол» подробно писало об обысках в домах активистов."))


def test_a_case_of_an_administrative_offence_is_no_lawsuit() -> None:
    doc = _doc("Полиция составила на редактора газеты «Жол» протокол об административном правонарушении.")
    assert _kinds(doc) == {"other"}


def test_a_criminal_case_opened_stays_a_lawsuit() -> None:  # control
    assert "lawsuit" in _kinds(_doc("Против главного редактора издания «Жол» возбуждено уголовное дело."))


def test_a_case_only_put_as_a_question_is_no_lawsuit() -> None:
    doc = _doc("Управление направило материалы в прокуратуру, чтобы та рассмотрела вопрос о возбуждении дела "
               "против блогера Олега Петренко.")
    assert "lawsuit" not in _kinds(doc)
    assert "referral-prosecutor" in _kinds(doc)


@pytest.mark.parametrize("text", [
    "The ministry told the site Tan Kabar to revise two paragraphs of its report on 11 May.",
    "A court in Almaty ordered the portal Kun Info to append a correction to the interview.",
    "The regulator is ordering the newspaper Tan Kabar to carry a retraction on its front page.",
])
def test_a_demand_to_revise_or_to_attach_a_correction_is_a_demand_to_edit(text: str) -> None:
    assert "demand-edit" in _kinds(_doc(text))


def test_a_correction_the_outlet_made_of_its_own_accord_is_no_demand() -> None:  # control
    doc = _doc("The newspaper Tan Kabar attached a correction to its article on 11 May after a reader's letter.")
    assert "demand-edit" not in _kinds(doc)


@pytest.mark.parametrize("text", [
    "The communications commission suspended the licence of Dala FM, a community station in Naryn, on 11 May.",
    "The regulator suspended the licence of the radio station Dala FM on 11 May.",
])
def test_a_station_is_an_outlet(text: str) -> None:
    doc = _doc(text)
    assert "other" in _kinds(doc)
    assert "Dala FM" in _roles(doc, "recipient")


def test_a_police_station_is_no_outlet() -> None:  # control
    doc = _doc("The reporter Aida Bekova was taken to a police station in Naryn and detained on 11 May.")
    assert not {a["name"] for a in doc["actors"] if a["kind"] == "outlet"}


@pytest.mark.parametrize(("text", "person"), [
    ("Police detained the freelancer Aibek Osmonov in Osh on 11 May.", "Aibek Osmonov"),
    ("Сотрудники милиции 11 мая задержали в Бресте фрилансера Олега Петренко.", "Олег Петренко"),
])
def test_a_freelancer_is_a_person_of_the_press(text: str, person: str) -> None:
    doc = _doc(text)
    assert "arrest" in _kinds(doc)
    assert person in _roles(doc, "recipient")


@pytest.mark.parametrize("text", [
    "Police detained the reporter Aida Bekova on 11 May. Officers then searched the flat and took two laptops.",
    "Сотрудники милиции 11 мая задержали журналиста Олега Петренко. Вечером в квартире провели обыск.",
])
def test_a_search_told_after_an_arrest_is_an_act_of_the_report(text: str) -> None:
    assert _kinds(_doc(text)) == {"arrest", "other"}


def test_a_search_with_no_arrest_and_no_one_of_the_press_is_no_act() -> None:  # control
    doc = _doc("The ministry warned the site Tan Kabar on 11 May. Вечером в квартире провели обыск.")
    assert "other" not in _kinds(doc)


def test_a_person_a_relative_clause_puts_outside_the_press_who_sues_is_the_sender() -> None:
    doc = _doc("Marko Jovic, who owns a chain of petrol stations, sued the portal Kun Info on 11 May.")
    assert {(a["name"], a["kind"]) for a in doc["actors"] if a["role"] == "sender"} == {("Marko Jovic", "other")}


def test_a_reporter_whose_clause_names_parliament_stays_of_the_press() -> None:  # control
    doc = _doc("Nina Petrova, who covers parliament for the daily Tan Kabar, was arrested on 11 May.")
    assert {a["kind"] for a in doc["actors"] if a["name"] == "Nina Petrova"} == {"journalist"}


@pytest.mark.parametrize("text", [
    "The editor of the news site Tan Kabar spoke to us on 19 May.\n\nDid they ask you to remove anything first?\n\n"
    "Yes, the Ministry of Information did, by e-mail, in March.",
    "Редактор издания «Жол» ответил на наши вопросы 19 мая.\n\nВас просили удалить материалы?\n\n"
    "Да, министерство информации, ещё весной, письмом на адрес редакции.",
])
def test_an_interviews_yes_to_a_question_on_an_act_is_the_act_by_the_body_it_names(text: str) -> None:
    doc = _doc(text)
    assert "demand-removal" in _kinds(doc)
    assert {a["kind"] for a in doc["actors"] if a["role"] == "sender"} == {"government"}


@pytest.mark.parametrize("text", [
    "The editor of the news site Tan Kabar spoke to us on 19 May.\n\nDid they ask you to remove anything first?\n\n"
    "No, the Ministry of Information never wrote to us.",
    "The editor of the news site Tan Kabar spoke to us on 19 May.\n\nDid they ask you to remove anything first?\n\n"
    "The Ministry of Information says it did, but we never got a letter.",
])
def test_a_question_on_an_act_with_no_yes_is_no_act(text: str) -> None:  # controls
    assert "demand-removal" not in _kinds(_doc(text))


def test_a_domain_added_to_a_regulators_register_is_blocked() -> None:
    doc = _doc("On 15 January Roskomnadzor entered the domain of the news site Tan Kabar into its registry.")
    assert "block" in _kinds(doc)
    assert doc["blocked_countries"] == ["RU"]


def test_a_page_added_to_a_site_is_no_block() -> None:  # control
    assert "block" not in _kinds(_doc("The news site Tan Kabar added a new page to its website on 15 May."))
