"""The bulk import through the API: a messy spreadsheet, a row-by-row report, no duplicates."""

from __future__ import annotations

import io

from ontour.testing.plugin import events_on_bus, scalar
from openpyxl import Workbook

API = "/intake/api/v1/imports"

# What the team's spreadsheets really look like: semicolons, dates three ways, trailing
# spaces, an old municipality name, a name instead of a code, a duplicate, empty lines.
MESSY = (
    "Gemeente;Datum voorgesprek;Gespreksvorm;Thema's;Sessie gewenst;Voorkeursperiode;"
    "Teamlid;Kleur\n"
    "GM0363;03-03-2024;fysiek;agressie en intimidatie;ja;najaar 2024;Tom Teamlid;rood\n"
    "  Haren ;2024-04-10; Teams ;nazorg, online intimidatie;later;;Fatima Teamlid;\n"
    "Provincie Utrecht;3 maart 2024;tel.;integriteit;nee;;;\n"
    ";;;;;;;\n"
    "GM0363;3-3-2024;Fysiek;Agressie & intimidatie;Ja;Najaar 2024;Tom Teamlid;blauw\n"
    "Atlantis;01-02-2024;fysiek;;;;;\n"
    "GM0014;31-02-2024;online;;;;;\n"
    "GM0014;01-02-2024;per duif;weer;;;;\n"
    "GM0014;01-02-2099;online;;;;;\n"
    "\n"
    "\n"
)


async def upload(api, name: str, content: bytes):
    response = await api.post(API, files={"file": (name, content)})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_messy_file_imports_what_is_valid_and_reports_every_row(api, nats_url):
    report = await upload(api, "voorgesprekken.csv", MESSY.encode("utf-8"))
    by_row = {r["row"]: r for r in report["report"]}
    assert sorted(by_row) == list(range(2, 13))  # every row, none silently dropped
    assert [by_row[n]["status"] for n in range(2, 13)] == [
        "geimporteerd",
        "geimporteerd",
        "geimporteerd",
        "overgeslagen",
        "dubbel",
        "afgewezen",
        "afgewezen",
        "afgewezen",
        "afgewezen",
        "overgeslagen",
        "overgeslagen",
    ]
    assert by_row[3]["organisation_code"] == "GM0014"  # Haren went into Groningen
    assert "Haren" in by_row[3]["reasons"][0]
    assert by_row[4]["organisation_code"] == "PV26"
    assert "rij 2" in by_row[6]["reasons"][-1]
    assert "organisatie" in by_row[7]["reasons"][0]
    assert "bestaat niet" in by_row[8]["reasons"][0]
    reasons_9 = " ".join(by_row[9]["reasons"])
    assert "vorm" in reasons_9 and "thema" in reasons_9  # every error of a row, per column
    assert "toekomst" in by_row[10]["reasons"][-1]
    assert report["ignored_columns"] == ["Kleur"]
    assert report["counts"]["geimporteerd"] == 3

    assert await scalar(api, "SELECT count(*) FROM voorgesprek") == 3
    held = await events_on_bus(nats_url, "ontour.intake.voorgesprek.gehouden.v1", 3)
    assert {e["data"]["organisation_code"] for e in held} == {"GM0363", "GM0014", "PV26"}
    requests = await events_on_bus(nats_url, "ontour.intake.sessieverzoek.ingediend.v1", 1)
    assert requests[0]["data"]["preferred_periods"] == [
        {"start": "2024-09-01", "end": "2024-11-30"}
    ]

    again = await upload(api, "voorgesprekken.csv", MESSY.encode("utf-8"))
    assert again["counts"]["geimporteerd"] == 0
    assert again["counts"]["dubbel"] == 4
    assert await scalar(api, "SELECT count(*) FROM voorgesprek") == 3

    stored = (await api.get(f"{API}/{report['id']}")).json()
    assert stored["report"] == report["report"]
    as_csv = await api.get(f"{API}/{report['id']}", params={"formaat": "csv"})
    assert as_csv.content.decode("utf-8-sig").splitlines()[0] == (
        "rij;status;organisatie;datum;toelichting;voorgesprek"
    )


async def test_an_xlsx_file_with_real_dates_and_numbers(api):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["organisatie", "datum", "vorm", "deelnemers_raadsleden", "tijd"])
    from datetime import datetime

    sheet.append(["Amsterdam", datetime(2024, 5, 6), "online", 12.0, "19.30"])
    sheet.append(["GM0344", "6 mei 2024", "fysiek", None, None])
    out = io.BytesIO()
    workbook.save(out)
    report = await upload(api, "lijst.xlsx", out.getvalue())
    assert report["counts"]["geimporteerd"] == 2, report
    listed = await api.get("/intake/api/v1/voorgesprekken", params={"organisatie": "GM0363"})
    item = listed.json()["items"][0]
    assert item["participants"] == {"raadsleden": 12}
    assert item["start_time"] == "19:30"


async def test_a_file_without_a_required_column_rejects_every_row(api):
    report = await upload(api, "x.csv", b"organisatie;vorm\nGM0363;fysiek\nGM0014;online\n")
    assert report["counts"]["afgewezen"] == 2
    assert "datum" in report["report"][0]["reasons"][0]
    assert await scalar(api, "SELECT count(*) FROM voorgesprek") == 0


async def test_a_file_that_is_no_spreadsheet_gets_a_clear_answer(api):
    response = await api.post(API, files={"file": ("x.xlsx", b"PK\x03\x04 not really")})
    assert response.status_code == 422
    assert response.json()["invalidParams"][0]["name"] == "file"
    assert "XLSX" in response.json()["detail"]


async def test_the_template_downloads(api):
    response = await api.get(f"{API}/sjabloon")
    header = response.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert header[:3] == ["organisatie", "datum", "tijd"]
    assert "vertrouwelijke_notitie" in header


async def test_a_file_part_that_is_no_file_names_the_field(api):
    response = await api.post(API, data={"file": "voorgesprekken.csv"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    (param,) = response.json()["invalidParams"]
    assert param["name"] == "file"
    assert param["reason"] == "moet een bestand zijn"


async def test_an_oversized_sheet_is_refused_in_dutch(api, monkeypatch):
    from intake.domain import upload as importing

    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    workbook = Workbook()
    for _ in range(10):
        workbook.active.append(["GM0363", "2024-03-03", "fysiek"])
    out = io.BytesIO()
    workbook.save(out)
    response = await api.post(API, files={"file": ("groot.xlsx", out.getvalue())})
    assert response.status_code == 422
    assert response.json()["invalidParams"][0]["name"] == "file"
    assert "meer dan 3 rijen" in response.json()["detail"]
    assert await scalar(api, "SELECT count(*) FROM voorgesprek") == 0
