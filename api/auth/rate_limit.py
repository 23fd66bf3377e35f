"""Per-token rate limits, checked right after the token is resolved and before the route
does any work, so a refused call changes nothing. The counters live in PostgreSQL
(memory/repositories/rate_limits.py): every API process counts against the same number."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends

from api.auth.dependencies import CurrentPrincipal, get_container
from api.composition import Container
from api.errors import RateLimitedError
from memory.repositories.rate_limits import RateLimitRepository
from memory.repositories.staff import Principal

WINDOW = timedelta(minutes=1)

ContainerDep = Annotated[Container, Depends(get_container)]


async def _enforce(container: Container, key: str, limit: int) -> None:
    async with container.database.transaction() as s:
        allowed, retry_after_s = await RateLimitRepository(s).hit(
            key, WINDOW, limit, container.clock()
        )
    # Raised after the commit: a refused call still counts.
    if not allowed:
        raise RateLimitedError(retry_after_s)


async def rate_limit(principal: CurrentPrincipal, container: ContainerDep) -> Principal:
    """Every authenticated call: RENOS_RATE_LIMIT_PER_MINUTE per token."""
    limit = container.settings.server.rate_limit_per_minute
    await _enforce(container, f"api:{principal.token_id}", limit)
    return principal


async def chat_rate_limit(principal: CurrentPrincipal, container: ContainerDep) -> Principal:
    """Calls that start a chat turn: RENOS_CHAT_RATE_LIMIT_PER_MINUTE per token, on top of
    the general limit."""
    limit = container.settings.server.chat_rate_limit_per_minute
    await _enforce(container, f"chat:{principal.token_id}", limit)
    return principal
