"""Door, alarm and key-box codes are masked after their label; other numbers are left alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.privacy import MASK, has_code, mask_codes

MASKED = [
    ("dørkode 1234", f"dørkode {MASK}"),
    ("Dørkoden er 1234.", f"Dørkoden er {MASK}."),
    ("koden til døren er 12-34", f"koden til døren er {MASK}"),
    ("alarmkode: 4321#", f"alarmkode: {MASK}"),
    ("alarmkoden er 4321", f"alarmkoden er {MASK}"),
    ("kode til alarmen 4321", f"kode til alarmen {MASK}"),
    ("nøgleboks kode 9876", f"nøgleboks kode {MASK}"),
    ("nøgleboksen kode 9876", f"nøgleboksen kode {MASK}"),
    ("nøgleboks: 9876", f"nøgleboks: {MASK}"),
    ("portkode 5678", f"portkode {MASK}"),
    ("door code 1234", f"door code {MASK}"),
    ("The alarm code is 4321", f"The alarm code is {MASK}"),
    ("the code for the key box is 1234", f"the code for the key box is {MASK}"),
    ("key safe 0000", f"key safe {MASK}"),
    ("Hoveddørskoden er 12 34", f"Hoveddørskoden er {MASK}"),
    ("alarmkode *1234#", f"alarmkode {MASK}"),
    ("Gate code: 4455, thanks", f"Gate code: {MASK}, thanks"),
    (
        "Dørkoden er 4711 og alarmkoden er 1234#, tak.",
        f"Dørkoden er {MASK} og alarmkoden er {MASK}, tak.",
    ),
    ("Find Mette, dørkoden er 4711", f"Find Mette, dørkoden er {MASK}"),
]

UNCHANGED = [
    "Prisen er 1.396 kr inkl. moms",
    "Lejligheden er 80 m2",
    "Huset er 140 m²",
    "Ring på 20 30 40 50 eller +45 20304050",
    "Vi kommer 15.12.2026",
    "Skovvej 12, 8000 Aarhus C",
    "Vi kommer kl. 9.00",
    "Alarmkode aftales ved opstart",
    "Dørkoden får I på dagen",
    "The door code will be sent later",
    "Nøgleboks ved døren, 2 nøgler",
    "dørkode 12",  # too short to be a code
    "dørkode 12345678901",  # too long to be a code
    "dørkode 800 m2",
    "alarmkode 1.396 kr",
    "Rabatkode SOMMER2026",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_codes_are_masked(text: str, expected: str) -> None:
    assert mask_codes(text) == expected
    assert has_code(text)
    assert not has_code(expected)


@pytest.mark.parametrize("text", UNCHANGED)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_codes(text) == text
    assert not has_code(text)


_SAFE_WORDS = st.sampled_from(
    [
        "Hej",
        "pris",
        "1.396 kr",
        "80 m2",
        "kl. 9.00",
        "8000 Aarhus C",
        "+45 20 30 40 50",
        "15.12.2026",
        "kode",
        "koden",
        "døren",
        "alarm",
        "door",
        "the",
        "code",
        "er",
        "is",
        "1234",
        "4321#",
        ":",
        ",",
        "\n",
    ]
)
_LABELS = st.sampled_from(
    ["dørkode", "alarmkoden er", "koden til døren er", "key safe", "door code is", "nøgleboks:"]
)


@settings(max_examples=300, deadline=None)
@given(words=st.lists(_SAFE_WORDS, max_size=12), label=_LABELS, at=st.integers(0, 12))
def test_masking_is_idempotent(words: list[str], label: str, at: int) -> None:
    text = " ".join([*words[:at], label, *words[at:]])
    once = mask_codes(text)
    assert mask_codes(once) == once
    assert not has_code(once)


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_masking_arbitrary_text_is_idempotent(text: str) -> None:
    once = mask_codes(text)
    assert mask_codes(once) == once


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(
            [
                *("Hej", "pris", "1.396 kr", "80 m2", "kl. 9.00", "8000 Aarhus C"),
                *("20 30 40 50", "15.12.2026", "kode", "koden", "code", "1234", "4321#"),
                *("er", "is", ":", "til"),
            ]
        ),
        max_size=15,
    )
)
def test_text_without_a_code_label_is_never_changed(words: list[str]) -> None:
    text = " ".join(words)
    assert mask_codes(text) == text
