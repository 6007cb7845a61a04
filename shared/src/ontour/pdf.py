"""Printable Dutch documents as PDF (fpdf2), the same setup for every service that makes one.

What a document checker asks of a PDF, as far as fpdf2 can give it: an embedded font with
every Dutch diacritic (Lato, SIL Open Font License, ``fonts/``), a title shown by the
reader, language ``nl-NL``, PDF 1.7, and an outline whose headings are tagged as headings.
fpdf2 cannot tag paragraphs and tables, so a document made here is not PDF/UA.

A letter the font lacks (an emoji, a Chinese character) is drawn as an empty box; fpdf2's
warning about it quotes those letters of the text, which may be personal (a statement about
a threat), so that warning never reaches a log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TypeVar

from fpdf import FPDF, TextStyle, ViewerPreferences

FONT = "Lato"
FONTS = Path(__file__).parent / "fonts"
BLUE, GREY = (21, 66, 115), (90, 90, 90)
SIDE_MARGIN, TOP_MARGIN, BOTTOM_MARGIN = 20.0, 18.0, 20.0  # mm; A4 is 210 x 297
AUTHOR = "Ondersteuningsteam Weerbaar Bestuur"

Document = TypeVar("Document", bound=FPDF)


def _not_quoting_the_text(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Font %s is missing the following glyphs")


logging.getLogger("fpdf.output").addFilter(_not_quoting_the_text)


def new_document(
    document: type[Document], *, title: str, subject: str, author: str = AUTHOR
) -> Document:
    """An A4 document of class ``document`` (an :class:`FPDF` with its own header and
    footer), its metadata set, Lato registered and the section styles of three levels."""
    pdf = document(format="A4")
    pdf.pdf_version = "1.7"  # the version PDF/UA builds on; fpdf2 writes 1.3 unless asked
    pdf.set_title(title)
    pdf.set_subject(subject)
    pdf.set_author(author)
    pdf.set_lang("nl-NL")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_font(FONT, "", FONTS / "Lato-Regular.ttf")
    pdf.add_font(FONT, "B", FONTS / "Lato-Bold.ttf")
    pdf.set_margins(SIDE_MARGIN, TOP_MARGIN, SIDE_MARGIN)
    pdf.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
    pdf.set_section_title_styles(
        TextStyle(FONT, "B", 18, BLUE, b_margin=2),
        TextStyle(FONT, "B", 14, BLUE, t_margin=4, b_margin=2),
        TextStyle(FONT, "B", 11, (0, 0, 0), t_margin=3, b_margin=1),
    )
    return pdf


def heading(pdf: FPDF, text: str, level: int) -> None:
    """A heading in the outline and in the structure tree. fpdf2 tags a section title as a
    figure without alternative text, which a screen reader announces as an image and a PDF/UA
    checker rejects: it becomes the heading it is (H1 to H3). fpdf2's structure tree is not
    public API; uv.lock pins fpdf2 and the tests read the tags back with poppler."""
    pdf.start_section(text, level=level)
    pdf.struct_builder.doc_struct_elem.k[-1].s = f"/H{level + 1}"


def paragraph(pdf: FPDF, text: str, size: float = 10) -> None:
    pdf.set_font(FONT, "", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def keep_with_next(pdf: FPDF, height: float) -> None:
    """A heading stays with what follows it: a new page when ``height`` mm does not fit."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


class PagedDocument(FPDF):
    """A document with its sender at the top right of every page and "Pagina n van m" below."""

    sender = AUTHOR

    def header(self) -> None:
        self.set_y(10)
        self.set_font(FONT, "", 8)
        self.set_text_color(*BLUE)
        self.cell(0, 5, self.sender, align="R")
        self.set_text_color(0, 0, 0)
        self.set_y(TOP_MARGIN)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 4, f"Pagina {self.page_no()} van {{nb}}", align="C")
        self.set_text_color(0, 0, 0)
