"""Check an outgoing reply (ours or a model's draft) before it is stored or sent.

The model reads untrusted mail, so its output is checked like untrusted content: no links or
images that are not in our templates, no other customer's personal data, no fragment of the
system prompt, kr amounts equal to the pricing engine's, no forbidden phrases, no door or alarm
code, and (when the calculation is given) `validate_quote_text` passed.

Decisions: links are compared exactly after trimming trailing punctuation; any markdown or
HTML image not in the allow-list is refused, including data: URIs. An email address in the
text must be the customer's own or one at our own domains. Phone numbers compare on their last
8 digits (Danish numbers, "+45" optional). A prompt fragment is any run of 8 words (case and
punctuation ignored). With only `quote_figures`, the allowed kr amounts are the two prices,
their VAT shares and the hourly rate; pass `quote_calc` to also allow first-visit figures.

With ``language="en"`` the amounts, hours and head counts are read in English as well
("1,396 kr", "DKK 1,396", "1,396–2,094 kr", "279.20 kr", "5 work hours", "2 cleaners"), the
English forbidden phrases are refused too, and the quote rules are checked in English. An
amount with both separators is read the English way when it is written that way ("1,396",
"279.20") and the Danish way otherwise ("1.396", "279,20"), so neither convention slips by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Set
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import NamedTuple

from tools.danish_format import Lang
from tools.pricing import HOURLY_RATE, QuoteCalculation, vat_share
from tools.privacy import has_code
from tools.quote_text import validate_quote_text

OWN_DOMAINS = frozenset({"rendetalje.dk"})
PROMPT_RUN_WORDS = 8


class OutgoingCode(StrEnum):
    LINK_NOT_ALLOWED = "link_not_allowed"
    IMAGE_NOT_ALLOWED = "image_not_allowed"
    OTHER_CUSTOMER_DATA = "other_customer_data"
    UNKNOWN_EMAIL_ADDRESS = "unknown_email_address"
    SYSTEM_PROMPT_LEAK = "system_prompt_leak"
    QUOTE_FIGURE_MISMATCH = "quote_figure_mismatch"
    FORBIDDEN_PHRASE = "forbidden_phrase"
    QUOTE_TEXT_INVALID = "quote_text_invalid"
    ACCESS_CODE = "access_code"


@dataclass(frozen=True, slots=True)
class Violation:
    code: OutgoingCode
    detail: str


class QuoteFigures(NamedTuple):
    price_min: Decimal
    price_max: Decimal
    work_hours: Decimal
    workers: int

    @classmethod
    def of(cls, calc: QuoteCalculation) -> QuoteFigures:
        return cls(calc.price_min, calc.price_max, calc.work_hours, calc.workers)


_TRAIL = ".,;:!?)]}>\"'"
_IMAGES = (
    re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)"),
    re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE),
)
_LINKS = re.compile(r"(?:https?://|www\.|ftp://|data:|javascript:)[^\s<>\"'()\]]+", re.IGNORECASE)
_HREF = re.compile(r"\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d])\+?\d[\d \-.]{6,14}\d(?![\d])")
_WORD = re.compile(r"\w+")
_NUM = r"(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}|-))?"
_KR_AFTER = re.compile(
    r"(?<![\d.,])" + _NUM + r"(?:\s*[-–—]\s*" + _NUM + r")?\s*(?:kr\b|kr\.|kroner|dkk|,-)",
    re.IGNORECASE,
)
_KR_BEFORE = re.compile(r"\b(?:kr\.?|dkk)\s*" + _NUM, re.IGNORECASE)
_HOURS = re.compile(r"(?<![\d.,])(\d+(?:,\d+)?)\s*(?:arbejdstimer|mandetimer|arbejdstime)\b")
_WORKERS = re.compile(r"(?<![\d.,])(\d+)\s+(?:medarbejdere?|rengøringsassistent(?:er)?)\b")
# English counterparts for language == "en": the amount patterns replace the Danish ones
# (they read both conventions); the hours, workers and forbidden patterns add to them.
_EN_AMOUNT = r"(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![.,]?\d)"
_EN_ENGLISH_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?")
_EN_KR_AFTER = re.compile(
    r"(?<![\d.,])"
    + _EN_AMOUNT
    + r"(?:\s*[-–—]\s*"
    + _EN_AMOUNT
    + r")?\s*(?:kr\b|kr\.|kroner|dkk|,-)",
    re.IGNORECASE,
)
_EN_KR_BEFORE = re.compile(r"\b(?:kr\.?|dkk)\s*" + _EN_AMOUNT, re.IGNORECASE)
_EN_HOURS = re.compile(
    r"(?<![\d.,])(\d+(?:\.\d+)?)\s*(?:work(?:ing)?|man|person)[- ]?hours?\b", re.IGNORECASE
)
_EN_WORKERS = re.compile(r"(?<![\d.,])(\d+)\s+(?:cleaners?|workers?|employees?)\b", re.IGNORECASE)
_EN_FORBIDDEN = (
    re.compile(
        r"\+\s*3\s*(?:-|to)\s*5\s*(?:(?:extra|additional|more)\s+)?(?:hours?|hrs?|h\b)"
        r"|(?<![\d.,])3\s*(?:-|to)\s*5\s*(?:extra|additional)\s+hours?",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?<![\d.,])(?:250|300)(?:\.00)?\s*(?:kr\.?|kroner|dkk)?\s*(?:per|an|a|/)\s*"
        r"(?:hour|hr|h)\b|(?<![\d.,])250\s*to\s*300\s*(?:kr|kroner|dkk)",  # "250-300": Danish
        re.IGNORECASE,
    ),
)
_FORBIDDEN = (
    re.compile(
        r"\+\s*3\s*(?:-|til)\s*5\s*(?:ekstra\s+)?(?:timer|t\b)|(?<![\d.,])3\s*(?:-|til)\s*5\s*"
        r"ekstra\s+timer",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?<![\d.,])(?:250|300)(?:,00)?\s*(?:kr\.?|kroner|dkk|,-)?\s*(?:pr\.?|per|/|i)\s*"
        r"(?:time|timen|t)\b|(?<![\d.,])250\s*(?:-|–|—|til)\s*300\s*(?:kr|kroner|dkk)",
        re.IGNORECASE,
    ),
)


def _trim(url: str) -> str:
    return url.rstrip(_TRAIL)


def _links_and_images(text: str, allowed: Set[str]) -> list[Violation]:
    out: list[Violation] = []
    images = {_trim(m.group(1)) for p in _IMAGES for m in p.finditer(text)}
    out += [Violation(OutgoingCode.IMAGE_NOT_ALLOWED, u) for u in sorted(images - allowed)]
    links = {_trim(m.group(0)) for m in _LINKS.finditer(text)}
    links |= {_trim(m.group(1)) for m in _HREF.finditer(text)}
    bad = sorted(links - allowed - images)
    return out + [Violation(OutgoingCode.LINK_NOT_ALLOWED, u) for u in bad]


def _last8(digits: str) -> str:
    return re.sub(r"\D", "", digits)[-8:]


def _personal_data(
    text: str, known_email: str, others: Iterable[str], own_domains: Set[str]
) -> list[Violation]:
    flat = re.sub(r"\s+", " ", text).casefold()
    known = known_email.strip().casefold()
    phones = {_last8(m.group(0)) for m in _PHONE.finditer(text)}
    phones = {p for p in phones if len(p) == 8}
    out: list[Violation] = []
    for raw in others:
        item = re.sub(r"\s+", " ", raw.strip()).casefold()
        if not item or item == known:
            continue
        digits = re.sub(r"\D", "", item)
        if "@" in item:
            hit = item in flat
        elif len(digits) >= 8 and re.fullmatch(r"[+\d \-.()]+", item):
            hit = digits[-8:] in phones
        else:
            hit = re.search(r"(?<!\w)" + re.escape(item) + r"(?!\w)", flat) is not None
        if hit:
            out.append(Violation(OutgoingCode.OTHER_CUSTOMER_DATA, raw.strip()))
    for address in sorted({m.group(0).casefold().rstrip(".") for m in _EMAIL.finditer(text)}):
        domain = address.rpartition("@")[2]
        if address != known and domain not in own_domains:
            out.append(Violation(OutgoingCode.UNKNOWN_EMAIL_ADDRESS, address))
    return out


def _prompt_leak(text: str, system_prompt: str) -> list[Violation]:
    words = _WORD.findall(system_prompt.casefold())
    n = PROMPT_RUN_WORDS
    runs = {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
    said = _WORD.findall(text.casefold())
    for i in range(len(said) - n + 1):
        if tuple(said[i : i + n]) in runs:
            return [Violation(OutgoingCode.SYSTEM_PROMPT_LEAK, " ".join(said[i : i + n]))]
    return []


def _amount(whole: str, cents: str | None) -> Decimal | None:
    value = whole.replace(".", "") + ("." + cents if cents and cents != "-" else "")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern only captures digits
        return None


def _en_amount(token: str) -> Decimal | None:
    """ "1,396" / "279.20" the English way; "1.396" / "279,20" the Danish way."""
    if _EN_ENGLISH_NUMBER.fullmatch(token):
        value = token.replace(",", "")
    else:
        value = token.replace(".", "").replace(",", ".")
    try:
        return Decimal(value)
    except InvalidOperation:  # "1,396,50": neither convention
        return None


def _number(value: str) -> Decimal:
    return Decimal(value.replace(",", "."))


def _quote_figures(
    text: str, figures: QuoteFigures, calc: QuoteCalculation | None, language: Lang = "da"
) -> list[Violation]:
    prices = [figures.price_min, figures.price_max]
    hours = {figures.work_hours}
    if calc is not None and calc.first_visit_price_min and calc.first_visit_price_max:
        prices += [calc.first_visit_price_min, calc.first_visit_price_max]
        hours.add(calc.first_visit_work_hours or figures.work_hours)
    allowed = {HOURLY_RATE, *prices, *(vat_share(p) for p in [HOURLY_RATE, *prices])}
    amounts: list[Decimal | None] = []
    unreadable: list[str] = []
    if language != "en":
        for m in _KR_AFTER.finditer(text):
            amounts.append(_amount(m.group(1), m.group(2)))
            if m.group(3):
                amounts.append(_amount(m.group(3), m.group(4)))
        amounts += [_amount(m.group(1), m.group(2)) for m in _KR_BEFORE.finditer(text)]
    else:  # the English patterns read both conventions (the Danish ones misread "DKK 1,396")
        for m in (*_EN_KR_AFTER.finditer(text), *_EN_KR_BEFORE.finditer(text)):
            for token in m.groups():
                if token is not None:
                    value = _en_amount(token)
                    amounts.append(value)
                    unreadable += [token] if value is None else []
    out = [
        Violation(OutgoingCode.QUOTE_FIGURE_MISMATCH, f"{a} kr")
        for a in dict.fromkeys(amounts)
        if a is not None and a not in allowed
    ]
    out += [Violation(OutgoingCode.QUOTE_FIGURE_MISMATCH, f"{t} kr") for t in unreadable]
    flat = text.casefold()
    out += [
        Violation(OutgoingCode.QUOTE_FIGURE_MISMATCH, f"{m.group(1)} arbejdstimer")
        for m in _HOURS.finditer(flat)
        if _number(m.group(1)) not in hours
    ]
    out += [
        Violation(OutgoingCode.QUOTE_FIGURE_MISMATCH, f"{m.group(1)} medarbejdere")
        for m in _WORKERS.finditer(flat)
        if int(m.group(1)) != figures.workers
    ]
    if language == "en":
        out += [
            Violation(OutgoingCode.QUOTE_FIGURE_MISMATCH, f"{m.group(1)} work hours")
            for m in _EN_HOURS.finditer(flat)
            if Decimal(m.group(1)) not in hours
        ]
        out += [
            Violation(OutgoingCode.QUOTE_FIGURE_MISMATCH, f"{m.group(1)} workers")
            for m in _EN_WORKERS.finditer(flat)
            if int(m.group(1)) != figures.workers
        ]
    return out


def check_outgoing(
    text: str,
    *,
    allowed_links: Set[str],
    known_customer_email: str,
    other_customers_data: Iterable[str],
    system_prompt: str,
    quote_figures: QuoteFigures | tuple[Decimal, Decimal, Decimal, int] | None,
    quote_calc: QuoteCalculation | None = None,
    own_domains: Set[str] = OWN_DOMAINS,
    language: Lang = "da",
) -> list[Violation]:
    """Every rule the outgoing text breaks; an empty list means it may be stored or sent.
    ``language`` is the reply's language ("en" also reads English figures and phrases)."""
    normal = re.sub(r"[–—−‐‑]", "-", text)
    out = _links_and_images(text, {_trim(u) for u in allowed_links})
    out += _personal_data(text, known_customer_email, other_customers_data, own_domains)
    out += _prompt_leak(text, system_prompt)
    if quote_figures is not None:
        out += _quote_figures(text, QuoteFigures(*quote_figures), quote_calc, language)
    forbidden = _FORBIDDEN + (_EN_FORBIDDEN if language == "en" else ())
    out += [
        Violation(OutgoingCode.FORBIDDEN_PHRASE, m.group(0))
        for p in forbidden
        for m in p.finditer(normal)
    ]
    if has_code(text):  # a door or alarm code is never written in a mail
        out.append(Violation(OutgoingCode.ACCESS_CODE, "door or alarm code"))
    if quote_calc is not None:
        out += [
            Violation(OutgoingCode.QUOTE_TEXT_INVALID, v.code.value)
            for v in validate_quote_text(text, quote_calc, language)
        ]
    return out
