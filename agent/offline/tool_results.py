"""A ToolMessage's content → the tool's record, or a failure the answer can explain.

Tools answer with their record as JSON (tools/canonical/records.py); a failed, denied or
unreadable call answers with {"error": {"code", "message"}} or with plain text. Denials and
pending approvals are told apart from failures, because the answer to staff differs:
"rejected, nothing was done" is not "something broke".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from tools.canonical.records import (
    AvailabilityResult,
    BookingCreated,
    EmailDraft,
    EmailSent,
    LeadDetail,
    QuoteDraft,
    SearchResult,
)

ToolRecord = (
    SearchResult | LeadDetail | AvailabilityResult | BookingCreated | QuoteDraft | EmailDraft
) | EmailSent

RECORD_TYPES: dict[str, type[ToolRecord]] = {
    "search_leads": SearchResult,
    "get_lead": LeadDetail,
    "check_availability": AvailabilityResult,
    "create_booking": BookingCreated,
    "draft_quote": QuoteDraft,
    "draft_email_reply": EmailDraft,
    "send_email": EmailSent,
}

_DENIED = ("denied", "rejected", "afvist")
_PENDING = ("pending", "awaiting", "approval_required", "afventer")
_MAX_MESSAGE = 300


class FailureKind(StrEnum):
    DENIED = "denied"  # a person (or a policy gate) said no: nothing happened
    PENDING = "pending"  # waiting for a person's approval
    FAILED = "failed"  # the tool ran into an error


@dataclass(frozen=True, slots=True)
class ToolFailure:
    kind: FailureKind
    code: str
    message: str


def _kind(code: str) -> FailureKind:
    lowered = code.lower()
    if any(word in lowered for word in _DENIED):
        return FailureKind.DENIED
    if any(word in lowered for word in _PENDING):
        return FailureKind.PENDING
    return FailureKind.FAILED


def _from_error(error: object) -> ToolFailure:
    if isinstance(error, dict):
        code = str(error.get("code") or "error")
        message = str(error.get("message") or "")
        return ToolFailure(_kind(code), code, message[:_MAX_MESSAGE])
    text = str(error)
    return ToolFailure(_kind(text), "error", text[:_MAX_MESSAGE])


def _from_text(text: str) -> ToolFailure:
    kind = _kind(text)
    return ToolFailure(
        kind, kind.value if kind is not FailureKind.FAILED else "error", text[:_MAX_MESSAGE]
    )


def read_result(
    name: str, content: str, status: str = "success"
) -> ToolRecord | ToolFailure | None:
    """The record or failure in one tool message; None for a tool this model does not know."""
    try:
        data: object = json.loads(content)
    except ValueError:
        data = None
    if isinstance(data, dict) and "error" in data:
        return _from_error(data["error"])
    if status == "error" or (data is None and name in RECORD_TYPES):
        return _from_text(content.strip() or "error")
    record_type = RECORD_TYPES.get(name)
    if record_type is None:
        return None
    try:
        return record_type.model_validate(data)
    except ValidationError:
        return ToolFailure(FailureKind.FAILED, "unreadable_result", f"{name}: unreadable result")
