"""Exports: observations as JSON lines or CSV, the archive as one WARC or a WACZ."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import select

from presswatch.clock import isoformat
from presswatch.errors import NotFound
from presswatch.fetch.guard import validate_url
from presswatch.publish.rows import observation_json
from presswatch.record.models import Capture, Event, Observation, Version, Watch
from presswatch.sources.urls import canonical_url
from presswatch.sources.watchlist import WatchFilter

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from presswatch.core import Presswatch

__all__ = [
    "CSV_FIELDS",
    "HTML_TYPES",
    "event_rows",
    "EventFilter",
    "export_csv",
    "export_json",
    "export_wacz",
    "export_warc",
    "flatten",
    "history_rows",
    "version_rows",
    "wacz_pages",
    "watched_id",
]

CSV_FIELDS = [
    "url", "checked_at", "vantage", "status", "reason", "confirmed", "http_status", "final_url", "title",
    "text_digest", "warc_file", "offset", "length", "payload_digest", "paragraphs_added", "paragraphs_removed",
    "words_added", "words_removed",
]


def _observations(core: Presswatch, watch_id: int | None = None) -> Iterator[dict[str, Any]]:
    with core.db.session() as s:
        q = select(Observation, Capture).outerjoin(Capture, Observation.capture_id == Capture.id)
        if watch_id is not None:
            q = q.where(Observation.watch_id == watch_id)
        q = q.order_by(Observation.checked_at, Observation.id)
        for obs, cap in s.execute(q).yield_per(1000):
            yield observation_json(obs, cap)


def history_rows(core: Presswatch, url: str) -> list[dict[str, Any]]:
    with core.db.session() as s:
        wid = watched_id(s, url, missing=f"no history for {url} (not watched)")
    return list(_observations(core, wid))


@dataclass(frozen=True)
class EventFilter:
    """Which timeline events to show; empty fields match everything."""

    kinds: tuple[str, ...] = ()
    hide_kinds: tuple[str, ...] = ()
    reason: str | None = None
    country: str | None = None  # the event's country, or the watch's country / measure_in tags
    tags: dict[str, str] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = None


def watched_id(s: Session, url: str, *, missing: str | None = None) -> int:
    """The id of the watch of ``url`` (validated, canonicalised); ``NotFound`` (``missing``, or "not
    watched: URL") when it is not watched."""
    wid = s.scalar(select(Watch.id).where(Watch.url == canonical_url(validate_url(url))))
    if wid is None:
        raise NotFound(missing or f"not watched: {url}")
    return int(wid)


def event_rows(core: Presswatch, url: str | None = None, where: EventFilter | None = None) -> list[dict[str, Any]]:
    """Timeline events, oldest first (the *last* ``limit`` when a limit is given)."""
    flt = where or EventFilter()
    tag_filter = WatchFilter(country=None, tags=flt.tags)
    with core.db.session() as s:
        q = select(Event, Watch.url, Watch.tags).outerjoin(Watch, Event.watch_id == Watch.id)
        if url is not None:
            q = q.where(Event.watch_id == watched_id(s, url))
        if flt.kinds:
            q = q.where(Event.kind.in_(flt.kinds))
        if flt.hide_kinds:
            q = q.where(Event.kind.not_in(flt.hide_kinds))
        if flt.reason is not None:
            q = q.where(Event.reason == flt.reason)
        if flt.since is not None:
            q = q.where(Event.at >= flt.since)
        if flt.until is not None:
            q = q.where(Event.at < flt.until)
        rows = []
        for e, u, tags in s.execute(q.order_by(Event.at, Event.id)).yield_per(1000):
            if flt.country is not None and (e.country or "").upper() != flt.country.upper():
                if e.country or not WatchFilter(country=flt.country).matches_tags(tags):
                    continue
            if flt.tags and not tag_filter.matches_tags(tags):
                continue
            rows.append({"at": isoformat(e.at), "kind": e.kind, "url": u, "status": e.status, "reason": e.reason,
                         "country": e.country, "summary": e.summary, "details": e.details})
    return rows[-flt.limit :] if flt.limit else rows


def version_rows(core: Presswatch, url: str) -> list[dict[str, Any]]:
    """The distinct versions of a watched article, oldest first, numbered from 1, with their captures."""
    with core.db.session() as s:
        wid = watched_id(s, url)
        q = (
            select(Version, Capture)
            .outerjoin(Capture, Version.capture_id == Capture.id)
            .where(Version.watch_id == wid)
            .order_by(Version.first_seen_at, Version.id)
        )
        return [
            {"number": n, "id": v.id, "first_seen_at": isoformat(v.first_seen_at),
             "last_seen_at": isoformat(v.last_seen_at), "title": v.title, "text": v.text, "meta": v.meta or {},
             "capture": ({"id": c.id, **c.pointer.as_dict(), "payload_digest": c.payload_digest}
                         if c is not None else None)}
            for n, (v, c) in enumerate(s.execute(q).all(), start=1)
        ]


def _open_out(out: Path | None) -> IO[str]:
    return open(out, "w", encoding="utf-8", newline="") if out else sys.stdout


def export_json(core: Presswatch, out: Path | None) -> int:
    import json

    fh = _open_out(out)
    n = 0
    try:
        for row in _observations(core):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    finally:
        if out:
            fh.close()
    return n


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    cap = row.get("capture") or {}
    diff = row.get("diff") or {}
    flat = {k: row.get(k) for k in CSV_FIELDS}
    flat.update({k: cap.get(k) for k in ("warc_file", "offset", "length", "payload_digest")})
    flat.update({k: diff.get(k) for k in ("paragraphs_added", "paragraphs_removed", "words_added", "words_removed")})
    return flat


def export_csv(core: Presswatch, out: Path | None) -> int:
    fh = _open_out(out)
    n = 0
    try:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        w.writeheader()
        for row in _observations(core):
            w.writerow(flatten(row))
            n += 1
    finally:
        if out:
            fh.close()
    return n


def export_warc(core: Presswatch, out: Path) -> int:
    """Concatenate every WARC file (records are gzip members, so concatenation is a valid WARC);
    returns the number of files joined."""
    files = sorted((core.data_dir / "warc").glob("*.warc.gz"))
    n = 0
    tmp = out.with_suffix(out.suffix + ".part")
    try:
        with open(tmp, "wb") as dst:
            for f in files:
                with open(f, "rb") as src:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                n += 1
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed export leaves no partial file
        raise
    return n


HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml")


def wacz_pages(files: list[Path]) -> Iterator[dict[str, str]]:
    """A WACZ page (url, ts) for each archived HTML response or revisit that is not a redirect.

    py-wacz's ``--detect-pages`` keeps only pages some other record names as its referrer, which a
    watcher's captures never do; the pages are listed explicitly instead, so a replay has entry points.
    """
    from warcio.archiveiterator import ArchiveIterator

    seen: set[tuple[str, str]] = set()
    for f in files:
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type not in ("response", "revisit") or rec.http_headers is None:
                    continue
                status = rec.http_headers.get_statuscode() or ""
                mime = (rec.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
                if not status.startswith("2") or mime not in HTML_TYPES:
                    continue
                url = rec.rec_headers.get_header("WARC-Target-URI") or ""
                ts = rec.rec_headers.get_header("WARC-Date") or ""
                if url and ts and (url, ts) not in seen:
                    seen.add((url, ts))
                    yield {"url": url, "ts": ts, "title": url}


def export_wacz(core: Presswatch, out: Path) -> None:
    """A WACZ of the whole archive, built in process by py-wacz (:func:`presswatch.archive.wacz_tool.create_wacz`).

    Written to a temporary file beside ``out`` and renamed into place only when py-wacz succeeded:
    a failed export leaves no file (and an earlier ``out`` untouched).
    """
    from presswatch.archive.wacz_tool import create_wacz

    files = sorted((core.data_dir / "warc").glob("*.warc.gz"))
    if not files:
        raise NotFound("the archive is empty")
    create_wacz(Path(out), files, wacz_pages(files), title="All Pages")
