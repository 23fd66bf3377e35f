"""Vendor embedders (OpenAI, Gemini) behind :class:`~agent.memory.embeddings.Embedder`.

Both ask the vendor for vectors of exactly ``dimension`` floats (OpenAI's ``dimensions``,
Gemini's ``outputDimensionality``), refuse any vector of another size (the database column
has a fixed width) and L2-normalise what they return, as :class:`HashingEmbedder` does.
"""

from __future__ import annotations

import math

from langchain_core.embeddings import Embeddings
from langchain_google_genai import GoogleGenerativeAIEmbeddings
from langchain_openai import OpenAIEmbeddings
from pydantic import SecretStr

from agent.memory.settings import EmbeddingConfigurationError

DEFAULT_OPENAI_MODEL = "text-embedding-3-small"
DEFAULT_GEMINI_MODEL = "gemini-embedding-001"


class EmbeddingDimensionError(EmbeddingConfigurationError):
    """The vendor answered with vectors of another size (or count) than was asked for."""


def unit(vector: list[float]) -> list[float]:
    """``vector`` scaled to length 1 (the zero vector stays zero)."""
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else list(vector)


class _VendorEmbedder:
    """Calls ``client.aembed_documents``, checks the vectors' count and size, normalises."""

    def __init__(self, client: Embeddings, *, name: str, dimension: int) -> None:
        if dimension < 1:
            raise EmbeddingConfigurationError(f"embedding dimension must be positive: {dimension}")
        self._client = client
        self._name = name
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def name(self) -> str:
        """``provider:model``, for logs; never contains a key."""
        return self._name

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = await self._client.aembed_documents(texts)
        if len(vectors) != len(texts):
            raise EmbeddingDimensionError(
                f"{self._name} returned {len(vectors)} vectors for {len(texts)} texts"
            )
        for index, vector in enumerate(vectors):
            if len(vector) != self._dimension:
                raise EmbeddingDimensionError(
                    f"{self._name} returned a vector of {len(vector)} dimensions (text "
                    f"{index}) but EMBEDDING_DIMENSION={self._dimension}; choose a model that "
                    f"supports {self._dimension} output dimensions or change EMBEDDING_DIMENSION "
                    "together with the database column"
                )
        return [unit([float(x) for x in vector]) for vector in vectors]


class OpenAIEmbedder(_VendorEmbedder):
    """OpenAI ``/v1/embeddings``, or any OpenAI-compatible server at ``base_url``."""

    def __init__(
        self,
        *,
        api_key: SecretStr,
        dimension: int,
        model: str = "",
        base_url: str | None = None,
    ) -> None:
        model = model or DEFAULT_OPENAI_MODEL
        client = OpenAIEmbeddings(
            model=model,
            dimensions=dimension,
            openai_api_key=api_key,  # the field names: mypy knows no aliases here
            openai_api_base=base_url,
            # Send the texts as they are: no tiktoken (it downloads its tables) and no token
            # ids, which OpenAI-compatible servers do not understand.
            check_embedding_ctx_length=False,
            model_kwargs={"encoding_format": "float"},
        )
        super().__init__(client, name=f"openai:{model}", dimension=dimension)


class GeminiEmbedder(_VendorEmbedder):
    """The Gemini Developer API's ``batchEmbedContents`` (via google-genai)."""

    def __init__(
        self,
        *,
        api_key: SecretStr,
        dimension: int,
        model: str = "",
        base_url: str | None = None,
    ) -> None:
        model = model or DEFAULT_GEMINI_MODEL
        # base_url becomes google-genai's HttpOptions.base_url, as for the chat model; the SDK
        # appends "{api_version}/models/{model}:batchEmbedContents" to it.
        client = GoogleGenerativeAIEmbeddings(
            model=model,
            api_key=api_key,
            base_url=base_url,
            vertexai=False,  # never let GOOGLE_GENAI_USE_VERTEXAI switch the backend
            output_dimensionality=dimension,
        )
        super().__init__(client, name=f"gemini:{model}", dimension=dimension)
