"""ModelSettings validation and what build_chat_model makes of it (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_google_genai import ChatGoogleGenerativeAI
from langchain_openai import ChatOpenAI
from pydantic import ValidationError

import agent.providers.settings as settings_module
from agent.providers import ModelConfigurationError, ModelSettings, build_chat_model
from tests.fakes import isolate_model_env


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModelSettings:
    isolate_model_env(monkeypatch, **env)
    return ModelSettings(_env_file=None)


def error_of(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    with pytest.raises(ValidationError) as caught:
        load(monkeypatch, **env)
    return str(caught.value)


def test_offline_is_the_default_and_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(monkeypatch)
    assert settings.provider == "offline"
    assert settings.model_name == "offline"
    assert (settings.timeout_s, settings.max_retries, settings.temperature) == (60.0, 3, 0.2)


@pytest.mark.parametrize(
    ("provider", "setting"),
    [("openai", "OPENAI_API_KEY"), ("gemini", "GEMINI_API_KEY")],
)
def test_a_missing_key_is_named(
    monkeypatch: pytest.MonkeyPatch, provider: str, setting: str
) -> None:
    assert f"MODEL_PROVIDER={provider} needs {setting}" in error_of(
        monkeypatch, MODEL_PROVIDER=provider
    )


def test_a_blank_key_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(monkeypatch, MODEL_PROVIDER="openai", OPENAI_API_KEY="  ")
    assert "needs OPENAI_API_KEY" in message


def test_openai_compatible_needs_a_base_url_and_a_model_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_url = error_of(monkeypatch, MODEL_PROVIDER="openai-compatible", MODEL_NAME="llama3.1")
    assert "MODEL_PROVIDER=openai-compatible needs OPENAI_BASE_URL" in no_url
    no_name = error_of(
        monkeypatch, MODEL_PROVIDER="openai-compatible", OPENAI_BASE_URL="http://localhost:11434/v1"
    )
    assert "MODEL_PROVIDER=openai-compatible needs MODEL_NAME" in no_name


def test_openai_compatible_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch,
        MODEL_PROVIDER="openai-compatible",
        MODEL_NAME="llama3.1",
        OPENAI_BASE_URL="http://localhost:11434/v1",
    )
    handle = build_chat_model(settings)
    assert isinstance(handle.model, ChatOpenAI)
    assert handle.describe() == "openai-compatible:llama3.1 (http://localhost:11434/v1)"


@pytest.mark.parametrize(
    ("env", "model_name"),
    [
        ({"MODEL_PROVIDER": "gemini", "GEMINI_API_KEY": "g"}, "gemini-2.5-flash"),
        ({"MODEL_PROVIDER": "openai", "OPENAI_API_KEY": "k"}, "gpt-4.1-mini"),
        ({"MODEL_PROVIDER": "OpenAI", "OPENAI_API_KEY": "k", "MODEL_NAME": "gpt-4.1"}, "gpt-4.1"),
    ],
)
def test_model_name_defaults_per_provider(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], model_name: str
) -> None:
    assert load(monkeypatch, **env).model_name == model_name


def test_google_api_key_is_accepted_but_gemini_api_key_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    google_only = load(monkeypatch, MODEL_PROVIDER="gemini", GOOGLE_API_KEY="from-google")
    assert google_only.gemini_api_key is not None
    assert google_only.gemini_api_key.get_secret_value() == "from-google"
    both = load(monkeypatch, MODEL_PROVIDER="gemini", GOOGLE_API_KEY="g", GEMINI_API_KEY="gem")
    assert both.gemini_api_key is not None
    assert both.gemini_api_key.get_secret_value() == "gem"


def test_keys_are_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(monkeypatch, MODEL_PROVIDER="openai", OPENAI_API_KEY="sk-very-secret")
    assert "sk-very-secret" not in repr(settings)
    assert "sk-very-secret" not in build_chat_model(settings).describe()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MODEL_PROVIDER": "anthropic"}, "MODEL_PROVIDER"),
        ({"MODEL_TIMEOUT_S": "0"}, "MODEL_TIMEOUT_S"),
        ({"MODEL_MAX_RETRIES": "-1"}, "MODEL_MAX_RETRIES"),
        ({"MODEL_TEMPERATURE": "3"}, "MODEL_TEMPERATURE"),
        ({"GEMINI_BASE_URL": "localhost:8080"}, "GEMINI_BASE_URL"),
    ],
)
def test_invalid_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    assert named in error_of(monkeypatch, **env)


def test_environment_is_read_on_instantiation_not_import(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert not any(isinstance(v, ModelSettings) for v in vars(settings_module).values())
    env_file = tmp_path / ".env"
    env_file.write_text("MODEL_PROVIDER=openai\nOPENAI_API_KEY=from-file\nMODEL_MAX_RETRIES=1\n")
    isolate_model_env(monkeypatch)
    settings = ModelSettings(_env_file=env_file)
    assert (settings.provider, settings.max_retries) == ("openai", 1)


def test_offline_uses_the_given_factory_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    offline_model = FakeListChatModel(responses=["hej"])
    handle = build_chat_model(load(monkeypatch), offline_factory=lambda: offline_model)
    assert handle.model is offline_model
    assert handle.is_offline
    assert handle.provider == "offline"
    assert "offline" in handle.describe()
    assert "no model vendor" in handle.describe()


def test_offline_without_a_factory_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelConfigurationError, match="offline_factory"):
        build_chat_model(load(monkeypatch))


def test_vendor_clients_stream_and_leave_retries_to_us(monkeypatch: pytest.MonkeyPatch) -> None:
    openai = build_chat_model(
        load(monkeypatch, MODEL_PROVIDER="openai", OPENAI_API_KEY="k", MODEL_MAX_RETRIES="2")
    )
    assert isinstance(openai.model, ChatOpenAI)
    assert (openai.model.max_retries, openai.model.streaming) == (0, True)
    assert openai.model.model_name == "gpt-4.1-mini"
    assert openai.retry_policy.max_retries == 2
    assert not openai.is_offline
    assert openai.describe() == "openai:gpt-4.1-mini"

    gemini = build_chat_model(
        load(monkeypatch, MODEL_PROVIDER="gemini", GEMINI_API_KEY="g", MODEL_TIMEOUT_S="7")
    )
    assert isinstance(gemini.model, ChatGoogleGenerativeAI)
    # google-genai counts attempts: 1 means a single request, no SDK retry.
    assert (gemini.model.max_retries, gemini.model.streaming) == (1, True)
    assert gemini.model.timeout == 7.0
    assert gemini.describe() == "gemini:gemini-2.5-flash"
