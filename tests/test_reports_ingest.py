"""Reading report files: encodings, HTML, caps, binary (pure)."""

from __future__ import annotations

import pytest

from presswatch.reports.ingest import InvalidReport, read_report_bytes

RU = ("Министерство внутренних дел Кыргызстана потребовало от издания «Ала Пресс» удалить статью о протестах. "
      "Редакция отказалась выполнять требование, и статья по-прежнему доступна на сайте издания.")


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251", "utf-16"])
def test_encodings_are_detected(encoding):
    rt = read_report_bytes(RU.encode(encoding), max_bytes=10_000)
    assert "Министерство внутренних дел" in rt.text


def test_html_file_gives_its_main_text_title_and_date():
    html = ("<!doctype html><html><head><meta charset='windows-1251'><title>МВД против издания</title>"
            "<meta property='article:published_time' content='2025-11-27'></head><body><nav>Главная | Новости</nav>"
            f"<article><h1>МВД против издания</h1><p>{RU}</p>" + "<p>Подробности будут позже, следите.</p>" * 3
            + "</article></body></html>").encode("cp1251")
    rt = read_report_bytes(html, name="r.html", max_bytes=100_000)
    assert rt.title == "МВД против издания" and "удалить статью" in rt.text and "Главная" not in rt.text
    assert rt.date is not None and rt.date.isoformat() == "2025-11-27"


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"), (b"\n \t\n", "empty"), (b"x" * 2001, "size cap"),
    (b"%PDF-1.7\n\x00\x01\x02binary", "binary"), (bytes(range(1, 32)) * 40, "binary"),
])
def test_refused_files(data, message):
    with pytest.raises(InvalidReport, match=message):
        read_report_bytes(data, max_bytes=2000)
