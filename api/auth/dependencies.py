"""Who is calling: the bearer token resolved to a Principal, the per-token rate limits, and
the role check.

The token lookup and the counting of every rate limit the route declares share one
transaction (and the counters one statement): a request pays one BEGIN/COMMIT for both,
not one per step. The limits themselves are declared in api/auth/rate_limit.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth.roles import Permission, allowed
from api.auth.tokens import hash_token
from api.composition import Container
from api.errors import ForbiddenError, RateLimitedError, UnauthorizedError
from api.settings import ServerSettings
from memory.repositories.rate_limits import RateLimitHit, RateLimitRepository
from memory.repositories.staff import Principal, StaffRepository

# auto_error=False: our own 401 body and header instead of FastAPI's 403 default.
_bearer = HTTPBearer(auto_error=False, description="An API token from `renos tokens create`.")

# Every limit counts calls per token in fixed windows of this length.
WINDOW = timedelta(minutes=1)


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


@dataclass(frozen=True)
class Authentication:
    """A valid token's principal, and the route's rate limits as counted with the lookup."""

    principal: Principal
    hits: Mapping[str, RateLimitHit]  # by TokenLimit.name


async def authenticate(
    request: Request,
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Authentication:
    """Resolve the bearer token (or 401) and count the call under each :class:`TokenLimit`
    the route depends on, in the same transaction. Nothing is counted for a 401; the 429s
    are raised by the limits after the commit, so a refused call still counts."""
    if credentials is None or not credentials.credentials.strip():
        raise UnauthorizedError("missing bearer token")
    token_hash = hash_token(credentials.credentials.strip())
    limits = _limits_of(request.scope.get("route"))
    now = container.clock()
    hits: Mapping[str, RateLimitHit] = {}
    async with container.database.transaction() as session:
        principal = await StaffRepository(session).principal_for(token_hash, now=now)
        if principal is not None and limits:
            server = container.settings.server
            counted = await RateLimitRepository(session).hit_many(
                {limit.key(principal): limit.per_minute(server) for limit in limits}, WINDOW, now
            )
            hits = {limit.name: counted[limit.key(principal)] for limit in limits}
    if principal is None:
        # One answer for unknown, revoked and expired: no oracle for token states.
        raise UnauthorizedError("invalid, revoked or expired token")
    return Authentication(principal=principal, hits=hits)


async def current_principal(
    authentication: Annotated[Authentication, Depends(authenticate)],
) -> Principal:
    """The staff user behind ``Authorization: Bearer <token>``, or 401."""
    return authentication.principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True)
class TokenLimit:
    """A limit on calls per minute and token, used as a dependency (``Depends(limit)``) of a
    router or route: 429 with Retry-After once the token has spent it in this window."""

    name: str  # the counter's key is "<name>:<token id>"
    per_minute: Callable[[ServerSettings], int]

    def key(self, principal: Principal) -> str:
        return f"{self.name}:{principal.token_id}"

    async def __call__(
        self,
        authentication: Annotated[Authentication, Depends(authenticate)],
        container: ContainerDep,
    ) -> Principal:
        principal = authentication.principal
        hit = authentication.hits.get(self.name)
        if hit is None:
            # Not found on the route (applied some other way): counted on its own.
            async with container.database.transaction() as session:
                hit = await RateLimitRepository(session).hit(
                    self.key(principal),
                    WINDOW,
                    self.per_minute(container.settings.server),
                    container.clock(),
                )
        # Raised after the commit: a refused call still counts.
        if not hit.allowed:
            raise RateLimitedError(hit.retry_after_s)
        return principal


def _limits_of(route: object) -> list[TokenLimit]:
    """The TokenLimits among the dependencies of ``route`` (the one this request matched),
    at any depth, each once."""
    if not isinstance(route, APIRoute):
        return []
    found: list[TokenLimit] = []
    pending: list[Dependant] = [route.dependant]
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, TokenLimit) and dependant.call not in found:
            found.append(dependant.call)
        pending.extend(dependant.dependencies)
    return found


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only principals whose role holds ``permission``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not allowed(principal.role, permission):
            raise ForbiddenError(f"role {principal.role} lacks permission {permission}")
        return principal

    return check
