"""Bulk import of watches from a file: many URLs in one go (one line each).

Every URL is validated and canonicalised as one watched one by one would be; the SSRF guard
(:class:`~presswatch.fetch.guard.TargetGuard`) vets each *host* once (its addresses are the same
for all its URLs), and the new watches are inserted in chunks by ``executemany`` (an
``INSERT … ON CONFLICT DO NOTHING``: a URL already watched is left as it is). Refused lines are
reported, never silently dropped, and do not stop the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from presswatch.errors import BlockedTarget, ConfigError, FetchError, InvalidURL
from presswatch.fetch.guard import TargetGuard, default_port, validate_url
from presswatch.record.db import dialect_insert
from presswatch.record.models import Watch
from presswatch.sources.urls import canonical_url
from presswatch.sources.watchlist import KINDS

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["INSERT_CHUNK", "VET_CONCURRENCY", "ImportResult", "import_watches", "read_lines"]

INSERT_CHUNK = 5_000  # rows per executemany
VET_CONCURRENCY = 32  # hosts resolved at once


@dataclass
class ImportResult:
    added: int = 0
    existing: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, text, why)
    hosts: int = 0


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, URL) for each non-blank line of ``path`` not starting with ``#``; the URL is
    the line's first tab- or space-separated field."""
    try:
        fh = open(path, encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    with fh:
        for n, line in enumerate(fh, 1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield n, text.split()[0]


async def _vet_hosts(keys: dict[tuple[str, int], str], allow_private: bool) -> dict[tuple[str, int], str]:
    """Why each refused (host, port) is refused (a name that does not resolve now is not refused)."""
    guard = TargetGuard(allow_private=allow_private)
    sem = asyncio.Semaphore(VET_CONCURRENCY)
    bad: dict[tuple[str, int], str] = {}

    async def one(key: tuple[str, int], url: str) -> None:
        async with sem:
            try:
                await guard.check(url)
            except (InvalidURL, BlockedTarget) as exc:
                bad[key] = str(exc)
            except FetchError:
                pass

    await asyncio.gather(*(one(k, u) for k, u in keys.items()))
    return bad


def _insert(s: Session, rows: list[dict[str, Any]]) -> None:
    s.execute(dialect_insert(s, Watch).on_conflict_do_nothing(index_elements=["url"]), rows)


def import_watches(core: Presswatch, lines: Iterable[tuple[int, str]], *, kind: str = "article",
                   tags: dict[str, Any] | None = None, interval: int | None = None) -> ImportResult:
    """Watch every URL of ``lines`` ((line number, URL) pairs), all due now."""
    if kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}")
    result = ImportResult()
    urls: dict[str, tuple[str, tuple[str, int]]] = {}  # canonical URL -> (host, (host, port))
    where: dict[str, int] = {}
    for n, raw in lines:
        try:
            url = canonical_url(validate_url(raw))
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            port = parts.port or default_port(parts.scheme)
        except (InvalidURL, ValueError) as exc:
            result.refused.append((n, raw, str(exc)))
            continue
        if url not in urls:
            urls[url] = (host, (host, port))
            where[url] = n
    firsts: dict[tuple[str, int], str] = {}
    for url, (_, key) in urls.items():
        firsts.setdefault(key, url)
    result.hosts = len(firsts)
    bad = asyncio.run(_vet_hosts(firsts, core.settings.allow_private))
    now = core.clock.now()
    rows = []
    for url, (host, key) in urls.items():
        if key in bad:
            result.refused.append((where[url], url, bad[key]))
            continue
        rows.append({"url": url, "kind": kind, "host": host, "tags": dict(tags or {}), "interval": interval,
                     "created_at": now, "next_check_at": now, "active": True, "confirmed": False})
    result.refused.sort()

    def count(s: Session) -> int:
        return int(s.scalar(select(func.count()).select_from(Watch)) or 0)

    def fn(s: Session) -> int:
        before = count(s)
        for k in range(0, len(rows), INSERT_CHUNK):
            _insert(s, rows[k:k + INSERT_CHUNK])
        return count(s) - before

    result.added = core.db.write(fn) if rows else 0
    result.existing = len(rows) - result.added
    return result
