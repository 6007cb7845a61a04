"""Statement drafts (verklaring voor melding of aangifte), sealed with the case's key.

One draft per case; its content is one ciphertext under the case's data key, so erasing the
case (destroying that key, deleting the row: the foreign key cascades) removes it too. Who
the requester shares it with is the peer named in ``shared_with_peer_id`` (their own
consent for this draft, apart from the request's consent to share).

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aftercare_statement",
        sa.Column(
            "case_id",
            sa.Uuid(),
            sa.ForeignKey("aftercare_case.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.Column("shared_with_peer_id", sa.String(), nullable=True),
        moment("updated_at", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("aftercare_statement")
