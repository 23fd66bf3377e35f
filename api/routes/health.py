"""Liveness and readiness. These two need no token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.hardening import readiness
from api.schemas.health import Liveness, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Liveness, summary="The process is up")
async def healthz() -> Liveness:
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="The service can serve requests: every dependency answers (checks are retried "
    "with backoff for up to 2 s each)",
    responses={503: {"model": Readiness, "description": "A dependency is unavailable"}},
)
async def readyz(request: Request) -> JSONResponse:
    return await readiness.readyz(request)
