"""The register of organisations: list (filtered, paged) and one by its CBS code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from ontour.contracts.intake import ORGANISATION_CODE
from ontour.service import SessionsDep
from ontour.web.problems import Problem, problem_responses

from intake import repository
from intake.api.schemas import Link, OrganisatieLijst, OrganisatiePublic, PaginaLinks
from intake.domain.register import OrganisationKind
from intake.domain.tour_status import TourStatus
from intake.models import OrganisationRow

router = APIRouter(prefix="/organisaties", tags=["organisaties"])

MAX_PER_PAGE = 100
# Printable text only: a NUL byte cannot even reach PostgreSQL, so refuse it (and other
# control characters) as invalid input instead of failing on it.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def _page_link(request: Request, page: int) -> Link:
    url = request.url.include_query_params(pagina=page)
    return Link(href=f"{url.path}?{url.query}")


@router.get(
    "",
    response_model=OrganisatieLijst,
    responses=problem_responses(422),
    summary="Organisaties in het register",
    description="Gemeenten en provincies, op naam gesorteerd, te filteren en per pagina.",
)
async def list_organisations(
    request: Request,
    sessions: SessionsDep,
    provincie: Annotated[
        str | None, Query(pattern=r"^PV\d{2}$", description="CBS-code van de provincie (PVxx).")
    ] = None,
    kind: Annotated[
        OrganisationKind | None,
        Query(alias="type", description="Soort organisatie: gemeente of provincie."),
    ] = None,
    tour_status: Annotated[TourStatus | None, Query(description="Status in de tour.")] = None,
    zoek: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=_PRINTABLE,
            description="Zoek op (een deel van) de naam, ongeacht hoofdletters.",
        ),
    ] = None,
    pagina: Annotated[int, Query(ge=1, le=10_000, description="Paginanummer (vanaf 1).")] = 1,
    per_pagina: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description="Aantal organisaties per pagina.")
    ] = 20,
) -> OrganisatieLijst:
    where = repository.OrganisationFilter(
        province_code=provincie, kind=kind, tour_status=tour_status, name_contains=zoek
    )
    async with sessions() as session:
        rows, total = await repository.list_organisations(
            session, where, offset=(pagina - 1) * per_pagina, limit=per_pagina
        )
    last = max(1, -(-total // per_pagina))
    return OrganisatieLijst(
        items=[OrganisatiePublic.model_validate(row) for row in rows],
        total=total,
        links=PaginaLinks(
            self=_page_link(request, pagina),
            first=_page_link(request, 1),
            last=_page_link(request, last),
            prev=_page_link(request, pagina - 1) if pagina > 1 else None,
            next=_page_link(request, pagina + 1) if pagina < last else None,
        ),
    )


@router.get(
    "/{cbs_code}",
    response_model=OrganisatiePublic,
    responses=problem_responses(404, 422),
    summary="Eén organisatie",
)
async def get_organisation(
    cbs_code: Annotated[
        str, Path(pattern=ORGANISATION_CODE, description="CBS-code (GMxxxx of PVxx).")
    ],
    sessions: SessionsDep,
) -> OrganisationRow:
    async with sessions() as session:
        row = await repository.get_organisation(session, cbs_code)
    if row is None:
        raise Problem(404, f"Er is geen organisatie met CBS-code {cbs_code}.")
    return row
