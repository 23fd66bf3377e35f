"""Domain vocabulary of the offline model: services, frequencies, add-ons, calendar words.

Patterns are regular-expression fragments matched against the prepared (lowercase, typo
corrected) text with word boundaries added by the caller. Danish compounds are written with an
optional space or hyphen ("flytte rengøring", "flytte-rengøring"), because staff split them.
"""

from __future__ import annotations

from tools.services import AddOn, Frequency, ServiceType

# Service words that name a service outright. Checked before the weak ones below.
SERVICE_PATTERNS: tuple[tuple[ServiceType, str], ...] = (
    (ServiceType.MOVING_OUT, r"flytte[- ]?rengøring\w*"),
    (ServiceType.MOVING_OUT, r"(?:fra|ud)flytning\w*"),
    (ServiceType.MOVING_OUT, r"flytning\w*"),
    (ServiceType.MOVING_OUT, r"mov(?:e|ing)[- ]?out\w*"),
    (ServiceType.MOVING_OUT, r"end[- ]of[- ]tenancy"),
    (ServiceType.DEEP, r"hoved[- ]?rengøring\w*"),
    (ServiceType.DEEP, r"dybde[- ]?rengøring\w*"),
    (ServiceType.DEEP, r"deep[- ]?clean\w*"),
    (ServiceType.DEEP, r"(?:grundig|thorough|spring)[- ]?(?:rengøring|clean\w*)"),
    (ServiceType.REGULAR, r"faste? rengøring\w*"),
    (ServiceType.REGULAR, r"(?:regular|recurring|weekly) clean\w*"),
    (ServiceType.REGULAR, r"(?:ugentlig|løbende) rengøring\w*"),
    (ServiceType.STANDARD, r"almindelige? rengøring\w*"),
    (ServiceType.STANDARD, r"engangs[- ]?(?:rengøring|opgave)\w*"),
    (ServiceType.STANDARD, r"one[- ]?off(?: clean\w*)?"),
    (ServiceType.STANDARD, r"(?:standard|basic|normal|ordinary)[- ]?(?:rengøring|clean\w*)"),
    (ServiceType.BUSINESS, r"(?:erhvervs|kontor|butiks)[- ]?rengøring\w*"),
    (ServiceType.BUSINESS, r"(?:office|business|commercial) clean\w*"),
    (ServiceType.WINDOWS, r"vindues?[- ]?(?:pudsning|vask)\w*"),
    (ServiceType.WINDOWS, r"window[- ]?clean\w*"),
)

# Words that suggest a service without naming it; used only when no pattern above matched.
WEAK_SERVICE_PATTERNS: tuple[tuple[ServiceType, str], ...] = (
    (ServiceType.MOVING_OUT, r"flytter (?:ud|fra)|skal flytte|fraflyt\w*|moving house"),
    (ServiceType.BUSINESS, r"kontor\w*|erhverv\w*|offices?|business"),
    (ServiceType.WINDOWS, r"vindue\w*|windows?"),
)

FREQUENCY_PATTERNS: tuple[tuple[Frequency, str], ...] = (
    (Frequency.BIWEEKLY, r"hver (?:14\.?|fjortende) dag|hver (?:anden|2\.?) uge|14[- ]dag\w*"),
    (Frequency.BIWEEKLY, r"bi-?weekly|fortnightly|every (?:other|second|two|2) weeks?"),
    (Frequency.BIWEEKLY, r"every (?:fortnight|14 days)"),
    (Frequency.WEEKLY, r"ugentlig\w*|hver uge|(?:en|1) gang om ugen|weekly|(?:every|each) week"),
    (Frequency.WEEKLY, r"once a week"),
    (Frequency.MONTHLY, r"månedlig\w*|hver måned|(?:en|1) gang om måneden"),
    (Frequency.MONTHLY, r"hver (?:4\.?|fjerde) uge"),
    (Frequency.MONTHLY, r"monthly|every (?:month|4 weeks|four weeks)|once a month"),
    (Frequency.ONCE, r"engangs\w*|one[- ]?off|kun (?:en|én) gang|once(?! a (?:week|month))"),
)

ADD_ON_PATTERNS: tuple[tuple[AddOn, str], ...] = (
    (AddOn.OVEN, r"ovn\w*|ovens?"),
    (AddOn.FRIDGE, r"køleskab\w*|fridges?|refrigerators?"),
    (AddOn.WINDOWS, r"vindue\w*|windows?"),
    (AddOn.DESCALING, r"afkalk\w*|kalk(?:ning|fjern\w*)?|descal\w*|limescale"),
)

WEEKDAYS: dict[str, int] = {
    "mandag": 0,
    "tirsdag": 1,
    "onsdag": 2,
    "torsdag": 3,
    "fredag": 4,
    "lørdag": 5,
    "søndag": 6,
    "monday": 0,
    "tuesday": 1,
    "tues": 1,
    "wednesday": 2,
    "thursday": 3,
    "thurs": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}

_MONTH_NAMES = (
    ("januar", "january", "jan"),
    ("februar", "february", "feb"),
    ("marts", "march", "mar"),
    ("april", "apr"),
    ("maj", "may"),
    ("juni", "june", "jun"),
    ("juli", "july", "jul"),
    ("august", "aug"),
    ("september", "sept", "sep"),
    ("oktober", "october", "okt", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
MONTHS: dict[str, int] = {
    name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names
}
# Abbreviations like "mar" or "may" are also ordinary words; they count only next to a day.
FULL_MONTHS: dict[str, int] = {name: n for name, n in MONTHS.items() if len(name) > 4 or n == 5}

NUMBER_WORDS: dict[str, int] = {
    "en": 1,
    "et": 1,
    "én": 1,
    "ét": 1,
    "one": 1,
    "a": 1,
    "an": 1,
    "to": 2,
    "two": 2,
    "tre": 3,
    "three": 3,
    "fire": 4,
    "four": 4,
    "fem": 5,
    "five": 5,
    "seks": 6,
    "six": 6,
    "syv": 7,
    "seven": 7,
    "otte": 8,
    "eight": 8,
    "ni": 9,
    "nine": 9,
    "ti": 10,
    "ten": 10,
}

# Words worth repairing when mistyped: long domain words, weekdays and months. Short or
# everyday words are left out on purpose (see normalize.py).
CORRECTION_VOCABULARY: frozenset[str] = frozenset(
    {
        *WEEKDAYS,
        *(name for name in MONTHS if len(name) > 4),
        "flytterengøring", "fraflytning", "flytning", "hovedrengøring", "dybderengøring",
        "rengøring", "rengøringen", "erhvervsrengøring", "kontorrengøring",
        "engangsrengøring", "engangsopgave", "vinduespudsning", "vinduer", "vinduerne",
        "almindelig", "ugentlig", "ugentligt", "månedlig", "månedligt", "køleskab",
        "køleskabet", "afkalkning", "kvadratmeter", "værelser", "værelses", "værelse",
        "tilbud", "tilbuddet", "ledige", "ledig", "kalenderen", "reserver", "reservér",
        "udkastet", "udkast", "detaljer", "overmorgen", "morgen", "weekend", "weekenden",
        "næste", "måned", "måneden", "hvornår", "hvordan", "annuller", "annullér", "besked",
        "kunden", "skriv", "svar", "booke", "booking", "bookingen", "godkend", "på", "går",
        "tomorrow", "today", "cleaning", "window", "windows", "available", "availability",
        "schedule", "quote", "price", "details", "customer", "square", "metres", "meters",
        "office", "business", "moving", "refrigerator", "fridge", "descaling", "reply",
        "write", "search", "appointment", "estimate", "weekly", "biweekly", "monthly",
        "fortnightly", "thorough", "recurring", "regular", "standard", "commercial",
    }
)  # fmt: skip
