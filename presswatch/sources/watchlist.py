"""Adding, listing and removing watches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from presswatch.errors import ConfigError, NotFound
from presswatch.fetch.guard import validate_url
from presswatch.record.models import Watch
from presswatch.sources.urls import canonical_url

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["KINDS", "WatchFilter", "add_watch", "get_watch", "list_watches", "remove_watch", "upsert_watch"]

KINDS = ("article", "feed", "sitemap", "site")


@dataclass(frozen=True)
class WatchFilter:
    """Which watches a listing shows; every field left empty matches everything."""

    statuses: tuple[str, ...] = ()
    reason: str | None = None
    country: str | None = None  # the ``country`` tag or one of ``measure_in``
    tags: dict[str, str] = field(default_factory=dict)
    kind: str | None = None
    confirmed: bool | None = None
    since: datetime | None = None  # last checked at or after
    until: datetime | None = None  # last checked before
    limit: int | None = None

    def matches_tags(self, tags: dict[str, Any] | None) -> bool:
        tags = tags or {}
        if self.country is not None:
            cc = self.country.upper()
            if str(tags.get("country", "")).upper() != cc and cc not in {
                str(c).upper() for c in tags.get("measure_in") or []
            }:
                return False
        for key, want in self.tags.items():
            have = tags.get(key)
            values = [str(v) for v in have] if isinstance(have, list) else [str(have)] if have is not None else []
            if want not in values:
                return False
        return True


def _merge_tags(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(old)
    for k, v in new.items():
        if isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = sorted(set(out[k]) | set(v))
        else:
            out[k] = v
    return out


def upsert_watch(
    s: Session,
    url: str,
    now: datetime,
    *,
    kind: str = "article",
    tags: dict[str, Any] | None = None,
    interval: int | None = None,
    priority_until: datetime | None = None,
    parent_id: int | None = None,
) -> Watch:
    """Create the watch (due now) or update tags/interval/priority of an existing one."""
    if kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}")
    url = canonical_url(validate_url(url))
    w = s.scalar(select(Watch).where(Watch.url == url))
    if w is None:
        w = Watch(
            url=url,
            kind=kind,
            host=(urlsplit(url).hostname or "").lower(),
            tags=dict(tags or {}),
            interval=interval,
            created_at=now,
            next_check_at=now,
            priority_until=priority_until,
            parent_id=parent_id,
            active=True,
            confirmed=False,
        )
        s.add(w)
        s.flush()
        return w
    w.active = True
    if tags:
        w.tags = _merge_tags(w.tags or {}, tags)
    if interval is not None and interval != w.interval:
        w.interval = interval
        w.next_check_at = min(w.next_check_at, (w.last_checked_at or now) + timedelta(seconds=interval))
    if priority_until is not None and (w.priority_until is None or priority_until > w.priority_until):
        w.priority_until = priority_until
        w.next_check_at = min(w.next_check_at, now)
    return w


def add_watch(
    core: Presswatch,
    url: str,
    *,
    kind: str = "article",
    tags: dict[str, Any] | None = None,
    interval: int | None = None,
    priority_until: datetime | None = None,
) -> int:
    """Watch ``url`` (idempotent); returns the watch id."""
    now = core.clock.now()
    return core.db.write(
        lambda s: upsert_watch(
            s, url, now, kind=kind, tags=tags, interval=interval, priority_until=priority_until
        ).id
    )


def remove_watch(core: Presswatch, url: str) -> None:
    """Stop checking ``url``. History stays (evidence is never deleted)."""
    target = canonical_url(validate_url(url))

    def fn(s: Session) -> None:
        w = s.scalar(select(Watch).where(Watch.url == target))
        if w is None:
            raise NotFound(f"not watched: {url}")
        w.active = False

    core.db.write(fn)


def list_watches(
    core: Presswatch, *, include_inactive: bool = False, where: WatchFilter | None = None
) -> list[Watch]:
    """Watches in id order, narrowed by ``where``."""
    flt = where or WatchFilter()
    with core.db.session() as s:
        q = select(Watch).order_by(Watch.id)
        if not include_inactive:
            q = q.where(Watch.active.is_(True))
        if flt.statuses:
            q = q.where(Watch.status.in_(flt.statuses))
        if flt.reason is not None:
            q = q.where(Watch.reason == flt.reason)
        if flt.kind is not None:
            q = q.where(Watch.kind == flt.kind)
        if flt.confirmed is not None:
            q = q.where(Watch.confirmed.is_(flt.confirmed))
        if flt.since is not None:
            q = q.where(Watch.last_checked_at >= flt.since)
        if flt.until is not None:
            q = q.where(Watch.last_checked_at < flt.until)
        rows: list[Watch] = []
        for w in s.scalars(q).yield_per(1000):
            if flt.matches_tags(w.tags):
                rows.append(w)
                if flt.limit is not None and len(rows) >= flt.limit:
                    break
        return rows


def get_watch(core: Presswatch, url: str) -> Watch:
    target = canonical_url(validate_url(url))
    with core.db.session() as s:
        w = s.scalar(select(Watch).where(Watch.url == target))
        if w is None:
            raise NotFound(f"not watched: {url}")
        return w
