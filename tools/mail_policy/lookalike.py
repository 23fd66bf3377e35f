"""Sender domains made to look like our own (rendeta1je.dk, rendetalje.dk.evil.example).

Such a mail impersonates the company to the company: it is never answered. Confusables are
folded (digits and letters that look alike, "rn" for "m", Cyrillic and Greek look-alikes) and
a domain is a look-alike when, folded, it equals or contains one of our domains' names
without being one of our domains, or is one edit away from one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Set

from tools.mail_policy.outgoing import OWN_DOMAINS

_FOLD = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "5": "s",
        "7": "t",
        "i": "l",
        "|": "l",
        "а": "a",  # Cyrillic а
        "е": "e",  # Cyrillic е
        "о": "o",  # Cyrillic о
        "р": "p",  # Cyrillic р
        "с": "c",  # Cyrillic с
        "х": "x",  # Cyrillic х
        "ј": "j",  # Cyrillic ј
        "ӏ": "l",  # Cyrillic palochka
        "ο": "o",  # Greek omicron
        "ε": "e",  # Greek epsilon
    }
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("rn", "m")
    return text.translate(_FOLD)


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def is_lookalike_domain(domain: str, own: Set[str] = OWN_DOMAINS) -> bool:
    domain = domain.strip().strip(".").casefold()
    if not domain or domain in own:
        return False
    folded = _fold(domain)
    for ours in own:
        name = _fold(ours.split(".")[0])
        label = folded.split(".")[0]
        if folded == _fold(ours) or name in folded or _one_edit_apart(label, name):
            return True
    return False
