"""Request and response shapes of the chat endpoints (the stream's events: api/sse.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.approvals import ApprovalDecision
from agent.events import (
    AgentEvent,
    ApprovalRequired,
    Done,
    Error,
    Message,
    RunStarted,
    ToolFinished,
    ToolStarted,
)


class MessageIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"text": "Hvad koster en flytterengøring på 80 m²?"}]},
    )

    text: str = Field(min_length=1, max_length=8000, description="The staff member's message.")


class ApprovalIn(BaseModel):
    """A decision on the action the turn paused for. ``edit`` approves with changed ``args``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "approve"}, {"decision": "reject", "reason": "Forkert dato"}]
        },
    )

    decision: Literal["approve", "reject", "edit"]
    reason: str = Field(default="", max_length=1000)
    args: dict[str, Any] = Field(
        default_factory=dict, description="With `edit`: the arguments to run the action with."
    )

    def to_decision(self) -> ApprovalDecision:
        return ApprovalDecision(decision=self.decision, reason=self.reason, args=self.args)


class ToolCallOut(BaseModel):
    id: str
    name: str
    args: dict[str, Any] | None = Field(
        default=None, description="Null for a call started in an earlier turn (an approval)."
    )
    status: str | None = Field(
        default=None, description="succeeded, failed or denied; null while it awaits approval."
    )
    result: Any = None


class PendingApprovalOut(BaseModel):
    tool_call_id: str
    tool: str
    args: dict[str, Any]


class TurnError(BaseModel):
    code: str
    message: str


class TurnOut(BaseModel):
    """A whole turn at once: what the event stream would have told, summed up."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "run_id": "5f0c1d2e3b4a",
                    "reply": "En flytterengøring på 80 m² koster 1.396–2.094 kr …",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "name": "draft_quote",
                            "args": {"service": "moving_out", "area_m2": 80},
                            "status": "succeeded",
                            "result": {"price_min": "1396.00", "price_max": "2094.00"},
                        }
                    ],
                    "pending_approval": None,
                    "status": "completed",
                    "error": None,
                    "last_event_id": 42,
                }
            ]
        }
    )

    run_id: str
    reply: str = Field(description="The model's final message; empty if it gave none.")
    tool_calls: list[ToolCallOut]
    pending_approval: PendingApprovalOut | None
    status: Literal["completed", "awaiting_approval", "failed"]
    error: TurnError | None = None
    last_event_id: int = Field(description="Id of the turn's `done` event in the stream.")

    @classmethod
    def from_events(cls, events: list[tuple[int, AgentEvent]]) -> TurnOut:
        calls: dict[str, ToolCallOut] = {}
        out = cls(
            run_id="",
            reply="",
            tool_calls=[],
            pending_approval=None,
            status="failed",
            last_event_id=0,
        )
        for event_id, event in events:
            out.last_event_id = event_id
            if isinstance(event, RunStarted):
                out.run_id = event.run_id
            elif isinstance(event, ToolStarted):
                calls[event.tool_call_id] = ToolCallOut(
                    id=event.tool_call_id, name=event.name, args=event.args
                )
            elif isinstance(event, ToolFinished):
                call = calls.setdefault(
                    event.tool_call_id, ToolCallOut(id=event.tool_call_id, name=event.name)
                )
                call.status, call.result = event.status, event.result
            elif isinstance(event, ApprovalRequired):
                out.pending_approval = PendingApprovalOut(
                    tool_call_id=event.tool_call_id, tool=event.tool, args=event.args
                )
            elif isinstance(event, Message):
                out.reply = event.text
            elif isinstance(event, Error):
                out.error = TurnError(code=event.code, message=event.message)
            elif isinstance(event, Done):
                out.status = event.status
        out.tool_calls = list(calls.values())
        return out
