"""The reference data shipped inside the package (``intake/data/``), read once.

This is the only module that opens those files. It lives outside ``intake.domain`` so the domain
stays free of I/O: the domain parses rows it is given, this module supplies the packaged rows.
The files are read through ``importlib.resources``, so they work from a wheel as well as from
the source tree.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files

from intake.domain.lookup import (
    Alias,
    FormerName,
    parse_aliases,
    parse_former_names,
)
from intake.domain.register import Organisation, parse_register

CREDIT = "Bron: CBS, Kadaster (CC BY 4.0)"
REGISTER_YEAR = 2025
GEMEENTEN_FILE = f"gemeenten-{REGISTER_YEAR}.csv"
PROVINCIES_FILE = f"provincies-{REGISTER_YEAR}.csv"
MERGERS_FILE = "samenvoegingen.csv"
ALIASES_FILE = "aliassen.csv"
TEMPLATE_GUIDE_FILE = "importsjabloon.md"


def read_data_file(name: str) -> str:
    """The text of one packaged data file (UTF-8)."""
    return files("intake").joinpath("data", name).read_text(encoding="utf-8")


def _csv_rows(name: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(read_data_file(name)))
    return list(reader.fieldnames or []), list(reader)


@cache
def _register() -> tuple[Organisation, ...]:
    province_columns, provinces = _csv_rows(PROVINCIES_FILE)
    gemeente_columns, gemeenten = _csv_rows(GEMEENTEN_FILE)
    columns = list(dict.fromkeys([*province_columns, *gemeente_columns]))
    return tuple(parse_register([*provinces, *gemeenten], columns=columns))


def load_register() -> list[Organisation]:
    """The 12 provincies and 342 gemeenten of 2025, as shipped (valid_from unknown: None)."""
    return list(_register())


def load_former_names() -> list[FormerName]:
    """Old names of merged municipalities (``data/samenvoegingen.csv``)."""
    return parse_former_names(_csv_rows(MERGERS_FILE)[1])


def load_aliases() -> list[Alias]:
    """Common other names (``data/aliassen.csv``)."""
    return parse_aliases(_csv_rows(ALIASES_FILE)[1])
