"""What one check of a watch decides: a pure function of the watch's prior state and the check's facts.

:func:`decide` takes the watch as it was (:class:`WatchPrior`, with the recent observations the
confirmation policy needs), what the fetch saw (:class:`FetchFacts`), the classification, the
settings that matter (:class:`DecisionPolicy`) and the clock's now, and returns a :class:`Decision`:
the observation's fields, whether the state is confirmed and since when, the events to write and
the watch's new state and next check. The pipeline only writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from presswatch.analyze.classify import Classification
from presswatch.analyze.confirm import ConfirmPolicy, confirmation, streak_back
from presswatch.analyze.extract import Extracted
from presswatch.clock import isoformat
from presswatch.sources.schedule import next_check

__all__ = [
    "BAD_STATUSES",
    "OK_STATUSES",
    "Decision",
    "DecisionPolicy",
    "EventSpec",
    "FetchFacts",
    "WatchPrior",
    "WatchUpdate",
    "carried",
    "decide",
]

OK_STATUSES = ("new", "unchanged", "edited")
BAD_STATUSES = ("removed", "withheld", "unreachable")


@dataclass(frozen=True)
class WatchPrior:
    """The watch before this check, and its recent (non-error) observations, newest first."""

    kind: str
    url: str
    status: str | None
    reason: str | None
    confirmed: bool
    created_at: datetime
    interval: int | None = None
    last_change_at: datetime | None = None
    priority_until: datetime | None = None
    current_version_id: int | None = None
    last_title: str | None = None
    last_text_digest: str | None = None
    recent: tuple[tuple[str, datetime], ...] = ()  # (status, checked_at) of earlier non-error observations


@dataclass(frozen=True)
class FetchFacts:
    """What the fetch saw (final response), as far as the decision needs it."""

    http_status: int | None
    final_url: str | None = None
    error: str | None = None
    error_reason: str | None = None
    elapsed: float = 0.0
    redirects: tuple[str, ...] = ()
    has_response: bool = False  # a final response was received
    etag: str | None = None
    last_modified: str | None = None
    payload_digest: str | None = None  # of the final capture (None: nothing archived)


@dataclass(frozen=True)
class DecisionPolicy:
    """The settings the decision depends on."""

    confirm_checks: int = 3
    confirm_min_hours: float = 0.0
    default_interval: int | None = None

    def confirm_policy(self) -> ConfirmPolicy:
        """Consecutive consistent bad checks (at least two) spanning ``confirm_min_hours``."""
        return ConfirmPolicy(runs=max(2, self.confirm_checks), min_span=timedelta(hours=self.confirm_min_hours))


@dataclass(frozen=True)
class EventSpec:
    """An event to write (it belongs to the watch and the observation of this check)."""

    kind: str
    status: str | None
    summary: str
    reason: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WatchUpdate:
    """The watch's new state. ``None`` for the validators/digest means: leave as it is."""

    status: str
    reason: str | None
    confirmed: bool
    last_checked_at: datetime
    next_check_at: datetime
    last_change_at: datetime | None
    clear_validators: bool = False
    etag: str | None = None
    last_modified: str | None = None
    set_validators: bool = False
    last_payload_digest: str | None = None
    adopt_version: bool = False  # the observation's version becomes the watch's current one


@dataclass(frozen=True)
class Decision:
    """Everything one check decides; :attr:`record_version` / :attr:`touch_current_version` say what
    to do with the extracted text's version row (the writer looks it up)."""

    status: str
    reason: str | None
    confirmed: bool
    since: datetime
    title: str | None
    text_digest: str | None
    diff: dict[str, Any] | None
    details: dict[str, Any]
    events: tuple[EventSpec, ...]
    watch: WatchUpdate
    record_version: bool = False
    touch_current_version: bool = False


def carried(status: str | None, last_notice: str | None) -> dict[str, Any]:
    """What an unanalysed repeat of a bad page keeps from the last analysis (its notice)."""
    if status in OK_STATUSES or not last_notice:
        return {}
    return {"carried": True, "notice": last_notice}


def _edited_summary(d: Mapping[str, Any]) -> str:
    return (
        f"edited: +{d.get('paragraphs_added', 0)}/-{d.get('paragraphs_removed', 0)} "
        f"paragraphs, +{d.get('words_added', 0)}/-{d.get('words_removed', 0)} words"
        + ("; headline changed" if d.get("title_changed") else "")
    )


def decide(
    prior: WatchPrior,
    cls: Classification,
    fetch: FetchFacts,
    extracted: Extracted | None,
    policy: DecisionPolicy,
    checked_at: datetime,
    now: datetime,
) -> Decision:
    """The decision of one check (pure: no database, no clock)."""
    status = cls.status
    ok = status in OK_STATUSES
    bad = status in BAD_STATUSES

    # what the observation says of the text
    text_digest = prior.last_text_digest if status == "unchanged" else None
    title = prior.last_title if status == "unchanged" or "carried" in cls.details else None
    record_version = touch_current = False
    if extracted is not None and ok:
        record_version = True
        text_digest, title = extracted.text_digest, extracted.title
    elif status == "unchanged" and prior.current_version_id and not (
        cls.details.get("same_payload") or cls.details.get("not_modified")
    ):
        touch_current = True
    elif extracted is not None:
        title = cls.details.get("page_title") or extracted.title  # a notice's own headline

    # confirmation: consecutive consistent bad checks
    confirmed = False
    since = checked_at
    if bad:
        cp = policy.confirm_policy()
        history = ((s, at, "") for s, at in prior.recent[: cp.runs - 1])
        streak = streak_back(status, checked_at, "", history)
        since = streak.since
        confirmed = confirmation(streak, cp) is not None

    diff = cls.diff.as_dict() if cls.diff is not None else None
    details = {**cls.details, "elapsed": round(fetch.elapsed, 4), "redirects": list(fetch.redirects)}

    # events on state changes
    events: list[EventSpec] = []
    was_bad_confirmed = prior.status in BAD_STATUSES and prior.confirmed
    if status == "new":
        events.append(EventSpec(kind="new", status="new", summary=f"first capture: {title or prior.url}"))
    elif status == "edited":
        d = diff or {}
        events.append(EventSpec(kind="edited", status="edited", summary=_edited_summary(d), details={"diff": d}))
    if bad and confirmed and not (was_bad_confirmed and prior.status == status):
        notice = cls.details.get("notice")
        events.append(EventSpec(
            kind=status, status=status, reason=cls.reason,
            summary=f"{status} ({cls.reason}) since {isoformat(since)}" + (f": “{notice}”" if notice else ""),
            details={"since": isoformat(since), "notice": notice},
        ))  # fmt: skip
    if ok and was_bad_confirmed:
        events.append(EventSpec(kind="restored", status=status,
                                summary=f"back online after {prior.status} ({prior.reason})"))

    # the watch's new state
    last_change_at = prior.last_change_at
    if status in ("new", "edited") or (prior.status != status and bad):
        last_change_at = checked_at
    set_validators = ok and fetch.has_response and fetch.http_status == 200
    payload = (
        fetch.payload_digest
        if fetch.payload_digest is not None and fetch.error_reason is None and fetch.http_status != 304
        else None
    )
    update = WatchUpdate(
        status=status, reason=cls.reason, confirmed=confirmed, last_checked_at=checked_at,
        last_change_at=last_change_at,
        next_check_at=next_check(
            now, kind=prior.kind, interval=prior.interval or policy.default_interval,
            last_change_at=last_change_at, created_at=prior.created_at, priority_until=prior.priority_until,
            status=status, confirmed=confirmed,
        ),
        set_validators=set_validators,
        etag=fetch.etag if set_validators else None,
        last_modified=fetch.last_modified if set_validators else None,
        clear_validators=not ok,
        last_payload_digest=payload,
        adopt_version=ok,
    )  # fmt: skip
    return Decision(
        status=status, reason=cls.reason, confirmed=confirmed, since=since, title=title,
        text_digest=text_digest, diff=diff, details=details, events=tuple(events), watch=update,
        record_version=record_version, touch_current_version=touch_current,
    )  # fmt: skip
