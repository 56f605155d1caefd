"""Tables for alerts: subscriptions, what each event became for each subscription, messages and attempts.

Delivery state, not evidence (the evidence log never commits to these rows). The uniqueness constraints
are the idempotence: one :class:`AlertItem` per (subscription, event) and one ``webhook_id`` per
:class:`AlertMessage`, so a crash, a restart or a second worker never makes a new message for an event
already handled; a message is retried (and resent after a crash) with the same ``webhook_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from presswatch.record.base import Base

__all__ = ["CHANNEL_KINDS", "ITEM_STATES", "MESSAGE_STATES", "AlertAttempt", "AlertItem", "AlertMessage",
           "AlertSubscription"]

CHANNEL_KINDS = ("webhook", "apprise")
#: held: waiting for its debounce/digest/flap window; released: part of a message; suppressed: flapping
ITEM_STATES = ("held", "released", "suppressed")
#: pending: to send (again) at next_attempt_at; delivered; failed: retries exhausted; disabled: endpoint gone
MESSAGE_STATES = ("pending", "delivered", "failed", "disabled")


class AlertSubscription(Base):
    """Who wants which events, where: a webhook endpoint or an apprise URL, and the filters."""

    __tablename__ = "alert_subscription"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # webhook|apprise
    target: Mapped[str] = mapped_column(Text)  # the webhook URL or the apprise URL
    secret: Mapped[str | None] = mapped_column(String(255), nullable=True)  # whsec_…
    old_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)  # still signed with while rotating
    old_secret_until: Mapped[datetime | None] = mapped_column(nullable=True)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest: Mapped[str | None] = mapped_column(String(16), nullable=True)  # None|hourly|daily
    debounce: Mapped[int] = mapped_column(Integer, default=0)  # seconds
    title_template: Mapped[str | None] = mapped_column(Text, nullable=True)
    body_template: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(255), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    since_event_id: Mapped[int] = mapped_column(Integer, default=0)  # only later events match
    created_at: Mapped[datetime]


class AlertMessage(Base):
    """One message to one subscription (an event's alert or a digest), sent until delivered.

    ``body`` is fixed when the message is made: every attempt sends the same ``webhook_id`` and body.
    """

    __tablename__ = "alert_message"
    __table_args__ = (
        UniqueConstraint("subscription_id", "group_key"),
        Index("ix_alert_message_due", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscription.id"), index=True)
    webhook_id: Mapped[str] = mapped_column(String(64), unique=True)
    group_key: Mapped[str] = mapped_column(String(128))  # "event:<id>" or "digest:<period start>" …
    kind: Mapped[str] = mapped_column(String(16))  # event|digest
    event_type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AlertItem(Base):
    """What one event became for one subscription (at most one row per pair)."""

    __tablename__ = "alert_item"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_alert_item_held", "state", "subscription_id"),
        Index("ix_alert_item_key", "subscription_id", "key", "state"),  # the last release on a key
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscription.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    key: Mapped[str] = mapped_column(String(128))  # what flaps: "watch:<id>" or "watch:<id>:<country>"
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]  # when it entered (the clock of the delivery that fanned it out)
    state: Mapped[str] = mapped_column(String(16), default="held")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("alert_message.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class AlertAttempt(Base):
    """One attempt to deliver a message: when, the HTTP status or the error, how long it took."""

    __tablename__ = "alert_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("alert_message.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration: Mapped[float] = mapped_column(default=0.0)
    outcome: Mapped[str] = mapped_column(String(16))  # delivered|retry|failed|disabled
