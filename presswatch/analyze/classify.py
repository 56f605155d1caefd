"""Classify one check of an article URL: new, unchanged, edited, removed, withheld, unreachable or missing.

``missing`` is a URL that has never been seen online: its checks so far found no article (a 404, a
soft 404, a notice…). It is not a removal — nothing was there to remove — so it raises no event; the
reason says what was found instead. Removal needs an earlier online observation.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from presswatch.analyze import thresholds as T
from presswatch.analyze.diff import DiffSummary, diff_texts
from presswatch.analyze.extract import Extracted
from presswatch.analyze.fingerprint import containment, jaccard, sketch_novelty, sketch_similarity
from presswatch.analyze.page import Page, PageFacts
from presswatch.analyze.profile import SiteProfile
from presswatch.analyze.text import normalize_text, words

__all__ = [
    "STATUSES",
    "UNREACHABLE_REASONS",
    "Classification",
    "classify",
    "Prior",
    "redirect_kind",
    "title_similarity",
]

STATUSES = ("new", "unchanged", "edited", "removed", "withheld", "unreachable", "missing")
UNREACHABLE_REASONS = (
    "dns",
    "connect",
    "tls",
    "timeout",
    "http-5xx",
    "too-large",
    "too-many-redirects",
    "bad-response",
)

_LOGIN_PATH = re.compile(
    r"/(?:log-?in|sign-?in|sign_in|auth|authorize|oauth|sso|subscribe|subscription|paywall|register|"
    r"connexion|anmelden|вход|войти|kirish)(?:/|$|\.|\?)",
    re.I,
)
_NOT_FOUND_PATH = re.compile(
    r"/(?:404|not-?found|page-?not-?found|error|errors|oshibka|404\.\w+)(?:/|$|\.)", re.I
)
_ID_SEGMENT = re.compile(r"\d{5,}|(?:[^-_]+[-_]){3,}|\.(?:s?html?|php|aspx?)$", re.I)
_ARTICLE_SEGMENT = re.compile(r"\d{3,}|(?:[^-_]+[-_]){3,}|\.(?:s?html?|php|aspx?)$", re.I)


@dataclass(frozen=True)
class Prior:
    """What earlier checks of this article showed."""

    title: str | None
    paragraphs: tuple[str, ...]
    text_digest: str
    page_words: int
    fingerprint: tuple[int, ...]
    seen_digests: Mapping[str, int]
    last_digest: str

    @classmethod
    def from_extracted(cls, ex: Extracted, seen_digests: Mapping[str, int] | None = None) -> Prior:
        """A prior from the last good version (``seen_digests`` defaults to that version alone)."""
        return cls(
            title=ex.title,
            paragraphs=ex.paragraphs,
            text_digest=ex.text_digest,
            page_words=ex.page_words,
            fingerprint=ex.fingerprint,
            seen_digests=dict(seen_digests) if seen_digests is not None else {ex.text_digest: 1},
            last_digest=ex.text_digest,
        )


@dataclass(frozen=True)
class Classification:
    status: str
    reason: str | None
    diff: DiffSummary | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _pairs(paragraphs: Sequence[str]) -> set[str]:
    """Distinct consecutive word pairs within each paragraph (single words for one-word paragraphs)."""
    out: set[str] = set()
    for para in paragraphs:
        toks = words(para)
        if len(toks) < 2:
            out.update(toks)
        else:
            out.update(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))
    return out


def title_similarity(a: str | None, b: str | None) -> float:
    """Character-level similarity of two normalized, lower-cased titles (0 when one is missing)."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    x, y = normalize_text(a).lower(), normalize_text(b).lower()
    return 1.0 if x == y else difflib.SequenceMatcher(None, x, y).ratio()


def _segments(path: str) -> list[str]:
    return [s for s in unquote(path).split("/") if s]


def _same_target(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    host_a = (pa.hostname or "").removeprefix("www.")
    host_b = (pb.hostname or "").removeprefix("www.")
    return host_a == host_b and pa.path.rstrip("/") == pb.path.rstrip("/")


def redirect_kind(facts: PageFacts, profile: SiteProfile | None) -> str | None:
    """``login``, ``home`` (site root or section front), ``not-found`` or None for a benign/no redirect."""
    final = facts.final_url
    if not final or _same_target(final, facts.url):
        return None
    fp, op = urlsplit(final), urlsplit(facts.url)
    if _LOGIN_PATH.search(fp.path + ("?" if fp.query else "")):
        return "login"
    if profile is not None and any(_same_target(final, u) for u in profile.not_found_final_urls):
        if not (profile.not_found_redirects_home and not _segments(fp.path)):
            return "not-found"
    if _NOT_FOUND_PATH.search(fp.path):
        return "not-found"
    osegs, fsegs = _segments(op.path), _segments(fp.path)
    if not osegs:
        return None  # the watched URL is itself a front page
    if not fsegs:
        return "home"
    if profile is not None and profile.home_final_url and _same_target(final, profile.home_final_url):
        return "home"
    if len(fsegs) < len(osegs) and osegs[: len(fsegs)] == fsegs and not _ID_SEGMENT.search(fsegs[-1]):
        return "home"  # an ancestor of the article: section or (dated) archive front
    if _ARTICLE_SEGMENT.search(fsegs[-1]):
        return None  # moved to another article-like URL: judge by content
    if len(fsegs) <= T.SECTION_MAX_SEGMENTS:
        return "home"
    return None


def _result(
    status: str, reason: str | None, details: dict[str, Any], diff: DiffSummary | None = None
) -> Classification:
    return Classification(status, reason, diff, details)


def _hits(page: Page, profile: SiteProfile | None) -> dict[str, list[str]]:
    """Notice phrases on the page, by category: title and first heading, main text, and the rest of the
    page unless the phrase is part of the site chrome (learned from the home page)."""
    chrome = set(profile.chrome_hits) if profile else set()
    out: dict[str, list[str]] = {}
    for source, skip in ((page.head_hits, set()), (page.main_hits, set()), (page.page_hits, chrome)):
        for cat, keys in source.items():
            for key in keys:
                if key not in skip and key not in out.get(cat, ()):
                    out.setdefault(cat, []).append(key)
    return out


def _soft404_evidence(
    page: Page, prior: Prior | None, profile: SiteProfile | None, retained: float
) -> dict[str, float]:
    ev: dict[str, float] = {}
    ex = page.extracted
    title = page.html_title
    bw = page.body_words
    if profile is not None:
        tw = page.text_words()
        nf_sets = [set(t.split()) for t in profile.not_found_texts]
        nf_union = set().union(*nf_sets)
        core = set(profile.not_found_core)
        biggest = max((len(s) for s in nf_sets), default=0)
        own = len(tw - nf_union - page.link_words)  # words in no not-found page and no link: own prose
        few_own = own <= T.NF_TEXT_MAX_OWN_WORDS or own <= T.NF_TEXT_MAX_OWN * len(tw)
        if (
            tw
            and len(core) >= T.NF_CORE_MIN_WORDS
            and containment(core, tw) >= T.NF_CORE_CONTAINED
            and len(tw) <= T.NF_TEXT_MAX_GROWTH * biggest
            and few_own
        ):
            ev["nf_text"] = T.W_NF_TEXT  # the words every learned not-found page shows, and not much more
        if tw and few_own and any(jaccard(tw, nw) >= T.NF_TEXT_SIM for nw in nf_sets if nw):
            ev["nf_text"] = T.W_NF_TEXT
        little_own_text = (
            len(tw) < T.NF_PAGE_MIN_OWN_WORDS or containment(tw, nf_union) >= T.NF_PAGE_KNOWN_SHARE
        )
        if bw <= T.NF_PAGE_MAX_WORDS and ex.fingerprint and little_own_text:
            sims = [sketch_similarity(ex.fingerprint, fp) for fp in profile.not_found_fingerprints]
            if sims and max(sims) >= T.NF_PAGE_SIM:
                ev["nf_page"] = T.W_NF_PAGE
        if title and title in profile.not_found_titles and title not in profile.generic_titles:
            ev["nf_title"] = T.W_NF_TITLE
        prior_is_home = prior is not None and title_similarity(prior.title, profile.home_title) >= 0.95
        home_words = set(profile.home_text.split())
        home_like_text = bw <= T.NF_PAGE_MAX_WORDS or (
            bool(tw) and bool(home_words) and jaccard(tw, home_words) >= T.HOME_TEXT_SIM
        )
        if profile.home_fingerprint and ex.fingerprint and not prior_is_home and home_like_text:
            if sketch_similarity(ex.fingerprint, profile.home_fingerprint) >= T.HOME_PAGE_SIM:
                ev["home_page"] = T.W_HOME_PAGE
        if title and title == profile.home_title and not prior_is_home and "nf_title" not in ev:
            ev["home_title"] = T.W_HOME_TITLE
    if page.head_hits.get("not_found"):
        ev["nf_phrase"] = T.W_NF_PHRASE  # the title or first heading says so
    elif page.short_para_hits.get("not_found") and (prior is not None or bw <= T.NOTICE_MAX_WORDS):
        ev["nf_phrase"] = T.W_NF_PHRASE  # a short paragraph says so
    if prior is not None and prior.fingerprint and ex.fingerprint and retained < T.REPLACED_MAX_RETAINED:
        novelty = sketch_novelty(ex.fingerprint, prior.fingerprint)
        if novelty <= T.CHROME_ONLY_NOVELTY:
            ev["chrome_only"] = T.W_CHROME_ONLY  # the old page minus the article: the site's bare template
    if prior is not None:
        old_words = sum(len(p.split()) for p in prior.paragraphs)
        if bw <= T.TEXT_GONE_WORDS and bw < T.DROP_MAX_RATIO * old_words:
            ev["text_gone"] = T.W_TEXT_GONE
        elif bw <= T.DROP_MAX_WORDS and bw < T.DROP_MAX_RATIO * old_words:
            ev["text_drop"] = T.W_TEXT_DROP
        if title_similarity(prior.title, ex.title) < T.TITLE_SIMILAR:
            ev["title_changed"] = T.W_TITLE_CHANGED
        if prior.page_words and ex.page_words < T.PAGE_SHRINK_RATIO * prior.page_words:
            ev["page_shrunk"] = T.W_PAGE_SHRUNK
    return ev


_STRONG_SOFT404 = ("nf_text", "nf_page", "nf_phrase", "home_page")


def _bad_page(
    page: Page,
    prior: Prior | None,
    profile: SiteProfile | None,
    details: dict[str, Any],
    retained: float = 0.0,
    continuing: bool = False,
) -> Classification | None:
    """Walls, removal notices and soft-404s; called only when the prior text is not (mostly) on the page.

    ``continuing``: the page is still a sizeable article sharing text or headline with the prior one; then
    only walls are looked for (a quoted notice phrase in a rewritten story is not a removal).
    """
    bw = page.body_words
    hits = _hits(page, profile)
    details["hits"] = hits
    details["body_words"] = bw
    if prior is not None:
        messagey = True  # the article text is gone: whatever message the page shows is the news
        weak_ok = retained < T.EDIT_WEAK_RETAINED
    else:  # first sight: only a page that is mostly site template (or has the message in its headline)
        messagey = _mostly_template(page, profile)
        weak_ok = bw < T.ARTICLE_MIN_WORDS
    head = page.head_hits
    if (messagey or head.get("geo")) and hits.get("geo"):
        return _result("withheld", "geo-wall", details)
    if messagey or head.get("login"):
        if hits.get("login") or _password_wall(page, profile):
            return _result("withheld", "login-wall", details)
    if continuing:
        return None
    nf_template = set(profile.not_found_hits) if profile else set()
    if messagey or head.get("removal_strong"):
        strong = [k for k in hits.get("removal_strong", ()) if k not in nf_template]
        weak = [k for k in hits.get("removal_weak", ()) if k not in nf_template]
        if strong or (weak and weak_ok):
            return _result("removed", "removal-notice", details)
    ev = _soft404_evidence(page, prior, profile, retained)
    details["soft404_evidence"] = ev
    strong_ev = sum(v for k, v in ev.items() if k in _STRONG_SOFT404)
    score = sum(ev.values())
    if strong_ev >= T.SOFT404_SCORE - 1e-9 or (score >= T.SOFT404_SCORE - 1e-9 and bw < T.ARTICLE_MIN_WORDS):
        # a page with a real article body of its own needs template evidence, not just a text drop
        return _result("removed", "soft-404", details)
    return None


def _mostly_template(page: Page, profile: SiteProfile | None) -> bool:
    """First sight of a URL: is the page the site's template with a short message rather than a story?"""
    if page.body_words > T.NOTICE_MAX_WORDS:
        return False
    fp = page.extracted.fingerprint
    templates = [
        *(profile.not_found_fingerprints if profile else ()),
        *([profile.home_fingerprint] if profile else ()),
    ]
    templates = [t for t in templates if t]
    if templates and fp:
        return min(sketch_novelty(fp, t) for t in templates) <= T.MESSAGE_MAX_NOVELTY
    # no template known: a message stands in a short paragraph, not inside a long one
    return not page.long_para_hits


def _password_wall(page: Page, profile: SiteProfile | None) -> bool:
    """A password field on a page without prose, unless every page of the site has one (login box)."""
    home_pw = profile is not None and profile.home_has_password
    return page.has_password_field and not home_pw and page.body_words < T.ARTICLE_MIN_WORDS


def classify(
    facts: PageFacts, extracted: Extracted | None, prior: Prior | None, profile: SiteProfile | None,
    *, page: Page | None = None,
) -> Classification:
    """Classify one check. ``extracted`` is computed from ``facts.body`` when None and needed.

    Without a prior (the article was never seen online) what would be a removal is ``missing``.
    """
    if page is None:  # a caller that extracted from a Page passes it: its tree is parsed once
        page = Page(facts, extracted)  # parsed lazily, once, shared by every test below
    result = _classify(facts, page, prior, profile)
    if result.status in ("removed", "withheld") and facts.body and facts.http_status and facts.http_status < 400:
        # what the page itself says: its own headline (not a sidebar heading), the notice's sentence
        result.details["page_title"] = page.own_title
        if result.reason == "removal-notice":
            result.details["notice"] = page.notice
    if prior is None and result.status == "removed":
        return _result("missing", result.reason, {**result.details, "never_online": True})
    return result


def _classify(facts: PageFacts, page: Page, prior: Prior | None, profile: SiteProfile | None) -> Classification:
    details: dict[str, Any] = {"http_status": facts.http_status}
    if facts.error_reason:
        reason = facts.error_reason if facts.error_reason in UNREACHABLE_REASONS else "bad-response"
        return _result("unreachable", reason, {**details, "error_reason": facts.error_reason})
    if facts.not_modified:
        return _result("unchanged", None, {**details, "not_modified": True})
    st = facts.http_status
    if st is None:
        return _result("unreachable", "bad-response", details)
    if st == 451:
        return _result("withheld", "http-451", details)
    if st >= 500:
        return _result("unreachable", "http-5xx", details)
    if st == 404:
        return _result("removed", "http-404", details)
    if st == 410:
        return _result("removed", "http-410", details)
    if st in (401, 402, 407):
        return _result("withheld", "login-wall", details)
    if 400 <= st < 500:
        if facts.body:
            hits = _hits(page, profile)
            details["hits"] = hits
            if hits.get("geo"):
                return _result("withheld", "geo-wall", details)
            if hits.get("login") or _password_wall(page, profile):
                return _result("withheld", "login-wall", details)
        return _result("unreachable", "bad-response", details)
    if not 200 <= st < 300:
        return _result("unreachable", "bad-response", details)
    redirect = redirect_kind(facts, profile)
    if redirect is not None:
        details["redirect"] = {"kind": redirect, "final_url": facts.final_url}
        if redirect == "login":
            return _result("withheld", "login-wall", details)
        if redirect == "home":
            return _result("removed", "redirect-home", details)
        return _result("removed", "soft-404", details)
    if not facts.body or not facts.body.strip():
        return _result("unreachable", "bad-response", {**details, "empty_body": True})
    ex = page.extracted
    details.update(text_digest=ex.text_digest, main_words=page.main_words, title=ex.title)
    if prior is None:
        bad = _bad_page(page, None, profile, details)
        return bad or _result("new", None, details)
    if ex.text_digest == prior.last_digest:
        return _result("unchanged", None, details)
    if ex.text_digest in prior.seen_digests:
        return _result("unchanged", None, {**details, "variant": True})
    old_pairs = _pairs(prior.paragraphs)
    if profile is not None and profile.not_found_texts:
        # text the site shows on every page (extracted from its not-found pages too) is not the article's
        article_pairs = old_pairs - _pairs(profile.not_found_texts)
        old_pairs = article_pairs or old_pairs
    retained = containment(old_pairs, _pairs(ex.paragraphs))
    tsim = title_similarity(prior.title, ex.title)
    details.update(retained=round(retained, 3), title_similarity=round(tsim, 3))

    def edited(**extra: Any) -> Classification:
        diff = diff_texts(prior.title, prior.paragraphs, ex.title, ex.paragraphs)
        return _result("edited", None, {**details, **extra}, diff)

    if retained >= T.EDIT_STRONG_RETAINED:
        notices = {k: v for k, v in page.main_hits.items() if k != "not_found"}
        return edited(notices=notices) if notices else edited()
    page_retained = containment(old_pairs, _pairs([page.page_text]))
    details["page_retained"] = round(page_retained, 3)
    if page_retained >= T.PAGE_STILL_HAS_TEXT:
        # the old text still stands on the page; only the extraction moved: the article is there
        if tsim >= T.TITLE_SIMILAR:
            return _result("unchanged", None, {**details, "extraction_drift": True})
        diff = diff_texts(prior.title, (), ex.title, ())
        return _result("edited", None, {**details, "extraction_drift": True}, diff)
    continuing = retained >= T.EDIT_WEAK_RETAINED or (
        tsim >= T.TITLE_SIMILAR and retained >= T.EDIT_TITLE_RETAINED
    )
    bad = _bad_page(
        page, prior, profile, details, retained, continuing and page.body_words >= T.ARTICLE_MIN_WORDS
    )
    if bad is not None:
        return bad
    if continuing:
        return edited()
    if (
        retained < T.REPLACED_MAX_RETAINED
        and tsim < T.REPLACED_MAX_TITLE_SIM
        and page.body_words >= T.ARTICLE_MIN_WORDS
    ):
        return _result("removed", "content-replaced", details)
    return edited(heavy_rewrite=True)
