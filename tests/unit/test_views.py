"""The app's view functions: citations as links, highlighting, exports and escaping."""

from __future__ import annotations

import csv
import io

from assistant.answer.findings import NO_EVIDENCE, case_root, case_title
from assistant.records import Filters, Answer, CaseStudy, Comparison, Finding, Passage
from ui import views

HOSTILE = 'Officers <script>alert("x")</script> and <img src=x onerror=alert(1)> [link](javascript:alert(2)).'


def _passage(n: int, text: str, force: str = "Testshire", section: str = "Missing children") -> Passage:
    return Passage(
        id=f"p{n}", text=text, force=force, report_title=f"{force} inspection", report_type="inspection",
        published="2021-06", inspected="2021-05", year=2021, section=section, area="Initial contact",
        is_case_study=False, is_recommendation=False, source=f"{force}.txt", start=0, end=len(text),
        doc_id=f"d-{force}", chunk_index=n,
    )


P1 = _passage(1, "Call handlers assess risk. Supervisors review every high-risk case daily. Staff are trained.")
P2 = _passage(2, HOSTILE, force="Otherton")
ANSWER = Answer(
    question="How are missing children handled?",
    text="Evidence from Testshire and Otherton:\n\n**Testshire** (inspection, 2021)\n"
         "- Supervisors review every high-risk case daily. [1]\n\n**Otherton** (inspection, 2021)\n"
         f"- {HOSTILE} [2]",
    citations=[P1, P2], abstained=False, forces=["Testshire", "Otherton"], passages=[P1, P2],
)


def test_markers_become_links_to_their_sources_and_only_those():
    md = views.chat_markdown(ANSWER)
    assert "[[1]](#src-1)" in md and "[[2]](#src-2)" in md
    bogus = Answer("q", "A claim. [7]", [P1], False)
    assert "#src-7" not in views.chat_markdown(bogus)


def test_chat_escapes_report_markup():
    md = views.chat_markdown(ANSWER)
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    assert "](javascript" not in md  # report text cannot make a link


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


def test_sources_panel_lists_every_citation_with_metadata_and_section_context():
    section = [_passage(0, "Before the cited passage."), P1]
    out = views.sources_html(ANSWER, lambda p: section if p.id == "p1" else [p])
    for n, p in enumerate(ANSWER.citations, start=1):
        assert f"id='src-{n}'" in out and p.force in out and p.report_title in out
    assert "published June 2021" in out and "Missing children" in out  # one readable pair of dates
    assert "<mark>Supervisors review every high-risk case daily.</mark>" in out
    assert "Before the cited passage." in out and "<details>" in out
    assert "<script>" not in out and "<img" not in out and "&lt;script&gt;" in out


def test_abstention_lists_nearest_passages_without_claiming_they_answer():
    answer = Answer("q", "The reports do not answer this.", [], True, passages=[P1])
    out = views.sources_html(answer, lambda p: [p])
    assert "Nearest passages" in out and "<mark>" not in out and "src-1" not in out


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


def test_csv_exports_parse_back_and_defuse_formulas():
    case = CaseStudy("A missing girl", "Testshire", "Testshire inspection", "inspection", 2021,
                     "Missing > Case study", "=HYPERLINK(\"x\")\n- she was found", [P1], 1.0)
    cards = views.cases_html([case])
    assert "<h4>1. A missing girl</h4>" in cards and "Testshire" in cards
    rows = list(csv.reader(io.StringIO(views.cases_csv([case]))))
    assert rows[0] == views.CASE_HEADER
    assert rows[1][0] == "A missing girl" and rows[1][6].startswith("'=HYPERLINK")
    comparison = Comparison("missing children", [
        Finding("Testshire", ["Testshire inspection"], True, ["Supervisors review cases. [1]"], [1], "Supervisors review cases. [1]"),
        Finding("Otherton", ["Otherton inspection"], False, [], [], NO_EVIDENCE),
    ], [P1])
    rows = list(csv.reader(io.StringIO(views.comparison_csv(comparison))))
    assert rows[1][:3] == ["Testshire", "Testshire inspection", "yes"] and "Missing children" in rows[1][4]
    assert rows[2][2:4] == ["no", NO_EVIDENCE]


def test_comparison_table_has_a_row_per_force_and_says_when_there_is_no_evidence():
    comparison = Comparison("<b>theme</b>", [
        Finding("Testshire", ["T"], True, [f"{HOSTILE} [1]"], [1], ""),
        Finding("Otherton", ["O"], False, [], [], NO_EVIDENCE),
    ], [P2])
    out = views.comparison_html(comparison)
    assert out.count("<tr class=") == 2 and NO_EVIDENCE in out
    assert "<a href='#cmp-1'>[1]</a>" in out and "id='cmp-1'" in out
    assert "<script>" not in out and "<img" not in out and "<b>theme" not in out


def test_case_study_titles_come_from_their_headings():
    root = case_root("7. Investigation > Delays > Case study: delays in an online case > Police response")
    assert root == "7. Investigation > Delays > Case study: delays in an online case"
    assert case_title(root) == "Delays in an online case"
    # An untitled case is named by its opening words at ingest, never by the heading above it.
    assert case_title("5. Initial contact > Missing children are found quickly > Case study: a girl was reported "
                      "missing from home") == "A girl was reported missing from home"
