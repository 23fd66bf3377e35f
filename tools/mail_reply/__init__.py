"""The company's replies to inbound mail: fixed Danish and English texts around the facts."""

from tools.mail_reply.compose import ReplyFacts, compose_reply, format_slot, reply_subject
from tools.mail_reply.templates import TEMPLATES

__all__ = ["TEMPLATES", "ReplyFacts", "compose_reply", "format_slot", "reply_subject"]
