"""GDPR: finding, exporting and erasing one person's data, and the retention purge."""

from memory.gdpr.erase import ERASED_TEXT, ErasureReport, erase
from memory.gdpr.export import export
from memory.gdpr.purge import PurgeReport, purge
from memory.gdpr.subject import Subject, find_subject, redaction_marker

__all__ = [
    "ERASED_TEXT",
    "ErasureReport",
    "PurgeReport",
    "Subject",
    "erase",
    "export",
    "find_subject",
    "purge",
    "redaction_marker",
]
