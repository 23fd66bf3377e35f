"""The conversation as the offline model reads it: turns, their tool calls and the results.

Stateless by design: rebuilt from the message list on every call, so a resumed or replayed
run (another process, a checkpoint) sees exactly what the first one saw. A turn starts at a
HumanMessage; the AIMessages with tool calls after it and the ToolMessages answering them
(matched by tool_call_id) are its steps; an AIMessage without tool calls is its answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.offline.tool_results import ToolFailure, ToolRecord, read_result

R = TypeVar("R", bound=ToolRecord)


@dataclass(frozen=True, slots=True)
class Step:
    """One tool call and, once it came back, its result (a record) or its failure."""

    call_id: str
    name: str
    args: Mapping[str, object]
    outcome: ToolRecord | ToolFailure | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """One staff request and what happened while answering it."""

    text: str
    steps: tuple[Step, ...] = ()
    answer: str | None = None

    def records(self, kind: type[R]) -> list[R]:
        return [step.outcome for step in self.steps if isinstance(step.outcome, kind)]

    def last(self, kind: type[R]) -> R | None:
        found = self.records(kind)
        return found[-1] if found else None

    def failures(self) -> list[tuple[Step, ToolFailure]]:
        return [(s, s.outcome) for s in self.steps if isinstance(s.outcome, ToolFailure)]

    def called(self, name: str, args: Mapping[str, object]) -> bool:
        return any(step.name == name and dict(step.args) == dict(args) for step in self.steps)


@dataclass(frozen=True, slots=True)
class Transcript:
    """All turns in order; the last one is the request being answered now."""

    turns: tuple[Turn, ...] = field(default=(Turn(text=""),))

    @property
    def current(self) -> Turn:
        return self.turns[-1]

    @property
    def earlier(self) -> tuple[Turn, ...]:
        return self.turns[:-1]

    def before_current(self) -> Transcript:
        """The conversation as it stood when the previous turn ended."""
        return Transcript(self.earlier) if self.earlier else Transcript()


def message_text(message: BaseMessage) -> str:
    return message.text.strip()


def read_transcript(messages: Sequence[BaseMessage]) -> Transcript:
    """Group the messages into turns; system messages and stray tool messages are skipped."""
    turns: list[Turn] = []
    where: dict[str, tuple[int, int]] = {}  # tool_call_id -> (turn, step)
    for message in messages:
        if isinstance(message, HumanMessage):
            turns.append(Turn(text=message_text(message)))
        elif isinstance(message, AIMessage) and turns:
            turns[-1] = _with_ai_message(turns[-1], message, len(turns) - 1, where)
        elif isinstance(message, ToolMessage) and message.tool_call_id in where:
            index, position = where[message.tool_call_id]
            turn = turns[index]
            step = turn.steps[position]
            outcome = read_result(step.name, message.text, message.status)
            steps = list(turn.steps)
            steps[position] = replace(step, outcome=outcome)
            turns[index] = replace(turn, steps=tuple(steps))
    return Transcript(tuple(turns)) if turns else Transcript()


def _with_ai_message(
    turn: Turn, message: AIMessage, index: int, where: dict[str, tuple[int, int]]
) -> Turn:
    if not message.tool_calls:
        text = message_text(message)
        return replace(turn, answer=text) if text else turn
    steps = list(turn.steps)
    for call in message.tool_calls:
        call_id = call.get("id") or f"anonymous-{index}-{len(steps)}"
        where[call_id] = (index, len(steps))
        steps.append(Step(call_id=call_id, name=call["name"], args=dict(call["args"])))
    return replace(turn, steps=tuple(steps))
