"""Per-country URL test lists in the Citizen Lab CSV format.

Columns: ``url, category_code, category_description, date_added, source, notes``. The lists are
CC BY-NC-SA data and are never bundled; ``presswatch lists import FILE_OR_URL --country CC`` loads one.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from presswatch.errors import ConfigError
from presswatch.record.measure_models import TestListEntry

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["COLUMNS", "import_test_list", "ImportReport", "list_entries", "parse_test_list", "read_source"]

log = logging.getLogger(__name__)

COLUMNS = ("url", "category_code", "category_description", "date_added", "source", "notes")


@dataclass
class ImportReport:
    country: str
    source: str
    added: int = 0
    updated: int = 0
    skipped: int = 0
    total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_source(source: str, timeout: float = 30.0) -> str:
    """The CSV text of a local file or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        try:
            resp = httpx.get(source, timeout=timeout, follow_redirects=True)
            resp.raise_for_status()
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot download test list {source}: {exc}") from exc
        return resp.text
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read test list {source}: {exc}") from exc


def parse_test_list(text: str) -> list[dict[str, str | None]]:
    """Rows of a test-list CSV (header required); rows without a usable http(s) URL are dropped."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "url" not in [f.strip() for f in reader.fieldnames]:
        raise ConfigError("not a test list: the CSV has no 'url' column")
    rows: list[dict[str, str | None]] = []
    for raw in reader:
        row = {k.strip(): (v.strip() if isinstance(v, str) else None) for k, v in raw.items() if k}
        url = row.get("url") or ""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            log.debug("skipping test-list row without an http(s) URL: %r", url)
            continue
        rows.append({c: (row.get(c) or None) for c in COLUMNS} | {"url": url})
    return rows


def import_test_list(core: Presswatch, source: str, country: str) -> ImportReport:
    """Import (upsert by URL) a test list as country ``country``'s list."""
    cc = country.upper()
    if len(cc) != 2 or not cc.isalpha():
        raise ConfigError(f"country must be a two-letter code, not {country!r}")
    rows = parse_test_list(read_source(source, timeout=core.settings.timeout))
    report = ImportReport(country=cc, source=source)
    now = core.clock.now()

    def _upsert(s: Session) -> None:
        existing = {e.url: e for e in s.scalars(select(TestListEntry).where(TestListEntry.country == cc))}
        seen: set[str] = set()
        for row in rows:
            url = str(row["url"])
            if url in seen:
                report.skipped += 1
                continue
            seen.add(url)
            entry = existing.get(url)
            fields = {c: row[c] for c in COLUMNS if c != "url"}
            if entry is None:
                s.add(TestListEntry(country=cc, url=url, list_source=source, imported_at=now, **fields))
                report.added += 1
            elif any(getattr(entry, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(entry, k, v)
                entry.list_source, entry.imported_at = source, now
                report.updated += 1
        s.flush()
        report.total = int(s.scalar(select(func.count()).where(TestListEntry.country == cc)) or 0)

    core.db.write(_upsert)
    log.info("imported %s for %s: %s", source, cc, report.as_dict())
    return report


def list_entries(s: Session, country: str) -> list[dict[str, Any]]:
    q = select(TestListEntry).where(TestListEntry.country == country.upper()).order_by(TestListEntry.url)
    return [{"url": e.url, **{c: getattr(e, c) for c in COLUMNS if c != "url"}} for e in s.scalars(q)]
