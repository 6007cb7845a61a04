"""Organisations' arrangements against aggression ("Melden helpt"), from organisatie.gewijzigd:
one row per question and day an answer holds from. Filled by the consumer from now on and by
a rebuild from the whole stream (the events before this feature carry no answers).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rm_protocol_answer",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("organisation_code", sa.String(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("revisions", JSONB(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.create_index(
        "ix_rm_protocol_answer_organisation_code", "rm_protocol_answer", ["organisation_code"]
    )


def downgrade() -> None:
    op.drop_index("ix_rm_protocol_answer_organisation_code", table_name="rm_protocol_answer")
    op.drop_table("rm_protocol_answer")
