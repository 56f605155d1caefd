"""HTML, feed and sitemap rendering for the simulated news site (plain string building, no templates)."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape

from presswatch.clock import isoformat
from presswatch.sim.site.content import SECTION_NAMES, SECTIONS_EN, Article

__all__ = [
    "CSS",
    "LABELS",
    "NOT_FOUND_TEXT",
    "SCRIPT",
    "SITE_NAME",
    "article_head",
    "article_main",
    "article_page",
    "atom",
    "Boiler",
    "etag_for",
    "legal_451",
    "link",
    "listing_page",
    "login_form",
    "not_found_page",
    "notice_page",
    "page",
    "pick",
    "robots",
    "rss",
    "sitemap_articles",
    "sitemap_index",
    "sitemap_news",
]

SITE_NAME = "The Meridian Post"

LABELS = {
    "en": {
        "home": "Home",
        "search": "Search",
        "subscribe": "Subscribe",
        "login": "Sign in",
        "most_read": "Most read",
        "related": "Related stories",
        "newsletter": "Get the morning briefing",
        "email": "Your e-mail",
        "signup": "Sign up",
        "by": "By",
        "published": "Published",
        "updated": "Updated",
        "ad": "Advertisement",
        "more": "More from this section",
        "generated": "Page generated at",
        "latest": "Latest news",
        "rights": "All rights reserved.",
        "share": "Share",
        "comments": "Comments are closed for this article.",
    },
    "ru": {
        "home": "Главная",
        "search": "Поиск",
        "subscribe": "Подписка",
        "login": "Войти",
        "most_read": "Самое читаемое",
        "related": "Читайте также",
        "newsletter": "Утренняя рассылка",
        "email": "Ваш e-mail",
        "signup": "Подписаться",
        "by": "Автор:",
        "published": "Опубликовано",
        "updated": "Обновлено",
        "ad": "Реклама",
        "more": "Ещё в этом разделе",
        "generated": "Страница создана",
        "latest": "Последние новости",
        "rights": "Все права защищены.",
        "share": "Поделиться",
        "comments": "Комментарии к статье закрыты.",
    },
}

_NAV = {
    "politics": ["Parliament", "Elections", "Government", "Courts", "Regions", "Opinion"],
    "world": ["Central Asia", "Europe", "Middle East", "Americas", "China", "Russia"],
    "economy": ["Markets", "Energy", "Banking", "Agriculture", "Labour", "Technology"],
    "society": ["Education", "Health", "Culture", "Environment", "Media", "Religion"],
    "ru": ["Политика", "Экономика", "Общество", "Регионы", "Мнения", "Видео"],
}
_FOOTER = [
    "About us",
    "Editorial standards",
    "Corrections",
    "Contact the newsroom",
    "Advertise",
    "Careers",
    "Privacy policy",
    "Cookie settings",
    "Terms of use",
    "Accessibility",
    "RSS feeds",
    "Archive",
    "Newsletters",
    "Podcasts",
    "Photo galleries",
    "Submit a tip securely",
    "Ombudsman",
    "Ownership",
]


def _css() -> str:
    rng = random.Random("simsite-css")
    blocks = [
        "figure,h1,h2,h3,p{margin:0}body{font-family:Georgia,serif;color:#111;background:#fff;line-height:1.5}"
    ]
    names = [
        "header",
        "nav",
        "menu",
        "teaser",
        "byline",
        "dateline",
        "breadcrumbs",
        "sidebar",
        "most-read",
        "related",
        "newsletter",
        "footer",
        "ad-slot",
        "ticker",
        "share",
        "tag",
        "lead",
        "body",
        "card",
        "grid",
    ]
    props = ["margin", "padding", "font-size", "line-height", "border-bottom", "max-width", "letter-spacing"]
    for name in names:
        for sub in ("", "__title", "__item", "__link", "__meta", "--active", "--wide", "__icon"):
            decls = ";".join(f"{p}:{rng.randint(0, 48)}px" for p in rng.sample(props, 4))
            blocks.append(f".pm-{name}{sub}{{{decls};color:#{rng.randint(0, 0xFFFFFF):06x}}}")
        blocks.append(
            f"@media (max-width:{rng.choice([480, 720, 960])}px){{.pm-{name}{{display:block;"
            f"padding:{rng.randint(2, 20)}px}}}}"
        )
    return "\n".join(blocks)


CSS = _css()
SCRIPT = """
(function(w,d){'use strict';
var cfg=w.__PM_CONFIG__||{};
function ready(f){if(d.readyState!=='loading'){f();}else{d.addEventListener('DOMContentLoaded',f);}}
function track(ev,data){try{navigator.sendBeacon&&navigator.sendBeacon('/_t',JSON.stringify({e:ev,d:data,
p:location.pathname,t:Date.now(),s:cfg.session}));}catch(e){}}
function lazyAds(){var slots=d.querySelectorAll('[data-ad-slot]');for(var i=0;i<slots.length;i++){
var s=slots[i];s.setAttribute('data-loaded','0');s.style.minHeight=(s.getAttribute('data-h')||250)+'px';}}
function menu(){var b=d.querySelector('.pm-menu__toggle');if(!b)return;b.addEventListener('click',function(){
d.body.classList.toggle('pm-menu--open');track('menu',{open:d.body.classList.contains('pm-menu--open')});});}
function readTime(){var a=d.querySelector('article');if(!a)return;
var n=(a.textContent||'').split(/\\s+/).length;
var el=d.querySelector('.pm-byline__meta');if(el)
el.setAttribute('data-minutes',Math.max(1,Math.round(n/220)));}
ready(function(){lazyAds();menu();readTime();track('view',{section:cfg.section,id:cfg.articleId});});
})(window,document);
"""


@dataclass
class Boiler:
    """Per-render boilerplate knobs; ``churn`` varies everything that is not the article text."""

    rng: random.Random
    generated: datetime
    churn: bool = False
    tracking: str = ""

    @classmethod
    def stable(cls, key: str, generated: datetime) -> Boiler:
        return cls(random.Random(f"boiler:{key}"), generated)

    @classmethod
    def churning(cls, counter: int, generated: datetime) -> Boiler:
        rng = random.Random(f"churn:{counter}")
        src = rng.choice(["twitter", "facebook", "telegram", "newsletter", "push"])
        return cls(
            rng, generated, True, f"?utm_source={src}&utm_medium=social&utm_campaign=c{rng.randint(1, 10**6)}"
        )

    def token(self, n: int = 32) -> str:
        return "".join(self.rng.choice("abcdef0123456789") for _ in range(n))


def link(base: str, a: Article, boiler: Boiler) -> str:
    return f"{base}{a.path}{boiler.tracking}"


def _teasers(base: str, items: Sequence[Article], boiler: Boiler, cls: str, lead: bool = False) -> str:
    out = []
    for a in items:
        extra = f'<p class="pm-teaser__meta">{escape(a.lead)}</p>' if lead else ""
        out.append(
            f'<li class="pm-{cls}__item"><a class="pm-{cls}__link" href="{escape(link(base, a, boiler))}">'
            f"{escape(a.title)}</a>{extra}</li>"
        )
    return "\n".join(out)


def _ad(boiler: Boiler, name: str, lang: str) -> str:
    ad_id = f"ad-{name}-{boiler.token(10)}"
    return (
        f'<aside class="pm-ad-slot" id="{ad_id}" data-ad-slot="{name}" data-h="250" data-campaign='
        f'"{boiler.rng.randint(10000, 99999)}">'
        f'<span class="pm-ad-slot__meta">{LABELS[lang]["ad"]}</span></aside>'
    )


def page(
    base: str,
    lang: str,
    title: str,
    main: str,
    others: Sequence[Article],
    boiler: Boiler,
    *,
    section: str = "",
    head: str = "",
    canonical: str = "",
    crumbs: Sequence[tuple[str, str]] = (),
) -> str:
    """The site chrome around ``main``."""
    lab = LABELS[lang]
    nav = []
    for sec in [*SECTIONS_EN, "ru"]:
        active = " pm-menu--active" if sec == section else ""
        subs = "".join(
            f'<li class="pm-menu__item"><a class="pm-menu__link" href="{base}/{sec}/'
            f'{escape(s.lower().replace(" ", "-"))}/{boiler.tracking}">{escape(s)}</a></li>'
            for s in _NAV[sec]
        )
        nav.append(
            f'<li class="pm-menu__item{active}"><a class="pm-menu__link" href="{base}/{sec}/'
            f'{boiler.tracking}">{escape(SECTION_NAMES[sec])}</a><ul class="pm-menu__sub">{subs}</ul></li>'
        )
    pool = list(others)
    most = boiler.rng.sample(pool, min(10, len(pool))) if pool else []
    ticker = pool[:12]
    crumb_html = "".join(
        f'<li class="pm-breadcrumbs__item"><a href="{escape(u)}">{escape(t)}</a></li>' for t, u in crumbs
    )
    footer = "".join(
        f'<li class="pm-footer__item"><a class="pm-footer__link" href="{base}/about/'
        f'{f.lower().replace(" ", "-")}">{f}</a></li>'
        for f in _FOOTER
    )
    state = {
        "session": boiler.token(24),
        "section": section,
        "generatedAt": isoformat(boiler.generated),
        "nav": {sec: _NAV[sec] for sec in _NAV},
        "latest": [{"title": a.title, "url": f"{base}{a.path}", "section": a.section} for a in pool[:30]],
    }
    canonical_tag = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} | {SITE_NAME}</title>
{canonical_tag}
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} RSS" href="{base}/rss.xml">
<link rel="alternate" type="application/atom+xml" title="{SITE_NAME} Atom" href="{base}/atom.xml">
<meta name="csrf-token" content="{boiler.token(40)}">
{head}
<style>{CSS}</style>
</head>
<body class="pm-body pm-section-{section or "home"}">
<header class="pm-header">
<a class="pm-header__title" href="{base}/">{SITE_NAME}</a>
<button class="pm-menu__toggle" aria-label="Menu">&#9776;</button>
<form class="pm-header__search" action="{base}/search" method="get">
<input name="q" placeholder="{lab["search"]}">
<input type="hidden" name="csrf" value="{boiler.token(32)}"></form>
<a class="pm-header__link" href="{base}/subscribe">{lab["subscribe"]}</a>
<a class="pm-header__link" href="{base}/login">{lab["login"]}</a>
</header>
<nav class="pm-nav" aria-label="Sections"><ul class="pm-menu">
{"".join(nav)}
</ul></nav>
<div class="pm-ticker"><span class="pm-ticker__title">{lab["latest"]}</span><ul>
{_teasers(base, ticker, boiler, "ticker")}
</ul></div>
<ol class="pm-breadcrumbs">
<li class="pm-breadcrumbs__item"><a href="{base}/">{lab["home"]}</a></li>{crumb_html}</ol>
{_ad(boiler, "top", lang)}
<main class="pm-grid">
{main}
<aside class="pm-sidebar">
<section class="pm-most-read"><h2 class="pm-most-read__title">{lab["most_read"]}</h2><ol>
{_teasers(base, most, boiler, "most-read")}
</ol></section>
{_ad(boiler, "sidebar", lang)}
<section class="pm-newsletter"><h2 class="pm-newsletter__title">{lab["newsletter"]}</h2>
<form action="{base}/newsletter" method="post"><input type="email" name="email" placeholder="{lab["email"]}">
<input type="hidden" name="csrf" value="{boiler.token(32)}"><button>{lab["signup"]}</button></form></section>
</aside>
</main>
{_ad(boiler, "bottom", lang)}
<footer class="pm-footer"><ul class="pm-footer__list">{footer}</ul>
<p class="pm-footer__meta">&copy; {boiler.generated.year} {SITE_NAME}. {lab["rights"]}
<span class="pm-footer__generated">{lab["generated"]} {isoformat(boiler.generated)}</span></p></footer>
<script>window.__PM_CONFIG__={json.dumps(state, ensure_ascii=False)};</script>
<script>{SCRIPT}</script>
</body>
</html>
"""


def article_main(
    base: str,
    a: Article,
    related: Sequence[Article],
    more: Sequence[Article],
    boiler: Boiler,
    body_html: str | None = None,
) -> str:
    lab = LABELS[a.lang]
    if body_html is None:
        paras = "\n".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
        mid = len(a.paragraphs) // 2
        parts = paras.split("\n")
        parts.insert(mid, _ad(boiler, "inline", a.lang))
        body_html = "\n".join(parts)
        header = f"""<h1 class="pm-article__title">{escape(a.title)}</h1>
<p class="pm-lead">{escape(a.lead)}</p>
<div class="pm-byline"><span class="pm-byline__author">{lab["by"]} {escape(a.author)}</span>
<time class="pm-dateline" datetime="{isoformat(a.published)}">
{lab["published"]} {a.published:%d.%m.%Y %H:%M}</time>
{_updated(a)}<span class="pm-byline__meta"></span></div>"""
    else:
        header = ""
    tags = "".join(f'<a class="pm-tag" href="{base}/tag/{t}{boiler.tracking}">{t}</a>' for t in a.tags)
    return f"""<article class="pm-article" data-article-id="{a.index}">
{header}
<div class="pm-body">
{body_html}
</div>
<div class="pm-share">{lab["share"]}: <a href="https://twitter.com/intent/tweet?url={base}{a.path}">X</a>
<a href="https://t.me/share/url?url={base}{a.path}">Telegram</a></div>
<div class="pm-tags">{tags}</div>
<p class="pm-comments">{lab["comments"]}</p>
</article>
<section class="pm-related"><h2 class="pm-related__title">{lab["related"]}</h2><ul>
{_teasers(base, related, boiler, "related", lead=True)}
</ul></section>
<section class="pm-card"><h2 class="pm-card__title">{lab["more"]}</h2><ul>
{_teasers(base, more, boiler, "card", lead=True)}
</ul></section>"""


def _updated(a: Article) -> str:
    if a.modified <= a.published:
        return ""
    iso = isoformat(a.modified)
    return f'<time class="pm-dateline--updated" datetime="{iso}">{a.modified:%d.%m.%Y %H:%M}</time>'


def article_head(base: str, a: Article) -> str:
    url = f"{base}{a.path}"
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "description": a.lead,
        "inLanguage": a.lang,
        "datePublished": isoformat(a.published),
        "dateModified": isoformat(a.modified),
        "author": [{"@type": "Person", "name": a.author}],
        "mainEntityOfPage": url,
        "articleSection": SECTION_NAMES[a.section],
        "keywords": a.tags,
        "publisher": {
            "@type": "Organization",
            "name": SITE_NAME,
            "logo": {"@type": "ImageObject", "url": f"{base}/static/logo.png"},
        },
    }
    return f"""<meta name="description" content="{escape(a.lead)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(a.title)}">
<meta property="og:description" content="{escape(a.lead)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{SITE_NAME}">
<meta property="og:locale" content="{"ru_RU" if a.lang == "ru" else "en_GB"}">
<meta property="article:published_time" content="{isoformat(a.published)}">
<meta property="article:modified_time" content="{isoformat(a.modified)}">
<meta property="article:section" content="{escape(SECTION_NAMES[a.section])}">
<meta property="article:author" content="{escape(a.author)}">
<meta name="author" content="{escape(a.author)}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>"""


def pick(
    pool: Sequence[Article], n: int, rng: random.Random, exclude: Article | None = None
) -> list[Article]:
    cands = [p for p in pool if exclude is None or p.slug != exclude.slug]
    return rng.sample(cands, min(n, len(cands)))


def article_page(
    base: str,
    a: Article,
    pool: Sequence[Article],
    boiler: Boiler,
    body_html: str | None = None,
    canonical: bool = True,
) -> str:
    """A full article page (``body_html`` replaces the article body, e.g. with a removal notice)."""
    same = [p for p in pool if p.section == a.section]
    related = pick(same or pool, 6, boiler.rng, a)
    more = pick(same or pool, 14, boiler.rng, a)
    crumbs = [(SECTION_NAMES[a.section], f"{base}/{a.section}/")]
    if body_html is None:
        crumbs.append((a.title, f"{base}{a.path}"))
    head = article_head(base, a) if body_html is None else ""
    return page(
        base,
        a.lang,
        a.title if body_html is None else SECTION_NAMES[a.section],
        article_main(base, a, related, more, boiler, body_html),
        pool,
        boiler,
        section=a.section,
        head=head,
        canonical=f"{base}{a.path}" if canonical else "",
        crumbs=crumbs,
    )


def listing_page(
    base: str,
    title: str,
    items: Sequence[Article],
    pool: Sequence[Article],
    boiler: Boiler,
    section: str = "",
    lang: str = "en",
) -> str:
    main = f"""<section class="pm-grid pm-listing"><h1 class="pm-card__title">{escape(title)}</h1><ul>
{_teasers(base, items, boiler, "teaser", lead=True)}
</ul></section>"""
    crumbs = [(title, f"{base}/{section}/")] if section else []
    return page(
        base,
        lang,
        title,
        main,
        pool,
        boiler,
        section=section,
        canonical=f"{base}/{section + '/' if section else ''}",
        crumbs=crumbs,
    )


def notice_page(
    base: str, lang: str, title: str, text: str, pool: Sequence[Article], boiler: Boiler, extra: str = ""
) -> str:
    main = f"""<section class="pm-grid pm-notice"><h1 class="pm-card__title">{escape(title)}</h1>
<p class="pm-lead">{escape(text)}</p>{extra}</section>"""
    return page(base, lang, title, main, pool, boiler)


NOT_FOUND_TEXT = (
    "Sorry, we couldn't find the page you were looking for. It may have been moved, or the address "
    "may be mistyped. Try searching or browse the latest news below."
)


def not_found_page(base: str, pool: Sequence[Article], boiler: Boiler) -> str:
    extra = f"""<form action="{base}/search" method="get"><input name="q"><button>Search</button></form>
<ul>{_teasers(base, pool[:8], boiler, "teaser")}</ul>"""
    return notice_page(base, "en", "Page not found", NOT_FOUND_TEXT, pool, boiler, extra)


def legal_451(base: str, path: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>451 Unavailable For Legal Reasons</title>
<link rel="blocked-by" href="{base}/legal"></head>
<body><h1>Unavailable For Legal Reasons</h1>
<p>Access to {escape(path)} has been restricted in this jurisdiction following a legal demand.
The demand was issued by the authorised state body under the law on mass media.</p>
<p>For more information, see our <a href="{base}/legal">legal notices page</a>.</p></body></html>
"""


def login_form(base: str, path: str, boiler: Boiler) -> str:
    return f"""<div class="pm-paywall"><p>Subscribe or sign in to continue reading.</p>
<form class="pm-login" action="{base}/login?next={escape(path)}" method="post">
<label>E-mail <input type="email" name="email" required></label>
<label>Password <input type="password" name="password" required></label>
<input type="hidden" name="csrf" value="{boiler.token(32)}">
<button type="submit">Sign in</button></form>
<p><a href="{base}/subscribe">Subscribe from $1 for the first month</a></p></div>"""


# --- feeds and sitemaps --------------------------------------------------------------------------------


def rss(base: str, items: Sequence[Article], built: datetime) -> str:
    entries = "\n".join(
        f"""<item><title>{escape(a.title)}</title><link>{base}{a.path}</link>
<guid isPermaLink="true">{base}{a.path}</guid><pubDate>{format_datetime(a.published, usegmt=True)}</pubDate>
<category>{escape(SECTION_NAMES[a.section])}</category><dc:creator>{escape(a.author)}</dc:creator>
<description>{escape(a.lead)}</description></item>"""
        for a in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>{SITE_NAME}</title><link>{base}/</link><description>Latest news</description>
<language>en</language><lastBuildDate>{format_datetime(built, usegmt=True)}</lastBuildDate>
<atom:link href="{base}/rss.xml" rel="self" type="application/rss+xml"/>
{entries}
</channel></rss>
"""


def atom(base: str, items: Sequence[Article], built: datetime) -> str:
    entries = "\n".join(
        f"""<entry><title>{escape(a.title)}</title><link href="{base}{a.path}"/>
<id>{base}{a.path}</id><published>{isoformat(a.published)}</published><updated>{isoformat(a.modified)}</updated>
<author><name>{escape(a.author)}</name></author><summary>{escape(a.lead)}</summary></entry>"""
        for a in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{SITE_NAME}</title>
<link href="{base}/"/><link rel="self" href="{base}/atom.xml"/>
<id>{base}/</id><updated>{isoformat(built)}</updated>
{entries}
</feed>
"""


def robots(base: str) -> str:
    return f"""User-agent: *
Disallow: /search
Disallow: /_sim/
Disallow: /login

Sitemap: {base}/sitemap.xml
Sitemap: {base}/sitemap-news.xml
"""


def sitemap_index(base: str, built: datetime) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap-news.xml</loc><lastmod>{isoformat(built)}</lastmod></sitemap>
<sitemap><loc>{base}/sitemap-articles.xml</loc><lastmod>{isoformat(built)}</lastmod></sitemap>
</sitemapindex>
"""


def sitemap_news(base: str, items: Sequence[Article]) -> str:
    urls = "\n".join(
        f"""<url><loc>{base}{a.path}</loc><news:news><news:publication>
<news:name>{SITE_NAME}</news:name><news:language>{a.lang}</news:language></news:publication>
<news:publication_date>{isoformat(a.published)}</news:publication_date><news:title>{escape(a.title)}</news:title>
</news:news></url>"""
        for a in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>
"""


def sitemap_articles(base: str, items: Sequence[Article]) -> str:
    urls = "\n".join(
        f"<url><loc>{base}{a.path}</loc><lastmod>{isoformat(a.modified)}</lastmod></url>" for a in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}
</urlset>
"""


def etag_for(data: bytes) -> str:
    return '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'
