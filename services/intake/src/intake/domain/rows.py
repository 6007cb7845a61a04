"""What goes wrong in one row of an imported file, said in Dutch (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Data rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row: the row number, the column and the reason (Dutch)."""

    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"rij {self.row}, kolom '{self.field}': {self.reason}"


def columns_of(rows: Iterable[Mapping[str, object]]) -> list[str]:
    """Every key used in any row, in first-seen order: the header when none was given."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(str(key) for key in row if key is not None))
    return list(seen)


def read_csv_text(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of CSV text (comma or semicolon, as Dutch Excel writes it).

    Blank lines are kept as rows of empty cells, unlike ``csv.DictReader``, so that row numbers
    in reports match the spreadsheet and an empty line can be reported as skipped.
    """
    # Old Mac exports end lines with a bare CR, which the csv module refuses unquoted.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not records:
        return [], []
    header = [name.strip() for name in records[0]]
    rows = []
    for record in records[1:]:
        padded = record + [""] * (len(header) - len(record))
        rows.append(dict(zip(header, padded, strict=False)))
    return header, rows
