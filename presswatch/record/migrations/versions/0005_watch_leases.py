"""watch leases: which run holds a due watch, and until when

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import presswatch.record.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("watch") as batch:
        batch.add_column(sa.Column("lease_until", presswatch.record.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("watch") as batch:
        batch.drop_column("lease_owner")
        batch.drop_column("lease_until")
