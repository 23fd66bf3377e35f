"""Embedders: text in, unit vectors out, for pgvector recall of earlier chat messages.

:class:`HashingEmbedder` is the offline one: deterministic, no model, no network. It is the
"hashing trick" over word unigrams and character 3–5-grams of each word, so texts that share
words or parts of words ("flytterengøring" / "flytterengøringen") land close in cosine distance
and unrelated texts do not. It knows nothing of synonyms; the vendor embedders in
vendor_embeddings.py (``EMBEDDING_PROVIDER=openai|gemini``) replace it behind :class:`Embedder`
without touching the callers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from hashlib import blake2b
from typing import Protocol

from agent.memory.settings import EmbeddingConfigurationError, EmbeddingSettings
from agent.memory.vendor_embeddings import GeminiEmbedder, OpenAIEmbedder

# Kept as letters of their own: folding them would merge "for" and "for", "får", "før".
_KEEP = frozenset("æøå")
_CHAR_MAP = str.maketrans({"²": "2", "³": "3", "ß": "ss"})
_TOKEN = re.compile(r"[^\W_]+")
_NGRAM_SIZES = (3, 4, 5)
# A whole-word match is stronger evidence than one shared 3-gram.
_WORD_WEIGHT = 2.0


class Embedder(Protocol):
    """Turns texts into vectors of ``dimension`` floats (one per text, same order)."""

    @property
    def dimension(self) -> int: ...

    async def embed(self, texts: list[str]) -> list[list[float]]: ...


def normalise(text: str) -> str:
    """Lowercase, accents folded ("café" → "cafe") but æ, ø and å kept, punctuation → space."""
    out: list[str] = []
    for char in text.casefold().translate(_CHAR_MAP):
        if char in _KEEP:
            out.append(char)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if not unicodedata.combining(part):
                out.append(part)
    return " ".join(_TOKEN.findall("".join(out)))


def features(text: str) -> Counter[str]:
    """Term frequencies of word unigrams (``w:``) and character n-grams (``c:``) per word."""
    counts: Counter[str] = Counter()
    for word in normalise(text).split():
        counts["w:" + word] += 1
        padded = f"<{word}>"
        for size in _NGRAM_SIZES:
            for start in range(len(padded) - size + 1):
                counts["c:" + padded[start : start + size]] += 1
    return counts


@lru_cache(maxsize=65_536)
def _bucket(feature: str, dimension: int) -> tuple[int, float]:
    """Stable across processes (unlike ``hash``): index from the digest, sign from one bit."""
    value = int.from_bytes(blake2b(feature.encode(), digest_size=8).digest(), "big")
    return value % dimension, (1.0 if (value >> 63) & 1 else -1.0)


class HashingEmbedder:
    """Offline, deterministic embedder (signed feature hashing, tf weights, L2-normalised).

    An empty or punctuation-only text embeds to the zero vector, which has no cosine
    similarity to anything: store ``None`` for it instead of the vector.
    """

    def __init__(self, dimension: int) -> None:
        if dimension < 1:
            raise EmbeddingConfigurationError(f"embedding dimension must be positive: {dimension}")
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_one(self, text: str) -> list[float]:
        vector = [0.0] * self._dimension
        for feature, tf in features(text).items():
            index, sign = _bucket(feature, self._dimension)
            weight = _WORD_WEIGHT if feature.startswith("w:") else 1.0
            vector[index] += sign * weight * tf
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector] if norm > 0 else vector

    async def embed(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_one(text) for text in texts]


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """The embedder ``EMBEDDING_PROVIDER`` names; a vendor one needs that vendor's key."""
    if settings.provider == "offline":
        return HashingEmbedder(settings.dimension)
    needs = f"EMBEDDING_PROVIDER={settings.provider} needs"
    if settings.provider == "openai":
        if settings.openai_api_key is None:
            raise EmbeddingConfigurationError(f"{needs} OPENAI_API_KEY")
        return OpenAIEmbedder(
            api_key=settings.openai_api_key,
            dimension=settings.dimension,
            model=settings.model,
            base_url=settings.openai_base_url,
        )
    if settings.gemini_api_key is None:
        raise EmbeddingConfigurationError(f"{needs} GEMINI_API_KEY (or GOOGLE_API_KEY)")
    return GeminiEmbedder(
        api_key=settings.gemini_api_key,
        dimension=settings.dimension,
        model=settings.model,
        base_url=settings.gemini_base_url,
    )


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two vectors (0.0 when either is zero)."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm > 0 else 0.0
