"""Releases of figures about people; aftercare's statistics record coarsened to dates; the
"niet publiceren" flag of organisations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment, text_list
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"
CONTRACT = (
    "replaces rm_case (moments) by a table of dates under the same name, which the previous "
    "release cannot write; released before the expand/contract rule"
)
branch_labels = None
depends_on = None

_DAY = "(({0} AT TIME ZONE 'Europe/Amsterdam')::date)"


def upgrade() -> None:
    op.add_column(
        "rm_organisation",
        sa.Column("not_published", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # Only consented requests are kept, with days instead of moments.
    op.create_table(
        "rm_case_next",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("role", sa.String(), nullable=True),
        text_list("incidents"),
        sa.Column("wants_woman", sa.Boolean(), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("matched_on", sa.Date(), nullable=True),
        sa.Column("contacted_on", sa.Date(), nullable=True),
        sa.Column("within_service_level", sa.Boolean(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("outcome", sa.String(), nullable=True),
        text_list("referrals"),
        sa.Column("days_to_match", sa.Integer(), nullable=True),
        sa.Column("days_to_contact", sa.Integer(), nullable=True),
        sa.Column("erased", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    requested, matched, contacted = (_DAY.format(c) for c in ("requested_at", "matched_at",
                                                             "contacted_at"))  # fmt: skip
    ended = _DAY.format("coalesce(closed_at, withdrawn_at)")
    op.execute(
        f"""INSERT INTO rm_case_next SELECT id, role, incidents, wants_woman, {requested},
        {matched}, {contacted}, within_service_level, {ended}, withdrawn_at IS NOT NULL,
        outcome, referrals, {matched} - {requested}, {contacted} - {requested},
        erased_at IS NOT NULL FROM rm_case WHERE consent"""  # noqa: S608 (no user input)
    )
    op.drop_table("rm_case")
    op.rename_table("rm_case_next", "rm_case")
    op.execute("ALTER INDEX rm_case_next_pkey RENAME TO rm_case_pkey")
    op.create_table(
        "rm_release",
        sa.Column("id", sa.String(7), primary_key=True),
        sa.Column("status", sa.String(), nullable=False),
        moment("decided_at", nullable=False),
        sa.Column("decided_by", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("sequences", JSONB(), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("content", JSONB(), nullable=True),
    )
    op.create_table(
        "rm_year",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        moment("decided_at", nullable=False),
        sa.Column("content", JSONB(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("0004 is forward only (rebuild the read models from the streams)")
