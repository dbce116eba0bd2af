"""What the app shows, as plain functions of the assistant's records (no Gradio here).

Everything that came from a report or a user is escaped before it reaches the page: report
text is data, and a report containing `<script>` must show as text.
"""

from __future__ import annotations

import html
import re
from typing import Callable, Iterable

from assistant.answer import NO_EVIDENCE
from assistant.index.tracker import TABLE_HEADER, review_found, table_row
from assistant.records import Answer, CaseStudy, Comparison, Filters, Passage, Recommendation
from assistant.text import footnote_marks, report_dates, report_label, to_csv  # CSV: formula-looking cells quoted

MARKER = re.compile(r"\[(\d+)\]")
_BULLET = re.compile(r"^\s*[-*]\s+")


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def esc_markdown(text: str) -> str:
    """Escape HTML, and the Markdown characters that could make links or images of report text."""
    return re.sub(r"([\[\]()!`])", r"\\\1", html.escape(text, quote=False))


def source_anchor(n: int) -> str:
    return f"src-{n}"


# -- chat ----------------------------------------------------------------------------------


def _linked_markers(text: str, answer: Answer) -> str:
    """Escaped text with its [n] citation markers as links to the sources panel."""
    pieces, last = [], 0
    for m in MARKER.finditer(text):
        pieces.append(esc_markdown(text[last : m.start()]))
        n = int(m.group(1))
        pieces.append(f"[[{n}]](#{source_anchor(n)})" if 1 <= n <= len(answer.citations) else esc_markdown(m.group(0)))
        last = m.end()
    pieces.append(esc_markdown(text[last:]))
    return "".join(pieces)


def ledger_lines(answer: Answer) -> list[str]:
    """The coverage ledger: every report in the question's scope, found or not."""
    if not answer.coverage or len(answer.coverage) < 2 and all(e.found for e in answer.coverage):
        return []
    rows = []
    for e in answer.coverage:
        year = (e.inspected or e.published or "")[:4]
        what = f"{e.force} {year} {e.report_type}".replace("  ", " ")
        said = (f"evidence quoted ({e.passages} passage{'s' if e.passages != 1 else ''})" if e.found
                else "no relevant passage found")
        rows.append(f"- {esc_markdown(what)}: {said}")
    return ["", "_Reports searched:_", *rows]


def chat_markdown(answer: Answer) -> str:
    """The answer as chat Markdown, rendered from its structured fields (lead, each report's
    quotes under its heading, the coverage ledger; the question as read, for a follow-up).
    Report sentences escaped, each [n] a link to its source. Answers without sentences (an
    LLM's prose) render from their text."""
    out = []
    if answer.resolved_question and answer.resolved_question != answer.question:
        out += [f"_Read as: {esc_markdown(answer.resolved_question)}_", ""]
    tracked = any(s.role == "follow_up" or "\n" in s.text for s in answer.sentences)  # the tracker's own layout
    if answer.sentences and answer.mode == "extractive" and not answer.abstained and not tracked:
        heading = None
        for s in answer.sentences:
            if s.role in ("lead", "note"):
                out += [esc_markdown(s.text), ""] if s.role == "lead" else [f"_{esc_markdown(s.text)}_", ""]
                continue
            p = answer.citations[s.citations[0] - 1]
            if (p.force, p.doc_id) != heading:
                heading = (p.force, p.doc_id)
                out += ["", f"**{esc_markdown(p.force)}** — {esc_markdown(report_label(p.report_type, p.inspected, p.published))}"]
            marker = "".join(f"[{n}]" for n in s.citations)
            out.append(f"{'    - ' if s.list_item else '- '}{_linked_markers(f'{s.text} {marker}', answer)}")
        out += ledger_lines(answer)
        if answer.notes:
            out += ["", *[f"_Note: {esc_markdown(note)}_" for note in answer.notes]]
        return "\n".join(out).strip()
    for line in answer.text.split("\n"):
        out.append(_linked_markers(line, answer))
    if answer.notes:
        out += ["", *[f"_Note: {esc_markdown(note)}_" for note in answer.notes]]
    return "\n".join(out)


DRAFT = "_The model is writing (a draft, not yet checked against the passages):_"
STOPPED = "_Stopped: the model's unchecked draft was discarded._"


def draft_markdown(text: str) -> str:
    """The model's reply so far, escaped, marked as a draft (its markers are not links yet)."""
    return f"{DRAFT}\n\n{esc_markdown(text)} ▌"


def is_draft(message: dict) -> bool:
    """A chat message holding a draft (Gradio gives content as a string or a list of parts)."""
    content = message.get("content")
    parts = content if isinstance(content, list) else [content]
    text = "".join(p.get("text", "") if isinstance(p, dict) else str(p or "") for p in parts)
    return message.get("role") == "assistant" and text.startswith(DRAFT)


def cited_sentences(answer: Answer) -> dict[int, list[str]]:
    """For each citation number, the answer sentences that cite it (markers and bullets removed)."""
    cited: dict[int, list[str]] = {}
    for line in answer.text.split("\n"):
        numbers = [int(n) for n in MARKER.findall(line)]
        if not numbers:
            continue
        sentence = _BULLET.sub("", MARKER.sub("", line)).strip()
        for n in numbers:
            cited.setdefault(n, []).append(sentence)
    return cited


def _pattern(sentence: str) -> re.Pattern | None:
    words = sentence.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words)) if words else None


def highlight(text: str, sentences: Iterable[str], tag: str = "mark") -> str:
    """Escaped text with each sentence found in it wrapped in <tag> (whitespace-tolerant)."""
    spans = []
    for sentence in sentences:
        pattern = _pattern(sentence)
        m = pattern.search(text) if pattern else None
        if m:
            spans.append((m.start(), m.end()))
    spans.sort()
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue  # overlapping quotes: keep the first
        out += [esc(text[last:start]), f"<{tag}>", esc(text[start:end]), f"</{tag}>"]
        last = end
    out.append(esc(text[last:]))
    return "".join(out)


def report_date(p: Passage) -> str:
    """The one pair of dates shown everywhere: inspected (or reviewed) and published."""
    return report_dates(p.report_type, p.inspected, p.published) or str(p.year or "")


def shown(text: str) -> str:
    """Report text as pages show it: its own footnote markers in superscript, so only our
    citation markers are bracketed (assistant/text/footnotes.py)."""
    return footnote_marks(text)


def who(p: Passage) -> str:
    """Whose text it is: the force, or 'Other document' (documents have no force)."""
    return "Other document" if p.kind == "document" else p.force


def badges(marks: Iterable[str]) -> str:
    """'uploaded' / 'other document' labels, so no one mistakes them for Inspectorate findings."""
    return "".join(f" <span class='badge badge-{esc(m.replace(' ', '-'))}'>{esc(m)}</span>" for m in marks)


def source_header(n: int, p: Passage) -> str:
    facts = " · ".join(esc(x) for x in (p.report_type, report_date(p)) if x)
    return (
        f"<div class='src-head'><b>[{n}] {esc(who(p))}</b> — {esc(p.report_title)}{badges(p.marks)}"
        f"<br><small>{facts}</small><br><small class='src-section'>{esc(p.section)}</small></div>"
    )


def in_section(section: list[Passage], passage: Passage, sentences: list[str]) -> str:
    """The whole section, the cited passage set off and its cited sentences marked."""
    parts = []
    for chunk in section:
        if chunk.id == passage.id:
            parts.append(f"<div class='src-cited'>{highlight(shown(chunk.text), sentences)}</div>")
        else:
            parts.append(f"<div>{esc(shown(chunk.text))}</div>")
    return "".join(parts)


def sources_html(answer: Answer, section_of: Callable[[Passage], list[Passage]]) -> str:
    """The sources panel: every cited passage (or, for an abstention, the nearest ones)."""
    if not answer.citations and not answer.passages:
        return "<div class='sources'><p>No passages.</p></div>"
    cited = cited_sentences(answer)
    listed = answer.citations or answer.passages[:5]
    title = "Sources" if answer.citations else "Nearest passages (they do not answer the question)"
    cards = []
    for n, p in enumerate(listed, start=1):
        anchor = source_anchor(n) if answer.citations else f"near-{n}"
        quotes = cited.get(n, []) if answer.citations else []
        cards.append(
            f"<div class='src' id='{anchor}'>{source_header(n, p)}"
            f"<div class='src-text'>{highlight(shown(p.text), quotes)}</div>"
            f"<details><summary>Open in its section</summary>"
            f"<div class='src-context'>{in_section(section_of(p), p, quotes)}</div></details></div>"
        )
    return f"<div class='sources'><h4>{esc(title)}</h4>{''.join(cards)}</div>"


def filters_caption(filters: Filters) -> str:
    """How the filters applied to a question read in the conversation (empty if none)."""
    parts = []
    for label, values in (("forces", filters.forces), ("report types", filters.report_types), ("areas", filters.areas)):
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    if filters.years:
        first, last = filters.years
        parts.append(f"years: {first}–{last}" if first != last else f"year: {first}")
    if filters.case_studies:
        parts.append("case studies only")
    if filters.recommendations:
        parts.append("recommendations only")
    return f"_Filters: {esc_markdown('; '.join(parts))}_" if parts else ""


# -- exports -------------------------------------------------------------------------------


def answer_export(answer: Answer) -> str:
    """The answer and its citations as a Markdown document (text as in the reports, unescaped)."""
    lines = [f"# {answer.question}", ""]
    if answer.resolved_question and answer.resolved_question != answer.question:
        lines += [f"_Read as: {answer.resolved_question}_", ""]
    lines += [answer.text, ""]
    if answer.coverage:
        lines += ["## Reports searched", ""]
        lines += [f"- {e.force}, {e.report_title} ({report_label(e.report_type, e.inspected, e.published)}): "
                  + ("evidence quoted" if e.found else "no relevant passage found") for e in answer.coverage]
        lines.append("")
    listed = answer.citations or answer.passages[:5]
    if listed:
        lines += ["## Sources" if answer.citations else "## Closest passages (not an answer)", ""]
    for n, p in enumerate(listed, start=1):
        marks = "".join(f" [{m}]" for m in p.marks)
        lines += [
            f"[{n}] **{who(p)}**, {p.report_title} ({p.report_type}, {report_date(p)}){marks}, section: {p.section}",
            "",
            *[f"> {line}" for line in shown(p.text).split("\n")],
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


CASE_HEADER = ["title", "force", "report", "report type", "year", "section", "case text", "provenance"]


def _case_marks(c: CaseStudy) -> tuple[str, ...]:
    return c.passages[0].marks if c.passages else ()


def case_rows(cases: list[CaseStudy]) -> list[list[object]]:
    return [[c.title, c.force, c.report_title, c.report_type, c.year or "", c.section, shown(c.text),
             "; ".join(_case_marks(c))] for c in cases]


def cases_html(cases: list[CaseStudy]) -> str:
    """Case studies as cards: title, where it comes from, and the whole case text."""
    cards = []
    for n, c in enumerate(cases, start=1):
        facts = " · ".join(esc(x) for x in (c.report_title, c.report_type, c.year) if x)
        cards.append(
            f"<div class='case' id='case-{n}'><h4>{n}. {esc(c.title)}</h4>"
            f"<div><b>{esc(c.force)}</b> — {facts}{badges(_case_marks(c))}</div>"
            f"<small class='src-section'>{esc(c.section)}</small><div class='case-text'>{esc(shown(c.text))}</div></div>"
        )
    return f"<div class='cases'>{''.join(cards)}</div>"


def cases_csv(cases: list[CaseStudy]) -> str:
    return to_csv(CASE_HEADER, case_rows(cases))


COMPARE_HEADER = ["force", "reports", "evidence found", "key findings", "sources"]


def _source_line(n: int, p: Passage) -> str:
    return f"[{n}] {p.report_title}{''.join(f' [{m}]' for m in p.marks)} – {p.section}"


def comparison_csv(comparison: Comparison) -> str:
    rows = []
    for row in comparison.rows:
        sources = "; ".join(_source_line(n, comparison.citations[n - 1]) for n in row.citations)
        rows.append([row.force, "; ".join(row.reports), "yes" if row.found else "no", row.summary, sources])
    return to_csv(COMPARE_HEADER, rows)


def comparison_html(comparison: Comparison) -> str:
    """One row per force; [n] markers link to the sources listed under the table."""
    body = []
    for row in comparison.rows:
        if row.found:
            items = "".join(f"<li>{_linked(s, 'cmp')}</li>" for s in row.sentences)
            finding = f"<ul>{items}</ul>"
        else:
            finding = f"<em class='no-evidence'>{esc(NO_EVIDENCE)}</em>"
        body.append(
            f"<tr class='{'found' if row.found else 'missing'}'><td><b>{esc(row.force)}</b></td>"
            f"<td>{esc('; '.join(row.reports))}</td><td>{finding}</td></tr>"
        )
    notes = "".join(f"<p><em>{esc(note)}</em></p>" for note in comparison.notes)
    sources = "".join(
        f"<li id='cmp-{n}'><b>{esc(p.force)}</b> — {esc(p.report_title)}{badges(p.marks)} ({esc(report_date(p))}) "
        f"<small>{esc(p.section)}</small></li>"
        for n, p in enumerate(comparison.citations, start=1)
    )
    return (
        f"<div class='comparison'>{notes}<table><thead><tr><th>Force</th><th>Report</th>"
        f"<th>Key findings on “{esc(comparison.theme)}”</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
        + (f"<h4>Sources</h4><ol>{sources}</ol>" if sources else "")
        + "</div>"
    )


def _linked(sentence: str, prefix: str) -> str:
    """Escape a sentence and turn its [n] markers into links to anchors `prefix-n`."""
    out, last = [], 0
    for m in MARKER.finditer(sentence):
        out.append(esc(sentence[last : m.start()]))
        out.append(f"<a href='#{prefix}-{m.group(1)}'>[{m.group(1)}]</a>")
        last = m.end()
    out.append(esc(sentence[last:]))
    return "".join(out)


# -- recommendations -----------------------------------------------------------------------


def recommendations_csv(recs: list[Recommendation]) -> str:
    return to_csv(TABLE_HEADER, (table_row(r) for r in recs))


def _passage_card(p: Passage, quoted: list[str] = ()) -> str:
    return (f"<div class='src'><small class='src-section'>{esc(p.report_title)} — {esc(p.section)}</small>"
            f"<div class='src-text'>{highlight(p.text, quoted)}</div></div>")


def recommendation_passages(rec: Recommendation) -> str:
    """What a row opens: the chunks the recommendation stands in (it marked), then the review's
    findings on its area, summary first."""
    quoted = [line.strip().removeprefix("- ") for line in rec.text.split("\n")]
    own = "".join(_passage_card(c, quoted) for c in rec.chunks) or _passage_card(rec.passage)
    found = "".join(_passage_card(p) for p in rec.follow_up)
    review = f"<h5>What the review found</h5>{found}" if found else ""
    return f"<details><summary>Passages</summary><h5>The recommendation</h5>{own}{review}</details>"


def recommendations_html(recs: list[Recommendation]) -> str:
    """The tracker as a table; each row opens its passages."""
    rows = []
    for n, r in enumerate(recs, start=1):
        found = review_found(r)
        finding = esc(found) if found else "<em class='no-evidence'>No later review in the collection.</em>"
        rows.append(
            f"<tr class='rec' id='rec-{n}'><td><b>{esc(r.force)}</b><br><small>{esc(r.report_type)}</small></td>"
            f"<td>{esc(r.made_in or '')}</td><td>{esc(r.area)}</td><td>{esc(r.timescale or 'not stated')}</td>"
            f"<td class='rec-text'>{esc(r.text)}{recommendation_passages(r)}</td><td class='rec-text'>{finding}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("Force", "Made in", "Area", "Timescale", "Recommendation",
                                              "What the review found"))
    return (f"<div class='comparison recommendations'><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")
