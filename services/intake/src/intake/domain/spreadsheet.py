"""Reading the team's existing voorgesprekken from a spreadsheet (the bulk import), pure.

Rows come in as ``dict[str, str]`` (CSV via ``read_csv_text``, XLSX via openpyxl in the
service). Every row ends up in exactly one ``RowReport``: imported (valid), rejected (with Dutch
reasons naming the column), skipped (empty) or duplicate. Nothing is dropped silently.

Importing the same file twice must not create duplicates: each valid row carries an
``idempotency_key`` (a hash of its normalised content) that the service stores and checks.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from ontour.contracts.intake import OrganisationCode, Periode
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intake.domain.lookup import OrganisationLookup, OrganisationNotFound
from intake.domain.periods import PeriodUnreadable, parse_periods
from intake.domain.rows import FIRST_DATA_ROW, RowError, columns_of
from intake.domain.text import clean, fold, match_key
from intake.domain.vocabulary import (
    DeelnemerRol,
    GespreksVorm,
    IncidentCategorie,
    SessieVorm,
    SessieWens,
    Thema,
    VoorgesprekStatus,
    Weekdag,
    allowed_values,
    parse_choice,
)
from intake.domain.voorgesprek import VoorgesprekContent

# Bumped when the key's recipe changes, so old and new keys can never collide by accident.
_KEY_VERSION = "voorgesprek-import/v2"  # v2: structured periods, two yes/no columns
_MAX_NAME = 100
_MAX_SHORT_TEXT = 200
_MAX_NOTE = 4000
_MAX_COUNT = 1000
_YEARS = (2000, 2099)


class InvalidValue(ValueError):
    """A cell that cannot be read; ``reason`` is Dutch and fits after "kolom 'x': "."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- single values ------------------------------------------------------------------------------

MONTHS: Mapping[str, int] = {
    "januari": 1, "jan": 1,
    "februari": 2, "feb": 2, "febr": 2,
    "maart": 3, "mrt": 3, "mar": 3, "maa": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_WEEKDAY_WORDS = "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|ma|di|wo|do|vr|za|zo"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})")
_WRITTEN = re.compile(
    rf"(?:(?:{_WEEKDAY_WORDS})\.?,?\s+)?(\d{{1,2}})\.?[\s-]+([a-z]+)\.?[\s-]+(\d{{2}}|\d{{4}})"
)
_DATE_HELP = "gebruik dd-mm-jjjj, jjjj-mm-dd of bijvoorbeeld 3 maart 2024"


def parse_date(text: str | None) -> date:
    """A date as people write it in a Dutch spreadsheet; raises ``InvalidValue``.

    Accepted: ``03-03-2024``, ``3-3-2024``, ``3/3/2024``, ``3.3.2024``, ``2024-03-03`` (also with a
    time, as spreadsheet exports add), ``3 maart 2024``, ``3 mrt. 2024``, ``3-mrt-2024``,
    ``zondag 3 maart 2024``. Two-digit years are refused: "24" could be a typo for anything.
    """
    value = fold(text)
    if not value:
        raise InvalidValue("ontbreekt")
    if m := _ISO.fullmatch(value):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _DAY_FIRST.fullmatch(value):
        day, month, year_text = int(m[1]), int(m[2]), m[3]
        year = _four_digit_year(year_text, text)
    elif m := _WRITTEN.fullmatch(value):
        day, month_name, year_text = int(m[1]), m[2], m[3]
        if month_name not in MONTHS:
            raise InvalidValue(f"'{clean(text)}': onbekende maand '{month_name}'")
        month = MONTHS[month_name]
        year = _four_digit_year(year_text, text)
    else:
        raise InvalidValue(f"'{clean(text)}' is geen datum; {_DATE_HELP}")
    if not _YEARS[0] <= year <= _YEARS[1]:
        raise InvalidValue(f"'{clean(text)}': jaartal {year} is niet aannemelijk")
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(f"'{clean(text)}': deze datum bestaat niet") from None


def _four_digit_year(year_text: str, original: str | None) -> int:
    if len(year_text) != 4:
        raise InvalidValue(f"'{clean(original)}': schrijf het jaartal voluit (4 cijfers)")
    return int(year_text)


_TIME = re.compile(r"(\d{1,2})(?:[:.u](\d{2})?)?(?::\d{2})?(?:\s*uur)?")


def parse_time(text: str | None) -> time | None:
    """A start time (``14:30``, ``14.30``, ``14u30``, ``14 uur``), or None when empty."""
    value = fold(text)
    if not value:
        return None
    m = _TIME.fullmatch(value)
    if m is None or not (0 <= int(m[1]) <= 23 and 0 <= int(m[2] or 0) <= 59):
        raise InvalidValue(f"'{clean(text)}' is geen tijd; gebruik uu:mm, bijvoorbeeld 19:30")
    return time(int(m[1]), int(m[2] or 0))


E = TypeVar("E", bound=StrEnum)


def parse_one(enum: type[E], text: str | None, *, what: str) -> E | None:
    """One value from a closed list, or None when the cell is empty."""
    value = clean(text)
    if not value:
        return None
    member = parse_choice(enum, value)
    if member is None:
        raise InvalidValue(f"onbekende {what} '{value}'; kies {allowed_values(enum)}")
    return member


def split_list(text: str | None) -> list[str]:
    """Parts of a list cell, separated by ``;``, ``,``, ``|`` or a line break (Alt+Enter)."""
    return [part for part in (clean(p) for p in re.split(r"[;,|\n]", text or "")) if part]


def parse_many(enum: type[E], text: str | None, *, what: str) -> tuple[E, ...]:
    """Values from a closed list, in the list's own order, each once (so order doesn't matter)."""
    if not text:
        return ()
    found: set[E] = set()
    unknown = []
    for part in split_list(text):
        member = parse_choice(enum, part)
        if member is None:
            unknown.append(part)
        else:
            found.add(member)
    if unknown:
        names = ", ".join(f"'{u}'" for u in unknown)
        raise InvalidValue(f"onbekende {what} {names}; kies uit {allowed_values(enum)}")
    return tuple(member for member in enum if member in found)


def parse_count(text: str | None) -> int:
    """A number of people or incidents; empty is 0, "x"/"ja" (a ticked box) is 1."""
    value = fold(text)
    if value in ("", "-", "nee", "0"):
        return 0
    if value in ("x", "ja", "v", "✓"):
        return 1
    # Spreadsheets hand over whole numbers as "3.0".
    if m := re.fullmatch(r"(\d+)(?:[.,]0+)?", value):
        count = int(m[1])
        if count > _MAX_COUNT:
            raise InvalidValue(f"{count} is niet aannemelijk (hoogstens {_MAX_COUNT})")
        return count
    raise InvalidValue(f"'{clean(text)}' is geen aantal; vul een heel getal in")


def parse_yes_no(text: str | None) -> bool:
    """A yes/no cell: empty, "nee" or "0" is no; "ja", "x", "1" (a ticked box) is yes."""
    value = fold(text)
    if value in ("", "nee", "n", "no", "0", "-"):
        return False
    if value in ("ja", "j", "yes", "x", "1", "v", "✓"):
        return True
    raise InvalidValue(f"'{clean(text)}': vul ja of nee in")


def _periods(text: str | None) -> tuple[Periode, ...]:
    try:
        return parse_periods(text, parse_date)
    except PeriodUnreadable as problem:
        raise InvalidValue(problem.reason) from None


def parse_names(text: str | None) -> tuple[str, ...]:
    """Teamleden: names separated by ``;``, ``,``, ``/``, ``&`` or "en", in a stable order."""
    parts = re.split(r"[;,|/&\n]|\s+en\s+", clean(text))
    names = {clean(p) for p in parts if clean(p)}
    too_long = [n for n in names if len(n) > _MAX_NAME]
    if too_long:
        raise InvalidValue(f"een naam is langer dan {_MAX_NAME} tekens")
    return tuple(sorted(names, key=lambda n: (fold(n), n)))


def _text(text: str | None, limit: int, *, keep_lines: bool = False) -> str | None:
    """Free text within a limit; a note keeps its line breaks, short fields are one line."""
    value = (text or "").strip() if keep_lines else clean(text)
    if len(value) > limit:
        raise InvalidValue(f"langer dan {limit} tekens")
    return value or None


# --- the template -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    name: str
    required: bool
    description: str


_ROLE_COLUMNS = {f"deelnemers_{match_key(r.value).replace(' ', '_')}": r for r in DeelnemerRol}

TEMPLATE: tuple[TemplateColumn, ...] = (
    TemplateColumn("organisatie", True, "CBS-code (GM0363, PV27) of naam van gemeente/provincie"),
    TemplateColumn("datum", True, "datum van het voorgesprek"),
    TemplateColumn("tijd", False, "begintijd, uu:mm"),
    TemplateColumn("status", False, "gehouden (standaard), gepland of geannuleerd"),
    TemplateColumn("vorm", True, "fysiek, online of telefonisch"),
    TemplateColumn("teamleden", False, "teamleden die het voorgesprek voerden, gescheiden door ;"),
    *(
        TemplateColumn(column, False, f"aantal deelnemers: {role.value}")
        for column, role in _ROLE_COLUMNS.items()
    ),
    TemplateColumn("thema's", False, "besproken thema's, gescheiden door ; of ,"),
    TemplateColumn("incidenten_aantal", False, "aantal bekende incidenten (geen details)"),
    TemplateColumn("incidenten_categorieen", False, "soorten incidenten, gescheiden door ;"),
    TemplateColumn("sessiewens", False, "ja, nee of later"),
    TemplateColumn(
        "sessievorm", False, "plenaire raad, fractievoorzitters, informatiebijeenkomst of Staten"
    ),
    TemplateColumn(
        "voorkeursperiode",
        False,
        "gewenste periode(n), bijvoorbeeld najaar 2025 of maart t/m mei 2025",
    ),
    TemplateColumn("voorkeursavonden", False, "weekdagen die de voorkeur hebben"),
    TemplateColumn("vergaderavonden_vermijden", False, "weekdagen met raads-/Statenvergadering"),
    TemplateColumn("verwachte_deelnemers", False, "verwacht aantal deelnemers aan de sessie"),
    TemplateColumn("locatie", False, "locatie van de sessie"),
    TemplateColumn(
        "aandacht_online_intimidatie_vrouwen", False, "ja als de sessie daar aandacht aan geeft"
    ),
    TemplateColumn("college_neemt_deel", False, "ja als burgemeester of wethouders meedoen"),
    TemplateColumn("vertrouwelijke_notitie", False, "vertrouwelijke notitie (persoonsgegevens)"),
)
TEMPLATE_COLUMNS: tuple[str, ...] = tuple(column.name for column in TEMPLATE)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in TEMPLATE if c.required)


def _header_key(header: str) -> str:
    return match_key(header).replace(" ", "_")


# Other headers people use for our columns, compared with _header_key().
_HEADER_ALIASES: Mapping[str, str] = {
    "gemeente": "organisatie",
    "provincie": "organisatie",
    "organisatie_code": "organisatie",
    "cbs_code": "organisatie",
    "code": "organisatie",
    "datum_voorgesprek": "datum",
    "begintijd": "tijd",
    "gespreksvorm": "vorm",
    "vorm_gesprek": "vorm",
    "teamlid": "teamleden",
    "thema": "thema's",
    "onderwerpen": "thema's",
    "sessie_gewenst": "sessiewens",
    "wens_sessie": "sessiewens",
    "notitie": "vertrouwelijke_notitie",
    "opmerkingen": "vertrouwelijke_notitie",
}
_HEADERS: Mapping[str, str] = {
    **{_header_key(alias): column for alias, column in _HEADER_ALIASES.items()},
    **{_header_key(column): column for column in TEMPLATE_COLUMNS},
}


@lru_cache(maxsize=1024)
def canonical_header(header: str) -> str | None:
    """The template column a header means, or None for a column the import ignores."""
    return _HEADERS.get(_header_key(header))


# --- one row ------------------------------------------------------------------------------------


class VoorgesprekImportRow(BaseModel):
    """One voorgesprek read from a spreadsheet row, valid and normalised.

    ``held_on`` is the voorgesprek's date (when ``status`` is gepland: the planned date).
    Whether a "gehouden" date lies in the future is the service's rule, not this parser's.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation_code: OrganisationCode
    held_on: date
    start_time: time | None = None
    status: VoorgesprekStatus = VoorgesprekStatus.GEHOUDEN
    mode: GespreksVorm
    teamleden: tuple[str, ...] = ()
    participants: dict[DeelnemerRol, int] = Field(default_factory=dict)
    themes: tuple[Thema, ...] = ()
    incident_count: int | None = Field(default=None, ge=0)
    incident_categories: tuple[IncidentCategorie, ...] = ()
    session_wish: SessieWens | None = None
    session_format: SessieVorm | None = None
    preferred_periods: tuple[Periode, ...] = ()
    preferred_weekdays: tuple[Weekdag, ...] = ()
    avoid_weekdays: tuple[Weekdag, ...] = ()
    expected_participants: int | None = Field(default=None, ge=0)
    location: str | None = None
    attention_online_intimidation_women: bool = False
    college_takes_part: bool = False
    confidential_note: str | None = None

    @property
    def idempotency_key(self) -> str:
        """Equal for rows that say the same thing, however the cells were spelled."""
        content = json.dumps(
            [_KEY_VERSION, self.model_dump(mode="json")], sort_keys=True, ensure_ascii=False
        )
        return hashlib.sha256(content.encode("utf-8")).hexdigest()

    def content(self) -> VoorgesprekContent:
        """The voorgesprek this row describes (import-only fields left out)."""
        return VoorgesprekContent.model_validate(self.model_dump())

    @property
    def natural_key(self) -> tuple[str, date]:
        """Organisation and date: two rows sharing it are probably the same voorgesprek."""
        return (self.organisation_code, self.held_on)


def _cells(raw: Mapping[str, Any]) -> dict[str, str]:
    """The row's cells under template column names; the first filled-in one wins."""
    cells: dict[str, str] = {}
    for header, value in raw.items():
        column = canonical_header(str(header)) if header is not None else None
        text = "" if value is None else str(value)
        if column is not None and (column not in cells or not clean(cells[column])):
            cells[column] = text
    return cells


def is_empty_row(raw: Mapping[str, Any]) -> bool:
    return all(not clean(None if v is None else str(v)) for v in raw.values())


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A valid row, plus notes on how a cell was read (e.g. an old municipality name)."""

    record: VoorgesprekImportRow
    notes: tuple[str, ...] = ()


def parse_import_row(
    raw: Mapping[str, Any], lookup: OrganisationLookup, *, row_number: int
) -> ParsedRow | list[RowError]:
    """One spreadsheet row: a valid voorgesprek, or every error in it (Dutch, per column)."""
    cells = _cells(raw)
    errors: list[RowError] = []
    values: dict[str, Any] = {}
    notes: list[str] = []

    def read(column: str, field: str, parse: Callable[[str | None], Any]) -> None:
        try:
            values[field] = parse(cells.get(column))
        except InvalidValue as problem:
            errors.append(RowError(row_number, column, problem.reason))

    try:
        match = lookup.find(cells.get("organisatie"))
        values["organisation_code"] = match.organisation.cbs_code
        if match.note:
            notes.append(match.note)
    except OrganisationNotFound as problem:
        errors.append(RowError(row_number, "organisatie", problem.reason))

    read("datum", "held_on", parse_date)
    read("tijd", "start_time", parse_time)
    read(
        "status",
        "status",
        lambda t: parse_one(VoorgesprekStatus, t, what="status") or VoorgesprekStatus.GEHOUDEN,
    )
    read("vorm", "mode", lambda t: _required(parse_one(GespreksVorm, t, what="vorm")))
    read("teamleden", "teamleden", parse_names)
    participants: dict[DeelnemerRol, int] = {}
    for column, role in _ROLE_COLUMNS.items():
        try:
            count = parse_count(cells.get(column))
        except InvalidValue as problem:
            errors.append(RowError(row_number, column, problem.reason))
            continue
        if count:
            participants[role] = count
    values["participants"] = participants
    read("thema's", "themes", lambda t: parse_many(Thema, t, what="thema"))
    read("incidenten_aantal", "incident_count", lambda t: parse_count(t) if clean(t) else None)
    read(
        "incidenten_categorieen",
        "incident_categories",
        lambda t: parse_many(IncidentCategorie, t, what="categorie"),
    )
    read("sessiewens", "session_wish", lambda t: parse_one(SessieWens, t, what="sessiewens"))
    read("sessievorm", "session_format", lambda t: parse_one(SessieVorm, t, what="sessievorm"))
    read("voorkeursperiode", "preferred_periods", _periods)
    read("voorkeursavonden", "preferred_weekdays", lambda t: parse_many(Weekdag, t, what="weekdag"))
    read(
        "vergaderavonden_vermijden",
        "avoid_weekdays",
        lambda t: parse_many(Weekdag, t, what="weekdag"),
    )
    read(
        "verwachte_deelnemers",
        "expected_participants",
        lambda t: parse_count(t) if clean(t) else None,
    )
    read("locatie", "location", lambda t: _text(t, _MAX_SHORT_TEXT))
    read("aandacht_online_intimidatie_vrouwen", "attention_online_intimidation_women", parse_yes_no)
    read("college_neemt_deel", "college_takes_part", parse_yes_no)
    read(
        "vertrouwelijke_notitie",
        "confidential_note",
        lambda t: _text(t, _MAX_NOTE, keep_lines=True),
    )

    if errors:
        return errors
    try:
        return ParsedRow(VoorgesprekImportRow(**values), tuple(notes))
    except ValidationError as invalid:  # a guard: the readers above should never let this by
        return [
            RowError(
                row_number, str(problem["loc"][0]) if problem["loc"] else "rij", problem["msg"]
            )
            for problem in invalid.errors()
        ]


def _required(value: E | None) -> E:
    if value is None:
        raise InvalidValue("ontbreekt")
    return value


# --- the whole file -----------------------------------------------------------------------------


class RowStatus(StrEnum):
    IMPORTED = "geimporteerd"
    REJECTED = "afgewezen"
    SKIPPED = "overgeslagen"
    DUPLICATE = "dubbel"


@dataclass(frozen=True, slots=True)
class RowReport:
    """The report line for one spreadsheet row.

    ``IMPORTED`` from ``check_import`` means "valid, to be imported"; the service turns it into
    ``DUPLICATE`` with ``already_imported()`` when it already holds the row's key.
    """

    row_number: int
    status: RowStatus
    reasons: tuple[str, ...] = ()
    errors: tuple[RowError, ...] = ()
    record: VoorgesprekImportRow | None = None

    @property
    def idempotency_key(self) -> str | None:
        return self.record.idempotency_key if self.record else None

    def already_imported(self) -> RowReport:
        return replace(
            self,
            status=RowStatus.DUPLICATE,
            reasons=(*self.reasons, "al eerder geïmporteerd (zelfde voorgesprek)"),
        )


@dataclass(frozen=True, slots=True)
class ImportCheck:
    """Every row's report, plus problems with the header row itself."""

    reports: tuple[RowReport, ...]
    header_errors: tuple[RowError, ...] = ()
    ignored_columns: tuple[str, ...] = ()

    @property
    def records(self) -> tuple[VoorgesprekImportRow, ...]:
        return tuple(r.record for r in self.reports if r.status is RowStatus.IMPORTED and r.record)

    def counts(self) -> dict[RowStatus, int]:
        return {s: sum(1 for r in self.reports if r.status is s) for s in RowStatus}


def check_header(columns: Sequence[str]) -> tuple[list[RowError], list[str]]:
    """Errors in the header row (missing or doubled columns) and the columns that are ignored."""
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    ignored: list[str] = []
    for header in columns:
        if not clean(header):
            continue
        column = canonical_header(header)
        if column is None:
            ignored.append(header)
        elif column in seen:
            errors.append(RowError(1, header, f"staat dubbel: '{seen[column]}' is dezelfde kolom"))
        else:
            seen[column] = header
    for column in REQUIRED_COLUMNS:
        if column not in seen:
            errors.append(RowError(1, column, "verplichte kolom ontbreekt in de kopregel"))
    return errors, ignored


def check_import(
    rows: Iterable[Mapping[str, Any]],
    lookup: OrganisationLookup,
    *,
    columns: Sequence[str] | None = None,
    first_row_number: int = FIRST_DATA_ROW,
) -> ImportCheck:
    """Check every row of an import file; one report per row, in file order.

    ``columns`` is the header row; without it the first row's keys are used. With a broken
    header every non-empty row is rejected (with the header's reason), so nothing is half read.
    """
    materialised = list(rows)
    header = list(columns) if columns is not None else columns_of(materialised)
    header_errors, ignored = check_header(header)
    reports: list[RowReport] = []
    first_with_key: dict[str, int] = {}
    for offset, raw in enumerate(materialised):
        number = first_row_number + offset
        if is_empty_row(raw):
            reports.append(RowReport(number, RowStatus.SKIPPED, ("lege rij",)))
            continue
        if header_errors:
            reports.append(
                RowReport(
                    number,
                    RowStatus.REJECTED,
                    tuple(str(e) for e in header_errors),
                    tuple(header_errors),
                )
            )
            continue
        parsed = parse_import_row(raw, lookup, row_number=number)
        if isinstance(parsed, list):
            reports.append(
                RowReport(number, RowStatus.REJECTED, tuple(str(e) for e in parsed), tuple(parsed))
            )
            continue
        key = parsed.record.idempotency_key
        if key in first_with_key:
            reports.append(
                RowReport(
                    number,
                    RowStatus.DUPLICATE,
                    (*parsed.notes, f"zelfde voorgesprek als rij {first_with_key[key]}"),
                    record=parsed.record,
                )
            )
            continue
        first_with_key[key] = number
        reports.append(RowReport(number, RowStatus.IMPORTED, parsed.notes, record=parsed.record))
    return ImportCheck(tuple(reports), tuple(header_errors), tuple(ignored))
