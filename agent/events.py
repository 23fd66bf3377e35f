"""The agent's typed events: what a turn reports while it runs. The HTTP layer encodes them as
named SSE events; the CLI prints them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class RunStarted(BaseModel):
    kind: Literal["run_started"] = "run_started"
    run_id: str
    session_id: str
    model: str


class Token(BaseModel):
    kind: Literal["token"] = "token"
    text: str


class ToolStarted(BaseModel):
    kind: Literal["tool_started"] = "tool_started"
    tool_call_id: str
    name: str
    args: dict[str, Any]


class ToolFinished(BaseModel):
    kind: Literal["tool_finished"] = "tool_finished"
    tool_call_id: str
    name: str
    status: str  # succeeded | failed | denied
    result: Any


class ApprovalRequired(BaseModel):
    kind: Literal["approval_required"] = "approval_required"
    tool_call_id: str
    tool: str
    args: dict[str, Any]


class Message(BaseModel):
    kind: Literal["message"] = "message"
    text: str


class Error(BaseModel):
    kind: Literal["error"] = "error"
    code: str
    message: str


class Done(BaseModel):
    kind: Literal["done"] = "done"
    status: Literal["completed", "awaiting_approval", "failed"]
    input_tokens: int = 0
    output_tokens: int = 0


AgentEvent = (
    RunStarted | Token | ToolStarted | ToolFinished | ApprovalRequired | Message | Error | Done
)
