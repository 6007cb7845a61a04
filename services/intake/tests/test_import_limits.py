"""An XLSX import refuses an oversized sheet from its declared size, or while streaming,
before it has read it all (intake.domain.upload)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from intake.domain import upload as importing
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    monkeypatch.setattr(importing, "MAX_COLUMNS", 4)


def xlsx(rows: list[list[object]], *, dimension: str | None = None) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    return saved(workbook, dimension)


def saved(workbook: Workbook, dimension: str | None = None) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    if dimension is None:
        return out.getvalue()
    # Rewrite the sheet's declared size, as another program (or an attacker) may write it.
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), content
                )
            target.writestr(item, content)
    return rewritten.getvalue()


def test_a_sheet_within_the_limits_is_read():
    header, rows = importing.read_rows(
        "x.xlsx", xlsx([["organisatie", "datum"]] + [["GM0363", "2024-03-03"]] * 5)
    )
    assert header == ["organisatie", "datum"]
    assert len(rows) == 5 and rows[0] == {"organisatie": "GM0363", "datum": "2024-03-03"}


def test_a_declared_size_too_large_is_refused_before_any_row_is_read(monkeypatch):
    def no_reading(*args, **kwargs):
        raise AssertionError("rows were read")

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", no_reading)
    with pytest.raises(importing.FileUnreadable, match="meer dan 5 rijen"):
        importing.read_rows("x.xlsx", xlsx([["organisatie"], ["GM0363"]], dimension="A1:B1048576"))
    with pytest.raises(importing.FileUnreadable, match="meer dan 4 kolommen"):
        importing.read_rows("x.xlsx", xlsx([["organisatie"], ["GM0363"]], dimension="A1:XFD2"))


def test_rows_beyond_a_declaration_are_counted_while_streaming(monkeypatch):
    read: list[int] = []
    original = ReadOnlyWorksheet._cells_by_row

    def counting(*args, **kwargs):
        for row in original(*args, **kwargs):
            read.append(1)
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    too_many = xlsx([["organisatie"]] + [["GM0363"]] * 100, dimension="A1:A2")
    with pytest.raises(importing.FileUnreadable, match="meer dan 5 rijen"):
        importing.read_rows("x.xlsx", too_many)
    assert len(read) == 7  # header, the 5 allowed rows, the one too many: then it stops


def test_a_row_far_below_counts_its_empty_rows_too():
    # One cell at row 1,000,000: the rows in between count, without reading them all.
    workbook = Workbook()
    workbook.active.append(["organisatie"])
    workbook.active.cell(row=1_000_000, column=1, value="GM0363")
    with pytest.raises(importing.FileUnreadable, match="meer dan 5 rijen"):
        importing.read_rows("x.xlsx", saved(workbook, dimension="A1:A1"))


def test_a_row_wider_than_the_limit_is_refused_while_streaming():
    wide = xlsx([["organisatie"], ["GM0363", "", "", "", "x"]], dimension="A1:A2")
    with pytest.raises(importing.FileUnreadable, match="meer dan 4 kolommen"):
        importing.read_rows("x.xlsx", wide)
