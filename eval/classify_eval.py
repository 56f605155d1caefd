"""Evaluate presswatch.analyze on real article pages turned into every kind of check.

For each real page (scrapinghub-aeb, mozilla-readability, trafilatura-eval) cases are built in memory:
unchanged bytes, boilerplate-only churn, light edits, A/B variants, a moved URL, and every removal and
withholding form (404/410, soft-404 with and without a learned profile, redirect home/section, removal
notices in en/ru/ky/kk, content replaced, 451, geo wall, login wall, 503, timeout). The main content is
located with the ground truth text; churn only touches the page outside it.

    .venv/bin/python eval/classify_eval.py [--data ../shared/data/articles] [--limit N] [--jobs 2] [-v]
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import logging
import multiprocessing
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from presswatch.analyze import (
    PageFacts,
    Prior,
    classify,
    extract,
    learn_profile,
    normalize_text,
    probe_urls,
)
from presswatch.analyze.classify import _pairs
from presswatch.analyze.extract import parse_html, visible_text
from presswatch.analyze.text import words

ROOT = Path(__file__).resolve().parent.parent
HTML = {"content-type": "text/html; charset=utf-8"}
BLOCKS = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "dd", "figcaption")
CHROME_RX = re.compile(
    r"sidebar|related|most|popular|trending|footer|header|nav|menu|widget|promo|banner|recommend|teaser|"
    r"newsletter|social|share|outbrain|taboola|rail|topbar|masthead",
    re.I,
)
AD_RX = re.compile(r"(?:^|[-_ ])(?:ad|ads|advert|gpt|dfp|banner|sponsor)", re.I)
TIME_RX = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d+ (?:minutes?|hours?) ago\b")

NOTICES = {
    "en": (
        "This article has been removed at the request of the Prosecutor General's Office.",
        "The material was withdrawn by the editors following a court order and is no longer available.",
        "This story has been taken down in compliance with a decision of the regulator.",
    ),
    "ru": (
        "Материал удалён по требованию Генеральной прокуратуры.",
        "Статья была удалена по решению суда.",
        "Публикация снята с публикации по требованию Роскомнадзора.",
    ),
    "ky": (
        "Бул материал Башкы прокуратуранын талабы боюнча өчүрүлдү.",
        "Макала соттун чечими менен өчүрүлдү.",
        "Бул жарыяланган материал мамлекеттик органдын талабы боюнча өчүрүлдү.",
    ),
    "kk": (
        "Бұл материал Бас прокуратураның талабы бойынша жойылды.",
        "Мақала сот шешімімен жойылды.",
        "Жарияланым уәкілетті органның талабы бойынша жойылды.",
    ),
}
GEO = (
    "We're sorry, this content is not available in your country.",
    "This article is unavailable in your region due to legal restrictions.",
    "Этот материал недоступен в вашей стране.",
    "Бул материал сиздин өлкөдө жеткиликсиз.",
    "Бұл материал сіздің еліңізде қолжетімсіз.",
)
LOGIN = (
    "Subscribe to continue reading. Already a subscriber? Log in.",
    "This article is for subscribers only. Sign in to read the full story.",
    "Материал доступен только подписчикам. Войдите, чтобы продолжить чтение.",
)
ADDED = (
    "This article was updated on Tuesday to include a response from the ministry.",
    "Officials later disputed this account, saying the figures were preliminary.",
    "The company did not respond to a request for comment before publication.",
)
LOGIN_FORM = (
    "<form action='/login' method='post'><label>E-mail <input type='email' name='email'></label>"
    "<label>Password <input type='password' name='password'></label><button>Log in</button></form>"
)


@dataclass
class Source:
    id: str
    url: str
    body: bytes
    gt_text: str | None  # full ground-truth article body (None: only snippets)
    snippets: list[str] = field(default_factory=list)
    dataset: str = ""


@dataclass
class Result:
    page: str
    kind: str
    expected: tuple[str, str | None]
    got: tuple[str, str | None]
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- loading
def load_sources(data: Path) -> list[Source]:
    out: list[Source] = []
    sh = data / "scrapinghub-aeb"
    if sh.is_dir():
        gt = json.loads((sh / "ground-truth.json").read_text())
        for key, rec in sorted(gt.items()):
            f = sh / "html" / f"{key}.html.gz"
            if f.exists():
                out.append(
                    Source(
                        f"aeb:{key[:10]}",
                        rec["url"],
                        gzip.decompress(f.read_bytes()),
                        rec["articleBody"],
                        dataset="scrapinghub-aeb",
                    )
                )
    mr = data / "mozilla-readability"
    if mr.is_dir():
        for d in sorted(p for p in mr.iterdir() if (p / "source.html").exists()):
            expected = d / "expected.html"
            gt_text = None
            if expected.exists():
                tree = parse_html(expected.read_bytes())
                gt_text = (
                    "\n".join(t.text_content() for t in tree.iter(*BLOCKS)) if tree is not None else None
                )
            name = re.sub(r"[^a-z0-9]+", "-", d.name.lower())
            url = f"https://www.{name}.example/news/2019/05/{name}-story-about-something"
            out.append(
                Source(
                    f"moz:{d.name}",
                    url,
                    (d / "source.html").read_bytes(),
                    gt_text,
                    dataset="mozilla-readability",
                )
            )
    te = data / "trafilatura-eval"
    if te.is_dir():
        index = json.loads((te / "index.json").read_text())
        by_sha: dict[str, Path] = {}
        for hf in sorted((te / "html").iterdir()):
            by_sha[hashlib.sha256(hf.read_bytes()).hexdigest()] = hf
        for url, rec in sorted(index.items()):
            hit = by_sha.get(rec.get("sha256", ""))
            if hit is not None:
                out.append(
                    Source(
                        f"tra:{hit.stem[:10]}",
                        url,
                        hit.read_bytes(),
                        None,
                        list(rec.get("with", [])),
                        dataset="trafilatura-eval",
                    )
                )
    return out


def _norm(s: str) -> str:
    return " ".join(normalize_text(s).split()).lower()


# --------------------------------------------------------------------------------------------- the page model
class Doc:
    """A parsed page with its main content located from the ground truth."""

    def __init__(self, src: Source, baseline_text: str) -> None:
        self.src = src
        tree = parse_html(src.body)
        if tree is None:
            raise ValueError("unparseable")
        self.tree: lxml.html.HtmlElement = tree
        gt = _norm(src.gt_text) if src.gt_text else _norm(baseline_text)
        snippets = [_norm(s) for s in src.snippets]
        matched = []
        for el in tree.iter(*BLOCKS):
            t = _norm(el.text_content())
            if len(t) >= 30 and (t in gt or any(s and s in t for s in snippets)):
                matched.append(el)
        if not matched:
            raise ValueError("main content not found")
        self.matched = matched
        anc = [matched[0], *matched[0].iterancestors()]
        for el in matched[1:]:
            chain = {el, *el.iterancestors()}
            anc = [a for a in anc if a in chain]
        self.main: lxml.html.HtmlElement = anc[0]
        self.paras = [
            el
            for el in matched
            if el.tag == "p"
            and 60 <= len(_norm(el.text_content())) <= 2000
            and not any(d.tag in ("p", "div", "li", "ul", "table", "h2", "h3") for d in el.iterdescendants())
        ]
        rt = self.tree.getroottree()
        self.main_path = rt.getpath(self.main)
        self.para_paths = [rt.getpath(p) for p in self.paras]
        self.matched_paths = [rt.getpath(m) for m in matched]
        self.site = self._site_name()
        self.title = (self.tree.findtext(".//title") or "").strip()

    def _site_name(self) -> str:
        for m in self.tree.iter("meta"):
            if m.get("property") == "og:site_name" and m.get("content"):
                return str(m.get("content")).strip()
        return urlsplit(self.src.url).hostname or "Site"

    def copy(self) -> tuple[lxml.html.HtmlElement, lxml.html.HtmlElement]:
        t = copy.deepcopy(self.tree)
        return t, t.getroottree().xpath(self.main_path)[0]

    # ------------------------------------------------------------------ chrome pages
    def chrome_with(self, content_html: str, title: str | None) -> bytes:
        """This page's chrome (header, nav, sidebars, footer) around ``content_html`` (not the article)."""
        t, main = self.copy()
        new = lxml.html.fragment_fromstring(content_html, create_parent="div")
        new.set("class", "content")
        rt = t.getroottree()
        leftovers = [el for p in self.matched_paths for el in rt.xpath(p) if el is not main]
        if main.tag in ("html", "body"):
            body = t.find(".//body")
            body = body if body is not None else t
            body.append(new)
        else:
            new.tail = main.tail
            parent = main.getparent()
            assert parent is not None
            parent.replace(main, new)
        for el in leftovers:  # article text outside the located main element (lead, teaser, noscript copy)
            if el.getparent() is not None and main not in set(el.iterancestors()):
                el.drop_tree()
        for el in list(t.iter("h1")):
            if el is not new and new not in set(el.iterancestors()) and el.getparent() is not None:
                if not any(a is new for a in el.iterancestors()):
                    el.drop_tree()
        for el in list(t.iter("meta")):
            name = (el.get("property") or el.get("name") or el.get("itemprop") or "").lower()
            if any(w in name for w in ("title", "description", "headline")):
                el.drop_tree()
        for el in list(t.iter("script")):
            if "ld+json" in (el.get("type") or ""):
                el.drop_tree()
        head = t.find(".//head")
        if head is None:
            head = etree.SubElement(t, "head")
            t.insert(0, head)
        old = head.find("title")
        if title is not None:
            if old is None:
                old = etree.SubElement(head, "title")
            old.text = title
        return bytes(lxml.html.tostring(t, encoding="utf-8", doctype="<!DOCTYPE html>"))

    def not_found_html(self, url: str, rng: random.Random, pool: list[str], style: str) -> tuple[str, str]:
        path = urlsplit(url).path
        links = "".join(f"<li><a href='/n/{rng.randrange(10**6)}'>{h}</a></li>" for h in rng.sample(pool, 5))
        if style == "en":
            return (
                f"Page not found | {self.site}",
                f"<h2>Page not found</h2><p>Sorry, the page {path} could not be found. It may have been moved"
                f" or deleted.</p><h3>You might be interested in</h3><ul>{links}</ul>",
            )
        if style == "ru":
            return (
                f"Страница не найдена — {self.site}",
                f"<h2>Ошибка 404</h2><p>Запрашиваемая страница {path} не существует или была перемещена.</p>"
                f"<ul>{links}</ul>",
            )
        # generic: the site's own title, no "not found" wording at all
        return (
            self.site,
            f"<h2>Oops!</h2><p>There's nothing here at {path}. Try the search box above or browse our latest"
            f" stories below.</p><ul>{links}</ul>",
        )

    def home_html(self, rng: random.Random, pool: list[str]) -> bytes:
        items = "".join(
            f"<li><a href='/news/{rng.randrange(10**6)}'>{h}</a><p>{h}.</p></li>"
            for h in rng.sample(pool, 15)
        )
        return self.chrome_with(f"<h2>Top stories</h2><ul class='stories'>{items}</ul>", self.site)

    # ------------------------------------------------------------------ mutations
    def churn(self, rng: random.Random, pool: list[str]) -> bytes:
        """Boilerplate-only churn: rotate/replace link lists, change times and ids, add utm params."""
        t, main = self.copy()
        anc = set(main.iterancestors())
        inside = set(main.iter())

        def outside(el: etree._Element) -> bool:
            return el not in anc and el not in inside

        def chrome_like(el: etree._Element) -> bool:
            if el.tag in ("header", "footer", "nav", "aside"):
                return True
            return bool(CHROME_RX.search(f"{el.get('class') or ''} {el.get('id') or ''}"))

        chrome_roots = [el for el in t.iter() if isinstance(el.tag, str) and outside(el) and chrome_like(el)]
        chrome: set[etree._Element] = set()
        for r in chrome_roots:
            chrome.update(e for e in r.iter() if outside(e))
        for ul in list(t.iter("ul", "ol")):
            if not (ul in chrome or (outside(ul) and ul.tag)) or not outside(ul):
                continue
            lis = [li for li in ul if li.tag == "li"]
            if len(lis) < 3 or sum(1 for li in lis if li.find(".//a") is not None) < 3:
                continue
            if any(h.tag == "h1" for li in lis for h in li.iter()):
                continue
            for li in lis:
                ul.remove(li)
            rng.shuffle(lis)
            for li in lis:
                ul.append(li)
            for li in rng.sample(lis, len(lis) // 2):
                a = li.find(".//a")
                if a is not None and _norm(a.text_content()):
                    for child in list(a):
                        a.remove(child)
                    a.text = rng.choice(pool)
        for el in chrome:
            if el.tag in ("script", "style", "title", "h1") or not isinstance(el.tag, str):
                continue
            if el.text and TIME_RX.search(el.text):
                el.text = TIME_RX.sub(lambda m: _new_time(m.group(0), rng), el.text)
            if el.tail and TIME_RX.search(el.tail) and el.getparent() in chrome:
                el.tail = TIME_RX.sub(lambda m: _new_time(m.group(0), rng), el.tail)
        for el in t.iter():
            if not isinstance(el.tag, str):
                continue
            ident = el.get("id")
            if ident and outside(el) and (re.search(r"\d", ident) or AD_RX.search(ident)):
                el.set(
                    "id",
                    re.sub(r"\d+", lambda _m: str(rng.randrange(10**6)), ident) + f"-{rng.randrange(999)}",
                )
            if el.tag == "script" and el.text and "ld+json" not in (el.get("type") or ""):
                el.text = re.sub(r"\d{3,}", lambda _m: str(rng.randrange(10**9)), el.text)
            if el.tag == "a" and el.get("href", "").startswith(("http", "/")):
                href = el.get("href", "")
                sep = "&" if "?" in href else "?"
                q = urlencode(
                    {
                        "utm_source": rng.choice(["tw", "fb", "nl"]),
                        "utm_medium": "social",
                        "utm_campaign": f"c{rng.randrange(10**5)}",
                    }
                )
                el.set("href", href + sep + q)
        body = t.find(".//body")
        if body is not None:
            box = lxml.html.fragment_fromstring(
                "<aside class='most-read'><h3>Most read</h3><ol>"
                + "".join(
                    f"<li><a href='/n/{rng.randrange(10**6)}'>{h}</a></li>" for h in rng.sample(pool, 5)
                )
                + "</ol></aside>"
            )
            body.append(box)
            sc = etree.SubElement(body, "script")
            sc.text = f"window.__pv={{id:'{rng.randrange(16**8):08x}',t:{rng.randrange(10**10)}}};"
        return bytes(lxml.html.tostring(t, encoding="utf-8", doctype="<!DOCTYPE html>"))

    def reserialized(self) -> bytes:
        t, _ = self.copy()
        return bytes(lxml.html.tostring(t, encoding="utf-8", doctype="<!DOCTYPE html>"))

    def edit(self, kind: str, rng: random.Random) -> bytes | None:
        """One light edit of the article: modify, add or remove a paragraph, or change the headline."""
        if not self.para_paths or (kind == "remove" and len(self.para_paths) < 3):
            return None
        t, _ = self.copy()
        rt = t.getroottree()
        idx = rng.randrange(1, len(self.para_paths)) if len(self.para_paths) > 1 else 0
        found = rt.xpath(self.para_paths[idx])
        if not found:
            return None
        p = found[0]
        sentence = rng.choice(ADDED)
        if kind == "modify":
            if len(p):
                p[-1].tail = (p[-1].tail or "") + " " + sentence
            else:
                p.text = (p.text or "") + " " + sentence
        elif kind == "add":
            new = etree.Element("p")
            new.text = sentence
            new.tail = p.tail
            p.tail = None
            p.addnext(new)
        elif kind == "remove":
            p.drop_tree()
        elif kind == "headline":
            new_title = None
            for el in [*t.iter("h1"), *t.iter("title")]:
                txt = el.text_content().strip()
                if txt:
                    ws = txt.split()
                    keep = max(1, len(ws) * 2 // 3)
                    new_title = " ".join(ws[:keep]) + " amid new questions"
                    for child in list(el):
                        el.remove(child)
                    el.text = new_title
            for m in t.iter("meta"):
                if (m.get("property") or m.get("name") or "").lower() in ("og:title", "twitter:title"):
                    m.set("content", new_title or "Updated")
            for sc in t.iter("script"):
                if "ld+json" in (sc.get("type") or "") and sc.text and '"headline"' in sc.text:
                    sc.text = re.sub(r'"headline"\s*:\s*"[^"]*"', f'"headline": "{new_title}"', sc.text)
            new = etree.Element("p")
            new.text = sentence
            new.tail = p.tail
            p.tail = None
            p.addnext(new)
        return bytes(lxml.html.tostring(t, encoding="utf-8", doctype="<!DOCTYPE html>"))


# --------------------------------------------------------------------------------------------- cases
def _facts(
    url: str,
    body: bytes | None,
    status: int | None = 200,
    final: str | None = None,
    headers: dict[str, str] | None = None,
    error: str | None = None,
) -> PageFacts:
    final = final or url
    redirects = (url,) if final != url else ()
    return PageFacts(
        url=url,
        final_url=final,
        http_status=status,
        headers=headers or HTML,
        body=body,
        redirects=redirects,
        error_reason=error,
    )


def _with_path(url: str, path: str, query: str = "") -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, path, query, ""))


def run_page(args: tuple[Source, Source, list[str], int]) -> tuple[str, list[Result], str | None]:
    src, other, pool, seed = args
    rng = random.Random(seed)
    logging.disable(logging.WARNING)
    base = extract(src.body, src.url)
    if len(base.text.split()) < 30:
        return src.id, [], "baseline extraction under 30 words"
    try:
        doc = Doc(src, base.text)
    except ValueError as exc:
        return src.id, [], str(exc)
    url = src.url
    prior = Prior.from_extracted(base)
    style = rng.choice(["en", "generic", "ru"])
    home_url = _with_path(url, "/")
    home_body = doc.home_html(rng, pool)
    probes = []
    for purl in probe_urls(url, rng):
        title, content = doc.not_found_html(purl, rng, pool, style)
        probes.append(_facts(purl, doc.chrome_with(content, title)))
    profile = learn_profile(_facts(home_url, home_body), probes)
    nf_title, nf_content = doc.not_found_html(url, rng, pool, style)
    nf_page = doc.chrome_with(nf_content, nf_title)
    if _shows(nf_page, _pairs(base.paragraphs)):
        return src.id, [], "the page chrome repeats the article text (no removal page can be built)"

    cases: list[tuple[str, tuple[str, str | None], PageFacts, Prior | None, Any]] = []

    def add(
        kind: str,
        exp: tuple[str, str | None],
        facts: PageFacts,
        pr: Prior | None = prior,
        prof: Any = profile,
    ) -> None:
        cases.append((kind, exp, facts, pr, prof))

    add("new", ("new", None), _facts(url, src.body), None)
    add("unchanged", ("unchanged", None), _facts(url, src.body))
    add("churn:markup", ("unchanged", None), _facts(url, doc.reserialized()))
    for i in range(2):
        add(f"churn:{i}", ("unchanged", None), _facts(url, doc.churn(random.Random(seed * 7 + i), pool)))
    for kind in ("modify", "add", "remove", "headline"):
        b = doc.edit(kind, rng)
        if b is not None:
            add(f"edit:{kind}", ("edited", None), _facts(url, b))
    b = doc.edit("modify", random.Random(seed + 1))
    if b is not None:  # A/B: the other variant was seen before
        variant = extract(b, url)
        ab_prior = Prior.from_extracted(base, {base.text_digest: 3, variant.text_digest: 2})
        add("ab-variant", ("unchanged", None), _facts(url, b), ab_prior)
    moved = _with_path(url, urlsplit(url).path.rstrip("/") + "-2024-update")
    add("moved", ("unchanged", None), _facts(url, src.body, final=moved))
    add("404", ("removed", "http-404"), _facts(url, nf_page, 404))
    add("410", ("removed", "http-410"), _facts(url, nf_page, 410))
    add("soft-404", ("removed", "soft-404"), _facts(url, nf_page))
    add("soft-404:no-profile", ("removed", "soft-404"), _facts(url, nf_page), prof=None)
    add("redirect-home", ("removed", "redirect-home"), _facts(url, home_body, final=home_url))
    segs = [s for s in urlsplit(url).path.split("/") if s]
    section = "/" + segs[0] + "/" if len(segs) > 1 else "/news/"
    add(
        "redirect-section",
        ("removed", "redirect-home"),
        _facts(url, home_body, final=_with_path(url, section)),
    )
    for lang, texts in NOTICES.items():
        text = rng.choice(texts)
        title = rng.choice([doc.title, doc.site, text[:40]])
        body = doc.chrome_with(f"<h2>{text.split('.')[0]}</h2><p>{text}</p>", title)
        add(f"notice:{lang}", ("removed", "removal-notice"), _facts(url, body))
    other_base = extract(other.body, other.url)
    if len(other_base.text.split()) >= 80:
        add("replaced:other-site", ("removed", "content-replaced"), _facts(url, other.body))
    if len(other_base.text.split()) >= 80:
        html = f"<h1>{other_base.title or 'Story'}</h1>" + "".join(
            f"<p>{_esc(p)}</p>" for p in other_base.paragraphs
        )
        add(
            "replaced:same-chrome",
            ("removed", "content-replaced"),
            _facts(url, doc.chrome_with(html, other_base.title)),
        )
    add(
        "451",
        ("withheld", "http-451"),
        _facts(url, b"<html><body><h1>Unavailable For Legal Reasons</h1></body></html>", 451),
    )
    geo = rng.choice(GEO)
    add("geo-wall:200", ("withheld", "geo-wall"), _facts(url, doc.chrome_with(f"<p>{geo}</p>", doc.site)))
    add(
        "geo-wall:403",
        ("withheld", "geo-wall"),
        _facts(url, doc.chrome_with(f"<p>{rng.choice(GEO)}</p>", None), 403),
    )
    teaser = _esc(base.paragraphs[1] if len(base.paragraphs) > 1 else base.paragraphs[0])
    add(
        "login-wall:teaser",
        ("withheld", "login-wall"),
        _facts(
            url,
            doc.chrome_with(
                f"<p>{teaser}</p><div class='wall'><p>{rng.choice(LOGIN)}</p>{LOGIN_FORM}</div>", doc.title
            ),
        ),
    )
    login_url = _with_path(url, "/login", urlencode({"next": urlsplit(url).path}))
    add(
        "login-wall:redirect",
        ("withheld", "login-wall"),
        _facts(url, doc.chrome_with(f"<h2>Sign in</h2>{LOGIN_FORM}", "Sign in"), final=login_url),
    )
    add(
        "503", ("unreachable", "http-5xx"), _facts(url, b"<html><body>Service Unavailable</body></html>", 503)
    )
    add("timeout", ("unreachable", "timeout"), _facts(url, None, None, error="timeout"))

    results = []
    old_pairs = _pairs(base.paragraphs)
    for kind, exp, facts, pr, prof in cases:
        if exp[0] in ("removed", "withheld") and facts.body and facts.http_status == 200 and old_pairs:
            # a page that still carries the article (the site repeats it elsewhere) is no removal case
            if _shows(facts.body, old_pairs):
                results.append(Result(src.id, kind, exp, ("invalid", None), 0.0, {}))
                continue
        t0 = time.process_time()
        ex = (
            extract(facts.body, facts.final_url or facts.url)
            if facts.body and facts.http_status == 200
            else None
        )
        c = classify(facts, ex, pr, prof)
        dt = time.process_time() - t0
        keep: dict[str, Any] = {
            k: c.details.get(k)
            for k in (
                "retained",
                "title_similarity",
                "main_words",
                "soft404_evidence",
                "hits",
                "page_retained",
                "redirect",
                "body_words",
            )
        }
        if c.diff is not None and exp[0] != "edited":
            keep["hunks"] = [(h["old"][:160], h["new"][:160]) for h in c.diff.hunks[:3]]
        results.append(Result(src.id, kind, exp, (c.status, c.reason), dt, keep))
    return src.id, results, None


def _shows(body: bytes, old_pairs: set[str]) -> bool:
    """Does a built page still show (visible text) at least half of the article's word pairs?"""
    tree = parse_html(body)
    if tree is None or not old_pairs:
        return False
    return len(old_pairs & _pairs([visible_text(tree)])) / len(old_pairs) >= 0.5


def _headline_pool(sources: list[Source]) -> list[str]:
    """Headlines of all pages (from <title>), to fill rotating link lists and suggestion boxes."""
    out = set()
    for s in sources:
        m = re.search(rb"<title[^>]*>(.*?)</title>", s.body[:200_000], re.S | re.I)
        if m:
            t = _esc(" ".join(m.group(1).decode("utf-8", "replace").split()))
            if 10 < len(t) < 140:
                out.add(t)
    return sorted(out)


def _new_time(old: str, rng: random.Random) -> str:
    """Another clock time, date or "N minutes ago" of the same shape."""
    if ":" in old:
        return f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
    if "ago" in old:
        return f"{rng.randrange(2, 59)} minutes ago"
    return re.sub(r"\d+", lambda m: str(rng.randrange(1, 13)).zfill(len(m.group(0))), old)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------------------------- scoring
def prf(pairs: Iterable[tuple[str | None, str | None]]) -> dict[str, tuple[float, float, float, int]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    support: Counter[str] = Counter()
    for exp, got in pairs:
        if exp is not None:
            support[exp] += 1
        if exp == got and exp is not None:
            tp[exp] += 1
        else:
            if got is not None:
                fp[got] += 1
            if exp is not None:
                fn[exp] += 1
    out = {}
    for label in sorted(set(support) | set(fp)):
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[label] = (p, r, f, support[label])
    return out


def print_table(title: str, table: dict[str, tuple[float, float, float, int]]) -> None:
    print(f"\n{title:<22} {'precision':>9} {'recall':>7} {'F1':>7} {'support':>8}")
    for label, (p, r, f, n) in table.items():
        print(f"{label:<22} {p:9.3f} {r:7.3f} {f:7.3f} {n:8d}")


def token_f1(pred: str, gold: str) -> float:
    a, b = Counter(words(pred)), Counter(words(gold))
    common = sum((a & b).values())
    if not common:
        return 0.0
    p, r = common / sum(a.values()), common / sum(b.values())
    return 2 * p * r / (p + r)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data" / "articles")
    ap.add_argument("--limit", type=int, default=0, help="pages per dataset (0 = all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every misclassified case")
    ap.add_argument("--json", type=Path, help="write all results here")
    ap.add_argument("--only", help="comma-separated page id prefixes to run")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    sources = load_sources(args.data)
    if not sources:
        print(f"no pages under {args.data}", file=sys.stderr)
        return 2
    pool = _headline_pool(sources)
    if args.only:
        prefixes = tuple(args.only.split(","))
        sources_all = sources
        sources = [s for s in sources if s.id.startswith(prefixes)]
        sources += [s for s in sources_all if s not in sources][:2]  # partners for content replacement
    if args.limit:
        per: dict[str, int] = defaultdict(int)
        kept = []
        for s in sources:
            if per[s.dataset] < args.limit:
                per[s.dataset] += 1
                kept.append(s)
        sources = kept
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    per_set = ", ".join(f"{k}={v}" for k, v in Counter(s.dataset for s in sources).items())
    print(f"pages: {len(sources)} ({per_set})")

    # extraction speed and quality on the original pages
    t0 = time.process_time()
    extracted = [extract(s.body, s.url) for s in sources]
    dt = time.process_time() - t0
    mb = sum(len(s.body) for s in sources) / 1e6
    print(
        f"extraction: {len(sources) / dt:.1f} pages/s, {mb / dt:.1f} MB/s (one core, CPU time, {mb:.1f} MB)"
    )
    f1s = [
        token_f1(e.text, s.gt_text)
        for s, e in zip(sources, extracted, strict=True)
        if s.dataset == "scrapinghub-aeb" and s.gt_text
    ]
    if f1s:
        f1s.sort()
        print(
            f"extraction token F1 on scrapinghub-aeb: mean {sum(f1s) / len(f1s):.3f}, median "
            f"{f1s[len(f1s) // 2]:.3f}, p10 {f1s[len(f1s) // 10]:.3f} (n={len(f1s)})"
        )

    rng = random.Random(args.seed)
    work = []
    for i, s in enumerate(sources):
        other = sources[(i + 1 + rng.randrange(len(sources) - 1)) % len(sources)]
        work.append((s, other, pool, args.seed * 1000 + i))
    t0 = time.perf_counter()
    results: list[Result] = []
    skipped: list[tuple[str, str]] = []
    invalid: list[Result] = []
    with multiprocessing.Pool(args.jobs) as mp:
        for sid, res, why in mp.imap_unordered(run_page, work, chunksize=2):
            invalid.extend(r for r in res if r.got[0] == "invalid")
            results.extend(r for r in res if r.got[0] != "invalid")
            if why:
                skipped.append((sid, why))
    wall = time.perf_counter() - t0
    print(
        f"cases: {len(results)} from {len(sources) - len(skipped)} pages in {wall:.0f} s "
        f"({len(results) / wall:.0f} checks/s with {args.jobs} workers); skipped pages: {len(skipped)}"
    )
    for sid, why in skipped:
        print(f"  skipped {sid}: {why}")
    if invalid:
        print(
            f"dropped {len(invalid)} removal cases whose page still shows the article text elsewhere: "
            + ", ".join(sorted({f"{r.page}" for r in invalid}))
        )

    print_table("status", prf((r.expected[0], r.got[0]) for r in results))
    print_table("reason", prf((r.expected[1], r.got[1]) for r in results if r.expected[1] or r.got[1]))
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    print(f"\n{'case':<22} {'correct':>8} {'total':>6}  wrong as")
    for kind in sorted(by_kind):
        rs = by_kind[kind]
        ok = sum(1 for r in rs if r.got == r.expected)
        wrong = Counter(f"{r.got[0]}/{r.got[1]}" for r in rs if r.got != r.expected)
        print(f"{kind:<22} {ok:8d} {len(rs):6d}  {dict(wrong.most_common(3)) if wrong else ''}")
    churn = [r for r in results if r.kind.startswith("churn")]
    n_churn_edited = sum(1 for r in churn if r.got[0] == "edited")
    print(f"\nedited on boilerplate-only churn: {n_churn_edited} of {len(churn)} (goal 0)")
    removed = prf((r.expected[0], r.got[0]) for r in results)["removed"]
    print(f"F1 removed: {removed[2]:.4f} (goal >= 0.98)")
    edits = [r for r in results if r.kind.startswith("edit:")]
    if edits:
        per_check = sum(r.seconds for r in edits) / len(edits)
        print(f"edited checks (extract + classify): {1 / per_check:.0f}/s per core (CPU time)")
    if args.verbose:
        print("\nmisclassified:")
        for r in sorted(results, key=lambda r: (r.kind, r.page)):
            if r.got != r.expected:
                print(f"  {r.page:<16} {r.kind:<22} expected {r.expected} got {r.got} {r.details}")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], default=str, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
