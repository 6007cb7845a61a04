"""The common PDF setup: a document's text never reaches a log, also not the letters the
font lacks (fpdf2 quotes them in a warning)."""

from __future__ import annotations

import logging

from ontour.pdf import PagedDocument, heading, new_document, paragraph


def test_letters_the_font_lacks_are_not_quoted_in_a_log(caplog):
    pdf = new_document(PagedDocument, title="Verklaring", subject="Proef")
    pdf.add_page()
    heading(pdf, "Wat er gebeurde", level=0)
    paragraph(pdf, "Hij stuurde 😡 en 中文 en schreef: geïntimideerd.")
    with caplog.at_level(logging.DEBUG):
        document = bytes(pdf.output())
    assert document.startswith(b"%PDF-1.7")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "😡" not in logged and "中" not in logged
