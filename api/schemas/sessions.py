"""Request and response shapes of /v1/sessions, and the opaque paging cursor."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from memory.models.enums import ChatChannel, MessageRole

_SESSION_EXAMPLE: dict[str, JsonValue] = {
    "id": "0b9c6f52-6a43-4f7e-9a55-3c1f2f6d1e20",
    "title": "Tilbud til Mette Hansen",
    "channel": "chat",
    "created_at": "2026-12-01T09:00:00+01:00",
    "updated_at": "2026-12-01T09:05:00+01:00",
}


class SessionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"title": "Tilbud til Mette Hansen"}, {}]},
    )

    title: str = Field(default="", max_length=200, description="Optional title shown in lists.")


class SessionUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"title": "Flytterengøring Skovvej 12"}]},
    )

    title: str = Field(min_length=1, max_length=200, description="The new title.")


class SessionOut(BaseModel):
    """A chat session owned by the caller."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [_SESSION_EXAMPLE]}
    )

    id: uuid.UUID
    title: str = Field(description="Empty until given one.")
    channel: ChatChannel = Field(description="Where the session was started.")
    created_at: datetime
    updated_at: datetime = Field(description="Last change; lists are ordered by it, newest first.")


class SessionPage(BaseModel):
    """One page of the caller's sessions, most recently updated first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [_SESSION_EXAMPLE], "next_cursor": None}]}
    )

    items: list[SessionOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class MessageOut(BaseModel):
    """One stored message of a session's transcript."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 17,
                    "role": "user",
                    "content": "Hvad koster en flytterengøring på 80 m²?",
                    "tool_calls": None,
                    "tool_call_id": None,
                    "created_at": "2026-12-01T09:00:00+01:00",
                }
            ]
        },
    )

    id: int = Field(description="Increasing in the order messages were written.")
    role: MessageRole
    content: str
    tool_calls: list[dict[str, object]] | None = Field(
        default=None, description="Tool calls an assistant message asked for."
    )
    tool_call_id: str | None = Field(
        default=None, description="On a tool message: the call it answers."
    )
    created_at: datetime


class MessageList(BaseModel):
    items: list[MessageOut]


class InvalidCursorError(ValueError):
    """The cursor was not issued by this API."""


def encode_cursor(updated_at: datetime, session_id: uuid.UUID) -> str:
    raw = json.dumps([updated_at.isoformat(), str(session_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, ident = json.loads(raw)
        updated_at = datetime.fromisoformat(stamp)
        if updated_at.tzinfo is None:
            raise ValueError("naive timestamp")
        return updated_at, uuid.UUID(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise InvalidCursorError("invalid cursor") from exc
