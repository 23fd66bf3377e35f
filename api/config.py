"""All settings, read once at start-up by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from agent.graph.settings import ChatSettings
from agent.memory.settings import EmbeddingSettings
from agent.providers.settings import ModelSettings
from agent.responder.settings import ResponderSettings
from api.settings import ServerSettings
from memory.settings import DatabaseSettings
from tools.integrations.settings import GoogleSettings

_S = TypeVar("_S", bound=BaseSettings)


class ConfigurationError(Exception):
    """A setting is missing or invalid; the message names it."""


@dataclass(frozen=True)
class Settings:
    server: ServerSettings
    database: DatabaseSettings
    model: ModelSettings
    google: GoogleSettings
    # Defaults without reading the environment, for callers that build Settings by hand.
    embedding: EmbeddingSettings = field(default_factory=EmbeddingSettings.model_construct)
    chat: ChatSettings = field(default_factory=ChatSettings.model_construct)
    # Hand-built settings (tests, evals) run no background workers unless they ask for them.
    responder: ResponderSettings = field(
        default_factory=lambda: ResponderSettings.model_construct(service_workers=0)
    )


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Read every area's settings from the environment (and ``env_file`` if it exists)."""
    return Settings(
        server=_load(ServerSettings, env_file),
        database=_load(DatabaseSettings, env_file),
        model=_load(ModelSettings, env_file),
        google=_load(GoogleSettings, env_file),
        embedding=_load(EmbeddingSettings, env_file),
        chat=_load(ChatSettings, env_file),
        responder=_load(ResponderSettings, env_file),
    )


def _load(cls: type[_S], env_file: Path | None) -> _S:
    try:
        return cls(_env_file=env_file)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or cls.__name__}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from None
