"""``ontour nazorg opschonen``: destroy the personal data of cases past their retention.

Run it daily (cron, a Kubernetes CronJob or a compose profile): every case closed or
withdrawn more than ``ONTOUR_RETENTION_MONTHS`` months ago is erased (crypto-shredded, its
row replaced by a tombstone), with an erasure event. Exposed through the ``ontour.cli``
entry point group.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import nats
import typer
from ontour.crypto import FieldCipher
from ontour.db import create_engine, session_factory
from ontour.messaging.streams import CASE_KEY_BUCKET, inbox_prefix

from aftercare.config import Settings
from aftercare.keystore import CaseKeys
from aftercare.usecases import erasure

app = typer.Typer(help="Nazorg: bewaartermijnen en wissen.", no_args_is_help=True)


@app.callback()
def nazorg() -> None:
    """Nazorg: bewaartermijnen en wissen."""


async def clean_up(settings: Settings, months: int) -> int:
    engine = create_engine(settings.db_url, pool_size=1)
    connection = await nats.connect(settings.nats_url, inbox_prefix=inbox_prefix("aftercare"))
    try:
        keys = CaseKeys(await connection.jetstream().key_value(CASE_KEY_BUCKET))
        return await erasure.erase_expired(session_factory(engine), keys, months, datetime.now(UTC))
    finally:
        await connection.close()
        await engine.dispose()


@app.command("opschonen")
def opschonen(
    maanden: Annotated[
        int | None,
        typer.Option(help="Bewaartermijn in maanden na afsluiting (standaard de instelling)."),
    ] = None,
) -> None:
    """Wis de persoonsgegevens van dossiers waarvan de bewaartermijn voorbij is."""
    settings = Settings()
    erased = asyncio.run(clean_up(settings, maanden or settings.retention_months))
    typer.echo(
        f"{erased} dossier(s) gewist (crypto-shredding); alleen een grafsteen blijft, de "
        "cijfers staan al in de rapportage."
    )


async def rewrap(settings: Settings) -> int:
    engine = create_engine(settings.db_url, pool_size=1)
    connection = await nats.connect(settings.nats_url, inbox_prefix=inbox_prefix("aftercare"))
    try:
        keys = CaseKeys(await connection.jetstream().key_value(CASE_KEY_BUCKET))
        cipher = FieldCipher.from_settings(settings)
        return await erasure.rewrap_keys(session_factory(engine), cipher, keys)
    finally:
        await connection.close()
        await engine.dispose()


@app.command("sleutels-herverpakken")
def rewrap_command() -> None:
    """Verpak de sleutels van alle dossiers opnieuw met de nieuwste hoofdsleutel.

    Na een rotatie: zet de nieuwe hoofdsleutel vooraan in ONTOUR_MASTER_KEYS, herstart,
    draai dit, en haal daarna de oude sleutel weg.
    """
    typer.echo(f"{asyncio.run(rewrap(Settings()))} dossiersleutel(s) opnieuw verpakt.")
