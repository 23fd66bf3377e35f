"""Shared pieces of the provider tests: the tool, a conversation that exercises every message
kind, and a sleep that records instead of waiting."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from agent.providers import ChatModelHandle, ModelSettings, build_chat_model
from tests.fakes import FakeModelServer, isolate_model_env


@tool
def draft_quote(service: str, area_m2: float) -> str:
    """Draft a price quote for a cleaning service of a home of the given size in m²."""
    return f"{service}: {area_m2} m²"


PAST_CALL_ARGS = {"service": "flytterengøring", "area_m2": 80}


def conversation() -> list[BaseMessage]:
    """System, human, an AI tool call, its result, and a new human turn."""
    return [
        SystemMessage("Du er RenOS, assistent for et rengøringsfirma."),
        HumanMessage("Hvad koster flytterengøring af 80 m²?"),
        AIMessage(
            "",
            tool_calls=[{"name": "draft_quote", "args": PAST_CALL_ARGS, "id": "call_prev"}],
        ),
        ToolMessage("Flytterengøring 80 m²: 3.200 kr.", tool_call_id="call_prev"),
        HumanMessage("Og hovedrengøring af 72,5 m²?"),
    ]


class SleepRecorder:
    """Stands in for asyncio.sleep in RetryPolicy: records each wait, returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def build_handle(
    monkeypatch: pytest.MonkeyPatch, provider: str, server: FakeModelServer, **env: str
) -> ChatModelHandle:
    """A real client of ``provider`` pointed at ``server``, configured through the environment
    exactly as in production."""
    defaults = {
        "openai": {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.base_url},
        "openai-compatible": {"OPENAI_BASE_URL": server.base_url, "MODEL_NAME": "llama3.1"},
        "gemini": {"GEMINI_API_KEY": "gemini-test-key", "GEMINI_BASE_URL": server.base_url},
    }[provider]
    isolate_model_env(monkeypatch, MODEL_PROVIDER=provider, **{**defaults, **env})
    return build_chat_model(ModelSettings(_env_file=None))
