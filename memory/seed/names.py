"""Synthetic Danish people and places for the demo data (Aarhus/Randers area).

Street names are ordinary Danish street names of the area; house numbers, names, phone
numbers and e-mail addresses are combined at random, so no record describes a real person.
E-mail addresses only ever use the reserved example domains (RFC 2606) and subdomains of
them, never a real mail provider.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

FIRST_NAMES: tuple[str, ...] = (
    "Mette", "Anne", "Lene", "Camilla", "Sofie", "Louise", "Birgit", "Hanne", "Maria",
    "Karen", "Signe", "Ida", "Julie", "Pia", "Tina", "Helle", "Rikke", "Marianne", "Line",
    "Freja", "Astrid", "Charlotte", "Susanne", "Nanna", "Jens", "Ole", "Torben", "Jonas",
    "Lars", "Søren", "Mikkel", "Anders", "Henrik", "Morten", "Kasper", "Rasmus", "Peter",
    "Niels", "Thomas", "Frederik", "Mads", "Christian", "Bo", "Jesper", "Emil", "Esben",
    "Martin", "Jørgen", "Kim", "Simon",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen",
    "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
    "Thomsen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Mikkelsen",
    "Brandt", "Winther", "Nørgaard", "Hald", "Riis", "Dalgaard", "Skov", "Bech", "Lund",
    "Holm", "Kjær", "Vestergaard", "Bak", "Damgaard", "Lauridsen", "Frandsen", "Bruun",
    "Søndergaard", "Østergaard", "Overgaard", "Kristiansen", "Iversen", "Toft",
)  # fmt: skip

# Postcode -> (town, streets). Only the Aarhus and Randers area the company serves.
PLACES: dict[str, tuple[str, tuple[str, ...]]] = {
    "8000": ("Aarhus C", ("Fredensgade", "Mejlgade", "Nørre Allé", "Jægergårdsgade",
                          "Klostergade", "Marselis Boulevard", "Værkmestergade", "Bruunsgade")),
    "8200": ("Aarhus N", ("Randersvej", "Trøjborgvej", "Nordre Ringgade", "Katrinebjergvej",
                          "Tordenskjoldsgade")),
    "8210": ("Aarhus V", ("Viborgvej", "Herredsvej", "Vestergårdsvej", "Lokesvej")),
    "8220": ("Brabrand", ("Gudrunsvej", "Byleddet", "Skjoldhøjvej", "Søvejen")),
    "8230": ("Åbyhøj", ("Åbyvej", "Tinghøjvej", "Rolighedsvej", "Silkeborgvej")),
    "8240": ("Risskov", ("Fuglsangs Allé", "Grenåvej", "Bjørnholms Allé", "Rymarksvej")),
    "8260": ("Viby J", ("Skanderborgvej", "Ormslevvej", "Kongevejen", "Rosenvangs Allé")),
    "8270": ("Højbjerg", ("Holme Byvej", "Oddervej", "Rundhøj Allé", "Bjødstrupvej")),
    "8380": ("Trige", ("Ølstedvej", "Bakkegårdsvej", "Tingvej")),
    "8381": ("Tilst", ("Tilst Skolevej", "Bavnehøjvej", "Kappelvej")),
    "8520": ("Lystrup", ("Elsøvej", "Lystrup Centervej", "Bygaden")),
    "8541": ("Skødstrup", ("Skødstrup Skolevej", "Grenåvej", "Kalsbøllevej")),
    "8900": ("Randers C", ("Skolegade", "Vestergade", "Østervold", "Brødregade", "Middelgade")),
    "8920": ("Randers NV", ("Hobrovej", "Nordbyvej", "Vorup Boulevard")),
    "8930": ("Randers NØ", ("Mariagervej", "Assentoftvej", "Grenåvej")),
    "8940": ("Randers SV", ("Viborgvej", "Langåvej", "Romalt Bakke")),
    "8960": ("Randers SØ", ("Paderupvej", "Hadsundvej", "Ryesgade")),
}  # fmt: skip

COMPANIES: tuple[str, ...] = (
    "Kontorhuset ApS", "Nordlys Revision ApS", "Bakkegården Tandklinik", "Aros Arkitekter",
    "Gudenå Fysioterapi", "Mols Ejendomsservice", "Trige Auto ApS", "Randers Regnskab I/S",
    "Vestergade Optik", "Lystrup Tømrerfirma", "Frisør Klip & Krøl", "Åbyhøj Dyreklinik",
    "Risskov Advokatkontor", "Havnens Café ApS",
)  # fmt: skip

EXAMPLE_DOMAINS: tuple[str, ...] = (
    "example.dk", "example.dk", "example.dk", "example.com", "example.net", "mail.example.dk",
)  # fmt: skip
COMPANY_DOMAIN = "firma.example.dk"

_MOBILE_PREFIXES = (*(str(n) for n in range(20, 32)), "40", "41", "42", "50", "51", "52", "53",
                    "60", "61", "71", "81", "91", "93")  # fmt: skip
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "u"})


@dataclass(frozen=True, slots=True)
class Person:
    """A synthetic customer: a private person, or a contact person at a company."""

    first: str
    last: str
    email: str
    phone: str  # as the customer wrote it: formats vary on purpose
    street: str  # street and number, possibly with floor and side
    postcode: str
    town: str
    company: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.town}"

    @property
    def customer_name(self) -> str:
        return f"{self.company} v/ {self.name}" if self.company else self.name


def ascii_fold(text: str) -> str:
    """Lowercase ASCII for mail local parts and domains (æ→ae, ø→oe, å→aa)."""
    return re.sub(r"[^a-z0-9]+", "", text.lower().translate(_FOLD))


def format_phone(digits: str, style: int) -> str:
    """An 8-digit Danish number in one of the formats customers really write."""
    d = digits
    styles = (
        f"+45 {d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
        d,
        f"{d[:4]} {d[4:]}",
        f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
        f"+45{d}",
        f"+45 {d[:4]} {d[4:]}",
        f"+45 {d}",
    )
    return styles[style % len(styles)]


def random_phone(rng: random.Random) -> str:
    digits = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(1_000_000):06d}"
    return format_phone(digits, rng.randrange(7))


def random_street(rng: random.Random, postcode: str, *, flat: bool) -> str:
    street = f"{rng.choice(PLACES[postcode][1])} {rng.randint(1, 140)}"
    if flat:
        street += f", {rng.randint(1, 4)}. {rng.choice(('th', 'tv', 'mf'))}"
    return street


def _private_email(rng: random.Random, first: str, last: str) -> str:
    f, la = ascii_fold(first), ascii_fold(last)
    local = rng.choice((f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{f}.{la}{rng.randint(1, 99)}"))
    return f"{local}@{rng.choice(EXAMPLE_DOMAINS)}"


def _company_email(rng: random.Random, first: str, company: str) -> str:
    slug = ascii_fold(company.removesuffix(" ApS").removesuffix(" I/S"))
    if rng.random() < 0.3:
        return f"{ascii_fold(first)}.{slug}@{COMPANY_DOMAIN}"
    return f"{rng.choice((ascii_fold(first), 'kontakt', 'info'))}@{slug}.example.dk"


class PersonFactory:
    """Draws distinct people (no repeated name, e-mail or company) from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._names: set[tuple[str, str]] = set()
        self._emails: set[str] = set()
        self._companies: list[str] = list(COMPANIES)
        rng.shuffle(self._companies)
        self._next_company = 0

    def _company(self, last: str) -> str:
        if self._next_company < len(self._companies):
            self._next_company += 1
            return self._companies[self._next_company - 1]
        return f"{last} Consult ApS"

    def make(self, *, company: bool, flat: bool) -> Person:
        rng = self._rng
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if (first, last) in self._names:
                continue
            firm = self._company(last) if company else None
            email = _company_email(rng, first, firm) if firm else _private_email(rng, first, last)
            if email in self._emails:
                continue
            self._names.add((first, last))
            self._emails.add(email)
            postcode = rng.choice(tuple(PLACES))
            return Person(
                first=first,
                last=last,
                email=email,
                phone=random_phone(rng),
                street=random_street(rng, postcode, flat=flat),
                postcode=postcode,
                town=PLACES[postcode][0],
                company=firm,
            )
