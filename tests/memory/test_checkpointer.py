"""The service's checkpointer: a thread keeps only its newest checkpoint and that one's parent,
its writes do not wait for the disk, and a pooled saver does not make
concurrent turns wait for each other."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import text

from memory.checkpointer import open_checkpointer
from memory.database import PING_IDLE_S, Database


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def _graph(saver: Any) -> Any:
    async def echo(state: State) -> dict[str, Any]:
        return {"messages": [AIMessage(content=f"svar {len(state['messages'])}")]}

    async def note(state: State) -> dict[str, Any]:
        return {"messages": [AIMessage(content="noteret")]}

    g = StateGraph(State)
    g.add_node("echo", echo)
    g.add_node("note", note)
    g.add_edge(START, "echo")
    g.add_edge("echo", "note")
    g.add_edge("note", END)
    return g.compile(checkpointer=saver)


def _config(thread: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread}}


async def _rows(db: Database, table: str, thread: str) -> int:
    async with db.transaction() as s:
        sql = f"SELECT count(*) FROM {table} WHERE thread_id = :t"  # noqa: S608
        return int((await s.execute(text(sql), {"t": thread})).scalar_one())


async def _dangling_blobs(db: Database) -> int:
    """Blobs no checkpoint of their thread refers to."""
    async with db.transaction() as s:
        return int(
            (
                await s.execute(
                    text(
                        """SELECT count(*) FROM checkpoint_blobs b WHERE NOT EXISTS (
                             SELECT 1 FROM checkpoints c,
                                    jsonb_each_text(c.checkpoint -> 'channel_versions') v
                              WHERE c.thread_id = b.thread_id
                                AND c.checkpoint_ns = b.checkpoint_ns
                                AND v.key = b.channel AND v.value = b.version)"""
                    )
                )
            ).scalar_one()
        )


async def _six_runs(db: Database, **kw: Any) -> tuple[list[int], list[str]]:
    """Checkpoint rows of thread "t" after each of six runs, and its messages at the end;
    thread "other" is never touched."""
    async with open_checkpointer(db) as saver:
        graph = _graph(saver)
        await graph.ainvoke({"messages": [HumanMessage(content="hej")]}, _config("other"), **kw)
        other = [await _rows(db, t, "other") for t in ("checkpoints", "checkpoint_blobs")]
        counts = []
        for turn in range(1, 7):
            message = {"messages": [HumanMessage(content=f"tur {turn}")]}
            await graph.ainvoke(message, _config("t"), **kw)
            counts.append(await _rows(db, "checkpoints", "t"))
        state = await graph.aget_state(_config("t"))
    assert [await _rows(db, t, "other") for t in ("checkpoints", "checkpoint_blobs")] == other
    return counts, [m.text for m in state.values["messages"]]


@pytest.mark.parametrize("durability", ["exit", "async"])
async def test_a_thread_keeps_its_newest_checkpoint_and_the_state_stays_whole(
    db: Database, durability: str
) -> None:
    counts, texts = await _six_runs(db, durability=durability)

    # Stock LangGraph keeps every step of every run (one more run's worth each time); this
    # keeps the newest checkpoint and its parent. With durability "exit" (the chat's) a run
    # saves one checkpoint, so the first run leaves one.
    assert counts == ([1] if durability == "exit" else [2]) + [2] * 5, counts
    assert await _dangling_blobs(db) == 0
    # The graph's state is all there.
    assert len(texts) == 18
    assert texts[:3] == ["tur 1", "svar 1", "noteret"]
    assert texts[-3:] == ["tur 6", "svar 16", "noteret"]


async def test_checkpoint_writes_commit_without_waiting_for_the_disk(db: Database) -> None:
    async with open_checkpointer(db) as saver:
        assert isinstance(saver.conn, AsyncConnectionPool)
        async with saver.conn.connection() as conn:
            row = await (await conn.execute("SHOW synchronous_commit")).fetchone()
    assert row is not None and row["synchronous_commit"] == "off"
    async with db.transaction() as s:  # the service's own transactions still wait
        assert (await s.execute(text("SHOW synchronous_commit"))).scalar_one() == "on"


async def test_a_pooled_saver_does_not_queue_behind_one_lock(db: Database) -> None:
    async with open_checkpointer(db) as saver:
        graph = _graph(saver)
        await graph.ainvoke({"messages": [HumanMessage(content="hej")]}, _config("t"))
        async with saver.lock:  # stock LangGraph takes this for every read and write
            found = await asyncio.wait_for(saver.aget_tuple(_config("t")), timeout=10)
    assert found is not None


async def test_a_pooled_connection_the_server_dropped_while_idle_is_replaced(
    db: Database,
) -> None:
    async with open_checkpointer(db) as saver:
        graph = _graph(saver)
        await graph.ainvoke({"messages": [HumanMessage(content="hej")]}, _config("t"))
        assert isinstance(saver.conn, AsyncConnectionPool)
        async with saver.conn.connection() as conn:
            row = await (await conn.execute("SELECT pg_backend_pid() AS pid")).fetchone()
        assert row is not None
        async with db.transaction() as s:  # as a restarted database would
            await s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": row["pid"]})
        await asyncio.sleep(PING_IDLE_S + 0.2)

        found = await saver.aget_tuple(_config("t"))  # no error: checked and replaced

    assert found is not None
