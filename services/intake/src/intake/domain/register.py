"""The register of organisations (gemeenten and provincies) and the yearly import plan.

Pure: rows come in as mappings (from ``csv.DictReader`` or a spreadsheet), results go out as
frozen dataclasses. Reading the files shipped with the product is ``intake.reference_data``'s job.

Validity periods are half-open: an organisation exists on day ``d`` when
``valid_from <= d < valid_until``. A merger on 1 January therefore gives the old municipality
``valid_until = 1 January`` and the new one ``valid_from = 1 January`` - the same date, no
off-by-one arithmetic. ``valid_from = None`` means "already existed when the register began".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from intake.domain.rows import FIRST_DATA_ROW, RowError, columns_of, read_csv_text
from intake.domain.text import clean, match_key

GEMEENTE_CODE = re.compile(r"^GM\d{4}$")
PROVINCIE_CODE = re.compile(r"^PV\d{2}$")

# A rough box around the Netherlands (incl. the Wadden islands and south Limburg): a point
# outside it is a swapped lat/lon or a value in RD metres, not a real location.
_LAT_RANGE = (50.6, 53.7)
_LON_RANGE = (3.2, 7.3)

# A complete yearly list ends a handful of municipalities (mergers), never dozens. Ending more
# than this means the operator picked a partial or wrong file; refusing protects the register.
_MAX_ENDED_ABSOLUTE = 25
_MAX_ENDED_SHARE = 0.10


class OrganisationKind(StrEnum):
    GEMEENTE = "gemeente"
    PROVINCIE = "provincie"


def kind_of_code(code: str) -> OrganisationKind | None:
    """The kind an (already upper-cased) CBS code belongs to, or None when it is no CBS code."""
    if GEMEENTE_CODE.match(code):
        return OrganisationKind.GEMEENTE
    if PROVINCIE_CODE.match(code):
        return OrganisationKind.PROVINCIE
    return None


@dataclass(frozen=True, slots=True)
class Organisation:
    """A gemeente or provincie in the register. A provincie is its own province."""

    cbs_code: str
    name: str
    kind: OrganisationKind
    province_code: str
    province_name: str
    lat: float | None
    lon: float | None
    valid_from: date | None = None
    valid_until: date | None = None
    successor_code: str | None = None

    def is_active(self, on: date | None = None) -> bool:
        """Whether it exists on ``on`` (or, without a date, whether it has not been ended)."""
        if on is None:
            return self.valid_until is None
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.valid_until is None or on < self.valid_until)


class RegisterFileInvalid(ValueError):
    """A register file broke one or more rules; ``errors`` says which, row by row."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors[:5]))
        self.errors = tuple(errors)


class ChangeKind(StrEnum):
    ADDED = "toegevoegd"
    CHANGED = "gewijzigd"
    ENDED = "beeindigd"


@dataclass(frozen=True, slots=True)
class RegisterChange:
    """One change the import makes. ``before`` is kept so the history survives a rename."""

    kind: ChangeKind
    before: Organisation | None
    after: Organisation
    fields: tuple[str, ...] = ()

    @property
    def cbs_code(self) -> str:
        return self.after.cbs_code

    def describe(self) -> str:
        """One Dutch line for the command's output and the organisation's timeline."""
        after = self.after
        if self.kind is ChangeKind.ADDED:
            return f"{after.cbs_code} {after.name}: nieuw in het register"
        if self.kind is ChangeKind.ENDED:
            line = f"{after.cbs_code} {after.name}: beëindigd per {after.valid_until}"
            if after.successor_code:
                line += f", opgegaan in {after.successor_code}"
            return line
        assert self.before is not None
        parts = []
        for name in self.fields:
            parts.append(f"{name} {getattr(self.before, name)!s} → {getattr(after, name)!s}")
        return f"{after.cbs_code} {after.name}: " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class RegisterChanges:
    """What importing a new year's list would do. Nothing is applied when ``errors`` is set."""

    valid_from: date
    changes: tuple[RegisterChange, ...] = ()
    errors: tuple[RowError, ...] = ()
    warnings: tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def added(self) -> tuple[Organisation, ...]:
        return tuple(c.after for c in self.changes if c.kind is ChangeKind.ADDED)

    @property
    def changed(self) -> tuple[RegisterChange, ...]:
        return tuple(c for c in self.changes if c.kind is ChangeKind.CHANGED)

    @property
    def ended(self) -> tuple[Organisation, ...]:
        return tuple(c.after for c in self.changes if c.kind is ChangeKind.ENDED)

    def apply(self, current: Sequence[Organisation]) -> list[Organisation]:
        """The register after the import: changed ones replaced, new ones appended, none removed."""
        if self.errors:
            raise RegisterFileInvalid(self.errors)
        replaced = {c.cbs_code: c.after for c in self.changes if c.kind is not ChangeKind.ADDED}
        result = [replaced.get(o.cbs_code, o) if o.valid_until is None else o for o in current]
        result.extend(self.added)
        return result


# --- reading rows -----------------------------------------------------------------------------

# Header spellings seen in the wild (our own files, CBS's "Gemeenten alfabetisch" download and
# the CBS/Kadaster GeoJSON attributes), compared after match_key() with spaces removed.
_COLUMN_ALIASES: dict[str, str] = {
    "cbscode": "cbs_code",
    "code": "cbs_code",
    "gemeentecodegm": "cbs_code",
    "statcode": "cbs_code",
    "name": "name",
    "naam": "name",
    "gemeentenaam": "name",
    "statnaam": "name",
    "provincecode": "province_code",
    "provinciecode": "province_code",
    "provinciecodepv": "province_code",
    "provincename": "province_name",
    "provincienaam": "province_name",
    "provincie": "province_name",
    "lat": "lat",
    "breedtegraad": "lat",
    "lon": "lon",
    "lengtegraad": "lon",
    "voorgangers": "voorgangers",
    "predecessors": "voorgangers",
    "opgegaanin": "opgegaan_in",
    "successorcode": "opgegaan_in",
}
REQUIRED_COLUMNS = ("cbs_code", "name")


def canonical_column(header: str) -> str | None:
    """Our name for a header in a register file, or None for a column we ignore."""
    return _COLUMN_ALIASES.get(match_key(header).replace(" ", ""))


@dataclass(slots=True)
class _Row:
    number: int
    code: str
    name: str
    kind: OrganisationKind
    province_code: str
    province_name: str
    lat: float | None
    lon: float | None
    voorgangers: tuple[str, ...] = ()
    opgegaan_in: str | None = None


@dataclass(slots=True)
class _Parsed:
    rows: list[_Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _coordinate(raw: str, bounds: tuple[float, float]) -> tuple[float | None, str | None]:
    if not raw:
        return None, None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return None, f"'{raw}' is geen getal"
    if not bounds[0] <= value <= bounds[1]:
        return None, f"{value} ligt niet in Nederland (verwacht {bounds[0]} tot {bounds[1]})"
    return value, None


def _codes(raw: str) -> list[str]:
    return [part.upper() for part in re.split(r"[;,\s]+", raw) if part]


def _parse_rows(
    columns: Sequence[str] | None,
    rows: Iterable[Mapping[str, str | None]],
    known_provinces: Mapping[str, str],
) -> _Parsed:
    """Every row checked on its own and against the other rows; all errors, not only the first."""
    out = _Parsed()
    materialised = list(rows)
    header = list(columns) if columns is not None else columns_of(materialised)
    mapping = {h: c for h in header if (c := canonical_column(h)) is not None}
    present = set(mapping.values())
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        out.errors.append(
            RowError(1, ", ".join(missing), "verplichte kolom ontbreekt in de kopregel")
        )
        return out
    if not materialised:
        out.errors.append(RowError(1, "cbs_code", "het bestand bevat geen organisaties"))
        return out

    cells = [{canon: clean(raw.get(h)) for h, canon in mapping.items()} for raw in materialised]
    # Provinces listed in the file itself count as known, so one file can carry both lists.
    provinces = dict(known_provinces)
    for cell in cells:
        code = cell.get("cbs_code", "").upper()
        if PROVINCIE_CODE.match(code) and cell.get("name"):
            provinces[code] = cell["name"]

    first_seen: dict[str, int] = {}
    for offset, cell in enumerate(cells):
        number = FIRST_DATA_ROW + offset
        errors: list[RowError] = []

        def error(
            column: str, reason: str, number: int = number, errors: list[RowError] = errors
        ) -> None:
            errors.append(RowError(number, column, reason))

        code = cell.get("cbs_code", "").upper()
        kind = kind_of_code(code)
        if not code:
            error("cbs_code", "ontbreekt")
        elif kind is None:
            error(
                "cbs_code",
                f"'{code}' is geen CBS-code (verwacht GM gevolgd door 4 cijfers "
                "of PV gevolgd door 2 cijfers)",
            )
        elif code in first_seen:
            error("cbs_code", f"{code} komt al voor in rij {first_seen[code]}")
        else:
            first_seen[code] = number
        name = cell.get("name", "")
        if not name:
            error("name", "ontbreekt")

        opgegaan_in = cell.get("opgegaan_in", "").upper() or None
        if opgegaan_in and kind_of_code(opgegaan_in) is None:
            error("opgegaan_in", f"'{opgegaan_in}' is geen CBS-code")

        province_code = cell.get("province_code", "").upper()
        province_name = cell.get("province_name", "")
        if kind is OrganisationKind.PROVINCIE:
            province_code, province_name = code, name
        elif kind is OrganisationKind.GEMEENTE and opgegaan_in is None:
            # A row that only says where an ended municipality went needs no province.
            if "province_code" not in present:
                error("province_code", "kolom ontbreekt; een gemeente hoort bij een provincie")
            elif not province_code:
                error("province_code", "ontbreekt")
            elif not PROVINCIE_CODE.match(province_code):
                error("province_code", f"'{province_code}' is geen provinciecode (PVxx)")
            elif province_code not in provinces:
                error("province_code", f"onbekende provincie {province_code}")
            else:
                known_name = provinces[province_code]
                if province_name and match_key(province_name) != match_key(known_name):
                    error(
                        "province_name",
                        f"'{province_name}' past niet bij {province_code} ({known_name})",
                    )
                province_name = known_name

        lat, lat_error = _coordinate(cell.get("lat", ""), _LAT_RANGE)
        lon, lon_error = _coordinate(cell.get("lon", ""), _LON_RANGE)
        if lat_error:
            error("lat", lat_error)
        if lon_error:
            error("lon", lon_error)
        if (lat is None) != (lon is None) and not (lat_error or lon_error):
            error("lat" if lat is None else "lon", "lat en lon horen samen: vul beide in")

        voorgangers = _codes(cell.get("voorgangers", ""))
        for predecessor in voorgangers:
            if not GEMEENTE_CODE.match(predecessor) and not PROVINCIE_CODE.match(predecessor):
                error("voorgangers", f"'{predecessor}' is geen CBS-code")

        if errors or kind is None:
            out.errors.extend(errors)
            continue
        out.rows.append(
            _Row(
                number=number,
                code=code,
                name=name,
                kind=kind,
                province_code=province_code,
                province_name=province_name,
                lat=lat,
                lon=lon,
                voorgangers=tuple(p for p in voorgangers if p != code),
                opgegaan_in=opgegaan_in,
            )
        )
    return out


def _organisation(row: _Row, valid_from: date | None) -> Organisation:
    return Organisation(
        cbs_code=row.code,
        name=row.name,
        kind=row.kind,
        province_code=row.province_code,
        province_name=row.province_name,
        lat=row.lat,
        lon=row.lon,
        valid_from=valid_from,
    )


def parse_register(
    rows: Iterable[Mapping[str, str | None]],
    *,
    columns: Sequence[str] | None = None,
    valid_from: date | None = None,
) -> list[Organisation]:
    """Organisations from rows of the shipped format; raises ``RegisterFileInvalid``.

    Give provinces and municipalities together (provinces first or not: the file's provinces
    count as known for the municipalities' ``province_code``).
    """
    parsed = _parse_rows(columns, rows, known_provinces={})
    if parsed.errors:
        raise RegisterFileInvalid(parsed.errors)
    return [_organisation(row, valid_from) for row in parsed.rows]


# --- the yearly import --------------------------------------------------------------------------

_COMPARED_FIELDS = ("name", "province_code", "province_name", "lat", "lon")


def plan_register_import(
    current: Sequence[Organisation],
    new_rows: Iterable[Mapping[str, str | None]],
    valid_from: date,
    *,
    columns: Sequence[str] | None = None,
    allow_many_ended: bool = False,
) -> RegisterChanges:
    """What loading a new year's list (``ontour organisaties import FILE.csv``) would change.

    The file is the complete list of one or both kinds as of ``valid_from``:

    * a code not yet in the register is added (``valid_from`` set);
    * a code already there with another name, province or point is changed; the change keeps
      the old values (``RegisterChange.before``) so the history is never lost;
    * an active organisation of a kind the file lists, whose code is missing from the file,
      is ended (``valid_until = valid_from``), never deleted;
    * its successor comes from the file: the column ``voorgangers`` on the successor's row
      (codes separated by ``;``, e.g. Weesp's old code on Amsterdam's row), or a row for the
      ended organisation itself with ``opgegaan_in`` set (such a row is not part of the list).
      An ended organisation without a successor is reported as a warning.

    The file is refused as a whole (``errors`` set, no changes) when any row is invalid, when a
    successor link contradicts the list, or when it would end implausibly many organisations
    (a partial file; ``allow_many_ended`` overrides that last check).
    """
    active = {o.cbs_code: o for o in current if o.valid_until is None}
    ended_before = {o.cbs_code: o for o in current if o.valid_until is not None}
    known_provinces = {
        code: o.name for code, o in active.items() if o.kind is OrganisationKind.PROVINCIE
    }
    parsed = _parse_rows(columns, new_rows, known_provinces)
    errors = list(parsed.errors)

    listed = {row.code: row for row in parsed.rows if row.opgegaan_in is None}
    retiring = [row for row in parsed.rows if row.opgegaan_in is not None]
    for row in parsed.rows:
        if row.code in ended_before and row.code in listed:
            previous = ended_before[row.code]
            errors.append(
                RowError(
                    row.number,
                    "cbs_code",
                    f"{row.code} is al beëindigd per {previous.valid_until}; "
                    "CBS geeft een vervallen code niet opnieuw uit",
                )
            )

    # Who merged into whom, from both ways of saying it; each link checked against the list.
    successor_of: dict[str, tuple[str, int]] = {}

    def link(predecessor: str, successor: str, row: _Row, column: str) -> None:
        if predecessor in listed:
            errors.append(
                RowError(
                    row.number,
                    column,
                    f"{predecessor} staat ook zelf in de nieuwe lijst en kan dus niet "
                    "opgegaan zijn in een andere organisatie",
                )
            )
        elif predecessor in ended_before and ended_before[predecessor].successor_code == successor:
            pass  # an earlier import of this list already recorded this merger: nothing to do
        elif predecessor not in active:
            errors.append(
                RowError(row.number, column, f"{predecessor} staat niet (meer) in het register")
            )
        elif successor not in listed:
            errors.append(
                RowError(row.number, column, f"opvolger {successor} staat niet in de nieuwe lijst")
            )
        elif predecessor in successor_of and successor_of[predecessor][0] != successor:
            other, other_row = successor_of[predecessor]
            errors.append(
                RowError(
                    row.number,
                    column,
                    f"{predecessor} is in rij {other_row} al gekoppeld aan {other}; "
                    "kies één opvolger (bij een splitsing: waar het grootste deel in opging)",
                )
            )
        else:
            successor_of[predecessor] = (successor, row.number)

    for row in listed.values():
        for predecessor in row.voorgangers:
            link(predecessor, row.code, row, "voorgangers")
    for row in retiring:
        assert row.opgegaan_in is not None
        link(row.code, row.opgegaan_in, row, "opgegaan_in")

    kinds_in_file = {row.kind for row in listed.values()}
    in_scope = [o for o in active.values() if o.kind in kinds_in_file]
    vanished = [o for o in in_scope if o.cbs_code not in listed]
    limit = max(_MAX_ENDED_ABSOLUTE, int(len(in_scope) * _MAX_ENDED_SHARE))
    if vanished and len(vanished) > limit and not allow_many_ended:
        errors.append(
            RowError(
                1,
                "cbs_code",
                f"dit bestand zou {len(vanished)} van de {len(in_scope)} organisaties "
                "beëindigen; is het wel de volledige lijst?",
            )
        )
    if not listed and not errors:
        errors.append(RowError(1, "cbs_code", "het bestand bevat geen organisaties"))

    if errors:
        return RegisterChanges(valid_from=valid_from, errors=tuple(errors))

    changes: list[RegisterChange] = []
    warnings: list[str] = []
    unchanged = 0
    for row in listed.values():
        before = active.get(row.code)
        if before is None:
            changes.append(RegisterChange(ChangeKind.ADDED, None, _organisation(row, valid_from)))
            continue
        # An empty point in the file means "not given", not "remove the point".
        after = replace(
            before,
            name=row.name,
            province_code=row.province_code,
            province_name=row.province_name,
            lat=row.lat if row.lat is not None else before.lat,
            lon=row.lon if row.lon is not None else before.lon,
        )
        differing = tuple(f for f in _COMPARED_FIELDS if getattr(before, f) != getattr(after, f))
        if differing:
            changes.append(RegisterChange(ChangeKind.CHANGED, before, after, differing))
        else:
            unchanged += 1
    for organisation in vanished:
        successor = successor_of.get(organisation.cbs_code)
        ended = replace(
            organisation,
            valid_until=valid_from,
            successor_code=successor[0] if successor else None,
        )
        changes.append(RegisterChange(ChangeKind.ENDED, organisation, ended))
        if successor is None:
            warnings.append(
                f"{organisation.cbs_code} {organisation.name} ontbreekt in de nieuwe lijst en "
                "wordt beëindigd zonder opvolger (geen voorgangers/opgegaan_in opgegeven)"
            )
    return RegisterChanges(
        valid_from=valid_from,
        changes=tuple(changes),
        warnings=tuple(warnings),
        unchanged=unchanged,
    )


def plan_register_import_csv(
    current: Sequence[Organisation],
    text: str,
    valid_from: date,
    *,
    allow_many_ended: bool = False,
) -> RegisterChanges:
    """``plan_register_import`` for the text of a CSV file (comma or semicolon separated)."""
    columns, rows = read_csv_text(text)
    return plan_register_import(
        current, rows, valid_from, columns=columns, allow_many_ended=allow_many_ended
    )
