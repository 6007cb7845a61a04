"""The register of organisations: the shipped 2025 list and the yearly import plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from intake.domain.lookup import OrganisationLookup, OrganisationNotFound
from intake.domain.register import (
    ChangeKind,
    Organisation,
    OrganisationKind,
    RegisterFileInvalid,
    parse_register,
    plan_register_import,
    plan_register_import_csv,
)
from intake.domain.rows import read_csv_text
from intake.reference_data import (
    CREDIT,
    load_aliases,
    load_former_names,
    load_register,
    read_data_file,
)

NEW_YEAR = date(2026, 1, 1)


# --- the shipped register -----------------------------------------------------------------------


def test_shipped_register_has_342_gemeenten_and_12_provincies_with_unique_codes() -> None:
    register = load_register()
    gemeenten = [o for o in register if o.kind is OrganisationKind.GEMEENTE]
    provincies = [o for o in register if o.kind is OrganisationKind.PROVINCIE]
    assert len(gemeenten) == 342
    assert len(provincies) == 12
    codes = [o.cbs_code for o in register]
    assert len(set(codes)) == len(codes)


def test_shipped_register_is_complete_and_consistent() -> None:
    register = load_register()
    provinces = {o.cbs_code: o.name for o in register if o.kind is OrganisationKind.PROVINCIE}
    for organisation in register:
        assert organisation.lat is not None and organisation.lon is not None
        assert organisation.valid_until is None and organisation.is_active()
        assert provinces[organisation.province_code] == organisation.province_name
    amsterdam = next(o for o in register if o.cbs_code == "GM0363")
    assert (amsterdam.name, amsterdam.province_code) == ("Amsterdam", "PV27")


def test_data_files_carry_the_credit() -> None:
    assert CREDIT == "Bron: CBS, Kadaster (CC BY 4.0)"
    assert CREDIT in read_data_file("README.md")


def test_merger_table_points_at_existing_gemeenten_with_matching_names() -> None:
    register = {o.cbs_code: o for o in load_register()}
    _, rows = read_csv_text(read_data_file("samenvoegingen.csv"))
    current_names = {o.name for o in register.values()}
    assert rows
    for row in rows:
        assert register[row["opvolger_code"]].name == row["opvolger_naam"], row
        # An old name that is still a current name would make the lookup ambiguous.
        assert row["oude_naam"] not in current_names, row
        assert date.fromisoformat(row["ingangsdatum"]) <= date(2025, 1, 1)
    assert len(load_former_names()) == len(rows)


def test_aliases_point_at_existing_organisations() -> None:
    codes = {o.cbs_code for o in load_register()}
    assert all(alias.cbs_code in codes for alias in load_aliases())


# --- parsing rows -------------------------------------------------------------------------------


def _provinces() -> list[dict[str, str]]:
    return [
        {"cbs_code": "PV26", "name": "Utrecht", "lat": "52.08", "lon": "5.16"},
        {"cbs_code": "PV27", "name": "Noord-Holland", "lat": "52.55", "lon": "4.87"},
    ]


def _gemeente(code: str, name: str, province: str = "PV27", **extra: str) -> dict[str, str]:
    return {"cbs_code": code, "name": name, "province_code": province, "lat": "52.3",
            "lon": "4.9", **extra}  # fmt: skip


def _current() -> list[Organisation]:
    return parse_register(
        [
            *_provinces(),
            _gemeente("GM0363", "Amsterdam"),
            _gemeente("GM0457", "Weesp"),
            _gemeente("GM0384", "Diemen"),
            _gemeente("GM0344", "Utrecht", "PV26"),
            _gemeente("GM0345", "Veenendaal", "PV26"),
        ],
        columns=["cbs_code", "name", "province_code", "province_name", "lat", "lon"],
    )


def test_parse_register_fills_province_name_from_the_province() -> None:
    register = {o.cbs_code: o for o in _current()}
    assert register["GM0344"].province_name == "Utrecht"
    assert register["PV27"].province_code == "PV27"
    assert register["PV27"].kind is OrganisationKind.PROVINCIE


def test_parse_register_refuses_bad_rows() -> None:
    with pytest.raises(RegisterFileInvalid) as refused:
        parse_register([*_provinces(), _gemeente("GM12", "Kort")])
    assert refused.value.errors[0].field == "cbs_code"


# --- the yearly import --------------------------------------------------------------------------


def _new_list(*extra: dict[str, str], without: tuple[str, ...] = ()) -> list[dict[str, str]]:
    rows = [
        _gemeente("GM0363", "Amsterdam"),
        _gemeente("GM0457", "Weesp"),
        _gemeente("GM0384", "Diemen"),
        _gemeente("GM0344", "Utrecht", "PV26"),
        _gemeente("GM0345", "Veenendaal", "PV26"),
    ]
    return [r for r in rows if r["cbs_code"] not in without] + list(extra)


def test_unchanged_list_changes_nothing() -> None:
    plan = plan_register_import(_current(), _new_list(), NEW_YEAR)
    assert plan.ok and plan.changes == () and plan.unchanged == 5
    # Only gemeenten in the file: the provinces are out of scope, not ended.
    assert plan.ended == ()


def test_new_organisation_is_added_from_the_new_year() -> None:
    plan = plan_register_import(_current(), _new_list(_gemeente("GM2000", "Nieuwstad")), NEW_YEAR)
    assert plan.ok
    (added,) = plan.added
    assert (added.cbs_code, added.valid_from, added.province_name) == (
        "GM2000", NEW_YEAR, "Noord-Holland")  # fmt: skip


def test_merged_gemeente_is_ended_and_linked_via_voorgangers() -> None:
    new = _new_list(without=("GM0363", "GM0457"))
    new.append(_gemeente("GM0363", "Amsterdam", voorgangers="GM0457"))
    current = _current()
    plan = plan_register_import(current, new, NEW_YEAR)
    assert plan.ok, plan.errors
    (weesp,) = plan.ended
    assert (weesp.cbs_code, weesp.valid_until, weesp.successor_code) == (
        "GM0457", NEW_YEAR, "GM0363")  # fmt: skip
    assert plan.warnings == ()
    after = plan.apply(current)
    # Never deleted: the ended municipality is still in the register, only ended.
    assert len(after) == len(current)
    by_code = {o.cbs_code: o for o in after}
    assert not by_code["GM0457"].is_active() and by_code["GM0457"].is_active(date(2025, 6, 1))
    assert not by_code["GM0457"].is_active(NEW_YEAR)


def test_merged_gemeente_can_be_linked_with_an_opgegaan_in_row() -> None:
    new = _new_list(without=("GM0457",))
    new.append({"cbs_code": "GM0457", "name": "Weesp", "opgegaan_in": "GM0363"})
    plan = plan_register_import(
        _current(), new, NEW_YEAR,
        columns=["cbs_code", "name", "province_code", "lat", "lon", "opgegaan_in"],
    )  # fmt: skip
    assert plan.ok, plan.errors
    assert [(o.cbs_code, o.successor_code) for o in plan.ended] == [("GM0457", "GM0363")]


def test_new_merger_municipality_with_several_predecessors() -> None:
    new = _new_list(without=("GM0344", "GM0345"))
    new.append(_gemeente("GM2001", "Stichtse Vallei", "PV26", voorgangers="GM0344; GM0345"))
    plan = plan_register_import(_current(), new, NEW_YEAR)
    assert plan.ok, plan.errors
    assert [o.cbs_code for o in plan.added] == ["GM2001"]
    assert {(o.cbs_code, o.successor_code) for o in plan.ended} == {
        ("GM0344", "GM2001"), ("GM0345", "GM2001")}  # fmt: skip


def test_missing_without_successor_is_ended_with_a_warning() -> None:
    plan = plan_register_import(_current(), _new_list(without=("GM0384",)), NEW_YEAR)
    assert plan.ok
    assert [o.successor_code for o in plan.ended] == [None]
    assert "GM0384" in plan.warnings[0]


def test_rename_keeps_the_old_name_in_the_change() -> None:
    new = _new_list(without=("GM0384",))
    new.append(_gemeente("GM0384", "Diemen aan de Amstel"))
    current = _current()
    plan = plan_register_import(current, new, NEW_YEAR)
    (change,) = plan.changed
    assert change.kind is ChangeKind.CHANGED and change.fields == ("name",)
    assert change.before is not None and change.before.name == "Diemen"
    assert change.after.name == "Diemen aan de Amstel"
    assert "Diemen → Diemen aan de Amstel" in change.describe()
    renamed = {o.cbs_code: o for o in plan.apply(current)}["GM0384"]
    assert renamed.name == "Diemen aan de Amstel" and renamed.is_active()


def test_empty_point_keeps_the_current_point() -> None:
    new = _new_list(without=("GM0384",))
    new.append({"cbs_code": "GM0384", "name": "Diemen", "province_code": "PV27"})
    plan = plan_register_import(_current(), new, NEW_YEAR)
    assert plan.ok and plan.changes == ()


def test_ended_organisations_become_findable_by_their_old_name() -> None:
    new = _new_list(without=("GM0457",))
    new.append({"cbs_code": "GM0457", "name": "Weesp", "opgegaan_in": "GM0363"})
    current = _current()
    after = plan_register_import(current, new, NEW_YEAR).apply(current)
    lookup = OrganisationLookup(after)
    assert lookup.find("Weesp").organisation.cbs_code == "GM0363"
    assert lookup.find("GM0457").organisation.cbs_code == "GM0363"


def test_ended_without_successor_is_not_found() -> None:
    current = _current()
    after = plan_register_import(current, _new_list(without=("GM0384",)), NEW_YEAR).apply(current)
    with pytest.raises(OrganisationNotFound, match="bestaat niet meer"):
        OrganisationLookup(after).find("GM0384")


# --- invalid files: a clear Dutch error per row, nothing applied --------------------------------


def _errors(rows: list[dict[str, str]], **kwargs: object) -> list[tuple[int, str, str]]:
    plan = plan_register_import(_current(), rows, NEW_YEAR, **kwargs)  # type: ignore[arg-type]
    assert not plan.ok
    assert plan.changes == ()
    with pytest.raises(RegisterFileInvalid):
        plan.apply(_current())
    return [(e.row, e.field, e.reason) for e in plan.errors]


def test_missing_required_column() -> None:
    errors = _errors([{"cbs_code": "GM0363", "province_code": "PV27"}])
    assert errors == [(1, "name", "verplichte kolom ontbreekt in de kopregel")]


def test_gemeenten_without_province_column() -> None:
    errors = _errors([{"cbs_code": "GM0363", "name": "Amsterdam"}])
    assert errors[0][:2] == (2, "province_code")


def test_bad_code_format_names_row_and_field() -> None:
    errors = _errors(_new_list(_gemeente("gm12", "Kort"), _gemeente("XX0001", "Raar")))
    assert errors[0][:2] == (7, "cbs_code") and "geen CBS-code" in errors[0][2]
    assert errors[1][:2] == (8, "cbs_code")


def test_duplicate_code() -> None:
    errors = _errors(_new_list(_gemeente("GM0384", "Diemen")))
    assert errors == [(7, "cbs_code", "GM0384 komt al voor in rij 4")]


def test_unknown_province() -> None:
    errors = _errors(_new_list(_gemeente("GM2000", "Nieuwstad", "PV99")))
    assert errors == [(7, "province_code", "onbekende provincie PV99")]


def test_province_name_must_fit_the_code() -> None:
    errors = _errors(_new_list(_gemeente("GM2000", "Nieuwstad", province_name="Zeeland")))
    assert errors[0][:2] == (7, "province_name") and "Noord-Holland" in errors[0][2]


def test_province_name_ignores_case_and_accents() -> None:
    rows = _new_list(_gemeente("GM2000", "Nieuwstad", province_name=" noord-holland "))
    assert plan_register_import(_current(), rows, NEW_YEAR).ok


def test_point_outside_the_netherlands_and_not_a_number() -> None:
    rows = _new_list(_gemeente("GM2000", "Nieuwstad", lat="4.9", lon="oost"))
    errors = _errors(rows)
    assert [e[1] for e in errors] == ["lat", "lon"]
    assert "ligt niet in Nederland" in errors[0][2] and "geen getal" in errors[1][2]


def test_missing_name() -> None:
    assert _errors(_new_list(_gemeente("GM2000", " ")))[0][:3] == (7, "name", "ontbreekt")


def test_predecessor_still_listed_is_a_contradiction() -> None:
    errors = _errors(_new_list(_gemeente("GM2000", "Nieuwstad", voorgangers="GM0384")))
    assert errors[0][:2] == (7, "voorgangers") and "staat ook zelf" in errors[0][2]


def test_predecessor_must_be_in_the_register() -> None:
    errors = _errors(_new_list(_gemeente("GM2000", "Nieuwstad", voorgangers="GM0999")))
    assert "staat niet (meer) in het register" in errors[0][2]


def test_successor_must_be_in_the_new_list() -> None:
    new = _new_list(without=("GM0457",))
    new.append({"cbs_code": "GM0457", "name": "Weesp", "opgegaan_in": "GM0999"})
    errors = _errors(new, columns=["cbs_code", "name", "province_code", "opgegaan_in"])
    assert errors[0][1] == "opgegaan_in" and "GM0999" in errors[0][2]


def test_split_into_two_successors_is_refused() -> None:
    new = _new_list(without=("GM0344", "GM0345"))
    new += [
        _gemeente("GM2001", "Noord", "PV26", voorgangers="GM0344"),
        _gemeente("GM2002", "Zuid", "PV26", voorgangers="GM0344;GM0345"),
    ]
    errors = _errors(new)
    assert "kies één opvolger" in errors[0][2]


def test_reusing_an_ended_code_is_refused() -> None:
    current = _current()
    after = plan_register_import(current, _new_list(without=("GM0384",)), NEW_YEAR).apply(current)
    plan = plan_register_import(after, _new_list(), date(2027, 1, 1))
    assert not plan.ok and "al beëindigd" in plan.errors[0].reason


def test_partial_file_is_refused_unless_allowed() -> None:
    register = load_register()
    just_three = [
        {"cbs_code": o.cbs_code, "name": o.name, "province_code": o.province_code}
        for o in register
        if o.kind is OrganisationKind.GEMEENTE
    ][:3]
    plan = plan_register_import(register, just_three, NEW_YEAR)
    assert not plan.ok and "volledige lijst" in plan.errors[0].reason
    forced = plan_register_import(register, just_three, NEW_YEAR, allow_many_ended=True)
    assert forced.ok and len(forced.ended) == 339


def test_all_errors_are_reported_at_once() -> None:
    errors = _errors(_new_list(_gemeente("GM12", ""), _gemeente("GM2000", "Nieuwstad", "PV99")))
    assert [(row, field) for row, field, _ in errors] == [
        (7, "cbs_code"), (7, "name"), (8, "province_code")]  # fmt: skip


# --- a whole CSV file ---------------------------------------------------------------------------


def test_csv_import_of_the_shipped_file_changes_nothing() -> None:
    plan = plan_register_import_csv(load_register(), read_data_file("gemeenten-2025.csv"), NEW_YEAR)
    assert plan.ok and plan.changes == () and plan.unchanged == 342


def test_csv_import_in_cbs_download_format_with_semicolons() -> None:
    register = load_register()
    gemeenten = [o for o in register if o.kind is OrganisationKind.GEMEENTE]
    lines = ["Gemeentecode;GemeentecodeGM;Gemeentenaam;Provinciecode;ProvinciecodePV;Provincienaam"]
    for o in gemeenten:
        if o.cbs_code == "GM0384":
            continue
        lines.append(f"{o.cbs_code[2:]};{o.cbs_code};{o.name};{o.province_code[2:]};"
                     f"{o.province_code};{o.province_name}")  # fmt: skip
    text = "\ufeff" + "\r\n".join(lines) + "\r\n"
    plan = plan_register_import_csv(register, text, NEW_YEAR)
    assert plan.ok, plan.errors
    assert [o.cbs_code for o in plan.ended] == ["GM0384"]
    assert plan.unchanged == 341


def test_province_rename_via_file() -> None:
    current = _current()
    rows = [*_provinces(), *_new_list()]
    rows[0] = {**rows[0], "name": "Provincie Utrecht Nieuw"}
    plan = plan_register_import(current, rows, NEW_YEAR)
    assert plan.ok
    changed = {c.cbs_code: c.fields for c in plan.changed}
    assert changed["PV26"] == ("name", "province_name")
    # Its gemeenten follow the province's new name.
    assert changed["GM0344"] == ("province_name",)


def test_organisation_is_active_on_a_date() -> None:
    o = replace(_current()[2], valid_from=date(2020, 1, 1), valid_until=date(2026, 1, 1))
    assert not o.is_active(date(2019, 12, 31))
    assert o.is_active(date(2020, 1, 1)) and o.is_active(date(2025, 12, 31))
    assert not o.is_active(date(2026, 1, 1))
