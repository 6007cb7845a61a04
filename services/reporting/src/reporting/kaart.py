"""The dashboard's maps of the Netherlands, drawn from the published tables only.

* Provinces, shaded by the share of their gemeenten with a voorgesprek (``dekking-per-
  provincie``), each labelled with that share: readable without telling colours apart.
* Gemeenten by how far the tour came (``bereik-per-gemeente``): not yet, voorgesprek, sessie,
  or not published; each state has its own pattern as well as its own colour.

The boundaries (CBS/Kadaster 2025, generalised) ship as SVG paths in ``data/kaart_2025.json``,
made by ``scripts/kaart_maken.py``; the credit goes with every map.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from reporting.domain.disclosure import Suppressed, render_percentage
from reporting.figures import Table

MAP_FILE = Path(__file__).parent / "data" / "kaart_2025.json"
# Upper bounds of the share classes k1..k5.
SHARE_CLASSES = (0.2, 0.4, 0.6, 0.8)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
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


def share_class(share: float | Suppressed) -> str:
    if isinstance(share, Suppressed):
        return "verborgen"
    return f"k{1 + sum(share >= bound for bound in SHARE_CLASSES)}"


def stage(voorgesprek: str | Suppressed, sessie: str | Suppressed) -> str:
    """How far the tour came with one gemeente, as far as it is published."""
    if isinstance(voorgesprek, Suppressed) or isinstance(sessie, Suppressed):
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
        shapes.append({"name": name, "path": shape["pad"], "x": x, "y": y,
                       "fill": FILLS[share_class(share)],
                       "text": render_percentage(share)})  # fmt: skip
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
            shapes.append({"name": name, "path": shape["pad"], "state": state,
                           "fill": FILLS[state]})  # fmt: skip
    provinces = {province for _, _, province, _, _ in table.rows}
    outlines = [p["pad"] for p in data["provincies"].values() if p["naam"] in provinces]
    return {**_frame(data, shapes), "outlines": outlines}


def _frame(data: dict[str, Any], shapes: list[dict[str, Any]]) -> dict[str, Any]:
    """The frame around the shapes drawn: the whole country, or one province zoomed in."""
    frame = {"box": f"0 0 {data['breedte']:g} {data['hoogte']:g}", "width": data["breedte"],
             "height": data["hoogte"], "credit": data["bron"], "shapes": shapes,
             "scale": 1.0}  # fmt: skip
    if shapes and len(shapes) < len(data["gemeenten"]) // 2:
        numbers = [float(n) for shape in shapes for n in _NUMBER.findall(shape["path"])]
        xs, ys = numbers[0::2], numbers[1::2]
        left, top = min(xs) - 5, min(ys) - 5
        box_width, box_height = max(xs) - left + 5, max(ys) - top + 5
        frame["box"] = f"{left:g} {top:g} {box_width:g} {box_height:g}"
        frame["height"] = round(data["breedte"] * box_height / box_width, 1)
        frame["scale"] = box_width / data["breedte"]  # keeps labels at their size
    return frame
