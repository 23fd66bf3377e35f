"""Inbound mail: robust MIME parsing and lead-relay recognition (pure, no I/O)."""

from __future__ import annotations

from tools.mail.mime import Attachment, MailHeaders, ParsedMail, html_to_text, parse_message
from tools.mail.relays import (
    LeadFields,
    LeadSource,
    customer_address,
    detect_source,
    parse_lead_fields,
    review_reasons,
)

__all__ = [
    "Attachment",
    "LeadFields",
    "LeadSource",
    "MailHeaders",
    "ParsedMail",
    "customer_address",
    "detect_source",
    "html_to_text",
    "parse_lead_fields",
    "parse_message",
    "review_reasons",
]
