"""Messaging tables and the walking-skeleton read model.

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
        "held_voorgesprek",
        sa.Column("voorgesprek_id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_code", sa.String(6), nullable=False, index=True),
        sa.Column("held_on", sa.Date(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("held_voorgesprek")
    drop_messaging_tables()
