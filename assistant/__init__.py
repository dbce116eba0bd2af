"""Evidence assistant for HMICFRS child protection inspection reports.

The pipeline, one folder a stage: ingest/ (files -> sections -> chunks) -> assistant/index/
(embedder, Chroma store, derived state) -> assistant/retrieve/ (query plan, hybrid search)
-> assistant/answer/ (gates, extractive or LLM answers, case studies, comparisons), with
`Assistant` (api.py) as the one public entry point. Records, settings, errors and text
handling (assistant/text/) sit below every stage.
"""

from assistant import offline as _offline  # noqa: F401  (must run before any ML import)
from assistant.errors import (AssistantError, IndexBusy, IngestError, InvalidRequest, LLMUnavailable, ModelNotFound,
                              StoreUnavailable)
from assistant.records import Answer, Draft, Filters, IngestReport, Passage, Query, ReportInfo

__all__ = [
    "Answer", "Assistant", "AssistantError", "Draft", "Filters", "IndexBusy", "IngestError", "IngestReport",
    "InvalidRequest", "LLMUnavailable", "ModelNotFound", "Passage", "Query", "ReportInfo", "StoreUnavailable",
]


def __getattr__(name: str):
    # The façade imports every stage; loaded on first use, so `import assistant.text` (from
    # ingest, or a unit test) stays light and never pulls the stages above it.
    if name == "Assistant":
        from assistant.api import Assistant

        return Assistant
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
