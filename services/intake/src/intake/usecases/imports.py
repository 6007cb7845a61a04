"""The bulk import of voorgesprekken from a spreadsheet (CSV or XLSX).

Every row ends in the report: imported, rejected (with the reasons per column), skipped
(empty) or duplicate (twice in the file, or imported before: the row's content hash is
stored, so importing the same file twice adds nothing). Valid rows are stored together in
one unit of work, through :mod:`intake.usecases.voorgesprekken`, so they are announced like
any other.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date
from typing import Any

from ontour.application.unit_of_work import Caller, UnitOfWork, unit_of_work
from ontour.auth.principal import Principal
from ontour.crypto import FieldCipher
from ontour.db import Sessions
from sqlalchemy import insert, text
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import repository
from intake.domain import upload
from intake.domain.lookup import OrganisationLookup
from intake.domain.rows import columns_of
from intake.domain.spreadsheet import ImportCheck, RowReport, RowStatus, check_import
from intake.domain.voorgesprek import DomainRuleBroken, check_content
from intake.models import ImportRun
from intake.reference_data import load_aliases, load_former_names
from intake.usecases.voorgesprekken import NewVoorgesprek, record_new

_IMPORT_LOCK = 0x766F6F7267


async def build_lookup(session: AsyncSession) -> OrganisationLookup:
    return OrganisationLookup(
        await repository.all_organisations(session),
        aliases=load_aliases(),
        former_names=load_former_names(),
    )


def _rejected(report: RowReport, reason: str) -> RowReport:
    return replace(report, status=RowStatus.REJECTED, reasons=(*report.reasons, reason))


def _report_row(report: RowReport, voorgesprek_id: uuid.UUID | None) -> dict[str, Any]:
    record = report.record
    return {
        "row": report.row_number,
        "status": report.status.value,
        "organisation_code": record.organisation_code if record else None,
        "held_on": record.held_on.isoformat() if record else None,
        "reasons": list(report.reasons),
        "voorgesprek_id": str(voorgesprek_id) if voorgesprek_id else None,
    }


async def _import_rows(
    work: UnitOfWork,
    cipher: FieldCipher,
    actor: Principal,
    filename: str,
    header: list[str],
    rows: list[dict[str, str]],
    *,
    today: date,
) -> ImportRun:
    """Check and import the rows; store and return the run with its report."""
    session = work.session
    if len(rows) > upload.MAX_ROWS:
        raise upload.FileUnreadable(f"het bestand heeft meer dan {upload.MAX_ROWS} rijen")
    # One import at a time: two uploads of the same file must not both pass the key check.
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _IMPORT_LOCK})
    checked: ImportCheck = check_import(
        rows, await build_lookup(session), columns=header or columns_of(rows)
    )
    keys = [r.idempotency_key for r in checked.reports if r.status is RowStatus.IMPORTED]
    known = await repository.existing_import_keys(session, [k for k in keys if k])
    reports: list[RowReport] = []
    items: dict[int, NewVoorgesprek] = {}
    for report in checked.reports:
        if report.status is RowStatus.IMPORTED and report.record is not None:
            if report.idempotency_key in known:
                report = report.already_imported()
            else:
                content = report.record.content() if report.record else None
                assert content is not None
                try:
                    check_content(content, today)
                except DomainRuleBroken as rule:
                    report = _rejected(report, f"rij {report.row_number}: {rule.reason}")
                else:
                    items[report.row_number] = NewVoorgesprek(
                        content, import_key=report.idempotency_key
                    )
        reports.append(report)
    await record_new(work, cipher, actor, list(items.values()), today=today)
    report_rows = [
        _report_row(r, items[r.row_number].id if r.row_number in items else None) for r in reports
    ]
    counts = {status.value: sum(1 for r in reports if r.status is status) for status in RowStatus}
    run = ImportRun(
        filename=filename[:200],
        created_by=actor.display_name,
        counts=counts,
        report=report_rows,
        ignored_columns=list(checked.ignored_columns),
    )
    await session.execute(
        insert(ImportRun).values(
            id=run.id,
            filename=run.filename,
            created_by=run.created_by,
            created_at=run.created_at,
            counts=run.counts,
            report=run.report,
            ignored_columns=run.ignored_columns,
        )
    )
    return run


async def import_upload(
    sessions: Sessions, cipher: FieldCipher, caller: Caller, filename: str,
    read: Callable[[int], Awaitable[bytes]], *, today: date,
) -> ImportRun:  # fmt: skip
    """Read an uploaded file (``read(n)``: at most n bytes of it) and import its rows; the
    run with its report (audited)."""
    data = await read(upload.MAX_BYTES + 1)  # one byte more: "too large", never cut off
    header, rows = upload.read_rows(filename, data)
    async with unit_of_work(sessions, caller) as work:
        run = await _import_rows(
            work, cipher, caller.signed_in, filename, header, rows, today=today
        )
        await work.audit("importeren", "import", str(run.id), details=run.counts)
    return run
