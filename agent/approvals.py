"""The approval protocol: what a paused action shows the reviewer, and the decisions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ApprovalRequest(BaseModel):
    """Sent with the pause; enough for a person to decide."""

    tool: str
    tool_call_id: str
    args: dict[str, Any]


class ApprovalDecision(BaseModel):
    """A reviewer's answer. ``edit`` approves with changed arguments."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject", "edit"]
    reason: str = Field(default="", max_length=1000)
    args: dict[str, Any] = Field(default_factory=dict)
