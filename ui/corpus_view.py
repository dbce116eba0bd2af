"""What the collection holds, for the page header and the Corpus page: plain functions of
the reports the index lists (so counts follow uploads, removals and reviews). No Gradio here;
everything from a report or a user is escaped."""

from __future__ import annotations

from collections import Counter

from assistant.records import ReportInfo
from assistant.text import join_names, readable
from assistant.text.dates import fieldwork_verb
from ui.views import esc, esc_markdown

CORPUS_COLUMNS = ["Force", "Report", "Type", "Inspected or reviewed", "Published", "Passages", "Added"]
_FORCES_NAMED = 8  # more than this many forces are counted, not listed


def _plural(kind: str, n: int) -> str:
    return kind if n == 1 else (kind[:-1] + "ies" if kind.endswith("y") else kind + "s")


def _year(r: ReportInfo) -> int | None:
    date = r.inspected or r.published
    return int(date[:4]) if date and date[:4].isdigit() else r.year


def provenance(r: ReportInfo) -> str:
    """Where a report came from, in words: bundled, a path, or who uploaded which file when."""
    when = r.added_at[:16].replace("T", " ")
    if r.origin == "upload":
        by = f" by {r.added_by}" if r.added_by else ""
        return f"uploaded{by} {when} ({r.original_name})".strip()
    return {"bundled": "bundled", "path": "ingested from a path"}.get(r.origin, r.origin) + (f" {when}" if when else "")


def status(r: ReportInfo, reviewing: bool) -> str:
    return "awaiting review" if reviewing and not r.accepted else "in answers"


def _served(reports: list[ReportInfo], reviewing: bool) -> list[ReportInfo]:
    return [r for r in reports if r.accepted or not reviewing]


def collection_summary(reports: list[ReportInfo], reviewing: bool = False) -> str:
    """One Markdown line: how many reports answers use, from which forces, of which kinds and
    years; other documents and uploads awaiting review counted apart."""
    served = _served(reports, reviewing)
    own = [r for r in served if r.counts_as_force]
    documents, waiting = len(served) - len(own), len(reports) - len(served)
    extras = ([f"{documents} other {_plural('document', documents)}"] if documents else []) + \
        ([f"{waiting} {_plural('upload', waiting)} awaiting review"] if waiting else [])
    also = f" Also: {esc_markdown(join_names(extras))}." if extras else ""
    if not reports:
        return ("**The collection is empty.** Add reports on the Corpus page (or with `python -m ingest`), "
                "then ask about them.")
    if not own:
        return ("**The collection has no inspection reports in answers yet.** Add reports on the Corpus page (or with "
                "`python -m ingest`), then ask about them." + also)
    forces = sorted({r.force for r in own})
    named = join_names(forces) if len(forces) <= _FORCES_NAMED else f"{join_names(forces[:_FORCES_NAMED])} and " \
        f"{len(forces) - _FORCES_NAMED} more"
    kinds = Counter(r.report_type for r in own)
    kinds_said = join_names([f"{n} {_plural(kind, n)}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])])
    years = sorted(y for y in (_year(r) for r in own) if y)
    span = (f"; inspected or reviewed {years[0]}–{years[-1]}" if years and years[0] != years[-1]
            else f"; inspected or reviewed {years[0]}" if years else "")
    n = len(own)
    return (f"**The collection:** {n} {_plural('report', n)} from {len(forces)} {_plural('force', len(forces))} "
            f"({esc_markdown(named)}): {esc_markdown(kinds_said)}{span}. Every sentence of an answer is cited to "
            f"its report.{also}")


def corpus_rows(reports: list[ReportInfo], reviewing: bool = False) -> list[list]:
    """The reports as plain rows (id, force, title, type, inspected, published, passages,
    added, status): for exports and tests; the page shows `corpus_html`."""
    return [[r.doc_id, r.force if r.counts_as_force else "(other document)", r.report_title, r.report_type,
             r.inspected or "", r.published or "", r.chunks, provenance(r), status(r, reviewing)] for r in reports]


def corpus_html(reports: list[ReportInfo], reviewing: bool = False) -> str:
    """The reports as a table that wraps (never cut off) and stacks on a phone; uploads and
    other documents say so, and with review on, whether answers use each one yet."""
    if not reports:
        return "<p>No reports yet.</p>"
    columns = CORPUS_COLUMNS + (["Status"] if reviewing else [])
    body = []
    for r in reports:
        inspected = f"{fieldwork_verb(r.report_type)} {readable(r.inspected)}" if r.inspected else "not stated"
        cells = [r.report_title, r.report_type, inspected, readable(r.published) or "not stated", r.chunks,
                 provenance(r)] + ([status(r, reviewing)] if reviewing else [])
        tds = "".join(f"<td data-label=\"{esc(label)}\">{esc(value)}</td>" for label, value in zip(columns[1:], cells))
        who = esc(r.who)
        body.append(f"<tr><th scope=\"row\" data-label=\"Force\">{who}</th>{tds}</tr>")
    head = "".join(f"<th scope=\"col\">{esc(c)}</th>" for c in columns)
    return (f"<table class=\"responsive\" id=\"corpus-reports\"><caption>{len(reports)} "
            f"{_plural('report', len(reports))} in the collection</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def report_choices(reports: list[ReportInfo]) -> list[tuple[str, str]]:
    """(label, id) pairs for the Remove / Accept picker (a dropdown shows labels as text)."""
    return [(f"{r.who} – {r.report_title} ({provenance(r)})", r.doc_id)
            for r in reports]
