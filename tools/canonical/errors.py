"""Tool failures the model can read and act on (they go back as tool messages)."""

from __future__ import annotations

from enum import StrEnum


class ToolErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    SLOT_UNAVAILABLE = "slot_unavailable"
    WRONG_STATE = "wrong_state"
    FORBIDDEN = "forbidden"
    POLICY = "policy"
    UNAVAILABLE = "unavailable"


class ToolError(Exception):
    """An expected failure with a stable code and a message meant for the model and staff."""

    def __init__(self, code: ToolErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "message": self.message}
