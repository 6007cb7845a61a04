"""Messaging tables and the walking-skeleton voorgesprek.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from ontour.messaging.schema import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables()
    op.create_table(
        "voorgesprek",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_code", sa.String(6), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("voorgesprek")
    drop_messaging_tables()
