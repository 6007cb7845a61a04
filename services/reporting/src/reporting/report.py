"""The quarterly progress report as PDF (fpdf2): text, the published tables and a chart,
fit to attach to a letter to parliament. Built from the same published tables as the
dashboard, so it can show nothing the disclosure rule did not let through.
"""

from __future__ import annotations

from fpdf import FPDF

from reporting.domain.quarters import Quarter
from reporting.domain.release import Release
from reporting.figures import Table, release_tables

# A list of all 342 gemeenten belongs on the dashboard and in the exports, not in a letter.
ONLY_ONLINE = frozenset({"bereik-per-gemeente"})
# The PDF core fonts know Latin-1: write the few other characters our tables use plainly.
_PLAIN = str.maketrans({"→": "->", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})
BLUE = (21, 66, 115)


def _text(value: str) -> str:
    return value.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(*BLUE)
        self.cell(0, 6, _text("Ondersteuningsteam Weerbaar Bestuur - On Tour"), align="R")
        self.ln(8)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.cell(0, 6, _text(f"Pagina {self.page_no()} - aantallen onder de 5: '<5'"), align="C")


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(0, 6, _text(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    rows = table.rendered()
    if not rows:
        pdf.multi_cell(
            0, 5, _text("Geen cijfers voor deze periode."), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(2)
        return
    widths = [70] + [max(20, 110 // max(1, len(table.columns) - 1))] * (len(table.columns) - 1)
    pdf.set_font("Helvetica", "B", 9)
    for width, name in zip(widths, table.columns, strict=False):
        pdf.cell(width, 6, _text(name), border="B")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for row in rows:
        for index, (width, value) in enumerate(zip(widths, row, strict=False)):
            pdf.cell(width, 5, _text(value), align="L" if index == 0 else "R")
        pdf.ln()
    pdf.ln(3)


def _bars(pdf: FPDF, table: Table) -> None:
    """A bar chart of a per-month table (hidden counts get no bar, only their marker)."""
    rows = [r for r in table.rendered() if r[0] != "totaal"]
    numbers = [
        int(r[1].replace(".", "")) if r[1].replace(".", "").isdigit() else None for r in rows
    ]
    highest = max([n for n in numbers if n is not None] or [1]) or 1
    x0, y0, height = pdf.get_x(), pdf.get_y(), 35.0
    width = min(12.0, 170.0 / max(1, len(rows)))
    pdf.set_font("Helvetica", "", 7)
    for index, (row, number) in enumerate(zip(rows, numbers, strict=True)):
        x = x0 + index * width
        bar = 0.0 if number is None else height * number / highest
        if bar:
            pdf.set_fill_color(*BLUE)
            pdf.rect(x + 1, y0 + height - bar, width - 2, bar, style="F")
        pdf.text(x + 1, y0 + height - bar - 1, _text(row[1]))
        pdf.text(x + 1, y0 + height + 4, _text(row[0].split(" ")[0]))
    pdf.set_y(y0 + height + 8)


def quarterly_report(
    *, quarter: Quarter, tour: list[Table], release: Release | None, updated: str | None
) -> bytes:
    """The tour's figures of ``quarter`` (exact) and its release of figures about people, as
    released (or a note that it is not released yet)."""
    pdf = _Report(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(
        0, 8, _text(f"Voortgangsrapportage On Tour - {quarter.label}"), new_x="LMARGIN",
        new_y="NEXT",
    )  # fmt: skip
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0, 5, new_x="LMARGIN", new_y="NEXT", text=_text(
            f"Periode {quarter.first_day:%d-%m-%Y} tot en met {quarter.last_day:%d-%m-%Y}. Het "
            "Ondersteuningsteam Weerbaar Bestuur bezoekt gemeenteraden en Provinciale Staten "
            "(eerst een voorgesprek, dan een sessie) en biedt nazorg door ervaren collega's aan "
            "ambtsdragers die zijn bedreigd of geintimideerd. De tourcijfers gaan over "
            "organisaties en zijn exact. De cijfers over personen (nazorg, en wat voorgesprekken "
            "over incidenten en thema's vastleggen) staan er zoals ze per kwartaal zijn "
            "vrijgegeven: aantallen onder de 5 als '<5', een cel waaruit zo'n aantal af te "
            "leiden zou zijn als 'x'; alleen verzoeken met toestemming voor anonieme statistiek."
            + (f" Tourcijfers bijgewerkt tot {updated}." if updated else "")
        ),
    )  # fmt: skip
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, "Tour", new_x="LMARGIN", new_y="NEXT")
    for table in tour:
        if table.name in ONLY_ONLINE:
            continue
        if table.name == "voorgesprekken-per-maand" and table.rows:
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(0, 6, _text(table.title + " (grafiek)"), new_x="LMARGIN", new_y="NEXT")
            _bars(pdf, table)
        _table(pdf, table)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, _text(f"Cijfers over personen - vrijgave {quarter.id}"), new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", "", 10)
    if release is None:
        pdf.multi_cell(0, 5, _text(
            f"{quarter.label} is nog niet vrijgegeven: dat gebeurt na afloop van het kwartaal "
            "en een bezinktijd van 10 werkdagen."), new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    else:
        for table in release_tables(release):
            _table(pdf, table)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        0,
        4,
        _text("Bron van het register: CBS, Kadaster (CC BY 4.0)."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
