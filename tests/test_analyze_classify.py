"""Classification of checks on a small hand-written news site: every status and reason, churn, A/B, traps."""

from __future__ import annotations

import json
import random

import pytest

from presswatch.analyze import (
    Classification,
    PageFacts,
    Prior,
    SiteProfile,
    classify,
    extract,
    learn_profile,
    probe_urls,
)

HOST = "https://daily.example"
URL = f"{HOST}/news/2026/05/council-approves-budget"
TITLE = "Council approves budget after marathon session"
PARAS = [
    "The city council approved next year's budget late on Tuesday after a session that lasted more than "
    "eleven hours and saw tempers flare over school funding.",
    "The spending plan, worth 412 million, increases money for road repairs and keeps the public library "
    "open on Sundays, a promise the mayor made during last autumn's campaign.",
    "Opposition members argued that the plan relies on optimistic tax forecasts and leaves too little in "
    "reserve for emergencies such as floods or a sudden drop in revenue.",
    "Teachers gathered outside the council building throughout the evening, holding signs that called for "
    "smaller classes and for repairs to the heating in several older schools.",
    "The finance committee chair said the council had listened to residents and found savings in the "
    "administration budget by merging two departments and renegotiating leases.",
    "A final amendment that would have moved funds from the parking department to youth centres was "
    "rejected by a narrow margin just before midnight.",
    "The budget now goes to the regional authority, which has thirty days to raise objections before it "
    "takes effect at the start of the financial year.",
]
OTHER_TITLE = "Harbour festival draws record crowds to the waterfront"
OTHER_PARAS = [
    "Tens of thousands of visitors filled the waterfront over the weekend for the harbour festival, which "
    "organisers said was the busiest in its forty year history.",
    "Tall ships from six countries were open to the public, and queues for the lighthouse tours stretched "
    "along the promenade for most of Saturday afternoon.",
    "Local restaurants reported selling out of fish soup by early evening, and several food stalls had to "
    "close early after running out of supplies.",
    "The festival ended with fireworks over the water, watched by crowds that packed the old stone pier and "
    "the hills above the harbour until late at night.",
]
MOST_READ = [
    "Mayor opens new tram line to the airport",
    "Storm warning issued for the northern coast",
    "Local bakery wins national bread prize",
    "Football club appoints former player as coach",
    "University announces free evening classes",
    "Museum reopens after two years of repairs",
    "River clean-up volunteers collect tonnes of rubbish",
]


def chrome(title: str, content: str, *, seed: int = 0, clock: str = "10:45", extra_head: str = "") -> bytes:
    """A page of the fictional site: header with clock, nav, the content, a rotating sidebar, footer."""
    rng = random.Random(seed)
    most = MOST_READ[:]
    rng.shuffle(most)
    utm = f"?utm_source=nl{seed}" if seed else ""
    sidebar = "".join(f"<li><a href='/news/{i}{utm}'>{h}</a></li>" for i, h in enumerate(most[:5]))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | The Daily Example</title>
<meta property="og:site_name" content="The Daily Example">{extra_head}
<script>var pageId = {1000 + seed}; var adSlot = 'ad-{seed}';</script></head><body>
<header class="site-header"><a href="/{utm}">The Daily Example</a> <span class="clock">Updated {clock}</span>
<nav><ul><li><a href="/news/">News</a></li><li><a href="/politics/">Politics</a></li>
<li><a href="/business/">Business</a></li><li><a href="/sport/">Sport</a></li>
<li><a href="/culture/">Culture</a></li>
</ul></nav></header>
<div class="layout"><main id="content">{content}</main>
<aside class="most-read"><h3>Most read</h3><ol>{sidebar}</ol></aside>
<div id="ad-{seed}-banner" class="ad">Advertisement</div></div>
<footer><p>Copyright 2026 The Daily Example. All rights reserved.</p>
<p><a href="/contact">Contact us</a> <a href="/privacy">Privacy policy</a>
<a href="/terms">Terms of use</a></p>
</footer></body></html>""".encode()


def article(title: str = TITLE, paras: list[str] = PARAS, **kw: object) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    content = f"<article><h1>{title}</h1><p class='byline'>By Ann Writer</p>{body}</article>"
    return chrome(title, content, **kw)  # type: ignore[arg-type]


def notice_page(text: str, title: str = TITLE) -> bytes:
    return chrome(title, f"<div class='notice'><p>{text}</p></div>")


def not_found_page(url: str, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    path = url.split("daily.example", 1)[-1]
    picks = rng.sample(MOST_READ, 3)
    links = "".join(f"<li><a href='/n/{rng.randrange(999)}'>{h}</a></li>" for h in picks)
    content = (
        f"<h1>Oops!</h1><p>There is nothing at {path}. Try the search box or browse our latest stories.</p>"
        f"<ul>{links}</ul>"
    )
    return chrome("The Daily Example", content, seed=seed)


def home_page() -> bytes:
    items = "".join(f"<li><a href='/news/{i}'>{h}</a></li>" for i, h in enumerate(MOST_READ))
    return chrome("The Daily Example", f"<h2>Top stories</h2><ul>{items}</ul>")


def facts(body: bytes | None, status: int | None = 200, final: str | None = None, **kw: object) -> PageFacts:
    final = final or URL
    return PageFacts(
        url=URL,
        final_url=final,
        http_status=status,
        headers={"content-type": "text/html; charset=utf-8"},
        body=body,
        redirects=(URL,) if final != URL else (),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def base_ex():  # type: ignore[no-untyped-def]
    return extract(article(), URL)


@pytest.fixture(scope="module")
def prior(base_ex) -> Prior:  # type: ignore[no-untyped-def]
    return Prior.from_extracted(base_ex)


@pytest.fixture(scope="module")
def profile() -> SiteProfile:
    probes = [
        facts(not_found_page(u, seed=i + 1), final=u) for i, u in enumerate(probe_urls(URL, random.Random(1)))
    ]
    probes = [PageFacts(p.final_url or "", p.final_url, 200, p.headers, p.body) for p in probes]
    home = PageFacts(HOST + "/", HOST + "/", 200, {}, home_page())
    return learn_profile(home, probes)


def check(f: PageFacts, prior: Prior | None, profile: SiteProfile | None) -> Classification:
    return classify(f, None, prior, profile)


def sr(c: Classification) -> tuple[str, str | None]:
    return c.status, c.reason


# ------------------------------------------------------------------------------------------- healthy pages
def test_new_then_unchanged(prior: Prior, profile: SiteProfile) -> None:
    assert sr(check(facts(article()), None, profile)) == ("new", None)
    assert sr(check(facts(article()), None, None)) == ("new", None)
    assert sr(check(facts(article()), prior, profile)) == ("unchanged", None)


def test_not_modified_is_unchanged(prior: Prior) -> None:
    assert sr(check(facts(None, 304, not_modified=True), prior, None)) == ("unchanged", None)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_boilerplate_churn_is_unchanged(prior: Prior, profile: SiteProfile, seed: int) -> None:
    churned = article(seed=seed, clock=f"{seed + 10}:{seed * 7:02d}")
    assert churned != article()
    c = check(facts(churned), prior, profile)
    assert sr(c) == ("unchanged", None), c.details


def test_tracking_parameters_in_final_url_are_not_a_redirect(prior: Prior) -> None:
    assert sr(check(facts(article(), final=URL + "?utm_source=x"), prior, None)) == ("unchanged", None)
    https_www = URL.replace("https://", "https://www.")
    assert sr(check(facts(article(), final=https_www), prior, None)) == ("unchanged", None)


def test_paragraph_added_is_edited_with_diff(prior: Prior, profile: SiteProfile) -> None:
    paras = [*PARAS[:3], "Update: the mayor said on Wednesday she would sign the budget.", *PARAS[3:]]
    c = check(facts(article(paras=paras)), prior, profile)
    assert sr(c) == ("edited", None)
    assert c.diff is not None
    d = c.diff.as_dict()
    assert (d["paragraphs_added"], d["paragraphs_removed"], d["title_changed"]) == (1, 0, False)
    assert d["words_added"] == 11 and d["words_removed"] == 0


def test_headline_changed_and_paragraph_removed_is_edited(prior: Prior, profile: SiteProfile) -> None:
    c = check(facts(article(title="Council passes budget amid protests", paras=PARAS[:-1])), prior, profile)
    assert sr(c) == ("edited", None)
    assert c.diff is not None and c.diff.title_changed and c.diff.paragraphs_removed == 1


def test_heavy_cut_with_same_headline_is_edited_not_removed(prior: Prior, profile: SiteProfile) -> None:
    c = check(facts(article(paras=PARAS[:3])), prior, profile)
    assert sr(c) == ("edited", None)


def test_edit_quoting_a_removal_phrase_is_edited(prior: Prior, profile: SiteProfile) -> None:
    quote = "Separately, a regional paper said a budget story had been removed at the request of the mayor."
    c = check(facts(article(paras=[*PARAS, quote])), prior, profile)
    assert sr(c) == ("edited", None)


def test_ab_variants_do_not_storm(base_ex, profile: SiteProfile) -> None:  # type: ignore[no-untyped-def]
    variant_b = article(paras=[*PARAS[:-1], PARAS[-1] + " Officials declined to comment."])
    ex_b = extract(variant_b, URL)
    assert ex_b.text_digest != base_ex.text_digest
    seen = {base_ex.text_digest: 4, ex_b.text_digest: 3}
    after_a = Prior.from_extracted(base_ex, seen)
    c = check(facts(variant_b), after_a, profile)
    assert sr(c) == ("unchanged", None) and c.details.get("variant") is True
    after_b = Prior.from_extracted(ex_b, seen)
    assert sr(check(facts(article()), after_b, profile)) == ("unchanged", None)
    # a version never seen before is an edit
    fresh = Prior.from_extracted(base_ex, {base_ex.text_digest: 4})
    assert sr(check(facts(variant_b), fresh, profile)) == ("edited", None)


def test_benign_move_to_new_slug_is_judged_by_content(prior: Prior) -> None:
    moved = f"{HOST}/news/2026/05/council-approves-budget-after-marathon-session"
    assert sr(check(facts(article(), final=moved), prior, None)) == ("unchanged", None)


def test_first_sight_article_about_geoblocking_is_new(profile: SiteProfile) -> None:
    paras = [
        *PARAS[:4],
        "Viewers abroad complained that the council stream showed a message saying the video is not "
        "available in your country, which officials blamed on a licensing error.",
    ]
    assert sr(check(facts(article(paras=paras)), None, profile)) == ("new", None)


# ------------------------------------------------------------------------------------------- removals
@pytest.mark.parametrize(("status", "reason"), [(404, "http-404"), (410, "http-410")])
def test_http_not_found_and_gone(prior: Prior, status: int, reason: str) -> None:
    assert sr(check(facts(not_found_page(URL), status), prior, None)) == ("removed", reason)


def test_soft_404_matches_learned_template(prior: Prior, profile: SiteProfile) -> None:
    assert profile.not_found_core, "the not-found core words should have been learned"
    c = check(facts(not_found_page(URL, seed=9)), prior, profile)
    assert sr(c) == ("removed", "soft-404")
    assert "nf_text" in c.details["soft404_evidence"]


def test_soft_404_first_sight_with_profile(profile: SiteProfile) -> None:
    # never seen online: the same detection, reported as missing (nothing was there to remove)
    assert sr(check(facts(not_found_page(URL, seed=5)), None, profile)) == ("missing", "soft-404")


def test_soft_404_without_profile_uses_the_prior(prior: Prior) -> None:
    c = check(facts(not_found_page(URL, seed=7)), prior, None)
    assert sr(c) == ("removed", "soft-404"), c.details


def test_soft_404_by_wording(prior: Prior) -> None:
    body = chrome("Page not found", "<h1>Page not found</h1><p>Sorry, we couldn't find that page.</p>")
    assert sr(check(facts(body), prior, None)) == ("removed", "soft-404")
    body_ru = chrome("Ошибка", "<h1>Страница не найдена</h1><p>Проверьте адрес.</p>")
    assert sr(check(facts(body_ru), None, None)) == ("missing", "soft-404")


@pytest.mark.parametrize("final", [f"{HOST}/", f"{HOST}/news/", f"{HOST}/news/2026/05/"])
def test_redirect_to_home_or_section(prior: Prior, profile: SiteProfile, final: str) -> None:
    assert sr(check(facts(home_page(), final=final), prior, profile)) == ("removed", "redirect-home")


def test_redirect_to_not_found_url(prior: Prior) -> None:
    assert sr(check(facts(home_page(), final=f"{HOST}/404.html"), prior, None)) == ("removed", "soft-404")


@pytest.mark.parametrize(
    "text",
    [
        "This article has been removed at the request of the Prosecutor General's Office.",
        "The story is no longer available.",
        "Материал удалён по требованию Генеральной прокуратуры.",
        "Статья удалена по решению суда.",
        "Бул материал Башкы прокуратуранын талабы боюнча өчүрүлдү.",
        "Бұл материал Бас прокуратураның талабы бойынша жойылды.",
    ],
)
def test_removal_notices(prior: Prior, profile: SiteProfile, text: str) -> None:
    c = check(facts(notice_page(text)), prior, profile)
    assert sr(c) == ("removed", "removal-notice"), c.details
    # also on first sight (then missing: never seen online), and with the site title instead of the headline
    assert sr(check(facts(notice_page(text, title="Notice")), None, profile)) == ("missing", "removal-notice")


def test_content_replaced(prior: Prior, profile: SiteProfile) -> None:
    c = check(facts(article(title=OTHER_TITLE, paras=OTHER_PARAS)), prior, profile)
    assert sr(c) == ("removed", "content-replaced")


# ------------------------------------------------------------------------------------------- withheld
def test_http_451(prior: Prior) -> None:
    assert sr(check(facts(b"<h1>Unavailable For Legal Reasons</h1>", 451), prior, None)) == (
        "withheld",
        "http-451",
    )


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (200, "We're sorry, this content is not available in your country."),
        (403, "This article is unavailable in your region."),
        (200, "Этот материал недоступен в вашей стране."),
        (200, "Бул материал сиздин өлкөдө жеткиликсиз."),
        (200, "Бұл материал сіздің еліңізде қолжетімсіз."),
    ],
)
def test_geo_wall(prior: Prior, profile: SiteProfile, status: int, text: str) -> None:
    assert sr(check(facts(notice_page(text), status), prior, profile)) == ("withheld", "geo-wall")


def test_login_wall_with_teaser(prior: Prior, profile: SiteProfile) -> None:
    form = "<form><input name='email'><input type='password' name='pw'><button>Log in</button></form>"
    wall = f"<div class='paywall'><p>Subscribe to continue reading.</p>{form}</div>"
    content = f"<h1>{TITLE}</h1><p>{PARAS[0]}</p>{wall}"
    c = check(facts(chrome(TITLE, content)), prior, profile)
    assert sr(c) == ("withheld", "login-wall"), c.details


def test_login_wall_by_redirect_and_status(prior: Prior) -> None:
    login = chrome("Sign in", "<h1>Sign in</h1><form><input type='password'></form>")
    assert sr(check(facts(login, final=f"{HOST}/login?next=/news"), prior, None)) == (
        "withheld",
        "login-wall",
    )
    assert sr(check(facts(login, 401), prior, None)) == ("withheld", "login-wall")


def test_login_form_in_every_page_chrome_is_not_a_wall(prior: Prior) -> None:
    box = "<form class='login'><input type='password'></form>"
    home = PageFacts(HOST + "/", HOST + "/", 200, {}, chrome("The Daily Example", "<h2>Top</h2>" + box))
    prof = learn_profile(home, [])
    assert prof.home_has_password
    c = check(
        facts(article(paras=[*PARAS, "One more paragraph added to the story by the editors."])), prior, prof
    )
    assert c.status == "edited"


# ------------------------------------------------------------------------------------------- unreachable
@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx(prior: Prior, status: int) -> None:
    assert sr(check(facts(b"<h1>Service Unavailable</h1>", status), prior, None)) == (
        "unreachable",
        "http-5xx",
    )


@pytest.mark.parametrize(
    "reason",
    ["dns", "connect", "tls", "timeout", "http-5xx", "too-large", "too-many-redirects", "bad-response"],
)
def test_fetch_errors_map_through(prior: Prior, reason: str) -> None:
    assert sr(check(facts(None, None, error_reason=reason), prior, None)) == ("unreachable", reason)


def test_unknown_error_and_empty_body_are_bad_responses(prior: Prior) -> None:
    assert sr(check(facts(None, None, error_reason="weird"), prior, None)) == ("unreachable", "bad-response")
    assert sr(check(facts(b"", 200), prior, None)) == ("unreachable", "bad-response")
    assert sr(check(facts(b"<h1>Slow down</h1>", 429), prior, None)) == ("unreachable", "bad-response")


def test_details_are_json_serialisable(prior: Prior, profile: SiteProfile) -> None:
    for body in (article(), not_found_page(URL), notice_page("Статья удалена по решению суда.")):
        c = check(facts(body), prior, profile)
        json.dumps(c.details)
        if c.diff is not None:
            json.dumps(c.diff.as_dict())


def test_text_still_on_page_is_not_a_removal() -> None:
    # the prior's text stands on the page, outside what the extractor now takes as main text
    ex = extract(article(), URL)
    shifted = Prior(
        title=ex.title,
        paragraphs=("News Politics Business Sport Culture", "Copyright 2026 The Daily Example."),
        text_digest="sha256:old",
        page_words=ex.page_words,
        fingerprint=ex.fingerprint,
        seen_digests={"sha256:old": 1},
        last_digest="sha256:old",
    )
    c = check(facts(article()), shifted, None)
    assert sr(c) == ("unchanged", None) and c.details["extraction_drift"] is True


def test_never_seen_online_is_missing_not_removed(profile: SiteProfile) -> None:
    """A URL whose first check finds no article was never online: missing, with what was found instead."""
    for status, reason in ((404, "http-404"), (410, "http-410")):
        c = check(facts(not_found_page(URL), status), None, None)
        assert sr(c) == ("missing", reason) and c.details["never_online"] is True
    assert sr(check(facts(home_page(), final=f"{HOST}/"), None, profile))[0] == "missing"
    # what is not a removal stays what it is
    assert sr(check(facts(b"", 503), None, None)) == ("unreachable", "http-5xx")
    assert sr(check(facts(not_found_page(URL), 451), None, None)) == ("withheld", "http-451")


def test_removal_notice_keeps_its_sentence_and_the_pages_own_title(prior: Prior, profile: SiteProfile) -> None:
    text = ("Материал удалён по требованию Министерства информации. Редакция не согласна с этим решением, "
            "но вынуждена подчиниться.")
    c = check(facts(notice_page(text, title="Уведомление")), prior, profile)
    assert sr(c) == ("removed", "removal-notice")
    assert c.details["notice"] == "Материал удалён по требованию Министерства информации."
    assert c.details["page_title"] == "Уведомление"  # the page's own <title>, not a sidebar heading
    body = chrome("Daily Example", "<h1>Notice</h1><aside><h2>Related stories</h2></aside>"
                  "<p>This article has been removed at the request of the Ministry of Information.</p>")
    c = check(facts(body), prior, profile)
    assert sr(c) == ("removed", "removal-notice")
    assert c.details["page_title"] == "Notice"
    assert c.details["notice"] == "This article has been removed at the request of the Ministry of Information."
