"""Who is calling: the bearer token resolved to a Principal, and the role check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth.roles import Permission, allowed
from api.auth.tokens import hash_token
from api.composition import Container
from api.errors import ForbiddenError, UnauthorizedError
from memory.repositories.staff import Principal, StaffRepository

# auto_error=False: our own 401 body and header instead of FastAPI's 403 default.
_bearer = HTTPBearer(auto_error=False, description="An API token from `renos tokens create`.")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def current_principal(
    container: Annotated[Container, Depends(get_container)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The staff user behind ``Authorization: Bearer <token>``, or 401."""
    if credentials is None or not credentials.credentials.strip():
        raise UnauthorizedError("missing bearer token")
    token_hash = hash_token(credentials.credentials.strip())
    async with container.database.transaction() as session:
        principal = await StaffRepository(session).principal_for(token_hash, now=container.clock())
    if principal is None:
        # One answer for unknown, revoked and expired: no oracle for token states.
        raise UnauthorizedError("invalid, revoked or expired token")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only principals whose role holds ``permission``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not allowed(principal.role, permission):
            raise ForbiddenError(f"role {principal.role} lacks permission {permission}")
        return principal

    return check
