"""The context window: bounded prompts, whole tool-call units, facts kept in the summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from agent.memory.context_window import (
    CLIP_MARK,
    ContextBudgetError,
    ContextWindow,
    build_context,
)
from agent.memory.embeddings import HashingEmbedder, cosine
from agent.memory.summary import PINNED_LINES, extract_facts, summarise
from agent.memory.tokens import count_tokens, message_tokens

BUDGET = 700
SUMMARY_MAX = 250


@dataclass(frozen=True)
class Row:
    id: int
    role: str
    content: str
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    tool_call_id: str | None = None
    token_count: int = 0


class Session:
    """An in-memory stand-in for the stored session: rows, summary, fold point."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.summary = ""
        self.upto: int | None = None
        self.windows: list[ContextWindow] = []

    def add(self, role: str, content: str, **extra: Any) -> Row:
        calls = extra.get("tool_calls")
        row = Row(
            len(self.rows) + 1, role, content, token_count=message_tokens(content, calls), **extra
        )
        self.rows.append(row)
        return row

    def build(self, budget: int = BUDGET) -> ContextWindow:
        window = build_context(
            self.rows,
            summary=self.summary,
            summary_upto_id=self.upto,
            budget=budget,
            summary_max_tokens=SUMMARY_MAX,
        )
        check_window(self, window, budget)
        self.summary, self.upto = window.summary, window.summary_upto_id
        self.windows.append(window)
        return window


def check_window(session: Session, window: ContextWindow, budget: int) -> None:
    assert window.tokens <= budget
    assert count_tokens(window.summary) <= SUMMARY_MAX
    upto = window.summary_upto_id or 0
    # What is sent is exactly the history after the fold point, in order.
    assert [m.id for m in window.messages] == [r.id for r in session.rows if r.id > upto]
    sent = {m.id for m in window.messages}
    calls_sent = {
        str(call["id"]): m.id
        for m in window.messages
        for call in m.tool_calls or ()
        if m.role == "assistant"
    }
    for message in window.messages:
        if message.role == "tool":  # never a result without its call, and the call comes first
            assert message.tool_call_id in calls_sent
            assert calls_sent[message.tool_call_id] < message.id
    for row in session.rows:  # never a call without its (existing) results
        if row.role == "tool" and row.tool_call_id in calls_sent:
            assert row.id in sent


def converse(session: Session, turns: int) -> None:
    """Synthetic staff chat: facts now and then, a tool call every third turn."""
    for turn in range(1, turns + 1):
        if turn == 2:
            text = "Mette Hansen bor på Skovvej 12, 8000 Aarhus C. Hun vil have flytterengøring."
        elif turn % 5 == 0:
            text = (
                f"Ny kunde: Kunde{turn} Jensen, kunde{turn}@example.dk, "
                f"tlf 20 30 40 {turn % 90 + 10}, "
                f"{40 + turn} m2 lejlighed, ønsker rengøring den {turn % 28 + 1}.3.2026."
            )
        else:
            text = (
                f"Hvad er status på opgave {turn}? Kan vi flytte den til næste uge og give besked?"
            )
        session.add("user", text)
        session.build()
        if turn % 3 == 0:
            calls = [
                {"id": f"call{turn}a", "name": "find_leads", "args": {"query": f"opgave {turn}"}},
                {"id": f"call{turn}b", "name": "check_availability", "args": {"week": turn}},
            ]
            session.add("assistant", "", tool_calls=calls)
            session.build()
            session.add(
                "tool",
                f'{{"leads": [{{"id": {turn}, "status": "new"}}]}}',
                tool_call_id=f"call{turn}a",
            )
            session.add(
                "tool", '{"free": ["mandag 9-12", "onsdag 13-16"]}' * 3, tool_call_id=f"call{turn}b"
            )
            session.build()
        session.add(
            "assistant",
            f"Opgave {turn} er registreret. Prisen bliver {3000 + 10 * turn} kr. inkl. moms, "
            "og jeg har sendt en bekræftelse til kunden.",
        )
        session.build()


def test_sixty_turns_stay_in_budget_keep_pairs_and_remember_turn_two() -> None:
    session = Session()
    converse(session, 60)
    assert len(session.rows) > 150
    assert sum(r.token_count for r in session.rows) > 5 * BUDGET  # folding was needed
    assert any(w.folded for w in session.windows)
    assert max(w.tokens for w in session.windows) <= BUDGET
    # The address from turn 2 survives 60 turns in the (bounded) summary...
    assert "Skovvej 12" in session.summary
    assert "Mette Hansen" in session.summary
    # ...and late facts are there too, while the middle has been evicted to keep it bounded.
    assert "kunde55@example.dk" in session.summary
    assert "kunde10@example.dk" not in session.summary
    # The folded turn is also what recall would find for a question about it.
    embedder = HashingEmbedder(768)
    question = embedder.embed_one("Hvor bor Mette Hansen?")
    folded = [r for r in session.rows if r.role == "user" and r.id <= (session.upto or 0)]
    best = max(folded, key=lambda r: cosine(question, embedder.embed_one(r.content)))
    assert "Skovvej 12" in best.content


def test_a_short_history_is_sent_whole_without_folding() -> None:
    session = Session()
    session.add("user", "Hej")
    session.add("assistant", "Hej, hvad kan jeg hjælpe med?")
    window = session.build()
    assert window.folded == []
    assert window.summary == "" and window.summary_upto_id is None
    assert [m.content for m in window.messages] == ["Hej", "Hej, hvad kan jeg hjælpe med?"]


def test_a_tool_call_and_its_results_are_folded_together() -> None:
    session = Session()
    session.add("user", "Find Mette Hansen, mette@example.dk")
    session.add("assistant", "", tool_calls=[{"id": "c1", "name": "find_leads", "args": {}}])
    session.add("tool", "x " * 300, tool_call_id="c1")
    session.add("assistant", "Fundet.")
    session.add("user", "Tak " * 150)
    window = session.build(budget=SUMMARY_MAX + 200)
    assert [m.id for m in window.folded] == [1, 2, 3]  # the 300-token result went with its call
    assert window.summary_upto_id == 3
    assert [m.id for m in window.messages] == [4, 5]
    assert "mette@example.dk" in window.summary


def test_an_oversized_newest_message_is_clipped_not_dropped() -> None:
    session = Session()
    session.add("user", "Vis alle leads")
    session.add("assistant", "", tool_calls=[{"id": "c1", "name": "find_leads", "args": {}}])
    session.add("tool", "lead " * 2000, tool_call_id="c1")
    window = session.build()
    assert [m.id for m in window.messages] == [2, 3]
    assert window.messages[-1].content.endswith(CLIP_MARK)
    assert window.tokens <= BUDGET


def test_a_budget_smaller_than_the_summary_reserve_is_refused() -> None:
    with pytest.raises(ContextBudgetError):
        build_context([], summary="", summary_upto_id=None, budget=100, summary_max_tokens=100)


def test_summary_keeps_fact_sentences_skips_repeats_and_stays_bounded() -> None:
    first = Row(1, "user", "Mette Hansen bor på Skovvej 12. Hun er sød. Ring på 20 30 40 50.")
    again = Row(2, "assistant", "Jeg ringer til Mette Hansen på 20 30 40 50.")
    summary = summarise("", [first, again], max_tokens=200)
    assert summary.splitlines() == [
        "- Bruger: Mette Hansen bor på Skovvej 12.",
        "- Bruger: Ring på 20 30 40 50.",
    ]
    many = [Row(i, "user", f"Kunden har {i} m2 og betaler {i * 100} kr.") for i in range(3, 80)]
    bounded = summarise(summary, many, max_tokens=120)
    lines = bounded.splitlines()
    assert count_tokens(bounded) <= 120
    assert lines[:2] == summary.splitlines()  # the opening lines are pinned
    assert lines[PINNED_LINES - 1] == "- Bruger: Kunden har 3 m2 og betaler 300 kr."
    assert lines[-1] == "- Bruger: Kunden har 79 m2 og betaler 7900 kr."


def test_fact_extraction() -> None:
    facts = extract_facts(
        "Mette Hansen, mette.h@example.dk, +45 20 30 40 50, 80 m², 4.500 kr., "
        "den 12. marts og 2026-03-14, Skovvej 12"
    )
    assert {
        "mette hansen",
        "mette.h@example.dk",
        "+45 20 30 40 50",
        "80 m²",
        "4.500 kr.",
        "12. marts",
        "2026-03-14",
        "skovvej 12",
    } <= facts
    assert extract_facts("hvad er status på opgaven?") == set()
