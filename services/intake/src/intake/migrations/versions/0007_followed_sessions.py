"""Scheduling's sessions as intake follows them, so their events converge in any order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followed_session",
        sa.Column("session_id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_code", sa.String(6), nullable=False, index=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("followed_session")
