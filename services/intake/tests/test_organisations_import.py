"""``ontour organisaties import``: a new year's list changes the register, with events."""

from __future__ import annotations

import asyncio
import csv
import io

from intake.app import service as intake
from intake.cli import app as organisaties
from intake.reference_data import GEMEENTEN_FILE, read_data_file
from ontour.contracts.intake import OrganisatieGeregistreerd, OrganisatieGewijzigd
from ontour.testing.plugin import events_on_bus, running_service, scalar
from typer.testing import CliRunner

API = "/intake/api/v1/organisaties"
MERGED = ("GM0308", "GM0310")  # Baarn and De Bilt, merged into a made-up GM1999 for the test
SUCCESSOR = "GM1999"
RENAMED = "GM0312"  # Bunnik


def list_2027() -> str:
    """The shipped gemeenten with one made-up merger and one renaming."""
    rows = list(csv.DictReader(io.StringIO(read_data_file(GEMEENTEN_FILE))))
    kept = [{**row, "voorgangers": ""} for row in rows if row["cbs_code"] not in MERGED]
    for row in kept:
        if row["cbs_code"] == RENAMED:
            row["name"] = "Bunnik aan de Kromme Rijn"
    kept.append(
        {
            "cbs_code": SUCCESSOR,
            "name": "Baarn-De Bilt",
            "province_code": "PV26",
            "province_name": "Utrecht",
            "lat": "52.17",
            "lon": "5.21",
            "voorgangers": ";".join(MERGED),
        }
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(kept[0]))
    writer.writeheader()
    writer.writerows(kept)
    return out.getvalue()


async def run_import(*args: str):
    # The command runs its own event loop (asyncio.run), so it gets a thread of its own.
    return await asyncio.to_thread(CliRunner().invoke, organisaties, ["import", *args])


async def test_a_merger_ends_two_gemeenten_and_links_their_successor(
    tmp_path, nats_url, database_url, idp_url, bearer
):
    url = database_url("intake")
    source = tmp_path / "gemeenten-2027.csv"
    source.write_text(list_2027(), encoding="utf-8")
    async with running_service(
        intake, nats_url=nats_url, database_url=url, idp_url=idp_url, headers=bearer("coordinator")
    ) as api:
        # Baarn asked not to be named: its ending carries that, De Bilt's does not.
        flagged = await api.put(
            f"{API}/{MERGED[0]}/publicatie", json={"not_published": True, "version": 1}
        )
        assert flagged.status_code == 200, flagged.text
        result = await run_import(
            str(source), "--geldig-vanaf", "2027-01-01", "--database-url", url
        )
        assert result.exit_code == 0, result.output
        assert "1 toegevoegd, 1 gewijzigd, 2 beëindigd" in result.output
        assert "GM0308 Baarn: beëindigd per 2027-01-01, opgegaan in GM1999" in result.output

        for code, version in zip(MERGED, (3, 2), strict=True):
            ended = (await api.get(f"{API}/{code}")).json()
            assert ended["valid_until"] == "2027-01-01"
            assert ended["successor_code"] == SUCCESSOR
            assert ended["version"] == version
        successor = (await api.get(f"{API}/{SUCCESSOR}")).json()
        assert (successor["name"], successor["valid_from"]) == ("Baarn-De Bilt", "2027-01-01")
        assert (await api.get(f"{API}/{RENAMED}")).json()["name"] == "Bunnik aan de Kromme Rijn"

        changed = await events_on_bus(nats_url, OrganisatieGewijzigd.nats_subject(), 4)
        by_code = {event["subject"]: event["data"] for event in changed}  # the last per code
        assert by_code[RENAMED]["changed_fields"] == ["name"]
        assert by_code[RENAMED]["not_published"] is False
        for code in MERGED:
            assert by_code[code] == {
                "organisation_code": code,
                "changed_fields": ["valid_until", "successor_code"],
                "valid_until": "2027-01-01",
                "successor_code": SUCCESSOR,
                "tour_status": None,
                "not_published": code == MERGED[0],
            }
        registered = await events_on_bus(nats_url, OrganisatieGeregistreerd.nats_subject(), 355)
        assert len(registered) == 355
        assert registered[-1]["data"]["organisation_code"] == SUCCESSOR
        assert registered[-1]["data"]["valid_from"] == "2027-01-01"

        again = await run_import(str(source), "--geldig-vanaf", "2027-01-01", "--database-url", url)
        assert again.exit_code == 0, again.output
        assert "Het register was al actueel." in again.output
        assert await scalar(api, "SELECT count(*) FROM outbox") == 354 + 1 + 1 + 3


async def test_an_invalid_file_changes_nothing(tmp_path, nats_url, database_url, idp_url, bearer):
    url = database_url("intake")
    source = tmp_path / "kapot.csv"
    source.write_text(
        list_2027() + "XX12,Nergensland,PV26,Utrecht,,,\nGM0014,Dubbel,PV20,Groningen,,,\n",
        encoding="utf-8",
    )
    async with running_service(
        intake, nats_url=nats_url, database_url=url, idp_url=idp_url, headers=bearer("coordinator")
    ) as api:
        before = await scalar(api, "SELECT count(*) FROM outbox")
        result = await run_import(
            str(source), "--geldig-vanaf", "2027-01-01", "--database-url", url
        )
        assert result.exit_code == 1
        assert "er is niets veranderd" in result.output
        assert "'XX12' is geen CBS-code" in result.output
        assert "GM0014 komt al voor in rij" in result.output
        assert await scalar(api, "SELECT count(*) FROM outbox") == before
        assert await scalar(api, "SELECT max(version) FROM organisation") == 1
        assert await scalar(api, "SELECT count(*) FROM organisation") == 354


async def test_a_trial_run_shows_the_plan_and_changes_nothing(
    tmp_path, nats_url, database_url, idp_url, bearer, monkeypatch
):
    # Without --geldig-vanaf the list holds from today in the Netherlands (ontour.clock), which
    # ONTOUR_TODAY moves: the machine's own date would be a day off between 23:00 and 24:00 UTC.
    monkeypatch.setenv("ONTOUR_TODAY", "2027-01-01")
    url = database_url("intake")
    source = tmp_path / "gemeenten-2027.csv"
    source.write_text(list_2027(), encoding="utf-8")
    async with running_service(
        intake, nats_url=nats_url, database_url=url, idp_url=idp_url, headers=bearer("coordinator")
    ) as api:
        result = await run_import(str(source), "--proef", "--database-url", url)
        assert result.exit_code == 0, result.output
        assert "Lijst per 2027-01-01:" in result.output
        assert "2 beëindigd" in result.output and "Proef: er is niets veranderd." in result.output
        assert await scalar(api, "SELECT count(*) FROM organisation") == 354
