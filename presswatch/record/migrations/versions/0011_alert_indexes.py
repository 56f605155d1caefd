"""indexes that keep alert delivery flat as history grows: undelivered outbox rows, items per key

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.create_index("ix_outbox_undelivered", ["delivered_at", "claimed_at"], unique=False)
    with op.batch_alter_table("alert_item") as batch:
        batch.create_index("ix_alert_item_key", ["subscription_id", "key", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_item") as batch:
        batch.drop_index("ix_alert_item_key")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_undelivered")
