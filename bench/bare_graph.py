"""The bare baseline the service is measured against: what a plain LangGraph agent costs.

A minimal ``StateGraph`` (a model node and LangGraph's prebuilt ``ToolNode``) with the same
offline chat model, the same system prompt and the same tool functions as the service (the
canonical tools of ``tools/canonical``, each run in a database transaction of its own), compiled
with LangGraph's stock ``AsyncPostgresSaver`` on the service's PostgreSQL. Nothing else: no
audit rows, no stored transcript, no bounded prompt or recall, no event log, no HTTP. The model
gets the whole message list of the thread, as a plain LangGraph agent sends it.

A turn is driven like the service's runner drives its graph (``astream`` with the ``messages``
and ``updates`` modes, every chunk consumed) and ends when the stream ends, i.e. after the
last checkpoint is written.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypedDict, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from sqlalchemy.ext.asyncio import AsyncSession

from agent.graph.prompt import system_prompt
from agent.offline.model import OfflineChatModel
from memory.database import Database
from tools.canonical.caller import Caller
from tools.canonical.ports import Ports
from tools.canonical.registry import ToolSpec, tool_table

PortsFor = Callable[[AsyncSession], Ports]


class BareState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


BareGraph = CompiledStateGraph[BareState, None, BareState, BareState]


def plain_tool(spec: ToolSpec, database: Database, ports_for: PortsFor, caller: Caller) -> BaseTool:
    """The canonical tool's own function as a LangChain tool: validated arguments, one
    transaction, the record as JSON. No audit, no replay, no redaction."""

    async def run(**kwargs: Any) -> str:
        args = spec.args.model_validate(kwargs)
        async with database.transaction() as s:
            record = await spec.run(args, ports_for(s), caller, f"bare-{uuid.uuid4().hex}")
        return json.dumps(record.model_dump(mode="json"), ensure_ascii=False)

    return StructuredTool.from_function(
        coroutine=run, name=spec.name, description=spec.description, args_schema=spec.args
    )


def build_bare_graph(
    model: BaseChatModel, tools: Sequence[BaseTool], checkpointer: AsyncPostgresSaver, now: datetime
) -> BareGraph:
    bound = model.bind_tools(list(tools))
    system = SystemMessage(system_prompt(now))

    async def call_model(state: BareState) -> dict[str, Any]:
        return {"messages": [await bound.ainvoke([system, *state["messages"]])]}

    graph = StateGraph(BareState)
    graph.add_node("model", call_model)
    graph.add_node("tools", ToolNode(list(tools)))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition, ["tools", END])
    graph.add_edge("tools", "model")
    return graph.compile(checkpointer=checkpointer)


@dataclass(frozen=True)
class BareTurn:
    seconds: float
    tool_calls: int  # tool messages the turn produced
    answered: bool  # the turn ended with a model message without tool calls


@dataclass
class BareAgent:
    graph: BareGraph
    checkpointer: AsyncPostgresSaver

    async def turn(self, thread_id: str, text: str) -> BareTurn:
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        tool_calls, answered = 0, False
        started = time.perf_counter()
        async for mode, chunk in self.graph.astream(
            {"messages": [HumanMessage(content=text)]},
            config,
            stream_mode=["messages", "updates"],
        ):
            if mode != "updates":
                continue
            for node, update in cast(dict[str, Any], chunk).items():
                for message in (update or {}).get("messages", []):
                    if isinstance(message, ToolMessage):
                        tool_calls += 1
                    elif node == "model":
                        answered = not getattr(message, "tool_calls", None)
        return BareTurn(time.perf_counter() - started, tool_calls, answered)


def conninfo(database: Database) -> str:
    """The libpq form of the database's URL (the checkpointer speaks psycopg directly)."""
    url = database.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@asynccontextmanager
async def bare_agent(
    database: Database, ports_for: PortsFor, caller: Caller, clock: Callable[[], datetime]
) -> AsyncIterator[BareAgent]:
    """The baseline on ``database`` (its checkpoint tables must exist: the service's
    checkpointer set-up makes them). One connection, as ``from_conn_string`` gives it."""
    model = OfflineChatModel(clock=clock)
    tools = [plain_tool(spec, database, ports_for, caller) for spec in tool_table().values()]
    async with AsyncPostgresSaver.from_conn_string(conninfo(database)) as saver:
        yield BareAgent(build_bare_graph(model, tools, saver, clock()), saver)
