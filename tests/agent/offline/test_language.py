"""Danish or English, for staff chat lines and customer mail bodies."""

from __future__ import annotations

import pytest

from agent.offline.language import detect_language, language_scores


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Tak", "da"),
        ("Thanks", "en"),
        ("Hej", "da"),
        ("Hello", "en"),
        ("Ja", "da"),
        ("Yes", "en"),
        ("Nej tak", "da"),
        ("No thanks", "en"),
        ("Hvad koster det?", "da"),
        ("What does it cost?", "en"),
        ("Book Jens på tirsdag", "da"),
        ("Book Jens on Tuesday", "en"),
        ("i morgen", "da"),
        ("tomorrow", "en"),
        ("Vi ses på fredag", "da"),
        ("Kan I komme lørdag den 12. december om formiddagen?", "da"),
        ("Can you send me the quote for the flat in Aarhus?", "en"),
        ("Hej Søren, the quote is ready", "en"),  # one Danish name does not make it Danish
        ("Lav et tilbud på flytterengøring", "da"),
        ("Please write a reply to Mette", "en"),
        ("Hvornår kan vi komme?", "da"),
        ("rengøring", "da"),  # æøå are Danish evidence
        ("I'm looking for Mette's booking", "en"),
    ],
)
def test_detects_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "ok", "Find Mette Hansen", "Send", "80 m2", "+45 20304050"])
def test_no_evidence_gives_the_default(text: str) -> None:
    assert detect_language(text) == "da"
    assert detect_language(text, default="en") == "en"


def test_mail_body() -> None:
    body = (
        "Hej\n\nTak for tilbuddet. Kan I komme lørdag den 12. december om formiddagen i stedet "
        "for fredag?\n\nMvh Birgit\n\nDen 20. nov. 2026 kl. 10.15 skrev Rendetalje"
    )
    assert detect_language(body) == "da"
    english = "Hi,\n\nWe are moving out on 15 December and need the flat cleaned.\n\nBest, Anna"
    assert detect_language(english) == "en"


def test_scores_are_explainable() -> None:
    danish, english = language_scores("Hvad koster det?")
    assert danish >= 2
    assert english == 0
    # Danish letters count, but at most two points, so a name cannot outvote a sentence
    assert language_scores("Søren Ærø Åbyhøj") == (2, 0)
