"""The delivery loop: outbox → items (one per event × subscription) → messages → attempts.

1. **Fan out**: claim outbox rows (:func:`~presswatch.record.events.claim_outbox`), match each event
   against every enabled subscription and insert one :class:`~presswatch.record.alert_models.AlertItem`
   per match (``ON CONFLICT DO NOTHING`` on the (subscription, event) key), then acknowledge the rows.
   A crash before the acknowledgement leaves the rows claimed; once the claim is stale they are released
   and fanned out again, which adds nothing (the key exists).
2. **Settle**: the pure policies (:mod:`.flapping`, :mod:`.digest`) release held items as messages, each
   with a unique (subscription, group) key and a ``webhook_id`` and body fixed once; item and message are
   written in one transaction.
3. **Send**: claim due messages (a lease; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), POST / notify, and
   record the attempt. A crash between sending and recording leaves the lease to expire; the message is
   then sent again with the *same* ``webhook_id`` and body, which the receiver deduplicates. Nothing is
   lost (the message stays pending until an attempt is recorded) and no event gets a second id.

:func:`deliver_pending` is the one entry point (``alerts deliver --once``, the background task of
``presswatch run`` (:class:`AlertWorker`), future workers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, event, func, insert, select, update
from sqlalchemy.orm import Session

from presswatch.alerts import payload as pl
from presswatch.alerts.channels import notify
from presswatch.alerts.digest import due_digests, period_of
from presswatch.alerts.flapping import HeldItem, LastSent, settle
from presswatch.alerts.subscriptions import (
    CASE_KINDS,
    EventFacts,
    Filters,
    case_facts,
    flap_key,
    matches,
    parse_filters,
)
from presswatch.alerts.webhooks import Answer, WebhookSender, outcome_of
from presswatch.clock import as_utc
from presswatch.errors import DatabaseError
from presswatch.fetch.guard import TargetGuard
from presswatch.record.alert_models import AlertAttempt, AlertItem, AlertMessage, AlertSubscription
from presswatch.record.db import dialect_insert
from presswatch.record.events import claim_outbox, mark_delivered, release_stale
from presswatch.record.ledger_models import LogEntry
from presswatch.record.models import Capture, Event, Observation, Outbox, Version, Watch

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "CHUNK_ITEMS",
    "DEFAULT_BODY",
    "DEFAULT_TITLE",
    "IDLE_POLL",
    "PER_ENDPOINT_CONCURRENCY",
    "ROUND_GAP",
    "AlertWorker",
    "DeliveryStats",
    "LOOKAHEAD",
    "deliver_pending",
    "fan_out",
    "load_records",
    "new_consumer",
    "send_due",
    "settle_all",
]

log = logging.getLogger(__name__)

DEFAULT_TITLE = "presswatch: $status — $title"
DEFAULT_BODY = "$summary\n$url\n$note\nevidence: $proof"
#: attempts in flight at once to one endpoint (subscription target); ``alert_concurrency`` bounds them all
PER_ENDPOINT_CONCURRENCY = 4


@dataclass
class DeliveryStats:
    events: int = 0
    items: int = 0
    messages: int = 0
    suppressed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    disabled: int = 0
    attempts: int = 0
    pending: int = 0  # messages left for a later attempt

    def add(self, other: DeliveryStats) -> None:
        for k in self.__dataclass_fields__:
            if k != "pending":
                setattr(self, k, getattr(self, k) + getattr(other, k))
        self.pending = other.pending

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def new_consumer() -> str:
    return f"alerts:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# -- reading events --------------------------------------------------------------------------------------
def load_records(s: Session, event_ids: Sequence[int]) -> dict[int, pl.EventRecord]:
    """The events with their observation, capture, watch, headline and evidence-log index."""
    out: dict[int, pl.EventRecord] = {}
    for i in range(0, len(event_ids), 500):
        chunk = list(event_ids[i:i + 500])
        rows = s.execute(
            select(Event, Observation, Capture, Watch)
            .outerjoin(Observation, Observation.id == Event.observation_id)
            .outerjoin(Capture, Capture.id == Observation.capture_id)
            .outerjoin(Watch, Watch.id == Event.watch_id)
            .where(Event.id.in_(chunk))
        ).all()
        index = dict(s.execute(select(LogEntry.ref, LogEntry.index)
                               .where(LogEntry.ref.in_([f"event:{e}" for e in chunk]))).all())
        versions = {w.current_version_id for _, _, _, w in rows if w is not None and w.current_version_id}
        titles = dict(s.execute(select(Version.id, Version.title).where(Version.id.in_(versions))).all()) \
            if versions else {}
        for e, o, c, w in rows:
            cap = None
            if c is not None:
                cap = {"warc_file": c.warc_file, "offset": c.offset, "length": c.length,
                       "payload_digest": c.payload_digest, "record_type": c.record_type}
            title = (titles.get(w.current_version_id) if w is not None and w.current_version_id else None) or (
                o.title if o is not None else None)
            diff = (e.details or {}).get("diff") or (o.diff if o is not None and e.kind == "edited" else None)
            out[e.id] = pl.EventRecord(
                event_id=e.id, kind=e.kind, at=as_utc(e.at), summary=e.summary or "", status=e.status,
                reason=e.reason, country=e.country, details=dict(e.details or {}),
                watch_id=e.watch_id, url=w.url if w is not None else None, host=w.host if w is not None else None,
                tags=dict(w.tags or {}) if w is not None else {}, observation_id=o.id if o is not None else None,
                checked_at=as_utc(o.checked_at) if o is not None else None,
                confirmed=bool(o.confirmed) if o is not None and e.kind in ("removed", "withheld", "unreachable")
                else True,
                title=title, capture=cap, evidence=index.get(f"event:{e.id}"), diff=diff,
            )
    return out


def _facts(r: pl.EventRecord, incidents: dict[int, tuple[set[int], set[str]]]) -> EventFacts:
    if r.kind in CASE_KINDS:  # a demand's or an incident's event: its facts (and visibility) are in its details
        return case_facts(r.kind, r.country, r.details)
    tags = r.tags
    wc = {str(tags.get("country", "")).upper()} if tags.get("country") else set()
    wc |= {str(c).upper() for c in (tags.get("measure_in") or []) if c}
    host = r.target_host
    inc = frozenset(i for i, (ws, hs) in incidents.items()
                    if r.watch_id in ws or (r.sitewide and host is not None and host in hs))
    d = r.diff or {}
    return EventFacts(kind=r.kind, watch_id=r.watch_id, host=host, country=r.country,
                      watch_countries=frozenset(wc), tags=tags, incidents=inc,
                      words_changed=int(d.get("words_added") or 0) + int(d.get("words_removed") or 0),
                      title_changed=bool(d.get("title_changed")))


def _incident_members(s: Session, ids: Iterable[int]) -> dict[int, tuple[set[int], set[str]]]:
    from presswatch.cases.incidents import members
    from presswatch.errors import NotFound

    out: dict[int, tuple[set[int], set[str]]] = {}
    for i in set(ids):
        try:
            m = members(s, i)
        except NotFound:
            continue
        out[i] = ({w.id for w in m.watches}, {h.lower() for h in m.hosts})
    return out


# -- 1. fan out ------------------------------------------------------------------------------------------
def _subscriptions(s: Session) -> list[tuple[AlertSubscription, Filters]]:
    return [(r, parse_filters(r.filters or {})) for r in
            s.scalars(select(AlertSubscription).where(AlertSubscription.enabled.is_(True)).order_by(AlertSubscription.id))]


def _fan_out_fn(core: Presswatch, event_ids: Sequence[int],
                keep: dict[int, pl.EventRecord] | None = None) -> Callable[[Session], int]:
    """Insert the items of these events for every matching subscription; the number of new items.
    The records loaded are added to ``keep`` (for the settle of the same round, which then reads none)."""
    now = core.clock.now()

    def fn(s: Session) -> int:
        subs = _subscriptions(s)
        if not subs:
            return 0
        kinds = {k for _, f in subs for k in f.events}
        wanted = [i for i, k in s.execute(select(Event.id, Event.kind).where(Event.id.in_(list(event_ids))))
                  if k in kinds]  # e.g. the first captures of a pass, which few subscriptions want
        records = load_records(s, wanted) if wanted else {}
        if keep is not None:
            keep.update(records)
        incidents = _incident_members(s, [f.incident for _, f in subs if f.incident is not None])
        rows: list[dict[str, Any]] = []
        for eid in sorted(records):
            r = records[eid]
            facts = _facts(r, incidents)
            for sub, f in subs:
                if eid > sub.since_event_id and matches(f, facts):
                    rows.append({"subscription_id": sub.id, "event_id": eid, "kind": r.kind, "at": now,
                                 "key": flap_key(r.kind, r.watch_id, r.country, eid), "state": "held"})
        n = 0
        for i in range(0, len(rows), 1000):
            stmt = dialect_insert(s, AlertItem).on_conflict_do_nothing().returning(AlertItem.id)
            n += len(s.scalars(stmt, rows[i:i + 1000]).all())
        return n

    return fn


def fan_out(core: Presswatch, event_ids: Sequence[int]) -> int:
    return core.db.write(_fan_out_fn(core, event_ids))


# -- 2. settle -------------------------------------------------------------------------------------------
def _last_sent(s: Session, sub_id: int, keys: Iterable[str]) -> dict[str, LastSent]:
    """The latest released item per key. Sorted here, not in SQL: an ORDER BY would lead SQLite to the
    (subscription, event) index, a scan of the subscription's whole history, instead of the key index."""
    out: dict[str, LastSent] = {}
    ks = list(set(keys))
    for i in range(0, len(ks), 500):
        rows = s.execute(
            select(AlertItem.event_id, AlertItem.key, AlertItem.kind, AlertItem.at)
            .where(AlertItem.subscription_id == sub_id, AlertItem.key.in_(ks[i:i + 500]),
                   AlertItem.state == "released")
        ).all()
        for _, key, kind, at in sorted(rows, key=lambda r: r[0]):
            out[key] = LastSent(kind, as_utc(at))
    return out


def _pending_notes(s: Session, sub_id: int, keys: Iterable[str]) -> dict[str, str]:
    """Notes of suppressed (flapping) items not yet carried by a message, per key."""
    notes: dict[str, list[str]] = {}
    ks = list(set(keys))
    for i in range(0, len(ks), 500):
        rows = s.execute(
            select(AlertItem.id, AlertItem.key, AlertItem.note)
            .where(AlertItem.subscription_id == sub_id, AlertItem.key.in_(ks[i:i + 500]),
                   AlertItem.state == "suppressed", AlertItem.message_id.is_(None), AlertItem.note.is_not(None))
        ).all()
        for _, key, note in sorted(rows, key=lambda r: r[0]):  # sorted here: see _last_sent
            notes.setdefault(key, []).append(note or "")
    return {k: "; ".join(dict.fromkeys(v)) for k, v in notes.items()}


def _render(sub: AlertSubscription, body: dict[str, Any]) -> tuple[str, str]:
    """(title, body text) of a message for this subscription's channel."""
    values = pl.tokens_of(body)
    if sub.channel == "webhook":
        text = pl.render(sub.body_template, values, json_escape=True) if sub.body_template else json.dumps(
            body, ensure_ascii=False, separators=(",", ":"))
        return pl.render(sub.title_template or DEFAULT_TITLE, values), text
    title = pl.render(sub.title_template or DEFAULT_TITLE, values)
    text = pl.render(sub.body_template or DEFAULT_BODY, values)
    return title, "\n".join(line for line in text.splitlines() if line.strip() and not line.endswith(": "))


def _settle_all_fn(core: Presswatch, known: dict[int, pl.EventRecord] | None = None
                   ) -> Callable[[Session], tuple[int, int]]:
    """Release what the policies release now; (messages made, items suppressed).

    ``known``: records of events read moments ago (by the fan-out of the same round). An event's body
    is built, serialized and rendered once per (event, note, channel, templates), not once per
    subscription: every subscription with the default body gets the same text."""
    now = core.clock.now()
    settings = core.settings
    base = settings.public_url

    item_t = cast(Table, AlertItem.__table__)
    msg_t = cast(Table, AlertMessage.__table__)
    set_note = (update(item_t).where(item_t.c.id == bindparam("b_id"))
                .values(state=bindparam("b_state"), note=bindparam("b_note")))
    set_released = (update(item_t).where(item_t.c.id == bindparam("b_id"))
                    .values(state="released", message_id=bindparam("b_message")))

    def fn(s: Session) -> tuple[int, int]:
        made = suppressed = 0
        cache: dict[int, pl.EventRecord] = dict(known or {})
        rendered: dict[tuple[int, str | None, str, str | None, str | None], tuple[str, str]] = {}
        carried: set[str] = set()
        sub_ids = list(s.scalars(select(item_t.c.subscription_id).where(item_t.c.state == "held").distinct()))
        for sub_id in sub_ids:
            sub = s.get(AlertSubscription, sub_id)
            if sub is None:
                continue
            held = [_Held(r.id, r.event_id, r.key, r.kind, as_utc(r.at), r.note) for r in s.execute(
                select(item_t.c.id, item_t.c.event_id, item_t.c.key, item_t.c.kind, item_t.c.at, item_t.c.note)
                .where(item_t.c.subscription_id == sub_id, item_t.c.state == "held").order_by(item_t.c.id))]
            noted: list[dict[str, Any]] = []  # items suppressed (flapping, a disabled subscription)
            if not sub.enabled:
                why = f"subscription disabled: {sub.disabled_reason}"
                noted = [{"b_id": it.id, "b_state": "suppressed", "b_note": why} for it in held]
                _executemany(s, set_note, noted)
                continue
            by_id = {it.id: it for it in held}
            releases: list[tuple[str, list[_Held], _Held, str | None, tuple[datetime, datetime] | None]] = []
            if sub.digest:
                views = [HeldItem(it.id, it.kind, it.at) for it in held]
                for start, due in due_digests(views, sub.digest, now).items():
                    group = [by_id[v.id] for v in due]
                    releases.append((f"digest:{start.isoformat()}", group, group[-1], None,
                                     period_of(start, sub.digest)))
            else:
                keys: dict[str, list[_Held]] = {}
                for it in held:
                    keys.setdefault(it.key, []).append(it)
                last = _last_sent(s, sub_id, keys)
                notes = _pending_notes(s, sub_id, keys)
                for key, key_items in keys.items():
                    for rel in settle([HeldItem(i.id, i.kind, i.at) for i in key_items],
                                      last.get(key), debounce=sub.debounce,
                                      window=settings.alert_flap_window, now=now):
                        group = [by_id[i] for i in rel.items]
                        if rel.suppressed:
                            noted += [{"b_id": it.id, "b_state": "suppressed", "b_note": rel.note} for it in group]
                            suppressed += len(group)
                            continue
                        earlier = notes.pop(key, None)
                        if earlier:
                            carried.add(key)
                        note = "; ".join(n for n in (earlier, rel.note) if n) or None
                        releases.append((f"event:{by_id[rel.primary].event_id}", group, by_id[rel.primary], note,
                                         None))
            _executemany(s, set_note, noted)
            if not releases:
                continue
            wanted = sorted({it.event_id for _, g, _, _, _ in releases for it in g} - cache.keys())
            cache.update(load_records(s, wanted))
            records = cache
            msgs: list[dict[str, Any]] = []
            for group_key, group, primary, note, period in releases:
                if period is not None:
                    pairs = [(records[it.event_id], it.note) for it in group if it.event_id in records]
                    body = pl.digest_payload(pairs, period[0], period[1], now, base_url=base)
                    kind, etype = "digest", "digest"
                    title, text = _render(sub, body)
                else:
                    kind, etype = "event", primary.kind
                    rkey = (primary.event_id, note, sub.channel, sub.title_template, sub.body_template)
                    got = rendered.get(rkey)
                    if got is None:
                        body = pl.event_payload(records[primary.event_id], now, base_url=base, note=note)
                        got = rendered[rkey] = _render(sub, body)
                    title, text = got
                msgs.append({"subscription_id": sub_id, "webhook_id": "msg_" + uuid.uuid4().hex,
                             "group_key": group_key, "kind": kind, "event_type": etype, "title": title, "body": text,
                             "created_at": now, "state": "pending", "attempts": 0, "next_attempt_at": now})
            _executemany(s, dialect_insert(s, msg_t).on_conflict_do_nothing(), msgs)
            gkeys = [m["group_key"] for m in msgs]
            ids: dict[str, int] = {}
            for i in range(0, len(gkeys), 500):
                ids.update(s.execute(select(msg_t.c.group_key, msg_t.c.id).where(
                    msg_t.c.subscription_id == sub_id, msg_t.c.group_key.in_(gkeys[i:i + 500]))).all())
            _executemany(s, set_released, [{"b_id": it.id, "b_message": ids.get(group_key)}
                                           for group_key, group, _, _, _ in releases for it in group])
            for group_key, group, _, _, _ in releases:
                # the flapping notes this message carried are now said
                if group_key.startswith("event:") and group[-1].key in carried:
                    s.execute(update(item_t).where(
                        item_t.c.subscription_id == sub_id, item_t.c.key == group[-1].key,
                        item_t.c.state == "suppressed", item_t.c.message_id.is_(None),
                    ).values(message_id=ids.get(group_key)))
            made += len(msgs)
        return made, suppressed

    return fn


@dataclass(frozen=True)
class _Held:
    """A held item as settling reads it."""

    id: int
    event_id: int
    key: str
    kind: str
    at: datetime
    note: str | None = None


def _executemany(s: Session, stmt: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), 1000):
        s.execute(stmt, rows[i:i + 1000])


def settle_all(core: Presswatch) -> tuple[int, int]:
    return core.db.write(_settle_all_fn(core))


# -- 3. send ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Claimed:
    id: int
    webhook_id: str
    attempts: int
    title: str
    body: str
    channel: str
    target: str
    secrets: tuple[str, ...]
    subscription_id: int


def _claim_messages_fn(core: Presswatch, consumer: str, limit: int) -> Callable[[Session], list[_Claimed]]:
    now = core.clock.now()
    until = now + timedelta(seconds=core.settings.alert_claim_seconds)

    def fn(s: Session) -> list[_Claimed]:
        free = (AlertMessage.claimed_until.is_(None)) | (AlertMessage.claimed_until < now)
        pick = (select(AlertMessage.id)
                .where(AlertMessage.state == "pending", AlertMessage.next_attempt_at <= now, free)
                .order_by(AlertMessage.next_attempt_at, AlertMessage.id).limit(limit))
        if s.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        wanted = list(s.scalars(pick))
        if not wanted:
            return []
        got = list(s.scalars(
            update(AlertMessage)
            .where(AlertMessage.id.in_(wanted), AlertMessage.state == "pending", free)
            .values(claimed_by=consumer, claimed_until=until)
            .returning(AlertMessage.id)
            .execution_options(synchronize_session=False)))
        if not got:
            return []
        mt, st = AlertMessage.__table__, AlertSubscription.__table__
        rows = s.execute(
            select(mt.c.id, mt.c.webhook_id, mt.c.attempts, mt.c.title, mt.c.body, st.c.channel, st.c.target,
                   st.c.secret, st.c.old_secret, st.c.old_secret_until, st.c.id.label("sub_id"))
            .join(st, st.c.id == mt.c.subscription_id).where(mt.c.id.in_(got)).order_by(mt.c.id)).all()
        out = []
        for r in rows:
            secrets = tuple(x for x in (r.secret, r.old_secret if r.old_secret_until is None
                                        or as_utc(r.old_secret_until) > now else None) if x)
            out.append(_Claimed(r.id, r.webhook_id, r.attempts, r.title, r.body, r.channel, r.target, secrets,
                                r.sub_id))
        return out

    return fn


def _claim_messages(core: Presswatch, consumer: str, limit: int) -> list[_Claimed]:
    return core.db.write(_claim_messages_fn(core, consumer, limit))


def _record_fn(core: Presswatch, done: Sequence[tuple[_Claimed, Answer]],
               consumer: str) -> Callable[[Session], list[str]]:
    """Record many attempts in one transaction (their outcomes, in order), in bulk: one select of the
    messages' state (locked on PostgreSQL), one multi-row insert of the attempts and one executemany
    update of the messages; only a 410 (disable the endpoint) takes a statement of its own."""
    now = core.clock.now()
    schedule = core.settings.alert_retry_schedule
    msg_t = cast(Table, AlertMessage.__table__)
    sub_t = cast(Table, AlertSubscription.__table__)

    def fn(s: Session) -> list[str]:
        ids = [c.id for c, _ in done]
        cols = (msg_t.c.id, msg_t.c.attempts, msg_t.c.state, msg_t.c.claimed_by, msg_t.c.claimed_until,
                msg_t.c.next_attempt_at, msg_t.c.delivered_at, msg_t.c.last_error, msg_t.c.subscription_id)
        cur: dict[int, dict[str, Any]] = {}
        for i in range(0, len(ids), 500):
            q = select(*cols).where(msg_t.c.id.in_(ids[i:i + 500]))
            if s.get_bind().dialect.name == "postgresql":
                q = q.with_for_update()
            cur.update({r.id: dict(r._mapping) for r in s.execute(q)})
        results: list[str] = []
        attempts: list[dict[str, Any]] = []
        disabled: list[tuple[int, int]] = []
        for c, answer in done:
            m = cur[c.id]  # KeyError: a claimed message deleted meanwhile, which nothing does
            m["attempts"] += 1
            out = outcome_of(answer, m["attempts"], schedule, now)
            attempts.append({"message_id": c.id, "attempt": m["attempts"], "at": now, "status_code": answer.status,
                             "error": answer.error or out.error, "duration": answer.duration,
                             "outcome": out.result})
            if m["state"] != "pending":  # delivered (or disabled) meanwhile by another worker whose claim we took
                results.append("late")
                continue
            if m["claimed_by"] == consumer:
                m["claimed_by"] = m["claimed_until"] = None
            if out.result == "delivered":
                m["state"], m["delivered_at"], m["last_error"] = "delivered", now, None
            elif out.result == "retry":
                m["next_attempt_at"], m["last_error"] = now + timedelta(seconds=out.delay), out.error
            elif out.result == "failed":
                m["state"], m["last_error"] = "failed", out.error
            else:
                m["state"], m["last_error"] = "disabled", out.error
                disabled.append((c.id, m["subscription_id"]))
            results.append(out.result)
        for i in range(0, len(attempts), 1000):
            s.execute(insert(cast(Table, AlertAttempt.__table__)), attempts[i:i + 1000])
        rows = [{"b_id": m["id"], **{k: m[k] for k in _MSG_COLUMNS}} for m in cur.values()]
        if rows:
            s.execute(update(msg_t).where(msg_t.c.id == bindparam("b_id"))
                      .values({k: bindparam(k) for k in _MSG_COLUMNS}), rows)
        for mid, sub_id in disabled:
            s.execute(update(sub_t).where(sub_t.c.id == sub_id)
                      .values(enabled=False, disabled_reason=f"endpoint answered 410 Gone at {now.isoformat()}"))
            s.execute(update(msg_t).where(msg_t.c.subscription_id == sub_id, msg_t.c.state == "pending",
                                          msg_t.c.id != mid)
                      .values(state="disabled", last_error="endpoint disabled (410 Gone)"))
        return results

    return fn


_MSG_COLUMNS = ("attempts", "state", "claimed_by", "claimed_until", "next_attempt_at", "delivered_at", "last_error")


def _record(core: Presswatch, done: Sequence[tuple[_Claimed, Answer]], consumer: str) -> list[str]:
    return core.db.write(_record_fn(core, done, consumer))


@dataclass
class _Feed:
    """Messages still being made while :func:`send_due` runs: it waits for them instead of stopping."""

    made: asyncio.Event = field(default_factory=asyncio.Event)  # set when a chunk's messages are committed
    done: bool = False  # nothing more will be made
    ahead: int = 0  # messages made and not yet answered
    idle: bool = False  # the sender found nothing to claim and waits for the next chunk
    progress: asyncio.Event = field(default_factory=asyncio.Event)  # the sender answered some, or went idle


#: messages :func:`deliver_pending` makes ahead of the sender at most (while the sender has work)
LOOKAHEAD = 40_000


#: items fanned out and settled per transaction by :func:`deliver_pending` (events per chunk: this over
#: the number of subscriptions)
CHUNK_ITEMS = 20_000


async def send_due(core: Presswatch, consumer: str, sender: WebhookSender, *, limit: int = 500,
                   feed: _Feed | None = None) -> DeliveryStats:
    """Send every message due now (claimed in batches of ``limit``); stats of what happened. With ``feed``,
    an empty claim waits for more messages until the feed is done.

    Answers are recorded in small batches as they come (one transaction each, every 0.2 s at most), so a
    slow receiver holds up only its own messages' records."""
    stats = DeliveryStats()
    guard = TargetGuard(allow_private=core.settings.allow_private, ttl=0.0)
    sem = asyncio.Semaphore(core.settings.alert_concurrency)
    timeout = core.settings.alert_timeout
    done: list[tuple[_Claimed, Answer]] = []
    arrived = asyncio.Event()

    def count(result: str) -> None:
        stats.attempts += 1
        if result in ("delivered", "failed", "disabled"):
            setattr(stats, result, getattr(stats, result) + 1)
        elif result == "retry":
            stats.retried += 1

    async def flush() -> None:
        while done:
            chunk = done[:500]
            del done[:500]
            results = await core.db.write_async(_record_fn(core, chunk, consumer))
            if feed is not None:
                feed.ahead -= len(chunk)
                feed.progress.set()
            for (c, answer), result in zip(chunk, results, strict=True):
                count(result)
                log.info("alert.attempt", extra={"message": c.id, "webhook_id": c.webhook_id,
                                                 "status": answer.status, "error": answer.error, "result": result})

    async def recorder(stop: asyncio.Event) -> None:
        while not stop.is_set() or done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), 0.2)
            arrived.clear()
            if not stop.is_set():
                await asyncio.sleep(0.05)  # let a few more answers join this transaction
            await flush()

    async def one(c: _Claimed) -> None:
        per = endpoints.get(c.target)
        if per is None:
            per = endpoints[c.target] = asyncio.Semaphore(PER_ENDPOINT_CONCURRENCY)
        try:
            async with per, sem:
                if c.channel == "webhook":
                    answer = await sender.send(c.target, c.webhook_id, c.body, c.secrets)
                else:
                    answer = await notify(c.target, c.title, c.body, guard=guard, timeout=timeout)
            done.append((c, answer))
            arrived.set()
        finally:
            left[0] -= 1
            if left[0] <= limit // 2:
                room.set()

    endpoints: dict[str, asyncio.Semaphore] = {}
    left = [0]  # attempts claimed and not yet answered
    room = asyncio.Event()
    stop = asyncio.Event()
    rec = asyncio.ensure_future(recorder(stop))
    inflight: set[asyncio.Task[None]] = set()
    try:
        while True:
            # the next batch is claimed while the last half of this one is still in flight, so the
            # senders never wait for the claim (nor for the slowest answer of a batch)
            finished = feed is None or feed.done
            if feed is not None:
                feed.made.clear()
            batch = await core.db.write_async(_claim_messages_fn(core, consumer, limit))
            if not batch:
                if finished:
                    break
                assert feed is not None
                feed.idle = True
                feed.progress.set()
                await feed.made.wait()  # the next chunk's messages, or the end of the feed
                feed.idle = False
                continue
            left[0] += len(batch)
            for c in batch:
                t = asyncio.ensure_future(one(c))
                inflight.add(t)
                t.add_done_callback(inflight.discard)
            room.clear()
            if left[0] > limit // 2:
                await room.wait()
        if inflight:
            await asyncio.gather(*inflight)
    finally:
        for t in list(inflight):
            t.cancel()
        stop.set()
        arrived.set()
        await rec
    return stats


def _work(core: Presswatch, stale: datetime) -> tuple[int, bool, bool, bool]:
    """(enabled subscriptions, stale outbox claims, unclaimed events, held items): read first, so an idle
    round takes no write lock."""
    with core.db.session() as s:
        def exists(q: Any) -> bool:
            return s.scalar(q.limit(1)) is not None

        return (
            s.scalar(select(func.count()).select_from(AlertSubscription)
                     .where(AlertSubscription.enabled.is_(True))) or 0,
            exists(select(Outbox.id).where(Outbox.delivered_at.is_(None), Outbox.claimed_at.is_not(None),
                                           Outbox.claimed_at < stale)),
            exists(select(Outbox.id).where(Outbox.claimed_at.is_(None))),
            exists(select(AlertItem.id).where(AlertItem.state == "held")),
        )


def _held(core: Presswatch) -> bool:
    with core.db.session() as s:
        return s.scalar(select(AlertItem.id).where(AlertItem.state == "held").limit(1)) is not None


def _due(core: Presswatch) -> bool:
    now = core.clock.now()
    with core.db.session() as s:
        free = (AlertMessage.claimed_until.is_(None)) | (AlertMessage.claimed_until < now)
        return s.scalar(select(AlertMessage.id).where(AlertMessage.state == "pending",
                                                      AlertMessage.next_attempt_at <= now, free).limit(1)) is not None


def _pending_count(core: Presswatch) -> int:
    with core.db.session() as s:
        return s.scalar(select(func.count()).select_from(AlertMessage).where(AlertMessage.state == "pending")) or 0


async def deliver_pending(core: Presswatch, *, consumer: str | None = None, sender: WebhookSender | None = None,
                          limit: int = 500) -> DeliveryStats:
    """Fan out every committed event, settle, and send everything due now (retries due later stay pending).

    Events are fanned out and settled in chunks of about :data:`CHUNK_ITEMS` items (so no transaction
    grows with the backlog), and what each chunk made is sent while the next one is prepared, at most
    :data:`LOOKAHEAD` messages ahead of the sender (the first alerts of a large backlog leave at once)."""
    consumer = consumer or new_consumer()
    stats = DeliveryStats()
    own = sender is None
    if sender is None:
        sender = WebhookSender(allow_private=core.settings.allow_private, timeout=core.settings.alert_timeout,
                               user_agent=core.settings.user_agent, concurrency=core.settings.alert_concurrency)
    feed = _Feed()
    sending: asyncio.Future[DeliveryStats] | None = None

    async def made_some(n: int) -> None:
        """Hand ``n`` new messages to the sender; wait while it is more than :data:`LOOKAHEAD` behind."""
        nonlocal sending
        feed.ahead += n
        feed.made.set()
        if sending is None:
            sending = asyncio.ensure_future(send_due(core, consumer, sender, limit=limit, feed=feed))
        while feed.ahead > LOOKAHEAD and not feed.idle and not sending.done():
            feed.progress.clear()
            await feed.progress.wait()

    try:
        stale = datetime.now(UTC) - timedelta(seconds=core.settings.alert_claim_seconds)
        n_subs, stale_claims, waiting, held = await asyncio.to_thread(_work, core, stale)
        try:
            if n_subs and stale_claims:
                await asyncio.to_thread(release_stale, core.db, stale)
            chunk = max(1, min(limit, CHUNK_ITEMS // max(n_subs, 1)))
            while n_subs and (waiting or stale_claims):
                claimed = await asyncio.to_thread(claim_outbox, core.db, consumer, chunk)
                if not claimed:
                    break
                stats.events += len(claimed)
                known: dict[int, pl.EventRecord] = {}
                items = await core.db.write_async(_fan_out_fn(core, [c.event_id for c in claimed], known))
                stats.items += items
                await asyncio.to_thread(mark_delivered, core.db, consumer, [c.id for c in claimed])
                if items or held:
                    held = False
                    made, suppressed = await core.db.write_async(_settle_all_fn(core, known))
                    stats.messages += made
                    stats.suppressed += suppressed
                    if made:
                        await made_some(made)
                if len(claimed) < chunk:  # the rest: none (rows committed since wake the next round)
                    break
            if held:
                made, suppressed = await core.db.write_async(_settle_all_fn(core))
                stats.messages += made
                stats.suppressed += suppressed
                if made:
                    await made_some(made)
        finally:
            feed.done = True
            feed.made.set()
            if sending is not None:
                stats.add(await sending)
        if sending is None and await asyncio.to_thread(_due, core):
            stats.add(await send_due(core, consumer, sender, limit=limit))
        stats.pending = await asyncio.to_thread(_pending_count, core)
    finally:
        if own:
            await sender.aclose()
    return stats


#: seconds an idle :class:`AlertWorker` (nothing held, nothing pending) waits between rounds when no
#: event is committed in this process (events committed by other processes are found this late)
IDLE_POLL = 60.0
#: seconds between rounds started by commits, so the events of many checks share one round
ROUND_GAP = 2.0

# -- the in-process signal: an outbox row was committed ---------------------------------------------------
_waiters: set[Callable[[], None]] = set()


def _note_outbox(session: Session, _ctx: Any) -> None:
    if _waiters and any(isinstance(o, Outbox) for o in session.new):
        session.info["presswatch.outbox"] = True


def _after_commit(session: Session) -> None:
    if session.info.pop("presswatch.outbox", False):
        for wake in list(_waiters):
            wake()


def _after_rollback(session: Session) -> None:
    session.info.pop("presswatch.outbox", None)


event.listen(Session, "after_flush", _note_outbox)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))


@dataclass
class AlertWorker:
    """Delivery in the background of ``presswatch run``, in a task of its own (a stalled receiver delays
    only this task). A round starts when this process commits an outbox row (an in-process signal, no
    polling; rounds at least :data:`ROUND_GAP` apart), every ``settings.alert_poll`` seconds while items
    are held or messages pending, every :data:`IDLE_POLL` seconds otherwise (events other processes
    committed), and at once on :meth:`flush` after a pass."""

    core: Presswatch
    consumer: str = field(default_factory=new_consumer)
    _task: asyncio.Task[None] | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _urgent: asyncio.Event = field(default_factory=asyncio.Event)
    _rounds: int = 0
    _running: bool = False
    _round_done: asyncio.Condition = field(default_factory=asyncio.Condition)
    _sender: WebhookSender | None = None
    _signal: Callable[[], None] | None = None

    def start(self) -> None:
        if self._task is None:
            s = self.core.settings
            self._sender = WebhookSender(allow_private=s.allow_private, timeout=s.alert_timeout,
                                         user_agent=s.user_agent, concurrency=s.alert_concurrency)
            loop = asyncio.get_running_loop()

            def wake() -> None:  # from whichever thread committed (the writer's, a worker's)
                with contextlib.suppress(RuntimeError):  # the loop is closed: nothing to wake
                    loop.call_soon_threadsafe(self._wake.set)

            self._signal = wake
            _waiters.add(wake)
            self._task = asyncio.ensure_future(self._loop())

    async def _loop(self) -> None:
        while True:
            started = self._rounds
            self._running = True
            self._wake.clear()  # a commit from here on starts another round
            idle = False
            try:
                st = await deliver_pending(self.core, consumer=self.consumer, sender=self._sender)
                idle = st.pending == 0 and not await asyncio.to_thread(_held, self.core)
            except (DatabaseError, OSError) as exc:
                log.warning("alerts.round_failed", extra={"error": str(exc)})
            except Exception:  # noqa: BLE001 - the next round tries again; checks go on regardless
                log.exception("alerts.round_crashed")
            finally:
                self._running = False
            async with self._round_done:
                self._rounds = started + 1
                self._round_done.notify_all()
            # nothing left to do: sleep until an outbox row is committed (held items or pending retries
            # come due by time, so then rounds follow every alert_poll seconds)
            wait = max(IDLE_POLL, self.core.settings.alert_poll) if idle else self.core.settings.alert_poll
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            if not self._urgent.is_set():  # let a few more commits join the next round (flush() skips this)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._urgent.wait(), ROUND_GAP)
            self._urgent.clear()

    async def flush(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) for a round that started after this call to end."""
        if self._task is None or timeout <= 0:
            return
        target = self._rounds + (2 if self._running else 1)  # a running round may predate the caller's events
        self._wake.set()
        self._urgent.set()

        async def wait() -> None:
            async with self._round_done:
                await self._round_done.wait_for(lambda: self._rounds >= target)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wait(), timeout)

    async def aclose(self) -> None:
        if self._signal is not None:
            _waiters.discard(self._signal)
            self._signal = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None
