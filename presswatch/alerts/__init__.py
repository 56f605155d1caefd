"""Alerts: subscriptions to confirmed events, delivered by webhook (Standard Webhooks) or apprise.

Pure decisions (:mod:`.subscriptions` matching, :mod:`.policy` debounce / digest / flapping,
:mod:`.payload` bodies, :mod:`.webhooks` signing and the retry schedule) are functions without a
database; :mod:`.deliver` is the delivery loop over the outbox (``presswatch alerts deliver --once``
and the background task of ``presswatch run`` call the same :func:`~.deliver.deliver_pending`).
"""

from __future__ import annotations

__all__: list[str] = []
