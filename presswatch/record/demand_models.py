"""Tables for takedown demands, their revisions and documents, and incidents.

The demand model follows the Lumen notice schema (parties, dates, legal basis, works/targets,
action taken) with presswatch's own additions (deadline, demanded actions, response, visibility).
Nothing here is edited silently: every change to a demand adds a :class:`DemandRevision`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from presswatch.record.base import Base

__all__ = [
    "ACTIONS",
    "CHANNELS",
    "DEMAND_TYPES",
    "INCIDENT_LINK_KINDS",
    "RECIPIENT_KINDS",
    "RESPONSES",
    "SENDER_KINDS",
    "STATE_SENDER_KINDS",
    "VISIBILITIES",
    "Demand",
    "DemandDocument",
    "DemandRevision",
    "DemandTarget",
    "Incident",
    "IncidentLink",
    "IncidentNote",
]

DEMAND_TYPES = (
    "government-request", "court-order", "law-enforcement-request", "regulator-order", "data-protection",
    "defamation", "copyright", "other",
)
SENDER_KINDS = (
    "ministry", "regulator", "court", "prosecutor", "police", "security-service", "platform", "private-party",
)
STATE_SENDER_KINDS = frozenset({"ministry", "regulator", "court", "prosecutor", "police", "security-service"})
RECIPIENT_KINDS = ("outlet", "editor", "host", "platform", "registrar")
CHANNELS = ("letter", "email", "court-order", "phone", "public-statement")
ACTIONS = ("remove", "edit", "de-index", "block", "disclose-source")
RESPONSES = ("pending", "refused", "complied", "partially-complied", "contested-in-court")
VISIBILITIES = ("public", "redacted", "private")
INCIDENT_LINK_KINDS = ("demand", "watch", "host", "country")


class Demand(Base):
    """One takedown demand (current state; earlier states live in :class:`DemandRevision`)."""

    __tablename__ = "demand"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    content_digest: Mapped[str] = mapped_column(String(80), unique=True)
    demand_type: Mapped[str] = mapped_column(String(32), default="government-request")
    title: Mapped[str] = mapped_column(Text)
    sender_name: Mapped[str] = mapped_column(String(512))
    sender_kind: Mapped[str] = mapped_column(String(32))
    sender_country: Mapped[str | None] = mapped_column(String(2), nullable=True, index=True)
    sender_person: Mapped[str | None] = mapped_column(String(512), nullable=True)
    sender_email: Mapped[str | None] = mapped_column(String(512), nullable=True)
    sender_phone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recipient_name: Mapped[str] = mapped_column(String(512))
    recipient_kind: Mapped[str] = mapped_column(String(32))
    recipient_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    recipient_person: Mapped[str | None] = mapped_column(String(512), nullable=True)
    date_sent: Mapped[datetime | None] = mapped_column(nullable=True)
    date_received: Mapped[datetime | None] = mapped_column(nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(nullable=True)
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    legal_basis: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{country, citation, text}]
    actions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    measure_in: Mapped[list[Any]] = mapped_column(JSON, default=list)  # extra countries to measure from
    response: Mapped[str] = mapped_column(String(32), default="pending")
    response_at: Mapped[datetime | None] = mapped_column(nullable=True)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    notes: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DemandTarget(Base):
    """A URL or described item a demand wants acted on."""

    __tablename__ = "demand_target"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id"), index=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    redact_url: Mapped[bool] = mapped_column(Boolean, default=False)  # publish only the host
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watch.id"), nullable=True)


class DemandDocument(Base):
    """A supporting document stored under ``documents/<sha256>`` in the data folder."""

    __tablename__ = "demand_document"
    __table_args__ = (UniqueConstraint("demand_id", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16), default="supporting")  # original|supporting
    added_at: Mapped[datetime]


class DemandRevision(Base):
    """One recorded state of a demand: revision 1 is the creation, later ones are updates."""

    __tablename__ = "demand_revision"
    __table_args__ = (UniqueConstraint("demand_id", "revision"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field -> {"old", "new"}
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ledger_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Incident(Base):
    """A case grouping demands, articles, sites and countries."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str | None] = mapped_column(String(64), nullable=True)  # e.g. censorship/removal
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    outcome_override: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # outcome/by/at/why
    ledger_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IncidentLink(Base):
    """Membership of a demand, watch, host or country in an incident."""

    __tablename__ = "incident_link"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "ref"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(2048))
    added_at: Mapped[datetime]
    ledger_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IncidentNote(Base):
    """An analyst's note on an incident's timeline."""

    __tablename__ = "incident_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[datetime]
    author: Mapped[str | None] = mapped_column(String(255), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    ledger_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
