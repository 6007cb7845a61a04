"""``ontour reporting``: rebuild the read models, release quarters, audit releases."""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import nats
import typer
from ontour.clock import today
from ontour.db import Sessions, create_engine, session_factory
from ontour.messaging import replay

from reporting.config import Settings
from reporting.domain.audit import audit_releases
from reporting.domain.disclosure import Cell, Statistic, render
from reporting.domain.quarters import Quarter
from reporting.domain.release import Release, YearView
from reporting.rebuild import rebuild
from reporting.usecases import releases

app = typer.Typer(help="Rapportage: read models en vrijgaven.", no_args_is_help=True)
T = TypeVar("T")


@app.callback()
def reporting() -> None:
    """Rapportage: read models en vrijgaven."""


def _with_sessions(settings: Settings, work: Callable[[Sessions], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(settings.db_url, pool_size=2)
        try:
            return await work(session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


@app.command("rebuild")
def rebuild_command() -> None:
    """Speel alle streams opnieuw af in verse tabellen en wissel ze om, terwijl de dienst draait."""
    settings = Settings()
    typer.echo(replay.run(settings.db_url, settings.nats_url, rebuild))


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError:
        raise typer.BadParameter("een kwartaal zoals 2026-K3") from None


@app.command("release")
def release_command(
    kwartaal: Annotated[str, typer.Argument(help="Tot en met dit kwartaal, bijvoorbeeld 2026-K3.")],
    proefrun: Annotated[bool, typer.Option(help="Laat alleen zien wat er vrijgegeven zou worden.")]
    = False,
) -> None:  # fmt: skip
    """Geef de cijfers over personen vrij tot en met een kwartaal (elk kwartaal één keer)."""
    settings, until = Settings(), _quarter(kwartaal)

    async def work(sessions: Sessions) -> list[releases.Outcome]:
        client = await nats.connect(settings.nats_url)
        try:
            return await releases.release(
                sessions, client.jetstream(), settings, until,
                by=f"opdrachtregel ({getpass.getuser()})", today=today(), dry_run=proefrun,
            )  # fmt: skip
        finally:
            await client.close()

    try:
        outcomes = _with_sessions(settings, work)
    except (releases.NotDue, releases.NotCaughtUp) as refusal:
        typer.echo(f"Niet vrijgegeven: {refusal}.", err=True)
        raise typer.Exit(1) from None
    for outcome in outcomes:
        typer.echo(f"{outcome.quarter.id}: {outcome.status}"
                   + (f" — {outcome.reason}" if outcome.reason else ""))  # fmt: skip
        if proefrun and outcome.release is not None:
            for table in outcome.release.tables:
                cells = ", ".join(f"{row.label}: {_shown(outcome.release.cell(row.cell))}"
                                  for row in table.rows)  # fmt: skip
                typer.echo(f"  {table.title}: {cells}")
    if any(o.status == releases.REFUSED for o in outcomes):
        raise typer.Exit(2)


def _shown(value: Cell | Statistic | str) -> str:
    return value if isinstance(value, str) else render(value)


@app.command("audit")
def audit_command(
    kwartaal: Annotated[str | None, typer.Argument(help="Een vrijgave (standaard: alle).")] = None,
) -> None:
    """Val de vrijgaven aan zoals een statistiekbureau: per verborgen cel de kleinste en grootste
    waarde die met alles wat gepubliceerd is te rijmen is."""
    settings = Settings()

    async def read(sessions: Sessions) -> tuple[list[Release], list[YearView]]:
        async with sessions() as session:
            return await releases.published(session), await releases.published_years(session)

    published, years = _with_sessions(settings, read)
    wanted = _quarter(kwartaal) if kwartaal else None
    rows = audit_releases(published, only=wanted, years=years)
    typer.echo(f"{'cel':<90} {'teken':>5} {'interval':>10}  beschermd")
    for row in rows:
        typer.echo(f"{row.cell:<90} {row.marker:>5} {row.interval.render():>10}  "
                   f"{'ja' if row.protected else 'NEE'}")  # fmt: skip
    unsafe = [row for row in rows if not row.protected]
    typer.echo(f"{len(rows)} verborgen cellen in {len(published)} vrijgaven; "
               f"{len(unsafe)} niet beschermd.")  # fmt: skip
    if unsafe:
        raise typer.Exit(1)
