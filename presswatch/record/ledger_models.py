"""Tables of the tamper-evident evidence log: entries, the current frontier, signed tree heads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from presswatch.record.base import Base

__all__ = ["LogEntry", "LogState", "TreeHead"]


class LogEntry(Base):
    """One leaf of the log. Never updated or deleted: corrections are new entries (``supersedes``)."""

    __tablename__ = "log_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, unique=True)  # leaf index, 0-based, gap-free
    kind: Mapped[str] = mapped_column(String(32), index=True)
    ref: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)  # "table:id"
    supersedes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime]
    canonical: Mapped[bytes] = mapped_column(LargeBinary)  # the leaf data (canonical JSON)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogState(Base):
    """The single row holding the log size and its compact range (right frontier)."""

    __tablename__ = "log_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    frontier: Mapped[bytes] = mapped_column(LargeBinary)  # CompactRange.to_bytes()


class TreeHead(Base):
    """A signed tree head (STH): size, time, root, Ed25519 signature."""

    __tablename__ = "tree_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    timestamp: Mapped[int] = mapped_column(BigInteger)  # milliseconds since the epoch
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(64))
