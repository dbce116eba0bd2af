"""The app's view functions: citations as links to each answer's own sources, highlighting,
cards, tables, exports and escaping."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

from assistant.answer.findings import NO_EVIDENCE, case_root, case_title
from assistant.records import (Answer, AnswerSentence, CaseStudy, Comparison, CoverageEntry, Filters, Finding,
                               Passage, ReportInfo)
from ui import cards, corpus_view, views

HOSTILE = 'Officers <script>alert("x")</script> and <img src=x onerror=alert(1)> [link](javascript:alert(2)).'
FOOTNOTED = "[1] Under section 38(6) of PACE, a child must be moved to local authority accommodation."


def _passage(n: int, text: str, force: str = "Testshire", section: str = "Missing children") -> Passage:
    return Passage(
        id=f"p{n}", text=text, force=force, report_title=f"{force} inspection", report_type="inspection",
        published="2021-06", inspected="2021-05", year=2021, section=section, area="Initial contact",
        is_case_study=False, is_recommendation=False, source=f"{force}.txt", start=0, end=len(text),
        doc_id=f"d-{force}", chunk_index=n,
    )


P1 = _passage(1, "Call handlers assess risk. Supervisors review every high-risk case daily. Staff are trained.")
P2 = _passage(2, HOSTILE, force="Otherton")
P3 = _passage(3, f"Officers served notices,[5] when asked. {FOOTNOTED}", force="Otherton")
ANSWER = Answer(
    question="How are missing children handled?",
    text="Evidence in both reports.\n\n**Testshire**\n- Supervisors review every high-risk case daily. [1]\n\n"
         f"**Otherton**\n- {HOSTILE} [2]",
    citations=[P1, P2], abstained=False, forces=["Testshire", "Otherton"], passages=[P1, P2],
    sentences=[
        AnswerSentence("Evidence in both reports.", role="lead"),
        AnswerSentence("Supervisors review every high-risk case daily.", (1,), "Testshire"),
        AnswerSentence(HOSTILE, (2,), "Otherton"),
    ],
    coverage=[CoverageEntry("Testshire", "Testshire inspection", "inspection", "2021-06", "2021-05", True, 1, "d-Testshire"),
              CoverageEntry("Otherton", "Otherton review", "post-inspection review", "2022-09-22", "2019-04", False, 0,
                            "d-O")],
    resolved_question="How are missing children handled in Testshire and Otherton?",
)


def _links(md: str) -> list[str]:
    return re.findall(r'<a class="cite" href="#([^"]+)"', md)


def test_markers_link_to_this_answers_own_sources():
    first, second = views.chat_markdown(ANSWER, "a1"), views.chat_markdown(ANSWER, "a2")
    assert _links(first) == ["a1-src-1", "a1-src-2"] and _links(second) == ["a2-src-1", "a2-src-2"]
    # Each answer carries its sources under it, so an earlier [n] opens the earlier passage.
    for md, key in ((first, "a1"), (second, "a2")):
        for n in (1, 2):
            assert f'<details class="src" id="{key}-src-{n}">' in md
        assert f'<a class="back" href="#{key}">Back to the answer</a>' in md and f'id="{key}"' in md


def test_report_footnote_markers_never_become_links():
    quoted = replace(ANSWER, citations=[P3], passages=[P3],
                     sentences=[AnswerSentence("Officers served notices,[5] when asked.", (1,), "Otherton"),
                                AnswerSentence(FOOTNOTED, (1,), "Otherton")])
    md = views.chat_markdown(quoted, "a1")
    assert _links(md) == ["a1-src-1", "a1-src-1"]  # only the answer's own markers
    assert "notices,\\[5\\]" in md and "\\[1\\] Under section 38\\(6\\)" in md
    # An LLM's prose: its markers follow a space; a quoted footnote stays text.
    prose = Answer("q", f"Officers served notices,[5] when asked [1].\n{FOOTNOTED} [1]", [P3], False, mode="llm")
    md = views.chat_markdown(prose, "a3")
    assert _links(md) == ["a3-src-1", "a3-src-1"] and "notices,\\[5\\]" in md and "\n\\[1\\] Under" in md
    assert _links(views.chat_markdown(Answer("q", "A claim [7].", [P1], False, mode="llm"))) == []


def test_chat_escapes_report_markup_everywhere():
    md = views.chat_markdown(ANSWER, "a1")
    assert "<script>" not in md and "<img" not in md and "&lt;script&gt;" in md
    assert "](javascript" not in md  # report text cannot make a link


def test_chat_shows_how_a_follow_up_was_read_and_every_report_with_its_dates():
    md = views.chat_markdown(ANSWER, "a1")
    assert "_Read as: How are missing children handled in Testshire and Otherton?_" in md
    assert "**Testshire** — inspection \\(inspected May 2021, published June 2021\\)" in md
    assert "Otherton, post-inspection review \\(reviewed April 2019, published 22 September 2022\\): no relevant" in md


def test_cited_sentences_per_citation():
    cited = views.cited_sentences(ANSWER)
    assert cited[1] == ["Supervisors review every high-risk case daily."]
    assert cited[2] == [HOSTILE]


def test_highlight_marks_the_sentence_and_escapes_everything():
    out = views.highlight(P1.text, ["Supervisors review every high-risk case daily."])
    assert out == "Call handlers assess risk. <mark>Supervisors review every high-risk case daily.</mark> Staff are trained."
    wrapped = views.highlight("a quick\nbrown fox <b>", ["quick brown fox"])
    assert wrapped == "a <mark>quick\nbrown fox</mark> &lt;b&gt;"
    assert views.highlight("nothing here", ["absent sentence"]) == "nothing here"


def test_sources_open_in_place_with_metadata_passage_and_section():
    section = [_passage(0, "Before the cited passage.\n\nA second paragraph."), P1]
    out = views.sources_html(ANSWER, lambda p: section if p.id == "p1" else [p], "a1")
    assert "\n" not in out  # one HTML block: a blank line would end it mid-way in Markdown
    for n, p in enumerate(ANSWER.citations, start=1):
        assert f'id="a1-src-{n}"' in out and p.force in out and p.report_title in out
    assert "inspection (inspected May 2021, published June 2021)" in out and "Missing children" in out
    assert "<mark>Supervisors review every high-risk case daily.</mark>" in out
    assert "Before the cited passage.<br><br>A second paragraph." in out and "Read it in its section" in out
    assert "<script>" not in out and "<img" not in out and "&lt;script&gt;" in out


def test_abstention_lists_closest_passages_without_claiming_they_answer():
    answer = Answer("q", "The reports do not answer this.", [], True, passages=[P1])
    out = views.sources_html(answer, lambda p: [p], "a1")
    assert "Closest passages" in out and "<mark>" not in out and "a1-src-1" not in out and "a1-near-1" in out


def test_filters_are_described_for_the_conversation():
    caption = views.filters_caption(Filters.build(forces=["Cheshire"], years=(2019, 2021), case_studies=True))
    assert caption == "_Filters: forces: Cheshire; years: 2019–2021; case studies only_"
    assert views.filters_caption(Filters.build(forces=[], years=None)) == ""
    assert "&lt;b&gt;" in views.filters_caption(Filters.build(areas=["<b>"]))


def test_answer_export_is_markdown_with_every_source():
    md = views.answer_export(ANSWER)
    assert md.startswith("# How are missing children handled?")
    assert "## Sources" in md and "[1] **Testshire**" in md and "[2] **Otherton**" in md
    assert "section: Missing children" in md and "> Call handlers assess risk." in md


CASE = CaseStudy("A girl was reported missing from home", "Testshire", "Testshire inspection", "inspection", 2021,
                 "Missing > Case study: A girl was reported missing from home",
                 "=HYPERLINK(\"x\")\n- she was found <b>", [P1], 1.0, inspected="2021-05", published="2021-06",
                 themes=["missing children"], matched=["reported missing", "<i>home</i>"], relevance=1.0)


def test_case_cards_say_what_happened_where_when_and_why_it_matched():
    out = cards.cases_html([CASE])
    assert '<h3 id="case-1-title">1. A girl was reported missing from home</h3>' in out
    assert "inspection (inspected May 2021, published June 2021)" in out
    assert "Why this matched:</b> “reported missing”, “&lt;i&gt;home&lt;/i&gt;”" in out
    assert '<li class="tag">missing children</li>' in out and "Illustrates: Missing" in out
    assert "<b>" not in out.replace("<b>Testshire</b>", "").replace("<b>Why this matched:</b>", "")


def test_csv_exports_parse_back_and_defuse_formulas():
    rows = list(csv.reader(io.StringIO(cards.cases_csv([CASE]))))
    assert rows[0] == cards.CASE_HEADER
    assert rows[1][0] == "A girl was reported missing from home" and rows[1][4:6] == ["2021-05", "2021-06"]
    assert rows[1][-1].startswith("'=HYPERLINK")
    comparison = Comparison("missing children", [
        Finding("Testshire", ["Testshire inspection"], True, ["Supervisors review cases. [1]"], [1], "Supervisors review cases. [1]"),
        Finding("Otherton", ["Otherton inspection"], False, [], [], NO_EVIDENCE),
    ], [P1])
    rows = list(csv.reader(io.StringIO(cards.comparison_csv(comparison))))
    assert rows[1][:3] == ["Testshire", "Testshire inspection", "yes"] and "Missing children" in rows[1][4]
    assert "inspected May 2021, published June 2021" in rows[1][4]
    assert rows[2][2:4] == ["no", NO_EVIDENCE]


def test_comparison_rows_are_whole_quotes_with_report_dates_and_sources_with_text():
    quotes = [AnswerSentence("Common themes include:", (1,), "Testshire"),
              AnswerSentence("officers give children their rights;", (1,), "Testshire", list_item=True),
              AnswerSentence(HOSTILE, (2,), "Testshire")]
    coverage = [CoverageEntry("Testshire", "Testshire inspection", "inspection", "2021-06", "2021-05", True, 2, "d")]
    comparison = Comparison("<b>theme</b>", [
        Finding("Testshire", ["Testshire inspection"], True, [f"{q.text} [{q.citations[0]}]" for q in quotes], [1, 2],
                "", quotes, coverage),
        Finding("Otherton", ["O"], False, [], [], NO_EVIDENCE),
    ], [P1, P2], ["The reports compared date from 2018 to 2023."])
    out = cards.comparison_html(comparison)
    assert out.count("<tr class=") == 2 and NO_EVIDENCE in out and "2018 to 2023" in out
    assert "<p>Common themes include: <a class=\"cite\"" in out
    assert "<ul><li>officers give children their rights; <a class=\"cite\"" in out  # one marker, no "- "
    assert "- officers" not in out and "◦" not in out
    assert "inspection (inspected May 2021, published June 2021)" in out
    assert 'href="#cmp-src-1"' in out and '<details class="src" id="cmp-src-2">' in out
    assert "Call handlers assess risk." in out  # a source shows its passage text
    assert "<script>" not in out and "<img" not in out and "<b>theme" not in out


def test_case_study_titles_come_from_their_headings():
    root = case_root("7. Investigation > Delays > Case study: delays in an online case > Police response")
    assert root == "7. Investigation > Delays > Case study: delays in an online case"
    assert case_title(root) == "Delays in an online case"
    # An untitled case is named by its opening words at ingest, never by the heading above it.
    assert case_title("5. Initial contact > Missing children are found quickly > Case study: a girl was reported "
                      "missing from home") == "A girl was reported missing from home"


def _report(force: str, kind: str, inspected: str | None, published: str | None) -> ReportInfo:
    return ReportInfo(force, f"{force} <i>report</i>", kind, published, inspected, int((inspected or "2020")[:4]),
                      f"d-{force}", f"{force}.txt", "0" * 64, "text", 10)


def test_the_collection_line_counts_what_the_index_lists():
    reports = [_report("Testshire", "inspection", "2021-05", "2021-06"),
               _report("Otherton", "post-inspection review", "2019-04", None)]
    line = corpus_view.collection_summary(reports)
    assert "2 reports from 2 forces" in line and "1 inspection" in line and "1 post-inspection review" in line
    assert "2019–2021" in line
    more = corpus_view.collection_summary([*reports, _report("Newtown", "inspection", "2023-01", "2023-05")])
    assert "3 reports from 3 forces" in more and "2 inspections" in more and "2019–2023" in more
    assert "empty" in corpus_view.collection_summary([])
    # Other documents are no force's report; with review on, uploads wait outside the count.
    document = replace(_report("Elsewhere", "inspection", "2020-01", None), kind="document", origin="upload")
    waiting = replace(_report("Newtown", "inspection", "2023-01", None), origin="upload", accepted=False)
    line = corpus_view.collection_summary([*reports, document, waiting], reviewing=True)
    assert "2 reports from 2 forces" in line and "Elsewhere" not in line and "Newtown" not in line
    assert "Also: 1 other document and 1 upload awaiting review." in line
    assert "awaiting review" in corpus_view.corpus_html([waiting], reviewing=True)
    table = corpus_view.corpus_html(reports)
    assert "reviewed April 2019" in table and "not stated" in table and "&lt;i&gt;report" in table
    assert 'data-label="Published"' in table  # cells carry their column name for the phone layout
