"""Runs one chat turn (or the rest of a turn after an approval) and reports typed events."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    RemoveMessage,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, StreamMode
from sqlalchemy.ext.asyncio import AsyncSession

from agent.approvals import ApprovalDecision, ApprovalRequest
from agent.context import RunContext
from agent.events import (
    AgentEvent,
    ApprovalRequired,
    Done,
    Error,
    Message,
    RunStarted,
    Token,
    ToolFinished,
    ToolStarted,
)
from agent.execution import ToolExecutor
from agent.graph.turn_memory import ChatMemory, TurnMemory, store_turn, store_user
from agent.providers import ChatModelHandle, ProviderError
from agent.state import ChatState
from memory.database import Database
from tools.canonical.caller import Caller
from tools.canonical.ports import Ports
from tools.canonical.registry import ToolSpec
from tools.privacy import mask_codes

_MODES: list[StreamMode] = ["messages", "updates"]


@dataclass(frozen=True)
class ChatRunner:
    graph: CompiledStateGraph[ChatState, RunContext, ChatState, ChatState]
    database: Database
    handle: ChatModelHandle
    ports_for: Callable[[AsyncSession], Ports]
    table: dict[str, ToolSpec]
    clock: Callable[[], datetime]
    max_steps: int = 12
    # Stores the transcript and bounds the prompt; None sends the model the whole history.
    memory: ChatMemory | None = None

    def _context(
        self,
        caller: Caller,
        run_id: str,
        memory: TurnMemory | None,
        allowed_tools: frozenset[str] | None = None,
    ) -> RunContext:
        executor = ToolExecutor(
            self.database,
            self.ports_for,
            caller,
            table=self.table,
            model=self.handle.model_name,
            run_id=run_id,
            clock=self.clock,
            allowed=allowed_tools,
        )
        return RunContext(
            caller=caller,
            executor=executor,
            model_name=self.handle.model_name,
            run_id=run_id,
            max_steps=self.max_steps,
            memory=memory,
        )

    async def pending_action(self, session_id: uuid.UUID) -> ApprovalRequest | None:
        """The action of this session that waits for a decision, if any."""
        config: RunnableConfig = {"configurable": {"thread_id": str(session_id)}}
        for item in (await self.graph.aget_state(config)).interrupts:
            return ApprovalRequest.model_validate(item.value)
        return None

    async def turn(
        self,
        caller: Caller,
        *,
        text: str | None = None,
        decision: ApprovalDecision | None = None,
        allowed_tools: frozenset[str] | None = None,
    ) -> AsyncIterator[AgentEvent]:
        """A user message (``text``) or the answer to a pending approval (``decision``).
        ``allowed_tools`` are the tools the caller's role may use; others are refused in code."""
        if (text is None) == (decision is None):
            raise ValueError("give either text or a decision")
        if caller.session_id is None:
            raise ValueError("a chat turn needs a session")
        if text is not None:  # door and alarm codes never reach the model, logs or storage
            text = mask_codes(text)
        run_id = uuid.uuid4().hex
        config: RunnableConfig = {"configurable": {"thread_id": str(caller.session_id)}}
        graph_input: Any = (
            {"messages": self._new_turn(text), "steps": 0}
            if text is not None
            else Command(resume=decision.model_dump() if decision else None)
        )
        yield RunStarted(
            run_id=run_id, session_id=str(caller.session_id), model=self.handle.describe()
        )
        if (problem := await self._out_of_turn(config, decision is not None)) is not None:
            yield problem
            yield Done(status="failed")
            return
        memory = await self._begin(caller.session_id, text)
        usage = [0, 0]
        awaiting = False
        answers: list[Message] = []
        try:
            async for part in self.graph.astream(
                graph_input,
                config,
                context=self._context(caller, run_id, memory, allowed_tools),
                stream_mode=_MODES,
                # One checkpoint per run, when it ends (done, paused for an approval, or
                # failed) rather than one per step: a run cut short (the process killed) leaves
                # the thread as the previous run left it, and tools already run are replayed
                # from the audit, never run twice (agent/execution.py).
                durability="exit",
            ):
                mode, chunk = cast(tuple[str, Any], part)
                if mode == "messages":
                    message, meta = chunk
                    from_model = meta.get("langgraph_node") == "model"
                    if from_model and isinstance(message, AIMessageChunk) and message.content:
                        yield Token(text=str(message.content))
                    continue
                for event in _from_update(chunk, usage):
                    awaiting = awaiting or isinstance(event, ApprovalRequired)
                    if isinstance(event, Message):
                        # Sent with the done once the turn is stored: its text streamed as
                        # tokens already, and the two then cost one write, not two.
                        answers.append(event)
                    else:
                        yield event
        except ProviderError as exc:
            for answer in answers:
                yield answer
            yield Error(code=exc.code, message=str(exc))
            await self._remember(caller.session_id, config, awaiting)
            yield Done(status="failed", input_tokens=usage[0], output_tokens=usage[1])
            return
        await self._remember(caller.session_id, config, awaiting)
        for answer in answers:
            yield answer
        status = "awaiting_approval" if awaiting else "completed"
        yield Done(status=status, input_tokens=usage[0], output_tokens=usage[1])

    def _new_turn(self, text: str) -> list[BaseMessage]:
        """The graph state's messages for a new user message. With memory the transcript
        lives in ``chat_messages`` (stored by the turns) and the prompt is built from there,
        so earlier turns are dropped from the state: its checkpoints stay the size of one turn
        instead of growing with the session (and being rewritten at every step)."""
        question = HumanMessage(content=text)
        if self.memory is None:
            return [question]
        return [RemoveMessage(id=REMOVE_ALL_MESSAGES), question]

    async def _begin(self, session_id: uuid.UUID, text: str | None) -> TurnMemory | None:
        """A new user message is stored before the model sees it (and is the recall query)."""
        if self.memory is None:
            return None
        query = await store_user(self.memory, session_id, text) if text is not None else None
        return TurnMemory(self.memory, query=query)

    async def _remember(
        self, session_id: uuid.UUID, config: RunnableConfig, awaiting: bool
    ) -> None:
        """Store what the turn added once it is over; a turn awaiting approval continues."""
        if self.memory is None or awaiting:
            return
        state = await self.graph.aget_state(config)
        await store_turn(self.memory, session_id, state.values.get("messages", []))

    async def _out_of_turn(self, config: RunnableConfig, deciding: bool) -> Error | None:
        """A decision needs a pending action, and a new message must wait for the decision
        (the model cannot continue past tool calls that have no answer yet)."""
        pending = bool((await self.graph.aget_state(config)).interrupts)
        if deciding and not pending:
            return Error(code="nothing_pending", message="no action is waiting for a decision")
        if not deciding and pending:
            return Error(
                code="approval_pending",
                message="an action is waiting for approval: approve, edit or reject it first",
            )
        return None


def _from_update(update: dict[str, Any], usage: list[int]) -> list[AgentEvent]:
    events: list[AgentEvent] = []
    for node, value in update.items():
        if node == "__interrupt__":
            for item in value:
                request = item.value
                events.append(
                    ApprovalRequired(
                        tool_call_id=request["tool_call_id"],
                        tool=request["tool"],
                        args=request["args"],
                    )
                )
            continue
        for message in (value or {}).get("messages", []):
            if isinstance(message, AIMessage):
                if message.usage_metadata:
                    usage[0] += message.usage_metadata["input_tokens"]
                    usage[1] += message.usage_metadata["output_tokens"]
                for call in message.tool_calls:
                    events.append(
                        ToolStarted(
                            tool_call_id=call["id"] or "", name=call["name"], args=call["args"]
                        )
                    )
                if not message.tool_calls and isinstance(message.content, str):
                    events.append(Message(text=message.content))
            elif isinstance(message, ToolMessage):
                status = (message.artifact or {}).get("status", message.status)
                events.append(
                    ToolFinished(
                        tool_call_id=message.tool_call_id,
                        name=message.name or "",
                        status=status,
                        result=_parse(message.content),
                    )
                )
    return events


def _parse(content: object) -> Any:
    if isinstance(content, str):
        try:
            return json.loads(content)
        except json.JSONDecodeError:
            return content
    return content
