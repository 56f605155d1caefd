"""Core tables: watches, captures, versions, observations, events, site profiles.

Stage-specific tables (measurements, probes, demands, the evidence log) live in their own modules
and share :class:`~presswatch.record.base.Base`.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from presswatch.archive.pointer import CapturePointer
from presswatch.record.base import Base

if TYPE_CHECKING:
    from presswatch.archive.warc import CaptureRef

__all__ = [
    "REASONS",
    "STATUSES",
    "Capture",
    "capture_row",
    "Event",
    "Observation",
    "Outbox",
    "SiteProfile",
    "Version",
    "Watch",
]

STATUSES = ("new", "unchanged", "edited", "removed", "withheld", "unreachable")
REASONS = {
    "removed": ("http-404", "http-410", "soft-404", "redirect-home", "removal-notice", "content-replaced"),
    "withheld": ("http-451", "geo-wall", "login-wall"),
    "unreachable": (
        "dns", "connect", "tls", "timeout", "http-5xx", "too-large", "too-many-redirects", "bad-response",
    ),
}


class Watch(Base):
    """Something watched: an article, a feed, a sitemap or a whole site."""

    __tablename__ = "watch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="article")  # article|feed|sitemap|site
    host: Mapped[str] = mapped_column(String(255), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("watch.id"), nullable=True)
    tags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    interval: Mapped[int | None] = mapped_column(Integer, nullable=True)  # seconds; None = adaptive
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    next_check_at: Mapped[datetime] = mapped_column(index=True)
    priority_until: Mapped[datetime | None] = mapped_column(nullable=True)  # check often (demand)
    last_checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_change_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # current state (derived from observations, kept for fast scheduling/listing)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    etag: Mapped[str | None] = mapped_column(String(512), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(128), nullable=True)
    last_payload_digest: Mapped[str | None] = mapped_column(String(80), nullable=True)
    current_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # version.id
    # the run that claimed this watch for its pass (sources/lease.py); free once lease_until passed
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Capture(Base):
    """One archived HTTP exchange: pointer into a WARC file. Never rewritten."""

    __tablename__ = "capture"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), index=True)
    captured_at: Mapped[datetime]
    warc_file: Mapped[str] = mapped_column(String(512))  # relative to the data dir
    offset: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[int] = mapped_column(BigInteger)
    record_type: Mapped[str] = mapped_column(String(16))  # response|revisit|resource|metadata
    record_id: Mapped[str] = mapped_column(String(80))
    payload_digest: Mapped[str] = mapped_column(String(80), index=True)
    block_digest: Mapped[str | None] = mapped_column(String(80), nullable=True)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)
    vantage: Mapped[str] = mapped_column(String(64), default="origin")

    @property
    def pointer(self) -> CapturePointer:
        """Where this capture's record is stored."""
        return CapturePointer(self.warc_file, self.offset, self.length)


def capture_row(s: Session, ref: CaptureRef, vantage: str, referred: Mapping[tuple[str, str], int] | None = None
                ) -> Capture:
    """Index an archived record (a :class:`~presswatch.archive.warc.CaptureRef`) in the session.

    A revisit points at the capture its ``WARC-Refers-To`` names (``ref.refers_to``), nothing else;
    ``referred``: such captures' ids by (payload digest, record id) when the caller looked them up.
    """
    refers = None
    if ref.record_type == "revisit" and ref.refers_to and referred is not None:
        refers = referred.get((ref.payload_digest, ref.refers_to))
    if refers is None and ref.record_type == "revisit" and ref.refers_to:
        refers = s.scalars(
            select(Capture.id)
            .where(Capture.payload_digest == ref.payload_digest, Capture.record_id == ref.refers_to)
            .limit(1)
        ).first()
    row = Capture(
        url=ref.url, captured_at=ref.captured_at, warc_file=ref.warc_file, offset=ref.offset, length=ref.length,
        record_type=ref.record_type, record_id=ref.record_id, payload_digest=ref.payload_digest,
        block_digest=ref.block_digest, http_status=ref.http_status, refers_to_id=refers, vantage=vantage,
    )
    s.add(row)
    if ref.stored is not None:
        from presswatch.record.ledger import note_warc_commitment

        note_warc_commitment(s, row, ref.stored)
    return row


class Version(Base):
    """A distinct extracted text of an article (by normalized text digest)."""

    __tablename__ = "version"
    __table_args__ = (UniqueConstraint("watch_id", "text_digest"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watch.id"), index=True)
    text_digest: Mapped[str] = mapped_column(String(80))
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the text: zlib-compressed UTF-8 in ``text_z`` (rows written since migration 0010, with ``text``
    # empty), or plain in ``text`` (older rows, never rewritten); read and set through :attr:`text`
    plain_text: Mapped[str] = mapped_column("text", Text, default="")
    text_z: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    seen_count: Mapped[int] = mapped_column(Integer, default=1)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)

    @staticmethod
    def stored_text(plain_text: str, text_z: bytes | None) -> str:
        """The text from the two stored columns (for a query that selects them, not the row)."""
        return zlib.decompress(text_z).decode("utf-8") if text_z is not None else plain_text

    @property
    def text(self) -> str:
        """The extracted text (paragraphs separated by a blank line)."""
        return Version.stored_text(self.plain_text, self.text_z)

    @text.setter
    def text(self, value: str) -> None:
        self.plain_text, self.text_z = "", zlib.compress(value.encode("utf-8"), 6)


class Observation(Base):
    """One check of one URL from one vantage, classified."""

    __tablename__ = "observation"
    __table_args__ = (Index("ix_observation_watch_time", "watch_id", "checked_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watch.id"))
    url: Mapped[str] = mapped_column(String(2048))
    checked_at: Mapped[datetime]
    vantage: Mapped[str] = mapped_column(String(64), default="origin")
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    final_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    text_digest: Mapped[str | None] = mapped_column(String(80), nullable=True)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"), nullable=True)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    capture: Mapped[Capture | None] = relationship(foreign_keys=[capture_id])


class Event(Base):
    """A state change on the timeline: published, edited, removed, restored, blocked …"""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watch.id"), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observation.id"), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    observation: Mapped[Observation | None] = relationship(foreign_keys=[observation_id])


class SiteProfile(Base):
    """What a host's not-found page and home page look like (learned by probing)."""

    __tablename__ = "site_profile"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    learned_at: Mapped[datetime]
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Outbox(Base):
    """An event awaiting delivery (alerts, workers): written with its event, claimed by one consumer.

    Delivery state, not evidence: the evidence log commits to the event, never to these rows.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "claimed_at", "id"),
        Index("ix_outbox_undelivered", "delivered_at", "claimed_at"),  # stale claims, without a history scan
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    topic: Mapped[str] = mapped_column(String(32), default="event")
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    event: Mapped[Event] = relationship(foreign_keys=[event_id])
