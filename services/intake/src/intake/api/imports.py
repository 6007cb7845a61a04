"""Bulk import of existing voorgesprekken (CSV or XLSX) with a row-by-row report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, Response, UploadFile, status
from ontour.clock import today
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, CipherDep, Formaat
from ontour.web.export import (
    EXPORT_RESPONSES,
    ExportTable,
    export_response,
    requested_format,
)
from ontour.web.problems import Problem, invalid, problem_responses
from pydantic import BeforeValidator

from intake import repository
from intake.domain.spreadsheet import TEMPLATE
from intake.models import ImportRun
from intake.schemas import ImportRapport
from intake.usecases import imports

router = APIRouter(prefix="/imports", tags=["imports"])

REPORT_COLUMNS = ("rij", "status", "organisatie", "datum", "toelichting", "voorgesprek")


def _a_file(value: Any) -> Any:
    # A plain form field where the file belongs: say so in Dutch, naming the field (pydantic's
    # own error reads only "is ongeldig"). A Problem is no ValueError: it leaves validation.
    if isinstance(value, str):
        raise invalid("file", "moet een bestand zijn")
    return value


Upload = Annotated[UploadFile, BeforeValidator(_a_file)]


def report_table(run: ImportRun) -> ExportTable:
    return ExportTable(
        "importrapport",
        REPORT_COLUMNS,
        (
            [r["row"], r["status"], r["organisation_code"], r["held_on"], " | ".join(r["reasons"]),
             r["voorgesprek_id"]]
            for r in run.report
        ),
    )  # fmt: skip


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportRapport,
    responses=problem_responses(413, 422),
    summary="Importeer voorgesprekken uit een spreadsheet",
    description="CSV (komma of puntkomma) of XLSX volgens het sjabloon (`GET /imports/sjabloon`). "
    "Geldige rijen worden geïmporteerd, de rest staat met de reden in het rapport; hetzelfde "
    "bestand nog eens importeren voegt niets toe.",
)
async def create_import(
    response: Response,
    sessions: SessionsDep,
    cipher: CipherDep,
    caller: CallerDep,
    file: Annotated[Upload, File(description="Het bestand (CSV of XLSX).")],
) -> ImportRun:
    run = await imports.import_upload(
        sessions, cipher, caller, file.filename or "bestand", file.read, today=today()
    )
    response.headers["Location"] = f"/intake/api/v1/imports/{run.id}"
    return run


@router.get(
    "/sjabloon",
    summary="Het lege importsjabloon (CSV of XLSX)",
    responses=EXPORT_RESPONSES,
)
async def template(request: Request, formaat: Formaat = None) -> Response:
    table = ExportTable("importsjabloon", [c.name for c in TEMPLATE], [])
    return export_response(table, requested_format(request, formaat) or "csv")


@router.get(
    "/{import_id}",
    response_model=ImportRapport,
    responses={**problem_responses(404, 422), **EXPORT_RESPONSES},
    summary="Het rapport van een import (ook als csv of xlsx)",
)
async def get_import(
    import_id: uuid.UUID, request: Request, sessions: SessionsDep, formaat: Formaat = None
) -> Any:
    async with sessions() as session:
        run = await repository.get_import_run(session, import_id)
    if run is None:
        raise Problem(404, "Deze import bestaat niet.")
    export = requested_format(request, formaat)
    if export:
        return export_response(report_table(run), export)
    return run
