"""The last line of defence for personal data in logs and Sentry events.

Log statements name ids (lead, inbound mail, session, tool call), never people. This catches
what slips through anyway, mostly in exception text: email addresses, phone numbers (Danish 8
digits in any spacing, +45/0045, other international numbers), CPR numbers, Danish street
addresses with a house number, door and alarm codes, and the values databases and validators
quote in their errors (SQLAlchemy's ``[parameters: …]``, PostgreSQL's ``Key (…)=(…)``,
``Failing row contains (…)``, ``invalid input syntax …: "…"``, pydantic's ``input_value=…``).
Names without any of these cannot be recognised; they must not be logged in the first place.
"""

from __future__ import annotations

import re

from tools.privacy.codes import mask_codes

HIDDEN = "[hidden]"
EMAIL_MASK, PHONE_MASK, CPR_MASK, ADDRESS_MASK = "[email]", "[phone]", "[cpr]", "[address]"

# Also URL-encoded (a query string in a logged URL): name%40example.dk.
_EMAIL = re.compile(r"[\w.%+\-]{1,64}(?:@|%40)[\w\-]{1,63}(?:\.[\w\-]{1,63}){0,8}\.[^\W\d_]{2,24}")
# Not inside a word, an id (uuid, hex) or a longer number; an ISO date is not a number.
_NUMBER_START = r"(?<![\w+\-])(?!(?:19|20)\d\d-\d\d-\d\d(?!\d))"
# Nor an amount or an area ("2094-2443 kr", "80 m²").
_NUMBER_END = r"(?![\w\-])(?!\s*(?:kr\b|kr\.|kroner|dkk\b|,-|m2\b|m²))"
_PHONE = re.compile(
    _NUMBER_START
    + r"(?:"
    # Danish: 8 digits, alone or in pairs or fours, maybe +45 / 0045 first.
    + r"(?:(?:\+|00)\s?45[\s\-]?)?(?:\d{2}[\s\-]?){3}\d{2}"
    # Elsewhere: + and a country code, then 7 to 13 more digits.
    + r"|\+\d{1,3}[\s\-]?\(?\d(?:[\s\-)]?\d){6,12}"
    + r")"
    + _NUMBER_END
)
_CPR = re.compile(_NUMBER_START + r"[0-3]\d[01]\d\d\d-?\d{4}" + _NUMBER_END)
# Danish street names end in one of these; with a house number they make an address.
_STREET_SUFFIX = (
    r"vej|vejen|gade|gaden|allé|alle|boulevard|stræde|torv|torvet|plads|pladsen|vænget|vang"
    r"|parken|bakken|bakke|høj|højen|haven|toften|toft|marken|engen|lund|lunden|skov|skoven"
    r"|stien|sti|holm|bjerg|dal|dalen|ager|løkke|hegn|kær|kæret|strand|stranden|bro|broen"
    r"|gyde|gyden|krogen|kvarter|mølle|møllen|road|street"
)
_ADDRESS = re.compile(
    r"\b[A-ZÆØÅ][\w.\-]{0,40}?(?:\s[A-ZÆØÅ][\w.\-]{0,40}?){0,3}?"
    rf"(?:{_STREET_SUFFIX})\s+\d{{1,4}}[A-Za-z]?\b"
    r"(?:,?\s*\d{1,2}\.?\s*(?:th|tv|mf|sal)\b\.?)?"
    r"(?:,?\s*\d{4}(?:\s+[A-ZÆØÅ]\w+)?)?"
)
# SQLAlchemy appends the statement's bound values to DBAPI errors (one line, repr'd).
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
# PostgreSQL's DETAIL lines and messages that quote the offending value.
_PG_KEY = re.compile(
    r"(Key \([^\n]{1,300}?\))=\([^\n]{0,2000}?\)"
    r"(?=(?: already exists| is not present| is still referenced| conflicts with)|\.?$)",
    re.MULTILINE,
)
_PG_ROW = re.compile(r"(Failing row contains) \([^\n]{0,4000}\)")
_PG_QUOTED = re.compile(
    r"((?:invalid input (?:syntax|value) for [^:\n]{1,100}|malformed [a-z ]{1,40} literal"
    r"|invalid (?:value|byte sequence) for [^:\n]{1,100}|unterminated [a-z ]{1,40}): )"
    r"\"[^\"\n]{0,1000}\""
)
_PG_VALUE = re.compile(r"\bvalue \"[^\"\n]{0,1000}\"( is out of range)")
_PG_PORTAL = re.compile(r"(portal parameter \$\d+ = )'[^\n]*")
_PYDANTIC_INPUT = re.compile(r"input_value=[^\n]{0,2000}?(, input_type=)")


def scrub_text(text: str) -> str:
    """``text`` with the personal data this module recognises replaced by markers."""
    text = _SQL_PARAMETERS.sub(f"[parameters: {HIDDEN}]", text)
    text = _PG_KEY.sub(rf"\1=({HIDDEN})", text)
    text = _PG_ROW.sub(rf"\1 ({HIDDEN})", text)
    text = _PG_QUOTED.sub(rf'\1"{HIDDEN}"', text)
    text = _PG_VALUE.sub(rf'value "{HIDDEN}"\1', text)
    text = _PG_PORTAL.sub(rf"\1'{HIDDEN}'", text)
    text = _PYDANTIC_INPUT.sub(rf"input_value={HIDDEN}\1", text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _CPR.sub(CPR_MASK, text)
    text = _PHONE.sub(PHONE_MASK, text)
    text = _ADDRESS.sub(ADDRESS_MASK, text)
    return mask_codes(text)
