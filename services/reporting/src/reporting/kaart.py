"""The dashboard's maps of the Netherlands, drawn from the published tables only.

* Provinces, shaded by the share of their gemeenten with a voorgesprek (``dekking-per-
  provincie``), each labelled with that share: readable without telling colours apart.
* Gemeenten by how far the tour came (``bereik-per-gemeente``): not yet, voorgesprek, sessie,
  or not published (the gemeente asked not to be named); each state has its own pattern as
  well as its own colour.

The boundaries (CBS/Kadaster 2025, generalised) ship as SVG paths in ``data/kaart_2025.json``,
made by ``scripts/kaart_maken.py``; the credit goes with every map.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from reporting.domain.disclosure import render_percentage
from reporting.usecases.figures import NOT_PUBLISHED, Table

MAP_FILE = Path(__file__).parent / "data" / "kaart_2025.json"
# Upper bounds of the share classes k1..k5.
SHARE_CLASSES = (0.2, 0.4, 0.6, 0.8)
# Light to dark, one blue (Rijkshuisstijl); patterns (defined in the template) for the states
# that must be told apart without colour.
FILLS = {
    "k1": "#f1f5fa", "k2": "#c6d6ea", "k3": "#8fb0d6", "k4": "#4f7fb9", "k5": "#154273",
    "nog-niet": "#ffffff", "voorgesprek": "url(#ot-kaart-voorgesprek)", "sessie": "#154273",
    "verborgen": "url(#ot-kaart-verborgen)",
}  # fmt: skip


@cache
def boundaries() -> dict[str, Any]:
    return json.loads(MAP_FILE.read_text(encoding="utf-8"))


def share_class(share: float | str) -> str:
    """The class of a share; "—" (a province none of whose gemeenten may be named) has none."""
    if isinstance(share, str):
        return "nog-niet"
    return f"k{1 + sum(share >= bound for bound in SHARE_CLASSES)}"


def stage(voorgesprek: str, sessie: str) -> str:
    """How far the tour came with one gemeente, unless it asked not to be named."""
    if NOT_PUBLISHED in (voorgesprek, sessie):
        return "verborgen"
    if sessie == "ja":
        return "sessie"
    return "voorgesprek" if voorgesprek == "ja" else "nog-niet"


def province_map(table: Table) -> dict[str, Any] | None:
    """The provinces' shapes with class and label, from ``dekking-per-provincie``."""
    if not table.rows:
        return None
    data = boundaries()
    shapes = []
    for name, code, _, _, share, *_ in table.rows:
        shape = data["provincies"].get(code)
        if shape is None:  # a province the 2025 map does not know
            continue
        x, y = shape["label"]
        text = share if isinstance(share, str) else render_percentage(share)
        shapes.append({"name": name, "path": shape["pad"], "bounds": shape["kader"], "x": x,
                       "y": y, "fill": FILLS[share_class(share)],
                       "text": text})  # fmt: skip
    return _frame(data, shapes)


def gemeente_map(table: Table) -> dict[str, Any] | None:
    """The gemeenten's shapes with their stage, from ``bereik-per-gemeente``."""
    if not table.rows:
        return None
    data = boundaries()
    shapes = []
    for name, code, _, voorgesprek, sessie in table.rows:
        shape = data["gemeenten"].get(code)
        if shape is not None:
            state = stage(voorgesprek, sessie)
            shapes.append({"name": name, "path": shape["pad"], "bounds": shape["kader"],
                           "state": state, "fill": FILLS[state]})  # fmt: skip
    provinces = {province for _, _, province, _, _ in table.rows}
    outlines = [p["pad"] for p in data["provincies"].values() if p["naam"] in provinces]
    return {**_frame(data, shapes), "outlines": outlines}


def _frame(data: dict[str, Any], shapes: list[dict[str, Any]]) -> dict[str, Any]:
    """The frame around the shapes drawn (the whole country, or one province zoomed in), with
    the scale that keeps labels at their size."""
    margin = 5.0
    left = min((s["bounds"][0] for s in shapes), default=0.0) - margin
    top = min((s["bounds"][1] for s in shapes), default=0.0) - margin
    width = max((s["bounds"][2] for s in shapes), default=data["breedte"]) + margin - left
    height = max((s["bounds"][3] for s in shapes), default=data["hoogte"]) + margin - top
    return {"box": f"{left:g} {top:g} {width:g} {height:g}", "width": data["breedte"],
            "height": round(data["breedte"] * height / width, 1), "scale": width / data["breedte"],
            "credit": data["bron"], "shapes": shapes}  # fmt: skip
