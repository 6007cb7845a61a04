"""``/voorbeeld``: a page showing every component of the kit, for browser tests and designers.

GET shows it, POST (or ``?fouten=1``) shows the error summary.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError

from ontour.i18n import N_
from ontour.web.forms import FormState, form_values
from ontour.web.rendering import PageRenderer

PROVINCES = (
    "Drenthe", "Flevoland", "Fryslân", "Gelderland", "Groningen", "Limburg",
    "Noord-Brabant", "Noord-Holland", "Overijssel", "Utrecht", "Zeeland", "Zuid-Holland",
)  # fmt: skip

_EXAMPLE_LABELS = {
    "name": N_("Name"),
    "email": N_("Email address"),
    "tier": N_("Tier of government"),
    "province": N_("Province"),
    "topics": N_("Subjects"),
    "meeting_on": N_("Date of the meeting"),
    "notes": N_("Notes"),
}
_EXAMPLE_TIERS = (("gemeente", N_("Municipal council")), ("provincie", N_("Provincial council")))
_EXAMPLE_TOPICS = (
    ("bedreiging", N_("Threats")),
    ("intimidatie", N_("Intimidation")),
    ("online", N_("Online hate")),
)


class ExampleForm(BaseModel):
    """The form of the kit page: one field of every kind."""

    name: str = Field(min_length=2, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)
    tier: Literal["gemeente", "provincie"]
    province: Literal[PROVINCES]  # type: ignore[valid-type]
    topics: list[Literal["bedreiging", "intimidatie", "online"]] = Field(min_length=1)
    meeting_on: date
    notes: str = Field(default="", max_length=500)


def example_router(pages: PageRenderer) -> APIRouter:
    """``/voorbeeld`` (GET and POST), rendered with ``pages``."""
    router = APIRouter(include_in_schema=False)

    def context(form: FormState, saved: bool = False) -> dict[str, Any]:
        tr = pages.gettext
        return {
            "form": form,
            "saved": saved,
            "labels": {name: tr(label) for name, label in _EXAMPLE_LABELS.items()},
            "tiers": [(value, tr(label)) for value, label in _EXAMPLE_TIERS],
            "topics": [(value, tr(label)) for value, label in _EXAMPLE_TOPICS],
            "provinces": [(p, p) for p in PROVINCES],
            "example_moment": datetime(2025, 7, 1, 12, 30, tzinfo=UTC),
            "example_rows": [
                ("Gemeente Groningen", "GM0014", 2, 243768, 0.25),
                ("Provincie Utrecht", "PV26", 1, 1387643, 0.5),
            ],
            "credits": [tr(N_("Source of the municipal boundaries: CBS and Kadaster (example)."))],
        }

    def validate(form: FormState) -> FormState:
        try:
            ExampleForm.model_validate(dict(form.values))
        except ValidationError as exc:
            return form.with_errors(
                exc, {name: pages.gettext(label) for name, label in _EXAMPLE_LABELS.items()}
            )
        return form

    @router.get("/voorbeeld", response_class=HTMLResponse)
    async def example(request: Request, fouten: bool = False) -> HTMLResponse:
        form = FormState(values={"topics": []})
        if fouten:
            form = validate(FormState(values=form_values({}, lists=["topics"])))
        return pages.render(request, "ui/voorbeeld.html", context(form))

    @router.post("/voorbeeld", response_class=HTMLResponse)
    async def example_post(request: Request) -> HTMLResponse:
        form = validate(await FormState.from_request(request, lists=["topics"]))
        status = 422 if form.has_errors else 200
        return pages.render(
            request, "ui/voorbeeld.html", context(form, not form.has_errors), status_code=status
        )

    return router
