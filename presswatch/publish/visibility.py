"""What an anonymous reader of the server may see: everything but what private/redacted demands hide.

The decision is :func:`presswatch.cases.demands.public_record` (the one ``demand export --public`` uses),
read through :func:`~presswatch.cases.demands.unpublished`; this module only applies it to the rows the
API serves: watches, observations, events, measurements and reachability.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["public_incident_entries", "public_view", "PublicView"]


@dataclass(frozen=True)
class PublicView:
    urls: frozenset[str]
    watch_ids: frozenset[int]
    hosts: frozenset[str]
    demand_ids: frozenset[int]

    @property
    def hides_nothing(self) -> bool:
        """True when no demand hides anything: every check below is then ``visible`` (the common case)."""
        return not (self.urls or self.watch_ids or self.hosts or self.demand_ids)

    def url_hidden(self, url: str | None) -> bool:
        if not url or not self.urls:
            return False
        if url in self.urls:
            return True
        try:
            from presswatch.sources.urls import canonical_url

            return canonical_url(url) in self.urls
        except Exception:  # noqa: BLE001 - not a URL we could have watched
            return False

    def host_hidden(self, host: str | None) -> bool:
        return bool(host) and str(host).lower() in self.hosts

    def watch_visible(self, watch_id: int | None, url: str | None, tags: Mapping[str, Any] | None) -> bool:
        if self.hides_nothing:
            return True
        if watch_id is not None and watch_id in self.watch_ids:
            return False
        if self.url_hidden(url):
            return False
        demands = (tags or {}).get("demands") or []
        return not (isinstance(demands, list) and any(d in self.demand_ids for d in demands))

    def target_visible(self, scope: str | None, target: str | None) -> bool:
        if scope == "host":
            return not self.host_hidden(target)
        return not (self.url_hidden(target) or (bool(target) and self.host_hidden(urlsplit(str(target)).hostname)))

    def event_visible(self, watch_id: int | None, url: str | None, details: Mapping[str, Any] | None) -> bool:
        if watch_id is not None and watch_id in self.watch_ids:
            return False
        if self.url_hidden(url):
            return False
        d = details or {}
        if d.get("private"):  # a case event (demand, incident outcome) of a private record
            return False
        return self.target_visible(str(d.get("scope") or "url"), d.get("target"))


def public_view(core: Presswatch) -> PublicView:
    """The hidden URLs, watches, hosts and demands, from the demands' one publication decision.

    A host is hidden when a private demand targets it and no visible watch or imported test list names it.
    """
    from presswatch.cases.demands import unpublished
    from presswatch.record.measure_models import TestListEntry
    from presswatch.record.models import Watch

    u = unpublished(core)
    base = PublicView(urls=u.urls, watch_ids=u.watch_ids, hosts=frozenset(), demand_ids=u.demand_ids)
    hidden_watches = set(u.watch_ids)
    hidden_urls = set(u.urls)
    known_hosts: set[str] = set()
    with core.db.session() as s:
        for wid, url, host, tags in s.execute(select(Watch.id, Watch.url, Watch.host, Watch.tags)):
            if base.watch_visible(wid, url, tags):
                known_hosts.add(str(host).lower())
            else:
                hidden_watches.add(wid)
                hidden_urls.add(url)
        if u.hosts:
            for url in s.scalars(select(TestListEntry.url)):
                known_hosts.add((urlsplit(url).hostname or "").lower())
    return PublicView(
        urls=frozenset(hidden_urls), watch_ids=frozenset(hidden_watches), hosts=frozenset(u.hosts - known_hosts),
        demand_ids=u.demand_ids,
    )


def public_incident_entries(core: Presswatch, incident_id: int, view: PublicView | None = None) -> list[int]:
    """The log entries of an incident's public bundle: what it cites, less private demands and less the
    observations, events and measurements of articles and hosts the public view hides.

    Every public bundle (web download, ``export incident --bundle``, the demo) is built from this list.
    """
    from presswatch.cases.incidents import incident_entry_indices
    from presswatch.record.ledger_models import LogEntry
    from presswatch.record.measure_models import Measurement
    from presswatch.record.models import Event, Observation

    view = view if view is not None else public_view(core)
    indices = incident_entry_indices(core, incident_id, public=True)
    if view.hides_nothing:
        return indices
    keep: list[int] = []
    with core.db.session() as s:
        for i in range(0, len(indices), 500):
            for index, ref in s.execute(select(LogEntry.index, LogEntry.ref).where(
                    LogEntry.index.in_(indices[i : i + 500]))):
                table, _, key = str(ref or "").partition(":")
                hidden = False
                if table == "observation" and key.isdigit():
                    o = s.get(Observation, int(key))
                    hidden = o is not None and (o.watch_id in view.watch_ids or view.url_hidden(o.url))
                elif table == "event" and key.isdigit():
                    e = s.get(Event, int(key))
                    hidden = e is not None and not view.event_visible(e.watch_id, None, e.details)
                elif table == "measurement":
                    m = s.get(Measurement, key)
                    hidden = m is not None and not view.target_visible("url", m.url)
                if not hidden:
                    keep.append(int(index))
    return sorted(keep)
