"""Voorgesprekken in full (lifecycle, content, encrypted note, history), follow-ups, notes,
the organisation timeline and import runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment, text_list
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The walking skeleton's rows were all held voorgesprekken.
    columns: list[sa.Column] = [
        sa.Column("status", sa.String(), nullable=False, server_default="gehouden"),
        sa.Column("start_time", sa.Time(), nullable=True),
        text_list("teamleden"),
        sa.Column("participants", JSONB(), nullable=False, server_default=sa.text("'{}'")),
        text_list("themes"),
        sa.Column("incident_count", sa.Integer(), nullable=True),
        text_list("incident_categories"),
        sa.Column("session_wish", sa.String(), nullable=True),
        sa.Column("session_format", sa.String(), nullable=True),
        sa.Column("preferred_periods", JSONB(), nullable=False, server_default=sa.text("'[]'")),
        text_list("preferred_weekdays"),
        text_list("avoid_weekdays"),
        sa.Column("expected_participants", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column(
            "attention_online_intimidation_women",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
        sa.Column("college_takes_part", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("confidential_note_enc", sa.LargeBinary(), nullable=True),
        sa.Column("import_key", sa.String(64), nullable=True, unique=True),
        sa.Column("created_by", sa.String(), nullable=False, server_default="onbekend"),
        moment("updated_at", nullable=False, default_now=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    ]
    for column in columns:
        op.add_column("voorgesprek", column)
    op.create_foreign_key(
        "fk_voorgesprek_organisation",
        "voorgesprek",
        "organisation",
        ["organisation_code"],
        ["cbs_code"],
    )
    op.create_index("ix_voorgesprek_organisation_code", "voorgesprek", ["organisation_code"])
    op.create_index("ix_voorgesprek_held_on", "voorgesprek", ["held_on"])
    op.create_index("ix_voorgesprek_status", "voorgesprek", ["status"])
    op.create_index(
        "ix_voorgesprek_teamleden", "voorgesprek", ["teamleden"], postgresql_using="gin"
    )
    op.create_index("ix_voorgesprek_themes", "voorgesprek", ["themes"], postgresql_using="gin")

    op.create_table(
        "voorgesprek_change",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("voorgesprek_id", sa.Uuid(), sa.ForeignKey("voorgesprek.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        moment("changed_at", nullable=False, default_now=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("changes", JSONB(), nullable=False),
    )
    op.create_index(
        "ix_voorgesprek_change_voorgesprek_id", "voorgesprek_change", ["voorgesprek_id"]
    )

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "organisation_code",
            sa.String(6),
            sa.ForeignKey("organisation.cbs_code"),
            nullable=False,
        ),
        sa.Column("voorgesprek_id", sa.Uuid(), sa.ForeignKey("voorgesprek.id"), nullable=True),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        moment("created_at", nullable=False, default_now=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_index("ix_follow_up_organisation_code", "follow_up", ["organisation_code"])
    op.create_index("ix_follow_up_voorgesprek_id", "follow_up", ["voorgesprek_id"])
    op.create_index("ix_follow_up_owner", "follow_up", ["owner"])

    op.create_table(
        "organisation_note",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "organisation_code",
            sa.String(6),
            sa.ForeignKey("organisation.cbs_code"),
            nullable=False,
        ),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        moment("created_at", nullable=False, default_now=True),
    )
    op.create_index(
        "ix_organisation_note_organisation_code", "organisation_note", ["organisation_code"]
    )

    op.create_table(
        "timeline_entry",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "organisation_code",
            sa.String(6),
            sa.ForeignKey("organisation.cbs_code"),
            nullable=False,
        ),
        moment("at", nullable=False, default_now=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("object_id", sa.String(), nullable=True),
    )
    op.create_index("ix_timeline_entry_organisation_code", "timeline_entry", ["organisation_code"])

    op.create_table(
        "import_run",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        moment("created_at", nullable=False, default_now=True),
        sa.Column("counts", JSONB(), nullable=False),
        sa.Column("report", JSONB(), nullable=False),
        text_list("ignored_columns"),
    )


def downgrade() -> None:
    # Forward only: the voorgesprekken and their history are the team's records.
    raise NotImplementedError("0005 is forward only")
