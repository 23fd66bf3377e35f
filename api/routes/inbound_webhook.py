"""POST /v1/inbound/email: a mail provider delivers one raw RFC 822 message.

Not authenticated by a bearer token but by an HMAC-SHA256 signature over
``f"{timestamp}." + body`` with RENOS_WEBHOOK_SECRET, sent in ``X-Renos-Signature`` (hex)
with ``X-Renos-Timestamp`` (unix seconds). Without a configured secret the webhook does not
exist (404). A redelivery of a recorded message is accepted and only counted. While the
database is away the answer is 503 (``database_unavailable``, with Retry-After) and nothing is
recorded, so the sender's retry is the one delivery that counts.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status
from pydantic import BaseModel

from agent.inbox.ingest import ingest
from api.auth.dependencies import get_container
from api.composition import Container
from api.errors import ErrorResponse, InvalidRequestError, ResourceNotFoundError, UnauthorizedError
from api.inbox_settings import InboxSettings
from memory.models.enums import InboundStatus

ACCEPTED_TYPES = ("message/rfc822", "application/octet-stream")

router = APIRouter(
    prefix="/v1/inbound",
    tags=["inbound"],
    responses={
        400: {"model": ErrorResponse, "description": "Not a raw message"},
        401: {"model": ErrorResponse, "description": "Missing, wrong or stale signature"},
        404: {"model": ErrorResponse, "description": "The webhook is not configured"},
        413: {
            "model": ErrorResponse,
            "description": "The body is over twice RENOS_MAX_MAIL_BYTES (a message over it once "
            "is recorded and quarantined)",
        },
        503: {
            "model": ErrorResponse,
            "description": "The database is unavailable (`database_unavailable`): nothing was "
            "recorded; deliver again after Retry-After seconds",
        },
    },
)


class InboundAccepted(BaseModel):
    message_id: str
    created: bool
    status: InboundStatus


def inbox_settings() -> InboxSettings:
    return InboxSettings()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The expected X-Renos-Signature of a delivery."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@router.post(
    "/email",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InboundAccepted,
    summary="Deliver one raw inbound mail (HMAC-signed)",
)
async def receive_email(
    request: Request,
    container: Annotated[Container, Depends(get_container)],
    settings: Annotated[InboxSettings, Depends(inbox_settings)],
    timestamp: Annotated[str | None, Header(alias="X-Renos-Timestamp")] = None,
    signature: Annotated[str | None, Header(alias="X-Renos-Signature")] = None,
) -> InboundAccepted:
    if settings.webhook_secret is None:
        raise ResourceNotFoundError("not found")
    secret = settings.webhook_secret.get_secret_value()
    if not timestamp or not signature or not timestamp.isdigit() or len(timestamp) > 12:
        raise UnauthorizedError("missing or malformed signature")
    body = await request.body()
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise UnauthorizedError("invalid signature")
    now = container.clock()
    if abs(now.timestamp() - int(timestamp)) > settings.webhook_max_skew_s:
        raise UnauthorizedError("stale timestamp")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise InvalidRequestError(f"Content-Type must be one of {', '.join(ACCEPTED_TYPES)}")
    if not body.strip():
        raise InvalidRequestError("empty message")
    result = await ingest(container.database, body, now=now, max_raw_bytes=settings.max_mail_bytes)
    return InboundAccepted(
        message_id=result.message_id, created=result.created, status=result.status
    )
