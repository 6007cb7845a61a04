"""The steps of aftercare requests (melding, aangifte, beveiligingsadvies...), and whether a
requester had already reported before asking for help.

Both come from events; a rebuild fills them for events already on the streams.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rm_case", sa.Column("already_reported", sa.Boolean(), nullable=True))
    op.create_table(
        "rm_case_step",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("case_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("revisions", JSONB(), nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    op.drop_table("rm_case_step")
    op.drop_column("rm_case", "already_reported")
