"""Settings for tests, built by hand (no environment, no .env): the test database, the
offline model, no Google, and the given server and responder settings."""

from __future__ import annotations

import dataclasses
from typing import Any

from agent.providers.settings import ModelSettings
from agent.responder.settings import ResponderSettings
from api.config import Settings
from api.settings import ServerSettings
from memory.settings import DatabaseSettings
from tools.integrations.settings import GoogleSettings


def make_settings(
    db_url: str, *, responder: dict[str, Any] | None = None, **server: Any
) -> Settings:
    """``server``: RENOS_* values; ``responder``: RESPONDER_* values (then the responder's
    settings are validated like the environment's, workers in the service included)."""
    settings = Settings(
        server=ServerSettings(_env_file=None, RENOS_ENV="test", **server),
        database=DatabaseSettings(_env_file=None, DATABASE_URL=db_url),
        model=ModelSettings(_env_file=None, MODEL_PROVIDER="offline"),
        google=GoogleSettings(_env_file=None),
    )
    if responder is None:
        return settings
    return dataclasses.replace(settings, responder=ResponderSettings(_env_file=None, **responder))
