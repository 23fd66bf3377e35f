"""The typed, frozen context of one agent run (LangGraph ``context_schema``). The model never
sees it: it carries who is asking, where, when, and the run's dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from agent.execution import ToolExecutor
from agent.graph.turn_memory import TurnMemory
from tools.canonical.caller import Caller


@dataclass(frozen=True)
class RunContext:
    caller: Caller
    executor: ToolExecutor
    model_name: str
    run_id: str
    max_steps: int = 12  # model calls per user turn before the run is cut off
    # Stored transcript, summary and recall; without it the model gets the whole history.
    memory: TurnMemory | None = None
