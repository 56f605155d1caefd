"""Which events a subscription wants: pure matching of an event's facts against its filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from presswatch.errors import ConfigError

__all__ = ["CASE_KINDS", "DEFAULT_KINDS", "EVENT_KINDS", "EventFacts", "Filters", "case_facts", "flap_key", "matches",
           "parse_filters"]

#: every event kind a subscription can name (``demand`` and ``incident-outcome`` for the case stage)
EVENT_KINDS = ("removed", "withheld", "unreachable", "edited", "restored", "blocked", "unblocked", "new",
               "demand", "incident-outcome")
#: without ``--event``: every state change but first captures (one per discovered article: noise)
DEFAULT_KINDS = tuple(k for k in EVENT_KINDS if k != "new")
#: the case stage's events: about a demand or an incident, not an article (no watch; facts in ``details``)
CASE_KINDS = ("demand", "incident-outcome")


@dataclass(frozen=True)
class Filters:
    """A subscription's filters; an empty field matches everything."""

    events: tuple[str, ...] = DEFAULT_KINDS
    countries: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    watch: int | None = None
    site: str | None = None
    incident: int | None = None
    min_words: int = 0  # edits: only when at least this many words changed …
    headline: bool = False  # … or (with headline=True: only when) the headline changed
    #: the owner may see private demands and incidents (editors, admins, the operator's command line);
    #: False for a viewer's or a team's subscription: case events of private records never match it
    private: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"events": list(self.events), "countries": list(self.countries), "tags": dict(self.tags),
                "watch": self.watch, "site": self.site, "incident": self.incident, "min_words": self.min_words,
                "headline": self.headline, "private": self.private}


@dataclass(frozen=True)
class EventFacts:
    """What matching needs to know of an event (read from the event, its watch and the incidents)."""

    kind: str
    watch_id: int | None = None
    host: str | None = None
    country: str | None = None  # the event's (a block's) country
    watch_countries: frozenset[str] = frozenset()  # the watch's country / measure_in tags
    tags: Mapping[str, Any] = field(default_factory=dict)
    incidents: frozenset[int] = frozenset()
    words_changed: int = 0
    title_changed: bool = False
    hosts: frozenset[str] = frozenset()  # further hosts the event is about (a demand's targets)
    watch_ids: frozenset[int] = frozenset()  # further articles it is about (an incident's)
    private: bool = False  # about a record only staff may see (a private demand or incident)


def parse_filters(raw: Mapping[str, Any]) -> Filters:
    """Filters from user input or a stored row; :class:`ConfigError` naming what is wrong."""
    events = tuple(str(k).strip().lower() for k in (raw.get("events") or DEFAULT_KINDS))
    unknown = [k for k in events if k not in EVENT_KINDS]
    if unknown:
        raise ConfigError(f"unknown event kind {unknown[0]!r}; choose from {', '.join(EVENT_KINDS)}")
    countries = []
    for c in raw.get("countries") or ():
        code = str(c).strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ConfigError(f"not an ISO 3166-1 alpha-2 country code: {c!r}")
        countries.append(code)
    tags = {str(k): str(v) for k, v in dict(raw.get("tags") or {}).items()}
    min_words = int(raw.get("min_words") or 0)
    if min_words < 0:
        raise ConfigError("--min-words must be 0 or more")
    site = raw.get("site")
    private = raw.get("private", True)
    if not isinstance(private, bool):
        raise ConfigError(f"private must be true or false, not {private!r}")
    return Filters(
        events=tuple(dict.fromkeys(events)), countries=tuple(dict.fromkeys(countries)), tags=tags,
        watch=int(raw["watch"]) if raw.get("watch") is not None else None,
        site=str(site).strip().lower().rstrip(".") if site else None,
        incident=int(raw["incident"]) if raw.get("incident") is not None else None,
        min_words=min_words, headline=bool(raw.get("headline")), private=private,
    )


def case_facts(kind: str, country: str | None, details: Mapping[str, Any]) -> EventFacts:
    """The facts of a case event (``demand``, ``incident-outcome``), from the details it was written with:
    ``countries``, ``hosts``, ``incidents``, ``watch_ids`` and ``private`` (see :mod:`presswatch.cases`)."""
    hosts = [str(h).lower() for h in details.get("hosts") or () if h]
    watch_ids = [int(w) for w in details.get("watch_ids") or () if w is not None]
    return EventFacts(
        kind=kind, watch_id=None, watch_ids=frozenset(watch_ids), host=hosts[0] if hosts else None,
        country=country, watch_countries=frozenset(str(c).upper() for c in details.get("countries") or () if c),
        incidents=frozenset(int(i) for i in details.get("incidents") or ()), hosts=frozenset(hosts),
        private=bool(details.get("private", True)),
    )


def _countries(e: EventFacts) -> set[str]:
    return ({e.country} if e.country else set()) | set(e.watch_countries)


def matches(f: Filters, e: EventFacts) -> bool:
    """Does the subscription with filters ``f`` want event ``e``?"""
    if e.kind not in f.events:
        return False
    if e.private and not f.private:
        return False
    if f.watch is not None and e.watch_id != f.watch and f.watch not in e.watch_ids:
        return False
    if f.site is not None:
        site = f.site
        if not any(h == site or h.endswith("." + site) for h in {(e.host or "").lower(), *e.hosts}):
            return False
    if f.countries and not (_countries(e) & set(f.countries)):
        return False
    for k, v in f.tags.items():
        have = e.tags.get(k)
        values = [str(x) for x in have] if isinstance(have, list) else [str(have)] if have is not None else []
        if v not in values:
            return False
    if f.incident is not None and f.incident not in e.incidents:
        return False
    if e.kind == "edited" and (f.min_words or f.headline):
        big = f.min_words > 0 and e.words_changed >= f.min_words
        if f.headline and f.min_words == 0:
            return e.title_changed
        return big or e.title_changed
    return True


def flap_key(kind: str, watch_id: int | None, country: str | None, event_id: int) -> str:
    """What a state flaps on: the article (removed/restored…), or the article in one country (blocks)."""
    if watch_id is None:
        return f"event:{event_id}"
    if kind in ("blocked", "unblocked"):
        return f"watch:{watch_id}:{country or ''}"
    if kind in ("edited", "new"):
        return f"watch:{watch_id}:{kind}"  # edits collapse with edits (debounce), they never flap
    return f"watch:{watch_id}"

