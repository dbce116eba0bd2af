"""What the app shows, as plain functions of the assistant's records (no Gradio here).

Everything that came from a report or a user is escaped before it reaches the page: report
text is data, and a report containing `<script>` must show as text. Report footnote markers
("[1] Under section 38(6)...", "notices,[5]") stay text; only an answer's own citation
markers become links, each to its source under the same answer, so an earlier answer's [2]
still opens its own passage after later questions. Case cards and the comparison table are in
ui/cards.py, the collection and corpus views in ui/corpus_view.py.
"""

from __future__ import annotations

import html
import re
from typing import Callable, Iterable

from assistant.index.tracker import TABLE_HEADER, review_found, table_row
from assistant.records import Answer, Filters, Passage, Recommendation
from assistant.text import footnote_marks, report_dates, report_label, to_csv  # CSV: formula-looking cells quoted

# An answer's own marker follows a word and a space ("... notices [5]."); a report's footnote
# opens a line ("[1] Under section ...") or sits against its word ("notices,[5]").
_ANSWER_MARKER = re.compile(r"(?<=[^\s\-*•] )\[(\d+)\]")
_BULLET = re.compile(r"^\s*[-*]\s+")
Section = Callable[[Passage], list[Passage]]


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def esc_markdown(text: str) -> str:
    """Escape HTML, and the Markdown characters that could make links, images or emphasis of
    report text."""
    return re.sub(r"([\[\]()!`*\\])", r"\\\1", html.escape(text, quote=False))


def public(exc: Exception) -> str:
    """An error as any user of the app may see it (IndexBusy without the holder's details)."""
    return getattr(exc, "public", None) or str(exc)


def source_anchor(n: int, key: str = "src") -> str:
    """The id of source n of one answer (`key` tells the answers of a conversation apart)."""
    return f"{key}-src-{n}" if key != "src" else f"src-{n}"


def cite_link(n: int, key: str, marker_id: str) -> str:
    """A citation marker: a link to source n under the same answer (opened in place by the
    page script, ui/layout.py, which remembers the marker for "Back to the answer")."""
    return (f"<a class=\"cite\" href=\"#{source_anchor(n, key)}\" id=\"{marker_id}\" "
            f"aria-label=\"Source {n}\">[{n}]</a>")


def paragraphs_html(text: str) -> str:
    """Escaped text on one line of HTML (a Markdown HTML block must hold no blank line)."""
    return "<br>".join(esc(line) for line in text.split("\n"))


# -- chat ----------------------------------------------------------------------------------


def _linked_prose(text: str, answer: Answer, key: str) -> str:
    """Escaped prose (an LLM's answer) with its own [n] markers as links; footnote markers
    in quoted report text stay text."""
    out = []
    for i, line in enumerate(text.split("\n")):
        pieces, last = [], 0
        for j, m in enumerate(_ANSWER_MARKER.finditer(line)):
            n = int(m.group(1))
            if not 1 <= n <= len(answer.citations):
                continue
            pieces += [esc_markdown(line[last:m.start()]), cite_link(n, key, f"{key}-m{i}-{j}")]
            last = m.end()
        pieces.append(esc_markdown(line[last:]))
        out.append("".join(pieces))
    return "\n".join(out)


def ledger_lines(answer: Answer) -> list[str]:
    """The coverage ledger: every report in the question's scope, found or not, with its dates."""
    if not answer.coverage or len(answer.coverage) < 2 and all(e.found for e in answer.coverage):
        return []
    rows = []
    for e in answer.coverage:
        said = (f"evidence quoted ({e.passages} passage{'s' if e.passages != 1 else ''})" if e.found
                else "no relevant passage found")
        rows.append(f"- {esc_markdown(e.force)}, {esc_markdown(report_label(e.report_type, e.inspected, e.published))}: "
                    f"{said}")
    return ["", "_Reports searched:_", *rows]


def chat_markdown(answer: Answer, key: str = "a1", section_of: Section | None = None) -> str:
    """The answer as chat Markdown, rendered from its structured fields (the question as read,
    for a follow-up; the lead; each report's quotes under its heading with both dates; the
    coverage ledger), then its own sources, each a closed <details> its markers open.
    `key`: this answer's id within the conversation; `section_of`: a passage's whole section."""
    out = [f"<span id=\"{key}\" class=\"answer-top\" tabindex=\"-1\"></span>"]
    if answer.resolved_question and answer.resolved_question != answer.question:
        out += [f"_Read as: {esc_markdown(answer.resolved_question)}_", ""]
    tracked = any(s.role == "follow_up" or "\n" in s.text for s in answer.sentences)  # the tracker's own layout
    if answer.sentences and answer.mode == "extractive" and not answer.abstained and not tracked:
        heading = None
        for i, s in enumerate(answer.sentences):
            if s.role in ("lead", "note"):
                out += [esc_markdown(s.text), ""] if s.role == "lead" else [f"_{esc_markdown(s.text)}_", ""]
                continue
            p = answer.citations[s.citations[0] - 1]
            if (p.force, p.doc_id) != heading:
                heading = (p.force, p.doc_id)
                out += ["", f"**{esc_markdown(p.force)}** — "
                            f"{esc_markdown(report_label(p.report_type, p.inspected, p.published))}"]
            markers = " ".join(cite_link(n, key, f"{key}-m{i}-{j}") for j, n in enumerate(s.citations))
            out.append(f"{'    - ' if s.list_item else '- '}{esc_markdown(s.text)} {markers}")
        out += ledger_lines(answer)
    else:
        out.append(_linked_prose(answer.text, answer, key))
    if answer.notes:
        out += ["", *[f"_Note: {esc_markdown(note)}_" for note in answer.notes]]
    sources = sources_html(answer, section_of or (lambda p: [p]), key)
    return "\n".join(out).strip() + ("\n\n" + sources if sources else "")


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
    """For each citation number, the answer sentences that cite it (from the structured
    sentences when there are some, else from the text's lines)."""
    cited: dict[int, list[str]] = {}
    if answer.sentences:
        for s in answer.sentences:
            for n in s.citations:
                cited.setdefault(n, []).append(s.text)
        return cited
    for line in answer.text.split("\n"):
        numbers = [int(n) for n in _ANSWER_MARKER.findall(line)]
        sentence = _BULLET.sub("", _ANSWER_MARKER.sub("", line)).strip()
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


def badges(marks: Iterable[str]) -> str:
    """'uploaded' / 'other document' labels, so no one mistakes them for Inspectorate findings."""
    return "".join(f" <span class=\"badge badge-{esc(m.replace(' ', '-'))}\">{esc(m)}</span>" for m in marks)


def source_summary(n: int, p: Passage) -> str:
    """What a closed source shows: its number, whose it is, report (marked if uploaded or
    another document) with both dates, section."""
    return (f"<span class=\"src-n\">[{n}]</span> <b>{esc(p.who)}</b> — {esc(p.report_title)}{badges(p.marks)} · "
            f"<span class=\"src-dates\">{esc(report_label(p.report_type, p.inspected, p.published))}</span>"
            f"<span class=\"src-section\">{esc(p.section)}</span>")


def in_section(section: list[Passage], passage: Passage, sentences: list[str]) -> str:
    """The whole section, the cited passage set off and its cited sentences marked."""
    parts = []
    for chunk in section:
        if chunk.id == passage.id:
            parts.append(f"<div class=\"src-cited\">{_lines(highlight(shown(chunk.text), sentences))}</div>")
        else:
            parts.append(f"<div>{paragraphs_html(shown(chunk.text))}</div>")
    return "".join(parts)


def _lines(escaped: str) -> str:
    return escaped.replace("\n", "<br>")


def sources_html(answer: Answer, section_of: Section, key: str = "src") -> str:
    """The answer's sources (or, for an abstention, the closest passages), each a <details>
    that opens in place: the passage with its cited sentences marked, its whole section one
    click further, and a way back to the answer. One line of HTML (see paragraphs_html)."""
    if not answer.citations and not answer.passages:
        return ""
    cited = cited_sentences(answer)
    listed = answer.citations or answer.passages[:5]
    title = "Sources" if answer.citations else "Closest passages (they do not answer the question)"
    cards = []
    for n, p in enumerate(listed, start=1):
        anchor = source_anchor(n, key) if answer.citations else f"{key}-near-{n}"
        quotes = cited.get(n, []) if answer.citations else []
        cards.append(
            f"<details class=\"src\" id=\"{anchor}\"><summary>{source_summary(n, p)}</summary>"
            f"<div class=\"src-text\">{_lines(highlight(shown(p.text), quotes))}</div>"
            f"<details class=\"src-more\"><summary>Read it in its section</summary>"
            f"<div class=\"src-context\">{in_section(section_of(p), p, quotes)}</div></details>"
            f"<a class=\"back\" href=\"#{key}\">Back to the answer</a></details>"
        )
    block = f"<div class=\"sources\"><p class=\"sources-title\"><b>{esc(title)}</b></p>{''.join(cards)}</div>"
    # Square brackets as entities: no Markdown renderer can make a link of report text ("[x](y)").
    return block.replace("[", "&#91;").replace("]", "&#93;")


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
            f"[{n}] **{p.who}**, {p.report_title} ({p.report_type}, {report_date(p)}){marks}, section: {p.section}",
            "",
            *[f"> {line}" for line in shown(p.text).split("\n")],
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"



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
    """The tracker as a table (cells labelled, so it stacks on a phone); each row opens its passages."""
    columns = ("Force", "Made in", "Area", "Timescale", "Recommendation", "What the review found")
    rows = []
    for n, r in enumerate(recs, start=1):
        found = review_found(r)
        finding = esc(found) if found else "<em class=\"no-evidence\">No later review in the collection.</em>"
        cells = [esc(r.made_in or ""), esc(r.area), esc(r.timescale or "not stated"),
                 f"<div class=\"rec-text\">{esc(r.text)}</div>{recommendation_passages(r)}",
                 f"<div class=\"rec-text\">{finding}</div>"]
        tds = "".join(f"<td data-label=\"{label}\">{cell}</td>" for label, cell in zip(columns[1:], cells))
        rows.append(f"<tr class=\"rec\" id=\"rec-{n}\"><th scope=\"row\" data-label=\"Force\">{esc(r.force)}"
                    f"<br><small>{esc(r.report_type)}</small></th>{tds}</tr>")
    head = "".join(f"<th scope=\"col\">{h}</th>" for h in columns)
    return (f"<div class=\"recommendations\"><table class=\"responsive\"><caption>{len(recs)} "
            f"recommendation{'s' * (len(recs) != 1)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")
