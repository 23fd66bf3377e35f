"""The OpenAI and Gemini embedders, over the wire, against a local embeddings server.

The server speaks OpenAI's ``POST /v1/embeddings`` and the Gemini Developer API's
``POST /{version}/models/{model}:batchEmbedContents``; it records every request and answers
with the vectors a test scripted (by default one of the requested size per input).
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from pydantic import SecretStr

from agent.memory.embeddings import build_embedder
from agent.memory.settings import EmbeddingConfigurationError, EmbeddingSettings
from agent.memory.vendor_embeddings import (
    DEFAULT_GEMINI_MODEL,
    DEFAULT_OPENAI_MODEL,
    EmbeddingDimensionError,
    GeminiEmbedder,
    OpenAIEmbedder,
)
from tests.fakes import isolate_model_env

JsonObject = dict[str, Any]
DIM = 768


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: JsonObject


@dataclass
class EmbeddingsServer:
    """Records requests; answers each input with ``vectors`` in turn, else a vector of ``size``."""

    origin: str = ""
    requests: list[Recorded] = field(default_factory=list)
    vectors: list[list[float]] = field(default_factory=list)
    size: int = DIM

    def next_vector(self, index: int) -> list[float]:
        if self.vectors:
            return self.vectors.pop(0)
        return [float(index + 1)] * self.size  # norm √size·(index+1): must be normalised

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/embeddings")
        async def openai_embeddings(request: Request) -> JsonObject:
            body = await self._record(request)
            data = [
                {"object": "embedding", "index": i, "embedding": self.next_vector(i)}
                for i in range(len(body["input"]))
            ]
            usage = {"prompt_tokens": 1, "total_tokens": 1}
            return {"object": "list", "data": data, "model": body["model"], "usage": usage}

        @app.post("/{api_version}/models/{target}")
        async def gemini_embeddings(api_version: str, target: str, request: Request) -> JsonObject:
            body = await self._record(request)
            return {
                "embeddings": [
                    {"values": self.next_vector(i)} for i in range(len(body["requests"]))
                ]
            }

        return app

    async def _record(self, request: Request) -> JsonObject:
        body: JsonObject = await request.json()
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(Recorded(request.url.path, headers, body))
        return body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def running() -> Iterator[EmbeddingsServer]:
    server = EmbeddingsServer()
    port = _free_port()
    config = uvicorn.Config(server.app(), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("embeddings server did not start")
        time.sleep(0.01)
    server.origin = f"http://127.0.0.1:{port}"
    yield server
    uv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def server(running: EmbeddingsServer) -> EmbeddingsServer:
    running.requests.clear()
    running.vectors.clear()
    running.size = DIM
    return running


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> EmbeddingSettings:
    isolate_model_env(monkeypatch, **env)
    for name in ("EMBEDDING_PROVIDER", "EMBEDDING_MODEL", "EMBEDDING_DIMENSION"):
        if name not in env:
            monkeypatch.delenv(name, raising=False)
    return EmbeddingSettings(_env_file=None)


def _is_unit(vector: list[float]) -> bool:
    return math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0)


async def test_openai_request_and_normalised_vectors(
    server: EmbeddingsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(
        monkeypatch,
        EMBEDDING_PROVIDER="openai",
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=f"{server.origin}/v1",
    )
    embedder = build_embedder(settings)
    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.dimension == DIM

    vectors = await embedder.embed(["Flytterengøring 80 m2", "Mette"])

    [request] = server.requests
    assert request.path == "/v1/embeddings"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == DEFAULT_OPENAI_MODEL
    assert request.body["dimensions"] == DIM
    assert request.body["input"] == ["Flytterengøring 80 m2", "Mette"]
    assert request.body.get("encoding_format", "float") == "float"
    assert len(vectors) == 2
    assert all(len(v) == DIM and _is_unit(v) for v in vectors)
    assert vectors[0] == pytest.approx([1 / math.sqrt(DIM)] * DIM)


async def test_openai_named_model_and_an_uneven_vector_are_kept_in_direction(
    server: EmbeddingsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(
        monkeypatch,
        EMBEDDING_PROVIDER="openai",
        EMBEDDING_MODEL="nomic-embed-text",
        EMBEDDING_DIMENSION="4",
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=f"{server.origin}/v1",
    )
    server.vectors = [[3.0, 0.0, 4.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    vectors = await build_embedder(settings).embed(["a", "b"])
    assert server.requests[0].body["model"] == "nomic-embed-text"
    assert server.requests[0].body["dimensions"] == 4
    assert vectors == [pytest.approx([0.6, 0.0, 0.8, 0.0]), [0.0, 0.0, 0.0, 0.0]]


async def test_no_texts_no_request(server: EmbeddingsServer) -> None:
    embedder = OpenAIEmbedder(
        api_key=SecretStr("sk-test"),
        dimension=DIM,
        base_url=f"{server.origin}/v1",
    )
    assert await embedder.embed([]) == []
    assert server.requests == []


@pytest.mark.parametrize("provider", ["openai", "gemini"])
async def test_a_vector_of_the_wrong_size_is_refused(
    server: EmbeddingsServer, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    settings = _settings(
        monkeypatch,
        EMBEDDING_PROVIDER=provider,
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=f"{server.origin}/v1",
        GEMINI_API_KEY="g-test",
        GEMINI_BASE_URL=server.origin,
    )
    server.size = 1536
    with pytest.raises(EmbeddingDimensionError) as caught:
        await build_embedder(settings).embed(["hej"])
    assert "1536 dimensions" in str(caught.value)
    assert f"EMBEDDING_DIMENSION={DIM}" in str(caught.value)
    assert isinstance(caught.value, EmbeddingConfigurationError)


async def test_gemini_request_and_normalised_vectors(
    server: EmbeddingsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(
        monkeypatch,
        EMBEDDING_PROVIDER="gemini",
        GOOGLE_API_KEY="g-test",
        GEMINI_BASE_URL=server.origin,
    )
    embedder = build_embedder(settings)
    assert isinstance(embedder, GeminiEmbedder)

    vectors = await embedder.embed(["Flytterengøring 80 m2", "Mette"])

    [request] = server.requests
    # The SDK picks the API version segment (v1 in google-genai 3.x); the method is fixed.
    assert request.path.endswith(f"/models/{DEFAULT_GEMINI_MODEL}:batchEmbedContents")
    assert request.headers["x-goog-api-key"] == "g-test"
    items = request.body["requests"]
    assert [item["content"]["parts"][0]["text"] for item in items] == [
        "Flytterengøring 80 m2",
        "Mette",
    ]
    assert all(item["outputDimensionality"] == DIM for item in items)
    assert all(item["model"] == f"models/{DEFAULT_GEMINI_MODEL}" for item in items)
    assert len(vectors) == 2
    assert all(len(v) == DIM and _is_unit(v) for v in vectors)


@pytest.mark.parametrize(
    ("provider", "setting"),
    [("openai", "OPENAI_API_KEY"), (" Gemini ", "GEMINI_API_KEY (or GOOGLE_API_KEY)")],
)
def test_a_missing_key_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, provider: str, setting: str
) -> None:
    settings = _settings(monkeypatch, EMBEDDING_PROVIDER=provider, OPENAI_API_KEY="")
    with pytest.raises(EmbeddingConfigurationError) as caught:
        build_embedder(settings)
    assert str(caught.value) == f"EMBEDDING_PROVIDER={provider.strip().lower()} needs {setting}"


def test_keys_are_secret_and_base_urls_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, OPENAI_API_KEY="sk-secret", GEMINI_API_KEY="g-secret")
    assert "secret" not in repr(settings)
    assert settings.provider == "offline"
    isolate_model_env(monkeypatch, OPENAI_BASE_URL="localhost:11434/v1")
    with pytest.raises(ValueError, match="http"):
        EmbeddingSettings(_env_file=None)
