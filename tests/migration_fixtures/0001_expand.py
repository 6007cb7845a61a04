"""A table with a column that a later release no longer needs (fixture).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "visit",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("visit")
