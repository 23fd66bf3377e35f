"""Readiness with patience: each dependency check is retried with exponential backoff
(tenacity) within a bounded budget, and every dependency is reported by name. Meant to
replace the body of ``api.routes.health.readyz`` (see :func:`readyz`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request
from fastapi.responses import JSONResponse
from tenacity import AsyncRetrying, retry_if_exception_type, stop_before_delay, wait_exponential

from api.composition import Container
from api.schemas.health import Readiness
from memory.errors import DatabaseUnavailableError

Check = Callable[[], Awaitable[None]]
BUDGET_S = 2.0
# Failures worth waiting out; anything else is a bug and is not hidden by retries.
RETRYABLE: tuple[type[BaseException], ...] = (DatabaseUnavailableError, TimeoutError, OSError)


def dependency_checks(container: Container) -> dict[str, Check]:
    return {"database": container.database.ping}


async def check_dependencies(
    checks: Mapping[str, Check], *, budget_s: float = BUDGET_S, first_wait_s: float = 0.05
) -> Readiness:
    """Run all checks concurrently; each gets ``budget_s`` in total, retries included."""

    async def one(check: Check) -> str:
        deadline = asyncio.get_running_loop().time() + budget_s
        retrying = AsyncRetrying(
            # No attempt starts after the budget; a hanging one is cut at the deadline.
            stop=stop_before_delay(budget_s),
            wait=wait_exponential(multiplier=first_wait_s, max=budget_s / 4),
            retry=retry_if_exception_type(RETRYABLE),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    async with asyncio.timeout_at(deadline):
                        await check()
        except TimeoutError:
            return f"no answer within {budget_s:g}s"
        except RETRYABLE as exc:
            return str(exc) or type(exc).__name__
        return "ok"

    names = list(checks)
    results = await asyncio.gather(*(one(checks[name]) for name in names))
    report = dict(zip(names, results, strict=True))
    ready = all(result == "ok" for result in results)
    return Readiness(status="ready" if ready else "unavailable", checks=report)


async def readyz(request: Request) -> JSONResponse:
    """A drop-in body for ``GET /readyz``: 200 when every dependency is ok, else 503."""
    container: Container = request.app.state.container
    body = await check_dependencies(dependency_checks(container))
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ready" else 503)
