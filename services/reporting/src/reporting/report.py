"""The quarterly progress report as PDF (fpdf2): text, the published tables and charts,
fit to attach to a letter to parliament. Built from the same published tables as the
dashboard, so it can show nothing the disclosure rule did not let through.

The document's setup (Lato embedded, title, ``nl-NL``, PDF 1.7, headings tagged as headings) is
the common one of :mod:`ontour.pdf`; charts are tagged as figures with a text alternative.
fpdf2 cannot tag paragraphs and tables (so this is not PDF/UA); the tables carry every number
of the charts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout
from ontour.formatting import format_datum, format_datumtijd
from ontour.pdf import (
    BLUE,
    FONT,
    GREY,
    PagedDocument,
    heading,
    keep_with_next,
    new_document,
    paragraph,
)

from reporting.domain.quarters import Quarter
from reporting.domain.release import Release
from reporting.usecases.figures import Table, release_tables

# A list of all 342 gemeenten belongs on the dashboard and in the exports, not in a letter.
ONLY_ONLINE = frozenset({"bereik-per-gemeente"})
CHARTED = frozenset({"voorgesprekken-per-maand", "sessies-per-maand", "nazorg-per-maand"})
CELL_PADDING = 1.5  # mm
SENDER = "Ondersteuningsteam Weerbaar Bestuur – On Tour"
TOO_FEW = (
    "Te weinig waarnemingen voor een grafiek: elke maand is '<5' of 'x'. De tabel hieronder "
    "geeft de cijfers."
)

TWO_KINDS = (
    (
        "Tourcijfers: exact en actueel",
        "Voorgesprekken en sessies, het bereik onder gemeenten en provincies en de stappen van "
        "voorgesprek naar sessie gaan over openbare organen en over het werk van het team zelf. "
        "Ze staan er exact, zonder afronding of afscherming, zoals ze waren op het moment "
        "hierboven. Een organisatie die niet genoemd wil worden, telt alleen mee in de landelijke "
        "totalen; in de tabellen per provincie staat ze in de rij 'niet uitgesplitst'.",
    ),
    (
        "Cijfers over personen: beschermd en per kwartaal vrijgegeven",
        "Alles over nazorg aan ambtsdragers die zijn bedreigd of geïntimideerd, en wat "
        "voorgesprekken vastleggen over incidenten en thema's, gaat over mensen. Die cijfers "
        "bestaan alleen als vrijgave van een afgesloten kwartaal, gemaakt na een bezinktijd van "
        "10 werkdagen en daarna bevroren: een later verzoek verandert een vrijgave niet, maar "
        "komt als correctie in de volgende. Ze tellen alleen verzoeken met toestemming voor "
        "anonieme statistiek. Elke categorie staat er altijd, ook als het aantal 0 is, zodat een "
        "ontbrekende rij niets verraadt.",
    ),
    (
        "Tekens in de tabellen",
        "'<5': een aantal van 0 tot en met 4, niet genoemd om wie erachter zit te beschermen. "
        "'x': een aantal dat verborgen is omdat je er met de andere cijfers een '<5' uit zou "
        "kunnen afleiden. '—': geen waarde (bijvoorbeeld een aandeel van nul organisaties). De "
        "coördinator controleert elke vrijgave met een rekenkundige aanval: pas als geen "
        "verborgen cel terug te rekenen is, wordt ze gepubliceerd.",
    ),
)


class _Report(PagedDocument):
    sender = SENDER


def _new_report(quarter: Quarter) -> _Report:
    return new_document(
        _Report,
        title=f"Voortgangsrapportage On Tour – {quarter.label}",
        subject=f"Tourcijfers en vrijgave van cijfers over personen, {quarter.label}",
    )


def _table(pdf: FPDF, table: Table) -> None:
    """Headings wrap between words inside their column; labels take the room that is left."""
    rows = table.rendered()
    keep_with_next(pdf, 12 + 6 * min(4, len(rows) + 1))
    heading(pdf, table.title, level=2)
    if not rows:
        paragraph(pdf, "Geen cijfers voor deze periode.")
        return
    widths = _column_widths(pdf, table.columns, rows)
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        # The widths may add up to a rounding error more than the page, which fpdf2 refuses.
        width=min(sum(widths), pdf.epw),
        align="LEFT",
        col_widths=widths,
        text_align=("LEFT", *(["RIGHT"] * (len(widths) - 1))),
        line_height=4.5,
        padding=(1, CELL_PADDING),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", color=BLUE),
    ) as grid:
        for row in [table.columns, *rows]:
            grid.row(row)
    pdf.ln(4)


def _column_widths(pdf: FPDF, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Each figure column as wide as its longest heading word or cell. The label column takes
    what it needs up to the room that is left, and wraps between words when that is less; a
    table of two columns stays narrow. Only when even that does not fit does every column
    shrink alike (words may then break), so nothing ever crosses the margin."""
    padding = 2 * (CELL_PADDING + pdf.c_margin) + 0.5

    def widest(texts: Sequence[str], style: str) -> float:
        pdf.set_font(FONT, style, 9)
        return max((pdf.get_string_width(text) for text in texts), default=0.0) + padding

    figures = [
        max(widest(columns[index].split(), "B"), widest([row[index] for row in rows], ""))
        for index in range(1, len(columns))
    ]
    room = pdf.epw - sum(figures)
    labels = [row[0] for row in rows]
    shortest = max(
        widest(columns[0].split(), "B"), widest([w for t in labels for w in t.split()], "")
    )
    label = max(shortest, min(room, widest([columns[0], *labels], "")))
    widths = [label, *figures]
    scale = min(1.0, pdf.epw / sum(widths))
    return [width * scale for width in widths]


def _counts(table: Table) -> list[tuple[str, int | None, str]]:
    """Per month: its label, its count (``None`` when hidden) and how the table shows it."""
    return [
        (row[0], int(row[1].replace(".", "")) if row[1].replace(".", "").isdigit() else None,
         row[1])
        for row in table.rendered() if row[0] != "totaal"
    ]  # fmt: skip


def _chart(pdf: FPDF, table: Table) -> None:
    """A bar per month; a hidden month gets its marker and no bar. Without a single shown
    count the chart says so instead of drawing an empty frame."""
    months = _counts(table)
    shown = [n for _, n, _ in months if n is not None]
    height, label = 32.0, 4.0
    keep_with_next(pdf, 12 + height + 2 * label)
    heading(pdf, f"{table.title}: grafiek", level=2)
    if not shown:
        pdf.set_draw_color(*GREY)
        pdf.set_text_color(*GREY)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5, TOO_FEW, border=1, padding=3,
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        pdf.set_text_color(0, 0, 0)
        pdf.ln(3)
        return
    highest = max(shown) or 1
    slot = min(30.0, pdf.epw / len(months))
    x0, top = pdf.l_margin, pdf.get_y() + label
    description = ", ".join(f"{month}: {marker}" for month, _, marker in months)
    pdf.image(
        io.BytesIO(_bars_svg([n for _, n, _ in months], highest, slot, height).encode()),
        x=x0, y=top, w=slot * len(months), h=height,
        alt_text=f"Staafdiagram {table.title.lower()}: {description}.",
    )  # fmt: skip
    pdf.set_font(FONT, "", 8)
    for index, (month, number, marker) in enumerate(months):
        bar = 0.0 if number is None else height * number / highest
        pdf.set_xy(x0 + index * slot, top + height - bar - label)
        pdf.cell(slot, label, marker, align="C")
        pdf.set_xy(x0 + index * slot, top + height + 0.5)
        pdf.cell(slot, label, month, align="C")
    pdf.set_y(top + height + label + 3)


def _bars_svg(numbers: Sequence[int | None], highest: int, slot: float, height: float) -> str:
    width = slot * len(numbers)
    bars = "".join(
        f'<rect x="{i * slot + slot * 0.2:.2f}" y="{height - height * n / highest:.2f}" '
        f'width="{slot * 0.6:.2f}" height="{height * n / highest:.2f}" fill="#154273"/>'
        for i, n in enumerate(numbers) if n
    )  # fmt: skip
    axis = f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#5a5a5a" ' \
        'stroke-width="0.3"/>'  # fmt: skip
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2f}mm" height="{height}mm" '
        f'viewBox="0 0 {width:.2f} {height}">{bars}{axis}</svg>'
    )


def _figures(pdf: FPDF, tables: Sequence[Table]) -> None:
    for table in tables:
        if table.name in ONLY_ONLINE:
            continue
        if table.name in CHARTED and table.rows:
            _chart(pdf, table)
        _table(pdf, table)


def quarterly_report(
    *, quarter: Quarter, tour: list[Table], release: Release | None, updated: str | None
) -> bytes:
    """The tour's figures of ``quarter`` (exact) and its release of figures about people, as
    released (or a note that it is not released yet), after a page on the two kinds."""
    pdf = _new_report(quarter)
    pdf.add_page()
    heading(pdf, f"Voortgangsrapportage On Tour – {quarter.label}", level=0)
    paragraph(pdf, f"Periode: {_period(quarter.first_day, quarter.last_day)}. "
               + (f"Tourcijfers bijgewerkt tot {format_datumtijd(updated)}." if updated
                  else "Nog geen tourcijfers verwerkt."), size=11)  # fmt: skip
    paragraph(pdf,
        "Het Ondersteuningsteam Weerbaar Bestuur bezoekt gemeenteraden en Provinciale Staten "
        "(eerst een voorgesprek, dan een sessie) en biedt nazorg door ervaren collega's aan "
        "ambtsdragers die zijn bedreigd of geïntimideerd. Deze rapportage geeft de cijfers van "
        f"het {quarter.label}: eerst de tour, dan de vrijgegeven cijfers over personen.",
    )  # fmt: skip
    heading(pdf, "Twee soorten cijfers", level=1)
    for title, text in TWO_KINDS:
        heading(pdf, title, level=2)
        paragraph(pdf, text)
    paragraph(pdf, "Bron van het register van gemeenten en provincies: CBS, Kadaster "
               "(CC BY 4.0). Het bereik per gemeente staat op het dashboard en in de exports.",
               size=9)  # fmt: skip
    pdf.add_page()
    heading(pdf, f"Tour: {quarter.label}", level=1)
    _figures(pdf, tour)
    pdf.add_page()
    heading(pdf, f"Cijfers over personen: vrijgave {quarter.id}", level=1)
    if release is None:
        paragraph(pdf, f"Het {quarter.label} is nog niet vrijgegeven: dat gebeurt na afloop van "
                   "het kwartaal en een bezinktijd van 10 werkdagen.")  # fmt: skip
    else:
        _figures(pdf, release_tables(release))
    return bytes(pdf.output())


def _period(first: date, last: date) -> str:
    return f"{format_datum(first)} tot en met {format_datum(last)}"
