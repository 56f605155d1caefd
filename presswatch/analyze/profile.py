"""Per-host profile: what the site's not-found page and home page look like, learned by probing."""

from __future__ import annotations

import logging
import random
import string
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from presswatch.analyze.fingerprint import sketch_similarity
from presswatch.analyze.page import Page, PageFacts, url_words
from presswatch.analyze.text import words
from presswatch.analyze.thresholds import NF_PAGE_MAX_WORDS, PROBE_DISAGREE_SIM

__all__ = ["learn_profile", "probe_urls", "SiteProfile"]

log = logging.getLogger(__name__)

_MAX_NF_TEXT = 4000  # characters of a not-found page's main text kept in the profile
_EXTENSIONS = (".html", ".htm", ".shtml", ".php", ".aspx", ".asp", ".jsp")


@dataclass
class SiteProfile:
    """Learned per host; JSON-serialisable with :meth:`to_dict` / :meth:`from_dict`."""

    host: str
    home_url: str | None = None
    home_final_url: str | None = None
    home_status: int | None = None
    home_fingerprint: list[int] = field(default_factory=list)
    home_title: str | None = None  # lower-cased <title>
    home_page_words: int = 0
    home_text: str = ""  # main-text words of the home page (teaser lists), space-separated
    home_has_password: bool = False  # a login form in the chrome: says nothing about one page
    not_found_status: list[int] = field(default_factory=list)
    not_found_final_urls: list[str] = field(default_factory=list)
    not_found_fingerprints: list[list[int]] = field(default_factory=list)
    not_found_titles: list[str] = field(default_factory=list)  # lower-cased <title>s
    not_found_texts: list[str] = field(default_factory=list)  # main text, probe-URL words removed
    not_found_core: list[str] = field(default_factory=list)  # words every not-found page showed
    not_found_hits: list[str] = field(default_factory=list)  # notice patterns the not-found page itself shows
    not_found_redirects_home: bool = False
    chrome_hits: list[str] = field(default_factory=list)  # notice patterns in the site chrome (home page)
    probes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SiteProfile:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @property
    def generic_titles(self) -> set[str]:
        """Titles that say nothing about a page: the not-found title when it equals the home title."""
        return {t for t in self.not_found_titles if t and t == self.home_title}


def _mimic(segment: str, rng: random.Random) -> str:
    out = []
    for ch in segment:
        if ch in string.ascii_lowercase:
            out.append(rng.choice(string.ascii_lowercase))
        elif ch in string.ascii_uppercase:
            out.append(rng.choice(string.ascii_uppercase))
        elif ch.isdigit():
            out.append(rng.choice(string.digits))
        elif ch.isalpha():  # non-Latin slug letters: Latin letters keep the shape without encoding issues
            out.append(rng.choice(string.ascii_lowercase))
        else:
            out.append(ch)
    s = "".join(out)
    randomized = sum(1 for c in s if c.isalnum())
    if randomized < 10:  # too short to be safely unused: lengthen
        s += "-" + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))
    return s


def probe_urls(url: str, rng: random.Random | None = None) -> list[str]:
    """Two random URLs on the same host shaped like ``url`` (same directory, same slug shape/extension).

    The first mimics the last path segment character by character (letters and digits randomized); the
    second is a plain random slug in the same directory.
    """
    rng = rng or random.Random()
    parts = urlsplit(url)
    path = parts.path or "/"
    trailing = path.endswith("/") and path != "/"
    segs = [s for s in path.split("/") if s]
    last = segs.pop() if segs else ""
    ext = next((e for e in _EXTENSIONS if last.lower().endswith(e)), "")
    stem = last[: len(last) - len(ext)] if ext else last
    directory = "/" + "/".join(segs) + ("/" if segs else "")
    tail = "/" if trailing else ""
    first = directory + _mimic(stem or "article", rng) + ext + tail
    second = directory + "".join(rng.choice(string.ascii_lowercase) for _ in range(16)) + ext + tail
    out = [urlunsplit((parts.scheme, parts.netloc, p, "", "")) for p in (first, second)]
    return list(dict.fromkeys(out))


def _is_home_url(final_url: str | None, home_final: str | None) -> bool:
    if not final_url:
        return False
    p = urlsplit(final_url)
    if p.path.strip("/") == "":
        return True
    return bool(home_final) and final_url.rstrip("/") == (home_final or "").rstrip("/")


def learn_profile(home: PageFacts, probes: Sequence[PageFacts]) -> SiteProfile:
    """Learn a host's home page and not-found template from one home fetch and the probe fetches."""
    host = (urlsplit(home.final_url or home.url).hostname or urlsplit(home.url).hostname or "").lower()
    prof = SiteProfile(
        host=host, home_url=home.url, home_final_url=home.final_url, home_status=home.http_status
    )
    chrome: set[str] = set()
    if home.body and home.error_reason is None:
        hp = Page(home)
        prof.home_fingerprint = list(hp.extracted.fingerprint)
        prof.home_title = hp.html_title
        prof.home_page_words = hp.extracted.page_words
        prof.home_has_password = hp.has_password_field
        prof.home_text = " ".join(words(hp.extracted.text))[:_MAX_NF_TEXT]
        chrome.update(k for ks in hp.page_hits.values() for k in ks)
    pages = [Page(p) for p in probes if p.error_reason is None and p.http_status is not None]
    if len(pages) == 2 and all(p.facts.body for p in pages):
        a, b = pages
        sim = sketch_similarity(a.extracted.fingerprint, b.extracted.fingerprint)
        if sim < PROBE_DISAGREE_SIM and max(a.main_words, b.main_words) > NF_PAGE_MAX_WORDS:
            # one probe probably hit a real page (a numeric id that exists): keep the one with less text
            keep = min(pages, key=lambda p: p.main_words)
            log.info("probes of %s disagree (similarity %.2f); keeping %s", host, sim, keep.facts.url)
            pages = [keep]
    nf_hits: set[str] = set()
    for p in pages:
        f = p.facts
        prof.probes += 1
        if f.http_status is not None and f.http_status not in prof.not_found_status:
            prof.not_found_status.append(f.http_status)
        if f.final_url and f.final_url != f.url:
            prof.not_found_final_urls.append(f.final_url)
            if _is_home_url(f.final_url, home.final_url or home.url):
                prof.not_found_redirects_home = True
        if not f.body:
            continue
        prof.not_found_fingerprints.append(list(p.extracted.fingerprint))
        if p.html_title and p.html_title not in prof.not_found_titles:
            prof.not_found_titles.append(p.html_title)
        kept = [w for w in words(p.extracted.text) if w not in url_words(f.url)]
        text = " ".join(kept)[:_MAX_NF_TEXT]
        if text:
            prof.not_found_texts.append(text)
        nf_hits.update(k for ks in p.page_hits.values() for k in ks)
    if prof.not_found_texts:
        core = set(prof.not_found_texts[0].split())
        for text in prof.not_found_texts[1:]:
            core &= set(text.split())
        prof.not_found_core = sorted(core)
    prof.chrome_hits = sorted(chrome)
    prof.not_found_hits = sorted(nf_hits)
    return prof
