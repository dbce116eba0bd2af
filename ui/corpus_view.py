"""What the collection holds, for the page header and the Corpus page: plain functions of
the reports the index lists (so counts follow uploads and removals)."""

from __future__ import annotations

from collections import Counter

from assistant.records import ReportInfo
from assistant.text import join_names, readable
from assistant.text.dates import fieldwork_verb
from ui.views import esc, esc_markdown

CORPUS_COLUMNS = ["Force", "Report", "Type", "Inspected or reviewed", "Published", "Passages"]
_FORCES_NAMED = 8  # more than this many forces are counted, not listed


def _plural(kind: str, n: int) -> str:
    return kind if n == 1 else (kind[:-1] + "ies" if kind.endswith("y") else kind + "s")


def _year(r: ReportInfo) -> int | None:
    date = r.inspected or r.published
    return int(date[:4]) if date and date[:4].isdigit() else r.year


def collection_summary(reports: list[ReportInfo]) -> str:
    """One Markdown line: how many reports from which forces, of which kinds, from which years."""
    if not reports:
        return ("**The collection is empty.** Add reports on the Corpus page (or with `python -m ingest`), "
                "then ask about them.")
    forces = sorted({r.force for r in reports})
    named = join_names(forces) if len(forces) <= _FORCES_NAMED else f"{join_names(forces[:_FORCES_NAMED])} and " \
        f"{len(forces) - _FORCES_NAMED} more"
    kinds = Counter(r.report_type for r in reports)
    kinds_said = join_names([f"{n} {_plural(kind, n)}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])])
    years = sorted(y for y in (_year(r) for r in reports) if y)
    span = (f"; inspected or reviewed {years[0]}–{years[-1]}" if years and years[0] != years[-1]
            else f"; inspected or reviewed {years[0]}" if years else "")
    n = len(reports)
    return (f"**The collection:** {n} {_plural('report', n)} from {len(forces)} {_plural('force', len(forces))} "
            f"({esc_markdown(named)}): {esc_markdown(kinds_said)}{span}. Every sentence of an answer is cited to "
            "its report.")


def corpus_rows(reports: list[ReportInfo]) -> list[list]:
    """The reports as table rows (force, title, type, inspected, published, passages)."""
    return [[r.force, r.report_title, r.report_type, readable(r.inspected), readable(r.published), r.chunks]
            for r in reports]


def corpus_html(reports: list[ReportInfo]) -> str:
    """The reports as a table that wraps (never cut off) and stacks on a phone."""
    if not reports:
        return "<p>No reports yet.</p>"
    body = []
    for r in reports:
        inspected = f"{fieldwork_verb(r.report_type)} {readable(r.inspected)}" if r.inspected else "not stated"
        cells = [r.report_title, r.report_type, inspected, readable(r.published) or "not stated", r.chunks]
        tds = "".join(f"<td data-label=\"{esc(label)}\">{esc(value)}</td>" for label, value in zip(CORPUS_COLUMNS[1:], cells))
        body.append(f"<tr><th scope=\"row\" data-label=\"Force\">{esc(r.force)}</th>{tds}</tr>")
    head = "".join(f"<th scope=\"col\">{esc(c)}</th>" for c in CORPUS_COLUMNS)
    return (f"<table class=\"responsive\" id=\"corpus-reports\"><caption>{len(reports)} "
            f"{_plural('report', len(reports))} in the collection</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")
