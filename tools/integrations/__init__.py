"""Calendar and mail integrations behind small ports (`ports`).

Google adapters: `google_calendar.GoogleCalendar`, `gmail.GmailMailbox`, built from
`settings.GoogleSettings` by `settings.build_google_adapters`. Offline ones: `local`.
Only the ports and local adapters are re-exported here, so importing the package does not
load the Google client library.
"""

from tools.integrations.local import InMemoryCalendar, RecordingMailbox
from tools.integrations.ports import (
    CalendarEventRequest,
    CalendarPort,
    CreatedEvent,
    ErrorCode,
    HistoryExpiredError,
    HistoryPage,
    IntegrationError,
    MailboxPort,
    OutgoingMail,
    SentMail,
    calendar_event_id,
)

__all__ = [
    "CalendarEventRequest",
    "CalendarPort",
    "CreatedEvent",
    "ErrorCode",
    "HistoryExpiredError",
    "HistoryPage",
    "InMemoryCalendar",
    "IntegrationError",
    "MailboxPort",
    "OutgoingMail",
    "RecordingMailbox",
    "SentMail",
    "calendar_event_id",
]
