"""Read models that converge in any event order: a revision per column, and tombstones.

A change whose row is missing leaves a tombstone (reporting.domain.projection), so the
columns its row's own event brings are nullable now; the existing rows get the revision of
each column from the row's (every column of theirs was set at or below it).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Per table: the columns only the row's own event brings, and the columns the events set.
_OWN = {
    "rm_organisation": ("name", "kind", "province_code"),
    "rm_voorgesprek": ("organisation_code", "status", "held_on"),
    "rm_session": ("organisation_code", "status", "on"),
}
_SET = {
    "rm_organisation": ("name", "kind", "province_code", "valid_until", "not_published"),
    "rm_voorgesprek": ("organisation_code", "status", "held_on", "themes", "participants",
                       "incident_count", "session_wish"),
    "rm_session": ("organisation_code", "status", "on", "planned_at", "participants",
                   "evaluation_score", "team_size"),
}  # fmt: skip


def upgrade() -> None:
    for table, columns in _OWN.items():
        op.add_column(
            table,
            sa.Column("revisions", JSONB(), nullable=False, server_default=sa.text("'{}'")),
        )
        for column in columns:
            op.alter_column(table, column, nullable=True)
        # Organisations had no revision: 0, so any event's time is newer.
        revision = "0" if table == "rm_organisation" else "revision"
        pairs = ", ".join(f"'{column}', {revision}" for column in _SET[table])
        op.execute(f"UPDATE {table} SET revisions = jsonb_build_object({pairs})")  # noqa: S608


def downgrade() -> None:
    raise NotImplementedError("0005 is forward only (rebuild the read models from the streams)")
