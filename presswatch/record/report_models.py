"""Tables for press reports: the report, its draft revisions (outside the evidence log), its accepted
claims, the checks of those claims, and third-party (OONI) observations.

A report and its drafts are working material: nothing of them enters the evidence log until a person
accepts the draft. On acceptance the report row (then final), its claims and the incident enter the
log; every later check of a claim is a new :class:`ClaimCheck` row with its own log entry (a claim's
status is its latest check, never an edited column).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from presswatch.record.base import Base

__all__ = ["CHECK_STATUSES", "REPORT_STATUSES", "ClaimCheck", "OoniObservation", "PressReport", "ReportClaim",
           "ReportDraft"]

REPORT_STATUSES = ("draft", "accepted", "rejected")
CHECK_STATUSES = ("corroborated", "contradicted", "unverified")


class PressReport(Base):
    """One ingested report: its text as read, where it came from, and its review state."""

    __tablename__ = "press_report"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(2048))  # URL or file name
    source_kind: Mapped[str] = mapped_column(String(8))  # url|file|text
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the text
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    report_date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("capture.id"), nullable=True)
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watch.id"), nullable=True)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    review_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), nullable=True, index=True)
    demand_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ledger_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ReportDraft(Base):
    """One revision of a report's structured draft (``draft`` is the ``report add --json`` shape)."""

    __tablename__ = "report_draft"
    __table_args__ = (UniqueConstraint("report_id", "revision"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("press_report.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reason: Mapped[str] = mapped_column(String(32))  # extracted|edited
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReportClaim(Base):
    """An accepted, checkable statement of a report ("remains online", "blocked in KZ")."""

    __tablename__ = "report_claim"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("press_report.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # online|removed|blocked|edited
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    as_of: Mapped[date | None] = mapped_column(Date, nullable=True)
    quote: Mapped[str] = mapped_column(Text, default="")
    offsets: Mapped[list[Any]] = mapped_column(JSON, default=list)
    target_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    target_title: Mapped[str | None] = mapped_column(Text, nullable=True)
    outlet: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime]
    ledger_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ClaimCheck(Base):
    """One check of a claim: its status then, and the evidence (log refs) it rests on."""

    __tablename__ = "claim_check"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("report_claim.id"), index=True)
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # own|ooni|none
    summary: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ["observation:3", "measurement:…"]
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    ledger_index: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OoniObservation(Base):
    """A Web Connectivity measurement published by OONI: a third party's verdict, never our own."""

    __tablename__ = "ooni_observation"
    __table_args__ = (UniqueConstraint("measurement_uid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measurement_uid: Mapped[str] = mapped_column(String(128))
    input: Mapped[str] = mapped_column(String(2048), index=True)
    probe_cc: Mapped[str] = mapped_column(String(2), index=True)
    probe_asn: Mapped[str | None] = mapped_column(String(32), nullable=True)
    test_name: Mapped[str] = mapped_column(String(64))
    measured_at: Mapped[datetime]
    anomaly: Mapped[bool] = mapped_column(default=False)
    confirmed: Mapped[bool] = mapped_column(default=False)
    failure: Mapped[bool] = mapped_column(default=False)
    blocking: Mapped[str | None] = mapped_column(String(32), nullable=True)  # test_keys.blocking, if known
    accessible: Mapped[bool | None] = mapped_column(nullable=True)
    source_url: Mapped[str] = mapped_column(String(2048))
    fetched_at: Mapped[datetime]
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ledger_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
