"""Evidence assistant for HMICFRS child protection inspection reports."""

from assistant import offline as _offline  # noqa: F401  (must run before any ML import)
from assistant.api import Assistant
from assistant.records import Answer, IngestReport, Passage, ReportInfo

__all__ = ["Assistant", "Answer", "IngestReport", "Passage", "ReportInfo"]
