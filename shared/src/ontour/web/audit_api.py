"""Who accessed a record: the audit trail of this service, for coordinators."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import col, select

from ontour.audit import AuditRecord
from ontour.web.problems import problem_responses


class AuditEntry(BaseModel):
    """Eén regel uit het auditlogboek."""

    at: datetime = Field(description="Moment van de handeling.")
    actor: str = Field(description="Id van wie het deed (geen naam).")
    roles: str = Field(description="Rollen van die persoon.")
    action: str = Field(description="Handeling, bijvoorbeeld lezen of wijzigen.")
    object_type: str = Field(description="Soort gegeven.")
    object_id: str = Field(description="Id van het gegeven.")
    result: str = Field(description="toegestaan, geweigerd of mislukt.")
    origin: str = Field(description="Herkomst (IP-adres).")


IDENTIFIER = r"^[A-Za-z0-9_.:/{}-]+$"  # ids, codes and paths: never free text


def audit_router() -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get(
        "/audit",
        response_model=list[AuditEntry],
        responses=problem_responses(401, 403, 422),
        summary="Wie heeft een gegeven ingezien of gewijzigd",
    )
    async def audit_entries(
        request: Request,
        object_type: str = Query(
            alias="objectType", max_length=64, pattern=IDENTIFIER, description="Soort gegeven."
        ),
        object_id: str = Query(
            alias="objectId", max_length=200, pattern=IDENTIFIER, description="Id van het gegeven."
        ),
        limit: int = Query(100, ge=1, le=1000, description="Hoeveel regels, nieuwste eerst."),
    ) -> list[AuditRecord]:
        runtime = request.app.state.runtime
        async with runtime.sessions() as session:
            rows = await session.execute(
                select(AuditRecord)
                .where(
                    col(AuditRecord.object_type) == object_type,
                    col(AuditRecord.object_id) == object_id,
                )
                .order_by(col(AuditRecord.id).desc())
                .limit(limit)
            )
            return list(rows.scalars())

    return router
