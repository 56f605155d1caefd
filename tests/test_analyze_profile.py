"""Site profiles: probe URLs, learning from home and probe fetches, JSON round trip."""

from __future__ import annotations

import json
import random
from urllib.parse import urlsplit

from presswatch.analyze import PageFacts, SiteProfile, learn_profile, probe_urls

CHROME = (
    "<html><head><title>{title}</title></head><body><header><nav><a href='/'>Home</a>"
    " <a href='/news/'>News</a> <a href='/sport/'>Sport</a> <a href='/login'>Log in</a></nav></header>"
    "<main>{main}</main>"
    "<footer>Copyright The Example Times. Contact us. Privacy policy. Terms of use.</footer></body></html>"
)


def _page(title: str, main: str) -> bytes:
    return CHROME.format(title=title, main=main).encode()


def _nf(url: str) -> PageFacts:
    path = urlsplit(url).path
    body = _page(
        "Not found", f"<h1>Not found</h1><p>The page {path} does not exist on our site any more.</p>"
    )
    return PageFacts(url, url, 404, {"content-type": "text/html"}, body)


def test_probe_urls_mimic_the_path() -> None:
    url = "https://news.example/politics/2026/05/minister-resigns-after-vote-12345.html?ref=home#top"
    probes = probe_urls(url, random.Random(7))
    assert len(probes) == 2 and len(set(probes)) == 2
    for p in probes:
        parts = urlsplit(p)
        assert parts.scheme == "https" and parts.netloc == "news.example"
        assert parts.path.startswith("/politics/2026/05/") and parts.path.endswith(".html")
        assert not parts.query and not parts.fragment
        assert p != url
    first = urlsplit(probes[0]).path.rsplit("/", 1)[-1]
    assert [c.isdigit() for c in first] == [c.isdigit() for c in "minister-resigns-after-vote-12345.html"]
    assert first.count("-") == 4


def test_probe_urls_are_random_but_reproducible() -> None:
    url = "https://news.example/story/abc/"
    assert probe_urls(url, random.Random(1)) == probe_urls(url, random.Random(1))
    assert probe_urls(url, random.Random(1)) != probe_urls(url, random.Random(2))
    for p in probe_urls(url, random.Random(3)):
        assert p.endswith("/") and urlsplit(p).path.startswith("/story/")
        assert len(urlsplit(p).path.strip("/").split("/")[-1]) >= 10  # short slugs are lengthened
    assert all(urlsplit(p).path.startswith("/") for p in probe_urls("https://news.example", random.Random(4)))


def test_learn_profile_and_round_trip() -> None:
    home = PageFacts(
        "https://news.example/",
        "https://news.example/",
        200,
        {},
        _page("The Example Times", "<ul><li><a href='/a'>Story one about things</a></li></ul>"),
    )
    probes = [_nf(u) for u in probe_urls("https://news.example/news/2026/05/some-story", random.Random(5))]
    prof = learn_profile(home, probes)
    assert prof.host == "news.example"
    assert prof.home_title == "the example times"
    assert prof.not_found_status == [404]
    assert prof.not_found_titles == ["not found"]
    assert len(prof.not_found_fingerprints) == 2 and prof.home_fingerprint
    assert {"does", "not", "exist"} <= set(prof.not_found_core)
    assert not any(w in prof.not_found_core for w in ("news", "2026"))  # probe URL words are dropped
    assert not prof.home_has_password and prof.probes == 2
    again = SiteProfile.from_dict(json.loads(json.dumps(prof.to_dict())))
    assert again == prof


def test_probes_redirecting_home_are_recorded() -> None:
    home = PageFacts("https://news.example/", "https://news.example/", 200, {}, _page("Home", "<p>hi</p>"))
    probe = PageFacts(
        "https://news.example/a/xyzzy", "https://news.example/", 200, {}, _page("Home", "<p>hi</p>")
    )
    prof = learn_profile(home, [probe])
    assert prof.not_found_redirects_home and prof.not_found_final_urls == ["https://news.example/"]


def test_from_dict_ignores_unknown_keys() -> None:
    assert SiteProfile.from_dict({"host": "a.example", "future_field": 1}).host == "a.example"


def test_failed_probes_are_skipped() -> None:
    home = PageFacts("https://x.example/", None, None, {}, None, error_reason="timeout")
    probe = PageFacts("https://x.example/q", None, None, {}, None, error_reason="connect")
    prof = learn_profile(home, [probe])
    assert prof.probes == 0 and prof.not_found_fingerprints == [] and prof.home_fingerprint == []
