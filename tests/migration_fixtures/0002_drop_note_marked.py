"""Drops a column no replica uses any more, marked as the contract step (fixture: allowed).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
CONTRACT = "no release after 0001 reads or writes visit.note; expand released in 0001"


def upgrade() -> None:
    op.drop_column("visit", "note")
    op.alter_column("visit", "kind", server_default="bezoek")
    op.alter_column("visit", "kind", nullable=False)


def downgrade() -> None:
    op.add_column("visit", sa.Column("note", sa.String(), nullable=True))
