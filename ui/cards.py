"""Case-study cards (trainers) and the force comparison (researchers), as escaped HTML and
CSV: plain functions of the records.

Tables read on a phone: below 700 px each row becomes a block whose cells carry their column
name (the CSS is in ui/layout.py), so no column is cut off.
"""

from __future__ import annotations

from assistant.answer import NO_EVIDENCE
from assistant.answer.findings import case_root
from assistant.records import AnswerSentence, CaseStudy, Comparison, Finding
from assistant.text import report_dates, report_label, to_csv
from ui import views

CASE_HEADER = ["title", "force", "report", "report type", "inspected or reviewed", "published", "themes",
               "why it matched", "provenance", "section", "case text"]
COMPARE_HEADER = ["force", "reports", "evidence found", "key findings", "sources"]


def _finding_it_illustrates(section: str) -> str:
    """The heading a case sits under (the finding it illustrates), if any."""
    parts = case_root(section).split(" > ")
    return " > ".join(parts[:-1])


def _marks(c: CaseStudy) -> tuple[str, ...]:
    """'uploaded' for a case from an uploaded report (cases come from reports only)."""
    return c.passages[0].marks if c.passages else ()


def case_rows(cases: list[CaseStudy]) -> list[list[object]]:
    return [[c.title, c.force, c.report_title, c.report_type, c.inspected or "", c.published or "",
             "; ".join(c.themes), "; ".join(c.matched), "; ".join(_marks(c)), c.section, views.shown(c.text)]
            for c in cases]


def cases_csv(cases: list[CaseStudy]) -> str:
    return to_csv(CASE_HEADER, case_rows(cases))


def cases_html(cases: list[CaseStudy]) -> str:
    """Case studies as cards: what happened (title), where it comes from with both dates, its
    themes, why it matched the topic, and the whole case text."""
    cards = []
    for n, c in enumerate(cases, start=1):
        label = report_label(c.report_type, c.inspected, c.published)
        tags = "".join(f"<li class=\"tag\">{views.esc(t)}</li>" for t in c.themes)
        why = ", ".join(f"“{views.esc(m)}”" for m in c.matched)
        under = _finding_it_illustrates(c.section)
        paragraphs = "".join(f"<p>{views.esc(p)}</p>" for p in views.shown(c.text).split("\n") if p.strip())
        cards.append(
            f"<article class=\"case\" id=\"case-{n}\" aria-labelledby=\"case-{n}-title\">"
            f"<h3 id=\"case-{n}-title\">{n}. {views.esc(c.title)}</h3>"
            f"<p class=\"case-source\"><b>{views.esc(c.force)}</b> — {views.esc(c.report_title)}{views.badges(_marks(c))} · "
            f"<span class=\"dates\">{views.esc(label)}</span></p>"
            + (f"<p class=\"case-why\"><b>Why this matched:</b> {why}</p>" if why else "")
            + (f"<ul class=\"tags\" aria-label=\"Themes\">{tags}</ul>" if tags else "")
            + (f"<p class=\"case-under\">Illustrates: {views.esc(under)}</p>" if under else "")
            + f"<div class=\"case-text\">{paragraphs}</div></article>"
        )
    return f"<div class=\"cases\">{''.join(cards)}</div>"


# -- comparison ----------------------------------------------------------------------------


def _quotes_html(quotes: list[AnswerSentence], key: str) -> str:
    """Whole sentences as paragraphs; a list's items as one list under their lead-in; each
    line with its citation marker."""
    out, items = [], []

    def flush() -> None:
        if items:
            out.append(f"<ul>{''.join(items)}</ul>")
            items.clear()

    for i, q in enumerate(quotes):
        markers = " ".join(views.cite_link(n, key, f"{key}-m{i}-{j}") for j, n in enumerate(q.citations))
        line = f"{views.esc(q.text)} {markers}"
        if q.list_item:
            items.append(f"<li>{line}</li>")
        else:
            flush()
            out.append(f"<p>{line}</p>")
    flush()
    return "".join(out)


def _legacy_quotes(row: Finding) -> list[AnswerSentence]:
    """Rows built without structured quotes: their "text [n]" sentences."""
    quotes = []
    for sentence in row.sentences:
        text, _, marker = sentence.rpartition(" [")
        number = marker.rstrip("]")
        quotes.append(AnswerSentence(text, (int(number),) if number.isdigit() else (), row.force))
    return quotes


def _reports_cell(row: Finding) -> str:
    if row.coverage:
        items = [f"<li>{views.esc(e.report_title)}<br><span class=\"dates\">"
                 f"{views.esc(report_label(e.report_type, e.inspected, e.published))}</span></li>" for e in row.coverage]
    else:
        items = [f"<li>{views.esc(title)}</li>" for title in row.reports]
    return f"<ul class=\"reports\">{''.join(items)}</ul>"


def comparison_html(comparison: Comparison) -> str:
    """One row per force (its reports with their dates, its key findings or plainly none),
    then the sources, each opening in place with its passage text."""
    key = "cmp"
    body = []
    for row in comparison.rows:
        if row.found:
            finding = _quotes_html(row.quotes or _legacy_quotes(row), key)
        else:
            finding = f"<p class=\"no-evidence\"><em>{views.esc(NO_EVIDENCE)}</em></p>"
        body.append(
            f"<tr class=\"{'found' if row.found else 'missing'}\"><th scope=\"row\" data-label=\"Force\">"
            f"{views.esc(row.force)}</th><td data-label=\"Reports\">{_reports_cell(row)}</td>"
            f"<td data-label=\"Key findings\">{finding}</td></tr>"
        )
    notes = "".join(f"<p class=\"note\"><em>{views.esc(note)}</em></p>" for note in comparison.notes)
    cited = {n: [q.text for r in comparison.rows for q in r.quotes if n in q.citations]
             for n in range(1, len(comparison.citations) + 1)}
    sources = "".join(
        f"<details class=\"src\" id=\"{views.source_anchor(n, key)}\"><summary>{views.source_summary(n, p)}</summary>"
        f"<div class=\"src-text\">{views.highlight(views.shown(p.text), cited[n]).replace(chr(10), '<br>')}</div>"
        f"<a class=\"back\" href=\"#{key}\">Back to the table</a></details>"
        for n, p in enumerate(comparison.citations, start=1)
    )
    theme = views.esc(comparison.theme)
    return (
        f"<div class=\"comparison\" id=\"{key}\" tabindex=\"-1\">{notes}<div class=\"table-wrap\">"
        f"<table class=\"responsive\"><caption>Key findings on “{theme}”, one row per force</caption>"
        f"<thead><tr><th scope=\"col\">Force</th><th scope=\"col\">Reports</th>"
        f"<th scope=\"col\">Key findings</th></tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        + (f"<div class=\"sources\"><p class=\"sources-title\"><b>Sources</b></p>{sources}</div>" if sources else "")
        + "</div>"
    )


def _source_line(n: int, comparison: Comparison) -> str:
    p = comparison.citations[n - 1]
    marks = "".join(f" [{m}]" for m in p.marks)
    return f"[{n}] {p.report_title} ({report_dates(p.report_type, p.inspected, p.published)}){marks} – {p.section}"


def comparison_csv(comparison: Comparison) -> str:
    rows = []
    for row in comparison.rows:
        sources = "; ".join(_source_line(n, comparison) for n in row.citations)
        reports = "; ".join(f"{e.report_title} ({report_label(e.report_type, e.inspected, e.published)})"
                            for e in row.coverage) or "; ".join(row.reports)
        rows.append([row.force, reports, "yes" if row.found else "no", row.summary, sources])
    return to_csv(COMPARE_HEADER, rows)
