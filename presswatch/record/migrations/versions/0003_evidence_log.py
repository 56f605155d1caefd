"""evidence log tables (entries, frontier, signed tree heads)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

import presswatch.record.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=True),
        sa.Column("supersedes", sa.BigInteger(), nullable=True),
        sa.Column("created_at", presswatch.record.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("canonical", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_entry")),
        sa.UniqueConstraint("index", name=op.f("uq_log_entry_index")),
    )
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_entry_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_log_entry_ref"), ["ref"], unique=False)

    state = op.create_table(
        "log_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_state")),
    )
    # the one state row exists from the start, so concurrent first appends cannot both create it
    op.bulk_insert(
        state,
        [{"id": 1, "size": 0, "root_hash": hashlib.sha256(b"").digest(), "frontier": bytes(8)}],
    )

    op.create_table(
        "tree_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tree_head")),
    )
    with op.batch_alter_table("tree_head", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tree_head_tree_size"), ["tree_size"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tree_head", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tree_head_tree_size"))
    op.drop_table("tree_head")
    op.drop_table("log_state")
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_entry_ref"))
        batch_op.drop_index(batch_op.f("ix_log_entry_kind"))
    op.drop_table("log_entry")
