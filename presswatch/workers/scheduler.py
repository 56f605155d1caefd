"""The scale-out scheduler: claim due watches in the database, enqueue them in batches.

Each tick claims due, unleased watches (most overdue first; ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two schedulers never claim the same watch) in batches of ``batch_size``, each under
its own batch lease (:func:`presswatch.sources.lease.batch_owner`, ``dispatch_lease_seconds``), and
sends one ``check_batch`` task per batch. There is no schedule entry per watch: the watch's
``next_check_at`` is the schedule. At most ``max_queued`` watches are claimed but not yet taken by a
worker (backpressure). A batch no worker takes before its lease runs out falls due again; a batch
that could not be sent is released at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from presswatch.sources import lease
from presswatch.workers.celery_app import QUEUES, TASK_ALERTS, TASK_CHECK, queue_name
from presswatch.workers.tasks import alerts_available

if TYPE_CHECKING:
    from celery import Celery

    from presswatch.core import Presswatch

__all__ = ["CLAIM_CHUNK", "Scheduler", "TickStats"]

log = logging.getLogger(__name__)

CLAIM_CHUNK = 5_000  # watches claimed per transaction (then split into batches)


@dataclass
class TickStats:
    claimed: int = 0
    batches: int = 0


class Scheduler:
    """Hands due checks to the queue of ``app`` (see the module docstring)."""

    def __init__(self, core: Presswatch, app: Celery) -> None:
        self.core = core
        self.app = app
        self.alerts = alerts_available()

    def _send(self, batch: str, ids: list[int], producer: Any) -> None:
        try:
            self.app.send_task(TASK_CHECK, args=[batch, ids], producer=producer,
                               queue=queue_name(self.core.settings, QUEUES[TASK_CHECK]))
        except Exception:
            lease.release(self.core, batch)  # nothing was queued: the watches are due again now
            raise

    def tick(self) -> TickStats:
        """Claim and enqueue what is due now (up to the backpressure limit)."""
        st = self.core.settings
        stats = TickStats()
        room = st.max_queued - lease.queued(self.core)
        while room > 0:
            batches = lease.claim_due(self.core, min(CLAIM_CHUNK, room), st.batch_size)
            n = sum(len(part) for _, part in batches)
            with self.app.producer_or_acquire() as producer:  # one connection for the chunk
                for batch, part in batches:
                    self._send(batch, [p[0] for p in part], producer)
            stats.batches += len(batches)
            stats.claimed += n
            room -= n
            if n < CLAIM_CHUNK:
                break
        if self.alerts:
            self.app.send_task(TASK_ALERTS, queue=queue_name(self.core.settings, QUEUES[TASK_ALERTS]))
        if stats.claimed:
            log.info("scheduler.tick", extra={"claimed": stats.claimed, "batches": stats.batches})
        return stats
