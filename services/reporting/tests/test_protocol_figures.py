"""Melden helpt: how many organisations with a voorgesprek have an aggression protocol and a
reporting point for office holders, at their voorgesprek and now (exact tour figures, with
"niet publiceren" respected), on the API, the dashboard and in the exports."""

from __future__ import annotations

from datetime import date

from ontour.contracts.intake import OrganisatieGewijzigd
from ontour.contracts.intake import OrganisatieVeld as Veld
from reporting.domain.protocol import Answer, tally
from reporting_support import project
from test_reporting_service import API, arrangements, held, register, table

MARCH, JUNE = date(2025, 3, 4), date(2025, 6, 1)
NOT_DIVIDED = "niet uitgesplitst (organisaties die niet genoemd willen worden)"


def test_the_answer_at_the_voorgesprek_is_the_one_that_held_that_day():
    answers = [
        Answer("GM0344", "aggression_protocol", MARCH, "nee"),
        Answer("GM0344", "aggression_protocol", JUNE, "ja"),
        Answer("GM0344", "officials_reporting_point", JUNE, "ja"),  # only after the voorgesprek
        Answer("GM0014", "aggression_protocol", MARCH, "onbekend"),
        Answer("GM9999", "aggression_protocol", MARCH, "ja"),  # no voorgesprek: not counted
    ]
    found = tally({"GM0344": MARCH, "GM0014": JUNE}, answers)
    assert found.organisations == 2
    assert found.then == {Veld.AGGRESSION_PROTOCOL: 0, Veld.OFFICIALS_REPORTING_POINT: 0}
    assert found.now == {Veld.AGGRESSION_PROTOCOL: 1, Veld.OFFICIALS_REPORTING_POINT: 1}


def values(row: list) -> list:
    return [row[0], *(c["waarde"] for c in row[1:])]


async def test_the_shares_per_province_then_and_now(api):
    await project(api, *register())
    await project(api, held("GM0344", MARCH), held("GM0344", date(2025, 9, 1)),
                  held("GM0014", MARCH), held("PV26", MARCH))  # fmt: skip
    await project(api, *arrangements("GM0344", ("nee", "2025-03-04"), ("ja", "2025-06-01")))
    await project(api, *arrangements("GM0014", ("ja", "2025-03-04")))
    figures = (await api.get(f"{API}/tour")).json()
    melden = table(figures, "melden-helpt-per-provincie")
    assert melden["kolommen"][:4] == [
        "provincie",
        "organisaties met een voorgesprek",
        "agressieprotocol bij het voorgesprek: aantal",
        "agressieprotocol bij het voorgesprek: aandeel",
    ]
    rows = {row[0]: values(row) for row in melden["rijen"]}
    # Groningen: GM0014 had a protocol at its voorgesprek and has it now; its reporting point
    # too. Utrecht: GM0344 adopted a protocol after its voorgesprek; PV26 answered nothing.
    assert rows["Groningen"] == ["Groningen", 1, 1, 1.0, 1, 1.0, 1, 1.0, 1, 1.0]
    assert rows["Utrecht"] == ["Utrecht", 2, 0, 0.0, 1, 0.5, 1, 0.5, 1, 0.5]
    assert rows["totaal"] == ["totaal", 3, 1, 1 / 3, 2, 2 / 3, 2, 2 / 3, 2, 2 / 3]

    utrecht = (await api.get(f"{API}/tour", params={"provincie": "PV26"})).json()
    assert [r[0] for r in table(utrecht, "melden-helpt-per-provincie")["rijen"]] == [
        "Utrecht", "totaal"
    ]  # fmt: skip
    page = await api.get("/reporting/")
    assert "Melden helpt: afspraken tegen agressie" in page.text
    assert "agressieprotocol nu: aandeel" in page.text and "50%" in page.text
    csv = await api.get(f"{API}/tabellen/melden-helpt-per-provincie", params={"formaat": "csv"})
    assert csv.status_code == 200 and "Utrecht" in csv.text


async def test_an_organisation_not_to_be_named_counts_only_in_the_total(api):
    await project(api, *register())
    await project(api, OrganisatieGewijzigd(
        organisation_code="GM0014", changed_fields=["not_published"], valid_until=None,
        successor_code=None, not_published=True,
    ))  # fmt: skip
    await project(api, held("GM0014", MARCH), held("GM0344", MARCH))
    await project(api, *arrangements("GM0014", ("ja", "2025-03-04"), not_published=True))
    figures = (await api.get(f"{API}/tour")).json()
    rows = {row[0]: values(row) for row in table(figures, "melden-helpt-per-provincie")["rijen"]}
    assert "Groningen" not in rows
    assert rows[NOT_DIVIDED][:6] == [NOT_DIVIDED, 1, 1, 1.0, 1, 1.0]
    assert rows["totaal"][:6] == ["totaal", 2, 1, 0.5, 1, 0.5]
    groningen = (await api.get(f"{API}/tour", params={"provincie": "PV20"})).json()
    assert table(groningen, "melden-helpt-per-provincie")["rijen"] == []
