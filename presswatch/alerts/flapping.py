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


def settle(held: Sequence[HeldItem], last: LastSent | None, *, debounce: float, window: float,
           now: datetime) -> Release | None:
    """What to do now with one key's held items (oldest first); None: keep holding."""
    if not held:
        return None
    items = sorted(held, key=lambda i: (i.at, i.id))
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
