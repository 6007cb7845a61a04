"""An organisation's arrangements against aggression ("Melden helpt"): the current answers on
the organisation and every recorded answer in protocol_answer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "organisation",
        sa.Column(
            "protocol",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
    )
    op.create_table(
        "protocol_answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_code",
            sa.String(length=6),
            sa.ForeignKey("organisation.cbs_code"),
            nullable=False,
        ),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("voorgesprek_id", sa.Uuid(), sa.ForeignKey("voorgesprek.id"), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_protocol_answer_organisation_code", "protocol_answer", ["organisation_code"]
    )


def downgrade() -> None:
    op.drop_index("ix_protocol_answer_organisation_code", table_name="protocol_answer")
    op.drop_table("protocol_answer")
    op.drop_column("organisation", "protocol")
