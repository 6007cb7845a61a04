"""The quarterly report as a reader and a checker see it: a realistic quarter (12 provinces,
an organisation that may not be named, a release full of "<5") rendered by poppler, the PDF
tools a ministry's document checker also uses. Metadata and fonts by ``pdfinfo``/``pdffonts``,
the words and their boxes by ``pdftotext -bbox``, the ink by ``pdftoppm``."""

from __future__ import annotations

import html
import io
import itertools
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from reporting.domain.quarters import Quarter
from reporting.domain.release import CaseFacts, VoorgesprekFacts, build_release
from reporting.models import RmOrganisation, RmSession, RmVoorgesprek
from reporting.report import quarterly_report
from reporting.usecases.figures import Period, Table, tour_figures

QUARTER = Quarter(2025, 3)
POPPLER = ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm")
MM = 72 / 25.4  # points per millimetre
# Nothing may come closer to the paper's edge than this (A4: 210 x 297 mm).
SIDE_MARGIN_MM, TOP_BOTTOM_MARGIN_MM = 20, 10
MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
          "december")  # fmt: skip
PROVINCES = [
    ("PV20", "Groningen"), ("PV21", "Fryslân"), ("PV22", "Drenthe"), ("PV23", "Overijssel"),
    ("PV24", "Flevoland"), ("PV25", "Gelderland"), ("PV26", "Utrecht"),
    ("PV27", "Noord-Holland"), ("PV28", "Zuid-Holland"), ("PV29", "Zeeland"),
    ("PV30", "Noord-Brabant"), ("PV31", "Limburg"),
]  # fmt: skip


def poppler(tool: str, *arguments: str | Path) -> str:
    """Run a poppler tool; missing locally it skips saying so, missing in CI it fails."""
    if shutil.which(tool) is None:
        message = f"{tool} ontbreekt: installeer het Debian-pakket poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(
        [tool, *map(str, arguments)], check=True, capture_output=True, text=True, errors="replace"
    ).stdout


def a_quarter_of_the_tour() -> list[Table]:
    organisations = [RmOrganisation(code=code, name=name, kind="provincie", province_code=code)
                     for code, name in PROVINCES]  # fmt: skip
    for number, (province, name) in enumerate(PROVINCES):
        organisations += [
            RmOrganisation(code=f"GM{number * 10 + n:04d}", name=f"{name}-gemeente {n}",
                           kind="gemeente", province_code=province,
                           not_published=(number, n) == (3, 2))
            for n in range(1, 5)
        ]  # fmt: skip
    gemeenten = [o for o in organisations if o.kind == "gemeente"]
    held = [
        RmVoorgesprek(id=uuid.uuid4(), organisation_code=o.code, status="gehouden",
                      held_on=QUARTER.first_day + timedelta(days=(7 * n) % 90), revision=1,
                      session_wish="ja")
        for n, o in enumerate(gemeenten[:40])
    ]  # fmt: skip
    sessions = [
        RmSession(id=uuid.uuid4(), organisation_code=v.organisation_code, status="gehouden",
                  on=v.held_on + timedelta(days=20), revision=1, participants=25,
                  evaluation_score=8, planned_at=None)
        for v in held[:14]
    ]  # fmt: skip
    return tour_figures(
        organisations, held, sessions, period=Period(QUARTER.first_day, QUARTER.last_day),
        province=None, today=date(2026, 12, 6), tour_start=date(2022, 6, 1),
        tour_end=date(2027, 12, 31), target_sessions=400,
    )  # fmt: skip


def a_release_of_few_requests():
    """Three requests: every month of the quarter is "<5"."""
    cases = [CaseFacts(role="raadslid", incidents=("bedreiging",), wants_woman=False,
                       requested_on=QUARTER.first_day + timedelta(days=30 * n))
             for n in range(3)]  # fmt: skip
    held = [VoorgesprekFacts(QUARTER.first_day + timedelta(days=n), ("online",), 1)
            for n in range(6)]  # fmt: skip
    return build_release(QUARTER, cases, held, [], 5)


@pytest.fixture(scope="module")
def tour() -> list[Table]:
    return a_quarter_of_the_tour()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, tour: list[Table]) -> Path:
    path = tmp_path_factory.mktemp("report") / "kwartaalrapportage.pdf"
    path.write_bytes(quarterly_report(
        quarter=QUARTER, tour=tour, release=a_release_of_few_requests(),
        updated="2026-12-06T10:33:10.670483+00:00",
    ))  # fmt: skip
    return path


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    def overlaps(self, other: Word) -> bool:
        """Their boxes share more than a sliver: half a point across, and half the height of the
        smaller one (lines set closer than a font's full box are fine)."""
        across = min(self.x_max, other.x_max) - max(self.x_min, other.x_min)
        down = min(self.y_max, other.y_max) - max(self.y_min, other.y_min)
        smaller = min(self.y_max - self.y_min, other.y_max - other.y_min)
        return across > 0.5 and down > smaller / 2

    def __str__(self) -> str:
        return (f"p.{self.page} '{self.text}' at x {self.x_min / MM:.1f}-{self.x_max / MM:.1f} mm,"
                f" y {self.y_min / MM:.1f}-{self.y_max / MM:.1f} mm")  # fmt: skip


def words(pdf: Path) -> tuple[list[Word], list[tuple[float, float]]]:
    """Every word with its box (points, from the top left), and each page's size."""
    page_tag = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
    word_tag = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    )
    found, pages = [], []
    for chunk in poppler("pdftotext", "-bbox", pdf, "-").split("</page>"):
        if size := page_tag.search(chunk):
            pages.append((float(size[1]), float(size[2])))
            found += [Word(len(pages), html.unescape(m[5]), *map(float, m.groups()[:4]))
                      for m in word_tag.finditer(chunk)]  # fmt: skip
    return found, pages


def test_the_report_says_what_it_is_in_dutch_with_its_own_fonts(report: Path, tour: list[Table]):
    info = dict(line.split(":", 1) for line in poppler("pdfinfo", report).splitlines())
    assert "Voortgangsrapportage On Tour" in info["Title"]
    assert info["Tagged"].strip() == "yes"
    assert float(info["PDF version"]) >= 1.7
    assert PdfReader(report).trailer["/Root"]["/Lang"] == "nl-NL"
    fonts = poppler("pdffonts", report).splitlines()[2:]
    assert fonts, "no fonts at all"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the 'emb' column
    assert not any("Helvetica" in line for line in fonts), fonts
    text = " ".join(poppler("pdftotext", report, "-").split())
    assert "geïntimideerd" in text and "coördinator" in text
    assert "1 juli 2025 tot en met 30 september 2025" in text
    assert "bijgewerkt tot 6 december 2026 om 11:33" in text, "in Amsterdam time"
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text), "a raw ISO timestamp"
    assert not re.search(r"\d\d-\d\d-\d{4}", text), "a date in figures, not in words"
    assert re.search(rf"\d{{1,2}} ({MONTHS}) \d{{4}}", text)
    heading_words = {word for table in tour for column in table.columns for word in column.split()}
    assert heading_words - set(text.split()) == set(), "headings wrap between words, not inside"
    assert "Twee soorten cijfers" in text and "te weinig waarnemingen" in text.lower()
    tags = [line.split()[0] for line in poppler("pdfinfo", "-struct", report).splitlines()]
    assert tags[0] == "Document" and tags.count("H1") == 1 and tags.count("H2") == 3, tags
    assert set(tags) == {"Document", "H1", "H2", "H3", "Figure"}, "headings and charts only"
    assert [alt for alt in _structure(report, "/Figure", "/Alt")] == [
        "Staafdiagram voorgesprekken gehouden per maand: jul 2025: 16, aug 2025: 12, sep 2025: 12.",
        "Staafdiagram sessies gehouden per maand: jul 2025: 3, aug 2025: 4, sep 2025: 5.",
    ]  # the release's months are all "<5": no chart, so no figure
    assert _structure(report, "/H1", "/T") == ["Voortgangsrapportage On Tour – 3e kwartaal 2025"]
    outline = [item.title for item in _flat(PdfReader(report).outline)]
    assert "Twee soorten cijfers" in outline and "Tour: 3e kwartaal 2025" in outline, outline


def _structure(pdf: Path, kind: str, entry: str) -> list[str]:
    """The ``entry`` of every structure element of ``kind`` (all are children of Document)."""
    document = PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"]["/K"]
    document = (document[0] if isinstance(document, list) else document).get_object()
    elements = [element.get_object() for element in document["/K"]]
    return [str(element[entry]) for element in elements if element["/S"] == kind]


def _flat(outline: list) -> list:
    return list(itertools.chain.from_iterable(
        _flat(item) if isinstance(item, list) else [item] for item in outline
    ))  # fmt: skip


def layout_faults(pdf: Path) -> list[str]:
    """Words past the margins and words on top of each other, one line each."""
    found, pages = words(pdf)
    outside = [
        f"outside the margins: {w}" for w in found
        if w.x_min < SIDE_MARGIN_MM * MM - 0.5
        or w.x_max > pages[w.page - 1][0] - SIDE_MARGIN_MM * MM + 0.5
        or w.y_min < TOP_BOTTOM_MARGIN_MM * MM
        or w.y_max > pages[w.page - 1][1] - TOP_BOTTOM_MARGIN_MM * MM
    ]  # fmt: skip
    overlapping = [
        f"overlapping: {a}  <>  {b}" for a, b in itertools.combinations(found, 2)
        if a.page == b.page and a.overlaps(b)
    ]  # fmt: skip
    return outside + overlapping


def test_no_text_overlaps_and_nothing_crosses_the_margins(report: Path):
    found, pages = words(report)
    assert len(pages) >= 3 and len(found) > 300
    faults = layout_faults(report)
    assert not faults, "\n".join(faults)


def test_a_quarter_without_figures_is_a_short_report_that_says_so(tmp_path: Path):
    empty = tour_figures(
        [], [], [], period=Period(QUARTER.first_day, QUARTER.last_day), province=None,
        today=date(2026, 12, 6), tour_start=date(2022, 6, 1), tour_end=date(2027, 12, 31),
        target_sessions=400,
    )  # fmt: skip
    path = tmp_path / "leeg.pdf"
    path.write_bytes(quarterly_report(quarter=QUARTER, tour=empty, release=None, updated=None))
    text = " ".join(poppler("pdftotext", path, "-").split())
    assert "Nog geen tourcijfers verwerkt." in text and "Geen cijfers voor deze periode." in text
    assert "3e kwartaal 2025 is nog niet vrijgegeven" in text
    assert "grafiek" not in text, "no chart of a table without rows"
    faults = layout_faults(path)
    assert not faults, "\n".join(faults)


def test_the_rendered_pages_keep_their_ink_inside_the_margins(report: Path, tmp_path: Path):
    """Bars, rules and table borders too, not only the text."""
    dpi = 50
    poppler("pdftoppm", "-r", dpi, "-png", report, tmp_path / "pagina")
    rendered = sorted(tmp_path.glob("pagina-*.png"))
    assert len(rendered) >= 3
    crossing = []
    for number, png in enumerate(rendered, start=1):
        image = Image.open(io.BytesIO(png.read_bytes())).convert("L")
        inked = image.point(lambda shade: 255 if shade < 200 else 0).getbbox()
        assert inked, f"page {number} is blank"
        side = round((SIDE_MARGIN_MM - 1) / 25.4 * dpi)
        top_bottom = round((TOP_BOTTOM_MARGIN_MM - 1) / 25.4 * dpi)
        left, top, right, bottom = inked
        if (left < side or right > image.width - side or top < top_bottom
                or bottom > image.height - top_bottom):  # fmt: skip
            crossing.append(f"page {number}: ink at {inked} on {image.size} pixels")
    assert not crossing, crossing


def test_a_table_as_wide_as_the_page_is_rendered(tmp_path: Path):
    """A label column that takes exactly the room left made the widths add up to a rounding
    error more than the page (170.00155555555554 mm against 170.0015555555555), which fpdf2
    refused: the quarter's PDF answered 500 (found by schemathesis on the Melden helpt table)."""
    wide = Table(
        name="breed",
        title="Een tabel zo breed als de pagina",
        columns=["aantal Noord-Holland Noord-Holland",
                 "agressieprotocol Friesland Groningen Noord-Holland", "aandeel voorgesprek",
                 "uitgesplitst niet", "aantal totaal aandeel", "uitgesplitst", "aandeel aandeel",
                 "organisaties aantal niet aandeel"],
        rows=[["aantal niet niet aandeel met met aantal",
               "3666", "30094", "83279", "23227", "72188", "76606", "23695"],
              ["bij bij", "33461", "4254", "88226", "9234", "10909", "2187", "59375"],
              ["bij", "36857", "32710", "35211", "14350", "81894", "24197", "45144"]],
    )  # fmt: skip
    path = tmp_path / "breed.pdf"
    path.write_bytes(quarterly_report(quarter=QUARTER, tour=[wide], release=None, updated=None))
    text = " ".join(poppler("pdftotext", path, "-").split())
    assert "Een tabel zo breed als de pagina" in text and "83279" in text
    faults = layout_faults(path)
    assert not faults, "\n".join(faults)
