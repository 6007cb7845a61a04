"""``ontour organisaties ...``: the register of organisations from the command line.

Exposed through the ``ontour.cli`` entry point group, so the ``ontour`` command has it as soon
as intake is installed.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from ontour import clock
from ontour.db import create_engine, session_factory
from ontour.devstack.stack import POSTGRES_PORT
from ontour.devstack.stack import database_url as service_database_url

from intake.domain.register import RegisterChanges
from intake.usecases import register

app = typer.Typer(help="Het register van gemeenten en provincies.", no_args_is_help=True)


@app.callback()
def organisaties() -> None:
    """Het register van gemeenten en provincies."""
    # A callback keeps this a command group on its own too (``import`` stays a sub-command).


async def _import_into(
    database_url: str, text: str, valid_from: date, **options: bool
) -> RegisterChanges:
    """The register import (:func:`intake.usecases.register.import_register`) on a database."""
    engine = create_engine(database_url, pool_size=1)
    try:
        return await register.import_register(session_factory(engine), text, valid_from, **options)
    finally:
        await engine.dispose()


def _report(plan: RegisterChanges) -> None:
    for change in plan.changes:
        typer.echo(f"  {change.kind.value}: {change.describe()}")
    for warning in plan.warnings:
        typer.echo(f"  let op: {warning}")
    typer.echo(
        f"{len(plan.added)} toegevoegd, {len(plan.changed)} gewijzigd, "
        f"{len(plan.ended)} beëindigd, {plan.unchanged} ongewijzigd."
    )


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="CSV met de volledige lijst."
        ),
    ],
    geldig_vanaf: Annotated[
        str | None,
        typer.Option(
            "--geldig-vanaf",
            help="Ingangsdatum van de lijst (JJJJ-MM-DD); standaard vandaag (in Nederland).",
        ),
    ] = None,
    proef: Annotated[
        bool, typer.Option("--proef", help="Toon alleen wat er zou veranderen.")
    ] = False,
    veel_beeindigen: Annotated[
        bool,
        typer.Option(
            "--veel-beeindigen",
            help="Sta toe dat de lijst ongebruikelijk veel organisaties beëindigt.",
        ),
    ] = False,
    database_url: Annotated[
        str,
        typer.Option(
            envvar="ONTOUR_DATABASE_URL", help="Database van intake (standaard: ingebouwd)."
        ),
    ] = "",
) -> None:
    """Lees de lijst van een nieuw jaar in: herindelingen worden beëindigd en gekoppeld."""
    try:
        valid_from = date.fromisoformat(geldig_vanaf) if geldig_vanaf else clock.today()
    except ValueError:
        typer.echo(f"--geldig-vanaf: '{geldig_vanaf}' is geen datum (JJJJ-MM-DD).", err=True)
        raise typer.Exit(2) from None
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        typer.echo(f"{file} is geen UTF-8-tekst; sla het op als CSV (UTF-8).", err=True)
        raise typer.Exit(1) from None
    url = database_url or service_database_url(
        f"postgresql+asyncpg://postgres@127.0.0.1:{POSTGRES_PORT}/postgres", "intake"
    )
    plan = asyncio.run(
        _import_into(url, text, valid_from, apply=not proef, allow_many_ended=veel_beeindigen)
    )
    if not plan.ok:
        typer.echo(f"{file} is geweigerd; er is niets veranderd:", err=True)
        for error in plan.errors:
            typer.echo(f"  {error}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Lijst per {valid_from.isoformat()}:")
    _report(plan)
    if proef:
        typer.echo("Proef: er is niets veranderd.")
    elif plan.changes:
        typer.echo("Toegepast; de wijzigingen worden als events gepubliceerd.")
    else:
        typer.echo("Het register was al actueel.")
