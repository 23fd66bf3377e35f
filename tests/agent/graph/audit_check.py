"""A suite-wide invariant: every tool call a turn reports has exactly one audit row, whose
status is what the turn reported."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from agent.events import AgentEvent, ApprovalRequired, ToolFinished, ToolStarted
from agent.runner import ChatRunner
from api.composition import Container
from memory.models import TaskExecution
from tools.canonical.caller import Caller


@dataclass(frozen=True)
class RecordingRunner(ChatRunner):
    log: list[AgentEvent] = field(default_factory=list)

    async def turn(self, caller: Caller, **kw: Any) -> AsyncIterator[AgentEvent]:
        async for event in super().turn(caller, **kw):
            self.log.append(event)
            yield event


def record_turns(container: Container) -> RecordingRunner:
    assert container.chat is not None
    fields = {f.name: getattr(container.chat, f.name) for f in dataclasses.fields(ChatRunner)}
    container.chat = RecordingRunner(**fields)
    return container.chat


async def assert_every_call_audited_once(container: Container, log: list[AgentEvent]) -> None:
    expected: dict[str, str] = {}
    for event in log:
        if isinstance(event, ToolStarted):
            expected.setdefault(event.tool_call_id, "pending")
        elif isinstance(event, ApprovalRequired):
            expected[event.tool_call_id] = "pending_approval"
        elif isinstance(event, ToolFinished):
            expected[event.tool_call_id] = event.status
    async with container.database.transaction() as s:
        rows = list((await s.execute(select(TaskExecution))).scalars())
    seen = [r.tool_call_id for r in rows]
    assert len(seen) == len(set(seen))  # unique by construction; checked anyway
    actual = {r.tool_call_id: r.status.value for r in rows if r.tool_call_id in expected}
    assert actual == expected
