"""Per-country reachability of hosts and watched URLs, and the ``blocked``/``unblocked`` events.

Every stored measurement updates two :class:`Reachability` rows — its URL and its host — for its country
and network. A row's ``state`` (unknown, reachable, blocked + method) changes only once a different state
has been seen consistently: ``confirm_runs`` runs in a row, or by ``confirm_probes`` distinct probes.

Probes cannot lie the record into a state:

* **time** — a measurement's place in a row's order is its *effective time*, ``min(measured_at,
  received_at)``: a probe can date a measurement back (a spooled one really is older) but never ahead of
  when the server received it, so a measurement dated 2099 cannot make later honest ones "older". (The
  probe API also rejects ``measured_at`` outside [enrollment − skew, receipt + skew], see
  :func:`check_measured_at`.)
* **confirmation** — runs of one probe alone confirm a change only while no *other* probe (or local
  vantage) disagrees: if any other probe's latest measurement of the same target in the same country
  and network, received within :attr:`StatusPolicy.disagree_window` seconds, shows a different state
  (``down`` and empty results count as neither), the change stays pending until ``confirm_probes``
  distinct probes agree.
``down`` results (the site fails from the control too) are recorded but are evidence of neither state.
A confirmed change into or out of *blocked* becomes an :class:`~presswatch.record.models.Event` on the
same timeline as edits and removals: always for URLs, and for hosts when a ``site`` watch covers the host.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from presswatch.analyze.confirm import ConfirmPolicy, Streak, confirmation, extend
from presswatch.clock import as_utc, isoformat
from presswatch.errors import PresswatchError
from presswatch.probes.envelope import ReplayError, digest
from presswatch.record.events import NewEvent, add_events
from presswatch.record.ledger import Ledger
from presswatch.record.measure_models import Measurement, Reachability
from presswatch.record.models import Capture, Event, Watch

if TYPE_CHECKING:
    from presswatch.settings import Settings

__all__ = [
    "METHOD_NAMES",
    "apply_measurement",
    "check_measured_at",
    "describe",
    "effective_time",
    "InvalidMeasurement",
    "measurement_dict",
    "observed_state",
    "reachability_dict",
    "record_measurement",
    "status_rows",
    "StatusPolicy",
]

log = logging.getLogger(__name__)

METHOD_NAMES = {
    "dns": "DNS tampering",
    "tcp_ip": "TCP/IP blocking",
    "tls": "TLS interference",
    "http-failure": "HTTP interference",
    "http-diff": "HTTP content tampering",
}


class InvalidMeasurement(PresswatchError):
    """A submitted envelope lacks what a measurement needs."""


@dataclass(frozen=True)
class StatusPolicy:
    """When a new state counts as confirmed."""

    confirm_runs: int = 2
    confirm_probes: int = 2
    disagree_window: float = 24 * 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> StatusPolicy:
        """The policy set by ``measure_confirm_runs`` / ``measure_confirm_probes``."""
        return cls(confirm_runs=settings.measure_confirm_runs, confirm_probes=settings.measure_confirm_probes)

    def confirm_policy(self) -> ConfirmPolicy:
        """The shared confirmation rule: ``confirm_runs`` in a row, or ``confirm_probes`` distinct probes."""
        return ConfirmPolicy(runs=self.confirm_runs, sources=self.confirm_probes)


def observed_state(
    blocking: str | None, accessible: bool | None, down: bool
) -> tuple[str | None, str | None]:
    """``(state, method)`` a single measurement shows; state is None when it shows nothing."""
    if blocking:
        return "blocked", blocking
    if down:
        return "down", None
    if accessible:
        return "reachable", None
    return None, None


def describe(state: str, method: str | None, country: str, network: str, since: datetime) -> str:
    where = f"{country}" + (f" ({network})" if network else "")
    if state == "blocked":
        how = METHOD_NAMES.get(method or "", method or "unknown method")
        return f"blocked in {where} by {how} since {isoformat(since)}"
    return f"reachable again in {where} since {isoformat(since)}"


def effective_time(m: Measurement) -> datetime:
    """When ``m`` counts as taken: its claimed time, but never later than its receipt."""
    measured, received = as_utc(m.measured_at), as_utc(m.received_at)
    return min(measured, received)


def check_measured_at(measured_at: datetime, *, enrolled_at: datetime, received_at: datetime,
                      skew: timedelta) -> None:
    """Raise :class:`InvalidMeasurement` unless ``measured_at`` is in [enrolled − skew, received + skew]."""
    measured = as_utc(measured_at)
    if measured < as_utc(enrolled_at) - skew:
        raise InvalidMeasurement(
            f"measured_at {isoformat(measured)} is before the probe enrolled ({isoformat(as_utc(enrolled_at))})"
        )
    if measured > as_utc(received_at) + skew:
        raise InvalidMeasurement(f"measured_at {isoformat(measured)} is in the future")


def _disagreeing_probes(
    s: Session, scope: str, row: Reachability, m: Measurement, state: str, method: str | None,
    policy: StatusPolicy,
) -> list[str]:
    """Other vantages whose latest measurement of ``row``'s target (same country and network, received
    within the policy's window) shows a state other than ``(state, method)``."""
    col = Measurement.url if scope == "url" else Measurement.host
    me = m.probe_id
    others = or_(Measurement.probe_id.is_(None), Measurement.probe_id != me) if me else (
        Measurement.probe_id.is_not(None)
    )
    since = as_utc(m.received_at) - timedelta(seconds=policy.disagree_window)
    q = (
        select(Measurement)
        .where(col == row.target, Measurement.country == row.country, Measurement.network == row.network,
               Measurement.id != m.id, Measurement.received_at >= since, others)
        .order_by(Measurement.received_at.desc())
        .limit(500)
    )
    latest: dict[str, Measurement] = {}
    for other in s.scalars(q):
        latest.setdefault(other.probe_id or "local", other)
    out = []
    for who, other in latest.items():
        seen, seen_method = observed_state(other.blocking, other.accessible, other.down)
        if seen in (None, "down"):
            continue
        if (seen, seen_method if seen == "blocked" else None) != (state, method if state == "blocked" else None):
            out.append(who)
    return out


def apply_measurement(s: Session, m: Measurement, policy: StatusPolicy | None = None) -> list[Event]:
    """Fold measurement ``m`` into the reachability rows of its URL and host; return new events.

    Rows are ordered by :func:`effective_time`; see the module docstring for the confirmation rule.
    """
    policy = policy or StatusPolicy()
    when = effective_time(m)
    received = as_utc(m.received_at)
    state, method = observed_state(m.blocking, m.accessible, m.down)
    events: list[Event] = []
    url_watch = s.scalars(select(Watch.id).where(Watch.url == m.url)).first()
    site_watch = s.scalars(select(Watch.id).where(Watch.host == m.host, Watch.kind == "site")).first()
    for scope, target, watch_id in (("url", m.url, url_watch), ("host", m.host, site_watch)):
        row = s.scalars(
            select(Reachability).where(
                Reachability.scope == scope,
                Reachability.target == target,
                Reachability.country == m.country,
                Reachability.network == m.network,
            )
        ).first()
        if row is None:
            row = Reachability(
                scope=scope,
                target=target,
                country=m.country,
                network=m.network,
                state="unknown",
                confirmed=False,
                consecutive=0,
                probes=[],
            )
            s.add(row)
        row.watch_id = watch_id
        if row.last_measured_at is not None and when < as_utc(row.last_measured_at):
            log.info("measurement %s is older than the status of %s; state unchanged", m.id, target)
            continue
        row.last_measured_at = when
        row.last_measurement_id = m.id
        if state is None:
            continue
        row.last_observed = state
        if state == "down":
            continue
        event = _step(row, state, method, m, policy, functools.partial(
            _disagreeing_probes, s, scope, row, m, state, method, policy))
        if event is not None and (scope == "url" or watch_id is not None):
            details = {**event.details, "scope": scope, "target": target}
            events += add_events(s, [dataclasses.replace(event, watch_id=watch_id, details=details)], now=received)
    return events


def _step(
    row: Reachability, state: str, method: str | None, m: Measurement, policy: StatusPolicy,
    disagreeing: Callable[[], list[str]] = list,
) -> NewEvent | None:
    if state == row.state and method == row.method:
        row.pending_state = row.pending_method = row.pending_since = None
        row.consecutive = 0
        row.probes = []
        row.confirmed = True
        return None
    when = effective_time(m)
    pending = None
    if row.pending_state is not None:
        pending = Streak(state=(row.pending_state, row.pending_method), runs=row.consecutive,
                         sources=tuple(row.probes), since=row.pending_since or when, until=when)
    streak = extend(pending, (state, method), when, m.probe_id or "local")
    if streak.runs == 1:
        row.pending_state, row.pending_method, row.pending_since = state, method, when
        row.confirmed = False
    row.consecutive = streak.runs
    if list(streak.sources) != list(row.probes):
        row.probes = list(streak.sources)
    verdict = confirmation(streak, policy.confirm_policy())
    if verdict is None:
        return None
    if verdict == "runs" and (against := disagreeing()):
        log.info("%s of %s stays pending: %d other vantage(s) disagree", state, row.target, len(against))
        return None
    previous, previous_method = row.state, row.method
    since = row.pending_since or effective_time(m)
    row.state, row.method, row.since = state, method, since
    row.confirmed = True
    details: dict[str, Any] = {
        "network": row.network,
        "method": method,
        "previous": previous,
        "previous_method": previous_method,
        "runs": row.consecutive,
        "probes": list(row.probes),
        "confirmed_by": m.id,
        "confirmed_at": isoformat(effective_time(m)),
    }
    row.pending_state = row.pending_method = row.pending_since = None
    row.consecutive = 0
    row.probes = []
    if state == "blocked":
        kind = "blocked"
    elif previous == "blocked":
        kind = "unblocked"
    else:
        return None  # unknown -> reachable: nothing happened
    return NewEvent(
        at=since,
        kind=kind,
        status=None,
        reason=method if kind == "blocked" else previous_method,
        country=row.country,
        summary=describe(state, method, row.country, row.network, since),
        details=details,
    )


def status_rows(s: Session, country: str | None = None, scope: str | None = None) -> list[dict[str, Any]]:
    """The reachability table as plain dicts (for ``presswatch status`` and the API)."""
    q = select(Reachability).order_by(Reachability.country, Reachability.scope, Reachability.target)
    if country:
        q = q.where(Reachability.country == country.upper())
    if scope:
        q = q.where(Reachability.scope == scope)
    return [reachability_dict(r) for r in s.scalars(q)]


def reachability_dict(r: Reachability) -> dict[str, Any]:
    return {
        "scope": r.scope,
        "target": r.target,
        "country": r.country,
        "network": r.network,
        "watch_id": r.watch_id,
        "state": r.state,
        "method": r.method,
        "since": isoformat(r.since) if r.since else None,
        "confirmed": r.confirmed,
        "last_observed": r.last_observed,
        "pending": (
            {"state": r.pending_state, "method": r.pending_method, "runs": r.consecutive, "probes": r.probes}
            if r.pending_state
            else None
        ),
        "last_measured_at": isoformat(r.last_measured_at) if r.last_measured_at else None,
        "last_measurement_id": r.last_measurement_id,
    }


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _blockpage(value: Any) -> str | None:
    if not value:
        return None
    if isinstance(value, str):
        return value[:128]
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or "yes")[:128]
    return "yes"


def record_measurement(
    s: Session,
    envelope: dict[str, Any],
    *,
    ledger: Ledger,
    signature: str | None,
    probe_id: str | None,
    received_at: datetime,
    capture_id: int | None = None,
    policy: StatusPolicy | None = None,
    check_time: Callable[[datetime], None] | None = None,
    country: str | None = None,
    network: str | None = None,
) -> tuple[Measurement, list[Event], bool]:
    """Store one envelope and update status; ``(row, events, created)``.

    Re-submitting the same id with the same content is a no-op (``created`` False); the same id with
    other content raises :class:`ReplayError`. ``check_time`` may refuse the claimed time (raising
    :class:`InvalidMeasurement`); ``country`` / ``network`` (the enrolled ones) are recorded instead of
    the envelope's claims. The measurement (with its capture row) and its events are appended to the
    evidence log in the same transaction.
    """
    mid = str(envelope.get("measurement_id") or "")
    if not mid:
        raise InvalidMeasurement("envelope has no measurement_id")
    fingerprint = digest(envelope)
    existing = s.get(Measurement, mid)
    if existing is not None:
        if existing.digest != fingerprint or existing.probe_id != probe_id:
            raise ReplayError(f"measurement {mid} was already submitted with other content")
        return existing, [], False
    keys = envelope.get("test_keys")
    if not isinstance(keys, dict):
        raise InvalidMeasurement("envelope has no test_keys")
    url = str(envelope.get("input") or keys.get("url") or "")
    host = urlsplit(url).hostname
    if not host:
        raise InvalidMeasurement(f"measurement {mid} has no valid URL")
    measured_at = _parse_time(keys.get("measured_at")) or _parse_time(envelope.get("measurement_start_time"))
    if measured_at is None:
        raise InvalidMeasurement(f"measurement {mid} has no valid time")
    if check_time is not None:
        check_time(measured_at)
    blocking = keys.get("blocking")
    accessible = keys.get("accessible")
    row = Measurement(
        id=mid,
        probe_id=probe_id,
        url=url,
        host=host,
        country=(country or str(envelope.get("probe_cc") or "ZZ")).upper(),
        network=network if network is not None else str(envelope.get("probe_network_name") or ""),
        measured_at=measured_at,
        received_at=received_at,
        blocking=str(blocking) if blocking else None,
        accessible=bool(accessible) if isinstance(accessible, bool) else None,
        blockpage=_blockpage(keys.get("blockpage")),
        down=bool(keys.get("down")),
        envelope=envelope,
        digest=fingerprint,
        signature=signature,
        capture_id=capture_id,
    )
    s.add(row)
    s.flush()
    events = apply_measurement(s, row, policy)
    capture = s.get(Capture, capture_id) if capture_id is not None else None
    if capture_id is not None and capture is None:
        raise InvalidMeasurement(f"measurement {mid} names capture {capture_id}, which does not exist")
    ledger.append(
        s,
        "measurement",
        measurement_dict(row),
        digests=[capture.payload_digest] if capture is not None else [],
        ref=f"measurement:{row.id}",
        rows=[f"capture:{capture.id}"] if capture is not None else [],
    )
    s.flush()  # the events' ids
    ledger.append_events(s, events)
    return row, events, True


def measurement_dict(m: Measurement, with_envelope: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": m.id,
        "probe_id": m.probe_id,
        "url": m.url,
        "country": m.country,
        "network": m.network,
        "measured_at": isoformat(m.measured_at),
        "received_at": isoformat(m.received_at),
        "blocking": m.blocking or False,
        "accessible": m.accessible,
        "blockpage": m.blockpage,
        "down": m.down,
        "capture_id": m.capture_id,
        "signature": m.signature,
    }
    if with_envelope:
        out["envelope"] = m.envelope
    return out
