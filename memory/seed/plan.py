"""The shape of the demo data set, independent of the clock.

Everything random is drawn here, from one fixed seed, before any date is known; ``now`` only
shifts the result in time. So every run plans the same leads, and record ids (derived from
the plan's numbering) are the same on every run. How long a job takes comes from the injected
pricing rules (see ``memory.seed.ports``), never from arithmetic of its own.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

from memory.models.enums import Frequency, LeadSource, LeadStatus, QuoteStatus, Service
from memory.seed.names import Person, PersonFactory
from memory.seed.ports import DemoPricing

SEED = 20261201

S, LS, F, Q = Service, LeadStatus, Frequency, QuoteStatus
_H, _D = timedelta(hours=1), timedelta(days=1)
# Fresh leads, so response-speed scores vary: ≤1 h, ≤4 h, ≤24 h and ≤72 h old.
_FRESH_AGES = tuple(timedelta(minutes=m) for m in (10, 25, 48, 120, 210, 540, 960, 1380, 1680,
                                                   2400, 3300, 4200))  # fmt: skip
# (age range in days, statuses) per band; the fresh band uses _FRESH_AGES.
_BANDS: tuple[tuple[tuple[float, float], tuple[LeadStatus, ...]], ...] = (
    ((0, 3), (LS.NEW,) * 9 + (LS.CONTACTED,) * 3),
    ((3.2, 10), (LS.CONTACTED,) * 4 + (LS.QUOTED,) * 5 + (LS.NEW,)),
    ((10.5, 29), (LS.QUOTED,) * 6 + (LS.WON,) * 8 + (LS.LOST,) * 4),
    ((33, 60), (LS.WON,) * 10 + (LS.LOST,) * 6),
)
# What the 18 won customers bought: (service, frequency, visits per week; 0 = one-off).
_WON_KINDS: tuple[tuple[Service, Frequency, int], ...] = (
    *[(S.REGULAR, F.WEEKLY, 1)] * 5,
    (S.BUSINESS, F.WEEKLY, 1),
    (S.BUSINESS, F.WEEKLY, 2),
    *[(S.REGULAR, F.BIWEEKLY, 1)] * 4,
    (S.MOVING_OUT, F.ONCE, 0), (S.MOVING_OUT, F.ONCE, 0), (S.DEEP, F.ONCE, 0),
    (S.DEEP, F.ONCE, 0), (S.STANDARD, F.ONCE, 0), (S.WINDOWS, F.MONTHLY, 0),
    (S.WINDOWS, F.ONCE, 0),
)  # fmt: skip
_OTHER_SERVICES = ((S.REGULAR,) * 6 + (S.MOVING_OUT,) * 4 + (S.DEEP,) * 3 + (S.STANDARD,) * 3
                   + (S.BUSINESS, S.BUSINESS, S.WINDOWS, S.WINDOWS))  # fmt: skip
_SOURCES = {LeadSource.RENGOERING_NU: 14, LeadSource.RENGOERING_AARHUS: 11,
            LeadSource.ADHELP: 9, LeadSource.WEBSITE: 15, LeadSource.DIRECT: 13}  # fmt: skip
# Property type -> (m² range, rooms range).
_HOMES = {"lejlighed": ((35, 115), (1, 4)), "rækkehus": ((70, 140), (3, 5)),
          "villa": ((120, 320), (4, 9)), "parcelhus": ((110, 220), (4, 7))}  # fmt: skip
_BUSINESS = {"kontor": ((80, 450), (2, 15)), "butik": ((50, 200), (1, 4)),
             "klinik": ((60, 180), (3, 8))}  # fmt: skip
_LARGEST_M2 = max(m2[1] for m2, _ in (*_HOMES.values(), *_BUSINESS.values()))
_SIZE_JITTER_M2 = 15
_NOTES = ("Vi har en hund.", "Vi har to katte.", "Parkering i gården.",
          "Nøglen kan hentes hos naboen.", None, None)  # fmt: skip
_NOTES_BY_KIND = {
    "moving_out": ("Boligen skal afleveres til udlejer.", "Ovnen er gjort ren i forvejen."),
    "business": ("Rengøring efter lukketid.", "Alarmkode aftales ved opstart."),
    "recurring": ("Gerne samme faste person hver gang.",),
    "lejlighed": ("Der er ingen elevator.",),
}
REPEAT_LEADS = 6
DEMO_NAMESPACE = uuid.UUID("9b1f3c52-6d0e-4f7a-8c21-5e4d3a2b1c0f")
PENDING_LEADS = 3


@dataclass(frozen=True, slots=True)
class LeadSpec:
    n: int
    customer: int  # index of the customer (person) this lead belongs to
    person: Person
    source: LeadSource
    status: LeadStatus
    service: Service
    frequency: Frequency
    visits_per_week: int  # 0 for a one-off job
    property_type: str
    area_m2: int | None  # None: the customer did not say (we must ask, not guess)
    rooms: int | None
    age: timedelta  # how long before `now` the lead arrived
    wanted_in_days: int  # the wanted date, days after arrival
    note: str | None
    quote: QuoteStatus | None
    tentative_booking: bool = False
    pending: bool = False  # its lead mail still waits for the responder (status received)

    @property
    def visits_per_month(self) -> int:
        if self.frequency is F.BIWEEKLY:
            return 2
        if self.frequency is F.MONTHLY:
            return 1
        return 4 * self.visits_per_week if self.visits_per_week else 1


@dataclass(frozen=True, slots=True)
class DemoPlan:
    people: tuple[Person, ...]
    leads: tuple[LeadSpec, ...]


def demo_id(kind: str, key: object) -> uuid.UUID:
    """The stable id of one demo record: the same on every run, so a second run finds it."""
    return uuid.uuid5(DEMO_NAMESPACE, f"renos-demo:{kind}:{key}")


def _days(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=round(rng.uniform(low, high) * 86400))


def _area(
    rng: random.Random, pricing: DemoPricing, service: Service, prop: str, *, max_hours: int | None
) -> int:
    """A plausible size for the property; a booked job is capped to ``max_hours`` on site."""
    low, high = {**_HOMES, **_BUSINESS}[prop][0]
    area = rng.randint(low, high)
    if max_hours is not None:
        limit = _largest_area_within(pricing, service, max_hours)
        area = min(area, limit - rng.randint(0, _SIZE_JITTER_M2))
    return max(area, 30)


def _largest_area_within(pricing: DemoPricing, service: Service, max_hours: int) -> int:
    """The largest area whose quote keeps the team at most ``max_hours`` on site. Quoted hours
    grow with the area, so a binary search finds it; the search stops above the largest
    property the plan draws, where a cap no longer changes anything."""
    fits, too_big = 0, _LARGEST_M2 + _SIZE_JITTER_M2 + 1
    while too_big - fits > 1:
        mid = (fits + too_big) // 2
        if pricing.figures(service, mid).hours_on_site <= max_hours:
            fits = mid
        else:
            too_big = mid
    return fits


def _note(rng: random.Random, service: Service, prop: str, per_week: int) -> str | None:
    if service is S.BUSINESS:
        return rng.choice((*_NOTES_BY_KIND["business"], None))
    options = [*_NOTES, *_NOTES_BY_KIND.get(service.value, ()), *_NOTES_BY_KIND.get(prop, ())]
    if per_week:
        options.extend(_NOTES_BY_KIND["recurring"])
    return rng.choice(options)


def _quote(status: LeadStatus, band: int, rng: random.Random) -> QuoteStatus | None:
    if status is LS.QUOTED:
        return Q.SENT
    if status is LS.WON:
        return Q.ACCEPTED
    if status is LS.LOST:
        return rng.choice(
            (Q.EXPIRED, Q.EXPIRED, Q.DECLINED, None)
            if band == 3
            else (Q.DECLINED, Q.DECLINED, None)
        )
    return None


def build_plan(pricing: DemoPricing) -> DemoPlan:
    rng = random.Random(SEED)
    rows: list[tuple[int, timedelta, LeadStatus]] = []
    for band, ((low, high), statuses) in enumerate(_BANDS):
        ages = list(_FRESH_AGES) if band == 0 else [_days(rng, low, high) for _ in statuses]
        ages.sort()
        picked = list(statuses)
        if band > 0:
            rng.shuffle(picked)
        rows.extend((band, age, st) for age, st in zip(ages, picked, strict=True))
    # Popped youngest lead first: the recurring customers go to the oldest won leads, so their
    # visits can reach back into the past weeks.
    recurring = [k for k in _WON_KINDS if k[2]]
    one_off = [k for k in _WON_KINDS if not k[2]]
    rng.shuffle(recurring)
    rng.shuffle(one_off)
    won_kinds = recurring + one_off
    factory = PersonFactory(rng)
    people: list[Person] = []
    leads: list[LeadSpec] = []
    drafts_left = {LS.CONTACTED: 3, LS.NEW: 6}
    for n, (band, age, status) in enumerate(rows):
        service, freq, per_week = (
            won_kinds.pop() if status is LS.WON else (rng.choice(_OTHER_SERVICES), F.ONCE, 0)
        )
        if status is not LS.WON and service in (S.REGULAR, S.BUSINESS):
            freq, per_week = rng.choice(((F.WEEKLY, 1), (F.BIWEEKLY, 1), (F.MONTHLY, 1)))
        business = service is S.BUSINESS or (service is S.WINDOWS and rng.random() < 0.3)
        prop = rng.choice(tuple(_BUSINESS if business else _HOMES))
        person = factory.make(company=business, flat=prop == "lejlighed")
        unknown_size = (status is LS.NEW and n in (1, 6)) or (status is LS.CONTACTED and n == 11)
        # Booked visits last 2–6 hours; a weekly visit at most 3, so the team can do two a day.
        cap = (3 if per_week else 6) if status is LS.WON else None
        area = None if unknown_size else _area(rng, pricing, service, prop, max_hours=cap)
        low, high = {**_HOMES, **_BUSINESS}[prop][1]
        rooms = None if area is None else min(max(area // 30 + rng.randint(-1, 1), low), high)
        quote = _quote(status, band, rng)
        pending = status is LS.NEW and n < PENDING_LEADS
        drafts = drafts_left.get(status, 0)
        if quote is None and drafts and area is not None and not pending:
            drafts_left[status] -= 1
            quote = Q.DRAFT
        people.append(person)
        leads.append(
            LeadSpec(
                n=n,
                customer=len(people) - 1,
                person=person,
                source=LeadSource.DIRECT,
                status=status,
                service=service,
                frequency=freq,
                visits_per_week=per_week,
                property_type=prop,
                area_m2=area,
                rooms=rooms,
                age=age,
                wanted_in_days=rng.randint(3, 21),
                note=_note(rng, service, prop, per_week),
                quote=quote,
                pending=pending,
            )
        )
    return DemoPlan(people=tuple(people), leads=tuple(_assign_sources(rng, pricing, leads)))


def _assign_sources(
    rng: random.Random, pricing: DemoPricing, leads: list[LeadSpec]
) -> list[LeadSpec]:
    """Returning customers write directly; businesses mostly arrive through AdHelp; the rest
    of each source's share is spread at random. Then a few returning customers are added."""
    old_won = [s for s in leads if s.status is LS.WON and s.age > 30 * _D]
    repeat_of = rng.sample(old_won, REPEAT_LEADS)
    quoted = [
        s
        for s in leads
        if s.quote is Q.SENT
        and s.area_m2 is not None
        and pricing.figures(s.service, s.area_m2).hours_on_site <= 6
    ]
    tentative = {s.n for s in rng.sample(quoted, 4)}
    pool: list[LeadSource] = []
    for source, count in _SOURCES.items():
        left = count - (REPEAT_LEADS if source is LeadSource.DIRECT else 0)
        pool.extend([source] * left)
    rng.shuffle(pool)
    for spec in sorted(leads, key=lambda s: s.service is not S.BUSINESS):
        if spec.service is S.BUSINESS and LeadSource.ADHELP in pool:
            pool.remove(LeadSource.ADHELP)
            source = LeadSource.ADHELP
        else:
            source = pool.pop()
        leads[spec.n] = replace(spec, source=source, tentative_booking=spec.n in tentative)
    # The repeat leads arrive later than the original (≤ 29 days old) and want windows done.
    ages = sorted(_days(rng, 0.5, 29) for _ in range(REPEAT_LEADS))
    statuses = (LS.NEW, LS.CONTACTED, LS.QUOTED, LS.WON, LS.LOST, LS.QUOTED)
    for i, (orig, age, status) in enumerate(zip(repeat_of, ages, statuses, strict=True)):
        leads.append(
            replace(
                orig,
                n=len(leads),
                source=LeadSource.DIRECT,
                status=status,
                service=S.WINDOWS,
                frequency=F.ONCE,
                visits_per_week=0,
                age=age,
                wanted_in_days=7 + i,
                note="Vi har haft jer før og var glade for det.",
                quote=_quote(status, 2, rng),
                tentative_booking=False,
            )
        )
    return leads
