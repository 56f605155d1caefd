"""URL canonicalisation: drop fragments and tracking parameters so one article is one watch."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["TRACKING_NAMES", "TRACKING_PREFIXES", "canonical_url"]

TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
TRACKING_NAMES = {"fbclid", "gclid", "yclid", "dclid", "msclkid", "igshid", "_ga", "ref_src", "cmpid", "ncid"}


def canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_NAMES
    ]
    netloc = parts.netloc.lower()
    if (parts.scheme == "http" and netloc.endswith(":80")) or (parts.scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))
