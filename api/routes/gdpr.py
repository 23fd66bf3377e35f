"""/v1/gdpr: the owner's export of everything held about one person (right of access).
Erasure and the retention purge are CLI-only (`renos gdpr erase|purge`): irreversible
operations stay with whoever runs the service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth.dependencies import get_container, require
from api.auth.rate_limit import rate_limit
from api.auth.roles import Permission
from api.composition import Container
from api.errors import ERROR_RESPONSES
from memory.gdpr import export
from memory.repositories.staff import Principal

router = APIRouter(
    prefix="/v1/gdpr",
    tags=["gdpr"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(rate_limit)],
)

Exporter = Annotated[Principal, Depends(require(Permission.GDPR_EXPORT))]
ContainerDep = Annotated[Container, Depends(get_container)]


@router.get("/export", summary="Everything held about the person with this email (JSON)")
async def export_person(
    principal: Exporter,
    container: ContainerDep,
    email: Annotated[
        str,
        Query(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$", description="Email."),
    ],
) -> dict[str, Any]:
    async with container.database.transaction() as s:
        return await export(s, email, now=container.clock())
