"""Staff chat sessions: the caller's own, and only those. Another user's session is
answered exactly like one that does not exist (404), so existence never leaks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response, status

from api.auth.dependencies import get_container, require
from api.auth.rate_limit import rate_limit
from api.auth.roles import Permission
from api.composition import Container
from api.errors import (
    ERROR_RESPONSES,
    NOT_FOUND_RESPONSE,
    InvalidRequestError,
    ResourceNotFoundError,
)
from api.schemas.sessions import (
    InvalidCursorError,
    MessageList,
    MessageOut,
    SessionCreate,
    SessionOut,
    SessionPage,
    SessionUpdate,
    decode_cursor,
    encode_cursor,
)
from memory.models.enums import ChatChannel
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import Principal

router = APIRouter(
    prefix="/v1/sessions",
    tags=["sessions"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(rate_limit)],
)

ContainerDep = Annotated[Container, Depends(get_container)]
Reader = Annotated[Principal, Depends(require(Permission.SESSIONS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.SESSIONS_WRITE))]


def _not_found() -> ResourceNotFoundError:
    return ResourceNotFoundError("session not found")


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=SessionOut, summary="Start a session"
)
async def create_session(
    principal: Writer,
    container: ContainerDep,
    body: Annotated[SessionCreate | None, Body()] = None,
) -> SessionOut:
    title = body.title if body is not None else ""
    async with container.database.transaction() as s:
        row = await ChatSessionRepository(s).create(
            owner_id=principal.user_id, channel=ChatChannel.CHAT, title=title
        )
        return SessionOut.model_validate(row)


@router.get("", response_model=SessionPage, summary="The caller's sessions, newest first")
async def list_sessions(
    principal: Reader,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> SessionPage:
    try:
        before = decode_cursor(cursor) if cursor else None
    except InvalidCursorError as exc:
        raise InvalidRequestError(str(exc)) from exc
    async with container.database.transaction() as s:
        rows = await ChatSessionRepository(s).list_owned(
            principal.user_id, limit=limit + 1, before=before
        )
    page, more = rows[:limit], len(rows) > limit
    last = page[-1] if page else None
    return SessionPage(
        items=[SessionOut.model_validate(r) for r in page],
        next_cursor=encode_cursor(last.updated_at, last.id) if more and last else None,
    )


@router.get(
    "/{session_id}", response_model=SessionOut, responses=NOT_FOUND_RESPONSE, summary="A session"
)
async def get_session(
    session_id: uuid.UUID, principal: Reader, container: ContainerDep
) -> SessionOut:
    async with container.database.transaction() as s:
        row = await ChatSessionRepository(s).get_owned(session_id, principal.user_id)
        if row is None:
            raise _not_found()
        return SessionOut.model_validate(row)


@router.patch(
    "/{session_id}",
    response_model=SessionOut,
    responses=NOT_FOUND_RESPONSE,
    summary="Rename a session",
)
async def rename_session(
    session_id: uuid.UUID, body: SessionUpdate, principal: Writer, container: ContainerDep
) -> SessionOut:
    async with container.database.transaction() as s:
        row = await ChatSessionRepository(s).rename(session_id, principal.user_id, body.title)
        if row is None:
            raise _not_found()
        return SessionOut.model_validate(row)


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND_RESPONSE,
    summary="Delete a session and its messages",
)
async def delete_session(session_id: uuid.UUID, principal: Writer, container: ContainerDep) -> None:
    async with container.database.transaction() as s:
        if not await ChatSessionRepository(s).delete(session_id, principal.user_id):
            raise _not_found()


@router.get(
    "/{session_id}/messages",
    response_model=MessageList,
    responses=NOT_FOUND_RESPONSE,
    summary="A session's messages, oldest first",
)
async def list_messages(
    session_id: uuid.UUID, principal: Reader, container: ContainerDep
) -> MessageList:
    async with container.database.transaction() as s:
        repo = ChatSessionRepository(s)
        if await repo.get_owned(session_id, principal.user_id) is None:
            raise _not_found()
        rows = await repo.messages(session_id)
        return MessageList(items=[MessageOut.model_validate(r) for r in rows])
