"""Which stored messages go to the model, within a token budget. Pure logic, no I/O.

The history not yet folded is cut into *units*: an assistant message that calls tools together
with the tool results answering it, or else a single message. A unit is sent or folded whole,
so the model never sees a tool call without its results or a result without its call. The
newest units that fit are sent; every older unit is folded into the running summary
(:mod:`agent.memory.summary`), whose size is bounded, so the prompt stays within the budget
however long the session grows. If the newest unit alone does not fit, its longest contents
are clipped rather than dropped: it usually holds the question being answered.

The budget covers the summary and the history only; the caller subtracts the system prompt
and the tool schemas first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from agent.memory.summary import summarise
from agent.memory.tokens import CHARS_PER_TOKEN, count_tokens, message_tokens

SUMMARY_HEADER = "Resumé af den tidligere samtale (ældre beskeder er foldet ind her):"
CLIP_MARK = " … [afkortet]"


class ContextBudgetError(Exception):
    """The budget cannot hold even the newest message's framing and tool calls."""

    code = "context_budget_too_small"


class StoredMessage(Protocol):
    """What the window reads of a stored message (``ChatMessage`` rows satisfy it)."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...

    @property
    def token_count(self) -> int: ...

    @property
    def tool_calls(self) -> Sequence[Mapping[str, Any]] | None: ...

    @property
    def tool_call_id(self) -> str | None: ...


@dataclass(frozen=True)
class PromptMessage:
    """One message to send, with the tokens it was counted as."""

    id: int
    role: str
    content: str
    tool_calls: Sequence[Mapping[str, Any]] | None
    tool_call_id: str | None
    tokens: int


@dataclass(frozen=True)
class ContextWindow:
    """The prompt's history part, and the summary state to store if ``folded`` is not empty."""

    summary: str
    summary_upto_id: int | None
    messages: list[PromptMessage]
    folded: list[PromptMessage] = field(default_factory=list)

    @property
    def summary_tokens(self) -> int:
        return summary_message_tokens(self.summary)

    @property
    def tokens(self) -> int:
        return self.summary_tokens + sum(m.tokens for m in self.messages)


def summary_message_tokens(summary: str) -> int:
    return message_tokens(f"{SUMMARY_HEADER}\n{summary}") if summary else 0


def _prompt_message(row: StoredMessage) -> PromptMessage:
    counted = message_tokens(row.content, row.tool_calls)
    return PromptMessage(
        id=row.id,
        role=str(row.role),
        content=row.content,
        tool_calls=row.tool_calls,
        tool_call_id=row.tool_call_id,
        tokens=max(row.token_count, counted),  # a stale or missing count never undercounts
    )


def _call_ids(message: PromptMessage) -> set[str]:
    return {str(call["id"]) for call in message.tool_calls or () if call.get("id") is not None}


def group_units(messages: Sequence[PromptMessage]) -> list[list[PromptMessage]]:
    """Consecutive groups: a tool-calling assistant message plus its results, or one message."""
    units: list[list[PromptMessage]] = []
    open_calls: set[str] = set()
    for message in messages:
        if message.role == "tool" and units and message.tool_call_id in open_calls:
            units[-1].append(message)
            continue
        units.append([message])
        open_calls = _call_ids(message) if message.role == "assistant" else set()
    return units


def _clip_unit(unit: list[PromptMessage], available: int) -> list[PromptMessage]:
    """Shorten the longest contents until the unit costs at most ``available`` tokens."""
    clipped = list(unit)
    for index in sorted(range(len(unit)), key=lambda i: -unit[i].tokens):
        excess = sum(m.tokens for m in clipped) - available
        if excess <= 0:
            break
        message = clipped[index]
        target = count_tokens(message.content) - excess - count_tokens(CLIP_MARK)
        text = message.content[: max(target, 0) * CHARS_PER_TOKEN]
        while text and count_tokens(text + CLIP_MARK) > max(target, 0) + count_tokens(CLIP_MARK):
            text = text[: len(text) * 9 // 10]
        content = text.rstrip() + CLIP_MARK if text else CLIP_MARK.strip()
        clipped[index] = replace(
            message, content=content, tokens=message_tokens(content, message.tool_calls)
        )
    if sum(m.tokens for m in clipped) > available:
        raise ContextBudgetError(
            f"a budget of {available} tokens cannot hold the newest message's tool calls"
        )
    return clipped


def build_context(
    history: Sequence[StoredMessage],
    *,
    summary: str,
    summary_upto_id: int | None,
    budget: int,
    summary_max_tokens: int,
) -> ContextWindow:
    """The newest whole units that fit in ``budget`` with the (possibly extended) summary."""
    if summary_max_tokens >= budget:
        raise ContextBudgetError("summary_max_tokens must leave room for the newest messages")
    fresh = [
        _prompt_message(row)
        for row in sorted(history, key=lambda r: r.id)
        if summary_upto_id is None or row.id > summary_upto_id
    ]
    units = group_units(fresh)
    cost = [sum(m.tokens for m in unit) for unit in units]
    if summary_message_tokens(summary) + sum(cost) <= budget:
        return ContextWindow(summary, summary_upto_id, fresh)
    # Something must be folded: keep the newest units that fit beside a full-size summary.
    reserve = summary_message_tokens("x" * CHARS_PER_TOKEN * summary_max_tokens)
    kept, used = 0, 0
    while kept < len(units) and used + cost[-1 - kept] <= budget - reserve:
        used += cost[-1 - kept]
        kept += 1
    kept = max(kept, 1)
    while True:
        folded = [m for unit in units[: len(units) - kept] for m in unit]
        new_summary = summarise(summary, folded, max_tokens=summary_max_tokens)
        tail = units[len(units) - kept :]
        room = budget - summary_message_tokens(new_summary)
        if sum(cost[len(units) - kept :]) <= room or kept == 1:
            break
        kept -= 1  # the token estimate is not exactly additive: fold one more unit
    sent = [m for unit in tail[:-1] for m in unit] + _clip_unit(
        tail[-1], room - sum(cost[len(units) - kept : -1])
    )
    upto = folded[-1].id if folded else summary_upto_id
    return ContextWindow(new_summary, upto, sent, folded)
