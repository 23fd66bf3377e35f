"""Service, frequency and add-on codes used across RenOS.

The codes are stable identifiers (stored in the database, sent by the model in tool calls);
the Danish display names are what customers see. Keeping both in one place means a quote,
a booking and a lead mail all spell a service the same way.
"""

from __future__ import annotations

from enum import StrEnum


class ServiceType(StrEnum):
    """The six services the company sells (domain.md "Services")."""

    REGULAR = "regular"
    MOVING_OUT = "moving_out"
    DEEP = "deep"
    STANDARD = "standard"
    BUSINESS = "business"
    WINDOWS = "windows"

    @property
    def danish_name(self) -> str:
        """Customer-facing Danish name, e.g. "Flytterengøring"."""
        return _SERVICE_NAMES[self]


class Frequency(StrEnum):
    """How often a cleaning recurs; only `regular` uses anything but `once`."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    ONCE = "once"

    @property
    def danish_name(self) -> str:
        """Customer-facing Danish name, e.g. "hver 14. dag"."""
        return _FREQUENCY_NAMES[self]


class AddOn(StrEnum):
    """Extra tasks that can be added to a move-out cleaning (domain.md "Pricing")."""

    OVEN = "oven"
    FRIDGE = "fridge"
    WINDOWS = "windows"
    DESCALING = "descaling"

    @property
    def danish_name(self) -> str:
        """Customer-facing Danish name, lowercase so it reads well inside a sentence."""
        return _ADD_ON_NAMES[self]


_SERVICE_NAMES: dict[ServiceType, str] = {
    ServiceType.REGULAR: "Fast rengøring",
    ServiceType.MOVING_OUT: "Flytterengøring",
    ServiceType.DEEP: "Hovedrengøring",
    ServiceType.STANDARD: "Almindelig rengøring",
    ServiceType.BUSINESS: "Erhvervsrengøring",
    ServiceType.WINDOWS: "Vinduespudsning",
}

_FREQUENCY_NAMES: dict[Frequency, str] = {
    Frequency.WEEKLY: "hver uge",
    Frequency.BIWEEKLY: "hver 14. dag",
    Frequency.MONTHLY: "hver måned",
    Frequency.ONCE: "engangsopgave",
}

_ADD_ON_NAMES: dict[AddOn, str] = {
    AddOn.OVEN: "rengøring af ovn",
    AddOn.FRIDGE: "rengøring af køleskab",
    AddOn.WINDOWS: "vinduespudsning",
    AddOn.DESCALING: "afkalkning",
}

# Words customers and lead mails actually use, mapped to a code. Lead portals write the
# Danish names; the model may send the code or a close spelling of it.
_SERVICE_ALIASES: dict[str, ServiceType] = {
    "fast rengøring": ServiceType.REGULAR,
    "fast": ServiceType.REGULAR,
    "flytterengøring": ServiceType.MOVING_OUT,
    "flytning": ServiceType.MOVING_OUT,
    "hovedrengøring": ServiceType.DEEP,
    "dybderengøring": ServiceType.DEEP,
    "almindelig rengøring": ServiceType.STANDARD,
    "engangsopgave": ServiceType.STANDARD,
    "engangsrengøring": ServiceType.STANDARD,
    "erhvervsrengøring": ServiceType.BUSINESS,
    "kontorrengøring": ServiceType.BUSINESS,
    "vinduespudsning": ServiceType.WINDOWS,
}


def parse_service(value: str) -> ServiceType | None:
    """Map a code or a Danish service name to a `ServiceType`; None when it is unknown.

    Returning None (instead of a best guess) is deliberate: domain.md says an unknown service
    must lead to a question, never to a guessed price.
    """
    text = " ".join(value.strip().casefold().split())
    code = text.replace("-", "_").replace(" ", "_")
    try:
        return ServiceType(code)
    except ValueError:
        return _SERVICE_ALIASES.get(text)
