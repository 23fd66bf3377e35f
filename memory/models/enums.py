"""The vocabularies stored in the database (domain.md and scenarios.md)."""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    STAFF = "staff"
    OWNER = "owner"
    EVALUATOR = "evaluator"


class LeadSource(StrEnum):
    RENGOERING_NU = "rengoering_nu"  # via Leadmail.no
    RENGOERING_AARHUS = "rengoering_aarhus"  # via Leadpoint.dk
    ADHELP = "adhelp"
    WEBSITE = "website"
    DIRECT = "direct"
    UNKNOWN = "unknown"


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUOTED = "quoted"
    WON = "won"
    LOST = "lost"


class Service(StrEnum):
    REGULAR = "regular"
    MOVING_OUT = "moving_out"
    DEEP = "deep"
    STANDARD = "standard"
    BUSINESS = "business"
    WINDOWS = "windows"


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    ONCE = "once"


class BookingStatus(StrEnum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class ChatChannel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    CLI = "cli"
    EVAL = "eval"


class MessageRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"
    SYSTEM = "system"


class TaskStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DENIED = "denied"
    PENDING_APPROVAL = "pending_approval"


class InboundStatus(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    REPLIED = "replied"
    DRAFTED = "drafted"
    ESCALATED = "escalated"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"
    FAILED = "failed"


class OutboundStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    REJECTED = "rejected"
    FAILED = "failed"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class EscalationStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
