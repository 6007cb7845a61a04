"""Bulk import of existing voorgesprekken: reading messy spreadsheet rows."""

from __future__ import annotations

from datetime import date, time
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st
from intake.domain.lookup import OrganisationLookup
from intake.domain.rows import read_csv_text
from intake.domain.spreadsheet import (
    MONTHS,
    REQUIRED_COLUMNS,
    TEMPLATE_COLUMNS,
    InvalidValue,
    RowStatus,
    VoorgesprekImportRow,
    check_header,
    check_import,
    parse_count,
    parse_date,
    parse_import_row,
    parse_names,
    parse_time,
)
from intake.domain.vocabulary import (
    DeelnemerRol,
    GespreksVorm,
    SessieVorm,
    SessieWens,
    Thema,
    VoorgesprekStatus,
    Weekdag,
)
from intake.reference_data import load_aliases, load_former_names, load_register, read_data_file
from ontour.contracts.intake import Periode


@cache
def shipped_lookup() -> OrganisationLookup:
    """The shipped register as a lookup (the service builds its own from the database)."""
    return OrganisationLookup(
        load_register(), aliases=load_aliases(), former_names=load_former_names()
    )


@pytest.fixture(scope="module")
def lookup() -> OrganisationLookup:
    return shipped_lookup()


def _row(**cells: str) -> dict[str, str]:
    base = {"organisatie": "GM0363", "datum": "03-03-2024", "vorm": "fysiek"}
    return {**base, **cells}


def _parse(lookup: OrganisationLookup, **cells: str) -> VoorgesprekImportRow:
    parsed = parse_import_row(_row(**cells), lookup, row_number=2)
    assert not isinstance(parsed, list), parsed
    return parsed.record


def _errors(lookup: OrganisationLookup, **cells: str) -> list[tuple[str, str]]:
    parsed = parse_import_row(_row(**cells), lookup, row_number=7)
    assert isinstance(parsed, list), parsed
    assert all(error.row == 7 for error in parsed)
    return [(error.field, error.reason) for error in parsed]


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "03-03-2024",
        "3-3-2024",
        "3/3/2024",
        "03.03.2024",
        "2024-03-03",
        "2024-3-3",
        "2024-03-03 00:00:00",
        "2024-03-03T00:00:00",
        "3 maart 2024",
        "3 Maart 2024",
        "03 MAART 2024",
        "3 mrt 2024",
        "3 mrt. 2024",
        "3-mrt-2024",
        "zondag 3 maart 2024",
        "zo 3 mrt 2024",
        "  3 maart 2024  ",
        "03-03-2024\u00a0",
    ],
)
def test_parse_date_accepts_the_usual_spellings(text: str) -> None:
    assert parse_date(text) == date(2024, 3, 3)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "ontbreekt"),
        ("   ", "ontbreekt"),
        ("31-02-2024", "bestaat niet"),
        ("3-3-24", "4 cijfers"),
        ("3 maaart 2024", "onbekende maand"),
        ("volgende week", "geen datum"),
        ("03-03-1899", "niet aannemelijk"),
        ("2024-13-01", "bestaat niet"),
    ],
)
def test_parse_date_refuses_with_a_dutch_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_date(text)
    assert reason in refused.value.reason


_MONTH_NAMES = {number: [n for n, m in MONTHS.items() if m == number] for number in range(1, 13)}


@st.composite
def _written_dates(draw: st.DrawFn) -> tuple[date, str]:
    day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    style = draw(st.sampled_from(["dd-mm", "d-m", "iso", "slash", "written", "excel"]))
    if style == "dd-mm":
        text = day.strftime("%d-%m-%Y")
    elif style == "d-m":
        text = f"{day.day}-{day.month}-{day.year}"
    elif style == "iso":
        text = day.isoformat()
    elif style == "slash":
        text = f"{day.day}/{day.month}/{day.year}"
    else:
        month = draw(st.sampled_from(_MONTH_NAMES[day.month]))
        month = draw(st.sampled_from([month, month.upper(), month.capitalize(), month + "."]))
        sep = "-" if style == "excel" else " "
        text = f"{day.day}{sep}{month}{sep}{day.year}"
    padding = st.sampled_from(["", " ", "  ", "\t", "\u00a0"])
    return day, draw(padding) + text + draw(padding)


@given(_written_dates())
def test_any_date_in_any_supported_format_parses_back_to_itself(case: tuple[date, str]) -> None:
    day, text = case
    assert parse_date(text) == day


# --- other single cells -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("19:30", time(19, 30)), ("19.30", time(19, 30)), ("9:05", time(9, 5)),
     ("19u30", time(19, 30)), ("20 uur", time(20)), ("19:30:00", time(19, 30)), ("", None)],
)  # fmt: skip
def test_parse_time(text: str, expected: time | None) -> None:
    assert parse_time(text) == expected


def test_parse_time_refuses_nonsense() -> None:
    with pytest.raises(InvalidValue, match="geen tijd"):
        parse_time("25:00")


@pytest.mark.parametrize(
    ("text", "count"), [("", 0), ("3", 3), (" 12 ", 12), ("3.0", 3), ("x", 1), ("ja", 1)]
)
def test_parse_count(text: str, count: int) -> None:
    assert parse_count(text) == count


def test_parse_count_refuses_words_and_negatives() -> None:
    for text in ("veel", "-2", "2,5"):
        with pytest.raises(InvalidValue):
            parse_count(text)


def test_parse_names_splits_and_orders() -> None:
    assert parse_names("Tom Teamlid; fatima teamlid , Tom Teamlid") == (
        "fatima teamlid", "Tom Teamlid")  # fmt: skip
    assert parse_names("Tom en Fatima") == ("Fatima", "Tom")
    assert parse_names("") == ()


# --- organisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("GM0363", "GM0363"),
        ("gm0363 ", "GM0363"),
        ("Amsterdam", "GM0363"),
        ("  amsterdam  ", "GM0363"),
        ("Gemeente Amsterdam", "GM0363"),
        ("gemeenteraad van Amsterdam", "GM0363"),
        ("Súdwest-Fryslân", "GM1900"),
        ("sudwest fryslan", "GM1900"),
        ("'s-Hertogenbosch", "GM0796"),
        ("’s-Hertogenbosch", "GM0796"),
        ("s Hertogenbosch", "GM0796"),
        ("Den Bosch", "GM0796"),
        ("Den Haag", "GM0518"),
        ("Hengelo", "GM0164"),
        ("Bergen (NH)", "GM0373"),
        ("Bergen NH.", "GM0373"),
        ("Nuenen", "GM0820"),
        ("Provincie Utrecht", "PV26"),
        ("Provinciale Staten van Noord-Holland", "PV27"),
        ("PV21", "PV21"),
        ("Friesland", "PV21"),
        ("Provincie Fryslân", "PV21"),
        ("Gemeente Groningen", "GM0014"),
    ],
)
def test_organisation_by_code_or_name(lookup: OrganisationLookup, text: str, code: str) -> None:
    assert _parse(lookup, organisatie=text).organisation_code == code


@pytest.mark.parametrize(
    ("old", "code"),
    [("Haren", "GM0014"), ("Weesp", "GM0363"), ("Beemster", "GM0439"), ("Uden", "GM1991"),
     ("Hellevoetsluis", "GM1992"), ("Heerhugowaard", "GM1980"), ("Delfzijl", "GM1979"),
     ("Sint Anthonis", "GM1982"), ("oud-beijerland", "GM1963"), ("het Bildt", "GM1949")],
)  # fmt: skip
def test_old_name_of_a_merged_gemeente(lookup: OrganisationLookup, old: str, code: str) -> None:
    parsed = parse_import_row(_row(organisatie=old), lookup, row_number=2)
    assert not isinstance(parsed, list)
    assert parsed.record.organisation_code == code
    assert any("oude naam" in note for note in parsed.notes)


def test_unknown_organisation(lookup: OrganisationLookup) -> None:
    assert _errors(lookup, organisatie="Atlantis") == [
        ("organisatie", "onbekende organisatie 'Atlantis' (geen CBS-code of naam)")
    ]
    assert _errors(lookup, organisatie="GM9999") == [
        ("organisatie", "onbekende CBS-code GM9999")]  # fmt: skip
    assert _errors(lookup, organisatie="") == [("organisatie", "ontbreekt")]


@pytest.mark.parametrize("name", ["Groningen", "Utrecht", "Bergen"])
def test_ambiguous_name_is_refused_not_guessed(lookup: OrganisationLookup, name: str) -> None:
    ((field, reason),) = _errors(lookup, organisatie=name)
    assert field == "organisatie" and "niet eenduidig" in reason


# --- closed lists -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mode"),
    [("fysiek", GespreksVorm.FYSIEK), ("Fysiek ", GespreksVorm.FYSIEK),
     ("op locatie", GespreksVorm.FYSIEK), ("online", GespreksVorm.ONLINE),
     ("Teams", GespreksVorm.ONLINE), ("MS Teams", GespreksVorm.ONLINE),
     ("zoom", GespreksVorm.ONLINE), ("telefonisch", GespreksVorm.TELEFONISCH),
     ("tel.", GespreksVorm.TELEFONISCH), ("Telefoon", GespreksVorm.TELEFONISCH)],
)  # fmt: skip
def test_mode_spellings(lookup: OrganisationLookup, text: str, mode: GespreksVorm) -> None:
    assert _parse(lookup, vorm=text).mode is mode


def test_mode_is_required_and_closed(lookup: OrganisationLookup) -> None:
    assert _errors(lookup, vorm="") == [("vorm", "ontbreekt")]
    ((field, reason),) = _errors(lookup, vorm="per duif")
    assert field == "vorm" and "fysiek, online of telefonisch" in reason


def test_themes_with_both_separators_and_spellings(lookup: OrganisationLookup) -> None:
    record = _parse(
        lookup,
        **{"thema's": "Nazorg; agressie & intimidatie, Online intimidatie;melden/aangifte;"
                      "veiligheid in raad of staten ; nazorg"},
    )  # fmt: skip
    assert record.themes == (
        Thema.AGRESSIE_EN_INTIMIDATIE,
        Thema.ONLINE_INTIMIDATIE,
        Thema.MELDEN_EN_AANGIFTE,
        Thema.NAZORG,
        Thema.VEILIGHEID_IN_RAAD_OF_STATEN,
    )


def test_unknown_theme_names_the_column(lookup: OrganisationLookup) -> None:
    ((field, reason),) = _errors(lookup, **{"thema's": "nazorg; klimaat"})
    assert field == "thema's"
    assert "onbekende thema 'klimaat'" in reason and "ondermijning" in reason


@pytest.mark.parametrize(
    ("text", "wish"),
    [("ja", SessieWens.JA), ("Ja ", SessieWens.JA), ("NEE", SessieWens.NEE),
     ("later", SessieWens.LATER), ("nog niet", SessieWens.LATER), ("", None)],
)  # fmt: skip
def test_session_wish(lookup: OrganisationLookup, text: str, wish: SessieWens | None) -> None:
    assert _parse(lookup, sessiewens=text).session_wish == wish


def test_unknown_session_wish(lookup: OrganisationLookup) -> None:
    ((field, reason),) = _errors(lookup, sessiewens="wellicht ooit")
    assert field == "sessiewens" and "ja, nee of later" in reason


def test_all_columns_of_a_full_row(lookup: OrganisationLookup) -> None:
    record = _parse(
        lookup,
        tijd="19.30",
        status="Gehouden",
        teamleden="Tom Teamlid; Fatima Teamlid",
        deelnemers_griffier="1",
        deelnemers_burgemeester="x",
        deelnemers_raadsleden="12",
        deelnemers_statenleden="",
        deelnemers_commissaris_van_de_koning="0",
        incidenten_aantal="2",
        incidenten_categorieen="bedreiging; online intimidatie",
        sessiewens="ja",
        sessievorm="RIB",
        voorkeursperiode="  najaar 2024 ",
        voorkeursavonden="ma, dinsdagavond",
        vergaderavonden_vermijden="donderdag",
        verwachte_deelnemers="25",
        locatie="raadzaal",
        vertrouwelijke_notitie="Griffier belt terug.",
    )
    assert record.start_time == time(19, 30)
    assert record.status is VoorgesprekStatus.GEHOUDEN
    assert record.teamleden == ("Fatima Teamlid", "Tom Teamlid")
    assert record.participants == {
        DeelnemerRol.GRIFFIER: 1,
        DeelnemerRol.BURGEMEESTER: 1,
        DeelnemerRol.RAADSLEDEN: 12,
    }
    assert record.incident_count == 2 and len(record.incident_categories) == 2
    assert record.session_format is SessieVorm.INFORMATIEBIJEENKOMST
    assert record.preferred_periods == (Periode(start=date(2024, 9, 1), end=date(2024, 11, 30)),)
    assert record.preferred_weekdays == (Weekdag.MAANDAG, Weekdag.DINSDAG)
    assert record.avoid_weekdays == (Weekdag.DONDERDAG,)
    assert record.expected_participants == 25
    assert record.confidential_note == "Griffier belt terug."


def test_status_defaults_to_gehouden(lookup: OrganisationLookup) -> None:
    assert _parse(lookup).status is VoorgesprekStatus.GEHOUDEN
    assert _parse(lookup, status="afgezegd").status is VoorgesprekStatus.GEANNULEERD


def test_every_error_in_a_row_is_reported(lookup: OrganisationLookup) -> None:
    errors = _errors(
        lookup, organisatie="Atlantis", datum="31-02-2024", vorm="?", deelnemers_raadsleden="veel"
    )
    assert [field for field, _ in errors] == [
        "organisatie", "datum", "vorm", "deelnemers_raadsleden"]  # fmt: skip


def test_future_date_is_not_this_parsers_business(lookup: OrganisationLookup) -> None:
    # "A held voorgesprek in the future" is the service's rule (domain.voorgesprek.check_held).
    assert _parse(lookup, datum="01-01-2099").held_on == date(2099, 1, 1)


def test_headers_are_matched_loosely(lookup: OrganisationLookup) -> None:
    raw = {" Gemeente ": "Haren", "Datum voorgesprek": "2024-05-01", "Vorm": "Teams",
           "Thema’s": "nazorg", "Opmerkingen": "vertrouwelijk"}  # fmt: skip
    parsed = parse_import_row(raw, lookup, row_number=2)
    assert not isinstance(parsed, list), parsed
    assert parsed.record.organisation_code == "GM0014"
    assert parsed.record.themes == (Thema.NAZORG,)
    assert parsed.record.confidential_note == "vertrouwelijk"


# --- idempotency --------------------------------------------------------------------------------


def test_key_ignores_spelling_but_not_content(lookup: OrganisationLookup) -> None:
    a = _parse(lookup, organisatie="Amsterdam ", datum="3 maart 2024", vorm="Teams",
               **{"thema's": "nazorg; integriteit"})  # fmt: skip
    b = _parse(lookup, organisatie="GM0363", datum="2024-03-03", vorm="online",
               **{"thema's": "Integriteit,Nazorg"})  # fmt: skip
    c = _parse(lookup, organisatie="GM0363", datum="2024-03-04", vorm="online",
               **{"thema's": "Integriteit,Nazorg"})  # fmt: skip
    assert a.idempotency_key == b.idempotency_key
    assert a.idempotency_key != c.idempotency_key
    assert len(a.idempotency_key) == 64
    assert a.natural_key == ("GM0363", date(2024, 3, 3))


def test_key_is_pinned(lookup: OrganisationLookup) -> None:
    # A fixed value: changing the recipe by accident would re-import every file imported before.
    assert _parse(lookup).idempotency_key == (
        "702ec41a960454a90fb1617db66e4b4d1c69b559655281b3308a0e50e988ace5"
    )


# --- the whole file -----------------------------------------------------------------------------

MESSY = """organisatie;datum;vorm;thema's;sessiewens;teamleden
GM0363;03-03-2024;fysiek;nazorg;ja;Tom
Gemeente Utrecht ;2024-04-10;Teams;agressie en intimidatie, integriteit;nee;Fatima
Haren;3 maart 2024;tel.;melden en aangifte;later;Tom

Den Bosch;12-6-2024 ;online;;ja;Fatima
;;;;;
Amsterdam;3 mrt 2024;Fysiek;Nazorg;JA;Tom
Atlantis;01-01-2024;fysiek;nazorg;ja;Tom
GM0014;01-02-2024;fysiek;klimaat;ja;Tom
Groningen;31-02-2024;per post;nazorg;misschien;Tom
"""


def test_messy_file_row_by_row(lookup: OrganisationLookup) -> None:
    columns, rows = read_csv_text(MESSY)
    check = check_import(rows, lookup, columns=columns)
    statuses = [(r.row_number, r.status) for r in check.reports]
    assert statuses == [
        (2, RowStatus.IMPORTED),
        (3, RowStatus.IMPORTED),
        (4, RowStatus.IMPORTED),
        (5, RowStatus.SKIPPED),
        (6, RowStatus.IMPORTED),
        (7, RowStatus.SKIPPED),
        (8, RowStatus.DUPLICATE),
        (9, RowStatus.REJECTED),
        (10, RowStatus.REJECTED),
        (11, RowStatus.REJECTED),
    ]
    reports = {r.row_number: r for r in check.reports}
    assert reports[8].reasons == ("zelfde voorgesprek als rij 2",)
    assert any("oude naam 'Haren'" in reason for reason in reports[4].reasons)
    assert [e.field for e in reports[9].errors] == ["organisatie"]
    assert [e.field for e in reports[10].errors] == ["thema's"]
    assert [e.field for e in reports[11].errors] == ["organisatie", "datum", "vorm"]
    assert all(str(e).startswith("rij 11, kolom") for e in reports[11].errors)
    assert [r.organisation_code for r in check.records] == ["GM0363", "GM0344", "GM0014", "GM0796"]
    assert check.counts() == {
        RowStatus.IMPORTED: 4, RowStatus.REJECTED: 3, RowStatus.SKIPPED: 2,
        RowStatus.DUPLICATE: 1}  # fmt: skip
    # Every row accounted for: nothing silently dropped.
    assert len(check.reports) == len(rows)


def test_same_file_twice_gives_the_same_keys(lookup: OrganisationLookup) -> None:
    columns, rows = read_csv_text(MESSY)
    first = check_import(rows, lookup, columns=columns)
    second = check_import(rows, lookup, columns=columns)
    stored = {record.idempotency_key for record in first.records}
    # What the service does with a key it already holds:
    again = [r.already_imported() if r.idempotency_key in stored else r for r in second.reports]
    assert not any(r.status is RowStatus.IMPORTED for r in again)
    assert sum(r.status is RowStatus.DUPLICATE for r in again) == 5
    assert "al eerder geïmporteerd" in again[0].reasons[-1]


def test_missing_required_column_rejects_every_row(lookup: OrganisationLookup) -> None:
    columns, rows = read_csv_text("organisatie,datum\nGM0363,03-03-2024\n,\n")
    check = check_import(rows, lookup, columns=columns)
    assert [(e.row, e.field) for e in check.header_errors] == [(1, "vorm")]
    assert [r.status for r in check.reports] == [RowStatus.REJECTED, RowStatus.SKIPPED]
    assert "verplichte kolom ontbreekt" in check.reports[0].reasons[0]


def test_unknown_and_doubled_columns_in_the_header() -> None:
    errors, ignored = check_header(["organisatie", "gemeente", "datum", "vorm", "kleur"])
    assert ignored == ["kleur"]
    assert [(e.row, e.field) for e in errors] == [(1, "gemeente")]


def test_header_from_row_keys_when_not_given(lookup: OrganisationLookup) -> None:
    check = check_import([_row(), {}], lookup)
    assert [r.status for r in check.reports] == [RowStatus.IMPORTED, RowStatus.SKIPPED]


def test_rows_numbered_from_a_given_start(lookup: OrganisationLookup) -> None:
    check = check_import([_row(), _row(datum="x")], lookup, first_row_number=5)
    assert [r.row_number for r in check.reports] == [5, 6]
    assert check.reports[1].errors[0].row == 6


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from([*TEMPLATE_COLUMNS, "iets anders"]),
            st.text(max_size=30),
            max_size=8,
        ),
        max_size=5,
    )
)
def test_any_rows_get_exactly_one_report_each_and_never_crash(rows: list[dict[str, str]]) -> None:
    check = check_import(rows, shipped_lookup(), columns=list(TEMPLATE_COLUMNS))
    assert len(check.reports) == len(rows)
    for report in check.reports:
        assert (report.record is not None) == (
            report.status in (RowStatus.IMPORTED, RowStatus.DUPLICATE)
        )
        if report.status is RowStatus.REJECTED:
            assert report.errors and report.reasons


# --- the template -------------------------------------------------------------------------------


def test_template_columns_are_documented_and_round_trip(lookup: OrganisationLookup) -> None:
    assert TEMPLATE_COLUMNS[:3] == ("organisatie", "datum", "tijd")
    assert {"organisatie", "datum", "vorm"} == set(REQUIRED_COLUMNS)
    assert {"thema's", "teamleden", "deelnemers_griffier", "sessiewens"} <= set(TEMPLATE_COLUMNS)
    assert check_header(list(TEMPLATE_COLUMNS)) == ([], [])
    guide = read_data_file("importsjabloon.md")
    for column in TEMPLATE_COLUMNS:
        assert f"`{column}`" in guide, column
    for theme in Thema:
        assert theme.value in guide
