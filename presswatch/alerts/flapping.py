"""Debounce and flapping suppression: when a key's held items are released, and as what (pure).

Items (one event for one subscription) are grouped by their flap key (:func:`.subscriptions.flap_key`).
A group is released ``debounce`` seconds after its latest item as *one* message about the latest item,
noting the others. A return to normal (``restored`` after a removal, ``unblocked`` after a block) within
``window`` of the alert it undoes is held until that window ends: if the state comes back meanwhile
(removed → restored → removed), nothing new is sent — the items are suppressed with a note, and the next
message on that key carries it. A confirmed bad state is never delayed by this rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from presswatch.clock import isoformat

__all__ = ["BAD_KINDS", "HeldItem", "LastSent", "Release", "settle"]

BAD_KINDS = frozenset({"removed", "withheld", "unreachable"})
_UNDO = {"restored": BAD_KINDS, "unblocked": frozenset({"blocked"})}


@dataclass(frozen=True)
class HeldItem:
    id: int
    kind: str
    at: datetime


@dataclass(frozen=True)
class LastSent:
    """The latest item released on a key: its kind and when."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class Release:
    """Release ``items``: as one message about ``primary`` (with ``note``), or suppressed (no message)."""

    items: tuple[int, ...]
    primary: int
    note: str | None
    suppressed: bool = False


def _undoes(kind: str, last: LastSent | None) -> bool:
    return last is not None and last.kind in _UNDO.get(kind, frozenset())


def _chain(items: Sequence[HeldItem]) -> str:
    return " → ".join(i.kind for i in items)


def _group(items: Sequence[HeldItem], last: LastSent | None, debounce: float, window: float,
           now: datetime) -> Release | None:
    primary = items[-1]
    ids = tuple(i.id for i in items)
    undo = [i for i in items if _undoes(i.kind, last)]
    in_window = last is not None and bool(undo) and undo[0].at < last.at + timedelta(seconds=window)
    if in_window and last is not None and primary.kind == last.kind:
        # back to the state already alerted: a flap, nothing new to say
        return Release(ids, primary.id, f"flapping: {last.kind} → {_chain(items)} within {int(window)} s "
                       f"of the alert at {isoformat(last.at)}; no new alert", suppressed=True)
    due = primary.at + timedelta(seconds=debounce)
    if in_window and last is not None:
        due = max(due, last.at + timedelta(seconds=window))
    if now < due:
        return None
    note = None
    if len(items) > 1:
        flapped = any(a.kind != b.kind for a, b in zip(items, items[1:], strict=False)) and any(
            i.kind in _UNDO for i in items)
        what = "flapping" if flapped else f"{len(items)} events"
        note = f"{what}: {_chain(items)} between {isoformat(items[0].at)} and {isoformat(primary.at)}"
    return Release(ids, primary.id, note)


def settle(held: Sequence[HeldItem], last: LastSent | None, *, debounce: float, window: float,
           now: datetime) -> list[Release]:
    """What to do now with one key's held items; an empty list: keep holding them.

    Without debounce every item is its own message, in order, until a return to normal within the flap
    window: it and whatever follows it wait together (and are suppressed if the state comes back)."""
    items = sorted(held, key=lambda i: (i.at, i.id))
    if not items:
        return []
    if debounce > 0:
        rel = _group(items, last, debounce, window, now)
        return [rel] if rel is not None else []
    out: list[Release] = []
    for n, it in enumerate(items):
        if last is not None and _undoes(it.kind, last) and it.at < last.at + timedelta(seconds=window):
            rel = _group(items[n:], last, 0, window, now)
            if rel is not None:
                out.append(rel)
            break
        out.append(Release((it.id,), it.id, None))
        last = LastSent(it.kind, it.at)
    return out
