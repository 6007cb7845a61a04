"""Make reporting's map of the Netherlands (``src/reporting/data/kaart_2025.json``) from the
CBS/Kadaster 2025 boundaries (generalised, GeoJSON, WGS84) in the team's data folder.

    python services/reporting/scripts/kaart_maken.py ../shared/data

Each province and municipality becomes an SVG path in a 400-wide frame (a plain
equirectangular projection, scaled for the latitude of the Netherlands; good enough at this
size), rounded to a tenth of a unit with repeated points dropped: neighbours keep exactly the
same borders because every point is rounded the same way. A province's label goes at the
point inside it from ``provincies-2025.csv``; every shape has its bounding box (``kader``:
left, top, right, bottom) so that a map of a few shapes can zoom in on them. Run it again
when next year's boundaries come.
Credit that ships with the map: "Bron: CBS, Kadaster (CC BY 4.0)".
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

WIDTH = 400.0
OUT = Path(__file__).parents[1] / "src" / "reporting" / "data" / "kaart_2025.json"


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def main(data: Path) -> None:
    provinces = json.loads((data / "provincie_2025.geojson").read_text())["features"]
    municipalities = json.loads((data / "gemeente_2025.geojson").read_text())["features"]
    points = [p for f in provinces for ring in _rings(f["geometry"]) for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    aspect = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * aspect)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return round((lon - west) * aspect * scale, 1), round((north - lat) * scale, 1)

    def bounds(geometry: dict[str, Any]) -> list[float]:
        points = [project(lon, lat) for ring in _rings(geometry) for lon, lat in ring]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        return [min(xs), min(ys), max(xs), max(ys)]

    def path(geometry: dict[str, Any]) -> str:
        parts = []
        for ring in _rings(geometry):
            projected: list[tuple[float, float]] = []
            for lon, lat in ring:
                point = project(lon, lat)
                if not projected or projected[-1] != point:
                    projected.append(point)
            if len(projected) >= 4:
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in projected[:-1]) + "Z")
        return "".join(parts)

    with (data / "provincies-2025.csv").open(encoding="utf-8") as file:
        labels = {row["cbs_code"]: row for row in csv.DictReader(file)}
    map_data = {
        "bron": "Bron: CBS, Kadaster (CC BY 4.0)",
        "breedte": WIDTH,
        "hoogte": round((north - south) * scale, 1),
        "provincies": {
            f["properties"]["statcode"]: {
                "naam": f["properties"]["statnaam"],
                "pad": path(f["geometry"]),
                "kader": bounds(f["geometry"]),
                "label": project(
                    float(labels[f["properties"]["statcode"]]["lon"]),
                    float(labels[f["properties"]["statcode"]]["lat"]),
                ),
            }
            for f in sorted(provinces, key=lambda f: f["properties"]["statcode"])
        },
        "gemeenten": {
            f["properties"]["statcode"]: {
                "naam": f["properties"]["statnaam"],
                "pad": path(f["geometry"]),
                "kader": bounds(f["geometry"]),
            }
            for f in sorted(municipalities, key=lambda f: f["properties"]["statcode"])
        },
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(map_data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
