"""The company's reply texts, in Danish and English.

Fixed wording only: no links, images, addresses or amounts. Every figure a customer sees
comes from the pricing engine's quote text or the booking calendar, never from here. Danish
addresses the customer as "du", as the quote text does.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.canonical.mailing import SIGNATURE
from tools.danish_format import Lang

COMPANY = SIGNATURE.splitlines()[-1]


@dataclass(frozen=True, slots=True)
class Templates:
    greeting_named: str  # {name}
    greeting: str
    intent: dict[str, str]  # TriageIntent → opening sentences
    no_answer_yet: str  # a question with nothing to answer it with yet
    quote_intro: str
    slots_intro: tuple[str, str]  # one slot, several slots
    slots_outro: tuple[str, str]
    missing_ask: str  # {items}
    missing_ask_after_quote: str  # {items}
    missing_items: dict[str, str]  # code → noun phrase
    list_and: str
    signature: str


TEMPLATES: dict[Lang, Templates] = {
    "da": Templates(
        greeting_named="Hej {name}",
        greeting="Hej",
        intent={
            "new_lead": "Tak for din henvendelse. Vi hjælper meget gerne.",
            "booking_change": "Tak for din besked om din booking. Vi kigger på ændringen og "
            "bekræfter den, så snart tiden er på plads.",
            "question": "Tak for dit spørgsmål.",
            "complaint": "Vi er kede af, at du ikke har haft den oplevelse, du skulle have haft. "
            "Indehaveren kontakter dig personligt hurtigst muligt.",
        },
        no_answer_yet="Vi vender tilbage med et svar hurtigst muligt.",
        quote_intro="Her er vores tilbud:",
        slots_intro=("Vi kan tilbyde denne tid:", "Vi kan tilbyde disse tider:"),
        slots_outro=(
            "Skriv endelig, om tiden passer dig, så reserverer vi den.",
            "Skriv endelig, hvilken tid der passer dig bedst, så reserverer vi den.",
        ),
        missing_ask="Vil du sende os {items}, så vi kan give dig en pris?",
        missing_ask_after_quote="Vil du også sende os {items}, så vi kan planlægge opgaven?",
        missing_items={
            "m2": "størrelsen i m²",
            "rooms": "antallet af værelser",
            "service": "hvilken type rengøring du ønsker",
            "address": "adressen",
            "phone": "dit telefonnummer",
            "dates": "hvilke datoer der passer dig",
            "frequency": "hvor ofte du ønsker rengøring",
        },
        list_and="og",
        signature=SIGNATURE,
    ),
    "en": Templates(
        greeting_named="Hi {name},",
        greeting="Hello,",
        intent={
            "new_lead": "Thank you for your enquiry. We would be happy to help.",
            "booking_change": "Thank you for your message about your booking. We will look at "
            "the change and confirm it as soon as the time is settled.",
            "question": "Thank you for your question.",
            "complaint": "We are sorry that your experience with us was not what it should have "
            "been. The owner will contact you personally as soon as possible.",
        },
        no_answer_yet="We will get back to you with an answer as soon as possible.",
        quote_intro="Here is our quote:",
        slots_intro=("We can offer this time:", "We can offer these times:"),
        slots_outro=(
            "Just reply to let us know if it suits you, and we will reserve it.",
            "Just reply with the time that suits you best, and we will reserve it.",
        ),
        missing_ask="Could you send us {items}, so we can give you a price?",
        missing_ask_after_quote="Could you also send us {items}, so we can plan the job?",
        missing_items={
            "m2": "the size in m²",
            "rooms": "the number of rooms",
            "service": "the type of cleaning you would like",
            "address": "the address",
            "phone": "your phone number",
            "dates": "which dates suit you",
            "frequency": "how often you would like the cleaning",
        },
        list_and="and",
        signature=f"Kind regards\n{COMPANY}",
    ),
}
# Names the pricing engine and lead parser use for the same facts.
MISSING_ALIASES = {"area_m2": "m2", "area": "m2", "size": "m2", "date": "dates"}
