"""Who is calling a tool. Built by the agent from the authenticated principal; the model never
sees or sets it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Role = Literal["staff", "owner", "evaluator", "system"]
Channel = Literal["chat", "email", "cli", "eval"]


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID | None
    role: Role
    channel: Channel
    session_id: uuid.UUID | None
    now: datetime  # the run's clock: frozen in evals, injected in tests
    trace_id: str
