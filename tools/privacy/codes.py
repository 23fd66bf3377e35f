"""Door, alarm, gate and key-box codes in free text (mails, chats, log lines).

A code is only recognised right after a label ("dørkode", "koden til døren er", "alarm code
is", "nøgleboks:", "key safe" ...): the digits (3–10 characters: digits, maybe with ``#``,
``*``, ``-`` or single spaces between digit groups, at least 3 digits) are replaced by
``[kode skjult]`` and the label is kept. Numbers without a label — prices, m², phone numbers,
dates, postcodes, times — are never touched, nor is a label without a code ("Alarmkode
aftales ved opstart"). Masking is idempotent.
"""

from __future__ import annotations

import re

MASK = "[kode skjult]"
_MIN_CHARS, _MAX_CHARS, _MIN_DIGITS = 3, 10, 3

_DA_PLACES = (
    r"(?:hoved)?døren|hoveddør(?:en)?|døren|alarmen|porten|opgangen|nøgleboksen|nøgleskabet"
    r"|boksen|huset|lejligheden|bygningen"
)
_EN_PLACES = (
    r"(?:front\s+|main\s+)?door|alarm|gate|key\s?box|lock\s?box|key\s?safe|building|entrance"
)
_LABEL = (
    # Danish compounds: dørkode(n), hoveddørskode, alarmkoden, portkode, nøglebokskode ...
    r"(?:(?:hoved|gade|bag)?dørs?|opgangs?|port|alarm|nøglebokse?s?|nøgleskabs?|adgangs|låse?)"
    r"kode(?:n)?"
    rf"|\bkode(?:n)?\s+(?:til|for|på)\s+(?:{_DA_PLACES})"
    r"|\bnøgle(?:boks(?:en)?|skab(?:et)?)(?:\s*-?\s*kode(?:n)?)?"
    # English
    r"|\b(?:(?:front\s+|main\s+)?door|gate|alarm|entry|access|entrance|building|key\s?box"
    r"|lock\s?box|key\s?safe)\s*-?\s*code\b"
    rf"|\bcode\s+(?:for|to|of)\s+(?:the\s+)?(?:{_EN_PLACES})\b"
    r"|\b(?:key\s?box|lock\s?box|key\s?safe)\b"
)
_FILLER = r"\s*(?:[:=]\s*)?(?:(?:er|is|lyder\s+på|bliver|will\s+be)\s*(?:[:=]\s*)?)?"
# Atomic: the whole run of code characters or nothing (no shorter prefix is tried).
_CODE = r"(?P<code>(?>[#*]?\d(?:[\d#*]|-(?=\d)|\s(?=\d))*))"
_NOT_AMOUNT = r"(?![\w])(?![.,]\d)(?!\s*(?:kr\b|kr\.|kroner|dkk\b|m2\b|m²|,-))"
_PATTERN = re.compile(rf"(?:{_LABEL}){_FILLER}{_CODE}{_NOT_AMOUNT}", re.IGNORECASE)


def _is_code(code: str) -> bool:
    digits = sum(ch.isdigit() for ch in code)
    return _MIN_CHARS <= len(code) <= _MAX_CHARS and digits >= _MIN_DIGITS


def _replace(match: re.Match[str]) -> str:
    code = match.group("code")
    if not _is_code(code):
        return match.group(0)
    start = match.start("code") - match.start()
    return match.group(0)[:start] + MASK


def mask_codes(text: str) -> str:
    """``text`` with every labelled access code replaced by ``[kode skjult]``."""
    return _PATTERN.sub(_replace, text)


def has_code(text: str) -> bool:
    """Whether ``text`` holds a labelled access code (what `mask_codes` would hide)."""
    return any(_is_code(m.group("code")) for m in _PATTERN.finditer(text))
