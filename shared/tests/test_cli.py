"""The operator commands against a real nats-server."""

from __future__ import annotations

import asyncio

from backbone_support import consumer_on, held, publish_event
from ontour.cli import app
from ontour.contracts.intake import VoorgesprekGehouden
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.streams import stream_for
from ontour.testing.delivery import wait_processed
from typer.testing import CliRunner

runner = CliRunner()


def test_streams_ensure_declares_every_stream(nats_url):
    result = runner.invoke(app, ["streams", "ensure", "--nats-url", nats_url])
    assert result.exit_code == 0, result.output
    assert "ONTOUR_INTAKE: ontour.intake.>" in result.output
    assert "ONTOUR_DEADLETTERS: ontour.deadletter.>" in result.output


async def test_dead_letters_list_and_redrive(nats_url, db_url):
    state = {"broken": True}

    async def handler(session, envelope, event):
        if state["broken"]:
            raise ValueError("bug")

    consumer = EventConsumer(
        service="cli",
        name="probe",
        stream=stream_for("intake"),
        subject="ontour.intake.>",
        max_attempts=1,
        backoff=(0.05,),
    )
    consumer.on(VoorgesprekGehouden)(handler)
    async with consumer_on(nats_url, db_url, consumer):
        await publish_event(nats_url, CloudEvent.wrap(held()))

        async def listed():
            result = await asyncio.to_thread(
                runner.invoke, app, ["dead-letters", "list", "--nats-url", nats_url]
            )
            # Other threads' log lines may share the captured stdout: find our row.
            rows = [
                line
                for line in result.output.splitlines()
                if "\tcli-probe\t" in line and line.split()[0].isdigit()
            ]
            return rows[0] if rows else None

        await wait_processed(consumer, 1, nats_url=nats_url)  # parked, then terminated
        row = await listed()
        assert row, "the parked message is listed"
        assert row.endswith("handler failed 1 times: ValueError")
        sequence = row.split()[0]
        state["broken"] = False
        redriven = await asyncio.to_thread(
            runner.invoke, app, ["dead-letters", "redrive", sequence, "--nats-url", nats_url]
        )
        assert redriven.exit_code == 0, redriven.output
        assert "ontour.intake.voorgesprek.gehouden.v1" in redriven.output
        after = await asyncio.to_thread(
            runner.invoke, app, ["dead-letters", "list", "--nats-url", nats_url]
        )
        assert "Geen geparkeerde berichten." in after.output


def test_redriving_an_unknown_dead_letter_says_so(nats_url):
    result = runner.invoke(app, ["dead-letters", "redrive", "999", "--nats-url", nats_url])
    assert result.exit_code == 1
    assert "Geen geparkeerd bericht met volgnummer 999." in result.output
