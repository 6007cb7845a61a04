"""Erasure leaves a tombstone only; sent events of erased cases leave the outbox.

An erased case used to keep its row without the ciphertexts: organisation, dates, the
override reason and its statistics id stayed. Now the row goes and a tombstone (id,
reference, when, why) stays. The outbox held the case's events, which name the statistics
id: those already sent are deleted at erasure (aftercare.usecases.erasure), and a trigger deletes
any event of a case that no longer exists the moment the relay marks it sent (the erasure
event itself must still reach reporting).

Cases erased before this revision become tombstones with the reason "onbekend".

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from ontour.migration_columns import moment

revision = "0004"
down_revision = "0003"
CONTRACT = (
    "drops aftercare_case.erased_at, which the previous release reads and writes; "
    "released before the expand/contract rule"
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aftercare_erased_case",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        moment("erased_at", nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
    )
    op.execute(
        "INSERT INTO aftercare_erased_case (id, reference, erased_at, reason) "
        "SELECT id, reference, erased_at, 'onbekend' FROM aftercare_case "
        "WHERE erased_at IS NOT NULL"
    )
    op.execute("DELETE FROM aftercare_case WHERE erased_at IS NOT NULL")
    op.drop_column("aftercare_case", "erased_at")
    op.create_unique_constraint(
        "uq_aftercare_case_statistics_id", "aftercare_case", ["statistics_id"]
    )
    # An event's subject (in its CloudEvent) is the statistics id of its case.
    op.execute(
        "DELETE FROM outbox WHERE sent_at IS NOT NULL "
        "AND subject LIKE 'ontour.aftercare.nazorg.%' AND NOT EXISTS "
        "(SELECT 1 FROM aftercare_case "
        "WHERE statistics_id = (convert_from(payload, 'UTF8')::jsonb ->> 'subject')::uuid)"
    )
    op.execute(
        "CREATE FUNCTION outbox_forget_erased_cases() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        "IF NOT EXISTS (SELECT 1 FROM aftercare_case WHERE statistics_id = "
        "(convert_from(NEW.payload, 'UTF8')::jsonb ->> 'subject')::uuid) THEN "
        "DELETE FROM outbox WHERE id = NEW.id; "
        "END IF; "
        "RETURN NULL; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_forget_erased_cases AFTER UPDATE OF sent_at ON outbox "
        "FOR EACH ROW WHEN (OLD.sent_at IS NULL AND NEW.sent_at IS NOT NULL "
        "AND NEW.subject LIKE 'ontour.aftercare.nazorg.%') "
        "EXECUTE FUNCTION outbox_forget_erased_cases()"
    )


def downgrade() -> None:
    # Forward only: what erasure deleted cannot come back.
    raise NotImplementedError("0004 is forward only")
