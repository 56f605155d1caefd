"""Tables of the web application: accounts, sign-in sessions, API tokens, sign-in attempts, the pages of
incidents (a published finding's fields) and the full-text search index.

Secrets are never stored: sessions and API tokens are kept as SHA-256 digests, passwords as argon2 hashes.
The search index is derived data (rebuilt from versions, demands and incidents at any time); its full-text
side is an FTS5 table on SQLite (``unicode61`` tokenizer, so Cyrillic words match) and a ``simple``
``tsvector`` expression index on PostgreSQL, both created by migration 0009.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from presswatch.record.base import Base

__all__ = ["ApiToken", "IncidentPage", "LoginAttempt", "SearchDoc", "User", "WebSession"]


class User(Base):
    """A person who signs in to the web application (viewer, editor or admin)."""

    __tablename__ = "web_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in browser: the cookie's SHA-256 and the CSRF token bound to it."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token for scripts, acting as its user."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id"), index=True)
    label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class LoginAttempt(Base):
    """One sign-in attempt (for the rate limit)."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)


class IncidentPage(Base):
    """What the web shows of an incident beyond the case itself: the longer text, its span, its outlets, and
    whether it is published (an unpublished page is a draft only signed-in users see). An incident without a
    page (made on the command line) counts as published."""

    __tablename__ = "incident_page"
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outlets: Mapped[list[Any]] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SearchDoc(Base):
    """One searchable text: a version of an article, a demand or an incident.

    ``audience``: ``all`` (a public record), ``staff`` (only signed-in users: a private record, or the full
    text of a redacted one) or ``public`` (the redacted text anonymous visitors may search).
    """

    __tablename__ = "search_doc"
    __table_args__ = (UniqueConstraint("kind", "ref_id", "audience"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # version|demand|incident
    ref_id: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(8), default="all")
    stamp: Mapped[str] = mapped_column(String(64), default="")  # re-indexed when the record's stamp changes
    watch_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    outlet: Mapped[str | None] = mapped_column(String(255), nullable=True)
    at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
