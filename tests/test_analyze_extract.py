"""Extraction: main text, metadata, digests, stability under churn, bad input, encodings; and diffs."""

from __future__ import annotations

import re

from presswatch.analyze import diff_versions, extract, normalize_text, sketch_similarity, text_digest

URL = "https://paper.example/world/2026/04/bridge-reopens"
PARAS = [
    "The old railway bridge over the river reopened to pedestrians on Monday after three years of "
    "restoration work that cost far more than first planned.",
    "Engineers replaced most of the rusted steel beams and rebuilt the stone pillars using blocks cut from "
    "the same quarry that supplied the original builders in 1898.",
    "Residents who had campaigned to save the bridge from demolition crossed it together at dawn, carrying "
    "banners and old photographs of trains steaming over the water.",
    "The city plans to add lighting and benches in the summer, and a small museum about the railway will "
    "open in the former signal box at the eastern end.",
]


def page(
    paras: list[str] = PARAS,
    title: str = "Old railway bridge reopens to walkers",
    sidebar: tuple[str, ...] = (
        "Tram fares to rise in June",
        "Zoo welcomes twin pandas",
        "Heatwave expected",
    ),
    stamp: str = "08:15",
    charset: str = "utf-8",
) -> str:
    side = "".join(
        f"<li><a href='/n/{i}?utm_source=x{i}'>{h} today in the city</a></li>" for i, h in enumerate(sidebar)
    )
    body = "".join(f"<p>{p}</p>" for p in paras)
    return f"""<html lang="en"><head><meta charset="{charset}"><title>{title} - Paper</title>
<meta name="author" content="Jo Reporter"><link rel="canonical" href="{URL}">
<meta property="og:site_name" content="The Paper"></head><body>
<header><div class="time">Last updated {stamp}</div>
<nav><a href="/">Home</a> <a href="/world/">World</a></nav></header>
<article><h1>{title}</h1>{body}</article>
<aside class="related"><h3>Related</h3><ul>{side}</ul></aside>
<footer>The Paper, 1 Main St.</footer></body></html>"""


def test_extracts_title_paragraphs_and_meta() -> None:
    ex = extract(page().encode(), URL)
    assert ex.title == "Old railway bridge reopens to walkers"
    assert ex.paragraphs == tuple(PARAS)  # headline is the title, not a paragraph; no sidebar or footer
    assert ex.lang == "en"
    assert ex.meta["canonical"] == URL
    assert ex.meta["author"] == "Jo Reporter"
    assert ex.meta["html_title"] == "Old railway bridge reopens to walkers - Paper"
    assert ex.text_digest.startswith("sha256:") and len(ex.text_digest) == 7 + 64
    assert ex.page_words > sum(len(p.split()) for p in PARAS)
    assert len(ex.fingerprint) > 10


def test_digest_is_stable_under_boilerplate_churn() -> None:
    a = extract(page().encode(), URL)
    b = extract(
        page(
            sidebar=("Zoo welcomes twin pandas", "Election date set", "Ferry strike ends"), stamp="17:40"
        ).encode(),
        URL,
    )
    assert a.text_digest == b.text_digest
    assert sketch_similarity(a.fingerprint, b.fingerprint) > 0.5


def test_digest_changes_with_text_and_title() -> None:
    a = extract(page().encode(), URL)
    assert (
        extract(
            page(paras=[*PARAS, "A new closing paragraph about the opening ceremony."]).encode(), URL
        ).text_digest
        != a.text_digest
    )
    assert extract(page(title="Bridge reopens").encode(), URL).text_digest != a.text_digest


def test_digest_ignores_typography_only_changes() -> None:
    assert text_digest("A \u201cquote\u201d", "one\u00a0two \u2014 three") == text_digest(
        'A "quote"', "one two - three"
    )


def test_dateline_times_are_masked_in_digest() -> None:
    assert text_digest("T", "Posted 10:32 am\nBody text") == text_digest("T", "Posted 11:05 am\nBody text")
    long_line = (
        "The meeting started at 10:32 and lasted until the evening when the council voted on the plan again"
    )
    assert text_digest("T", long_line) != text_digest("T", long_line.replace("10:32", "11:05"))


def test_cp1251_mislabelled_page() -> None:
    ru = [
        "Мэрия объявила о ремонте старого моста через реку, который закрыли три года назад из-за аварии.",
        "Жители собрали подписи за сохранение моста и добились того, чтобы его не снесли, а восстановили.",
        "Работы завершатся осенью, после чего по мосту снова смогут ходить пешеходы и ездить велосипедисты.",
    ]
    body = page(paras=ru, title="Старый мост откроют осенью", charset="utf-8").encode("cp1251")
    ex = extract(body, URL, "text/html; charset=utf-8")
    assert ex.title == "Старый мост откроют осенью"
    assert ex.paragraphs == tuple(ru)


def test_missing_charset_is_detected() -> None:
    ru = ["Мэрия объявила о ремонте старого моста через реку, который закрыли три года назад."] * 3
    html = page(paras=ru, title="Мост").replace('<meta charset="utf-8">', "")
    ex = extract(html.encode("cp1251"), URL, "text/html")
    assert "Мэрия объявила" in ex.text


def test_malformed_html_and_nul_bytes_survive() -> None:
    ugly = (
        b"\x00\x00<html><head><title>Broken \x00page</title><body><div><p>"
        + PARAS[0].encode()
        + b"<p>"
        + PARAS[1].encode()
        + b"\x0b\x1f<table><tr><td>cell<div></span></b></i>"
        + b"<p>"
        + PARAS[2].encode()
        + b"<script>var x = '</div>';"
    )
    ex = extract(ugly, URL)
    assert "old railway bridge" in ex.text
    assert "\x00" not in ex.text and "\x00" not in (ex.title or "")


def test_hopeless_input_never_raises() -> None:
    for body in (
        b"",
        b"   ",
        b"\x00" * 50,
        b"\xff\xfe\x00garbage",
        b"<",
        b"<?xml version='1.0' encoding='utf-8'?><x/>",
        b"%PDF-1.4 binary",
    ):
        ex = extract(body, URL)
        assert isinstance(ex.text, str)
        assert ex.text_digest.startswith("sha256:")


def test_xml_declaration_with_encoding() -> None:
    html = "<?xml version='1.0' encoding='utf-8'?>" + page()
    assert extract(html.encode(), URL).paragraphs == tuple(PARAS)


def test_teaser_lists_inside_article_are_not_text() -> None:
    teaser = (
        "<ul class='more'>"
        + "".join(f"<li><a href='/x/{i}'>Read more about the city bridges {i}</a></li>" for i in range(3))
        + "</ul>"
    )
    html = page().replace("</article>", teaser + "</article>")
    ex = extract(html.encode(), URL)
    assert not any("Read more about" in p for p in ex.paragraphs)


def test_diff_counts_paragraphs_and_words() -> None:
    old = extract(page().encode(), URL)
    new_paras = [
        PARAS[0],
        PARAS[1] + " Critics decried delays.",
        PARAS[3],
        "An extra paragraph with six words.",
    ]
    new = extract(page(paras=new_paras, title="Railway bridge reopens").encode(), URL)
    d = diff_versions(old, new)
    assert d.title_changed and d.old_title and d.new_title == "Railway bridge reopens"
    assert d.paragraphs_removed == 2  # changed PARAS[1], dropped PARAS[2]
    assert d.paragraphs_added == 2  # changed PARAS[1], the extra one
    assert d.words_added == 3 + 6 and d.words_removed == len(PARAS[2].split())
    assert {h["op"] for h in d.hunks} <= {"insert", "delete", "replace"}
    as_dict = d.as_dict()
    for key in ("paragraphs_added", "paragraphs_removed", "words_added", "words_removed", "title_changed"):
        assert key in as_dict


def test_diff_from_nothing_and_of_same_version() -> None:
    ex = extract(page().encode(), URL)
    first = diff_versions(None, ex)
    assert first.paragraphs_added == len(PARAS) and first.words_added == sum(len(p.split()) for p in PARAS)
    same = diff_versions(ex, ex)
    assert not same.changed and same.hunks == []


def test_normalized_paragraphs() -> None:
    ex = extract(
        page(
            paras=[
                "Quotes \u201chere\u201d \u2014 and\u00a0spaces   inside this fairly long paragraph of text."
            ]
            * 3
        ).encode(),
        URL,
    )
    for p in ex.paragraphs:
        assert p == normalize_text(p)
        assert not re.search(r"\s{2,}", p)
