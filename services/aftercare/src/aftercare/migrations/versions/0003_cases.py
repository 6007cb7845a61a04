"""Aftercare cases (personal fields envelope-encrypted per case) and peer profiles.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment, text_list

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _secret(name: str) -> sa.Column:
    return sa.Column(name, sa.LargeBinary(), nullable=True)


def upgrade() -> None:
    op.create_table(
        "aftercare_case",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("status_token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("statistics_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(), nullable=False, index=True),
        sa.Column("role", sa.String(), nullable=False),
        text_list("incident_categories"),
        sa.Column("organisation_code", sa.String(6), nullable=True),
        sa.Column("province_code", sa.String(4), nullable=True),
        sa.Column("happened_on", sa.Date(), nullable=True),
        sa.Column("still_ongoing", sa.Boolean(), nullable=True),
        text_list("reported"),
        sa.Column("gender_wish", sa.String(), nullable=False),
        sa.Column("wants_same_background", sa.Boolean(), nullable=False),
        text_list("contact_modes"),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("consent_handling", sa.Boolean(), nullable=False),
        sa.Column("consent_share_with_peer", sa.Boolean(), nullable=False),
        sa.Column("consent_statistics", sa.Boolean(), nullable=False),
        sa.Column("entered_by", sa.String(), nullable=True),
        _secret("name_enc"),
        _secret("email_enc"),
        _secret("phone_enc"),
        _secret("story_enc"),
        _secret("notes_enc"),
        sa.Column("peer_id", sa.String(100), nullable=True, index=True),
        sa.Column("proposed_peer_id", sa.String(100), nullable=True),
        text_list("declined_by"),
        moment("requested_at", nullable=False),
        moment("matched_at"),
        moment("contacted_at"),
        sa.Column("contact_mode", sa.String(), nullable=True),
        moment("closed_at"),
        sa.Column("outcome", sa.String(), nullable=True),
        text_list("referrals"),
        sa.Column("override_reason", sa.String(), nullable=True),
        moment("erased_at"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "peer",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("background", sa.String(), nullable=False),
        sa.Column("gender", sa.String(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        text_list("organisation_codes"),
        text_list("conflict_codes"),
        text_list("regions"),
        text_list("expertise"),
        text_list("languages"),
        moment("last_assigned_at"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    # Forward only: cases are the record of help given (their personal data is shredded).
    raise NotImplementedError("0003 is forward only")
