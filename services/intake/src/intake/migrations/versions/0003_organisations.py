"""The register of organisations (gemeenten and provincies).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("cbs_code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("province_code", sa.String(4), nullable=False),
        sa.Column("province_name", sa.String(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("successor_code", sa.String(6), nullable=True),
        sa.Column("tour_status", sa.String(), nullable=False, server_default="niet benaderd"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.CheckConstraint("kind IN ('gemeente', 'provincie')", name="ck_organisation_kind"),
    )
    op.create_index("ix_organisation_province_code", "organisation", ["province_code"])


def downgrade() -> None:
    op.drop_table("organisation")
