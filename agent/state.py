"""Graph state: the conversation and the per-turn step count."""

from __future__ import annotations

from typing import Annotated, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class ChatState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    steps: int  # model calls in the current turn; the runner resets it with each user message
