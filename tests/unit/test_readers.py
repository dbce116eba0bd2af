"""The HTML and PDF readers, on fixtures rendered from known block lists (tests/render.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import REPORTS
from render import Block, pdf_safe, render_html, render_pdf, report_blocks

from assistant.errors import IngestError
from ingest.read_html import read_html
from ingest.read_pdf import read_pdf
from ingest.source import SourceText

# the two bundled reports whose block lists use all four heading levels
LONG_REPORTS = ["cambridgeshire-2021-inspection.txt", "staffordshire-2021-inspection.txt"]
LONG_PARA = (
    "We found that the constabulary’s response to children who go missing from home is "
    "inconsistent: some officers complete thorough “return home” interviews, share information "
    "with children’s social care promptly and record the risks they identify, while others treat "
    "repeat episodes as routine, fail to recognise signs of exploitation – such as unexplained "
    "money, new phones or older associates – and do not refer children to partner agencies. "
    "Supervisors rarely review these cases, and the force cannot be confident that every child "
    "at risk of harm receives the protection they need."
)
BLOCKS: list[Block] = [
    ("heading", 1, "1. Introduction"),
    ("para", "This report sets out the findings of our inspection of child protection in the force."),
    ("heading", 2, "The police’s responsibility to keep children safe"),
    ("para", LONG_PARA),
    ("para", "Specific areas for improvement include:"),
    ("bullet", "an inconsistent approach to domestic abuse risk assessments when children are involved;"),
    ("bullet", "a lack of consistency in the way officers manage lower-risk offenders, particularly where "
               "registered sex offenders move between force areas and information is not passed on "
               "quickly enough to the receiving force; and"),
    ("bullet", "sharing information with partners sooner in online abuse investigations."),
    ("heading", 3, "Case file analysis"),
    ("para", "Our inspectors assessed 79 cases; the results are set out below & discussed in chapter 4."),
    ("row", ["Local authority", "Judgment", "Date published"]),
    ("row", ["Cambridgeshire County Council", "Requires improvement", "January 2019"]),
    ("row", ["Peterborough City Council", "Good", "July 2018"]),
    ("heading", 4, "Recommendations"),
    ("para", "Within six months, the force should review how it records the voice of the child."),
] + [("para", f"Paragraph {i}: " + LONG_PARA) for i in range(12)] + [
    ("heading", 2, "Conclusion"),
    ("para", "There is a clear commitment from the leadership that child protection is a priority."),
]


def expected(blocks: list[Block], pdf: bool = False) -> tuple[list[str], dict[int, int]]:
    """The lines and heading levels a reader should produce for `blocks`."""
    fix = pdf_safe if pdf else (lambda s: s)
    lines: list[str] = []
    headings: dict[int, int] = {}
    for block in blocks:
        if block[0] == "heading":
            headings[len(lines)] = int(block[1])  # type: ignore[misc]
            lines.append(" ".join(fix(str(block[2])).split()))
        elif block[0] == "row":
            lines.append("\t".join(" ".join(fix(c).split()) for c in block[1]))  # type: ignore[union-attr]
        else:
            prefix = "- " if block[0] == "bullet" else ""
            lines.append(prefix + " ".join(fix(str(block[1])).split()))
    return lines, headings


def read(reader, path: Path) -> SourceText:  # type: ignore[no-untyped-def]
    result = reader(path, path.read_bytes())
    assert result.text == reader(path, path.read_bytes()).text  # deterministic
    return result


# --- HTML --------------------------------------------------------------------------------------

def test_html_structure_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_html("Cambridgeshire – child protection", BLOCKS), encoding="utf-8")
    result = read(read_html, path)
    lines, headings = expected(BLOCKS)
    assert result.format == "html"
    assert result.text.split("\n") == lines
    assert result.headings == headings


def test_html_drops_chrome(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_html("Report", BLOCKS), encoding="utf-8")
    text = read(read_html, path).text
    for chrome in ["Skip to main content", "Print this document", "Publications", "Our work",
                   "Cookies", "dataLayer", "font-family", "Related publications", "© HMICFRS",
                   "- HMICFRS", "Home"]:
        assert chrome not in text
    assert "<" not in text and "&amp;" not in text and "\n\n" not in text


def test_html_entities_inline_tags_lists_and_fallback_root() -> None:
    page = b"""<html><head><title>T</title><script>var x = "<p>no</p>";</script></head><body>
      <header><nav><a href="/">Home</a></nav></header>
      <div class="breadcrumbs"><a href="/">Home</a> &gt; Reports</div>
      <h2>Key   <em>findings</em></h2>
      <p>Use of &lt;script&gt; tags &amp; &quot;quotes&quot;&nbsp;here.</p>
      <p>First line<br>second <a href="#">line</a> with <b>bold</b><i>italic</i>.</p>
      <ul><li>Outer <strong>one</strong>
            <ul><li>inner a</li><li>inner <span>b</span><ol><li>deepest</li></ol></li></ul></li>
          <li><p>Outer two</p></li></ul>
      <h5>Minor</h5><h6>Tiny</h6>
      <table><tr><th>Area</th><th>Grade</th></tr><tr><td>Initial <br>contact</td><td></td></tr></table>
      <!-- a comment --><p>   </p>
      <footer>Crown copyright</footer></body></html>"""
    result = read_html(Path("page.html"), page)
    assert result.text.split("\n") == [
        "Key findings",
        'Use of <script> tags & "quotes" here.',
        "First line second line with bolditalic.",
        "- Outer one",
        " - inner a",
        " - inner b",
        "  - deepest",
        "- Outer two",
        "Minor",
        "Tiny",
        "Area\tGrade",
        "Initial contact\t",
    ]
    assert result.headings == {0: 2, 8: 5, 9: 6}


def test_html_prefers_article_and_keeps_its_header() -> None:
    page = b"""<body><p>Site banner text</p>
      <article class="post tag-information-sharing"><header><h1>Report title</h1></header>
      <p>Body.</p><a class="print-link">Print this document</a></article></body>"""
    result = read_html(Path("a.html"), page)
    assert result.text == "Report title\nBody."
    assert result.headings == {0: 1}


def test_html_charsets() -> None:
    cp1252 = '<meta charset="windows-1252"><p>The force’s “plan” – 2021</p>'.encode("cp1252")
    assert read_html(Path("a.html"), cp1252).text == "The force’s “plan” – 2021"
    assert read_html(Path("a.html"), cp1252).headings is None  # no h1-h6: the parser infers
    http_equiv = (b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
                  b"<p>Caf\xe9 \x93quoted\x94</p>")
    assert read_html(Path("b.html"), http_equiv).text == "Café “quoted”"
    undeclared = "<p>Children’s social care</p>".encode("utf-8")
    assert read_html(Path("c.html"), undeclared).text == "Children’s social care"
    bom = b"\xef\xbb\xbf<p>bom \xe2\x80\x93 ok</p>"
    assert read_html(Path("d.html"), bom).text == "bom – ok"
    broken = b"<p>bad \xff byte</p>"  # not UTF-8, nothing declared: replace as a last resort
    assert read_html(Path("e.html"), broken).text == "bad \ufffd byte"


@pytest.mark.parametrize("data", [b"", b"   ",
                                  b"<html><body><nav>Home</nav><script>x()</script></body></html>",
                                  b"<html><head><title>Only a title</title></head><body></body></html>"])
def test_html_without_text_is_an_error(data: bytes) -> None:
    with pytest.raises(IngestError) as err:
        read_html(Path("empty.html"), data)
    assert err.value.reason == "no text found in HTML"


@pytest.mark.parametrize("report", LONG_REPORTS)
def test_html_long_report_round_trip(tmp_path: Path, report: str) -> None:
    blocks = report_blocks(REPORTS / report, limit=200)
    path = tmp_path / "long.html"
    path.write_text(render_html(report, blocks), encoding="utf-8")
    result = read(read_html, path)
    lines, headings = expected(blocks)
    assert result.text.split("\n") == lines
    assert result.headings == headings


# --- PDF ---------------------------------------------------------------------------------------

def page_count(path: Path) -> int:
    from pdfminer.pdfpage import PDFPage  # the reader's own dependency: no extra package for tests

    with path.open("rb") as fh:
        return sum(1 for _ in PDFPage.get_pages(fh))


def test_pdf_structure_round_trip(tmp_path: Path) -> None:
    path = render_pdf(BLOCKS, tmp_path / "report.pdf", running_header="Cambridgeshire Constabulary 2021")
    assert page_count(path) >= 2
    result = read(read_pdf, path)
    lines, headings = expected(BLOCKS, pdf=True)
    assert result.format == "pdf"
    assert result.text.split("\n") == lines
    assert result.headings == headings


def test_pdf_rebuilds_wrapped_paragraphs_and_drops_furniture(tmp_path: Path) -> None:
    from pdfminer.high_level import extract_text

    # the running header repeats the title: the title heading (set larger than body) stays
    path = render_pdf(BLOCKS, tmp_path / "report.pdf", running_header="1. Introduction")
    raw = extract_text(str(path))
    assert raw.count("1. Introduction") >= 3
    assert sum(1 for ln in raw.split("\n") if ln.strip() and ln.strip() in LONG_PARA) >= 4  # it wraps
    lines = read(read_pdf, path).text.split("\n")
    assert lines.count(pdf_safe(LONG_PARA)) == 1
    assert lines.count("1. Introduction") == 1 and lines[0] == "1. Introduction"
    assert not [ln for ln in lines if ln.strip().isdigit()]  # page numbers gone


def draw_lines(path: Path, lines: list[tuple[str, float]], size: float = 10) -> Path:
    """A one-page PDF with each (text, x) drawn on its own baseline, 12pt apart."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), invariant=1)
    c.setFont("Helvetica", size)
    y = 780.0
    for text, x in lines:
        if text:
            c.drawString(x, y, text)
        y -= 12 if text else 8  # an empty entry is extra paragraph spacing
    c.save()
    return path


def test_pdf_hyphen_at_line_end_is_kept_and_joined(tmp_path: Path) -> None:
    line1 = "The force has invested in a new approach to safeguarding children through its multi-"
    line2 = "agency safeguarding hub, which opened in 2020 and now covers the whole county; it"
    line3 = "is well-regarded."
    path = draw_lines(tmp_path / "h.pdf", [(line1, 72), (line2, 72), (line3, 72), ("", 72),
                                           ("A second paragraph starts here.", 72)])
    assert read_pdf(path, path.read_bytes()).text.split("\n") == [
        f"{line1}{line2} {line3}", "A second paragraph starts here."]


def test_pdf_dash_lists_and_wrapped_dashes(tmp_path: Path) -> None:
    wrap1 = "While it is everyone's responsibility to look out for vulnerable children, police forces"
    wrap2 = "– working together and with other organisations – have a particular role."
    path = draw_lines(tmp_path / "d.pdf", [
        (wrap1, 72), (wrap2, 72), ("", 0),
        ("Specific areas include:", 72), ("", 0),
        ("- good joint investigations of child abuse;", 80),
        ("– strong work with other organisations.", 80),
        ("", 0), ("A closing paragraph that is long enough to set the right margin of the page text.", 72)])
    assert read_pdf(path, path.read_bytes()).text.split("\n") == [
        f"{wrap1} {wrap2}", "Specific areas include:", "- good joint investigations of child abuse;",
        "- strong work with other organisations.",
        "A closing paragraph that is long enough to set the right margin of the page text."]


def test_pdf_errors(tmp_path: Path) -> None:
    good = render_pdf(BLOCKS[:5], tmp_path / "good.pdf").read_bytes()
    cases = {
        "empty.pdf": (b"", "not a readable PDF: "),
        "random.pdf": (random.Random(7).randbytes(4096), "not a readable PDF: "),
        "truncated.pdf": (good[: len(good) // 2], "not a readable PDF: "),
        "header-only.pdf": (b"%PDF-1.4\n%%EOF\n", "not a readable PDF: "),
    }
    for name, (data, reason) in cases.items():
        with pytest.raises(IngestError) as err:
            read_pdf(tmp_path / name, data)
        assert err.value.reason.startswith(reason), name
        assert err.value.path == tmp_path / name


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.setFillGray(0.5)
    c.rect(72, 72, 400, 600, fill=1)  # stands in for a scanned page image
    c.showPage()
    c.rect(72, 72, 400, 600, fill=1)
    c.drawCentredString(300, 30, "2")  # only a page number: still no text
    c.save()
    with pytest.raises(IngestError) as err:
        read_pdf(path, path.read_bytes())
    assert err.value.reason == "no extractable text (scanned PDF without a text layer?)"


def test_pdf_encrypted(tmp_path: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    def make(name: str, user: str) -> Path:
        path = tmp_path / name
        c = canvas.Canvas(str(path), encrypt=StandardEncryption(user, ownerPassword="owner-secret"))
        c.setFont("Helvetica", 10)
        c.drawString(72, 700, "Restricted report text.")
        c.save()
        return path

    locked = make("locked.pdf", "user-secret")
    with pytest.raises(IngestError) as err:
        read_pdf(locked, locked.read_bytes())
    assert err.value.reason == "encrypted PDF"
    open_ = make("owner-only.pdf", "")  # opens with the empty password: readable
    assert read_pdf(open_, open_.read_bytes()).text == "Restricted report text."


@pytest.mark.parametrize("report", LONG_REPORTS)
def test_pdf_long_report_round_trip(tmp_path: Path, report: str) -> None:
    blocks = report_blocks(REPORTS / report, limit=200)
    assert len(blocks) == 200 and {b[1] for b in blocks if b[0] == "heading"} == {1, 2, 3, 4}
    path = render_pdf(blocks, tmp_path / "long.pdf")
    assert page_count(path) >= 8
    result = read(read_pdf, path)
    lines, headings = expected(blocks, pdf=True)
    assert result.text.split("\n") == lines
    assert result.headings == headings
