"""The offline hashing embedder, the embedding settings and the token estimate."""

from __future__ import annotations

import math

import pytest

from agent.memory.embeddings import HashingEmbedder, build_embedder, cosine, normalise
from agent.memory.settings import EmbeddingConfigurationError, EmbeddingSettings, check_dimension
from agent.memory.tokens import MESSAGE_OVERHEAD, count_tokens, message_tokens


async def test_same_text_same_vector_of_the_configured_dimension() -> None:
    first, again = await HashingEmbedder(768).embed(["Flytterengøring 80 m2"] * 2)
    other = (await HashingEmbedder(768).embed(["Flytterengøring 80 m2"]))[0]
    assert len(first) == 768
    assert first == again == other
    assert math.isclose(math.sqrt(sum(x * x for x in first)), 1.0)
    assert len((await HashingEmbedder(64).embed(["hej"]))[0]) == 64


async def test_vectors_are_stable_across_processes_and_releases() -> None:
    """blake2b, not hash(): vectors stored yesterday must still match today's queries."""
    vector = HashingEmbedder(16).embed_one("Mette")
    signs = "".join("+" if x > 0 else "-" if x < 0 else "0" for x in vector)
    assert signs == "0000-0+-+0-+-+++"
    assert HashingEmbedder(16).embed_one("  METTE! ") == vector


async def test_related_texts_are_closer_than_unrelated_ones() -> None:
    query, related, unrelated = await HashingEmbedder(768).embed(
        [
            "flytterengøring 80 m2 Mette",
            "Mette vil have flytterengøring",
            "vinduespudsning i Randers",
        ]
    )
    assert cosine(query, related) > 0.5
    assert cosine(query, unrelated) < 0.2
    assert cosine(query, related) > cosine(query, unrelated)


async def test_sub_words_make_inflected_forms_close() -> None:
    base, inflected, other = await HashingEmbedder(768).embed(
        ["flytterengøring", "flytterengøringen", "hovedrengøring"]
    )
    assert cosine(base, inflected) > cosine(base, other) > 0.0


def test_normalise_folds_accents_but_keeps_danish_letters() -> None:
    assert normalise("Café ÆRØ, 80 m² — Åbyhøj!") == "cafe ærø 80 m2 åbyhøj"
    assert normalise("naïve Zürich") == "naive zurich"
    assert normalise("  ...  ") == ""


async def test_empty_text_is_the_zero_vector() -> None:
    (vector,) = await HashingEmbedder(8).embed([""])
    assert vector == [0.0] * 8
    assert cosine(vector, HashingEmbedder(8).embed_one("hej")) == 0.0


def test_settings_default_to_offline_768(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EMBEDDING_PROVIDER", "EMBEDDING_MODEL", "EMBEDDING_DIMENSION"):
        monkeypatch.delenv(name, raising=False)
    settings = EmbeddingSettings(_env_file=None)
    assert (settings.provider, settings.model, settings.dimension) == ("offline", "", 768)
    embedder = build_embedder(settings)
    assert isinstance(embedder, HashingEmbedder)
    assert embedder.dimension == 768


@pytest.mark.parametrize("provider", ["gemini", " OpenAI "])
def test_vendor_embedders_without_a_key_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    for name in ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EMBEDDING_PROVIDER", provider)
    monkeypatch.setenv("EMBEDDING_DIMENSION", "1536")
    settings = EmbeddingSettings(_env_file=None)
    assert settings.dimension == 1536
    with pytest.raises(EmbeddingConfigurationError, match=r"needs .*API_KEY"):
        build_embedder(settings)


def test_a_dimension_mismatch_says_both_numbers() -> None:
    check_dimension(768, 768)
    with pytest.raises(EmbeddingConfigurationError) as caught:
        check_dimension(1536, 768)
    assert "EMBEDDING_DIMENSION=1536 but the database stores vectors of 768" in str(caught.value)


def test_token_estimate() -> None:
    assert count_tokens("") == 0
    assert count_tokens("abcdefgh") == 2  # four characters a token
    assert count_tokens("a b c d e") == 5  # but never less than one a word
    assert count_tokens("flytterengøring") == 4
    calls = [{"id": "c1", "name": "quote", "args": {"m2": 80}}]
    assert message_tokens("hej") == MESSAGE_OVERHEAD + 1
    assert message_tokens("hej", calls) > message_tokens("hej")
    assert message_tokens("hej", calls) == message_tokens("hej", list(calls))
