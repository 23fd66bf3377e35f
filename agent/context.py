"""The typed, frozen context of one agent run (LangGraph ``context_schema``). The model never
sees it: it carries who is asking, where, when, and the run's dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from agent.execution import ToolExecutor
from tools.canonical.caller import Caller


@dataclass(frozen=True)
class RunContext:
    caller: Caller
    executor: ToolExecutor
    model_name: str
    run_id: str
    max_steps: int = 12  # model calls per user turn before the run is cut off
