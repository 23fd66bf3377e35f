"""The tool step: runs the model's tool calls through the audited executor. An action that
needs approval pauses the graph (LangGraph interrupt) before anything happens; it is always
the first call handled in a step, so a resumed step never repeats other work."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langchain_core.messages.tool import ToolCall
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import ValidationError

from agent.approvals import ApprovalDecision, ApprovalRequest
from agent.context import RunContext
from agent.execution import ToolExecutor, ToolOutcome
from agent.state import ChatState
from memory.models.enums import TaskStatus
from tools.canonical.errors import ToolError
from tools.canonical.registry import ToolSpec


def pending_calls(messages: list[AnyMessage]) -> list[ToolCall]:
    """Tool calls of the last AI message that have no tool message yet."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, AIMessage):
            answered = {m.tool_call_id for m in messages[index + 1 :] if isinstance(m, ToolMessage)}
            return [c for c in message.tool_calls if c["id"] not in answered]
    return []


def _intent(messages: list[AnyMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, AIMessage) and isinstance(message.content, str) and message.content:
            return message.content
    return ""


def _as_message(outcome: ToolOutcome) -> ToolMessage:
    ok = outcome.status == TaskStatus.SUCCEEDED
    return ToolMessage(
        content=outcome.content,
        tool_call_id=outcome.tool_call_id,
        name=outcome.name,
        status="success" if ok else "error",
        artifact={"status": outcome.status.value, "replayed": outcome.replayed},
    )


async def _approved_run(
    ex: ToolExecutor, spec: ToolSpec, call: ToolCall, intent: str
) -> ToolOutcome:
    call_id, raw = call["id"] or "", dict(call["args"])
    if (done := await ex.finished(call_id)) is not None:
        return done
    try:
        args = ex.parse(spec, raw)
        await ex.await_approval(spec, call_id, args, intent)
    except ToolError as err:
        return await ex.fail(spec, call_id, raw, err)
    request = ApprovalRequest(
        tool=spec.name, tool_call_id=call_id, args=args.model_dump(mode="json")
    )
    answer = interrupt(request.model_dump())
    try:
        decision = ApprovalDecision.model_validate(answer)
    except ValidationError:
        return await ex.deny(spec, call_id, raw, "unreadable decision")
    if decision.decision == "reject":
        return await ex.deny(spec, call_id, args.model_dump(mode="json"), decision.reason)
    if decision.decision == "edit":
        try:
            args = ex.parse(spec, {**args.model_dump(mode="json"), **decision.args})
            if spec.check is not None:
                await ex.await_approval(spec, call_id, args, intent)
        except ToolError as err:
            return await ex.fail(spec, call_id, raw, err)
    return await ex.run(spec, call_id, args, intent)


async def tools_node(state: ChatState, *, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ex = runtime.context.executor
    intent = _intent(state["messages"])
    outcomes: list[ToolOutcome] = []
    for call in pending_calls(state["messages"]):
        call_id, raw = call["id"] or "", dict(call["args"])
        spec = ex.spec(call["name"])
        if spec is None:
            outcomes.append(await ex.unknown_tool(call["name"], call_id, raw))
            continue
        if not ex.permits(spec.name):
            outcomes.append(await ex.refuse(spec, call_id, raw))
            continue
        if (reason := await ex.out_of_scope(spec.name, raw)) is not None:
            outcomes.append(await ex.refuse(spec, call_id, raw, reason))
            continue
        if spec.needs_approval:
            if outcomes:
                break  # hand back what ran; the next step starts with this approval
            outcomes.append(await _approved_run(ex, spec, call, intent))
            continue
        try:
            args = ex.parse(spec, raw)
        except ToolError as err:
            outcomes.append(await ex.fail(spec, call_id, raw, err))
            continue
        outcomes.append(await ex.run(spec, call_id, args, intent))
    return {"messages": [_as_message(o) for o in outcomes]}
