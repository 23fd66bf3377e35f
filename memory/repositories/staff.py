"""Staff users and API tokens. Tokens arrive here already hashed; the clear text never does."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from memory.errors import ConflictError, NotFoundError
from memory.models import ApiToken, StaffUser
from memory.models.enums import StaffRole

# ``ApiToken.last_used_at`` says when a token was last used to within this much: it is
# written only when the stored time is at least this old, so most calls only read the token.
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who a valid token belongs to."""

    user_id: uuid.UUID
    email: str
    name: str
    role: StaffRole
    token_id: uuid.UUID


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def create_user(self, *, email: str, name: str, role: StaffRole) -> StaffUser:
        if await self.find_by_email(email) is not None:
            raise ConflictError(f"a staff user with email {email} already exists")
        user = StaffUser(email=email.strip(), name=name.strip(), role=role, active=True)
        self._s.add(user)
        await self._s.flush()
        return user

    async def ensure_user(self, *, email: str, name: str, role: StaffRole) -> StaffUser:
        """The user with this email, created if missing (e.g. the CLI operator)."""
        return await self.find_by_email(email) or await self.create_user(
            email=email, name=name, role=role
        )

    async def find_by_email(self, email: str) -> StaffUser | None:
        stmt = select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def list_users(self) -> list[StaffUser]:
        return list((await self._s.execute(select(StaffUser).order_by(StaffUser.email))).scalars())

    async def add_token(
        self,
        *,
        user_id: uuid.UUID,
        name: str,
        token_hash: str,
        prefix: str,
        expires_at: datetime | None,
    ) -> ApiToken:
        token = ApiToken(
            user_id=user_id, name=name, token_hash=token_hash, prefix=prefix, expires_at=expires_at
        )
        self._s.add(token)
        await self._s.flush()
        return token

    async def revoke_token(self, token_id_or_prefix: str, *, now: datetime) -> ApiToken:
        """Revoke by id or by the printed prefix; revoking twice keeps the first time."""
        stmt = select(ApiToken).where(ApiToken.prefix == token_id_or_prefix)
        with contextlib.suppress(ValueError):
            stmt = select(ApiToken).where(ApiToken.id == uuid.UUID(token_id_or_prefix))
        tokens = list((await self._s.execute(stmt)).scalars())
        if not tokens:
            raise NotFoundError(f"no token {token_id_or_prefix}")
        if len(tokens) > 1:
            raise ConflictError(f"prefix {token_id_or_prefix} is ambiguous; use the token id")
        token = tokens[0]
        if token.revoked_at is None:
            token.revoked_at = now
            await self._s.flush()
        return token

    async def list_tokens(self, user_id: uuid.UUID | None = None) -> list[ApiToken]:
        stmt = select(ApiToken).order_by(ApiToken.created_at)
        if user_id is not None:
            stmt = stmt.where(ApiToken.user_id == user_id)
        return list((await self._s.execute(stmt)).scalars())

    async def principal_for(self, token_hash: str, *, now: datetime) -> Principal | None:
        """The active user behind a token hash, or None if unknown, revoked, expired or inactive.

        Marks the token used (``last_used_at``) when its mark is missing or at least
        :data:`LAST_USED_GRANULARITY` old; otherwise this is a single SELECT."""
        stmt = (
            select(ApiToken, StaffUser)
            .join(StaffUser, StaffUser.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
            .where(StaffUser.active.is_(True))
        )
        row = (await self._s.execute(stmt)).one_or_none()
        if row is None:
            return None
        token, user = row
        if token.expires_at is not None and token.expires_at <= now:
            return None
        stale = now - LAST_USED_GRANULARITY
        if token.last_used_at is None or token.last_used_at <= stale:
            # The condition again in SQL: another process that read the same old mark may
            # have written first; then this one changes nothing (the mark never goes back).
            await self._s.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token.id,
                    or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale),
                )
                .values(last_used_at=now)
            )
        return Principal(
            user_id=user.id, email=user.email, name=user.name, role=user.role, token_id=token.id
        )
