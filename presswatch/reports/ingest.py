"""Ingest a press report: a URL through the normal fetch → archive → extract path (so the report is
archived evidence, watched like any article), or a file (plain text or HTML, encoding detected,
size-capped); then extract its draft and store both, outside the evidence log.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from presswatch.errors import ConfigError
from presswatch.record.models import Observation, Version, Watch
from presswatch.record.report_models import PressReport, ReportDraft
from presswatch.reports.extract import extract

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["InvalidReport", "ReportText", "add_report", "is_url", "read_report_bytes", "read_report_file",
           "store_report"]

log = logging.getLogger(__name__)

_BINARY_CONTROL = set(range(9)) | {11, 12} | set(range(14, 32))


class InvalidReport(ConfigError):
    """A report that cannot be read: empty, too large, binary, not in a language presswatch reads."""


@dataclass(frozen=True)
class ReportText:
    text: str
    title: str | None
    date: date | None  # the page's own date (HTML metadata), if any


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


def _looks_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or "<body" in head or "<p>" in head


def read_report_bytes(raw: bytes, *, name: str = "report", max_bytes: int) -> ReportText:
    """Text (and title, date) of a report file's bytes. Raises :class:`InvalidReport`."""
    if len(raw) > max_bytes:
        raise InvalidReport(f"{name}: {len(raw)} bytes is over the report size cap ({max_bytes} bytes, "
                            "setting report_max_bytes)")
    if not raw.strip():
        raise InvalidReport(f"{name}: the report is empty")
    sample = raw[:8192]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        import filetype

        kind = filetype.guess(raw)
        raise InvalidReport(f"{name}: a binary file ({kind.mime if kind else 'unknown type'}), not text or HTML")
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise InvalidReport(f"{name}: not text in any encoding presswatch recognizes")
    text = str(best)
    controls = sum(1 for ch in text[:8192] if ord(ch) in _BINARY_CONTROL)
    if controls > max(8, len(text[:8192]) // 100):
        raise InvalidReport(f"{name}: a binary file (control characters), not text or HTML")
    if _looks_html(text):
        from presswatch.analyze.extract import extract as extract_page

        page = extract_page(raw, f"file:///{name}", "text/html")
        body = "\n\n".join(page.paragraphs)
        if page.title and not body.startswith(page.title):
            body = page.title + "\n\n" + body
        day = None
        if page.meta.get("date"):
            try:
                day = date.fromisoformat(str(page.meta["date"])[:10])
            except ValueError:
                day = None
        return ReportText(body, page.title, day)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), None)
    return ReportText(text, first[:300] if first else None, None)


def read_report_file(path: Path, *, max_bytes: int) -> ReportText:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidReport(f"{path}: {size} bytes is over the report size cap ({max_bytes} bytes, "
                                "setting report_max_bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidReport(f"cannot read {path}: {exc.strerror or exc}") from exc
    return read_report_bytes(raw, name=path.name, max_bytes=max_bytes)


def store_report(core: Presswatch, rt: ReportText, *, source: str, source_kind: str, language: str | None = None,
                 report_date: date | None = None, capture_id: int | None = None, watch_id: int | None = None,
                 by: str | None = None, require_news: bool = False) -> dict[str, Any]:
    """Extract the draft and store the report with its first draft revision; the draft as JSON with
    ``id``. A text stored before (same source and text) is not stored twice: its draft comes back.
    ``require_news``: refuse (and store nothing) a text in which no action and no claim was found."""
    if not rt.text.strip():
        raise InvalidReport(f"{source}: no text in the report")
    if language is not None and language not in ("en", "ru"):
        raise InvalidReport(f"unsupported language {language!r} (en or ru)")
    day = report_date or rt.date or core.clock.now().date()
    digest = hashlib.sha256(rt.text.encode("utf-8")).hexdigest()
    with core.db.session() as s:
        known = s.scalar(select(PressReport).where(PressReport.sha256 == digest, PressReport.source == source))
        if known is not None:
            from presswatch.reports.review import get_report

            return {**get_report(core, known.id)["draft"], "id": known.id, "duplicate": True}
    draft = extract(rt.text, language=language, report_date=day, ner=core.settings.ner)
    doc = draft.as_dict()
    if require_news and draft.empty:
        raise InvalidReport(f"{source}: not a news report about a demand or a block (no action and no "
                            "checkable claim found); nothing was recorded")
    now = core.clock.now()

    def write(s: Session) -> int:
        rep = PressReport(source=source, source_kind=source_kind, sha256=digest, title=rt.title,
                          language=draft.language, report_date=day, text=rt.text, capture_id=capture_id,
                          watch_id=watch_id, created_at=now, status="draft", demand_ids=[])
        s.add(rep)
        s.flush()
        s.add(ReportDraft(report_id=rep.id, revision=1, at=now, by=by, reason="extracted",
                          draft={**doc, "source": source, "title": rt.title}))
        return rep.id

    rid = core.db.write(write)
    log.info("report.added", extra={"report": rid, "language": draft.language, "actions": len(draft.actions),
                                    "claims": len(draft.claims)})
    return {"id": rid, "source": source, "title": rt.title, **doc}


async def _fetch_report(core: Presswatch, url: str) -> tuple[ReportText, int | None, int]:
    """The report page checked like any article (fetched, archived, extracted, recorded)."""
    results = await core.check([url])
    res = results[0]
    with core.db.session() as s:
        w = s.scalar(select(Watch).where(Watch.url == res.get("url", url))) or s.scalar(
            select(Watch).where(Watch.url == url))
        if w is None:
            raise InvalidReport(f"{url}: not recorded")
        obs = s.scalar(select(Observation).where(Observation.watch_id == w.id).order_by(Observation.id.desc()))
        version = s.get(Version, w.current_version_id) if w.current_version_id else None
        if version is None or obs is None or obs.status not in ("new", "unchanged", "edited"):
            status = obs.status if obs else "unknown"
            reason = f" ({obs.reason})" if obs and obs.reason else ""
            raise InvalidReport(f"{url}: the report page could not be read: {status}{reason}")
        meta = version.meta or {}
        day = None
        if meta.get("date"):
            try:
                day = date.fromisoformat(str(meta["date"])[:10])
            except ValueError:
                day = None
        text = (version.title + "\n\n" if version.title else "") + version.text
        return ReportText(text, version.title, day), obs.capture_id, w.id


async def add_report(core: Presswatch, source: str, *, language: str | None = None,
                     report_date: date | None = None, by: str | None = None) -> dict[str, Any]:
    """Ingest a report from a URL or a file; its draft as JSON (``id`` first)."""
    if is_url(source):
        rt, capture_id, watch_id = await _fetch_report(core, source)
        return store_report(core, rt, source=source, source_kind="url", language=language,
                            report_date=report_date, capture_id=capture_id, watch_id=watch_id, by=by)
    path = Path(source)
    rt = read_report_file(path, max_bytes=core.settings.report_max_bytes)
    return store_report(core, rt, source=path.name, source_kind="file", language=language,
                        report_date=report_date, by=by)
