"""The simulated news site over real HTTP: content, feeds, validators and every scenario."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import ssl
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

import brotli
import feedparser
import httpx
import pytest

from presswatch.clock import FakeClock
from presswatch.sim.site import STATES, SimSite

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture(scope="module")
def site(clock: FakeClock) -> Iterator[SimSite]:
    with SimSite(articles=60, seed=5, clock=clock).start() as s:
        yield s


@pytest.fixture(scope="module")
def fresh(site: SimSite) -> Iterator[str]:
    """A generator of slugs nobody has touched yet (one per test)."""
    return iter(site.slugs()[10:])


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def url_of(site: SimSite, slug: str) -> str:
    return next(u for u in site.article_urls() if u.endswith("/" + slug))


def body_paragraphs(html: str) -> list[str]:
    body = html.split('<div class="pm-body">', 1)[1].split("</div>", 1)[0]
    return re.findall(r"<p>(.*?)</p>", body)


def h1(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html).group(1)  # type: ignore[union-attr]


# --- content ---------------------------------------------------------------------------------------------


def test_article_pages_are_realistic(site: SimSite, client: httpx.Client) -> None:
    urls = site.article_urls()
    assert len(urls) == 60 and len(set(site.slugs())) == 60
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+/news/\d{4}/\d{2}/[a-z0-9-]+-\d{4,5}", u) for u in urls)
    langs = {"en": 0, "ru": 0}
    sizes = []
    for u in urls[:20]:
        r = client.get(u)
        assert r.status_code == 200
        html = r.text
        sizes.append(len(r.content))
        lang = re.search(r'<html lang="(\w+)"', html).group(1)  # type: ignore[union-attr]
        langs[lang] += 1
        assert f'<link rel="canonical" href="{u}">' in html
        assert '"@type": "NewsArticle"' in html and 'property="og:title"' in html
        assert 'property="article:published_time"' in html
        assert 6 <= len(body_paragraphs(html)) <= 15
        assert "pm-most-read" in html and "pm-related" in html and "data-ad-slot" in html
        assert (
            "pm-newsletter" in html and "<footer" in html and "<script>" in html and "pm-breadcrumbs" in html
        )
    assert min(sizes) >= 40_000 and max(sizes) <= 80_000
    assert langs["en"] >= 4 and langs["ru"] >= 4
    texts = {tuple(body_paragraphs(client.get(u).text)) for u in urls[:20]}
    assert len(texts) == 20


def test_content_is_deterministic() -> None:
    clock = FakeClock(T0)
    a, b, c = (SimSite(articles=5, seed=s, clock=clock) for s in (3, 3, 4))
    assert a.slugs() == b.slugs() != c.slugs()
    assert a.article(a.slugs()[0]) == b.article(b.slugs()[0])
    with a.start(), b.start():
        pa = httpx.get(a.article_urls()[2]).text
        pb = httpx.get(b.article_urls()[2]).text
    assert body_paragraphs(pa) == body_paragraphs(pb) and h1(pa) == h1(pb)


def test_home_sections_feeds_sitemaps(site: SimSite, client: httpx.Client) -> None:
    home = client.get(site.url + "/").text
    assert 'type="application/rss+xml"' in home and 'type="application/atom+xml"' in home
    latest = site.article_urls()[0]
    assert latest in home
    for sec in ("politics", "world", "ru"):
        r = client.get(f"{site.url}/{sec}/")
        assert r.status_code == 200 and "/news/" in r.text
    rss = feedparser.parse(client.get(site.url + "/rss.xml").content)
    assert not rss.bozo and rss.entries[0].link == latest and len(rss.entries) == 50
    atom = feedparser.parse(client.get(site.url + "/atom.xml").content)
    assert not atom.bozo and atom.entries[0].link == latest
    robots = client.get(site.url + "/robots.txt").text
    assert f"Sitemap: {site.url}/sitemap.xml" in robots
    ns = {
        "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    index = ElementTree.fromstring(client.get(site.url + "/sitemap.xml").content)
    locs = [e.text or "" for e in index.findall("sm:sitemap/sm:loc", ns)]
    assert locs == [site.url + "/sitemap-news.xml", site.url + "/sitemap-articles.xml"]
    news = ElementTree.fromstring(client.get(locs[0]).content)
    first = news.find("sm:url", ns)
    assert first is not None and first.findtext("sm:loc", None, ns) == latest
    assert first.findtext("n:news/n:publication_date", None, ns) and first.findtext(
        "n:news/n:title", None, ns
    )
    arts = ElementTree.fromstring(client.get(locs[1]).content)
    assert len(arts.findall("sm:url", ns)) >= 55


def test_not_found_and_soft_404_site(site: SimSite, client: httpx.Client) -> None:
    r = client.get(site.url + "/news/2020/01/no-such-story-1234")
    assert r.status_code == 404 and "Page not found" in r.text and "pm-header" in r.text
    with SimSite(articles=3, seed=1, unknown_urls="soft-404").start() as soft:
        r2 = httpx.get(soft.url + "/missing")
        assert r2.status_code == 200 and "Page not found" in r2.text
        assert httpx.get(soft.article_urls()[0]).status_code == 200


def test_validators_gzip_and_keepalive(site: SimSite, fresh: Iterator[str]) -> None:
    url = url_of(site, next(fresh))
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port)
    before = site.requests_served
    conn.request("GET", parts.path)
    r = conn.getresponse()
    plain = r.read()
    etag, lm = r.getheader("ETag"), r.getheader("Last-Modified")
    assert r.status == 200 and etag and lm and r.getheader("Content-Encoding") is None
    conn.request("GET", parts.path, headers={"If-None-Match": etag})
    r = conn.getresponse()
    assert r.status == 304 and r.read() == b""
    conn.request("GET", parts.path, headers={"If-Modified-Since": lm})
    r = conn.getresponse()
    assert r.status == 304 and r.read() == b""
    old = format_datetime(T0 - timedelta(days=30), usegmt=True)
    conn.request("GET", parts.path, headers={"If-Modified-Since": old})
    r = conn.getresponse()
    assert r.status == 200 and r.read() == plain
    conn.request("GET", parts.path, headers={"Accept-Encoding": "gzip"})
    r = conn.getresponse()
    packed = r.read()
    assert r.getheader("Content-Encoding") == "gzip" and len(packed) < len(plain) / 2
    assert gzip.decompress(packed) == plain and r.getheader("Vary") == "Accept-Encoding"
    conn.request("HEAD", parts.path)
    r = conn.getresponse()
    assert r.status == 200 and r.read() == b"" and int(r.getheader("Content-Length") or 0) == len(plain)
    conn.close()
    assert site.requests_served - before == 6  # all over one connection


def test_publish_and_control_endpoint(site: SimSite, client: httpx.Client, clock: FakeClock) -> None:
    clock.advance(3600)
    new = site.publish(2)
    assert len(new) == 2 and set(new) <= set(site.article_urls()[:2])
    assert f"/news/{clock.now():%Y/%m}/" in new[0]
    rss = feedparser.parse(client.get(site.url + "/rss.xml").content)
    assert {e.link for e in rss.entries[:2]} == set(new)
    assert new[0] in client.get(site.url + "/sitemap-news.xml").text
    r = client.post(site.url + "/_sim/publish", json={"n": 1})
    assert r.status_code == 200 and r.json()["urls"][0] == site.article_urls()[0]
    slug = site.slugs()[0]
    r = client.post(site.url + "/_sim/state", json={"slug": slug, "state": "delete-410", "params": {}})
    assert r.status_code == 200 and client.get(site.article_urls()[0]).status_code == 410
    assert client.post(site.url + "/_sim/state", json={"slug": "nope", "state": "normal"}).status_code == 400
    assert client.post(site.url + "/_sim/state", json={"slug": slug, "state": "bogus"}).status_code == 400
    listed = client.get(site.url + "/_sim/articles").json()
    assert listed["slugs"] == site.slugs()
    with pytest.raises(ValueError):
        site.set_state(slug, "no-such-state")


# --- scenarios ---------------------------------------------------------------------------------------------


def test_edit_paragraph_and_headline(site: SimSite, fresh: Iterator[str], client: httpx.Client) -> None:
    slug = next(fresh)
    url = url_of(site, slug)
    r0 = client.get(url)
    paras0 = body_paragraphs(r0.text)
    site.set_state(slug, "edit-paragraph", index=1, text="The ministry later disputed this account.")
    r1 = client.get(url)
    paras1 = body_paragraphs(r1.text)
    assert paras1[1] == "The ministry later disputed this account." and paras1[0] == paras0[0]
    assert r1.headers["etag"] != r0.headers["etag"]
    site.set_state(slug, "edit-paragraph", index=2)
    r2 = client.get(url)
    assert body_paragraphs(r2.text)[2] != paras1[2] and r2.headers["etag"] != r1.headers["etag"]
    site.set_state(slug, "edit-paragraph", index=0, remove=True)
    assert len(body_paragraphs(client.get(url).text)) == len(paras0) - 1
    site.set_state(slug, "edit-paragraph", add=True, text="An added closing paragraph.")
    assert body_paragraphs(client.get(url).text)[-1] == "An added closing paragraph."
    site.set_state(slug, "edit-headline", title="Ministry demands removal, editors refuse")
    r3 = client.get(url)
    assert h1(r3.text) == "Ministry demands removal, editors refuse"
    assert "<title>Ministry demands removal, editors refuse" in r3.text
    site.set_state(slug, "normal", revert=True)
    r4 = client.get(url)
    assert body_paragraphs(r4.text) == paras0 and h1(r4.text) == h1(r0.text)
    assert r4.headers["etag"] != r0.headers["etag"]  # a revert is a new version (dates change)


def test_churn_changes_only_boilerplate(
    site: SimSite, fresh: Iterator[str], client: httpx.Client, clock: FakeClock
) -> None:
    slug = next(fresh)
    url = url_of(site, slug)
    normal = client.get(url).text
    site.set_state(slug, "churn")
    pages = []
    for _ in range(3):
        clock.advance(61)
        pages.append(client.get(url).text)
    assert len(set(pages)) == 3
    assert all(body_paragraphs(p) == body_paragraphs(normal) and h1(p) == h1(normal) for p in pages)
    assert all("utm_source=" in p for p in pages) and "utm_source=" not in normal
    gen = [re.search(r'"generatedAt": "([^"]+)"', p).group(1) for p in pages]  # type: ignore[union-attr]
    assert len(set(gen)) == 3
    csrf = [re.search(r'name="csrf-token" content="(\w+)"', p).group(1) for p in pages]  # type: ignore[union-attr]
    assert len(set(csrf)) == 3
    most = [p.split("pm-most-read__title", 1)[1].split("</ol>", 1)[0] for p in pages]
    assert len(set(most)) > 1


def test_ab_alternates(site: SimSite, fresh: Iterator[str], client: httpx.Client) -> None:
    slug = next(fresh)
    url = url_of(site, slug)
    a = client.get(url).text
    site.set_state(slug, "ab")
    seen = [client.get(url).text for _ in range(4)]
    assert seen[0] == seen[2] and seen[1] == seen[3] and seen[0] != seen[1]
    va, vb = (seen[0], seen[1]) if h1(seen[0]) == h1(a) else (seen[1], seen[0])
    assert h1(va) == h1(a) and h1(vb) != h1(a)
    pa, pb = body_paragraphs(va), body_paragraphs(vb)
    assert pa[1] != pb[1] and pa[0] == pb[0] and pa[2:] == pb[2:]


@pytest.mark.parametrize("state,status", [("delete-404", 404), ("delete-410", 410), ("soft-404", 200)])
def test_deletions(
    site: SimSite, fresh: Iterator[str], client: httpx.Client, state: str, status: int
) -> None:
    slug = next(fresh)
    url = url_of(site, slug)
    site.set_state(slug, state)
    r = client.get(url)
    assert r.status_code == status and "Page not found" in r.text
    assert url not in client.get(site.url + "/rss.xml").text  # gone from the feeds too


def test_redirect_home(site: SimSite, fresh: Iterator[str], client: httpx.Client) -> None:
    slug = next(fresh)
    site.set_state(slug, "redirect-home")
    r = client.get(url_of(site, slug))
    assert r.status_code == 301 and r.headers["location"] == site.url + "/"


@pytest.mark.parametrize(
    "lang,needle",
    [
        ("en", "removed at the request"),
        ("ru", "по требованию"),
        ("ky", "талабы боюнча өчүрүлдү"),
        ("kk", "талабы бойынша жойылды"),
    ],
)
def test_removal_notice(
    site: SimSite, fresh: Iterator[str], client: httpx.Client, lang: str, needle: str
) -> None:
    slug = next(fresh)
    url = url_of(site, slug)
    before = client.get(url).text
    site.set_state(slug, "removal-notice", lang=lang, variant=0 if lang != "ru" else 0)
    r = client.get(url)
    assert r.status_code == 200 and needle in r.text and "pm-header" in r.text and "<footer" in r.text
    assert not set(body_paragraphs(before)) & set(body_paragraphs(r.text))
    site.set_state(slug, "removal-notice", lang=lang, variant=1)
    assert client.get(url).text != r.text  # several wordings per language


def test_content_replaced(site: SimSite, fresh: Iterator[str], client: httpx.Client) -> None:
    slug = next(fresh)
    url = url_of(site, slug)
    before = client.get(url).text
    site.set_state(slug, "content-replaced")
    r = client.get(url)
    assert r.status_code == 200 and h1(r.text) != h1(before)
    assert not set(body_paragraphs(before)) & set(body_paragraphs(r.text))
    assert len(body_paragraphs(r.text)) >= 6


def test_withheld_pages(site: SimSite, fresh: Iterator[str], client: httpx.Client) -> None:
    s451, sgeo, sgeo2, slogin, slogin2 = (next(fresh) for _ in range(5))
    site.set_state(s451, "http-451")
    r = client.get(url_of(site, s451))
    assert r.status_code == 451 and "Unavailable For Legal Reasons" in r.text
    site.set_state(sgeo, "geo-wall")
    r = client.get(url_of(site, sgeo))
    assert r.status_code == 403 and "not available in your country/region" in r.text
    site.set_state(sgeo2, "geo-wall", status=451)
    assert client.get(url_of(site, sgeo2)).status_code == 451
    paras = site.article(slogin).paragraphs
    site.set_state(slogin, "login-wall")
    r = client.get(url_of(site, slogin))
    assert (
        r.status_code == 200 and 'type="password"' in r.text and not set(paras) & set(body_paragraphs(r.text))
    )
    site.set_state(slogin2, "login-wall", redirect=True)
    r = client.get(url_of(site, slogin2))
    assert r.status_code == 302 and r.headers["location"].startswith(site.url + "/login?next=%2Fnews%2F")
    assert client.get(r.headers["location"]).status_code == 200


def test_flaky_503(site: SimSite, fresh: Iterator[str], client: httpx.Client) -> None:
    slug = next(fresh)
    site.set_state(slug, "flaky-503")
    codes = [client.get(url_of(site, slug)).status_code for _ in range(4)]
    assert codes == [200, 503, 200, 503]
    site.set_state(slug, "flaky-503", every=3)
    assert [client.get(url_of(site, slug)).status_code for _ in range(3)] == [200, 200, 503]


def test_timeout(site: SimSite, fresh: Iterator[str]) -> None:
    slug = next(fresh)
    site.set_state(slug, "timeout", seconds=3)
    t0 = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url_of(site, slug), timeout=0.5)
    assert time.monotonic() - t0 < 2


def test_slow_and_slowloris(site: SimSite, fresh: Iterator[str]) -> None:
    slow, loris = next(fresh), next(fresh)
    site.set_state(slow, "slow", bytes_per_sec=2000)
    with httpx.stream("GET", url_of(site, slow), timeout=5) as r:
        assert r.status_code == 200 and int(r.headers["content-length"]) > 40_000
        t0, got = time.monotonic(), 0
        for chunk in r.iter_raw():
            got += len(chunk)
            if got >= 1000:
                break
        elapsed = time.monotonic() - t0
    assert 0.2 < elapsed < 2
    site.set_state(loris, "slowloris", interval=0.3)
    with httpx.stream("GET", url_of(site, loris), timeout=5) as r:
        assert r.status_code == 200
        t0, got = time.monotonic(), 0
        for chunk in r.iter_raw():
            got += len(chunk)
            if got >= 3:
                break
        assert 0.4 < time.monotonic() - t0 < 2
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url_of(site, loris), timeout=httpx.Timeout(5, read=0.1))


def test_bad_encoding(site: SimSite, fresh: Iterator[str], client: httpx.Client) -> None:
    lie, missing = next(fresh), next(fresh)
    site.set_state(lie, "bad-encoding")
    r = client.get(url_of(site, lie))
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    text = r.content.decode("cp1251")
    assert re.search("[а-яА-Я]{5}", text) and 'lang="ru"' in text
    site.set_state(missing, "bad-encoding", missing=True)
    r = client.get(url_of(site, missing))
    assert r.headers["content-type"] == "text/html" and b"charset" not in r.content.lower()
    assert re.search("[а-я]{5}", r.content.decode("cp1251"))


def test_huge(site: SimSite, fresh: Iterator[str]) -> None:
    slug = next(fresh)
    site.set_state(slug, "huge")
    with httpx.stream("GET", url_of(site, slug), timeout=5) as r:
        assert int(r.headers["content-length"]) == 60 * 1024 * 1024
        got = 0
        for chunk in r.iter_raw():
            got += len(chunk)
            if got > 2_000_000:
                break
    assert got > 2_000_000


def test_gzip_and_brotli_bombs(site: SimSite, fresh: Iterator[str]) -> None:
    gz, gz2, br = next(fresh), next(fresh), next(fresh)
    site.set_state(gz, "gzip-bomb")
    site.set_state(gz2, "gzip-bomb", layers=2)
    site.set_state(br, "brotli-bomb")
    with httpx.stream("GET", url_of(site, gz), timeout=20) as r:
        assert r.headers["content-encoding"] == "gzip"
        wire = int(r.headers["content-length"])
        assert wire * 1020 >= 5 * 10**9 and wire < 6_000_000  # ≥5 GB at deflate's ~1030:1
        head = next(r.iter_raw(65536))
    d = zlib.decompressobj(31)
    out = d.decompress(head, 50_000_000)
    assert len(out) >= 30_000_000 and not out.strip(b"\0")
    with httpx.stream("GET", url_of(site, gz2), timeout=20) as r:
        assert r.headers["content-encoding"] == "gzip, gzip" and int(r.headers["content-length"]) < 50_000
    with httpx.stream("GET", url_of(site, br), timeout=20) as r:
        assert r.headers["content-encoding"] == "br" and int(r.headers["content-length"]) < 2_000_000
        head = next(r.iter_raw(4096))
    out = brotli.Decompressor().process(head)
    assert len(out) >= 16 * 2**20 and not out.strip(b"\0")


def test_redirect_loop(site: SimSite, fresh: Iterator[str]) -> None:
    slug = next(fresh)
    site.set_state(slug, "redirect-loop")
    r = httpx.get(url_of(site, slug))
    assert r.status_code == 302 and r.headers["location"].endswith("?n=1")
    r2 = httpx.get(r.headers["location"])
    assert r2.headers["location"].endswith("?n=2")
    with pytest.raises(httpx.TooManyRedirects):
        httpx.get(url_of(site, slug), follow_redirects=True, timeout=5)


def test_malformed_html(site: SimSite, fresh: Iterator[str], client: httpx.Client) -> None:
    slug = next(fresh)
    first = site.article(slug).paragraphs[0]
    site.set_state(slug, "malformed-html")
    r = client.get(url_of(site, slug))
    assert r.status_code == 200 and "\x00" in r.text and first in r.text
    assert r.text.count("<p") > r.text.count("</p>") and "</html>" not in r.text


@pytest.mark.parametrize("mode", ["garbage", "mid-headers", "bad-status"])
def test_bad_response(site: SimSite, fresh: Iterator[str], mode: str) -> None:
    slug = next(fresh)
    site.set_state(slug, "bad-response", mode=mode)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url_of(site, slug), timeout=5)


def test_connection_reset(site: SimSite, fresh: Iterator[str]) -> None:
    slug = next(fresh)
    site.set_state(slug, "connection-reset")
    parts = urlsplit(url_of(site, slug))
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    sock.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    with pytest.raises(ConnectionResetError):
        sock.recv(100)
    sock.close()
    with pytest.raises(httpx.TransportError):
        httpx.get(url_of(site, slug), timeout=5)


def test_every_state_is_tested() -> None:
    src = open(__file__, encoding="utf-8").read()
    assert all(f'"{s}"' in src for s in STATES)


# --- TLS and the command line ----------------------------------------------------------------------------


def test_tls() -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    with SimSite(articles=3, seed=2, ssl_context=server_ctx).start() as s:
        assert s.url.startswith("https://127.0.0.1:")
        r = httpx.get(s.article_urls()[0], verify=client_ctx)
        assert r.status_code == 200 and "NewsArticle" in r.text


def test_command_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "presswatch.sim.site", "--port", "0", "--articles", "5", "--seed", "9"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        info = httpx.get(url + "/_sim/articles").json()
        assert len(info["urls"]) == 5
        slug = info["slugs"][0]
        httpx.post(url + "/_sim/state", content=json.dumps({"slug": slug, "state": "http-451"}))
        assert httpx.get(info["urls"][0]).status_code == 451
    finally:
        proc.terminate()
        assert proc.wait(10) is not None


def test_tiny_sites_and_prompt_stop() -> None:
    for n in (0, 1):
        with SimSite(articles=n, seed=1).start() as s:
            assert len(s.article_urls()) == n
            assert httpx.get(s.url + "/").status_code == 200
            assert httpx.get(s.url + "/rss.xml").status_code == 200
            if n:
                assert httpx.get(s.article_urls()[0]).status_code == 200
    s = SimSite(articles=3, seed=1).start()
    s.set_state(s.slugs()[0], "timeout", seconds=60)
    s.set_state(s.slugs()[1], "slowloris")
    hung = [socket.create_connection((urlsplit(u).hostname, urlsplit(u).port)) for u in s.article_urls()[:2]]
    for sock, u in zip(hung, s.article_urls()[:2], strict=True):
        sock.sendall(f"GET {urlsplit(u).path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    time.sleep(0.2)
    t0 = time.monotonic()
    s.stop()
    assert time.monotonic() - t0 < 3
    for sock in hung:
        sock.close()
    with pytest.raises(httpx.ConnectError):
        httpx.get(s.url + "/", timeout=2)


def test_bomb_building_blocks() -> None:
    from presswatch.sim.site.bombs import gzip_bomb, huge_body, zeros_crc32

    for n in (0, 1, 7, 1000, 65_537, 1 << 20):
        assert zeros_crc32(n) == zlib.crc32(bytes(n))
    small = gzip_bomb(0.04)  # two 16 MiB segments; gzip checks CRC and length
    assert gzip.decompress(small) == bytes(2 << 24)
    assert sum(len(c) for c in huge_body(1_000_003)) == 1_000_003
