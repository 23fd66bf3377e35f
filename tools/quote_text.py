"""The Danish quote text, the rules every quote text must follow, and the missing-info question.

domain.md: a quote states the total work hours, the number of workers, that the customer pays
only for the time actually used, that we call before going more than 1 hour over the estimate,
and the hourly price 349 kr; it never promises "+3–5 timer" or quotes the obsolete 250–300
kr/hour prices. These rules come from past disputes, so `validate_quote_text` checks any text
(ours or a model's draft) before it reaches a customer; `build_quote_text` always passes it.

The validator reads like a customer: the work hours must appear as a number before
"arbejdstimer"/"mandetimer" and equal the calculation; the workers as a number before
"medarbejder(e)", "person(er)", "rengøringsassistent(er)" or "mand"; each promise is
recognised by its key words within one sentence.

English (`lang="en"`, for customers who write in English; domain.md: reply in the customer's
language) states the same content with English number formats ("1,396–2,094 kr"). Its
validator accepts the English wording ("5 work hours", "2 cleaners", "349 kr per hour") as
well as the Danish one, so a Danish quote inside an English reply still passes, and refuses
the forbidden phrases in either language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tools.danish_format import (
    Lang,
    format_hours,
    format_kr,
    format_kr_range,
    format_quantity,
)
from tools.pricing import (
    HOURLY_RATE,
    PricingError,
    QuoteCalculation,
    calculate_quote,
    missing_quote_inputs,
)
from tools.services import AddOn, ServiceType


class ViolationCode(StrEnum):
    MISSING_WORK_HOURS = "missing_work_hours"
    MISSING_WORKERS = "missing_workers"
    MISSING_PAY_ACTUAL_TIME = "missing_pay_actual_time"
    MISSING_CALL_BEFORE_OVERRUN = "missing_call_before_overrun"
    MISSING_HOURLY_PRICE = "missing_hourly_price"
    FORBIDDEN_EXTRA_HOURS = "forbidden_extra_hours"
    OBSOLETE_PRICE = "obsolete_price"
    VAT_ON_TOP = "vat_on_top"


_MESSAGES = {
    ViolationCode.MISSING_WORK_HOURS: 'state the total work hours ("i alt N arbejdstimer")',
    ViolationCode.MISSING_WORKERS: 'state the number of workers ("N medarbejdere")',
    ViolationCode.MISSING_PAY_ACTUAL_TIME: "say the customer pays only for the time used",
    ViolationCode.MISSING_CALL_BEFORE_OVERRUN: "say we call before going >1 hour over",
    ViolationCode.MISSING_HOURLY_PRICE: 'state the hourly price ("349 kr pr. time")',
    ViolationCode.FORBIDDEN_EXTRA_HOURS: 'never promise "+3–5 timer"',
    ViolationCode.OBSOLETE_PRICE: "250–300 kr/hour is obsolete; the price is 349 kr",
    ViolationCode.VAT_ON_TOP: "349 kr includes VAT; never add VAT on top",
}


@dataclass(frozen=True, slots=True)
class QuoteTextViolation:
    code: ViolationCode
    message: str


@dataclass(frozen=True, slots=True)
class QuoteReadiness:
    """Whether a quote can be calculated; if not, what is missing and what to ask."""

    missing: tuple[str, ...]
    question: str | None

    @property
    def ready(self) -> bool:
        return not self.missing


_NUMBER_WORDS = {"en": "1", "én": "1", "et": "1", "to": "2", "tre": "3", "fire": "4"}
_NUM = r"(?<![\d.,])\b(\d+(?:,\d+)?|en|én|et|to|tre|fire)"
_WORK_HOURS = re.compile(_NUM + r"\s*(?:arbejdstimer|arbejdstime|mandetimer|mandtimer)\b")
_WORKERS = re.compile(_NUM + r"\s+(?:medarbejdere?|rengøringsassistent(?:er)?|personer?|mand)\b")
_END = r"(?![\d]|[.,]\d)"  # the number ends here: "250" but not "2500" or "250,50"
_HOURLY = re.compile(
    r"(?<![\d.,])349(?:,00)?\s*(?:kr\.?|kroner|dkk|,-)?\s*(?:pr\.?|per|/|i)\s*(?:time|timen|t)\b"
    r"|timepris\w*\s*(?:er|på|:)?\s*(?:kr\.?\s*)?349" + _END
)
_OLD = r"(?<![\d.,])(?:250|300)(?:,00)?" + _END
_FORBIDDEN = {
    ViolationCode.FORBIDDEN_EXTRA_HOURS: re.compile(
        r"(?<![\d.,])3\s*(?:-|til)\s*5" + _END + r"\s*(?:ekstra\s+)?(?:timer|time|t|h)\b"
    ),
    ViolationCode.OBSOLETE_PRICE: re.compile(
        _OLD + r"\s*(?:(?:-|til)\s*" + _OLD + r"\s*)?(?:kr\b|kr\.|kroner|dkk|,-|/\s*t)"
        r"|(?<![\d.,])250\s*(?:-|til)\s*300" + _END + r"|\b(?:kr\.?|dkk)\s*" + _OLD
        + r"|timepris\w*\s*(?:er|på|:)?\s*" + _OLD
    ),
    ViolationCode.VAT_ON_TOP: re.compile(
        r"349\b[^\n]{0,40}?(?:\+|plus|ekskl\.?|eksklusive?|excl\.?|ex\.|uden)\s*moms"
    ),
}  # fmt: skip
_PAY_ACTUAL_TIME = (r"\bbetal", r"\bkun\b", r"\btid(en)?\b|\btimer(ne)?\b", r"faktisk|reelt|brug")
_CALL_BEFORE = (
    r"\b(ringer|ringe|ring|kontakter|kontakte)\b",
    r"\b(1|en|én)\s+time\b",
    r"\bover\b|mere end|overskrid",
    r"\b(før|inden|først|forinden)\b",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ])|\n+")

# English wording (checked in addition to the Danish with lang="en"); numbers "2.5" / "1,396".
_EN_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4"}
_EN_NUM = r"(?<![\d.,])\b(\d+(?:\.\d+)?|one|two|three|four)"
_EN_WORK_HOURS = re.compile(_EN_NUM + r"\s*(?:work(?:ing)?|man|person)[- ]?hours?\b")
_EN_WORKERS = re.compile(
    _EN_NUM + r"\s+(?:cleaners?|workers?|employees?|members? of staff|staff members?|people)\b"
)
_EN_END = r"(?![\d]|[.,]\d)"
_EN_HOURLY = re.compile(
    r"(?<![\d.,])349(?:\.00)?\s*(?:kr\.?|kroner|dkk)?\s*(?:per|an|a|/)\s*(?:hour|hr|h)\b"
    r"|hourly\s+(?:rate|price)\s*(?:is|of|:)?\s*(?:kr\.?\s*|dkk\s*)?349" + _EN_END
)
_EN_OLD = r"(?<![\d.,])(?:250|300)(?:\.00)?" + _EN_END
_EN_FORBIDDEN = {
    ViolationCode.FORBIDDEN_EXTRA_HOURS: re.compile(
        r"(?<![\d.,])3\s*(?:-|to)\s*5" + _EN_END
        + r"\s*(?:(?:extra|additional|more)\s+)?(?:hours?|hrs?|h)\b"
    ),
    ViolationCode.OBSOLETE_PRICE: re.compile(
        _EN_OLD + r"\s*(?:(?:-|to)\s*" + _EN_OLD + r"\s*)?(?:kr\b|kr\.|kroner|dkk|/\s*h|per\s+hour)"
        r"|(?<![\d.,])250\s*(?:-|to)\s*300" + _EN_END + r"|\b(?:kr\.?|dkk)\s*" + _EN_OLD
        + r"|hourly\s+(?:rate|price)\s*(?:is|of|:)?\s*" + _EN_OLD
    ),
    ViolationCode.VAT_ON_TOP: re.compile(
        r"349\b[^\n]{0,40}?(?:\+|\bplus|\bexcl\.?|\bexcluding|\bexclusive of|\bex\.?|\bwithout"
        r"|\bbefore)\s*(?:vat|moms)\b"
    ),
}  # fmt: skip
_EN_PAY_ACTUAL_TIME = (r"\bpay", r"\bonly\b", r"\btime\b|\bhours?\b", r"actual|really|\bus")
_EN_CALL_BEFORE = (
    r"\b(call|ring|phone|contact)\b",
    r"\b(1|one|an)\s+(extra\s+)?hour\b",
    r"\bover\b|more than|beyond|exceed",
    r"\b(before|first)\b",
)


def _normalise(text: str) -> str:
    """Lowercase, one kind of dash and space, so spelling variants match one pattern."""
    for dash in "–—−‐‑":
        text = text.replace(dash, "-")
    return re.sub(r"[ \t\u00a0]+", " ", text).casefold()


def _numbers(
    pattern: re.Pattern[str], text: str, words: dict[str, str] = _NUMBER_WORDS
) -> set[Decimal]:
    """The numbers the pattern captures; "2,5" (Danish) and "2.5" (English) are both 2.5."""
    found = (m.group(1) for m in pattern.finditer(text))
    return {Decimal(words.get(w, w).replace(",", ".")) for w in found}


def _has_sentence(text: str, required: tuple[str, ...]) -> bool:
    """True when one sentence matches every pattern (key words may come in any order)."""
    sentences = (_normalise(s) for s in _SENTENCE_END.split(text))
    return any(all(re.search(p, s) for p in required) for s in sentences)


def validate_quote_text(
    text: str, calc: QuoteCalculation, lang: Lang = "da"
) -> list[QuoteTextViolation]:
    """Every rule the text breaks, in a stable order; an empty list means it may be sent.

    With ``lang="en"`` each rule is met by the Danish or the English wording, and each
    forbidden phrase is refused in either language."""
    flat = _normalise(text)
    english = lang == "en"
    hours = _numbers(_WORK_HOURS, flat) | (
        _numbers(_EN_WORK_HOURS, flat, _EN_NUMBER_WORDS) if english else set()
    )
    workers = _numbers(_WORKERS, flat) | (
        _numbers(_EN_WORKERS, flat, _EN_NUMBER_WORDS) if english else set()
    )
    pay = _has_sentence(text, _PAY_ACTUAL_TIME) or (
        english and _has_sentence(text, _EN_PAY_ACTUAL_TIME)
    )
    call = _has_sentence(text, _CALL_BEFORE) or (english and _has_sentence(text, _EN_CALL_BEFORE))
    hourly = _HOURLY.search(flat) is not None or (english and _EN_HOURLY.search(flat) is not None)
    broken = {
        ViolationCode.MISSING_WORK_HOURS: calc.work_hours not in hours,
        ViolationCode.MISSING_WORKERS: calc.workers not in workers,
        ViolationCode.MISSING_PAY_ACTUAL_TIME: not pay,
        ViolationCode.MISSING_CALL_BEFORE_OVERRUN: not call,
        ViolationCode.MISSING_HOURLY_PRICE: not hourly,
    }
    broken |= {code: pattern.search(flat) is not None for code, pattern in _FORBIDDEN.items()}
    if english:
        for code, pattern in _EN_FORBIDDEN.items():
            broken[code] = broken[code] or pattern.search(flat) is not None
    return [QuoteTextViolation(code, _MESSAGES[code]) for code, bad in broken.items() if bad]


def build_quote_text(calc: QuoteCalculation, lang: Lang = "da") -> str:
    """The customer-facing quote (Danish, or English with ``lang="en"``); always passes
    `validate_quote_text` in the same language."""
    if lang == "en":
        return _build_english(calc)
    team = f"{calc.workers} medarbejder{'e' if calc.workers > 1 else ''}"
    lines = [
        f"Tilbud på {calc.service.danish_name.lower()} – {format_quantity(calc.area_m2)} m²",
        "",
        f"Vi sender {team}, som regner med at være {format_hours(calc.hours_on_site)} på stedet. "
        f"Det svarer til i alt {format_quantity(calc.work_hours)} arbejdstimer.",
    ]
    if calc.add_ons:
        items = (f"{a.add_on.danish_name} ({format_hours(a.hours_on_site)})" for a in calc.add_ons)
        lines.append(f"Tilvalg, som er regnet med: {', '.join(items)}.")
    lines += [
        f"Prisen er {format_kr(HOURLY_RATE)} pr. time pr. medarbejder inkl. moms.",
        f"Forventet pris: {format_kr_range(calc.price_min, calc.price_max)} inkl. moms "
        f"(heraf moms {format_kr_range(calc.vat_min, calc.vat_max)}). Det højeste beløb giver "
        "plads til en ekstra time pr. medarbejder.",
    ]
    first = (calc.first_visit_hours_on_site, calc.first_visit_work_hours)
    prices = (calc.first_visit_price_min, calc.first_visit_price_max)
    if first[0] and first[1] and prices[0] and prices[1]:
        lines.append(
            "Første besøg tager typisk ca. 30 % længere, fordi alt skal gås grundigt igennem: "
            f"{format_hours(first[0])} på stedet, i alt {format_quantity(first[1])} "
            f"arbejdstimer, {format_kr_range(prices[0], prices[1])} inkl. moms."
        )
    lines += [
        "",
        "Du betaler kun for den tid, vi faktisk bruger. Hvis opgaven ser ud til at tage mere end "
        "1 time ud over overslaget, ringer vi til dig, før vi fortsætter.",
        "",
        "Tilbuddet gælder i 30 dage.",
    ]
    return "\n".join(lines)


_EN_SERVICE_NAMES: dict[ServiceType, str] = {
    ServiceType.REGULAR: "regular cleaning",
    ServiceType.MOVING_OUT: "move-out cleaning",
    ServiceType.DEEP: "deep cleaning",
    ServiceType.STANDARD: "standard cleaning",
    ServiceType.BUSINESS: "business cleaning",
    ServiceType.WINDOWS: "window cleaning",
}
_EN_ADD_ON_NAMES: dict[AddOn, str] = {
    AddOn.OVEN: "oven cleaning",
    AddOn.FRIDGE: "fridge cleaning",
    AddOn.WINDOWS: "window cleaning",
    AddOn.DESCALING: "descaling",
}


def _build_english(calc: QuoteCalculation) -> str:
    """The English quote: the same content and rules as the Danish one, English numbers."""
    team = f"{calc.workers} cleaner{'s' if calc.workers > 1 else ''}"
    lines = [
        f"Quote for {_EN_SERVICE_NAMES[calc.service]} – {format_quantity(calc.area_m2, 'en')} m²",
        "",
        f"We will send {team}, who {'expect' if calc.workers > 1 else 'expects'} to be on site for "
        f"{format_hours(calc.hours_on_site, 'en')}. "
        f"That is {format_quantity(calc.work_hours, 'en')} work hours in total.",
    ]
    if calc.add_ons:
        items = (
            f"{_EN_ADD_ON_NAMES[a.add_on]} ({format_hours(a.hours_on_site, 'en')})"
            for a in calc.add_ons
        )
        lines.append(f"Add-ons included: {', '.join(items)}.")
    lines += [
        f"The price is {format_kr(HOURLY_RATE, 'en')} per hour per cleaner incl. VAT.",
        f"Expected price: {format_kr_range(calc.price_min, calc.price_max, 'en')} incl. VAT "
        f"(of which VAT {format_kr_range(calc.vat_min, calc.vat_max, 'en')}). The highest "
        "amount leaves room for one extra hour per cleaner.",
    ]
    first = (calc.first_visit_hours_on_site, calc.first_visit_work_hours)
    prices = (calc.first_visit_price_min, calc.first_visit_price_max)
    if first[0] and first[1] and prices[0] and prices[1]:
        lines.append(
            "The first visit usually takes about 30% longer, because everything has to be gone "
            f"through thoroughly: {format_hours(first[0], 'en')} on site, "
            f"{format_quantity(first[1], 'en')} work hours in total, "
            f"{format_kr_range(prices[0], prices[1], 'en')} incl. VAT."
        )
    lines += [
        "",
        "You only pay for the time we actually use. If the job looks like taking more than "
        "1 hour beyond the estimate, we will call you before we continue.",
        "",
        "The quote is valid for 30 days.",
    ]
    return "\n".join(lines)


def quote_text_in(
    text: str, service: ServiceType | str, area_m2: Decimal | int | float, lang: Lang
) -> str:
    """A stored (Danish) quote text in ``lang``, for the same quote.

    The calculation is recomputed from the quote's service and area; the English text is used
    only when the recomputation reproduces the stored text exactly (a quote with add-ons, whose
    add-ons are not known here, keeps its Danish text rather than being re-priced)."""
    if lang == "da":
        return text
    try:
        calc = calculate_quote(service, area_m2)
    except PricingError:
        return text
    if build_quote_text(calc) != text:
        return text
    return build_quote_text(calc, lang)


_ASK_AREA = "Hvor mange m² er boligen, og hvor mange værelser er der?"
_ASK_SERVICE = "Hvilken slags rengøring ønsker du – fx fast rengøring eller flytterengøring?"


def quote_readiness(
    area_m2: Decimal | int | float | None, service: ServiceType | str | None
) -> QuoteReadiness:
    """What is missing for a quote, and the Danish question to ask instead of guessing.

    domain.md: if the area or service is unknown, ask for the size in m² and the number of
    rooms. Decision: that question is asked whenever the area is missing; when only the
    service is missing, we ask which kind of cleaning rather than for an area we have.
    """
    missing = missing_quote_inputs(area_m2, service)
    asks = [_ASK_AREA] * ("area_m2" in missing) + [_ASK_SERVICE] * ("service" in missing)
    return QuoteReadiness(missing, " ".join(asks) or None)
