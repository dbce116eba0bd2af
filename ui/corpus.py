"""What the Corpus page shows: the reports the index holds, where each came from, and
whether answers use it (no Gradio here; cells are shown as text, never as HTML)."""

from __future__ import annotations

from assistant.records import ReportInfo
from ui.views import esc_markdown

CORPUS_HEADER = ["id", "force", "title", "type", "inspected", "published", "passages", "added", "status"]


def provenance(r: ReportInfo) -> str:
    """Where a report came from, in words: bundled, a path, or who uploaded which file when."""
    when = r.added_at[:16].replace("T", " ")
    if r.origin == "upload":
        by = f" by {r.added_by}" if r.added_by else ""
        return f"uploaded{by} {when} ({r.original_name})".strip()
    return {"bundled": "bundled", "path": "ingested from a path"}.get(r.origin, r.origin) + (f" {when}" if when else "")


def status(r: ReportInfo, reviewing: bool) -> str:
    return "awaiting review" if reviewing and not r.accepted else "in answers"


def corpus_rows(reports: list[ReportInfo], reviewing: bool) -> list[list]:
    """The Corpus table (a Dataframe shows cells as text, never as HTML)."""
    return [[r.doc_id, r.force or "(other document)", r.report_title, r.report_type, r.inspected or "",
             r.published or "", r.chunks, provenance(r), status(r, reviewing)] for r in reports]


def corpus_summary(reports: list[ReportInfo], reviewing: bool) -> str:
    """The page header's line about the corpus, as Markdown (escaped)."""
    served = [r for r in reports if r.accepted or not reviewing]
    forces = sorted({r.force for r in served if r.kind == "report"})
    documents = sum(r.kind == "document" for r in served)
    waiting = len(reports) - len(served)
    parts = [f"{sum(r.kind == 'report' for r in served)} reports ({esc_markdown(', '.join(forces)) or 'none yet'})"]
    if documents:
        parts.append(f"{documents} other document{'s' * (documents != 1)}")
    if waiting:
        parts.append(f"{waiting} upload{'s' * (waiting != 1)} awaiting review")
    return "; ".join(parts)


def report_choices(reports: list[ReportInfo]) -> list[tuple[str, str]]:
    """(label, id) pairs for the Remove / Accept picker."""
    return [(f"{r.force or 'Other document'} – {r.report_title} ({provenance(r)})", r.doc_id) for r in reports]
