"""How the prompt grows over a long chat session: the bounded prompt against sending the whole
history, measured in the same run.

Runs 100 turns through the chat graph with the offline model against the embedded database (in
a temporary folder, removed afterwards), and prints the prompt tokens at turns 10, 50 and 100
and the ratio 100/10. "bounded" is the largest prompt the model was actually sent in the turn;
"naive" is what a full-history agent would send at the turn's last model call (the system
prompt and the session's whole stored transcript). Tokens are counted with
:func:`agent.memory.tokens.message_tokens`; the tool schemas are in neither figure. It also
prints what the bounded prompt is made of at those turns (system prompt, running summary,
recalled snippets, stored history, the current turn), and runs the same session again with a
budget nothing exceeds (the whole history sent) to count the turns whose answer differs.

    .venv/bin/python -m bench.context_growth [--turns 100] [--budget N] [--no-compare]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import re
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy import make_url

from agent.events import Done
from agent.graph.bounded_prompt import RECALL_HEADER
from agent.graph.chat import bind_model, build_chat_graph
from agent.graph.model_node import ModelCall
from agent.graph.prompt import system_prompt
from agent.graph.settings import ChatSettings
from agent.graph.turn_memory import ChatMemory, call_records
from agent.memory.context_window import SUMMARY_HEADER
from agent.memory.tokens import count_tokens, message_tokens
from agent.providers.settings import ModelSettings
from api.composition import Container, build_container
from api.config import Settings
from api.settings import ServerSettings
from memory.embedded import start_embedded_server
from memory.models.enums import ChatChannel, MessageRole, StaffRole
from memory.provision import create_database_if_missing
from memory.repositories.chat import ChatSessionRepository
from memory.repositories.staff import StaffRepository
from memory.settings import DatabaseSettings
from tools.canonical.caller import Caller
from tools.integrations.settings import GoogleSettings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
REPORTED = (10, 50, 100)
FULL_HISTORY = 1_000_000  # a budget nothing exceeds: every stored message is sent
_IDS = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"  # a UUID
    r"|\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b"  # a short id such as "(id db705727)"
)
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


async def _transcript_tokens(container: Container, caller: Caller, answer: str) -> int:
    """The tokens of the session's whole stored transcript (every turn so far: questions,
    tool calls, tool results, answers, counted as the prompt counts them), without this
    turn's answer: what a full-history agent sends at the turn's last model call. (The graph
    state holds only the current turn; the transcript is in ``chat_messages``.)"""
    assert caller.session_id is not None
    async with container.database.transaction() as s:
        rows = await ChatSessionRepository(s).messages(caller.session_id)
    if answer and rows and rows[-1].role == MessageRole.ASSISTANT and not rows[-1].tool_calls:
        rows = rows[:-1]  # the answer was not part of the last prompt
    return sum(row.token_count for row in rows)


@dataclass(frozen=True)
class Parts:
    """What one prompt is made of, in tokens: the system prompt, the running summary and the
    recalled snippets (all three in the system message), the stored history before the
    question (and how many messages), and the current turn (the question, tool calls and
    results so far)."""

    system: int
    summary: int
    recall: int
    history: int
    history_messages: int
    turn: int


def parts(prompt: Sequence[BaseMessage], question: str) -> Parts:
    head, body = prompt[0].text, list(prompt[1:])
    sections = head.split("\n\n")
    summary = [x for x in sections if x.startswith(SUMMARY_HEADER)]
    recall = [x for x in sections if x.startswith(RECALL_HEADER)]
    asked = [i for i, m in enumerate(body) if isinstance(m, HumanMessage) and m.text == question]
    start = asked[-1] if asked else len(body)
    extra = sum(count_tokens(x) for x in summary + recall)
    return Parts(
        system=message_tokens(head) - extra,
        summary=sum(count_tokens(x) for x in summary),
        recall=sum(count_tokens(x) for x in recall),
        history=tokens(body[:start]),
        history_messages=start,
        turn=tokens(body[start:]),
    )


@dataclass(frozen=True)
class Row:
    turn: int
    bounded: int
    naive: int
    parts: Parts
    answer: str  # the turn's final answer, ids masked (see ``masked``)


def masked(text: str) -> str:
    """The answer with generated ids (UUIDs, long hex) replaced, so two runs compare."""
    return _IDS.sub("<id>", text)


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


async def measure(container: Container, turns: int, budget: int) -> list[Row]:
    """The bounded and the naive prompt's tokens for every turn, and the bounded one's parts."""
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
    rows: list[Row] = []
    for turn in range(1, turns + 1):
        before = len(model.prompts)
        events = [e async for e in runner.turn(caller, text=utterance(turn))]
        if not isinstance(events[-1], Done) or events[-1].status != "completed":
            raise RuntimeError(f"turn {turn} did not complete: {events[-1]}")
        largest = max(model.prompts[before:], key=tokens)
        state = await runner.graph.aget_state(config)
        current: list[BaseMessage] = list(state.values["messages"])
        answer = ""
        if current and isinstance(current[-1], AIMessage) and not current[-1].tool_calls:
            answer = masked(current[-1].text)
        naive = tokens([system]) + await _transcript_tokens(container, caller, answer)
        rows.append(Row(turn, tokens(largest), naive, parts(largest, utterance(turn)), answer))
    return rows


def report(rows: list[Row], budget: int, reference: list[Row] | None = None) -> str:
    by_turn = {row.turn: (row.bounded, row.naive) for row in rows}
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
    lines.append(f"max bounded over all turns: {max(row.bounded for row in rows)}")
    lines.append(
        f"the bounded prompt's parts: {'turn':>4} {'system':>7} {'summary':>8} {'recall':>7} "
        f"{'history':>8} {'(msgs)':>7} {'turn':>6}"
    )
    for row in rows:
        if row.turn in shown:
            p = row.parts
            lines.append(
                f"{'':>27} {row.turn:>4} {p.system:>7} {p.summary:>8} {p.recall:>7} "
                f"{p.history:>8} {p.history_messages:>7} {p.turn:>6}"
            )
    if reference is not None:
        differ = [
            r.turn for r, full in zip(rows, reference, strict=True) if r.answer != full.answer
        ]
        lines.append(
            f"answers equal to a full-history run's (same turns, budget {FULL_HISTORY}): "
            f"{len(rows) - len(differ)} of {len(rows)} turns"
            + (f"; differ at turns {differ[:20]}" if differ else "")
        )
    return "\n".join(lines)


async def run(admin_url: str, database: str, turns: int, budget: int) -> list[Row]:
    """One 100-turn session on a fresh database of the server."""
    create_database_if_missing(admin_url, database)
    settings = Settings(
        server=ServerSettings(_env_file=None, RENOS_ENV="test"),
        database=DatabaseSettings(
            _env_file=None,
            DATABASE_URL=make_url(admin_url)
            .set(database=database)
            .render_as_string(hide_password=False),
        ),
        model=ModelSettings(_env_file=None, MODEL_PROVIDER="offline"),
        google=GoogleSettings(_env_file=None),
    )
    container = await build_container(settings, with_agent=True, clock=lambda: NOW)
    try:
        return await measure(container, turns, budget)
    finally:
        await container.aclose()


async def main(turns: int, budget: int, compare: bool) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="renos-bench-"))
    try:
        server = start_embedded_server(data_dir)
        url = server.url("postgres")
        rows = await run(url, "renos_bench", turns, budget)
        reference = await run(url, "renos_bench_full", turns, FULL_HISTORY) if compare else None
        print(report(rows, budget, reference))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--budget", type=int, default=ChatSettings.model_construct().context_tokens)
    parser.add_argument(
        "--no-compare",
        action="store_true",
        help="skip the second, full-history run whose answers the bounded ones are compared to",
    )
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.budget, not args.no_compare))
