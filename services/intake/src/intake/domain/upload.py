"""Reading an uploaded spreadsheet (CSV or XLSX) into a header and rows of text, refusing a
file that is unreadable or too large before it has been read whole (pure: bytes in)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from typing import Any

from ontour.application.errors import Refused

from intake.domain.rows import read_csv_text

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 200  # the template has 29; room for a team's own extra columns


class FileUnreadable(Refused):
    """The upload is no CSV or XLSX we can read (Dutch reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "file")


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
    # Imported here, not at the top: only an uploaded spreadsheet needs it, and every process start
    # (and every rolling restart) would pay for loading it (tests/test_import_cost.py).
    from openpyxl import load_workbook

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
