"""Every list as CSV or XLSX: one table, three formats (JSON stays the endpoint's own).

An endpoint builds an :class:`ExportTable` from the same rows it returns as JSON and calls
:func:`export_response` when the client asked for a file, by ``Accept`` header (NL API
Design Rules: content negotiation) or, for links on pages, by ``?formaat=csv|xlsx``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Any, Literal

from fastapi import Request, Response

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ExportFormat = Literal["csv", "xlsx"]
_MEDIA = {"csv": CSV, "xlsx": XLSX}
# Spreadsheet programs run a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# For an endpoint's ``responses=``: the file formats next to its JSON (for the OpenAPI).
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            CSV: {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@dataclass(frozen=True, slots=True)
class ExportTable:
    """A title (also the file name), Dutch column headings and the rows."""

    title: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]


def requested_format(request: Request, formaat: str | None = None) -> ExportFormat | None:
    """``csv`` or ``xlsx`` when the client asked for a file, else None (JSON)."""
    if formaat in _MEDIA:
        return formaat  # type: ignore[return-value]
    accept = request.headers.get("accept", "")
    if XLSX in accept:
        return "xlsx"
    if CSV in accept:
        return "csv"
    return None


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(str(_plain(v)) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, str | int | float | date | time):
        return value
    return str(value)  # ids and the like


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_cell(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(_safe_text(value))


def to_csv(table: ExportTable) -> bytes:
    """Semicolon-separated with a BOM: what Dutch Excel opens without asking."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: ExportTable) -> bytes:
    # Imported here, not at the top: only this request needs it, and every process start
    # (and every rolling restart) would pay for loading it (tests/test_import_cost.py).
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31])
    header = []
    for name in table.columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        values = []
        for value in row:
            value = _plain(value)
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)  # Excel has no time zones
            values.append(_safe_text(value))
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(table: ExportTable, fmt: ExportFormat) -> Response:
    body = to_csv(table) if fmt == "csv" else to_xlsx(table)
    media = f"{CSV}; charset=utf-8" if fmt == "csv" else XLSX
    filename = f"{table.title.lower().replace(' ', '-')}.{fmt}"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
