"""The intent cue table: which words point at which intent, and how strongly.

A cue's weight is the evidence it gives: 2 is enough on its own ("tilbud", "find"), 1–1.5
needs company. `generic` cues ("vis", "show") only count when no more specific intent is
present, so "vis ledige tider" is availability and "vis Mette" is lead details. `negatable`
cues are ignored when negated ("ikke send"); yes/no words are not ("nej, ikke endnu").
Patterns run on the prepared, lowercase, typo-corrected text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    """What staff want done; task intents map onto the canonical tools (scenarios.md)."""

    CONFIRM = "confirm"
    DECLINE = "decline"
    FIND_LEAD = "find_lead"
    LEAD_DETAILS = "lead_details"
    AVAILABILITY = "availability"
    QUOTE = "quote"
    BOOK = "book"
    WRITE_EMAIL = "write_email"
    SEND_EMAIL = "send_email"
    GREETING = "greeting"
    HELP = "help"
    UNKNOWN = "unknown"


# Execution order: answer the pending question first, then find the customer, read,
# check the calendar, price (a booking's length and a mail's content come from the quote),
# book, write, and send last.
EXECUTION_ORDER: tuple[Intent, ...] = tuple(Intent)
TASK_INTENTS = frozenset(
    {
        Intent.FIND_LEAD,
        Intent.LEAD_DETAILS,
        Intent.AVAILABILITY,
        Intent.QUOTE,
        Intent.BOOK,
        Intent.WRITE_EMAIL,
        Intent.SEND_EMAIL,
    }
)


@dataclass(frozen=True, slots=True)
class Cue:
    intent: Intent
    label: str
    pattern: re.Pattern[str]
    weight: float
    generic: bool = False
    negatable: bool = True


def _cue(
    intent: Intent,
    label: str,
    pattern: str,
    weight: float = 2.0,
    *,
    generic: bool = False,
    negatable: bool = True,
) -> Cue:
    return Cue(intent, label, re.compile(pattern), weight, generic, negatable)


# "send tilbuddet til Mette" / "send hende et tilbud" need a mail written first; "send det",
# "send udkastet" and "send mailen til Jens" send what is already drafted.
_DRAFTED = (
    r"(?:det|den|dem|it|them|this|that|udkast\w*|kladde\w*|drafts?|e?-?mail\w*|emails?"
    r"|beskeden|svaret|messages?|reply)"
)
_ARTICLE = r"(?:the|a|an|en|et)"
_SEND_SOMETHING_TO = (
    rf"\b(?:af)?send\w* (?!(?:{_ARTICLE} )?{_DRAFTED}\b)"
    rf"(?:{_ARTICLE} )?[\w-]+ (?:\w+ )?(?:til|to)\b"
)
_SEND_SOMEONE_SOMETHING = (
    r"\b(?:af)?send\w* (?:hende|ham|dem|kunden|her|him|them|the customer) (?:et|en|a|an)\b"
)
_LIST_LEADS = (
    r"\b(?:nye|seneste|alle|hvilke|list|new|latest|all|which)\s+"
    r"(?:leads?|kunder|customers|henvendelser)\b"
)
_HAVE_TIME = (
    r"\b(?:we|you) have (?:any )?(?:time|room|capacity)\b|\bis there (?:any )?(?:time|room)\b"
    r"|\bare (?:we|you) (?:free|available)\b|\bhar (?:i|du) (?:tid|plads)\b"
)
_CHECK_CALENDAR = r"\b(?:tjek\w*|check\w*) (?:the )?(?:kalender\w*|calendar)\b"
_PUT_IN_CALENDAR = r"\b(?:læg|sæt|put)\w*\b.{0,30}?\b(?:i|in) (?:kalender\w*|the calendar)\b"
_NEW_MESSAGE = r"\b(?:en|et|a|an|ny|new) (?:e-?mail|mail|besked|message)\b"
_YES = (
    r"^(?:ja|jo|jep|jeps|yes|yep|yeah|ok|okay|oki|fint|fedt|super|perfekt|sure|korrekt"
    r"|great|perfect)\b"
)
# "nej" opens the utterance or a clause ("ok, nej alligevel"); "no problem" is no refusal.
_NO = r"(?:^|[,.;!?]\s*)(?:nej|nope|nah|no)\b(?! (?:problem|worries|doubt))"
_DO_IT = r"\bgør det\b|\bdo it\b|\bgo ahead\b|\bkør (?:bare )?(?:på|med det)\b"
_CANCEL = r"\bannull\w*|\bcancel\w*|\bafbryd\w*|\bafvis\w*|\breject\w*|\bfortryd\w*"
_FORGET_IT = r"\b(?:glem det|forget it|drop det|never ?mind|lad (?:være|vær))\b"
_NOT_YET = r"\bikke endnu\b|\bnot yet\b|\bvent med\b|\bhold off\b"
_HELLO = (
    r"^(?:hej|hejsa|hey|hi|hello|hallo|halløj|goddag|godmorgen|god morgen|good morning"
    r"|davs|dav)\b"
)

CUES: tuple[Cue, ...] = (
    # find_lead
    _cue(Intent.FIND_LEAD, "find", r"\bfind(?:e|er)?\b"),
    _cue(Intent.FIND_LEAD, "søg", r"\bsøg(?:e|er|ning)?\b"),
    _cue(Intent.FIND_LEAD, "slå … op", r"\bslå\b(?:\s+\S+){1,4}?\s+op\b|\bslå op\b"),
    _cue(Intent.FIND_LEAD, "hvem er", r"\bhvem er\b"),
    _cue(Intent.FIND_LEAD, "look up", r"\blook\b(?:\s+\S+){0,4}?\s+up\b|\blookup\b"),
    _cue(Intent.FIND_LEAD, "search", r"\bsearch\w*"),
    _cue(Intent.FIND_LEAD, "who is", r"\bwho(?: is|'s)\b"),
    _cue(Intent.FIND_LEAD, "leder efter", r"\bleder efter\b|\blooking for\b", 1.5),
    _cue(Intent.FIND_LEAD, "nye leads", _LIST_LEADS),
    _cue(Intent.FIND_LEAD, "har vi en kunde", r"\bhar vi (?:en )?(?:kunde|lead)\w*", 1.5),
    # lead_details
    _cue(Intent.LEAD_DETAILS, "vis", r"\bvis(?:e)?\b", 1.5, generic=True),
    _cue(Intent.LEAD_DETAILS, "show", r"\bshow\b", 1.5, generic=True),
    _cue(Intent.LEAD_DETAILS, "åbn", r"\båbn\b|\bopen\b", 1.5, generic=True),
    _cue(Intent.LEAD_DETAILS, "detaljer", r"\bdetalje\w*|\bdetails?\b"),
    _cue(Intent.LEAD_DETAILS, "status", r"\bstatus\b"),
    _cue(Intent.LEAD_DETAILS, "info", r"\binfo(?:rmation)?\b", 1.5),
    _cue(Intent.LEAD_DETAILS, "historik", r"\bhistorik\w*|\bhistory\b", 1.5),
    _cue(Intent.LEAD_DETAILS, "hvad ved vi om", r"\b(?:hvad ved vi om|what do we know about)\b"),
    # availability
    _cue(Intent.AVAILABILITY, "ledig", r"\bledig\w*"),
    _cue(Intent.AVAILABILITY, "frie tider", r"\bfrie? (?:tider?|dage|slots?)\b"),
    _cue(Intent.AVAILABILITY, "tider", r"\btider\b", 1.0),
    _cue(Intent.AVAILABILITY, "hvornår kan", r"\bhvornår (?:kan|har|er)\b"),
    _cue(Intent.AVAILABILITY, "har vi tid/plads", r"\b(?:har vi|er der) (?:tid|plads)\b"),
    _cue(Intent.AVAILABILITY, "have time", _HAVE_TIME),
    _cue(Intent.AVAILABILITY, "free slots", r"\bfree (?:slots?|time|times|days?)\b"),
    _cue(Intent.AVAILABILITY, "slots", r"\bslots?\b", 1.5),
    _cue(Intent.AVAILABILITY, "availability", r"\bavailab\w*"),
    _cue(Intent.AVAILABILITY, "when can", r"\bwhen (?:can|could|are|is)\b"),
    _cue(Intent.AVAILABILITY, "tjek kalender", _CHECK_CALENDAR),
    _cue(Intent.AVAILABILITY, "hvilke tider", r"\bhvilke (?:tider|dage|datoer)\b|\bwhat times\b"),
    # quote
    _cue(Intent.QUOTE, "tilbud", r"\btilbud\w*"),
    _cue(Intent.QUOTE, "pris", r"\bpris\w*"),
    _cue(Intent.QUOTE, "koster", r"\bkost(?:er|e|ede)\b"),
    _cue(Intent.QUOTE, "beregn", r"\bberegn\w*|\budregn\w*|\bregn\w* (?:\w+ )?ud\b", 1.5),
    _cue(Intent.QUOTE, "overslag", r"\boverslag\w*"),
    _cue(Intent.QUOTE, "quote", r"\bquot(?:e|es|ation|ed)\b"),
    _cue(Intent.QUOTE, "price", r"\bprice\w*|\bpricing\b"),
    _cue(Intent.QUOTE, "how much", r"\bhow much\b"),
    _cue(Intent.QUOTE, "cost", r"\bcosts?\b"),
    _cue(Intent.QUOTE, "estimate", r"\bestimat\w*", 1.5),
    # book
    _cue(Intent.BOOK, "book", r"\bbook(?:e|er)?\b"),
    _cue(Intent.BOOK, "booking", r"\bbooking\w*", 1.0),
    _cue(Intent.BOOK, "reserver", r"\breserv\w*"),
    _cue(Intent.BOOK, "læg i kalenderen", _PUT_IN_CALENDAR),
    _cue(Intent.BOOK, "schedule", r"\bschedul\w*"),
    _cue(Intent.BOOK, "planlæg", r"\bplanlæg\w*"),
    _cue(Intent.BOOK, "lav en aftale", r"\blav (?:en )?aftale\b|\bset up an appointment\b"),
    _cue(Intent.BOOK, "bestil", r"\bbestil\w*", 1.5),
    # write_email
    _cue(Intent.WRITE_EMAIL, "skriv", r"\bskriv(?:e|er)?\b"),
    _cue(Intent.WRITE_EMAIL, "write", r"\bwrite\b"),
    _cue(Intent.WRITE_EMAIL, "svar", r"\b(?:be)?svar(?:e|er)?\b"),
    _cue(Intent.WRITE_EMAIL, "reply", r"\breply\b|\brespond\b|\banswer\b"),
    _cue(Intent.WRITE_EMAIL, "draft a", r"\bdraft (?:a|an|en|et)\b"),
    _cue(Intent.WRITE_EMAIL, "en mail", _NEW_MESSAGE),
    _cue(
        Intent.WRITE_EMAIL,
        "mail til",
        r"(?<!the )\b(?:e-?mail|mail)e? (?:til|to)\b|^(?:e-?mail|mail)\b",
    ),
    _cue(Intent.WRITE_EMAIL, "send … til", _SEND_SOMETHING_TO, 1.5),
    _cue(Intent.WRITE_EMAIL, "send hende et …", _SEND_SOMEONE_SOMETHING, 1.5),
    _cue(Intent.WRITE_EMAIL, "følg op", r"\bfølg\w* op\b|\bfollow[- ]?up\b", 1.5),
    # send_email
    _cue(Intent.SEND_EMAIL, "send", r"\b(?:af)?send(?:e|er)?\b"),
    # confirm / decline: only as the first word, or as set phrases
    _cue(Intent.CONFIRM, "ja", _YES, negatable=False),
    _cue(Intent.CONFIRM, "gør det", _DO_IT),
    _cue(Intent.CONFIRM, "send det", r"\bsend (?:det|den|it)\b", 1.5),
    _cue(Intent.CONFIRM, "godkend", r"\bgodkend\w*|\bapprove\w*"),
    _cue(Intent.CONFIRM, "ser godt ud", r"\b(?:det er fint|ser godt ud|sounds good|looks good)\b"),
    _cue(Intent.DECLINE, "nej", _NO, negatable=False),
    _cue(Intent.DECLINE, "annullér", _CANCEL, negatable=False),
    _cue(Intent.DECLINE, "glem det", _FORGET_IT, negatable=False),
    _cue(Intent.DECLINE, "vent", _NOT_YET, negatable=False),
    # greeting / help
    _cue(Intent.GREETING, "hej", _HELLO, negatable=False),
    _cue(Intent.HELP, "hjælp", r"\bhjælp\w*|\bhelp\b"),
    _cue(Intent.HELP, "hvad kan du", r"\b(?:hvad kan du|what can you)\b"),
)

# Words that turn a cue around. Before a cue: up to four words back ("ikke send", "lad være
# med at sende"); after it: up to two words on, because Danish puts "ikke" after the verb
# ("send det ikke"). Polite "kan du ikke (lige)…" is a request, not a negation.
NEGATION_BEFORE = re.compile(
    r"n't\b|\b(?:ikke|ikk|ik|not|dont|never|aldrig|undlad\w*|uden at|without|lad være"
    r"|vent med|wait (?:with|before|to))\b"
)
NEGATION_AFTER = re.compile(r"\b(?:ikke|ikk|not)\b")
POLITE_REQUEST = re.compile(r"\b(?:kan|kunne|vil|ville|gider|må) (?:du|i|vi) ikke\b")
CLAUSE_BREAK = re.compile(r"[,.;:!?]|\b(?:men|but|og|and|så|then)\b")
