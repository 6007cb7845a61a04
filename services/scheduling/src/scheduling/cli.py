"""``ontour scheduling``: rebuild what scheduling projects from intake's events."""

from __future__ import annotations

import typer
from ontour.messaging import replay

from scheduling.config import Settings
from scheduling.rebuild import rebuild

app = typer.Typer(
    help="Planning: organisaties en sessieverzoeken uit intake.", no_args_is_help=True
)


@app.callback()
def scheduling() -> None:
    """Planning: organisaties en sessieverzoeken uit intake."""


@app.command("rebuild")
def rebuild_command() -> None:
    """Speel de stream van intake opnieuw af in verse tabellen (organisaties, sessieverzoeken)
    en wissel ze om, terwijl de dienst draait. Sessies, teamleden en planningen blijven staan."""
    settings = Settings()
    typer.echo(replay.run(settings.db_url, settings.nats_url, rebuild))
