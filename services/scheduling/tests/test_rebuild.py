"""``ontour scheduling rebuild`` gives, row for row, what the live consumer made of intake's
stream, and the live consumer goes on writing into the swapped-in tables."""

from __future__ import annotations

import uuid
from datetime import date

import nats
from ontour.contracts.intake import (
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    OrganisatieSoort,
    SessieverzoekIngediend,
    SessieverzoekIngetrokken,
)
from ontour.events import CloudEvent, EventData
from ontour.testing.delivery import wait_processed
from ontour.testing.plugin import running_service, scalar
from scheduling.app import service as scheduling
from scheduling.handlers import requests
from scheduling.rebuild import TABLES, rebuild


def registered(code: str, name: str) -> OrganisatieGeregistreerd:
    return OrganisatieGeregistreerd(organisation_code=code, kind=OrganisatieSoort.GEMEENTE,
                                    province_code="PV26", valid_from=None, organisation_name=name,
                                    lat=52.09, lon=5.12)  # fmt: skip


def submitted(request_id: uuid.UUID, revision: int, participants: int) -> SessieverzoekIngediend:
    return SessieverzoekIngediend(request_id=request_id, voorgesprek_id=request_id,
                                  organisation_code="GM0344", revision=revision,
                                  requested_on=date(2025, 3, revision),
                                  expected_participants=participants)  # fmt: skip


async def publish(nats_url: str, events: list[EventData | bytes]) -> int:
    """Publish on intake's stream (bytes as they are: an unreadable message); its last sequence."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for event in events:
        body = event if isinstance(event, bytes) else CloudEvent.wrap(event).encode()
        ack = await js.publish(
            "ontour.intake.sessieverzoek.ingediend.v1"
            if isinstance(event, bytes)
            else event.nats_subject(),
            body,
        )
    await nc.close()
    return ack.seq


async def rows(api) -> dict[str, list]:
    return {t: await scalar(api, f"SELECT coalesce(json_agg(t ORDER BY t::text), '[]') FROM {t} t")
            for t in TABLES}  # fmt: skip


async def test_a_rebuild_gives_exactly_the_live_rows(nats_url, database_url, idp_url):
    kept, withdrawn_first, reopened = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events: list[EventData | bytes] = [
        registered("GM0344", "Utrecht"),
        OrganisatieGewijzigd(organisation_code="GM0457", changed_fields=["valid_until"],
                             valid_until=date(2027, 1, 1), successor_code="GM0363"),
        registered("GM0457", "Weesp"),  # after its change: the change stays
        submitted(kept, 2, 30),
        submitted(kept, 1, 10),  # late and older: changes nothing
        SessieverzoekIngetrokken(request_id=withdrawn_first, organisation_code="GM0344",
                                 revision=2),
        submitted(withdrawn_first, 1, 20),  # fills in the tombstone, stays withdrawn
        submitted(reopened, 1, 5),
        SessieverzoekIngetrokken(request_id=reopened, organisation_code="GM0344", revision=2),
        submitted(reopened, 3, 6),
        b"{kapot",
    ]  # fmt: skip
    async with running_service(
        scheduling, nats_url=nats_url, database_url=database_url("scheduling"), idp_url=idp_url
    ) as api:
        last = await publish(nats_url, events)
        await wait_processed(requests, last, nats_url=nats_url)
        live = await rows(api)
        assert len(live["session_request"]) == 3 and len(live["tour_organisation"]) == 2

        report = await rebuild(api.app.state.runtime.engine, nats_url)
        assert (report.events, report.skipped) == (len(events) - 1, 1)
        assert await rows(api) == live
        # The live consumer goes on, into the rebuilt tables.
        last = await publish(nats_url, [registered("GM0014", "Groningen")])
        await wait_processed(requests, last, nats_url=nats_url)
        assert (
            await scalar(api, "SELECT name FROM tour_organisation WHERE cbs_code = 'GM0014'")
            == "Groningen"
        )
