"""Files and text nobody vetted, at the level of the readers and text functions (no model,
no index): recognition, the parse budget, deep HTML, names, footnote markers, link cleaning.
The same files through a whole ingest are in tests/integration/test_hostile_files.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import bundled_reports
from hostile import deep_html, pdf_bomb, text_operators
from render import render_html, render_pdf, to_blocks

from assistant.errors import IngestError
from assistant.records import Filters
from assistant.text import display_name, footnote_marks, printable
from ingest.limits import ParseLimits
from ingest.markup import clean_inline
from ingest.read_html import read_html
from ingest.read_pdf import read_pdf
from ingest.read_text import read_text
from ingest.readers import read_source
from ingest.recognise import recognise
from ingest.structure import parse_report

SHOPPING = "Shopping list\n\n- milk\n- eggs\n- two loaves of bread from the shop on the corner\n- stamps\n"
NOT_RECOGNISED = "not recognised as an HMICFRS inspection report: no force or report type found"


# -- recognition -------------------------------------------------------------------------------


def _recognised(path: Path, data: bytes):
    source = read_source(path, len(data) + 1, data)
    return recognise(parse_report(source), source.text)


@pytest.mark.parametrize("report", bundled_reports(), ids=lambda p: p.stem)
def test_bundled_reports_are_recognised_as_text_html_and_pdf(report, tmp_path):
    found = _recognised(report, report.read_bytes())
    assert found.is_report and found.force and found.report_type and len(found.signals) >= 2, found
    parsed = parse_report(read_text(report, report.read_bytes()))
    title, blocks = to_blocks(parsed, "")
    page = tmp_path / f"{report.stem}.html"
    page.write_text(render_html(title, [("heading", 1, title)] + blocks), encoding="utf-8")
    assert _recognised(page, page.read_bytes()) == found
    # The first 60 blocks (title block, foreword, first chapters): rendering and reading a
    # whole report as PDF takes ~10 s, and what recognition reads is all in there.
    pdf = render_pdf([("heading", 1, title)] + blocks[:60], tmp_path / f"{report.stem}.pdf")
    in_pdf = _recognised(pdf, pdf.read_bytes())
    assert in_pdf.is_report and (in_pdf.force, in_pdf.report_type) == (found.force, found.report_type)


def test_other_text_is_not_a_report_and_says_why():
    shopping = _recognised(Path("list.txt"), SHOPPING.encode())
    assert not shopping.is_report and shopping.reason == NOT_RECOGNISED
    letter = "Dear neighbour,\n\nThe Cheshire Constabulary officer came about the fence on Monday. Call me.\n\nRegards\n"
    found = _recognised(Path("letter.txt"), letter.encode())  # names a real force, nothing else
    assert found.force == "Cheshire" and not found.is_report
    assert found.reason.endswith("no report type or inspection structure found")


def test_a_report_of_any_force_is_recognised_by_its_structure():
    # An invented force named on a "… Constabulary" line, no report type in the title: the
    # inspectorate, findings and framework chapters make it a report (general, not the five).
    text = ("Child protection in Borsetshire\n\n**Borsetshire Constabulary\n3–14 May 2024**\n\n"
            "Introduction\n\nHMICFRS visited the force in May 2024.\n\n"
            "Initial contact\n\nWe found that call handlers identify risks to children well.\n")
    found = _recognised(Path("borsetshire.txt"), text.encode())
    assert found.is_report and found.force == "Borsetshire" and found.report_type is None
    assert {"names the inspectorate", "findings", "framework chapters"} <= set(found.signals)


# -- the parse budget --------------------------------------------------------------------------


def test_pdf_bomb_is_refused_before_it_inflates():
    bomb = pdf_bomb(400)
    assert len(bomb) < 4096
    began = time.perf_counter()
    with pytest.raises(IngestError, match=r"bomb\.pdf: refused: the PDF streams inflate past 64 MB "
                                          r"\(limit EA_PARSE__MAX_DECOMPRESSED_MB\)"):
        read_pdf(Path("bomb.pdf"), bomb, ParseLimits(max_decompressed=64 * 2**20))
    assert time.perf_counter() - began < 60  # inflating it all would take 400 MB and far longer


def test_a_stream_of_text_operators_is_stopped_by_the_glyph_budget():
    pdf = text_operators(20_000)  # 580,000 glyphs on one page, from a few KB
    with pytest.raises(IngestError, match=r"draws over 50,000 glyphs on one page \(limit EA_PARSE__MAX_PAGE_GLYPHS\)"):
        read_pdf(Path("ops.pdf"), pdf, ParseLimits(max_page_glyphs=50_000))
    with pytest.raises(IngestError, match=r"draws over 100,000 glyphs \(limit EA_PARSE__MAX_CHARS\)"):
        read_pdf(Path("ops.pdf"), pdf, ParseLimits(max_chars=100_000))
    assert "Hello inspection report text" in read_pdf(Path("ok.pdf"), text_operators(10)).text


def test_html_nested_100000_deep_is_refused_in_one_line():
    with pytest.raises(IngestError) as refused:
        read_html(Path("deep.html"), deep_html(100_000))
    assert str(refused.value) == ("deep.html: refused: the page nests elements over 400 deep "
                                  "(limit EA_PARSE__MAX_HTML_DEPTH)")
    with pytest.raises(IngestError, match="nests elements over 400 deep"):
        read_html(Path("deep.html"), deep_html(100_000, "span"))  # inline elements too
    assert read_html(Path("ok.html"), deep_html(300)).text.endswith("Deep text.")


def test_nested_lists_read_in_linear_time():
    def nested(levels: int, copies: int) -> bytes:
        one = "<ul><li>item text here" * levels + "</li></ul>" * levels
        return f"<main><h1>Report</h1>{one * copies}</main>".encode()

    def seconds(data: bytes) -> float:
        began = time.perf_counter()
        read_html(Path("lists.html"), data)
        return time.perf_counter() - began

    text = read_html(Path("lists.html"), nested(3, 1)).text
    assert text.split("\n") == ["Report", "- item text here", " - item text here", "  - item text here"]
    # 4x the nesting, same size: quadratic walking took ~16x as long (0.55 s against 0.025 s
    # for 190 levels when measured); linear stays near 1x. The bound leaves room for noise.
    shallow, deep = seconds(nested(40, 8)), seconds(nested(160, 2))
    assert deep < 4 * shallow + 0.05, (shallow, deep)


# -- text --------------------------------------------------------------------------------------


def test_markdown_link_with_parentheses_in_its_target_keeps_only_its_text():
    assert clean_inline("[x](javascript:alert(1)) and more") == "x and more"
    assert clean_inline("the [police and crime commissioner \\(PCC\\)](#), and") == \
        "the police and crime commissioner (PCC), and"


def test_footnote_markers_cannot_be_taken_for_citations():
    assert footnote_marks("use of child abduction warning notices,[5] to help") == \
        "use of child abduction warning notices,⁵ to help"
    assert footnote_marks("[1] Under section 38(6) of PACE") == "¹ Under section 38(6) of PACE"
    answer = "- warning notices,⁵ to help [3]\n- interviews¹² matter [12]"
    assert footnote_marks(answer) == answer  # our markers (space before) and superscripts stay


def test_names_shown_and_kept_are_free_of_tricks():
    assert display_name("report\u202efdp.txt") == "reportfdp.txt"  # shown as "reporttxt.pdf" with the RLO
    assert display_name("../../etc/passwd\x1b]0;owned\x07.txt") == "../../etc/passwd.txt"
    assert display_name("a\u200b\u200db\nc\tname.md") == "ab c name.md"
    assert display_name("x" * 500 + ".txt") == "x" * 196 + ".txt"
    assert printable("title\x1b]52;c;ZXZpbA==\x07 \x1b[2Jend") == "title end"


def test_a_force_named_5000_times_is_one_force():
    assert Filters.build(forces=["Cheshire"] * 5000 + ["cheshire ", "Merseyside"]).forces == ("Cheshire", "Merseyside")
