"""The statement draft as a printable PDF: the sections of :mod:`aftercare.domain.statement`
(exactly what was entered), in the common document setup of :mod:`ontour.pdf`."""

from __future__ import annotations

from fpdf import FPDF
from ontour.pdf import FONT, PagedDocument, heading, keep_with_next, new_document, paragraph

from aftercare.domain.statement import DOMICILE_EXPLAINED, NOTHING_SENT, Statement, sections

TITLE = "Verklaring voor melding of aangifte"


class _Statement(PagedDocument):
    sender = "Concept van de melder – niet verstuurd"


def _entry(pdf: FPDF, label: str, value: str) -> None:
    keep_with_next(pdf, 12)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
    paragraph(pdf, value, size=11)


def statement_pdf(statement: Statement) -> bytes:
    pdf = new_document(
        _Statement, title=TITLE, subject="Concept voor een melding of aangifte bij de politie"
    )
    pdf.add_page()
    heading(pdf, TITLE, level=0)
    paragraph(pdf, NOTHING_SENT, size=9)
    for title, entries in sections(statement):
        keep_with_next(pdf, 24)
        heading(pdf, title, level=1)
        for label, value in entries:
            _entry(pdf, label, value)
    heading(pdf, "Over het adres (domiciliekeuze)", level=1)
    paragraph(pdf, DOMICILE_EXPLAINED, size=9)
    return bytes(pdf.output())
