"""Extraction of varied phrasings (English and Russian): demands, bans, blocks, warnings, referrals,
lawsuits, arrests; outlets named by their domain; journalists in apposition; and texts that must stay
empty (nothing may cry wolf)."""

from __future__ import annotations

from datetime import date

import pytest

from presswatch.reports.extract import Actor, Quote, _coreferent, _name_key, extract

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
    assert _kinds(_doc("Суд приостановил выпуск газеты «Ак Шумкар» на три месяца.")) == {"other"}  # a suspension
    doc = _doc("Прокуратура вынесла предостережение газете «Ак Шумкар»: повторное нарушение повлечёт "
               "приостановку выпуска.")
    assert _kinds(doc) == {"warning"}


def _senders(doc: dict) -> list[tuple[str, str, str | None]]:
    return [(a["name"], a["kind"], a["country"]) for a in doc["actors"] if a["role"] == "sender"]


@pytest.mark.parametrize(("text", "name", "kind", "country"), [
    ("The Ministry of Emergency Response and Civil Protection of Kazakhstan told the news site Dala Kuni to "
     "delete the report.", "Ministry of Emergency Response and Civil Protection of Kazakhstan", "government", "KZ"),
    ("A deputy minister of Territorial Administration and Infrastructure of Armenia sued the news site Ararat "
     "Lur.", "minister of Territorial Administration and Infrastructure of Armenia", "government", "AM"),
    ("The Agency for Information and Mass Communications under the Presidential Administration of Uzbekistan "
     "asked the news site Mezon to remove the report.",
     "Agency for Information and Mass Communications under the Presidential Administration of Uzbekistan",
     "regulator", "UZ"),
    ("Министерство энергетики и водных ресурсов Таджикистана потребовало от издания «Пайкон» удалить статью.",
     "Министерство энергетики и водных ресурсов Таджикистана", "government", "TJ"),
    ("Сайт «Нур» заблокировали по решению Министерства культуры, информации, спорта и молодёжной политики "
     "Кыргызстана после публикации.", "Министерства культуры, информации, спорта и молодёжной политики "
     "Кыргызстана", "government", "KG"),
    ("Государственная инспекция по надзору за СМИ при Министерстве культуры Кыргызстана потребовала от "
     "портала «Ордо» удалить статью.", "Государственная инспекция по надзору за СМИ при Министерстве культуры "
     "Кыргызстана", "regulator", "KG"),
    ("Аудиовизуальный совет Азербайджана обязал телеканал «Хазар» удалить сюжет.",
     "Аудиовизуальный совет Азербайджана", "regulator", "AZ"),
])
def test_state_bodies_by_head_noun_and_complement(text: str, name: str, kind: str, country: str) -> None:
    assert _senders(_doc(text)) == [(name, kind, country)]


@pytest.mark.parametrize("text", [
    "The Committee to Protect Journalists urged the news site Tan Kabar to keep the report online.",
    "The Council of Europe asked Kyrgyzstan to remove the draft law on false information.",
    "The news agency Kabar said the agency would keep the interview online.",
    "Совет редакции издания «Заря» решил удалить старые комментарии читателей.",
    "Информационное агентство «Кабар» сообщило, что агентство удалило устаревшую статью.",
])
def test_common_nouns_and_international_bodies_are_no_state_bodies(text: str) -> None:
    doc = _doc(text)
    assert not [a for a in doc["actors"] if a["kind"] in ("government", "regulator", "law-enforcement", "court")]
    assert not _roles(doc, "sender")


def test_the_ministry_and_vedomstvo_stand_for_the_body_named_before() -> None:
    doc = _doc("The Ministry of Digital Development of Kyrgyzstan held a briefing on Monday. Later the ministry "
               "demanded that the portal Kaktus.media remove the video.")
    assert next(a for a in doc["actions"] if a["kind"] == "demand-removal")["by"] == (
        "Ministry of Digital Development of Kyrgyzstan")
    doc = _doc("Служба государственной безопасности Узбекистана задержала корреспондента канала «Овоз» Тимура "
               "Рахимова. Ранее ведомство потребовало удалить репортаж канала.")
    assert next(a for a in doc["actions"] if a["kind"] == "demand-removal")["by"] == (
        "Служба государственной безопасности Узбекистана")
    # a back-reference with no body named before it stands for nothing
    assert not _roles(_doc("Ведомство потребовало удалить репортаж канала «Овоз»."), "sender")


def test_the_court_of_a_suit_is_no_sender_and_a_company_sues() -> None:
    doc = _doc("Ak-Tash Stroy LLC filed a defamation suit against the weekly Ordo Times with the Pervomaisky "
               "district court.")
    assert _roles(doc, "sender") == {"Ak-Tash Stroy LLC"} and _roles(doc, "recipient") == {"Ordo Times"}
    doc = _doc("ООО «Сибирский лес» подало в Арбитражный суд Новосибирской области иск к изданию «Обская правда».")
    assert _roles(doc, "sender") == {"Сибирский лес"} and _roles(doc, "recipient") == {"Обская правда"}


def test_a_request_named_in_a_sentence_of_its_own_adds_its_sender() -> None:
    doc = _doc("Roskomnadzor ordered the blogger Pavel Zimin to delete a post. The notice referred to a request "
               "from the Prosecutor General's Office.")
    assert {"Roskomnadzor", "Prosecutor General's Office"} <= _roles(doc, "sender")
    # with no action in the text a request names no sender
    assert not _roles(_doc("The hospital answered a request from the Prosecutor General's Office."), "sender")


def test_refusals_imply_the_demand_and_refusing_comment_implies_none() -> None:
    doc = _doc("The site was blocked by the Ministry of Culture after the editors refused to delete the story.")
    assert {"block", "demand-removal"} <= _kinds(doc)
    assert "demand-removal" in _kinds(_doc("Сайт «Нур» заблокировали после того, как редакция отказалась удалить "
                                           "статью."))
    assert _doc("The editors of the news site Tan Kabar refused to comment on the story.")["actions"] == []


@pytest.mark.parametrize("text", [
    "The Ministry of Transport warned that old tickets will be removed from the system next month.",
    "Министерство транспорта Казахстана попросило водителей обновить приложение и предупредило, что старые "
    "талоны будут удалены из системы.",
])
def test_notices_of_future_removals_are_no_demands_nor_warnings(text: str) -> None:
    doc = _doc(text)
    assert doc["actions"] == [] and doc["outcome"] == "unknown"


@pytest.mark.parametrize(("text", "outcome"), [
    ("Прокуратура потребовала от издания «Заря» удалить статью. Удалять материал редакция не будет.", "refused"),
    ("Полиция потребовала от блогера удалить пост. Удалять пост Касымов не стал.", "refused"),
    ("Prosecutors ordered the site Bir Ay to delete three articles. Colleagues said the articles would not be "
     "taken down.", "refused"),
    ("The ministry demanded that the site Nur Times take the report down. The team will keep publishing.",
     "refused"),
    ("The agency asked the news site Mezon to remove the report. The site changed the headline, but kept the "
     "figures.", "partly"),
    ("Комиссия обязала телеканал «Иберия» удалить сюжет. Телеканал удалил сюжет с сайта, однако видео осталось "
     "в соцсетях.", "partly"),
    ("Мининформ потребовал от сайта «Нур» удалить статью, но редакция отказалась. Во вторник редакция в итоге "
     "удалила материал.", "complied"),
    ("The ministry told the portal Tan Sholpan to remove the story. The editors removed it, but did not "
     "comment.", "complied"),
    ("A court blocked 14 articles of the daily Ege Postasi. It has not said whether it will challenge the "
     "orders.", "unknown"),
])
def test_outcomes_from_the_response(text: str, outcome: str) -> None:
    assert _doc(text)["outcome"] == outcome


def test_the_next_day_counts_from_the_weekday_before_it() -> None:
    doc = _doc("Сайт «Нур» был заблокирован 28 марта. Во вторник редакция удалила материал, а на следующий день "
               "сайт снова открылся.")
    assert doc["dates"] == ["2026-03-28", "2026-05-19", "2026-05-20"]


def test_coordinated_journalists_and_apposition_without_an_article() -> None:
    doc = _doc("Сотрудники ГКНБ задержали журналистов сайта «Кыраан» Айбека Джумабаева и Нурию Садыкову.")
    assert _roles(doc, "recipient") == {"Кыраан", "Айбек Джумабаев", "Нурия Садыкова"}
    doc = _doc("A court ordered two months of pre-trial detention for Igor Veselov, editor of the news site "
               "Baltiysky Bereg.")
    assert _kinds(doc) == {"arrest"} and "Igor Veselov" in _roles(doc, "recipient")


def test_an_outlets_own_domain_is_the_same_outlet() -> None:
    doc = _doc("The Ministry of Information banned the weekly Nioman Chas and restricted access to its website "
               "niomanchas.by in Belarus.")
    assert _roles(doc, "recipient") == {"Nioman Chas"}
    assert next(a for a in doc["actors"] if a["name"] == "Nioman Chas")["domain"] == "niomanchas.by"
    # a domain that is not the outlet's name stays apart
    doc = _doc("The regulator blocked the weekly Nioman Chas and the news site kun.uz in Belarus.")
    assert _roles(doc, "recipient") == {"Nioman Chas", "kun.uz"}


def test_a_bodys_name_ends_before_the_weekday_and_police_bodies_need_no_capital() -> None:
    doc = _doc("The Ministry of Culture and Information of Kazakhstan on Wednesday ordered the portal Batys Tany "
               "to take down an interview.")
    assert _senders(doc) == [("Ministry of Culture and Information of Kazakhstan", "government", "KZ")]
    doc = _doc("Сотрудники управления внутренних дел Ташкента вынесли предостережение блогеру Жасуру Эргашеву. "
               "Ему также предложили удалить ролик.")
    assert _senders(doc) == [("управления внутренних дел Ташкента", "law-enforcement", "UZ")]
    assert _kinds(doc) == {"warning", "demand-removal"} and _roles(doc, "recipient") == {"Жасур Эргашев"}
    # a common noun with no capital and no police complement is no body
    assert not _roles(_doc("Сотрудники управления по работе с клиентами потребовали удалить отзыв."), "sender")


def test_no_longer_accessible_in_a_country_is_a_block_and_an_appeal_a_refusal() -> None:
    doc = _doc("A criminal judgeship of peace in Istanbul imposed an access ban on six reports by the news website "
               "Bagimsiz Haber. The outlet said it had appealed. The reports are no longer accessible in Turkey.")
    # an access ban is a block (of access), not a ban of the outlet
    assert _kinds(doc) == {"block"} and doc["blocked_countries"] == ["TR"] and doc["outcome"] == "refused"
    doc = _doc("Министерство внутренних дел Беларуси внесло телеграм-канал «Гродно Онлайн» в перечень "
               "экстремистских формирований.")
    assert _kinds(doc) == {"ban"} and _roles(doc, "recipient") == {"Гродно Онлайн"}
    # still available outside a country is no block there
    assert _doc("The video of the channel Nur TV is still available outside Russia.")["blocked_countries"] == []


@pytest.mark.parametrize("text", [
    "The Administration of the Osh Bazaar asked vendors to remove their stalls by Friday.",
    "Служба поддержки сайта попросила пользователей удалить старые аккаунты.",
    "The Committee for the Protection of Journalists asked the news site Tan Kabar to keep its story online.",
])
def test_a_common_noun_head_needs_a_country_or_a_state_word(text: str) -> None:
    doc = _doc(text)
    assert not _roles(doc, "sender")
    assert not [a for a in doc["actors"] if a["kind"] in ("government", "regulator", "law-enforcement", "court")]


def test_a_sentence_opening_word_is_no_part_of_a_bodys_name() -> None:
    doc = _doc("On Monday Ministry of Health officials told the portal Kaktus.media to remove the video.")
    assert [n for n, _, _ in _senders(doc)] == ["Ministry of Health"]


@pytest.mark.parametrize("text", [
    "Under the league's rules the defender could be banned for up to five matches.",
    "The prosecutor's office denied that it had demanded the removal of the article from Kok Jar.",
    "A forged letter in the ministry's name demanded that the outlet delete its report.",
    "Прокуратура опровергла сообщения о том, что требовала от издания «Алатау Таймс» удалить статью.",
    "Выезд междугородних автобусов из Алматы запрещён до особого распоряжения.",
])
def test_possible_denied_or_pressless_acts_are_none(text: str) -> None:
    assert _kinds(_doc(text)) == set()


@pytest.mark.parametrize(("text", "kinds"), [
    ("The court banned distribution of the documentary by the newspaper Nasha Gazeta.", {"ban"}),
    ("Суд запретил распространение фильма издания «Наша газета».", {"ban"}),
    ("The ministry demanded that the news site Kok Jar delete the article.", {"demand-removal"}),
])
def test_the_same_acts_stated_as_done_still_count(text: str, kinds: set[str]) -> None:
    assert kinds <= _kinds(_doc(text))


# -- candidates beyond trigger nouns (issue 13) ---------------------------------------------------------
def _ner() -> bool:
    from presswatch.reports import ner_ru

    return ner_ru.available()


@pytest.mark.parametrize(("text", "recipients"), [
    # an outlet by the head word of its own name, and by what follows it ("… reporters", "…'s story")
    ("Prosecutors ordered Sary Haber to delete the interview.", {"Sary Haber"}),
    ("The regulator told Kok Jar Media to take the video down.", {"Kok Jar Media"}),
    ("Police detained two Aq Tash reporters in Osh on Tuesday.", {"Aq Tash"}),
    # people after a press noun, listed with "and", commas and more press nouns; names with diacritics
    ("Reporters Aida Ermekova and Çağla Yıldız, camera operator Baurzhan Seitov and editor Olzhas Nurov were "
     "detained by police in Almaty.", {"Aida Ermekova", "Çağla Yıldız", "Baurzhan Seitov", "Olzhas Nurov"}),
])
def test_names_without_a_trigger_noun_right_before_them(text: str, recipients: set[str]) -> None:
    assert recipients <= _roles(_doc(text), "recipient")


def test_a_businessman_who_sues_is_the_sender_and_his_surname_alone_is_him() -> None:
    doc = _doc("Construction magnate Erlan Suyunov has filed a defamation suit against journalist Gülnur Aidarova. "
               "Suyunov is seeking 2 million som in damages.")
    assert _roles(doc, "sender") == {"Erlan Suyunov"} and "Gülnur Aidarova" in _roles(doc, "recipient")


def test_capitalised_words_that_name_no_one_stay_no_actor() -> None:
    doc = _doc("The ministry told Mass Media outlets to remove the video, and the regulator blocked it in Kazakhstan.")
    names = {a["name"] for a in doc["actors"]}
    assert "Mass Media" not in names and "Media" not in names


def test_an_abbreviation_in_parentheses_is_the_body_it_follows() -> None:
    doc = _doc("The Information and Communication Technologies Authority (BTK) blocked the site Deniz Haber in Turkey. "
               "BTK did not comment.")
    bodies = [a for a in doc["actors"] if a["kind"] == "regulator"]
    assert len(bodies) == 1 and bodies[0]["role"] == "sender"


def test_the_platform_that_withholds_accounts_is_a_recipient() -> None:
    doc = _doc("The social network X has withheld in India the accounts of the news portal Kisan Vani after an order "
               "from the Ministry of Electronics.")
    assert {"X", "Kisan Vani"} <= _roles(doc, "recipient") and "block" in _kinds(doc)


@pytest.mark.parametrize("text", [
    "The editors cited a ruling of the Pervomaisky District Court of Bishkek. The site was blocked in Kyrgyzstan.",
    "Сайт «Жаңы Ай» заблокирован в Кыргызстане. Основанием стало требование Генеральной прокуратуры.",
])
def test_a_body_whose_ruling_or_demand_is_cited_is_a_sender(text: str) -> None:
    doc = _doc(text)
    assert [a for a in doc["actors"] if a["role"] == "sender" and a["kind"] in ("court", "law-enforcement")]


@pytest.mark.skipif(not _ner(), reason="natasha's NER weights are not installed")
@pytest.mark.parametrize(("text", "recipients"), [
    # a person in apposition to a press noun, an organisation the NER names that the rules do not
    ("Прокуратура вынесла предупреждение Бахтиёру Саидову, главному редактору газеты «Ровшан».",
     {"Бахтиёр Саидов"}),
    ("Сотрудники ГКНБ задержали девять сотрудников Ордо Медиа в Бишкеке.", {"Ордо Медиа"}),
])
def test_russian_ner_spans_are_candidates(text: str, recipients: set[str]) -> None:
    assert recipients <= _roles(_doc(text), "recipient")


def test_without_the_ner_the_rules_still_give_their_draft() -> None:
    from presswatch.reports import ner_ru

    text = "Сотрудники ГКНБ задержали девять сотрудников Ордо Медиа в Бишкеке."
    ner_ru.set_enabled(False)
    try:
        assert ner_ru.spans(["Ордо Медиа"]) is None
        doc = _doc(text)
    finally:
        ner_ru.set_enabled(None)
    assert "arrest" in _kinds(doc) and "Ордо Медиа" not in _roles(doc, "recipient")


def test_a_quoted_russian_name_a_verb_takes_is_an_outlet() -> None:
    doc = _doc("Агентство информации потребовало удалить заметку. «Бугун Хабар» удалил её в тот же день.")
    assert "Бугун Хабар" in _roles(doc, "recipient")


@pytest.mark.parametrize("text", [
    # sports and notices: blocked shots, players sent off with a warning, a site down for maintenance
    "Goalkeeper Daniyar Ospanov blocked 38 shots on Saturday as Barys beat Sibir.",
    "Защитник «Ордабасы» заблокировал удар в субботу и был удалён с поля после второго предупреждения.",
    "В субботу с 01:00 до 04:00 сайт будет недоступен: мы переезжаем на новый сервер.",
    "The website may be unavailable on Sunday night while we move to a new server.",
    "Defender Pavel Orlov was removed from the game on Saturday for a late check.",
    "Its filtering system blocks malicious traffic on Monday before it reaches the websites of clients.",
    "Старые комментарии под статьями будут удалены в понедельник при переходе на новую систему.",
])
def test_non_news_texts_give_nothing_not_even_dates(text: str) -> None:
    doc = _doc(text)
    assert doc["actions"] == [] and doc["claims"] == [] and doc["dates"] == [] and not _roles(doc, "sender")


@pytest.mark.parametrize("text", [
    "The outlet's lawyers said they plan to sue the ministry.",
    "Юристы издания готовят иск против министерства.",
    'The ministry said it "could" block sites that spread false news.',
])
def test_intents_and_powers_are_no_acts(text: str) -> None:
    assert not ({"lawsuit", "block"} & _kinds(_doc(text)))


def test_an_access_ban_is_a_block() -> None:
    doc = _doc("A criminal judgeship of peace in Ankara ordered an access ban on three reports by Deniz Haber.")
    assert _kinds(doc) == {"block"}


def test_the_judge_stands_for_the_court_and_the_body_that_enforces_a_ban_is_a_sender() -> None:
    doc = _doc("On 3 May the Ankara 2nd Criminal Judgeship of Peace received a petition from the governor's office. "
               "The judge told the news site Yeni Ses to delete the report. Two days later the Information and "
               "Communication Technologies Authority put the ban into effect across Turkey.")
    kinds = {a["kind"] for a in doc["actors"] if a["role"] == "sender"}
    assert {"court", "regulator"} <= kinds and {"demand-removal", "block"} <= _kinds(doc)
    assert doc["blocked_countries"] == ["TR"]


def test_the_one_a_court_acted_for_is_no_part_of_its_name() -> None:
    doc = _doc("Центральный районный суд Минска по представлению КГБ признал экстремистскими материалы сайта «Зорка».")
    senders = {a["name"]: a["kind"] for a in doc["actors"] if a["role"] == "sender"}
    assert senders.get("КГБ") == "law-enforcement" and "Центральный районный суд Минска" in senders


def test_a_communications_watchdog_is_a_regulator_a_press_freedom_watchdog_group_none() -> None:
    doc = _doc("Georgia's communications watchdog ordered the broadcaster Imedi Plus to remove the segment.")
    assert {(a["kind"], a["country"]) for a in doc["actors"] if a["role"] == "sender"} == {("regulator", "GE")}
    doc = _doc("A press freedom watchdog group said the blogger Ali Kerimov was detained by police in Baku.")
    assert all(a["kind"] != "regulator" for a in doc["actors"])


@pytest.mark.parametrize(("text", "sender", "recipient", "kind"), [
    ("Kazakhstan's Culture and Information Ministry ordered Vlast.kz to remove a report.",
     "Kazakhstan's Culture and Information Ministry", "vlast.kz", "demand-removal"),
    ("Officers of the Federal Security Service detained the freelance journalist Oleg Nurov.",
     "Federal Security Service", "Oleg Nurov", "arrest"),
    ("The Tashkent city hall asked the online magazine Shahar Ovozi to take down its photo essay.",
     "Tashkent city hall", "Shahar Ovozi", "demand-removal"),
    ("The Supreme Court of Uzbekistan upheld a ban on the daily Kechki Toshkent.",
     "Supreme Court of Uzbekistan", "Kechki Toshkent", "ban"),
    # a sentence full of names is no Title Case headline when it ends with a stop
    ("Radio Azattyk, RFE/RL's Kyrgyz Service, was blocked in Kyrgyzstan by the Ministry of Culture in October.",
     "Ministry of Culture", "Radio Azattyk", "block"),
    ("Агентство по делам печати Таджикистана лишило лицензии газету «Нигох».",
     "Агентство по делам печати Таджикистана", "Нигох", "ban"),
])
def test_bodies_and_outlets_named_in_other_ways(text: str, sender: str, recipient: str, kind: str) -> None:
    doc = _doc(text)
    assert sender in _roles(doc, "sender") and recipient in _roles(doc, "recipient") and kind in _kinds(doc)


@pytest.mark.skipif(not _ner(), reason="natasha's NER weights are not installed")
def test_a_state_body_the_ner_names_is_no_outlet() -> None:
    doc = _doc("Госкомитет национальной безопасности Кыргызстана задержал журналиста Кани Альгоева.")
    assert {a["kind"] for a in doc["actors"] if a["role"] == "sender"} == {"law-enforcement"}
    assert all(a["kind"] != "outlet" or a["role"] != "recipient" or "безопасност" not in a["name"]
               for a in doc["actors"])


def test_a_lifted_block_leaves_no_blocked_country() -> None:
    doc = _doc("The ministry blocked the news site Kel Media in Kyrgyzstan in March. On Monday the ministry lifted the "
               "block, and the site can be opened again without a VPN.")
    assert "block" in _kinds(doc) and doc["blocked_countries"] == []
    doc = _doc("Министерство заблокировало сайт «Кел Медиа» в Кыргызстане. Через месяц сайт разблокировали.")
    assert "block" in _kinds(doc) and doc["blocked_countries"] == []


def test_hearsay_the_report_denies_is_no_act() -> None:
    claim = "Several bloggers claimed that the ministry had ordered the news site Kel Media to delete the interview."
    doc = _doc(claim + " "
               "The ministry denied sending any request.")
    assert _kinds(doc) == set() and not _roles(doc, "sender")
    doc = _doc(claim)
    assert "demand-removal" in _kinds(doc)  # not denied: the claim is what the report has


@pytest.mark.parametrize(("text", "sender", "kind", "country"), [
    ("The video was taken down at the request of the State Committee for National Security.",
     "State Committee for National Security", "demand-removal", None),
    ("Статья была удалена по требованию прокуратуры Бишкека.", "прокуратуры Бишкека", "demand-removal", None),
    # a passive's agent in the instrumental case, the subject far from its participle
    ("Доступ к телеграм-каналу «Ала-Арча» ограничен Роскомнадзором по требованию Генпрокуратуры.",
     "Роскомнадзором", "block", "RU"),
])
def test_a_removal_or_block_done_at_someones_demand(text: str, sender: str, kind: str, country: str | None) -> None:
    doc = _doc(text)
    assert sender in _roles(doc, "sender") and kind in _kinds(doc)
    assert doc["blocked_countries"] == ([country] if country else [])


def test_inaccessible_in_a_country_is_blocked_there() -> None:
    doc = _doc("The website of the outlet Azattyk has been inaccessible in Kyrgyzstan since the ministry's order.")
    assert doc["blocked_countries"] == ["KG"]


def test_a_person_in_apposition_to_a_press_role_and_the_outlet_are_recipients() -> None:
    doc = _doc("The State Security Service of Azerbaijan arrested Ulvi Hasanli, director of Abzas Media, on 20 May.")
    assert {"Ulvi Hasanli", "Abzas Media"} <= _roles(doc, "recipient")


@pytest.mark.skipif(not _ner(), reason="natasha's NER weights are not installed")
def test_russian_editor_of_a_quoted_outlet_and_the_outlet_are_recipients() -> None:
    doc = _doc("Главного редактора «Клоопа» Рината Тухватшина вызвали в ГКНБ и предупредили об ответственности.")
    assert "Ринат Тухватшин" in _roles(doc, "recipient") and "warning" in _kinds(doc)
    assert any(n.startswith("Клооп") for n in _roles(doc, "recipient"))


def test_a_page_label_or_an_outlet_named_in_passing_is_not_the_reports_subject() -> None:
    doc = _doc("Breaking News\n\nThe editor Asel Nurova said the ministry had asked her to remove the video. "
               "A copy is still on the Kumtor Times website. However, the site has been blocked in Kazakhstan.")
    assert _roles(doc, "recipient") == {"Asel Nurova"} and doc["blocked_countries"] == ["KZ"]


def test_a_court_remanding_all_of_them_is_a_sender_and_everyone_it_names_a_recipient() -> None:
    doc = _doc("Police in Osh detained Aibek Tursunov, editor of the news site Osh Times, and two of its reporters, "
               "Nurlan Asanov and Elnura Kadyrova. On Sunday the Osh City Court remanded all three in custody.")
    assert {"Aibek Tursunov", "Nurlan Asanov", "Elnura Kadyrova"} <= _roles(doc, "recipient")
    assert {a["kind"] for a in doc["actors"] if a["role"] == "sender"} == {"law-enforcement", "court"}


def test_a_court_that_grants_a_request_acts_and_the_one_who_asked_is_a_sender_too() -> None:
    doc = _doc("A district court in Almaty granted a request by the city prosecutor's office to restrict access in "
               "Kazakhstan to the news site Dala Times.")
    assert {a["kind"] for a in doc["actors"] if a["role"] == "sender"} == {"court", "law-enforcement"}
    acts = [a for a in doc["actions"] if a["kind"] == "block"]
    assert acts and acts[0]["by"] == "district court in Almaty"


def test_the_outlet_whose_videos_a_platform_is_asked_to_delete_is_a_recipient() -> None:
    doc = _doc("The regulator sent YouTube a demand to delete nine videos published by the exiled channel Rain TV.")
    assert {"YouTube", "Rain TV"} <= _roles(doc, "recipient")


def test_a_broadcast_correction_is_an_edit_and_a_body_that_applied_to_the_court_a_sender() -> None:
    doc = _doc("Georgia's Communications Commission instructed the broadcaster Kanal 7 to air a correction.")
    assert "demand-edit" in _kinds(doc) and "Kanal 7" in _roles(doc, "recipient")
    doc = _doc("Суд признал экстремистскими материалы сайта «Гомель Сегодня». Заявление в суд подало управление по "
               "противодействию организованной преступности МВД.")
    assert any(a["kind"] == "law-enforcement" and a["role"] == "sender" for a in doc["actors"])


def test_an_outlets_domain_right_after_its_name_is_the_same_outlet() -> None:
    doc = _doc("Роскомнадзор ограничил доступ к сайту издания «Северный край» sevkrai.ru в пятницу.")
    outlets = [a for a in doc["actors"] if a["kind"] == "outlet"]
    assert len(outlets) == 1 and outlets[0]["domain"] == "sevkrai.ru" and outlets[0]["role"] == "recipient"


def test_a_guessed_outlet_named_again_by_its_trigger_noun_is_the_reports_subject() -> None:
    doc = _doc("«Бугун» опубликовала опровержение\n\nГазета «Бугун» во вторник опубликовала опровержение. Днём ранее "
               "агентство направило в редакцию письмо, в котором потребовало исправить сведения. Заместитель главного "
               "редактора Шухрат Нуриев сказал, что ошибка была в одной цифре.")
    assert _roles(doc, "recipient") == {"Бугун"}


@pytest.mark.parametrize(("text", "day"), [
    ("The ministry blocked the news site Kel Times in Kyrgyzstan on Oct. 2.", "2025-10-02"),
    ("Министерство заблокировало сайт «Кел Таймс» в Кыргызстане 3-го октября.", "2025-10-03"),
    ("Министерство заблокировало сайт «Кел Таймс» в Кыргызстане позавчера.", "2026-05-18"),
    ("The ministry blocked the news site Kel Times in Kyrgyzstan two days ago.", "2026-05-18"),
])
def test_abbreviated_months_ordinals_and_the_day_before_yesterday(text: str, day: str) -> None:
    doc = _doc(text)
    assert doc["dates"] == [day] and "block" in _kinds(doc)


@pytest.mark.parametrize(("text", "kind", "recipient"), [
    ("The Uzbek authorities forced the news site Kun Post to take the video down.", "demand-removal", "Kun Post"),
    ("The outlet Kloop was pressured into deleting the piece by the State Committee for National Security.",
     "demand-removal", "Kloop"),
    ("The news site Vesti Ordo received a takedown notice from the Ministry of Culture.", "demand-removal",
     "Vesti Ordo"),
    ("Access to the news site Aq Kabar was throttled in Turkmenistan.", "block", "Aq Kabar"),
    ("The licence of the newspaper Aq Kabar was suspended for three months by the Ministry of Information.", "other",
     "Aq Kabar"),
    ("The broadcaster Aq Tolkyn TV was taken off the air by the National Broadcasting Commission.", "ban",
     "Aq Tolkyn TV"),
    ("Редакцию издания «Клооп» вынудили снять материал.", "demand-removal", "Клооп"),
    ("Министерство культуры обязало провайдеров закрыть доступ к сайту «Ак Кабар».", "block", "Ак Кабар"),
    # «статью издания «X»»: the quotes name the outlet, not the article
    ("Роскомнадзор потребовал от Google удалить ссылки на статью издания «Вёрстка».", "demand-removal", "Вёрстка"),
])
def test_more_ways_to_say_it(text: str, kind: str, recipient: str) -> None:
    doc = _doc(text)
    assert kind in _kinds(doc) and recipient in _roles(doc, "recipient")


def test_unreachable_but_through_a_vpn_is_a_block_in_the_country_of_the_city() -> None:
    doc = _doc("By Wednesday the news site Pulse Daily had become unreachable for users in Khujand, who could open it "
               "only through a VPN.")
    assert "block" in _kinds(doc) and doc["blocked_countries"] == ["TJ"]


@pytest.mark.parametrize(("text", "kinds"), [
    ("Удалить со своего сайта статью о закупках потребовала от газеты «Южный курьер» прокуратура Шымкента.",
     {"demand-removal"}),
    ("Прокуратура уведомила редакцию газеты «Южный курьер» о возможном привлечении к ответственности.", {"warning"}),
    ("The prosecutor's office notified the editors of the site Dala Times of possible prosecution.", {"warning"}),
])
def test_inverted_demands_and_notices_of_liability(text: str, kinds: set[str]) -> None:
    doc = _doc(text)
    assert kinds <= _kinds(doc) and _roles(doc, "sender") and _roles(doc, "recipient")


@pytest.mark.parametrize(("text", "kind"), [
    ("Georgia's Communications Commission fined the broadcaster Sary TV 20,000 lari over a talk show.", "other"),
    ("Суд оштрафовал телеканал «Сары ТВ» на 200 тысяч сомов за ток-шоу.", "other"),
    ("On 5 May the ministry refers the case to prosecutors after the site Kel Times refuses.", "referral-prosecutor"),
    ("A court in Osh sentenced the blogger Ulan Toktorov to fifteen days of administrative arrest.", "arrest"),
])
def test_fines_present_tense_referrals_and_short_arrests(text: str, kind: str) -> None:
    assert kind in _kinds(_doc(text))


def test_a_fine_needs_someone_of_the_press() -> None:
    assert _kinds(_doc("The traffic police fined 300 drivers for speeding on Saturday.")) == set()


def test_police_that_detain_bloggers_act_but_detained_journalists_are_no_act() -> None:
    doc = _doc("Police on Wednesday detained bloggers Sardor Rakhimov and Aziza Yusupova in Samarkand.")
    assert "arrest" in _kinds(doc) and {"Sardor Rakhimov", "Aziza Yusupova"} <= _roles(doc, "recipient")
    assert _kinds(_doc("Relatives of the detained journalists gathered outside the court.")) == set()
    assert _kinds(_doc("Azerbaijan blocks news sites after reports on detained journalists")) == {"block"}


@pytest.mark.parametrize(("text", "kind"), [
    ("On April 8 we received a written instruction from the Prosecutor's Office of Osh Region to remove our "
     "investigation.", "demand-removal"),
    ("Tbilisi City Court upheld a fine imposed on the broadcaster Formula Nine by the Communications Commission.",
     "other"),
])
def test_an_instruction_from_a_body_to_remove_and_a_fine_imposed_on(text: str, kind: str) -> None:
    doc = _doc(text)
    assert kind in _kinds(doc) and _roles(doc, "sender")


@pytest.mark.parametrize("text", [
    "Редактор сказал, что редакция удалила интервью, «чтобы избежать блокировки».",
    "Если у вас не открываются уведомления, удалите приложение и установите его заново.",
    "The outlet removed the post to avoid a block of its website.",
])
def test_an_act_to_be_avoided_or_under_a_condition_is_none(text: str) -> None:
    assert "block" not in _kinds(_doc(text))


def test_news_without_an_act_or_a_claim_dates_nothing_nor_does_a_match_report() -> None:
    doc = _doc("Kazakhstan's Ministry of Culture said on Thursday that it had never asked the channel Alash TV to "
               "drop its show. The final episode aired on 12 May.")
    assert doc["actions"] == [] and doc["dates"] == []
    assert _doc("Barys beat Sibir 3-2 on Thursday; the final is on 12 May.")["dates"] == []
    doc = _doc("The news site Alash Kuni could not be opened in Kazakhstan on 12 May, its readers said.")
    assert doc["claims"] and doc["dates"] == ["2026-05-12"]


@pytest.mark.skipif(not _ner(), reason="natasha's NER weights are not installed")
def test_russian_people_by_a_later_press_role_and_by_a_police_report() -> None:
    doc = _doc("Суд приговорил Павла Серебрякова, которого следствие считает администратором телеграм-канала "
               "«Гродно онлайн», к пяти годам колонии.")
    assert "Павел Серебряков" in _roles(doc, "recipient")
    doc = _doc("Суд оштрафовал блогера Айдоса Жумагалиева и обязал удалить пост. Протокол на блогера составила "
               "полиция Актобе.")
    assert {"court", "law-enforcement"} <= {a["kind"] for a in doc["actors"] if a["role"] == "sender"}
    doc = _doc("Главный редактор еженедельника «Новая неделя» Тимуру Ахметову вручили представление прокуратуры с "
               "требованием опубликовать опровержение.")
    assert "Новая неделя" in _roles(doc, "recipient")


@pytest.mark.parametrize(("text", "kind"), [
    ("- 30 June: the website of the outlet Toplum Haber stops opening in Azerbaijan.", "block"),
    ("The ministry listed the site Toplum Haber among \"restricted resources\".", "block"),
    ("Prosecutors sought the closure of the newspaper Aq Zhol.", "ban"),
    ("Прокуратура обратилась в суд с иском о прекращении деятельности интернет-издания «Бишкек Обзор».", "ban"),
])
def test_present_tense_timelines_registers_and_closures(text: str, kind: str) -> None:
    assert kind in _kinds(_doc(text))


@pytest.mark.parametrize("text", [
    "The court ordered the liquidation of the construction firm Nur Stroy.",
    "Мэрия закрыла дорогу на ремонт до понедельника.",
])
def test_closures_of_what_is_no_press_are_none(text: str) -> None:
    assert "ban" not in _kinds(_doc(text))


def test_the_outlets_director_in_apposition_is_a_recipient() -> None:
    doc = _doc("The Khazar District Court ordered the pre-trial detention of the outlet's director, Elnur Samedov.")
    assert "Elnur Samedov" in _roles(doc, "recipient")


def test_a_charge_named_in_quotes_is_no_ban_and_feminine_press_nouns_name_journalists() -> None:
    doc = _doc("Фотокорреспондентка Алеся Кравец отбыла 15 суток ареста за «распространение экстремистских "
               "материалов».")
    assert _kinds(doc) == {"arrest"} and "Алеся Кравец" in _roles(doc, "recipient")


def test_a_report_called_fake_is_no_demand() -> None:
    doc = _doc("Министерство назвало «фейком» сообщения о том, что ведомство потребовало от издания Vlast.kz удалить "
               "статью.")
    assert _kinds(doc) == set()


def _senders(doc: dict) -> list[tuple[str, str, str | None]]:
    return [(a["name"], a["kind"], a["country"]) for a in doc["actors"] if a["role"] == "sender"]


@pytest.mark.parametrize(("text", "full"), [
    # an abbreviation the gazetteer knows, beside the full name
    ("Сотрудники Главного управления внутренних дел города Самарканда задержали блогера Фаррух Каримова, "
     "автора Telegram-канала «Самарканд сегодня». Позже его доставили в здание ГУВД и потребовали удалить пост.",
     "управления внутренних дел города Самарканда"),
    ("Министерство культуры и информации Республики Казахстан потребовало от портала «Дала ньюс» удалить "
     "статью. Мининформ Казахстана также вынес порталу «Дала ньюс» предупреждение.",
     "Министерство культуры и информации Республики Казахстан"),
    # a name inside the fuller one
    ("Управление Роскомнадзора по Сибирскому федеральному округу вынесло предупреждение порталу «Томск Online». "
     "Позже Роскомнадзор потребовал удалить статью с портала «Томск Online».",
     "Управление Роскомнадзора по Сибирскому федеральному округу"),
    # a short form of a national security committee
    ("Officers of Kyrgyzstan's State Committee for National Security (GKNB) detained journalist Aibek Osmonov "
     "of the news site Zaman Kg. A day later the Kyrgyz security service warned Zaman Kg over its reporting.",
     "Kyrgyzstan's State Committee for National Security (GKNB)"),
    # a head noun with a place beside the named court
    ("The Sabail District Court ordered the news site Baku Khabar to delete the article. The district court in "
     "Baku also fined reporter Leyla Mammadova over the story.", "Sabail District Court"),
])
def test_a_short_form_beside_the_full_name_is_one_sender(text: str, full: str) -> None:
    doc = _doc(text)
    senders = _senders(doc)
    assert [n for n, _, _ in senders] == [full]
    assert {a["by"] for a in doc["actions"]} <= {full, None}


def test_the_merged_short_forms_stay_as_evidence_outside_the_json() -> None:
    text = ("Управление Роскомнадзора по Сибирскому федеральному округу вынесло предупреждение порталу "
            "«Томск Online». Позже Роскомнадзор потребовал удалить статью с портала «Томск Online».")
    draft = extract(text, report_date=BASE)
    full = next(a for a in draft.actors if a.role == "sender")
    assert full.kind == "regulator"  # the regulator's kind, not a department's
    assert [name for name, _ in full.merged] == ["Роскомнадзор"]
    assert "merged" not in full.as_dict()


def _body(name: str, kind: str = "court") -> Actor:
    return Actor(name, kind, "AZ", Quote(name, 0, len(name)), 0.8, role="sender", key=_name_key(name))


def test_a_bare_court_beside_two_named_courts_stays_apart() -> None:
    bare, sabail, nasimi = _body("court"), _body("Sabail District Court"), _body("Nasimi District Court")
    pairs = _coreferent({a.key: a for a in (bare, sabail, nasimi)}, [])
    assert pairs == []
    assert _coreferent({a.key: a for a in (bare, sabail)}, []) == [(bare, sabail)]


def test_two_bodies_named_side_by_side_stay_two() -> None:
    rkn, office = _body("Роскомнадзор", "regulator"), _body("Управление Роскомнадзора по Уралу", "government")
    role_of = {a.key: a for a in (rkn, office)}
    assert _coreferent(role_of, [[(0, 0, rkn), (2, 6, office)]]) == []
    assert _coreferent(role_of, [[(0, 0, rkn)], [(0, 4, office)]]) == [(rkn, office)]


@pytest.mark.parametrize("text", [
    "X withheld posts by Punjab-based journalist Amrit Singh after the ministry ordered the platform to block them.",
    "X withheld the posts of Punjabi journalist Amrit Singh in Punjab after the ministry ordered it to block them.",
])
def test_a_nationality_or_place_adjective_is_no_recipient(text: str) -> None:
    recipients = _roles(_doc(text), "recipient")
    assert recipients and not recipients & {"Punjab-based", "Punjabi"}


@pytest.mark.parametrize("text", [
    "Депутаты приняли законопроект, позволяющий блокировать сайты без решения суда.",
    "Депутаты одобрили поправки, которые позволят министерству блокировать новостные сайты.",
    "Депутаты одобрили поправки, которые могут позволить министерству блокировать новостные сайты.",
    "Lawmakers passed a bill that would allow the ministry to block news sites in Kyrgyzstan.",
    "A spokesperson declined to say whether the ministry could now move to block the site Tan Kabar.",
    "Сейчас для блокировки сайта в Казахстане требуется решение суда.",
])
def test_a_power_a_law_would_give_blocks_nothing(text: str) -> None:
    doc = _doc(text)
    assert "block" not in _kinds(doc)
    assert doc["blocked_countries"] == []


def test_a_body_named_with_without_is_no_sender() -> None:
    doc = _doc("The ministry ordered the news site Tan Kabar to delete the article without a court ruling.")
    names = {n for n, _, _ in _senders(doc)}
    assert "court" not in names and not any("court" in n for n in names)


def test_the_ner_setting_is_passed_to_the_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    from presswatch.reports import ner_ru
    from presswatch.settings import Settings

    called: list[int] = []
    monkeypatch.setattr(ner_ru, "spans", lambda sentences: called.append(len(sentences)) or None)
    text = "Прокуратура потребовала от редакции «Ордо Медиа» удалить статью."
    extract(text, language="ru", ner=False)
    assert called == []
    extract(text, language="ru")
    assert called == [1]
    monkeypatch.setenv("PRESSWATCH_NER", "0")
    assert Settings().ner is False


@pytest.mark.parametrize(("text", "dates"), [
    ("BISHKEK, 20 May — The ministry ordered the news site Tan Kabar to delete an article on 18 May.",
     ["2026-05-18"]),
    ("АЛМАТЫ, 20 мая.\n\nМинистерство 18 мая потребовало от редакции «Жол» удалить статью.", ["2026-05-18"]),
    ("Statement by the Central Asian Media Network, 20 May 2026\n\nThe ministry blocked the site Tan Kabar "
     "on 18 May.", ["2026-05-18"]),
])
def test_the_reports_own_dateline_or_byline_is_no_date_of_an_act(text: str, dates: list[str]) -> None:
    assert _doc(text)["dates"] == dates


def test_a_heading_with_a_ruling_date_keeps_it() -> None:
    doc = _doc("Решение: Кировский районный суд, 19 мая 2026 года\n\nСуд признал материалы сайта «Жол» "
               "экстремистскими.")
    assert "2026-05-19" in doc["dates"]


@pytest.mark.parametrize(("text", "day"), [
    ("The ministry blocked the site Tan Kabar last Wednesday.", "2026-05-13"),
    ("Роскомнадзор заблокировал сайт издания «Жол» в прошлую среду.", "2026-05-13"),
    ("The ministry blocked the site Tan Kabar on Wednesday.", "2026-05-20"),
])
def test_last_weekday_on_that_very_weekday_is_a_week_back(text: str, day: str) -> None:
    assert _doc(text)["dates"] == [day]


def test_the_next_day_followed_by_its_date_adds_no_second_day() -> None:
    doc = _doc("Министерство 11 мая потребовало от редакции «Жол» удалить статью. На следующий день, 13 мая, "
               "редакция изменила заголовок.")
    assert doc["dates"] == ["2026-05-11", "2026-05-13"]


def test_the_next_morning_counts_from_the_last_date() -> None:
    doc = _doc("The regulator blocked the site Tan Kabar on 9 May. By the next morning the portal Kun Info "
               "was blocked too.")
    assert doc["dates"] == ["2026-05-09", "2026-05-10"]


@pytest.mark.parametrize("text", [
    "Thai banks have blocked more than 48,000 accounts used by scam call centres, and around 2,300 account "
    "holders, among them several bank employees, have since been arrested, police said.",
    "A city court on Thursday upheld a ban on an open-air concert after the stage failed safety checks. "
    "One of the bands wrote on its social media pages that it understood. The organisers refused to cancel.",
    "Суд в Батуми запретил музыкальный фестиваль на пляже. Организаторы отказались его переносить.",
    "Министерство ввело запрет на вылов рыбы, материалы по 17 случаям браконьерства направлены в прокуратуру.",
])
def test_a_text_naming_nothing_of_the_press_reports_no_act(text: str) -> None:
    doc = _doc(text)
    assert doc["actions"] == [] and _roles(doc, "sender") == set()
    assert doc["outcome"] == "unknown"


def test_a_press_word_keeps_the_act() -> None:
    doc = _doc("A city court on Thursday upheld a ban on the newspaper Tan Kabar.")
    assert "ban" in _kinds(doc)


def test_a_description_of_the_one_named_regulator_is_that_regulator() -> None:
    doc = _doc("CAIRO — Egypt's media regulator has blocked the news site Masr Now. The Supreme Council for Media "
               "Regulation also referred the site's editor to prosecutors.")
    assert [n for n, _, _ in _senders(doc)] == ["Supreme Council for Media Regulation"]


def test_a_headlines_abbreviation_is_the_body_it_later_stands_for() -> None:
    doc = _doc("RTÜK fines Kanal Ufuk over a talk show\n\nTurkey's broadcasting watchdog on Wednesday fined the "
               "channel Kanal Ufuk. The Radio and Television Supreme Council (RTÜK) said the programme had "
               "incited hatred.")
    assert [n for n, _, _ in _senders(doc)] == ["Radio and Television Supreme Council"]


def test_an_abbreviation_of_a_body_attached_to_another_is_that_body() -> None:
    doc = _doc("Агентство информации и массовых коммуникаций при Администрации Президента Узбекистана "
               "потребовало от издания «Пойтахт Ньюс» удалить статью. АИМК также потребовало изменить заголовок.")
    assert len(_senders(doc)) == 1


@pytest.mark.parametrize("text", [
    "If a publication is not removed, the commission could ask internet providers to restrict access to the site.",
    "Media groups asked the government to require prior court approval for any block of a news site.",
    "Юристы требуют, чтобы для любой блокировки сайта издания требовалось решение суда.",
])
def test_a_conditional_power_or_any_act_in_general_is_no_act(text: str) -> None:
    doc = _doc(text)
    assert "block" not in _kinds(doc) and doc["blocked_countries"] == []


def test_a_block_done_is_still_a_block_beside_a_modal_far_before() -> None:
    doc = _doc("The outlet said it could not confirm the reason, but the regulator blocked the news site Tan Kabar "
               "on 12 May.")
    assert "block" in _kinds(doc)


@pytest.mark.parametrize(("text", "country"), [
    ("Officers of the State Committee for National Security (GKNB) detained the reporter Aziz Nazarov of the "
     "outlet Sado News in Khujand.", "TJ"),
    ("Сотрудники Государственного комитета национальной безопасности (ГКНБ) задержали в Душанбе журналиста "
     "издания «Садо Ньюс» Азиза Назарова.", "TJ"),
    ("Officers of the State Committee for National Security (GKNB) detained the reporter Nurbek Sadykov of the "
     "outlet Ala News in Bishkek.", "KG"),
    # no place in the sentence: the one of its countries the report names (not the other country it names more)
    ("Сотрудники ГКНБ задержали журналиста издания «Садо Ньюс» Азиза Назарова. Ранее в Ашхабаде и Мары "
     "задерживали блогеров. Суд Худжанда продлил арест.", "TJ"),
])
def test_an_abbreviation_several_countries_share_takes_the_country_the_report_names(text: str, country: str) -> None:
    doc = _doc(text)
    assert [c for n, _, c in _senders(doc) if "Суд" not in n] == [country]


@pytest.mark.parametrize("text", [
    "В Молдове заблокирован доступ к новостному сайту «Бессарабия Daily».",
    "В Кишинёве заблокирован доступ к новостному сайту «Бессарабия Daily».",
    "Access to the news site Bessarabia Daily has been restricted in Chisinau.",
])
def test_moldova_is_named_in_both_languages(text: str) -> None:
    assert _doc(text)["blocked_countries"] == ["MD"]


@pytest.mark.parametrize(("text", "kind"), [
    ("The regulator suspended the licence of the broadcaster Ala TV for a month.", "other"),
    ("The media authority told the outlet Nur Times that its licence was suspended until further notice.", "other"),
    ("The press board suspended the daily Kun Gazette over its front page.", "other"),
    ("Совет по телерадиовещанию приостановил на месяц лицензию телеканала «Ала ТВ».", "other"),
    ("У телеканала «Ала ТВ» приостановлена лицензия.", "other"),
    ("The regulator revoked the licence of the broadcaster Ala TV.", "ban"),
    ("Совет по телерадиовещанию отозвал лицензию телеканала «Ала ТВ».", "ban"),
])
def test_a_suspension_is_an_act_of_its_own_and_a_revocation_a_ban(text: str, kind: str) -> None:
    kinds = _kinds(_doc(text))
    assert kind in kinds and ({"ban", "other"} - {kind}).isdisjoint(kinds)


@pytest.mark.parametrize("text", [
    "Управление Роскомнадзора вынесло предупреждение изданию «Волжский вестник»: в статье упоминалась "
    "организация, признанная в России экстремистской.",
    "The regulator warned the outlet Volga Herald because its article mentioned an organisation designated as "
    "extremist without the required label.",
    "Полиция задержала журналиста издания «Волжский вестник»; ему вменяется содействие экстремистской "
    "деятельности.",
])
def test_a_ban_named_in_passing_or_a_charge_is_no_ban(text: str) -> None:
    assert "ban" not in _kinds(_doc(text))


@pytest.mark.parametrize("text", [
    "Media groups called on the government to withdraw the draft that targets the news site Kun Post.",
    "Юристы издания «Кун Пост» потребовали снять обвинения с редактора.",
])
def test_withdrawing_a_draft_or_charges_is_no_removal_demand(text: str) -> None:
    assert "demand-removal" not in _kinds(_doc(text))


@pytest.mark.parametrize("text", [
    "The amendments, which the committee will debate later this month, also introduce fines for outlets such as "
    "the news site Kun Post that fail to comply.",
    "Юристы отмечают, что законодательство позволяет агентству направлять изданиям вроде «Кун Пост» требования "
    "об удалении информации, а в случае отказа — обращаться к операторам связи для ограничения доступа.",
])
def test_what_a_law_provides_is_no_act(text: str) -> None:
    assert _kinds(_doc(text)) == set()


def test_under_threat_of_a_block_is_no_block() -> None:
    doc = _doc("Министерство потребовало от издания «Кун Пост» удалить статью под угрозой блокировки сайта.")
    assert _kinds(doc) == {"demand-removal"}


@pytest.mark.parametrize("text", [
    "Агентство опровергло сообщения о том, что оно якобы направило изданию «Кун Пост» требование удалить статью. "
    "В понедельник анонимные каналы опубликовали скриншот письма, в котором изданию предлагалось удалить статью.",
    "The agency denied reports that it had ordered the news site Kun Post to delete the story. On Monday anonymous "
    "channels posted a screenshot of a letter in which the site was asked to delete the story.",
])
def test_a_denied_rumour_retold_is_no_act(text: str) -> None:
    assert _kinds(_doc(text)) == set()


def test_an_act_done_by_a_named_body_stands_beside_a_denied_rumour() -> None:
    doc = _doc("The agency denied reports that it had ordered the news site Kun Post to delete the story. "
               "On Monday the Ministry of Information ordered the news site Kun Post to delete the story.")
    assert _kinds(doc) == {"demand-removal"}



def test_a_report_with_no_act_and_no_claim_dates_nothing() -> None:
    doc = _doc("The Ministry of Information on 12 May held a round table with the editors of the news site Kun Post "
               "on the new media law.")
    assert doc["actions"] == [] and doc["dates"] == []


@pytest.mark.parametrize(("text", "name"), [
    ("Совет по аудиовизуалу приостановил лицензию телеканала «Север ТВ».", "Совет по аудиовизуалу"),
    ("Национальный совет по телевидению и радиовещанию вынес предупреждение телеканалу «Север ТВ».",
     "Национальный совет по телевидению и радиовещанию"),
])
def test_a_broadcasting_council_is_a_regulator(text: str, name: str) -> None:
    assert [(n, k) for n, k, _ in _senders(_doc(text))] == [(name, "regulator")]


def test_a_street_is_no_journalist() -> None:
    doc = _doc("TBILISI — A reporter for the online outlet Tbilisi Now was fined by a Tbilisi court on Saturday, a "
               "day after she was detained while filming a protest on Rustaveli Avenue, in what journalists' groups "
               "called the latest case of police targeting the media.")
    assert "Rustaveli Avenue" not in {a["name"] for a in doc["actors"]} and "Tbilisi Now" in _roles(doc, "recipient")


@pytest.mark.parametrize("text", [
    "The media council referred the editor of the news site Masr Daily, Omar Said, to the Public Prosecution.",
    "Regulator blocks news site Masr Daily, refers its editor to prosecutors",
    "The ministry sent the materials on the news site Masr Daily to the prosecutor's office.",
])
def test_a_referral_to_the_prosecution_in_any_tense(text: str) -> None:
    assert "referral-prosecutor" in _kinds(_doc(text))


@pytest.mark.parametrize(("text", "kind"), [
    ("On 10 February the contractor Kok Su filed a civil suit against the newspaper Dala Kuni.", "lawsuit"),
    ("The company asked the Medeu District Court to oblige the newspaper Dala Kuni to publish a refutation.",
     "demand-edit"),
    ("The Medeu District Court ordered the newspaper Dala Kuni to print a correction within ten days.", "demand-edit"),
])
def test_a_suit_with_its_adjectives_and_a_refutation_demanded(text: str, kind: str) -> None:
    assert kind in _kinds(_doc(text))
