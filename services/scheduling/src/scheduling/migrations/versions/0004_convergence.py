"""Events of intake applied in any order: what orders each part of a row, and tombstones.

A session request keeps the revision of the submission its data comes from beside the highest
revision seen; a withdrawal before its submission leaves a row without data. An organisation
keeps the time of the registration and of the change its columns come from; a change before
the registration leaves a row without name.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("session_request", sa.Column("data_revision", sa.Integer(), nullable=True))
    op.execute("UPDATE session_request SET data_revision = revision")
    op.alter_column("session_request", "voorgesprek_id", nullable=True)
    op.alter_column("session_request", "requested_on", nullable=True)
    op.add_column("tour_organisation", moment("registered_at", nullable=True))
    op.add_column("tour_organisation", moment("changed_at", nullable=True))
    # Registered before this: older than any event, so a replayed registration still applies.
    op.execute("UPDATE tour_organisation SET registered_at = '1970-01-01T00:00:00Z'")
    op.alter_column("tour_organisation", "name", nullable=True)
    op.alter_column("tour_organisation", "province_code", nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM session_request WHERE data_revision IS NULL")
    op.execute("DELETE FROM tour_organisation WHERE name IS NULL")
    op.alter_column("tour_organisation", "province_code", nullable=False)
    op.alter_column("tour_organisation", "name", nullable=False)
    op.drop_column("tour_organisation", "changed_at")
    op.drop_column("tour_organisation", "registered_at")
    op.alter_column("session_request", "requested_on", nullable=False)
    op.alter_column("session_request", "voorgesprek_id", nullable=False)
    op.drop_column("session_request", "data_revision")
