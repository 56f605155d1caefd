"""Text normalization and HTML decoding."""

from __future__ import annotations

import codecs

from presswatch.analyze import decode_html, normalize_text

RU = "Городской совет утвердил бюджет на следующий год после долгих споров о школах и дорогах."


def test_normalize_maps_typography_and_keeps_case() -> None:
    s = "\u201cHello\u201d \u2014 it\u2019s\u00a0a   Test\u200b\u2026\r\n\r\n\n  Second\tline  "
    assert normalize_text(s) == '"Hello" - it\'s a Test...\nSecond line'


def test_normalize_guillemets_and_soft_hyphen() -> None:
    assert normalize_text("\u00abСуд\u00bb при\u00adнял") == '"Суд" принял'


def test_normalize_is_idempotent() -> None:
    s = "  A\u2013B\u00a0\u00a0C \n\n D  "
    assert normalize_text(normalize_text(s)) == normalize_text(s) == "A-B C\nD"


def _page(charset_meta: str | None = None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>Бюджет</title></head><body><p>{RU}</p></body></html>"


def test_cp1251_mislabelled_as_utf8_is_detected() -> None:
    body = _page("utf-8").encode("cp1251")
    text = decode_html(body, "text/html; charset=utf-8")
    assert RU in text


def test_cp1251_without_any_charset_is_detected() -> None:
    body = _page().encode("cp1251")
    assert RU in decode_html(body, "text/html")


def test_meta_charset_is_used_without_header() -> None:
    body = _page("windows-1251").encode("cp1251")
    assert RU in decode_html(body, None)


def test_utf8_labelled_latin1_is_read_as_utf8() -> None:
    body = _page().encode("utf-8")
    assert RU in decode_html(body, "text/html; charset=iso-8859-1")


def test_boms_win() -> None:
    assert RU in decode_html(codecs.BOM_UTF8 + _page().encode("utf-8"), "text/html; charset=cp1252")
    assert RU in decode_html(codecs.BOM_UTF16_LE + _page().encode("utf-16-le"), None)


def test_latin1_label_decodes_as_windows_1252() -> None:
    body = "<p>caf\u00e9 \u201cquoted\u201d</p>".encode("cp1252")
    assert decode_html(body, "text/html; charset=ISO-8859-1") == "<p>caf\u00e9 \u201cquoted\u201d</p>"


def test_never_raises_on_garbage() -> None:
    for body in (b"", b"\xff\xfe\xfd\x00\x81", bytes(range(256)) * 10, b"\x00" * 100):
        assert isinstance(decode_html(body, "text/html; charset=utf-8"), str)
        assert isinstance(decode_html(body, "text/html; charset=no-such-charset"), str)


def test_a_few_bad_bytes_in_utf8_keep_utf8() -> None:
    body = (_page() * 20).encode("utf-8") + b"\xff"
    assert RU in decode_html(body, "text/html; charset=utf-8")


def _normalize_reference(s: str) -> str:
    """The definition, written plainly: NFC, the character table, CR/CRLF as LF, whitespace runs
    (but newlines) as one space, lines stripped, empty lines dropped."""
    import re
    import unicodedata

    from presswatch.analyze.text import _TRANSLATE

    s = unicodedata.normalize("NFC", s).translate(_TRANSLATE).replace("\r\n", "\n").replace("\r", "\n")
    s = re.sub(r"[^\S\n]+", " ", s)
    return "\n".join(line.strip() for line in s.split("\n") if line.strip())


def test_normalize_text_matches_its_definition() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(list("ab é\t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u2009\u3000\u2028\u2029\u200b\u00ad"
                                    "\u2014\u2026\u00ab\u00bb`\u2018\u201c\ufeffe\u0301"))

    @settings(max_examples=3000, deadline=None)
    @given(st.text(alphabet=alphabet, max_size=40))
    def check(s: str) -> None:
        assert normalize_text(s) == _normalize_reference(s)

    check()
