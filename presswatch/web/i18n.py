"""Interface languages: gettext catalogs (Babel ``.po`` files, read at start-up, no compile step).

The language is the visitor's choice (the ``pw_lang`` cookie, set by ``/lang``) or else the best match of
``Accept-Language`` among :data:`LANGUAGES`; English is the fallback.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "DEFAULT_LANGUAGE", "LANGUAGES", "LANG_COOKIE", "LOCALE_DIR", "VOCABULARY", "pick_language", "template_messages",
    "translations",
]

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "pw_lang"
#: words the templates translate from data (``_(status)``): statuses, event and timeline kinds, roles,
#: responses, actions, party kinds, visibilities, watch and search kinds, demand types, channels, outcomes
VOCABULARY = (
    "new", "unchanged", "edited", "removed", "withheld", "unreachable", "missing", "pending", "restored", "blocked",
    "unblocked", "reachable", "unknown", "down", "first-capture", "online", "demand", "response", "note",
    "anonymous", "viewer", "editor", "admin",
    "refused", "complied", "partially-complied", "contested-in-court", "mixed",
    "remove", "edit", "de-index", "block", "disclose-source",
    "ministry", "regulator", "court", "prosecutor", "police", "security-service", "platform", "private-party",
    "outlet", "host", "registrar",
    "public", "redacted", "private",
    "article", "feed", "sitemap", "site", "version", "incident",
    "government-request", "court-order", "law-enforcement-request", "regulator-order", "data-protection",
    "defamation", "copyright", "other", "letter", "email", "phone", "public-statement",
    "wrong user name or password", "too many failed sign-ins; try again later",
)


@cache
def translations(lang: str) -> gettext.GNUTranslations | gettext.NullTranslations:
    """The catalog of ``lang`` (messages/messages.po under :data:`LOCALE_DIR`), compiled in memory."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang not in LANGUAGES or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def pick_language(choice: str | None, accept_language: str | None) -> str:
    """The visitor's choice if it is one of :data:`LANGUAGES`, else the best ``Accept-Language`` match."""
    if choice in LANGUAGES:
        return str(choice)
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for i, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > best_q and q > 0:
            best, best_q = primary, q - i * 1e-6
    return best


def template_messages() -> list[str]:
    """Every message id the templates use (extracted like Babel's ``pybabel extract`` does)."""
    from jinja2.ext import babel_extract

    ids: list[str] = []
    for path in sorted((Path(__file__).parent / "templates").glob("*.html")):
        with path.open("rb") as fh:
            for _line, _func, msg, _comments in babel_extract(
                fh, ("_", "gettext", "ngettext"), [],
                {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"},
            ):
                first = msg if isinstance(msg, str) else (msg[0] if msg else None)
                if isinstance(first, str):
                    ids.append(first)
    return list(dict.fromkeys(ids))
