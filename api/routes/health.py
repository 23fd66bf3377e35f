"""Liveness and readiness. These two need no token."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.composition import Container
from memory.errors import DatabaseUnavailableError

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


@router.get("/healthz", response_model=Liveness, summary="The process is up")
async def healthz() -> Liveness:
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="The service can serve requests (database reachable)",
    responses={503: {"model": Readiness, "description": "A dependency is unavailable"}},
)
async def readyz(request: Request) -> JSONResponse:
    container: Container = request.app.state.container
    try:
        await container.database.ping()
    except DatabaseUnavailableError as exc:
        body = Readiness(status="unavailable", checks={"database": str(exc)})
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Readiness(status="ready", checks={"database": "ok"}).model_dump())
