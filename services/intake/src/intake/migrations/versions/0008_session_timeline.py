"""A session's events on the organisation's timeline once each, in any order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("timeline_entry", sa.Column("revision", sa.Integer(), nullable=True))
    op.create_index(
        "timeline_entry_event",
        "timeline_entry",
        ["kind", "object_id", "revision"],
        unique=True,
        postgresql_where=sa.text("revision IS NOT NULL"),
    )
    op.add_column(
        "followed_session", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("followed_session", "cancelled_at")
    op.drop_index("timeline_entry_event", table_name="timeline_entry")
    op.drop_column("timeline_entry", "revision")
