"""Acceptance: `renos chat --message ... --json` with no configuration (offline model)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.main import build_cli

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in ("MODEL_PROVIDER", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def chat_json(message: str) -> dict[str, object]:
    result = runner.invoke(build_cli(), ["chat", "--message", message, "--json"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Hvad koster en flytterengøring på 80 m2?",
            ("1.396", "2.094", "2 medarbejdere", "4 arbejdstimer"),
        ),
        (
            "How much is a move-out cleaning of 80 m2?",
            ("1,396", "2,094", "2 workers", "4 work hours"),
        ),
    ],
)
def test_quote_question_with_no_configuration(message: str, expected: tuple[str, ...]) -> None:
    out = chat_json(message)
    calls = out["tool_calls"]
    assert isinstance(calls, list) and len(calls) == 1
    call = calls[0]
    assert call["name"] == "draft_quote" and call["status"] == "succeeded"
    assert call["args"]["service"] == "moving_out"
    assert Decimal(str(call["args"]["area_m2"])) == 80
    assert (
        Decimal(call["result"]["price_min"]) == 1396
        and Decimal(call["result"]["price_max"]) == 2094
    )
    reply = str(out["reply"])
    for fragment in expected:
        assert fragment in reply
    assert "offline" in str(out["model"])
    assert out["status"] == "completed" and out["pending_approval"] is None
