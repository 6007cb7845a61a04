"""The ``ontour`` command: run the stack and operate the event backbone.

Services add their own sub-commands through the entry point group ``ontour.cli``
(e.g. ``ontour organisaties import`` from intake).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, TypeVar

import nats
import typer
from nats.js import JetStreamContext

from ontour.devstack.stack import NATS_PORT
from ontour.messaging.connection import NatsServers

app = typer.Typer(
    help="On Tour: het systeem starten en de event-backbone beheren.", no_args_is_help=True
)
streams_app = typer.Typer(help="JetStream-streams.", no_args_is_help=True)
dead_letters_app = typer.Typer(help="Geparkeerde berichten (dead letters).", no_args_is_help=True)
outbox_app = typer.Typer(help="De outbox van een dienst.", no_args_is_help=True)
audit_app = typer.Typer(help="Het auditlogboek van een dienst.", no_args_is_help=True)
app.add_typer(streams_app, name="streams")
app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(outbox_app, name="outbox")
app.add_typer(audit_app, name="audit")
DatabaseUrl = Annotated[
    str,
    typer.Option(
        envvar="ONTOUR_DATABASE_URL", help="Database van de dienst (standaard: ingebouwd)."
    ),
]


def _service_database(service: str, database_url: str) -> str:
    from ontour.devstack.stack import POSTGRES_PORT
    from ontour.devstack.stack import database_url as for_service

    return database_url or for_service(
        f"postgresql+asyncpg://postgres@127.0.0.1:{POSTGRES_PORT}/postgres", service
    )


T = TypeVar("T")
NatsUrl = Annotated[
    str,
    typer.Option(
        envvar="ONTOUR_NATS_URL",
        help="NATS-server, of de servers van een cluster gescheiden door komma's.",
    ),
]
DEFAULT_NATS = f"nats://127.0.0.1:{NATS_PORT}"


def _with_js(nats_url: str, work: Callable[[JetStreamContext], Awaitable[T]]) -> T:
    async def run() -> T:
        nc = await nats.connect(**NatsServers.parse(nats_url).connect_options())
        try:
            return await work(nc.jetstream())
        finally:
            await nc.close()

    return asyncio.run(run())


@app.command()
def up() -> None:
    """Start het hele systeem lokaal (NATS, PostgreSQL, Caddy en de vier diensten)."""
    from ontour.devstack.stack import up as run_stack

    raise typer.Exit(run_stack())


@app.command()
def openapi(directory: Path) -> None:
    """Schrijf het OpenAPI-document van elke dienst naar DIRECTORY/<dienst>.json."""
    from ontour.devstack.stack import service_names

    services = {ep.name: ep for ep in entry_points(group="ontour.services")}
    directory.mkdir(parents=True, exist_ok=True)
    for name in service_names():
        # Building the app opens no connection: the document needs no database or broker.
        document = services[name].load().create_app().openapi()
        target = directory / f"{name}.json"
        target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        typer.echo(f"{target}")


OpsUser = Annotated[str, typer.Option(envvar="NATS_USER", help="NATS-gebruiker (ops).")]
OpsPassword = Annotated[
    str, typer.Option(envvar="NATS_PASSWORD", show_default=False, help="Wachtwoord daarvan.")
]
StreamNames = Annotated[
    list[str] | None,
    typer.Argument(
        help="De streams (standaard: alle die in een back-up horen).", show_default=False
    ),
]


def _as_ops(
    nats_url: str, user: str, password: str, work: Callable[[nats.NATS], Awaitable[T]]
) -> T:
    """Run ``work`` on a connection as the operator (user and password optional)."""

    async def run() -> T:
        credentials = {"user": user, "password": password} if user else {}
        nc = await nats.connect(nats_url, **credentials)
        try:
            return await work(nc)
        finally:
            await nc.close()

    return asyncio.run(run())


@streams_app.command("ensure")
def streams_ensure(
    nats_url: NatsUrl = DEFAULT_NATS,
    replicas: Annotated[int, typer.Option(help="Replica's per stream.")] = 1,
    user: OpsUser = "",
    password: OpsPassword = "",
) -> None:
    """Maak de streams aan of breng ze in lijn met hun definitie."""
    from ontour.messaging.streams import STREAMS, ensure_streams

    _as_ops(
        nats_url,
        user,
        password,
        lambda nc: ensure_streams(nc.jetstream(), update=True, replicas=replicas),
    )
    for spec in STREAMS:
        typer.echo(f"{spec.name}: {', '.join(spec.subjects)}")


@streams_app.command("backup")
def streams_backup(
    directory: Path,
    streams: StreamNames = None,
    nats_url: NatsUrl = DEFAULT_NATS,
    user: OpsUser = "",
    password: OpsPassword = "",
) -> None:
    """Maak een back-up van streams (zonder consumers), elk in DIRECTORY/<stream>.

    Nooit van de sessies en de dossiersleutels van nazorg (zie ontour.messaging.backup)."""
    from ontour.messaging.backup import BACKED_UP, StreamBackupError, backup_stream

    async def back_up(nc: nats.NATS) -> None:
        for stream in streams or BACKED_UP:
            target = directory / stream
            target.mkdir(parents=True, exist_ok=False)
            position = await backup_stream(nc, stream, target)
            typer.echo(f"{stream}\t{position.messages}\t{position.last_sequence}")

    try:
        _as_ops(nats_url, user, password, back_up)
    except (StreamBackupError, FileExistsError) as error:
        typer.echo(f"Back-up mislukt: {error}", err=True)
        raise typer.Exit(1) from None


@streams_app.command("restore")
def streams_restore(
    directory: Path,
    streams: StreamNames = None,
    replicas: Annotated[
        int | None, typer.Option(help="Replica's (standaard: zoals in de back-up).")
    ] = None,
    nats_url: NatsUrl = DEFAULT_NATS,
    user: OpsUser = "",
    password: OpsPassword = "",
) -> None:
    """Zet streams terug uit DIRECTORY/<stream> (in een nieuw systeem).

    Toont per stream het aantal berichten en het laatste volgnummer na het terugzetten;
    stopt met status 1 als een stream niet terug kon of afwijkt van de back-up."""
    from ontour.messaging.backup import (
        BACKED_UP,
        StreamBackupError,
        backed_up_position,
        restore_stream,
    )

    names = streams or [s for s in BACKED_UP if (directory / s).is_dir()]

    async def restore(nc: nats.NATS) -> int:
        failed = 0
        for stream in names:
            try:
                restored = await restore_stream(nc, directory / stream, replicas=replicas)
            except (StreamBackupError, OSError) as error:
                typer.echo(f"{stream} niet teruggezet: {error}", err=True)
                failed += 1
                continue
            typer.echo(f"{stream}\t{restored.messages}\t{restored.last_sequence}")
            if restored != backed_up_position(directory / stream):
                typer.echo(f"{stream} wijkt af van de back-up.", err=True)
                failed += 1
        return failed

    if _as_ops(nats_url, user, password, restore):
        raise typer.Exit(1)


@dead_letters_app.command("list")
def dead_letters_list(
    nats_url: NatsUrl = DEFAULT_NATS,
    consumer: Annotated[str | None, typer.Option(help="Alleen deze consumer.")] = None,
) -> None:
    """Toon geparkeerde berichten met hun reden."""
    from ontour.messaging.deadletters import list_dead_letters

    letters = _with_js(nats_url, lambda js: list_dead_letters(js, consumer))
    if not letters:
        typer.echo("Geen geparkeerde berichten.")
    for letter in letters:
        typer.echo(
            f"{letter.sequence}\t{letter.consumer}\t{letter.original_subject}\t{letter.reason}"
        )


@dead_letters_app.command("redrive")
def dead_letters_redrive(sequence: int, nats_url: NatsUrl = DEFAULT_NATS) -> None:
    """Bied een geparkeerd bericht opnieuw aan (na herstel van de oorzaak)."""
    from ontour.messaging.deadletters import redrive

    try:
        letter = _with_js(nats_url, lambda js: redrive(js, sequence))
    except LookupError:
        typer.echo(f"Geen geparkeerd bericht met volgnummer {sequence}.", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Opnieuw aangeboden op {letter.original_subject}.")


@audit_app.command("verify")
def audit_verify(
    service: str,
    database_url: DatabaseUrl = "",
    nats_url: NatsUrl = DEFAULT_NATS,
    audit_key: Annotated[
        str,
        typer.Option(
            envvar="ONTOUR_AUDIT_KEY",
            show_default=False,
            help="Sleutel van de keten (ONTOUR_AUDIT_KEY van de dienst; standaard de "
            "ontwikkelsleutel).",
        ),
    ] = "",
) -> None:
    """Controleer de HMAC-keten van het auditlogboek van een dienst en het nieuwste anker."""
    from ontour.audit import audit_key as audit_key_of
    from ontour.audit import verify_service
    from ontour.db import create_engine

    development = os.environ.get("ONTOUR_ENVIRONMENT", "development") != "production"
    try:
        key = audit_key_of(audit_key, development=development)
    except ValueError:
        typer.echo("Stel ONTOUR_AUDIT_KEY in (buiten ontwikkeling verplicht).", err=True)
        raise typer.Exit(2) from None

    async def run():
        engine = create_engine(_service_database(service, database_url), pool_size=1)
        connection = await nats.connect(**NatsServers.parse(nats_url).connect_options())
        try:
            return await verify_service(engine, connection.jetstream(), service, key)
        finally:
            await connection.close()
            await engine.dispose()

    report = asyncio.run(run())
    if report.intact:
        typer.echo(f"Auditlogboek van {service} is intact ({report.records} records).")
        return
    where = f"record {report.first_broken_id}: " if report.first_broken_id else ""
    typer.echo(f"Auditlogboek van {service} is NIET intact: {where}{report.problem}.", err=True)
    raise typer.Exit(1)


@outbox_app.command("redrive")
def outbox_redrive(
    service: str,
    since: Annotated[datetime, typer.Option(help="Publiceer opnieuw vanaf dit moment (ISO).")],
    database_url: DatabaseUrl = "",
) -> None:
    """Publiceer verzonden events van een dienst opnieuw (als de broker ze kwijt is)."""
    from ontour.db import create_engine
    from ontour.messaging.outbox import redrive

    url = _service_database(service, database_url)

    async def run() -> int:
        engine = create_engine(url, pool_size=1)
        try:
            return await redrive(engine, since)
        finally:
            await engine.dispose()

    typer.echo(f"{asyncio.run(run())} events klaargezet voor opnieuw publiceren.")


def main() -> None:
    for ep in entry_points(group="ontour.cli"):
        sub = ep.load()
        app.add_typer(sub, name=ep.name)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
