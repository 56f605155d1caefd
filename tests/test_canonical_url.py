"""canonical_url makes the stored key of a watch: the same input must keep mapping to the same key.

courlan's ``normalize_url`` was considered and not used: each case below marked *courlan* is one where it
gives another key (sorted or dropped parameters, Unicode hosts from punycode, kept fragments, no "/"
path), so watches already stored under the old key would be duplicated.
"""

from __future__ import annotations

import pytest

from presswatch.sources.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "key"),
    [
        # tracking parameters, fragments, default ports, case of scheme and host
        ("HTTPS://News.Example:443/Story?utm_source=x&id=3#top", "https://news.example/Story?id=3"),
        ("http://news.example:80/a?fbclid=1&gclid=2&mc_cid=3&pk_campaign=4&hsa_acc=5", "http://news.example/a"),
        ("http://news.example:8080/a", "http://news.example:8080/a"),
        ("  https://news.example/a?x=1  ", "https://news.example/a?x=1"),
        # courlan: sorts parameters (b=2&a=1 -> a=1&b=2)
        ("https://news.example/a?b=2&a=1", "https://news.example/a?b=2&a=1"),
        # courlan: drops blank parameters
        ("https://news.example/a?print=&id=1", "https://news.example/a?print=&id=1"),
        # courlan: drops ref, source, session, uid-like parameters as trackers
        ("https://news.example/a?ref=home&source=rss&session=2", "https://news.example/a?ref=home&source=rss&session=2"),
        # courlan: turns punycode hosts into Unicode
        ("https://xn--80ak6aa92e.com/a", "https://xn--80ak6aa92e.com/a"),
        # courlan: leaves an empty path empty
        ("https://news.example", "https://news.example/"),
        # path kept as given
        ("https://news.example/a/../b%7e", "https://news.example/a/../b%7e"),
    ],
)
def test_stored_keys_do_not_change(url: str, key: str) -> None:
    assert canonical_url(url) == key
    assert canonical_url(key) == key  # idempotent
