"""Leases on due watches: several runs (processes, hosts) share one store without doubles.

A run claims the due watches it will check in one transaction: only watches still due and not
leased by another run (or whose lease has run out, e.g. its run died) become its own, until
``lease_until``. A live run renews its leases; it frees them when its pass ends (what it checked
is no longer due by then). On PostgreSQL the candidate rows are locked ``FOR UPDATE SKIP LOCKED``
so concurrent claims neither wait on nor deadlock with each other; SQLite serialises writers.

Scale-out (``presswatch.workers``): the scheduler claims due watches with :func:`claim_due` under a
*batch* owner (:func:`batch_owner`, tied to no process, lasting ``dispatch_lease_seconds``) and
enqueues the batch; the worker task that runs it takes the leases over to its own run
(``claim(..., handover=batch)``), so a second delivery of the same batch finds them taken, and a
redelivery after a crash checks only what is still due.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from presswatch.record.models import Watch

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["BATCH_PREFIX", "CHUNK", "batch_owner", "claim", "claim_due", "new_owner", "queued", "release", "renew"]

CHUNK = 500  # ids per statement
BATCH_PREFIX = "batch:"


def _here() -> str:
    """This host and PID namespace (no name resolution)."""
    try:
        ns = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        ns = "-"
    return f"{socket.gethostname()[:24]}:{ns}"


def new_owner() -> str:
    """A name for one run's pass, unique across hosts and processes: host:pidns:pid:random."""
    return f"{_here()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def batch_owner() -> str:
    """A name for one queued batch (tied to no process: it lives until its lease runs out)."""
    return f"{BATCH_PREFIX}{uuid.uuid4().hex}"


def _owner_is_dead(owner: str) -> bool:
    """True if ``owner`` was a process on this host (and PID namespace) that no longer exists:
    a run killed mid-pass does not keep its watches until its leases run out."""
    if owner.startswith(BATCH_PREFIX):
        return False
    host, _, rest = owner.rpartition(":")[0].rpartition(":")
    if host != _here():
        return False
    try:
        os.kill(int(rest), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError):
        return False
    return False


def claim(core: Presswatch, owner: str, ids: Sequence[int], *,
          handover: str | None = None) -> list[tuple[int, str, str]]:
    """Lease those of ``ids`` that are due and free (or already ours, or ``handover``'s); returns
    (id, kind, url) of every watch this run now holds among ``ids``, in the order given."""
    if not ids:
        return []
    now = core.clock.now()
    until = now + timedelta(seconds=core.settings.lease_seconds)

    def fn(s: Session) -> list[tuple[int, str, str]]:
        held: dict[int, tuple[int, str, str]] = {}
        for k in range(0, len(ids), CHUNK):
            chunk = list(ids[k:k + CHUNK])
            others = s.scalars(
                select(Watch.lease_owner).distinct()
                .where(Watch.id.in_(chunk), Watch.lease_until >= now, Watch.lease_owner != owner)
            ).all()
            takeable = [owner, *(o for o in others if o and (o == handover or _owner_is_dead(o)))]
            free = s.scalars(
                select(Watch.id)
                .where(Watch.id.in_(chunk), Watch.active.is_(True), Watch.next_check_at <= now,
                       or_(Watch.lease_until.is_(None), Watch.lease_until < now, Watch.lease_owner.in_(takeable)))
                .order_by(Watch.id)
                .with_for_update(skip_locked=True)
            ).all()
            if free:
                s.execute(update(Watch).where(Watch.id.in_(free)).values(lease_until=until, lease_owner=owner)
                          .execution_options(synchronize_session=False))
            gone = [o for o in takeable if o != owner]
            if gone:  # what a dead run or the handed-over batch held but is no longer due: free it
                s.execute(update(Watch).where(Watch.id.in_(chunk), Watch.lease_owner.in_(gone))
                          .values(lease_until=None, lease_owner=None).execution_options(synchronize_session=False))
            for wid, kind, url in s.execute(
                select(Watch.id, Watch.kind, Watch.url).where(Watch.id.in_(chunk), Watch.lease_owner == owner)
            ).all():
                held[wid] = (wid, kind, url)
        return [held[i] for i in ids if i in held]

    return core.db.write(fn)


def claim_due(core: Presswatch, limit: int, batch_size: int, *,
              seconds: int | None = None) -> list[tuple[str, list[tuple[int, str, str]]]]:
    """Lease up to ``limit`` due and free watches, most overdue first, in batches of ``batch_size``,
    each under a new :func:`batch_owner` for ``seconds`` (default ``dispatch_lease_seconds``);
    returns (owner, [(id, kind, url), …]) per batch. Concurrent claimers get disjoint watches
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers)."""
    now = core.clock.now()
    until = now + timedelta(seconds=seconds or core.settings.dispatch_lease_seconds)

    def fn(s: Session) -> list[tuple[str, list[tuple[int, str, str]]]]:
        live = s.scalars(select(Watch.lease_owner).distinct().where(Watch.lease_until >= now)).all()
        dead = [o for o in live if o and _owner_is_dead(o)]
        free = or_(Watch.lease_until.is_(None), Watch.lease_until < now)
        if dead:
            free = or_(free, Watch.lease_owner.in_(dead))
        rows = s.execute(
            select(Watch.id, Watch.kind, Watch.url)
            .where(Watch.active.is_(True), Watch.next_check_at <= now, free)
            .order_by(Watch.next_check_at, Watch.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        out = []
        for k in range(0, len(rows), max(batch_size, 1)):
            out.append((batch_owner(), [(r[0], r[1], r[2]) for r in rows[k:k + batch_size]]))
        if out:  # one executemany (an UPDATE by primary key per row)
            s.execute(update(Watch), [{"id": wid, "lease_owner": owner, "lease_until": until}
                                      for owner, part in out for wid, _, _ in part])
        return out

    return core.db.write(fn)


def queued(core: Presswatch) -> int:
    """Watches claimed by queued batches whose leases still run (claimed, not yet taken by a worker)."""
    now = core.clock.now()
    with core.db.session() as s:
        return int(s.scalar(
            select(func.count()).select_from(Watch)
            .where(Watch.lease_owner.like(f"{BATCH_PREFIX}%"), Watch.lease_until >= now)
        ) or 0)


def renew(core: Presswatch, owner: str) -> None:
    """Extend this run's leases (a live run keeps what it claimed)."""
    until = core.clock.now() + timedelta(seconds=core.settings.lease_seconds)
    core.db.write(lambda s: s.execute(
        update(Watch).where(Watch.lease_owner == owner).values(lease_until=until)
        .execution_options(synchronize_session=False)
    ))


def release(core: Presswatch, owner: str) -> None:
    """Free this run's leases (its pass is over)."""
    core.db.write(lambda s: s.execute(
        update(Watch).where(Watch.lease_owner == owner).values(lease_until=None, lease_owner=None)
        .execution_options(synchronize_session=False)
    ))
