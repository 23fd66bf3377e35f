"""Every table, imported together so the metadata is complete for migrations."""

from memory.models.audit import TaskExecution
from memory.models.base import Base
from memory.models.chat import EMBEDDING_DIMENSION, ChatMessage, ChatSession
from memory.models.crm import Customer, Lead
from memory.models.events import ChatEvent, ChatTurn
from memory.models.limits import RateLimitWindow
from memory.models.mail import Escalation, InboundEmail, MailboxSyncState, OutboundEmail
from memory.models.staff import ApiToken, StaffUser
from memory.models.work import Booking, Quote

__all__ = [
    "EMBEDDING_DIMENSION",
    "ApiToken",
    "Base",
    "Booking",
    "ChatEvent",
    "ChatMessage",
    "ChatSession",
    "ChatTurn",
    "Customer",
    "Escalation",
    "InboundEmail",
    "Lead",
    "MailboxSyncState",
    "OutboundEmail",
    "Quote",
    "RateLimitWindow",
    "StaffUser",
    "TaskExecution",
]
