"""Auto-reply policy for inbound mail: pure rules, all facts passed in, no I/O."""

from tools.mail_policy.automation import AutomationReason, InboundFacts, automation_reason
from tools.mail_policy.conflict import ConflictGrade, Severity, grade_conflict
from tools.mail_policy.decision import Decision, Reason, decide
from tools.mail_policy.outgoing import OutgoingCode, QuoteFigures, Violation, check_outgoing
from tools.mail_policy.tools_scope import EMAIL_CHANNEL_TOOLS, email_tool_permission

__all__ = [
    "EMAIL_CHANNEL_TOOLS",
    "AutomationReason",
    "ConflictGrade",
    "Decision",
    "InboundFacts",
    "OutgoingCode",
    "QuoteFigures",
    "Reason",
    "Severity",
    "Violation",
    "automation_reason",
    "check_outgoing",
    "decide",
    "email_tool_permission",
    "grade_conflict",
]
