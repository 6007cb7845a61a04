"""Scheduling's own tables: organisations, teamleden, session requests, sessions, planner runs
and calendar tokens.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment, text_list
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tour_organisation",
        sa.Column("cbs_code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("province_code", sa.String(4), nullable=False, index=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
    )
    op.create_table(
        "teamlid",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("background", sa.String(), nullable=False),
        sa.Column("gender", sa.String(), nullable=True),
        sa.Column("home_lat", sa.Float(), nullable=False),
        sa.Column("home_lon", sa.Float(), nullable=False),
        sa.Column("max_per_week", sa.Integer(), nullable=False),
        sa.Column("max_per_month", sa.Integer(), nullable=False),
        text_list("languages"),
        text_list("excluded_organisations"),
        sa.Column(
            "unavailable_dates", ARRAY(sa.Date()), nullable=False, server_default=sa.text("'{}'")
        ),
        text_list("preferred_weekdays"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "session_request",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("voorgesprek_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_code", sa.String(6), nullable=False, index=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        moment("received_at", nullable=False, default_now=True),
        sa.Column("session_format", sa.String(), nullable=True),
        sa.Column("preferred_periods", JSONB(), nullable=False, server_default=sa.text("'[]'")),
        text_list("preferred_weekdays"),
        text_list("avoid_weekdays"),
        sa.Column("expected_participants", sa.Integer(), nullable=True),
        sa.Column(
            "attention_online_intimidation_women",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
        sa.Column("college_takes_part", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "session",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("request_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("organisation_code", sa.String(6), nullable=False, index=True),
        sa.Column("on", sa.Date(), nullable=False, index=True),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("session_format", sa.String(), nullable=True),
        text_list("members"),
        sa.Column("status", sa.String(), nullable=False, index=True),
        text_list("explanation"),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("evaluation_score", sa.Integer(), nullable=True),
        sa.Column("evaluation_remarks", sa.String(), nullable=True),
        text_list("follow_up_wishes"),
        sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"),
        moment("created_at", nullable=False, default_now=True),
        moment("updated_at", nullable=False, default_now=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_index("ix_session_members", "session", ["members"], postgresql_using="gin")
    op.create_table(
        "planner_run",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(), nullable=False, index=True),
        sa.Column("started_by", sa.String(), nullable=False),
        moment("started_at", nullable=False, default_now=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_limit_seconds", sa.Float(), nullable=False),
        sa.Column("progress", JSONB(), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("result", JSONB(), nullable=True),
        sa.Column("adopted", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "calendar_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("teamlid_id", sa.String(100), nullable=False, index=True),
        moment("created_at", nullable=False, default_now=True),
    )


def downgrade() -> None:
    # Forward only: sessions and their outcomes are the tour's records.
    raise NotImplementedError("0003 is forward only")
