"""Memory wiring: the stored transcript, the bounded prompt, recall, and the start-up check."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy import select

from agent.approvals import ApprovalDecision
from agent.demo_pricing import TOOLS_QUOTE_PRICER
from agent.events import AgentEvent, ApprovalRequired, Done
from agent.graph.bounded_prompt import RECALL_HEADER
from agent.graph.chat import bind_model, build_chat_graph
from agent.graph.model_node import ModelCall
from agent.graph.prompt import system_prompt
from agent.graph.settings import ChatSettings
from agent.graph.turn_memory import ChatMemory, call_records
from agent.memory.embeddings import HashingEmbedder
from agent.memory.settings import EmbeddingSettings
from agent.memory.tokens import message_tokens
from agent.runner import ChatRunner
from api.composition import Container, build_container
from api.config import ConfigurationError
from memory.models import EMBEDDING_DIMENSION, ChatMessage, ChatSession
from memory.models.enums import ChatChannel, StaffRole
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.messages import MessageRepository
from memory.repositories.staff import StaffRepository
from memory.seed.demo import seed_demo
from tests.settings import make_settings
from tools.canonical.caller import Caller

from .conftest import NOW

FACT = "Mette Hansen bor på Skovvej 12, 8000 Aarhus C"


@dataclass
class RecordingModel:
    """The offline model, with every prompt it is sent kept for inspection."""

    call: ModelCall
    prompts: list[list[BaseMessage]] = field(default_factory=list)

    async def __call__(self, messages: Sequence[BaseMessage]) -> BaseMessage:
        self.prompts.append(list(messages))
        return await self.call(messages)


def memory_runner(container: Container, budget: int) -> tuple[ChatRunner, RecordingModel]:
    assert container.chat is not None
    base = container.chat
    model = RecordingModel(bind_model(base.handle, list(base.table.values())))
    settings = ChatSettings(_env_file=None, CHAT_CONTEXT_TOKENS=budget)
    memory = ChatMemory(base.database, HashingEmbedder(EMBEDDING_DIMENSION), settings)
    saver = base.graph.checkpointer
    assert isinstance(saver, BaseCheckpointSaver)
    runner = dataclasses.replace(base, graph=build_chat_graph(model, saver), memory=memory)
    return runner, model


async def run(runner: ChatRunner, caller: Caller, text: str) -> list[AgentEvent]:
    events = [e async for e in runner.turn(caller, text=text)]
    assert isinstance(events[-1], Done) and events[-1].status == "completed", events
    return events


async def new_caller(container: Container, email: str | None = None) -> Caller:
    async with container.database.transaction() as s:
        user = await StaffRepository(s).create_user(
            email=email or f"{uuid.uuid4().hex[:8]}@rendetalje.dk", name="X", role=StaffRole.STAFF
        )
        chat = await ChatSessionRepository(s).create(
            owner_id=user.id, channel=ChatChannel.CHAT, title="t"
        )
    return Caller(
        user_id=user.id, role="staff", channel="chat", session_id=chat.id, now=NOW, trace_id="t"
    )


async def new_session(container: Container, caller: Caller) -> Caller:
    assert caller.user_id is not None
    async with container.database.transaction() as s:
        chat = await ChatSessionRepository(s).create(
            owner_id=caller.user_id, channel=ChatChannel.CHAT, title="t"
        )
    return dataclasses.replace(caller, session_id=chat.id)


async def stored(container: Container, caller: Caller) -> list[ChatMessage]:
    async with container.database.transaction() as s:
        stmt = select(ChatMessage).where(ChatMessage.session_id == caller.session_id)
        return list((await s.execute(stmt.order_by(ChatMessage.id))).scalars())


def prompt_tokens(prompt: Sequence[BaseMessage]) -> int:
    return sum(message_tokens(m.text, call_records(m)) for m in prompt)


def assert_calls_paired(prompt: Sequence[BaseMessage]) -> None:
    calls = [str(c["id"]) for m in prompt if isinstance(m, AIMessage) for c in m.tool_calls]
    results = [str(m.tool_call_id) for m in prompt if isinstance(m, ToolMessage)]
    assert sorted(calls) == sorted(results)


async def test_a_turn_stores_its_messages_with_tokens_and_embeddings(
    container: Container, caller: Caller
) -> None:
    assert container.chat is not None
    await run(container.chat, caller, "Hvad koster en flytterengøring på 80 m2?")
    rows = await stored(container, caller)
    assert [r.role for r in rows] == ["user", "assistant", "tool", "assistant"]
    assert rows[0].content == "Hvad koster en flytterengøring på 80 m2?"
    assert all(r.token_count > 0 for r in rows)
    assert rows[0].embedding is not None and rows[-1].embedding is not None
    assert rows[2].embedding is None  # tool output is never recalled
    assert rows[1].tool_calls is not None
    assert rows[1].tool_calls[0]["name"] == "draft_quote"
    assert rows[2].tool_call_id == rows[1].tool_calls[0]["id"]
    assert "1.396" in rows[-1].content


async def test_a_turn_awaiting_approval_is_stored_once_it_is_decided(
    container: Container, caller: Caller
) -> None:
    assert container.chat is not None
    async with container.database.transaction() as s:
        await seed_demo(s, now=NOW, pricer=TOOLS_QUOTE_PRICER)
    events = [
        e async for e in container.chat.turn(caller, text="Book Birgit Poulsen onsdag kl. 14.30")
    ]
    [pending] = [e for e in events if isinstance(e, ApprovalRequired)]
    assert [r.role for r in await stored(container, caller)] == ["user"]  # nothing half-paired
    decision = ApprovalDecision(decision="reject", reason="ikke bekræftet")
    events = [e async for e in container.chat.turn(caller, decision=decision)]
    assert isinstance(events[-1], Done) and events[-1].status == "completed"
    rows = await stored(container, caller)
    assert rows[0].role == "user" and rows[-1].role == "assistant"
    calls = [str(c["id"]) for r in rows for c in r.tool_calls or ()]
    results = [str(r.tool_call_id) for r in rows if r.role == "tool"]
    assert pending.tool_call_id in calls and sorted(calls) == sorted(results)


async def test_a_long_session_keeps_the_prompt_within_budget_and_the_early_fact(
    container: Container, caller: Caller
) -> None:
    budget = 800
    runner, model = memory_runner(container, budget)
    allowance = message_tokens(system_prompt(NOW))
    rotation = [
        "Hvad koster en flytterengøring på {m} m2?",
        "Er der ledige tider på fredag?",
        "Hvad koster en hovedrengøring på {m} m2?",
        "Find leads fra Randers",
        "Tak for det",
    ]
    texts = ["Hej, jeg har en ny kunde.", FACT]
    texts += [rotation[i % len(rotation)].format(m=60 + i) for i in range(57)]
    texts.append("Hvor bor Mette Hansen?")
    assert len(texts) == 60
    last_turn: list[list[BaseMessage]] = []
    for text in texts:
        before = len(model.prompts)
        await run(runner, caller, text)
        last_turn = model.prompts[before:]
    for prompt in model.prompts:
        assert prompt_tokens(prompt) <= budget + allowance
        assert_calls_paired(prompt)
    assert last_turn and all("Skovvej 12" in p[0].text for p in last_turn)
    assert isinstance(last_turn[0][0], SystemMessage)
    async with container.database.transaction() as s:
        chat = await s.get(ChatSession, caller.session_id)
    assert chat is not None and chat.summary_upto_id is not None  # older turns were folded
    # The naive prompt would be the whole history; the bounded one does not grow with it.
    full = sum(r.token_count for r in await stored(container, caller))
    assert full > 4 * budget


async def test_recall_never_returns_another_users_messages(container: Container) -> None:
    runner, model = memory_runner(container, 6000)
    alice, bob = await new_caller(container), await new_caller(container)
    for _ in range(3):
        await run(runner, bob, FACT)  # identical text, another user
    alice_now = await new_session(container, alice)
    before = len(model.prompts)
    await run(runner, alice_now, "Hvor bor Mette Hansen?")
    assert all(RECALL_HEADER not in p[0].text for p in model.prompts[before:])

    await run(runner, alice, FACT)  # alice's own earlier conversation
    before = len(model.prompts)
    await run(runner, alice_now, "Hvor bor Mette Hansen?")
    system = model.prompts[before][0].text
    assert RECALL_HEADER in system
    recalled = system.split(RECALL_HEADER, 1)[1].strip().splitlines()
    assert recalled and all(line.startswith("- [en anden samtale, ") for line in recalled)
    assert [line for line in recalled if FACT in line] == [f"- [en anden samtale, Bruger] {FACT}"]


async def test_an_embedding_dimension_the_database_does_not_store_stops_start_up(
    db_url: str,
) -> None:
    settings = dataclasses.replace(
        make_settings(db_url),
        embedding=EmbeddingSettings(_env_file=None, EMBEDDING_DIMENSION=EMBEDDING_DIMENSION + 1),
    )
    with pytest.raises(ConfigurationError) as caught:
        await build_container(settings, with_agent=True, clock=lambda: NOW)
    message = str(caught.value)
    assert f"EMBEDDING_DIMENSION={EMBEDDING_DIMENSION + 1}" in message
    assert f"{EMBEDDING_DIMENSION} dimensions" in message


async def test_a_run_reads_the_stored_history_once_for_all_its_model_calls(
    container: Container, caller: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner, model = memory_runner(container, budget=4000)
    await run(runner, caller, FACT)
    reads: list[uuid.UUID] = []
    real_history = MessageRepository.history

    async def counted(self: MessageRepository, session_id: uuid.UUID, **kw: object) -> Any:
        reads.append(session_id)
        return await real_history(self, session_id, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(MessageRepository, "history", counted)
    model.prompts.clear()

    await run(runner, caller, "Hvad koster en flytterengøring på 80 m2?")  # a tool, two calls

    assert len(model.prompts) == 2 and reads == [caller.session_id]
    # Both calls carry the earlier turn; the second also this run's tool call and result.
    for prompt in model.prompts:
        assert any(FACT in m.text for m in prompt[1:])
    assert_calls_paired(model.prompts[1])
    assert any(isinstance(m, ToolMessage) for m in model.prompts[1])
