"""The steps of a case, their history, and the coordinator's checklist texts.

A case's referrals (``aftercare_case.referrals``) become steps, proposed by the peer when the
case was closed (:data:`aftercare.domain.steps.KIND_OF_REFERRAL`). The column stays (expand
first): the previous release reads and writes it, and closing a case still fills it in for
the ``nazorg.afgesloten`` event; its comment says what replaced it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment, text_list

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Referral (as stored) → step kind, as aftercare.domain.steps.KIND_OF_REFERRAL had it then;
# written out: a migration means the same thing forever.
_STEPS_OF_REFERRALS = (
    "INSERT INTO aftercare_step (id, case_id, kind, status, changed_at, version) "
    "SELECT gen_random_uuid(), c.id, CASE r.referral "
    "WHEN 'politie/aangifte' THEN 'aangifte' "
    "WHEN 'beveiligingsadvies (Regeling beveiligingsmaatregelen decentrale bestuurders)' "
    "THEN 'beveiligingsadvies' "
    "WHEN 'psychologische hulp' THEN 'psychologische hulp' "
    "WHEN 'juridisch advies' THEN 'juridisch advies' "
    "WHEN 'werkgever/griffie' THEN 'melding' END, "
    "'voorgesteld', coalesce(c.closed_at, c.requested_at), 1 "
    "FROM aftercare_case c CROSS JOIN LATERAL unnest(c.referrals) AS r(referral) "
    "WHERE r.referral IN ('politie/aangifte', "
    "'beveiligingsadvies (Regeling beveiligingsmaatregelen decentrale bestuurders)', "
    "'psychologische hulp', 'juridisch advies', 'werkgever/griffie') "
    "ON CONFLICT (case_id, kind) DO NOTHING"
)


def upgrade() -> None:
    op.create_table(
        "aftercare_step",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "case_id",
            sa.Uuid(),
            sa.ForeignKey("aftercare_case.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("registration_number_enc", sa.LargeBinary(), nullable=True),
        moment("changed_at", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("case_id", "kind", name="uq_aftercare_step_case_kind"),
    )
    op.create_table(
        "aftercare_step_change",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "step_id",
            sa.Uuid(),
            sa.ForeignKey("aftercare_step.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        moment("at", nullable=False),
    )
    op.create_table(
        "aftercare_checklist",
        sa.Column("stage", sa.String(), primary_key=True),
        text_list("items"),
        sa.Column("changed_by", sa.String(), nullable=False),
        moment("changed_at", nullable=False),
    )
    op.execute(_STEPS_OF_REFERRALS)
    op.execute(
        "INSERT INTO aftercare_step_change (id, step_id, status, actor, at) "
        "SELECT gen_random_uuid(), id, status, 'peer', changed_at FROM aftercare_step"
    )
    op.execute(
        "COMMENT ON COLUMN aftercare_case.referrals IS 'Replaced by aftercare_step (0005): "
        "read by the previous release and the nazorg.afgesloten event only; contract later.'"
    )


def downgrade() -> None:
    op.execute("COMMENT ON COLUMN aftercare_case.referrals IS NULL")
    op.drop_table("aftercare_checklist")
    op.drop_table("aftercare_step_change")
    op.drop_table("aftercare_step")
