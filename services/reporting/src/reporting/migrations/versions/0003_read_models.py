"""The read models of tour and aftercare (replacing the walking skeleton's table).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment, text_list
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
CONTRACT = (
    "drops the walking skeleton's held_voorgesprek, which the previous release projects "
    "into; released before the expand/contract rule"
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Read models are rebuilt from the streams: the skeleton's rows need no migration.
    op.drop_table("held_voorgesprek")
    op.create_table(
        "rm_organisation",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("province_code", sa.String(4), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
    )
    op.create_table(
        "rm_voorgesprek",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_code", sa.String(6), nullable=False, index=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        text_list("themes"),
        sa.Column("participants", JSONB(), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("incident_count", sa.Integer(), nullable=True),
        sa.Column("session_wish", sa.String(), nullable=True),
    )
    op.create_table(
        "rm_session",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("organisation_code", sa.String(6), nullable=False, index=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        moment("planned_at"),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("evaluation_score", sa.Integer(), nullable=True),
        sa.Column("team_size", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "rm_case",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("role", sa.String(), nullable=True),
        text_list("incidents"),
        sa.Column("wants_woman", sa.Boolean(), nullable=True),
        moment("requested_at"),
        moment("matched_at"),
        moment("contacted_at"),
        sa.Column("within_service_level", sa.Boolean(), nullable=True),
        moment("closed_at"),
        sa.Column("outcome", sa.String(), nullable=True),
        text_list("referrals"),
        moment("withdrawn_at"),
        moment("erased_at"),
    )
    op.create_table(
        "rm_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        moment("last_event_at"),
    )


def downgrade() -> None:
    raise NotImplementedError("0003 is forward only (rebuild the read models from the streams)")
