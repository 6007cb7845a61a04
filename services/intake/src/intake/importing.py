"""The bulk import of voorgesprekken from a spreadsheet (CSV or XLSX).

Every row ends in the report: imported, rejected (with the reasons per column), skipped
(empty) or duplicate (twice in the file, or imported before: the row's content hash is
stored, so importing the same file twice adds nothing). Valid rows are stored together in
one transaction, through :mod:`intake.recording`, so they are announced like any other.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from ontour.auth.principal import Principal
from ontour.crypto import FieldCipher
from openpyxl import load_workbook
from sqlalchemy import insert, text
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import recording, repository
from intake.domain.lookup import OrganisationLookup
from intake.domain.rows import columns_of, read_csv_text
from intake.domain.spreadsheet import ImportCheck, RowReport, RowStatus, check_import
from intake.domain.voorgesprek import DomainRuleBroken, check_content
from intake.models import ImportRun
from intake.reference_data import load_aliases, load_former_names

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 200  # the template has 29; room for a team's own extra columns
_IMPORT_LOCK = 0x766F6F7267


class FileUnreadable(ValueError):
    """The upload is no CSV or XLSX we can read (Dutch reason)."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _too_large(rows: int | None, columns: int | None) -> None:
    # Rows counted with the header: MAX_ROWS rows to import, as for a CSV.
    if rows is not None and rows > MAX_ROWS + 1:
        raise FileUnreadable(f"het werkblad heeft meer dan {MAX_ROWS} rijen")
    if columns is not None and columns > MAX_COLUMNS:
        raise FileUnreadable(f"het werkblad heeft meer dan {MAX_COLUMNS} kolommen")


def _xlsx_records(data: bytes) -> list[list[str]]:
    """The first sheet's rows as text, refused as soon as it proves too large.

    The size the sheet declares (its ``dimension``) is checked before any row is read; then
    rows and columns are counted while streaming, because a declaration may be missing or
    wrong (read-only openpyxl would even stop at a declared size that is too small).
    """
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise FileUnreadable("dit is geen leesbaar XLSX-bestand") from None
    try:
        sheet = workbook.worksheets[0]
        _too_large(sheet.max_row, sheet.max_column)
        sheet.reset_dimensions()  # read every row there is, whatever the sheet declares
        records: list[list[str]] = []
        for count, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            _too_large(count, len(values))
            records.append([_cell(v) for v in values])
        return records
    except FileUnreadable:
        raise
    except Exception:
        raise FileUnreadable("dit is geen leesbaar XLSX-bestand") from None
    finally:
        workbook.close()


def read_rows(filename: str, data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of an uploaded CSV or XLSX (the first sheet)."""
    if len(data) > MAX_BYTES:
        raise FileUnreadable(f"het bestand is groter dan {MAX_BYTES // (1024 * 1024)} MB")
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        records = _xlsx_records(data)
        if not records:
            return [], []
        header = [name.strip() for name in records[0]]
        rows = [
            dict(zip(header, record + [""] * (len(header) - len(record)), strict=False))
            for record in records[1:]
        ]
        # openpyxl reports trailing empty rows of a formatted sheet: drop those at the end only.
        while rows and not any(v.strip() for v in rows[-1].values()):
            rows.pop()
        return header, rows
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes (almost) anything
        raise FileUnreadable("de tekens in het bestand zijn niet te lezen (gebruik UTF-8)")
    if "\x00" in text:
        raise FileUnreadable("dit is geen CSV-bestand")
    try:
        return read_csv_text(text)
    except csv.Error:
        raise FileUnreadable("dit is geen leesbaar CSV-bestand") from None


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


async def import_file(
    session: AsyncSession,
    cipher: FieldCipher,
    actor: Principal,
    filename: str,
    header: list[str],
    rows: list[dict[str, str]],
    *,
    today: date,
) -> ImportRun:
    """Check and import the rows; store and return the run with its report."""
    if len(rows) > MAX_ROWS:
        raise FileUnreadable(f"het bestand heeft meer dan {MAX_ROWS} rijen")
    # One import at a time: two uploads of the same file must not both pass the key check.
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _IMPORT_LOCK})
    checked: ImportCheck = check_import(
        rows, await build_lookup(session), columns=header or columns_of(rows)
    )
    keys = [r.idempotency_key for r in checked.reports if r.status is RowStatus.IMPORTED]
    known = await repository.existing_import_keys(session, [k for k in keys if k])
    reports: list[RowReport] = []
    items: dict[int, recording.NewVoorgesprek] = {}
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
                    items[report.row_number] = recording.NewVoorgesprek(
                        content, import_key=report.idempotency_key
                    )
        reports.append(report)
    await recording.record_new(session, cipher, actor, list(items.values()), today=today)
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
