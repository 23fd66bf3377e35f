"""The model step: one call to the chat model with the tools bound, within the step budget,
on a prompt bounded by the token budget when the run has a memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langgraph.runtime import Runtime

from agent.context import RunContext
from agent.graph.bounded_prompt import bounded_prompt
from agent.graph.prompt import system_prompt
from agent.state import ChatState

ModelCall = Callable[[Sequence[BaseMessage]], Awaitable[BaseMessage]]

BUDGET_MESSAGE = (
    "Jeg stoppede her, fordi opgaven krævede for mange trin. Prøv at dele den op. "
    "(Stopped: this request needed too many steps; please split it up.)"
)


class ModelNode(Protocol):
    async def __call__(
        self, state: ChatState, *, runtime: Runtime[RunContext]
    ) -> dict[str, Any]: ...


def make_model_node(
    call: ModelCall, system_for: Callable[[datetime], str] = system_prompt
) -> ModelNode:
    async def model_node(state: ChatState, *, runtime: Runtime[RunContext]) -> dict[str, Any]:
        ctx = runtime.context
        steps = state.get("steps", 0)
        if steps >= ctx.max_steps:
            return {"messages": [AIMessage(content=BUDGET_MESSAGE)], "steps": steps}
        system = system_for(ctx.caller.now)
        prompt: list[BaseMessage] = (
            [SystemMessage(system), *state["messages"]]
            if ctx.memory is None
            else await bounded_prompt(ctx.memory, ctx.caller, state["messages"], system)
        )
        response = await call(prompt)
        return {"messages": [response], "steps": steps + 1}

    return model_node
