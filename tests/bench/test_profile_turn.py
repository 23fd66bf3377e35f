"""The profiler's pure parts: how statements and profiled functions are labelled."""

from __future__ import annotations

from bench.profile_turn import area, statement_kind


def test_statements_are_named_by_verb_and_table() -> None:
    assert statement_kind("BEGIN") == "BEGIN"
    assert statement_kind(";") == "ping (pool pre-ping)"
    assert statement_kind("INSERT INTO chat_events (a) VALUES (1)") == "INSERT chat_events"
    assert statement_kind("SELECT 1 FROM chat_turns t WHERE x") == "SELECT chat_turns"
    assert statement_kind('UPDATE "leads" SET x = 1') == "UPDATE leads"
    assert statement_kind("SET LOCAL hnsw.ef_search = 100") == "SET LOCAL hnsw.ef_search"


def test_functions_are_grouped_by_package() -> None:
    assert area("/x/.venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py") == "sqlalchemy"
    assert area("/work/main/agent/runner.py") == "agent/ (this repository)"
    assert area("~").startswith("builtins")
    assert area("/usr/lib/python3.11/asyncio/base_events.py") == "python standard library"
