"""Generated staff chat messages for benchmarks: Danish user questions and assistant answers
about leads, prices, cleaning jobs and bookings, drawn from a vocabulary of names, streets,
towns, services and figures, so that texts repeat their shapes the way a real chat log does
while their details (who, where, how big, when) vary.

Deterministic for a given :class:`random.Random` seed.
"""

from __future__ import annotations

import random


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


FIRST = _words(
    "Mette Anne Kirsten Hanne Lene Susanne Camilla Louise Maria Pia Sofie Ida Emma Julie "
    "Line Lars Jens Peter Michael Søren Henrik Thomas Martin Jesper Anders Niels Mads "
    "Rasmus Kasper Jonas Frederik Mikkel Christian Morten Bo"
)
LAST = _words(
    "Hansen Jensen Nielsen Pedersen Andersen Christensen Larsen Sørensen Rasmussen "
    "Jørgensen Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen "
    "Møller Mortensen Knudsen Mikkelsen Frederiksen Lund Holm Schmidt Eriksen Kjær Bach "
    "Dahl"
)
STREETS = _words(
    "Skovvej Strandvejen Østergade Vestergade Nørregade Søndergade Kirkevej Bakkevej Engvej "
    "Parkvej Havnegade Møllevej Birkevej Egevej Lindevej Rosenvænget Ahornvej Granvej "
    "Bøgevej Stationsvej Skolegade Toftevej Fasanvej Vibevej Æblehaven Solsikkevej "
    "Kastanjevej Slotsgade Algade Torvegade"
)
TOWNS = _words(
    "8000 Aarhus C|8200 Aarhus N|8210 Aarhus V|8220 Brabrand|8240 Risskov|8260 Viby J|"
    "8270 Højbjerg|8300 Odder|8330 Beder|8340 Malling|8361 Hasselager|8370 Hadsten|"
    "8380 Trige|8400 Ebeltoft|8450 Hammel|8462 Harlev J|8464 Galten|8520 Lystrup|"
    "8530 Hjortshøj|8541 Skødstrup|8543 Hornslet|8600 Silkeborg|8660 Skanderborg|8680 Ry|"
    "8700 Horsens|8800 Viborg|8900 Randers C|8920 Randers NV|7100 Vejle|6000 Kolding",
    "|",
)
MAIL_HOSTS = ("gmail.com", "hotmail.dk", "mail.dk")
SERVICES = _words(
    "flytterengøring|hovedrengøring|vinduespudsning|fast ugentlig rengøring|"
    "erhvervsrengøring|dødsborengøring|byggerengøring|ovnrens|trappevask",
    "|",
)
DAYS = _words("mandag tirsdag onsdag torsdag fredag lørdag")
MONTHS = _words(
    "januar februar marts april maj juni juli august september oktober november december"
)
EXTRAS = _words(
    "ovn og emhætte|vinduer indvendigt|vinduer ud og ind|altan|kælder|garage|"
    "skabe indvendigt|køleskab|badeværelse med kalk|trappeopgang",
    "|",
)
ROOMS = _words("værelser|værelser og to badeværelser|værelser og et stort køkken|rum", "|")

USER = (
    "Hej, jeg har en ny kunde: {name}, {street} {no}, {town}.",
    "Hvad koster en {service} på {m2} m2?",
    "Hvad koster {service} af et hus på {m2} m2 med {rooms_n} {rooms}?",
    "Kan du finde {name}?",
    "Find leads fra {town_only}",
    "Er der ledige tider på {day}?",
    "Har vi en ledig tid {day} i uge {week}?",
    "Book {name} til {service} den {date} kl. {hour}",
    "{name} vil også have {extra} med, hvad bliver prisen så?",
    "Skriv et svar til {name} om {service} den {date}",
    "Hvornår kommer vi ud til {street} {no}?",
    "Hvor bor {name}?",
    "Send tilbuddet til {email}",
    "Kunden ringer tilbage på {phone} efter kl. {hour}",
    "Tak for det",
    "Kan vi flytte {name} fra {day} til {day2}?",
    "Hvad gav vi {name} i pris sidst?",
    "Husk at {name} har nøgleboks ved bagdøren",
)
ASSISTANT = (
    "En {service} på {m2} m2 koster {price} kr. inkl. moms.",
    "Jeg fandt {name}, {street} {no}, {town}, telefon {phone}.",
    "Der er ledige tider {day} kl. {hour} og kl. {hour2}.",
    "Jeg har lavet et udkast til tilbud på {service} til {name}: {price} kr.",
    "Bookingen er oprettet: {service} hos {name} den {date} kl. {hour}.",
    "Jeg fandt ingen leads fra {town_only}.",
    "Med {extra} bliver prisen {price} kr. for {m2} m2.",
    "Svaret til {name} ligger i udbakken som kladde.",
    "{name} bor på {street} {no}, {town}.",
    "Sidst fik {name} en pris på {price} kr. for {service}.",
    "Jeg har flyttet {name} til {day2} kl. {hour}.",
    "Det er noteret. Sig til, hvis der er mere.",
    "Der er ingen ledige tider {day}; første ledige tid er {day2} kl. {hour}.",
    "Tilbuddet er sendt til {email}.",
)


def _slots(rng: random.Random) -> dict[str, object]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    town = rng.choice(TOWNS)
    day, day2 = rng.sample(DAYS, 2)
    m2 = rng.randrange(35, 260)
    return {
        "name": f"{first} {last}",
        "street": rng.choice(STREETS),
        "no": rng.randrange(1, 120),
        "town": town,
        "town_only": town.split(" ", 1)[1],
        "service": rng.choice(SERVICES),
        "m2": m2,
        "rooms_n": rng.randrange(2, 7),
        "rooms": rng.choice(ROOMS),
        "day": day,
        "day2": day2,
        "week": rng.randrange(1, 53),
        "date": f"{rng.randrange(1, 29)}. {rng.choice(MONTHS)}",
        "hour": f"{rng.randrange(7, 16):02d}.{rng.choice(('00', '30'))}",
        "hour2": f"{rng.randrange(7, 16):02d}.{rng.choice(('00', '30'))}",
        "extra": rng.choice(EXTRAS),
        "price": f"{(m2 * rng.randrange(28, 55)) // 10 * 10:,}".replace(",", "."),
        "email": f"{first.lower()}.{last.lower()}@{rng.choice(MAIL_HOSTS)}",
        "phone": " ".join(f"{rng.randrange(10, 100)}" for _ in range(4)),
    }


def message(rng: random.Random, role: str) -> str:
    """One chat message: one sentence, or two about the same customer."""
    templates = USER if role == "user" else ASSISTANT
    slots = _slots(rng)
    count = 1 if rng.random() < 0.7 else 2
    return " ".join(rng.choice(templates).format(**slots) for _ in range(count))
