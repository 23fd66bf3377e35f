"""How the prompt grows over a long chat session: the bounded prompt against sending the whole
history, measured in the same run.

Runs 100 turns through the chat graph with the offline model against the embedded database (in
a temporary folder, removed afterwards), and prints the prompt tokens at turns 10, 50 and 100
and the ratio 100/10. "bounded" is the largest prompt the model was actually sent in the turn;
"naive" is what the old model node would have sent at the turn's last model call (the system
prompt and every message in the graph state). Tokens are counted with
:func:`agent.memory.tokens.message_tokens`; the tool schemas are in neither figure.

    .venv/bin/python -m bench.context_growth [--turns 100] [--budget 6000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver

from agent.events import Done
from agent.graph.chat import bind_model, build_chat_graph
from agent.graph.model_node import ModelCall
from agent.graph.prompt import system_prompt
from agent.graph.settings import ChatSettings
from agent.graph.turn_memory import ChatMemory, call_records
from agent.memory.tokens import message_tokens
from agent.providers.settings import ModelSettings
from api.composition import Container, build_container
from api.config import Settings
from api.settings import ServerSettings
from memory.embedded import start_embedded_server
from memory.models.enums import ChatChannel, StaffRole
from memory.provision import create_database_if_missing
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from memory.settings import DatabaseSettings
from tools.canonical.caller import Caller
from tools.integrations.settings import GoogleSettings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
REPORTED = (10, 50, 100)
OPENING = ["Hej, jeg har en ny kunde.", "Mette Hansen bor på Skovvej 12, 8000 Aarhus C"]
ROTATION = [
    "Hvad koster en flytterengøring på {m} m2?",
    "Er der ledige tider på fredag?",
    "Hvad koster en hovedrengøring på {m} m2?",
    "Find leads fra Randers",
    "Tak for det",
    "Hvor bor Mette Hansen?",
]


@dataclass
class RecordingModel:
    call: ModelCall
    prompts: list[list[BaseMessage]] = field(default_factory=list)

    async def __call__(self, messages: Sequence[BaseMessage]) -> BaseMessage:
        self.prompts.append(list(messages))
        return await self.call(messages)


def tokens(messages: Sequence[BaseMessage]) -> int:
    return sum(message_tokens(m.text, call_records(m)) for m in messages)


def utterance(turn: int) -> str:
    if turn <= len(OPENING):
        return OPENING[turn - 1]
    return ROTATION[(turn - 3) % len(ROTATION)].format(m=60 + turn % 90)


async def _caller(container: Container) -> Caller:
    async with container.database.transaction() as s:
        user = await StaffRepository(s).create_user(
            email="bench@rendetalje.dk", name="Bench", role=StaffRole.STAFF
        )
        chat = await ChatSessionRepository(s).create(
            owner_id=user.id, channel=ChatChannel.CHAT, title="bench"
        )
    return Caller(
        user_id=user.id,
        role="staff",
        channel="chat",
        session_id=chat.id,
        now=NOW,
        trace_id=uuid.uuid4().hex,
    )


async def measure(container: Container, turns: int, budget: int) -> list[tuple[int, int, int]]:
    """(turn, bounded tokens, naive tokens) for every turn."""
    assert container.chat is not None
    base = container.chat
    model = RecordingModel(bind_model(base.handle, list(base.table.values())))
    saver = base.graph.checkpointer
    assert isinstance(saver, BaseCheckpointSaver)
    settings = ChatSettings(_env_file=None, CHAT_CONTEXT_TOKENS=budget)
    assert base.memory is not None
    memory = ChatMemory(base.database, base.memory.embedder, settings)
    runner = dataclasses.replace(base, graph=build_chat_graph(model, saver), memory=memory)
    caller = await _caller(container)
    config: RunnableConfig = {"configurable": {"thread_id": str(caller.session_id)}}
    system = SystemMessage(system_prompt(NOW))
    rows: list[tuple[int, int, int]] = []
    for turn in range(1, turns + 1):
        before = len(model.prompts)
        events = [e async for e in runner.turn(caller, text=utterance(turn))]
        if not isinstance(events[-1], Done) or events[-1].status != "completed":
            raise RuntimeError(f"turn {turn} did not complete: {events[-1]}")
        bounded = max(tokens(p) for p in model.prompts[before:])
        state = await runner.graph.aget_state(config)
        history: list[BaseMessage] = list(state.values["messages"])
        if history and isinstance(history[-1], AIMessage) and not history[-1].tool_calls:
            history = history[:-1]  # the answer was not part of the last prompt
        rows.append((turn, bounded, tokens([system, *history])))
    return rows


def report(rows: list[tuple[int, int, int]], budget: int) -> str:
    by_turn = {turn: (bounded, naive) for turn, bounded, naive in rows}
    allowance = tokens([SystemMessage(system_prompt(NOW))])
    lines = [
        f"prompt tokens per turn (budget {budget} + system prompt {allowance}; "
        "tool schemas not counted)",
        f"{'turn':>6} {'bounded':>9} {'naive':>9}",
    ]
    shown = [t for t in REPORTED if t in by_turn]
    for turn in shown:
        bounded, naive = by_turn[turn]
        lines.append(f"{turn:>6} {bounded:>9} {naive:>9}")
    if len(shown) >= 2:
        first, last = by_turn[shown[0]], by_turn[shown[-1]]
        lines.append(
            f"ratio {shown[-1]}/{shown[0]}: bounded {last[0] / first[0]:.2f}, "
            f"naive {last[1] / first[1]:.2f}"
        )
    lines.append(f"max bounded over all turns: {max(b for _, b, _ in rows)}")
    return "\n".join(lines)


async def main(turns: int, budget: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="renos-bench-"))
    try:
        server = start_embedded_server(data_dir)
        create_database_if_missing(server.url("postgres"), "renos_bench")
        settings = Settings(
            server=ServerSettings(_env_file=None, RENOS_ENV="test"),
            database=DatabaseSettings(_env_file=None, DATABASE_URL=server.url("renos_bench")),
            model=ModelSettings(_env_file=None, MODEL_PROVIDER="offline"),
            google=GoogleSettings(_env_file=None),
        )
        container = await build_container(settings, with_agent=True, clock=lambda: NOW)
        try:
            rows = await measure(container, turns, budget)
        finally:
            await container.aclose()
        print(report(rows, budget))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--budget", type=int, default=ChatSettings.model_construct().context_tokens)
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.budget))
