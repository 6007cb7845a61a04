"""A release as the JSON document it is stored as (frozen), and back.

The document holds what was published (cells, statistics, table shapes, relations, merged
rows) and, kept apart under ``intern``, the true counts a later release and the year view need;
``intern`` is never served.
"""

from __future__ import annotations

from typing import Any

from reporting.domain.attacker import Relation, Sense
from reporting.domain.disclosure import Cell, Reason, Statistic, Suppressed
from reporting.domain.quarters import Quarter
from reporting.domain.release import Release, Row, TableShape, YearView


def _value(value: Cell | Statistic | str) -> Any:
    if isinstance(value, Suppressed):
        return {"reden": value.reason.value, "drempel": value.threshold}
    return value


def _parse(value: Any) -> Any:
    if isinstance(value, dict):
        return Suppressed(Reason(value["reden"]), value["drempel"])
    return value


def _tables(tables: tuple[TableShape, ...]) -> list[dict[str, Any]]:
    return [
        {"naam": t.name, "titel": t.title, "kolom": t.column,
         "rijen": [[row.label, row.cell] for row in t.rows]}
        for t in tables
    ]  # fmt: skip


def _shapes(tables: list[dict[str, Any]]) -> tuple[TableShape, ...]:
    return tuple(
        TableShape(t["naam"], t["titel"], t["kolom"],
                   tuple(Row(label, cell) for label, cell in t["rijen"]))
        for t in tables
    )  # fmt: skip


def _relations(relations: tuple[Relation, ...]) -> list[Any]:
    return [[[[k, c] for k, c in r.terms], r.sense.value] for r in relations]


def _parse_relations(document: list[Any]) -> tuple[Relation, ...]:
    return tuple(
        Relation(tuple((k, c) for k, c in terms), Sense(sense)) for terms, sense in document
    )


def year_to_document(view: YearView) -> dict[str, Any]:
    return {
        "jaar": view.year,
        "tabellen": _tables(view.tables),
        "cellen": {k: _value(v) for k, v in view.cells.items()},
        "relaties": _relations(view.relations),
    }


def year_from_document(document: dict[str, Any]) -> YearView:
    return YearView(
        year=document["jaar"],
        tables=_shapes(document["tabellen"]),
        cells={k: _parse(v) for k, v in document["cellen"].items()},
        relations=_parse_relations(document["relaties"]),
    )


def to_document(release: Release) -> dict[str, Any]:
    return {
        "kwartaal": release.quarter.id,
        "drempel": release.threshold,
        "tabellen": _tables(release.tables),
        "cellen": {k: _value(v) for k, v in release.cells.items()},
        "statistieken": {k: _value(v) for k, v in release.statistics.items()},
        "relaties": _relations(release.relations),
        "samengevoegd": [list(m) for m in release.merged],
        "intern": {"aantallen": dict(release.counts), "geteld": dict(release.counted)},
    }  # fmt: skip


def from_document(document: dict[str, Any]) -> Release:
    return Release(
        quarter=Quarter.parse(document["kwartaal"]),
        threshold=document["drempel"],
        tables=_shapes(document["tabellen"]),
        cells={k: _parse(v) for k, v in document["cellen"].items()},
        statistics={k: _parse(v) for k, v in document["statistieken"].items()},
        relations=_parse_relations(document["relaties"]),
        counts=document["intern"]["aantallen"],
        merged=tuple(tuple(m) for m in document["samengevoegd"]),
        counted=document["intern"]["geteld"],
    )  # fmt: skip
