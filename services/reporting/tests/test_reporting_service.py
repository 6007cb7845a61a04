"""Reporting as a service: hand-made event sequences on a real NATS in, published figures out
(known answers, small counts hidden), duplicates and late revisions, dead letters, exports
and the dashboard page."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import nats
from ontour.contracts.aftercare import NazorgAangevraagd, NazorgGematcht, NazorgGewist
from ontour.contracts.intake import (
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    OrganisatieSoort,
    SessieWens,
    Thema,
    VoorgesprekGehouden,
)
from ontour.contracts.scheduling import SessieGehouden, SessieGepland, SessieVerplaatst
from ontour.events import CloudEvent, EventData
from ontour.i18n import untranslated_messages
from ontour.messaging.consumer import Verdict
from ontour.testing.delivery import consumer_for, wait_processed
from ontour.testing.plugin import scalar, scrape_metrics
from openpyxl import load_workbook
from prometheus_client.parser import text_string_to_metric_families
from pypdf import PdfReader
from reporting import pages
from reporting.app import service as reporting
from reporting.rebuild import rebuild
from reporting_support import project
from sqlalchemy import text

API = "/reporting/api/v1"
tour_consumer = consumer_for(reporting.consumers, VoorgesprekGehouden)
ORGANISATIONS = [("GM0344", "Utrecht", "PV26"), ("GM0014", "Groningen", "PV20"),
                 ("PV26", "Utrecht", "PV26"), ("PV20", "Groningen", "PV20")]  # fmt: skip


async def publish(nats_url: str, *events: EventData, event_id: uuid.UUID | None = None) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for data in events:
        envelope = CloudEvent.wrap(data, event_id=event_id)
        await js.publish(
            data.nats_subject(),
            envelope.encode(),
            headers={"Nats-Msg-Id": str(envelope.id)},
        )
    await nc.close()


async def caught_up(nats_url: str) -> None:
    """Every message of every stream reporting reads acked (or parked) by its consumer."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    last = [(c, (await js.stream_info(c.stream)).state.last_seq) for c in reporting.consumers]
    await nc.close()
    for consumer, sequence in last:
        await wait_processed(consumer, sequence, nats_url=nats_url)


def register() -> list[EventData]:
    return [
        OrganisatieGeregistreerd(
            organisation_code=code, kind=OrganisatieSoort("provincie" if code.startswith("PV")
                                                          else "gemeente"),
            province_code=province, valid_from=None, organisation_name=name,
        )
        for code, name, province in ORGANISATIONS
    ]  # fmt: skip


def held(code: str, on: date, revision: int = 1, **extra) -> VoorgesprekGehouden:
    return VoorgesprekGehouden(
        voorgesprek_id=extra.pop("voorgesprek_id", uuid.uuid4()), organisation_code=code,
        held_on=on, mode="fysiek", revision=revision, **extra,
    )  # fmt: skip


def arrangements(
    code: str, *answers: tuple[str, str], not_published: bool = False
) -> list[OrganisatieGewijzigd]:
    """Its arrangements changing: each answer (and its day) for the aggression protocol, the
    reporting point "ja" from the first day on."""
    first_day = answers[0][1]
    point = {"answer": "ja", "since": first_day}
    return [
        OrganisatieGewijzigd.model_validate({
            "organisation_code": code, "changed_fields": ["aggression_protocol"],
            "valid_until": None, "successor_code": None,
            "aggression_protocol": {"answer": answer, "since": since},
            "officials_reporting_point": point, "not_published": not_published,
        })
        for answer, since in answers
    ]  # fmt: skip


def cell(figures: dict, name: str, label: str, column: int = 1) -> dict:
    return next(row[column] for row in table(figures, name)["rijen"] if row[0] == label)


async def processed(api, count: int) -> None:
    """At least ``count`` voorgesprekken in the read model (the events were delivered)."""
    assert await scalar(api, "SELECT count(*) FROM rm_voorgesprek") >= count


async def test_tour_figures_are_exact_by_month_and_province(api):
    await project(api, *register())
    march = [held("GM0344", date(2025, 3, d), themes=[Thema.NAZORG]) for d in range(1, 8)]
    april = [held("GM0014", date(2025, 4, 2)), held("GM0014", date(2025, 4, 9))]
    await project(api, *march, *april)
    await processed(api, 9)

    figures = (await api.get(f"{API}/tour")).json()
    assert cell(figures, "kerncijfers", "voorgesprekken gehouden") == {
        "waarde": 9, "onderdrukt": None, "reden": None
    }  # fmt: skip
    # Organisations and the team's own visits are not about people: small counts are shown.
    assert cell(figures, "voorgesprekken-per-maand", "apr 2025")["waarde"] == 2
    assert cell(figures, "voorgesprekken-per-maand", "mrt 2025")["waarde"] == 7
    assert cell(figures, "voorgesprekken-per-maand", "totaal")["waarde"] == 9
    # What voorgesprekken say about themes is about people: only in releases.
    assert "themas" not in [t["naam"] for t in figures["tabellen"]]
    assert figures["bijgewerkt_tot"] is not None and figures["onvolledig"] is False

    only_march = await api.get(f"{API}/tour", params={"van": "2025-03-01", "tot": "2025-03-31"})
    assert cell(only_march.json(), "kerncijfers", "voorgesprekken gehouden")["waarde"] == 7
    utrecht = (await api.get(f"{API}/tour", params={"provincie": "PV26"})).json()
    assert cell(utrecht, "kerncijfers", "voorgesprekken gehouden")["waarde"] == 7
    assert [row[0] for row in table(utrecht, "dekking-per-provincie")["rijen"]] == ["Utrecht"]
    assert table(utrecht, "bereik-per-gemeente")["rijen"] == [
        ["Utrecht", "GM0344", "Utrecht", "ja", "nee"]
    ]
    page = await api.get("/reporting/", params={"provincie": "PV26"})
    assert page.status_code == 200 and 'id="kaart-gemeenten-titel"' in page.text
    assert 'class="ot-kpi"' in page.text  # key figures first


HELD = '<th scope="row">voorgesprekken gehouden</th><td class="ot-numeric">{}</td>'


async def test_the_dashboard_draws_the_tour_once_per_version_of_its_figures(api):
    """The tour's section (tables, charts, maps: most of the page) is rendered once and kept
    while the figures stay the same; a new event shows at once."""
    await project(api, *register())
    await project(api, held("GM0344", date(2025, 4, 2)))
    await processed(api, 1)
    first = await api.get("/reporting/")
    again = await api.get("/reporting/")
    assert HELD.format(1) in first.text
    assert [key[0] for key in api.app.state.dashboard_sections] == ["tour"]
    tour = first.text.index('<h2 id="tour">')
    assert again.text[tour:] == first.text[tour:]

    await project(api, held("GM0014", date(2025, 4, 3)))
    await processed(api, 2)
    later = await api.get("/reporting/")
    assert HELD.format(2) in later.text and HELD.format(1) not in later.text


async def test_a_late_event_changes_the_figures_at_once_though_not_the_moment(api):
    """An event older than the newest leaves "bijgewerkt tot" as it was, but the figures
    (kept while the read models stay the same) show it on the next look."""
    await project(api, *register())
    await project(api, CloudEvent.wrap(held("GM0344", date(2025, 4, 2))))
    await processed(api, 1)
    first = (await api.get(f"{API}/tour")).json()
    assert cell(first, "kerncijfers", "voorgesprekken gehouden")["waarde"] == 1
    late = datetime.now(UTC) - timedelta(days=3)
    await project(api, CloudEvent.wrap(held("GM0014", date(2025, 3, 5)), time=late))
    await processed(api, 2)
    later = (await api.get(f"{API}/tour")).json()
    assert later["bijgewerkt_tot"] == first["bijgewerkt_tot"]
    assert cell(later, "kerncijfers", "voorgesprekken gehouden")["waarde"] == 2
    page = await api.get("/reporting/")
    assert HELD.format(2) in page.text


async def test_an_organisation_that_asked_not_to_be_named_counts_only_nationally(api):
    await project(api, *register())
    await project(api, OrganisatieGewijzigd(
        organisation_code="GM0014", changed_fields=["not_published"], valid_until=None,
        successor_code=None, not_published=True,
    ))  # fmt: skip
    await project(api, held("GM0014", date(2025, 4, 2)), held("GM0344", date(2025, 4, 3)))
    await processed(api, 2)
    assert await scalar(api, "SELECT not_published FROM rm_organisation WHERE code='GM0014'")
    figures = (await api.get(f"{API}/tour")).json()
    assert cell(figures, "kerncijfers", "voorgesprekken gehouden")["waarde"] == 2  # national
    per_province = {
        row[0]: row[1]["waarde"] for row in table(figures, "voorgesprekken-per-provincie")["rijen"]
    }
    assert per_province["Utrecht"] == 1 and "Groningen" not in per_province
    assert per_province["niet uitgesplitst (organisaties die niet genoemd willen worden)"] == 1
    gemeenten = {row[1]: row[3:] for row in table(figures, "bereik-per-gemeente")["rijen"]}
    assert gemeenten["GM0014"] == ["niet gepubliceerd", "niet gepubliceerd"]
    groningen = (await api.get(f"{API}/tour", params={"provincie": "PV20"})).json()
    assert cell(groningen, "kerncijfers", "voorgesprekken gehouden")["waarde"] == 0
    page = await api.get("/reporting/")
    assert "niet gepubliceerd (op eigen verzoek)" in page.text


def table(figures: dict, name: str) -> dict:
    [found] = [t for t in figures["tabellen"] if t["naam"] == name]
    return found


async def test_a_correction_replaces_and_a_late_old_revision_changes_nothing(api):
    await project(api, *register())
    voorgesprek_id = uuid.uuid4()
    first = held("GM0344", date(2025, 3, 1), 1, voorgesprek_id=voorgesprek_id)
    corrected = held("GM0344", date(2025, 3, 2), 2, voorgesprek_id=voorgesprek_id,
                     session_wish=SessieWens.JA)  # fmt: skip
    duplicate_id = uuid.uuid4()
    await project(api, corrected)
    await project(api, first)  # arrives late
    duplicate = CloudEvent.wrap(held("GM0014", date(2025, 3, 3)), event_id=duplicate_id)
    await project(api, duplicate)
    await project(api, duplicate, verdict=Verdict.DUPLICATE)  # again: no second effect
    await processed(api, 2)
    assert await scalar(api, "SELECT count(*) FROM inbox") >= 5
    assert await scalar(api, "SELECT count(*) FROM rm_voorgesprek") == 2
    assert str(await scalar(
        api, f"SELECT held_on FROM rm_voorgesprek WHERE id = '{voorgesprek_id}'"
    )) == "2025-03-02"  # fmt: skip


async def coordinator_releases(api, bearer) -> list[dict]:
    response = await api.post(f"{API}/nazorg/vrijgaven", json={}, headers=bearer("coordinator"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_aftercare_figures_exist_only_as_frozen_releases(api, bearer):
    """The ministry's old view moved with every request (total 14 → 15 and a new row for a
    King's Commissioner). Now nothing moves before the next release."""
    day = datetime(2026, 5, 4, 10, tzinfo=UTC)  # in 2026-K2, released since mid-July
    consented = [
        NazorgAangevraagd(case_id=uuid.uuid4(), at=day + timedelta(days=d), statistics_consent=True,
                          role_category="raadslid", incident_categories=["online intimidatie"],
                          wants_woman=True)
        for d in range(6)
    ]  # fmt: skip
    not_consented = [
        NazorgAangevraagd(case_id=uuid.uuid4(), at=day, statistics_consent=False) for _ in range(4)
    ]
    matched = [NazorgGematcht(case_id=c.case_id, at=c.at + timedelta(days=1),
                              statistics_consent=True) for c in consented]  # fmt: skip
    await project(api, *consented, *not_consented, *matched)
    assert await scalar(api, "SELECT count(*) FROM rm_case WHERE matched_on IS NOT NULL") == 6
    assert await scalar(api, "SELECT count(*) FROM rm_case") == 6  # no consent: not kept
    # Nothing moved for whoever watches the tour: aftercare events move no freshness stamp.
    assert (await api.get(f"{API}/tour")).json()["bijgewerkt_tot"] is None
    assert (await api.get(f"{API}/nazorg")).status_code == 404  # nothing released yet
    ministry_tries = await api.post(f"{API}/nazorg/vrijgaven", json={})
    assert ministry_tries.status_code == 403

    dry = await api.post(f"{API}/nazorg/vrijgaven", json={"proefrun": True},
                         headers=bearer("coordinator"))  # fmt: skip
    assert {o["uitkomst"] for o in dry.json()} == {"proefrun"}
    assert (await api.get(f"{API}/nazorg/vrijgaven")).json()["vrijgaven"] == []
    outcomes = await coordinator_releases(api, bearer)
    assert [o["kwartaal"] for o in outcomes][:2] == ["2025-K1", "2025-K2"]
    assert {o["uitkomst"] for o in outcomes} == {"vrijgegeven"}
    assert (await coordinator_releases(api, bearer))[0]["uitkomst"] == "al vrijgegeven"

    first_read = (await api.get(f"{API}/nazorg/vrijgaven/2026-K2")).json()
    assert cell(first_read, "nazorg-kerncijfers",
                "nazorgverzoeken (met toestemming voor statistiek)")["waarde"] == 6  # fmt: skip
    assert cell(first_read, "nazorg-kerncijfers", "aandeel over online intimidatie")[
        "waarde"] == 1.0  # fmt: skip
    assert cell(first_read, "nazorg-per-functie", "commissaris van de Koning") == {
        "waarde": None, "onderdrukt": "<5", "reden": "klein-aantal"
    }  # fmt: skip
    assert (await api.get(f"{API}/nazorg/vrijgaven/2026-Q2")).json() == first_read
    assert (await api.get(f"{API}/nazorg")).json()["id"] == "2026-K3"  # the newest

    # One more request in the released quarter, by a King's Commissioner: the ministry reads
    # again and sees exactly the same.
    late = NazorgAangevraagd(case_id=uuid.uuid4(), at=day, statistics_consent=True,
                             role_category="commissaris van de Koning",
                             incident_categories=["online intimidatie"])  # fmt: skip
    await project(api, late)
    assert await scalar(api, "SELECT count(*) FROM rm_case") == 7
    assert (await api.get(f"{API}/nazorg/vrijgaven/2026-K2")).json() == first_read
    assert (await api.get(f"{API}/tour")).json()["bijgewerkt_tot"] is None

    # No free periods; unknown or unreleased ids are told which releases exist.
    period = await api.get(f"{API}/nazorg", params={"van": "2026-01-01", "tot": "2026-06-29"})
    assert period.status_code == 422
    assert "2025-K1" in period.json()["detail"] and "2026-K3" in period.json()["detail"]
    for wrong, status in (("2026-K4", 404), ("2026-K9", 422), ("juni", 422)):
        response = await api.get(f"{API}/nazorg/vrijgaven/{wrong}")
        assert response.status_code == status, wrong
        assert response.headers["content-type"] == "application/problem+json"
        assert "2026-K3" in response.json()["detail"]
    teamlid = await api.get(f"{API}/nazorg/vrijgaven/2026-K2", headers=bearer("teamlid"))
    assert teamlid.status_code == 403
    listed = (await api.get(f"{API}/nazorg/vrijgaven")).json()
    assert listed["volgende"] == "2026-K4" and listed["volgende_op"] == "2027-01-15"
    assert (await api.get(f"{API}/nazorg/jaren/2025")).status_code == 200
    assert (await api.get(f"{API}/nazorg/jaren/2026")).status_code == 404
    as_csv = await api.get(f"{API}/tabellen/nazorg-per-functie",
                           params={"vrijgave": "2026-K2", "formaat": "csv"})  # fmt: skip
    assert "commissaris van de Koning;<5" in as_csv.content.decode("utf-8-sig").splitlines()
    free = await api.get(f"{API}/tabellen/nazorg-per-functie", params={"van": "2026-01-01"})
    assert free.status_code == 422
    page = await api.get("/reporting/", params={"vrijgave": "2026-K2"})
    assert "2e kwartaal 2026" in page.text and "&lt;5" in page.text


async def test_held_sessions_with_scores(api):
    before = await scrape_metrics(api)  # the registry lives as long as the process
    await project(api, *register())
    sessions = [
        SessieGehouden(session_id=uuid.uuid4(), request_id=uuid.uuid4(), organisation_code="GM0344",
                       revision=3, held_on=date(2025, 10, d), participants=20 + d,
                       evaluation_score=6 + d % 4, team_size=2)
        for d in range(1, 6)
    ]  # fmt: skip
    await project(api, *sessions)
    assert await scalar(api, "SELECT count(*) FROM rm_session") == 5
    figures = (await api.get(f"{API}/tour")).json()
    assert cell(figures, "kerncijfers", "sessies gehouden")["waarde"] == 5
    assert cell(figures, "kerncijfers", "deelnemers aan sessies")["waarde"] == 115
    assert cell(figures, "kerncijfers", "evaluatiecijfer (mediaan)")["waarde"] == 7  # 6,7,7,8,9
    pipeline = await scrape_metrics(api)
    newest = await scalar(api, "SELECT extract(epoch FROM last_event_at) FROM rm_state")
    assert metric(pipeline, "ontour_reporting_last_event_timestamp_seconds") == float(newest)
    for name, labels, grown in (
        ("ontour_reporting_rows_projected_total", {"table": "rm_session"}, 5),
        ("ontour_reporting_figures_seconds_count", {"kind": "tour"}, 1),
    ):
        assert metric(pipeline, name, **labels) - metric(before, name, 0.0, **labels) >= grown


def metric(response, name: str, missing: float | None = None, **labels: str) -> float:
    """One sample of the service's Prometheus metrics (``missing`` if it has none yet)."""
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    if missing is not None:
        return missing
    raise AssertionError(f"no metric {name} {labels}")


async def test_an_unreadable_event_is_dead_lettered_and_the_figures_say_so(api, nats_url):
    nc = await nats.connect(nats_url)
    ack = await nc.jetstream().publish("ontour.intake.voorgesprek.gehouden.v1", b"{not json")
    await nc.close()
    # Parked (the dead letter stored) before the original is terminated: then acked.
    await wait_processed(tour_consumer, ack.seq, nats_url=nats_url)
    assert (await api.get(f"{API}/tour")).json()["onvolledig"]
    page = await api.get("/reporting/", headers={"Accept": "text/html"})
    assert "Deze cijfers zijn mogelijk onvolledig" in page.text
    assert metric(await scrape_metrics(api), "ontour_reporting_dead_letters") == 1


async def test_a_period_ending_before_it_starts_is_refused_in_dutch(api):
    response = await api.get(f"{API}/tour", params={"van": "2025-05-01", "tot": "2025-04-01"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalidParams"][0] == {
        "name": "tot", "reason": "de einddatum ligt voor de begindatum"
    }  # fmt: skip
    unknown = await api.get(f"{API}/tour", params={"provincie": "PV99"})
    assert unknown.status_code == 422
    assert unknown.json()["invalidParams"][0]["name"] == "provincie"


async def test_exports_and_the_dashboard_show_the_same_published_cells(api):
    await project(api, *register(), held("GM0344", date(2025, 3, 1)))
    await processed(api, 1)
    as_csv = await api.get(f"{API}/tabellen/kerncijfers", params={"formaat": "csv"})
    lines = as_csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ";waarde" and "voorgesprekken gehouden;1" in lines
    as_xlsx = await api.get(f"{API}/tabellen/voorgesprekken-per-maand", params={"formaat": "xlsx"})
    rows = list(load_workbook(io.BytesIO(as_xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("mrt 2025", "1")
    assert (await api.get(f"{API}/tabellen/bestaat-niet")).status_code == 404
    page = await api.get("/reporting/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<svg" in page.text


def test_every_text_of_the_dashboard_has_dutch():
    missing = untranslated_messages(pages.LOCALE, pages.TEMPLATES, [Path(pages.__file__)])
    assert not missing, missing


async def test_the_quarterly_report_is_a_pdf_with_the_published_figures(api, bearer):
    await project(api, *register())
    await project(api, *[held("GM0344", date(2025, 8, d)) for d in range(1, 9)])
    await project(api, held("GM0014", date(2025, 9, 3)))
    await processed(api, 9)
    response = await api.get(f"{API}/kwartaalrapportage", params={"kwartaal": "2025-K3"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Voortgangsrapportage On Tour – 3e kwartaal 2025" in text
    assert "Voorgesprekken gehouden per maand" in text
    assert "voorgesprekken gehouden 9" in text.replace("  ", " ")
    assert "nog niet vrijgegeven" in text
    assert "CBS, Kadaster" in text
    await coordinator_releases(api, bearer)
    released = await api.get(f"{API}/kwartaalrapportage", params={"kwartaal": "2025-K3"})
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(released.content)).pages)
    assert "vrijgave 2025-K3" in text and "Besproken thema's in voorgesprekken" in text
    wrong = await api.get(f"{API}/kwartaalrapportage", params={"kwartaal": "2025-Q5"})
    assert wrong.status_code == 422


async def read_models(api) -> dict[str, list]:
    """Every row of every read model, in a fixed order."""
    async with api.app.state.runtime.sessions() as session:
        return {
            table: sorted(map(tuple, (await session.execute(text(f"SELECT * FROM {table}")))),
                          key=repr)
            for table in ("rm_organisation", "rm_voorgesprek", "rm_session", "rm_case",
                          "rm_protocol_answer", "rm_state")
        }  # fmt: skip


def session_events(session_id: uuid.UUID) -> list[EventData]:
    common = {"session_id": session_id, "request_id": uuid.uuid4(), "organisation_code": "GM0344",
              "starts_at": "19:30", "ends_at": "21:30"}  # fmt: skip
    return [
        SessieGepland(**common, on=date(2025, 5, 6), revision=1, team_size=2),
        SessieVerplaatst(**common, previous_on=date(2025, 5, 6), on=date(2025, 5, 13), revision=2),
        SessieGepland(**common, on=date(2025, 5, 6), revision=1, team_size=2),  # again, late
    ]


async def test_a_rebuild_gives_exactly_the_live_numbers(api, nats_url, database_url):
    await publish(nats_url, *register())
    corrected_id, case_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    await publish(
        nats_url,
        *[held("GM0344", date(2025, 3, d), themes=[Thema.NAZORG]) for d in range(1, 9)],
        held("GM0014", date(2025, 4, 1), 2, voorgesprek_id=corrected_id),
        held("GM0014", date(2025, 4, 9), 1, voorgesprek_id=corrected_id),  # late, older
        OrganisatieGewijzigd(organisation_code="GM0014", changed_fields=["valid_until"],
                             valid_until=date(2027, 1, 1), successor_code=None),
        *arrangements("GM0344", ("nee", "2025-03-01"), ("ja", "2025-09-01")),
        *session_events(uuid.uuid4()),
        NazorgAangevraagd(case_id=case_id, at=now, statistics_consent=True,
                          role_category="wethouder", incident_categories=["bedreiging"]),
        NazorgGematcht(case_id=case_id, at=now + timedelta(hours=2), statistics_consent=True),
        NazorgGematcht(case_id=case_id, at=now + timedelta(hours=9), statistics_consent=True),
    )  # fmt: skip
    nc = await nats.connect(nats_url)
    await nc.jetstream().publish("ontour.intake.voorgesprek.gehouden.v1", b"{kapot")
    await nc.close()
    await caught_up(nats_url)
    await processed(api, 9)
    # every readable event processed by the live projection
    assert await scalar(api, "SELECT count(*) FROM inbox") == 23
    live_tables = await read_models(api)
    live_tour = (await api.get(f"{API}/tour")).json()
    live_cases = await scalar(api, "SELECT count(*) FROM rm_case")

    report = await rebuild(api.app.state.runtime.engine, nats_url)
    assert report.events >= 20 and report.skipped == 1
    assert await scalar(api, "SELECT count(*) FROM rm_protocol_answer") == 3
    assert await read_models(api) == live_tables
    api.app.state.figures_cache.clear()  # read the rebuilt tables, not the figures of before
    assert (await api.get(f"{API}/tour")).json() == live_tour
    assert await scalar(api, "SELECT count(*) FROM rm_case") == live_cases == 1
    # The live projection goes on writing into the new tables after the swap.
    await publish(nats_url, held("GM0344", date(2025, 5, 1)))
    await caught_up(nats_url)
    await processed(api, 10)


async def ontour(api, *args: str) -> tuple[int, str]:
    """Run the ``ontour`` command against this test's database and broker."""
    settings = api.app.state.runtime.settings
    env = {**os.environ, "ONTOUR_DATABASE_URL": settings.database_url,
           "ONTOUR_NATS_URL": settings.nats_url, "ONTOUR_ENVIRONMENT": "test"}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from ontour.cli import main; main()", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_the_release_and_audit_commands(api):
    day = datetime(2025, 2, 3, 10, tzinfo=UTC)
    await project(api, *[
        NazorgAangevraagd(case_id=uuid.uuid4(), at=day + timedelta(days=d), statistics_consent=True,
                          role_category="wethouder" if d % 3 else "raadslid",
                          incident_categories=["bedreiging"])
        for d in range(9)
    ])  # fmt: skip
    assert await scalar(api, "SELECT count(*) FROM rm_case") == 9
    code, output = await ontour(api, "reporting", "release", "2025-K1", "--proefrun")
    assert code == 0 and "2025-K1: proefrun" in output and "wethouder: " in output
    assert await scalar(api, "SELECT count(*) FROM rm_release") == 0
    code, output = await ontour(api, "reporting", "release", "2025-K2")
    assert code == 0 and "2025-K1: vrijgegeven" in output and "2025-K2: vrijgegeven" in output
    code, output = await ontour(api, "reporting", "release", "2025-K2")
    assert code == 0 and "2025-K1: al vrijgegeven" in output
    code, output = await ontour(api, "reporting", "release", "2030-K1")
    assert code == 1 and "kan pas vanaf" in output
    code, output = await ontour(api, "reporting", "audit", "2025-K1")
    assert code == 0, output
    assert "2025-K1|nazorg-per-functie|burgemeester" in output and "0..4" in output
    assert "0 niet beschermd" in output


async def test_a_quarter_that_cannot_be_protected_is_refused_not_published(
    api, bearer, monkeypatch
):
    import reporting.usecases.releases as releasing_module
    from reporting.domain.release import NotPublishable

    real = releasing_module.build_release

    def refuse_k2(quarter, *args, **kwargs):
        if quarter.id == "2025-K2":
            raise NotPublishable("2025-K2: de cel 'x' in 'y' is af te leiden")
        return real(quarter, *args, **kwargs)

    monkeypatch.setattr(releasing_module, "build_release", refuse_k2)
    outcomes = await coordinator_releases(api, bearer)
    assert [(o["kwartaal"], o["uitkomst"]) for o in outcomes] == [
        ("2025-K1", "vrijgegeven"), ("2025-K2", "geweigerd")
    ]  # later quarters wait for the refused one  # fmt: skip
    assert (await api.get(f"{API}/nazorg/vrijgaven/2025-K2")).status_code == 404
    listed = (await api.get(f"{API}/nazorg/vrijgaven")).json()
    assert listed["vrijgaven"][1]["status"] == "geweigerd"
    assert "af te leiden" in listed["vrijgaven"][1]["reden"] and listed["volgende"] == "2025-K2"
    page = await api.get("/reporting/vrijgaven", headers=bearer("beheerder"))
    assert page.status_code == 200 and "af te leiden" in page.text
    monkeypatch.setattr(releasing_module, "build_release", real)
    again = await coordinator_releases(api, bearer)
    assert ("2025-K2", "vrijgegeven") in [(o["kwartaal"], o["uitkomst"]) for o in again]


async def test_after_erasure_the_statistics_record_holds_months_only(api):
    """What reporting keeps of an erased case: categories consented to, months and lead times
    in days — no day, no moment (a dump of the table shows none)."""
    case_id, at = uuid.uuid4(), datetime(2026, 5, 13, 14, 27, tzinfo=UTC)
    base = {"case_id": case_id, "statistics_consent": True, "role_category": "wethouder",
            "incident_categories": ["doxing"]}  # fmt: skip
    await project(
        api,
        NazorgAangevraagd(at=at, **base),
        NazorgGematcht(at=at + timedelta(days=2), **base),
        NazorgGewist(at=at + timedelta(days=400), **base),
    )
    assert await scalar(api, f"SELECT bool_or(erased) FROM rm_case WHERE id = '{case_id}'")
    async with api.app.state.runtime.sessions() as session:
        dump = str((await session.execute(text("SELECT * FROM rm_case"))).all())
    assert "2026, 5, 1)" in dump and "13" not in dump.replace(str(case_id), "")
    assert "2026, 5, 15" not in dump and "14:27" not in dump
    assert await scalar(api, f"SELECT days_to_match FROM rm_case WHERE id = '{case_id}'") == 2
