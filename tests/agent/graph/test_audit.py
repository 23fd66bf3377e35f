"""The audit wrapper: evidence before the call, one row per call id, replay without repeat."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.adapters import sql_ports
from agent.events import Message, ToolFinished
from agent.execution import ToolExecutor
from agent.graph.chat import build_chat_graph
from agent.graph.model_node import BUDGET_MESSAGE
from agent.runner import ChatRunner
from api.composition import Container
from memory.models import Quote, TaskExecution
from tools.canonical.args import DraftQuoteArgs
from tools.canonical.caller import Caller
from tools.canonical.ports import Ports
from tools.canonical.registry import tool_table

from .conftest import NOW


def executor(container: Container, caller: Caller, ports_for: Any = None) -> ToolExecutor:
    return ToolExecutor(
        container.database,
        ports_for or sql_ports,
        caller,
        table=tool_table(),
        model="test",
        run_id="run-1",
        clock=lambda: NOW,
    )


async def count(container: Container, model: Any) -> int:
    async with container.database.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_replayed_call_id_returns_the_stored_result(
    container: Container, caller: Caller
) -> None:
    ex = executor(container, caller)
    spec = tool_table()["draft_quote"]
    args = DraftQuoteArgs.model_validate({"service": "deep", "area_m2": 120})
    first = await ex.run(spec, "call-1", args, "quote")
    second = await ex.run(spec, "call-1", args, "quote")
    assert first.status == second.status == "succeeded"
    assert second.replayed and not first.replayed
    assert second.record is not None and second.record["id"] == first.record["id"]  # type: ignore[index]
    assert await count(container, Quote) == 1
    assert await count(container, TaskExecution) == 1


async def test_audit_keeps_ids_and_figures_not_personal_data(
    container: Container, caller: Caller
) -> None:
    ex = executor(container, caller)
    spec = tool_table()["search_leads"]
    await ex.run(spec, "call-s", spec.args.model_validate({"query": "Mette Hansen"}), "find")
    async with container.database.transaction() as s:
        row = (await s.execute(select(TaskExecution))).scalar_one()
    assert "Mette" not in str(row.input) and row.input["query"].startswith("[redacted:")
    assert row.result_summary == "0 match(es)"


async def test_a_killed_call_leaves_its_pending_evidence_row(
    container: Container, caller: Caller
) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    def blocking_ports(session: AsyncSession) -> Ports:
        ports = sql_ports(session)
        original = ports.quotes.save_draft

        async def save_draft(**kw: Any) -> Any:
            entered.set()
            await release.wait()
            return await original(**kw)

        ports.quotes.save_draft = save_draft  # type: ignore[method-assign]
        return ports

    ex = executor(container, caller, blocking_ports)
    spec = tool_table()["draft_quote"]
    args = DraftQuoteArgs.model_validate({"service": "moving_out", "area_m2": 80})
    task = asyncio.create_task(ex.run(spec, "call-kill", args, "quote"))
    await asyncio.wait_for(entered.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with container.database.transaction() as s:
        row = (await s.execute(select(TaskExecution))).scalar_one()
    assert (row.tool_call_id, row.task_type, row.status, row.finished_at) == (
        "call-kill",
        "draft_quote",
        "pending",
        None,
    )
    assert row.input == {"service": "moving_out", "area_m2": "80", "lead_id": None, "add_ons": []}
    assert await count(container, Quote) == 0  # the tool's own writes rolled back


async def test_invalid_arguments_go_back_to_the_model_and_are_audited(
    container: Container, caller: Caller
) -> None:
    class BadArgsModel:
        calls = 0

        async def __call__(self, messages: Sequence[BaseMessage]) -> BaseMessage:
            BadArgsModel.calls += 1
            if BadArgsModel.calls == 1:
                return AIMessage(
                    content="",
                    tool_calls=[
                        {
                            "id": "bad-1",
                            "name": "draft_quote",
                            "args": {"service": "moving_out", "area_m2": -5},
                        }
                    ],
                )
            return AIMessage(content="Arealet skal være positivt.")

    runner = _runner(container, BadArgsModel())
    events = [e async for e in runner.turn(caller, text="tilbud")]
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert [(f.status, f.result["error"]["code"]) for f in finished] == [("failed", "invalid")]
    assert [e.text for e in events if isinstance(e, Message)] == ["Arealet skal være positivt."]
    async with container.database.transaction() as s:
        row = (await s.execute(select(TaskExecution))).scalar_one()
    assert (row.status, row.error_code) == ("failed", "invalid")


async def test_step_budget_stops_a_looping_model(container: Container, caller: Caller) -> None:
    class LoopingModel:
        calls = 0

        async def __call__(self, messages: Sequence[BaseMessage]) -> BaseMessage:
            LoopingModel.calls += 1
            return AIMessage(
                content="",
                tool_calls=[
                    {
                        "id": f"loop-{LoopingModel.calls}",
                        "name": "search_leads",
                        "args": {"query": "Mette"},
                    }
                ],
            )

    runner = _runner(container, LoopingModel(), max_steps=4)
    events = [e async for e in runner.turn(caller, text="find Mette")]
    assert LoopingModel.calls == 4
    assert [e.text for e in events if isinstance(e, Message)] == [BUDGET_MESSAGE]
    assert await count(container, TaskExecution) == 4


def _runner(container: Container, model: Any, max_steps: int = 12) -> ChatRunner:
    assert container.chat is not None
    base = container.chat
    return ChatRunner(
        graph=build_chat_graph(model, base.graph.checkpointer),  # type: ignore[arg-type]
        database=base.database,
        handle=base.handle,
        ports_for=base.ports_for,
        table=base.table,
        clock=base.clock,
        max_steps=max_steps,
    )
