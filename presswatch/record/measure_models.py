"""Tables of the measurement stage: probes, enrollment tokens, measurements, test lists, reachability."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from presswatch.record.base import Base

__all__ = ["EnrollmentToken", "Measurement", "Probe", "ProbeNonce", "Reachability", "TestListEntry"]


class Probe(Base):
    """A vantage point that enrolled with this server (its Ed25519 public key)."""

    __tablename__ = "probe"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(128), unique=True)  # base64 raw 32-byte key
    country: Mapped[str] = mapped_column(String(2), index=True)
    network: Mapped[str] = mapped_column(String(255), default="")
    software_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment_token.id"), nullable=True)
    enrolled_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class EnrollmentToken(Base):
    """A single-use secret that lets one probe enroll (only its SHA-256 is stored)."""

    __tablename__ = "enrollment_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    used_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ProbeNonce(Base):
    """Request nonces seen recently, so a captured signed request cannot be re-sent."""

    __tablename__ = "probe_nonce"
    __table_args__ = (UniqueConstraint("probe_id", "nonce"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    probe_id: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(index=True)


class Measurement(Base):
    """One measurement of one URL from one vantage (a probe's signed envelope, or a local run)."""

    __tablename__ = "measurement"
    __table_args__ = (Index("ix_measurement_country_time", "country", "measured_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID chosen by the probe
    probe_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    url: Mapped[str] = mapped_column(String(2048), index=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    country: Mapped[str] = mapped_column(String(2))
    network: Mapped[str] = mapped_column(String(255), default="")
    measured_at: Mapped[datetime]
    received_at: Mapped[datetime]
    blocking: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None = no blocking
    accessible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    blockpage: Mapped[str | None] = mapped_column(String(128), nullable=True)
    down: Mapped[bool] = mapped_column(Boolean, default=False)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical envelope
    signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)


class TestListEntry(Base):
    """A URL of an imported per-country test list (Citizen Lab CSV format)."""

    __tablename__ = "test_list_entry"
    __table_args__ = (UniqueConstraint("country", "url"),)
    __test__ = False  # not a pytest test class
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    category_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    category_description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    date_added: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source: Mapped[str | None] = mapped_column(String(255), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    list_source: Mapped[str] = mapped_column(String(2048), default="")
    imported_at: Mapped[datetime]


class Reachability(Base):
    """Current reachability of a host or URL in one country and network, with its pending change."""

    __tablename__ = "reachability"
    __table_args__ = (UniqueConstraint("scope", "target", "country", "network"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))  # host|url
    target: Mapped[str] = mapped_column(String(2048))
    country: Mapped[str] = mapped_column(String(2), index=True)
    network: Mapped[str] = mapped_column(String(255), default="")
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watch.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="unknown")  # unknown|reachable|blocked
    method: Mapped[str | None] = mapped_column(String(32), nullable=True)
    since: Mapped[datetime | None] = mapped_column(nullable=True)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # no change pending
    last_observed: Mapped[str | None] = mapped_column(String(16), nullable=True)  # reachable|blocked|down
    # a change that may be starting: the state seen, since when, how many runs in a row, by which probes
    pending_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    pending_method: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pending_since: Mapped[datetime | None] = mapped_column(nullable=True)
    consecutive: Mapped[int] = mapped_column(Integer, default=0)
    probes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    last_measured_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_measurement_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
