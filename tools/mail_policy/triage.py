"""Sort an inbound mail into one of five intents, by rules in code (no model).

Order (first match decides):

1. `automated` (bulk, list, bounce, auto-reply; see `automation.is_automated`) → not_for_us.
2. Complaint keywords: the Danish conflict grades of `conflict.grade_conflict` plus English
   (and a few extra Danish) complaint words graded the same way. Medium or worse → complaint.
3. Spam (SEO and web-design pitches, crypto, lotteries, "Dear Sir/Madam" sales mail,
   newsletters whose only hook is "unsubscribe") → not_for_us, unless the grade is high or
   critical: a real complaint may well start "Dear Sir/Madam".
4. A lead relay ("leadmail", "leadpoint", "adhelp", "website") or parsed lead fields →
   new_lead.
5. Otherwise cue scores for new_lead, booking_change and question; the highest wins.

Decisions:

- Lead mails are forms: a customer describing a bad experience with *another* company
  ("vi er skuffede over vores nuværende firma") is still a lead, so for leads only a high or
  critical grade counts as "clearly a complaint" (the same grades `decision.decide` escalates).
- The portals (Leadmail, Leadpoint, AdHelp) vet their leads, so their mail is never spam;
  the website form and parsed fields are the classic target of form spam, so spam rules apply.
- Conflict keywords are read from the whole mail (a missed complaint costs a customer); the
  other cues only from the customer's own words: quoted lines, the quoted history after an
  "On … wrote:" line, and a reply subject ("Re: Tilbud på …" is our subject) are skipped.
- A mail from a person with no cue at all is a question, with low confidence.
- Confidence is a rule of thumb in [0.3, 0.99], for ordering reviews, not a probability.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tools.mail_policy.conflict import ConflictGrade, Severity, grade_conflict, normalise

TriageIntent = Literal["new_lead", "booking_change", "question", "complaint", "not_for_us"]
LEAD_RELAY_SOURCES = frozenset({"leadmail", "leadpoint", "adhelp", "website"})
_VETTED_PORTALS = frozenset({"leadmail", "leadpoint", "adhelp"})


@dataclass(frozen=True, slots=True)
class Triage:
    intent: TriageIntent
    confidence: float
    cues: tuple[str, ...]  # why, e.g. "conflict:klage", "spam:seo", "booking:reschedule"


def _rx(body: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + body + r")(?!\w)")


_N = r"\d+(?:[.,]\d+)?\s*"
_DAYS = r"mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|i morgen|i overmorgen"
_EN_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow"
_BOOKED = r"tiden|tidspunktet|aftalen|bookingen|rengøringen|besøget|datoen|den til|det til"
_EN_BOOKED = r"appointment|booking|cleaning|visit|date|time"
_COMPLAINT: tuple[tuple[str, Severity, str], ...] = (
    ("lawyer", Severity.CRITICAL, r"lawyers?|attorneys?|solicitors?|legal action|lawsuits?"
     r"|sue (?:you|your \w+)"),
    ("complaint", Severity.HIGH, r"complaints?|complain(?:s|ed|ing)?"),
    ("dissatisfied", Severity.HIGH, r"dissatisf(?:ied|action)|unacceptable"),
    ("disappointed", Severity.MEDIUM, r"disappoint(?:ed|ing|ment)|frustrat(?:ed|ing|ion)"),
    ("unhappy", Severity.MEDIUM, r"unhappy|not (?:happy|satisfied)|(?:poor|bad) service"),
    ("refund", Severity.MEDIUM, r"refund(?:s|ed)?|money back"),
    ("bad job", Severity.MEDIUM, r"(?:poor|bad|terrible|awful|sloppy) (?:job|cleaning|work)"),
    ("reklamation", Severity.MEDIUM, r"reklamation(?:en)?|reklamer(?:e|er|ede)"),
    ("ikke tilfreds", Severity.MEDIUM, r"ikke (?:særlig |helt )?tilfreds(?:e)?"),
    ("penge tilbage", Severity.MEDIUM, r"(?:pengene|penge) tilbage|erstatning(?:en)?|refusion"),
)  # fmt: skip
_SPAM: tuple[tuple[str, int, str], ...] = (
    ("seo", 2, r"seo|search engine optimi[sz]ation|(?:first|1st) page of google|google rank\w*"
     r"|første side på google|backlinks?|link ?building|guest posts?"),
    ("web_design", 2, r"web ?design services?|website redesign|app development services?"),
    ("crypto", 2, r"crypto\w*|bitcoin|btc|ethereum|kryptovaluta|forex|trading signals?"),
    ("lottery", 2, r"you have won|lottery|inheritance|beneficiary|claim your prize"),
    ("dear_sir", 1, r"dear (?:sir(?: ?(?:/|or) ?madam)?|madam)|to whom it may concern"),
    ("sales_pitch", 1, r"we offer|our services|special offer|limited time|business growth"
     r"|more traffic|increase your (?:sales|traffic|revenue)|affordable (?:price|rate)s?"),
    ("unsubscribe", 1, r"unsubscribe|(?:afmeld|frameld) (?:nyhedsbrev\w*|her|dig)"),
    ("newsletter", 1, r"nyhedsbrev\w*|newsletters?|view (?:it )?in (?:your )?browser"
     r"|vis i browser"),
)  # fmt: skip
_CUES: dict[TriageIntent, tuple[tuple[str, int, str], ...]] = {
    "new_lead": (
        ("quote", 2, r"tilbud(?:det|dene|s)?|prisoverslag|overslag(?:et)?|quotes?|quotations?"
         r"|estimates?"),
        ("price", 2, r"hvad (?:koster|vil (?:det|i) koste|ville (?:det|i) koste|tager i)"
         r"|hvad er prisen|(?:en|jeres) pris på|how much (?:does|do|would|will|is)"),
        ("price", 1, r"pris(?:en|er|erne)?|prices?|pricing"),
        ("request", 2, r"(?:søger|ønsker|mangler|leder efter|skal bruge|vil gerne (?:have|bestille)"
         r"|kunne (?:godt )?tænke (?:mig|os)|interesseret i|looking for|need|would like"
         r"|interested in)(?:\s+\S+){0,5}?\s+\S*"
         r"(?:rengøring\w*|vinduespudsning|clean(?:er|ers|ing))"),
        ("service", 1, r"flytterengøring|fraflytningsrengøring|hovedrengøring|dybderengøring"
         r"|erhvervsrengøring|vinduespudsning|fast rengøring|rengøringshjælp|engangsrengøring"
         r"|move[- ]out clean\w*|end of tenancy|deep clean\w*|window clean\w*|office clean\w*"
         r"|regular clean\w*|cleaning (?:service|services|help|company)"),
        ("size", 1, _N + r"(?:m2|m²|kvm|kvadratmeter|sqm|square met(?:er|re)s?)"
         r"|" + _N + r"(?:værelser|vær\.|rum|bedrooms?|rooms)"),
        ("order", 1, r"bestil(?:le|ler|ling)"),
    ),
    "booking_change": (
        ("reschedule", 3, r"(?:flyt(?:te|ter)?|ryk(?:ke|ker)?|ændr(?:e|er))\s+(?:\w+\s+){0,3}?"
         r"(?:" + _BOOKED + r")|reschedul\w*|ombook\w*|(?:move|change|shift) (?:the|my|our)"
         r" (?:" + _EN_BOOKED + r")"),
        ("cancel", 2, r"aflys(?:e|er|t|te|ning|ningen)?|udsæt(?:te|ter|telse)?"
         r"|afmeld(?:e|er|te|ing)|opsig(?:e|er|else)"
         r"|cancel(?:s|led|ling|lation)?|postpon\w*"),
        ("new_time", 2, r"(?:ny|nyt|et andet|en anden) (?:tid|tidspunkt|dato|dag)"
         r"|(?:another|a different|a new) (?:day|date|time)"),
        ("come", 2, r"kan i komme|hvornår kommer i|can you come|could you come"),
        ("book", 2, r"book(?:e|er|et|ede|ing|ingen)?|appointment"),
        ("instead", 1, r"i stedet for|instead of|passer det|does .{1,20} suit"),
        ("date", 1, _DAYS + "|" + _EN_DAYS + r"|\d{1,2}\. ?(?:jan|feb|mar|apr|maj|jun|jul|aug"
         r"|sep|okt|nov|dec)\w*"),
    ),
    "question": (
        ("ask", 2, r"spørgsmål(?:et)?|spørge|undrer|questions?|wondering|wonder"),
        ("interrogative", 1, r"hvordan|hvornår|hvad|hvilke[nt]?|hvorfor|kan i|har i|tager i"
         r"|bruger i|gør i|skal jeg|må jeg|how|when|what|which|why|do you|can you|are you"),
    ),
}  # fmt: skip
_COMPLAINT_RX = tuple((name, sev, _rx(body)) for name, sev, body in _COMPLAINT)
_SPAM_RX = tuple((name, weight, _rx(body)) for name, weight, body in _SPAM)
_CUES_RX = {i: tuple((n, w, _rx(b)) for n, w, b in cues) for i, cues in _CUES.items()}
_THANKS_FOR_QUOTE = re.compile(r"(?:tak|thanks?(?: you)?) for (?:\w+ )?(?:tilbud\w*|quote)")
_ATTRIBUTION = re.compile(
    r"^(?:den|on)\b[^\n]{0,200}(?:\n[^\n]{0,200})?\b(?:skrev|wrote)\b.*:[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|sv|aw|antw)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_ORDER: tuple[TriageIntent, ...] = ("booking_change", "new_lead", "question")
_PREFIX = {"booking_change": "booking", "new_lead": "lead", "question": "question"}


def _own_words(subject: str, text: str) -> str:
    """The customer's own words: no quoted lines or history, no subject we wrote."""
    text = text.replace("\r\n", "\n")
    match = _ATTRIBUTION.search(text)
    body = text[: match.start()] if match else text
    lines = [line for line in body.splitlines() if not line.lstrip().startswith(">")]
    head = "" if _REPLY_SUBJECT.match(subject) else subject
    return _THANKS_FOR_QUOTE.sub(" ", normalise(head + "\n" + "\n".join(lines)))


def _score(flat: str, table: tuple[tuple[str, int, re.Pattern[str]], ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    for name, weight, pattern in table:
        if pattern.search(flat):
            found[name] = max(found.get(name, 0), weight)
    return found


def _complaint(subject: str, text: str) -> tuple[Severity, list[str]]:
    whole = f"{subject}\n{text}"
    grade = grade_conflict(whole)
    flat = normalise(whole)
    english = [(n, s) for n, s, p in _COMPLAINT_RX if p.search(flat)]
    severity = max([grade.severity, *(s for _, s in english)])
    cues = [f"conflict:{k}" for k in grade.keywords] + [f"complaint:{n}" for n, _ in english]
    return severity, cues


def complaint_grade(subject: str, text: str) -> ConflictGrade:
    """The conflict grade the reply policy uses: the Danish keywords of domain.md and the
    English (and extra Danish) complaint words, graded the same way, so an English threat of
    a lawyer escalates like "advokat" does."""
    severity, cues = _complaint(subject, text)
    return ConflictGrade(severity, tuple(cue.split(":", 1)[1] for cue in cues))


def _complaint_result(severity: Severity, cues: list[str]) -> Triage:
    confidence = {Severity.CRITICAL: 0.95, Severity.HIGH: 0.9}.get(severity, 0.75)
    return Triage("complaint", confidence, tuple(cues))


def triage(
    subject: str, text: str, *, source: str, automated: bool, has_lead_fields: bool
) -> Triage:
    """The intent of one inbound mail, how sure the rules are, and the cues they used."""
    if automated:
        return Triage("not_for_us", 0.99, ("automated",))
    severity, complaint_cues = _complaint(subject, text)
    if severity >= Severity.HIGH:
        return _complaint_result(severity, complaint_cues)
    source = source.strip().casefold()
    own = _own_words(subject, text)
    scores = {i: _score(own, table) for i, table in _CUES_RX.items()}
    business = any(scores.values()) or severity > Severity.NONE
    spam = _score(normalise(f"{subject}\n{text}"), _SPAM_RX)
    spam_total = sum(spam.values())
    if source not in _VETTED_PORTALS and (spam_total >= 2 or (spam and not business)):
        spam_cues = tuple(f"spam:{n}" for n in spam)
        return Triage("not_for_us", min(0.95, 0.6 + 0.1 * spam_total), spam_cues)
    relay = source in LEAD_RELAY_SOURCES
    # "kan I flytte rengøringen til torsdag" names a service word but asks to move a booking.
    rescheduling = "reschedule" in scores["booking_change"]
    if relay or (has_lead_fields and not rescheduling):
        cues = [f"source:{source}"] * relay + ["lead_fields"] * has_lead_fields
        confidence = 0.7 if severity >= Severity.MEDIUM else 0.95 if relay else 0.9
        return Triage("new_lead", confidence, (*cues, *complaint_cues))
    if severity >= Severity.MEDIUM:
        return _complaint_result(severity, complaint_cues)
    if "?" in own:
        scores["question"]["question_mark"] = 1
    totals = {i: sum(scores[i].values()) for i in _ORDER}
    ranked = sorted(_ORDER, key=lambda i: (-totals[i], _ORDER.index(i)))
    top, second = totals[ranked[0]], totals[ranked[1]]
    if top == 0:
        return Triage("question", 0.3, ("default", *complaint_cues))
    strength, margin = min(top, 4) / 4, (top - second) / top
    cues = [f"{_PREFIX[ranked[0]]}:{n}" for n in scores[ranked[0]]] + complaint_cues
    return Triage(ranked[0], round(0.4 + 0.55 * strength * margin, 2), tuple(cues))
