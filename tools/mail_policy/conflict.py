"""Grade Danish conflict keywords in an inbound mail (domain.md "Email auto-response").

Keywords and grades exactly as domain.md lists them; each keyword is matched as a whole word
with the inflections a customer actually writes. Matching runs on normalised text (NFC,
casefolded, "aa"/"ae"/"oe" spellings of å/æ/ø accepted where a keyword needs them).

Decisions:

- Every pattern starts and ends on a word boundary, so "beklager" (we apologise) never reads
  as "klage", "skuffen"/"skuffer" (the drawer, drawers) never as "skuffet", and "klagemur" or
  "klageret" (a right of complaint, as in legal boilerplate) are not complaints.
- Compounds that are themselves conflict words count: "klagesag", "inkassosag",
  "advokatfirma", "utilfredshed", "skuffelse", "frustration".
- Negation is not interpreted ("ikke utilfreds" still counts): a false flag only costs a
  human look, a missed complaint costs a customer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


@dataclass(frozen=True, slots=True)
class ConflictGrade:
    severity: Severity
    keywords: tuple[str, ...]  # the domain keywords found, in table order


_AA = "(?:å|aa)"
_AE = "(?:æ|ae)"
# (domain keyword, severity, pattern body); the body is wrapped in word boundaries.
_TABLE: tuple[tuple[str, Severity, str], ...] = (
    ("inkasso", Severity.CRITICAL, r"inkasso(?:en|er|erne|bureau\w*|sag\w*|firma\w*|krav\w*)?"),
    ("advokat", Severity.CRITICAL, r"advokat(?:en|er|erne|ens|ernes|firma\w*|hj" + _AE + r"lp)?"),
    ("retssag", Severity.CRITICAL, r"retssag(?:en|er|erne|ens)?"),
    ("forbrugerombudsmand", Severity.CRITICAL, r"forbrugerombudsmand(?:en|ens)?"),
    ("politianmeldelse", Severity.CRITICAL, r"politianmeld(?:else|elsen|elser|e|er|t|te)"),
    ("klage", Severity.HIGH, r"klag(?:e|er|en|es|ede|et|erne|ens|ende|esag\w*|eskema\w*)"),
    ("utilfreds", Severity.HIGH, r"utilfreds(?:e|hed|heden)?"),
    ("uacceptabelt", Severity.HIGH, r"uacceptab(?:el|elt|le)"),
    ("svindel", Severity.HIGH, r"svind(?:el|len|lens|els|ler|lere|leren|lede|let|le)"),
    ("skuffet", Severity.MEDIUM, r"skuffe(?:t|de|lse|lsen|lser)"),
    ("frustreret", Severity.MEDIUM, r"frustrer(?:et|ede|ende|er|e)|frustration(?:en|er)?"),
    ("dårlig service", Severity.MEDIUM, r"d" + _AA + r"rlig(?:e|t)?\s+service(?:n)?"),
    ("uheldigt", Severity.LOW, r"uheldig(?:t|e)?"),
    ("kunne være bedre", Severity.LOW, r"kunne\s+(?:have\s+)?v(?:" + _AE + r"re|" + _AE
     + r"ret)\s+bedre"),
)  # fmt: skip
_PATTERNS = tuple(
    (keyword, severity, re.compile(r"(?<!\w)(?:" + body + r")(?!\w)"))
    for keyword, severity, body in _TABLE
)
KEYWORDS: dict[str, Severity] = {keyword: severity for keyword, severity, _ in _TABLE}


def normalise(text: str) -> str:
    """NFC, casefolded, whitespace collapsed to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).casefold())


def grade_conflict(text: str) -> ConflictGrade:
    """The highest severity of the conflict keywords in `text`, and which keywords matched."""
    flat = normalise(text)
    found = [(k, s) for k, s, pattern in _PATTERNS if pattern.search(flat)]
    severity = max((s for _, s in found), default=Severity.NONE)
    return ConflictGrade(severity, tuple(k for k, _ in found))
