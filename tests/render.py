"""Test helpers (not tests): render a simple block list as an HMICFRS-like web page or PDF.

A block is one of
    ("heading", level, text)   level 1..4
    ("para", text)
    ("bullet", text)
    ("row", [cell, ...])
Fixtures are built from these in tmp_path, so the readers are tested on files whose intended
structure is known exactly.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Sequence, Union

Block = Union[tuple[str, str], tuple[str, int, str], tuple[str, list[str]]]

CHROME_LINKS = ["Home", "Publications", "Our work", "About us", "Contact us"]


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(title: str, blocks: Sequence[Block]) -> str:
    """A report page: chrome (header, nav, breadcrumbs, script, footer) around a `<main>`."""
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_esc(title)} - HMICFRS</title>",
        "<style>body { font-family: sans-serif; } .hidden { display: none; }</style>",
        "<script>window.dataLayer = window.dataLayer || []; console.log('chrome');</script>",
        "</head>",
        "<body>",
        '<a class="skip-link" href="#main">Skip to main content</a>',
        '<header class="site-header"><a href="/">HMICFRS</a>',
        '<nav aria-label="Primary"><ul>',
        *[f'<li><a href="/{_esc(link.lower())}/">{_esc(link)}</a></li>' for link in CHROME_LINKS],
        "</ul></nav></header>",
        '<main id="main">',
        '<nav class="breadcrumbs"><ol><li><a href="/">Home</a></li>'
        '<li><a href="/publications/">Publications</a></li></ol></nav>',
        '<a class="print-link" href="#" onclick="window.print()">Print this document</a>',
    ]
    i = 0
    while i < len(blocks):
        kind = blocks[i][0]
        if kind == "bullet":  # consecutive bullets share one <ul>
            out.append("<ul>")
            while i < len(blocks) and blocks[i][0] == "bullet":
                out.append(f"  <li>{_esc(str(blocks[i][1]))}</li>")
                i += 1
            out.append("</ul>")
            continue
        if kind == "row":  # consecutive rows share one <table>; the first row is the header
            out.append('<table class="report-table">')
            first = True
            while i < len(blocks) and blocks[i][0] == "row":
                tag = "th" if first else "td"
                cells = "".join(f"<{tag}>{_esc(c)}</{tag}>" for c in blocks[i][1])
                out.append(f"  <tr>{cells}</tr>")
                first = False
                i += 1
            out.append("</table>")
            continue
        block: Any = blocks[i]
        if kind == "heading":
            level = block[1]
            out.append(f'<h{level} id="s{i}">{_esc(block[2])}</h{level}>')
        elif kind == "para":
            out.append(f"<p>\n  {_esc(block[1])}\n</p>")
        else:
            raise ValueError(f"unknown block kind {kind!r}")
        i += 1
    out += [
        "</main>",
        '<aside class="related"><h2>Related publications</h2><p>See also</p></aside>',
        '<footer class="site-footer"><p>© HMICFRS 2024</p><a href="/cookies/">Cookies</a></footer>',
        "<script src='/js/site.js'></script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


# Helvetica (a standard Type 1 font, WinAnsi encoding) covers curly quotes, en/em dashes,
# bullets, £ and ©; these few it lacks are mapped to look-alikes it has.
_PDF_SAFE = str.maketrans({"\u2011": "-", "\u2010": "-", "\u00a0": " ", "\u25aa": "\u2022"})


def pdf_safe(text: str) -> str:
    """The text as it will appear in a rendered PDF (tests compare against this)."""
    return text.translate(_PDF_SAFE)


def render_pdf(blocks: Sequence[Block], path: Path,
               running_header: str = "Child protection inspection") -> Path:
    """A report PDF: headings in larger bold fonts by level, body 10pt, bullets, tables, and a
    running header plus page-number footer on every page (the reader must drop both)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=6)
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=16, bulletIndent=4, spaceAfter=3)
    cell = ParagraphStyle("cell", parent=body, spaceAfter=0)
    head_sizes = {1: 20, 2: 17, 3: 15, 4: 13, 5: 12, 6: 11}
    heads = {
        lvl: ParagraphStyle(f"h{lvl}", fontName="Helvetica-Bold", fontSize=size, leading=size * 1.25,
                            spaceBefore=size * 0.6, spaceAfter=size * 0.4, keepWithNext=1)
        for lvl, size in head_sizes.items()
    }

    def para(text: str, style: ParagraphStyle, **kw: Any) -> Paragraph:
        return Paragraph(_esc(pdf_safe(text)), style, **kw)

    story: list[Any] = []
    i = 0
    while i < len(blocks):
        block: Any = blocks[i]
        if block[0] == "row":
            rows = []
            while i < len(blocks) and blocks[i][0] == "row":
                rows.append([para(c, cell) for c in blocks[i][1]])
                i += 1
            table = Table(rows, hAlign="LEFT")
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [table, Spacer(1, 6)]
            continue
        if block[0] == "heading":
            story.append(para(block[2], heads[block[1]]))
        elif block[0] == "para":
            story.append(para(block[1], body))
        elif block[0] == "bullet":
            story.append(para(block[1], bullet, bulletText="\u2022"))
        else:
            raise ValueError(f"unknown block kind {block[0]!r}")
        i += 1

    def chrome(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(20 * mm, A4[1] - 12 * mm, running_header)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, str(doc.page))
        canvas.restoreState()

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm, title="Report", invariant=1)
    doc.build(story, onFirstPage=chrome, onLaterPages=chrome)
    return path


# --- a realistic block list from a bundled report --------------------------------------------

_CHAPTER = re.compile(r"^(\d+\. |Foreword$|Summary$|Conclusion$|Next steps$|Annex )")


def _clean(line: str) -> str:
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)  # [text](#) -> text
    line = line.replace("\\(", "(").replace("\\)", ")").replace("**", "")
    line = re.sub(r"</?i>", "", line)
    line = re.sub(r"(?<!\w)\*([^*]+)\*(?!\w)", r"\1", line)
    return " ".join(line.split())


def report_blocks(path: Path, limit: int = 200) -> list[Block]:
    """Up to `limit` blocks from a bundled plain-text report (data/reports/*.txt): chapter
    lines become level 1, other short unpunctuated lines level 2, and every fifth level-2
    heading is demoted to 3 or 4 so all four levels occur."""
    blocks: list[Block] = []
    sub = 0
    for raw in path.read_text(encoding="utf-8").split("\n"):
        if len(blocks) >= limit:
            break
        if "\t" in raw:
            cells = [_clean(c) for c in raw.split("\t")]
            if all(cells):
                blocks.append(("row", cells))
            continue
        line = _clean(raw)
        if not line or line.startswith("National Child Protection"):
            continue
        if line.startswith(("- ", "• ")):
            blocks.append(("bullet", line[2:].strip()))
        elif _CHAPTER.match(line) and len(line) < 90:
            blocks.append(("heading", 1, line))
        elif len(line) < 110 and line[-1] not in ".:;,)" and len(line.split()) > 1:
            sub += 1
            blocks.append(("heading", 3 if sub % 5 == 0 else 4 if sub % 7 == 0 else 2, line))
        else:
            blocks.append(("para", line))
    return blocks


def to_blocks(parsed: Any, source_text: str) -> tuple[str, list]:
    """A parsed report (ingest.structure.ParsedReport) as its title and renderable blocks,
    headings one level below the h1 title."""
    from ingest.markup import clean_span

    front = [ln.text for ln in parsed.lines if ln.kind == "front"]
    blocks: list = [("para", line) for line in front[1:]]
    previous: tuple[str, ...] = ()
    for section in parsed.sections:
        common = 0
        while common < min(len(previous), len(section.path)) and previous[common] == section.path[common]:
            common += 1
        for depth in range(common, len(section.path)):
            blocks.append(("heading", depth + 2, section.path[depth]))
        previous = section.path
        body = clean_span("\n".join(ln.raw for ln in section.lines))
        for line in body.split("\n"):
            if line.lstrip().startswith("- "):
                blocks.append(("bullet", line.lstrip()[2:]))
            elif " | " in line:
                blocks.append(("row", line.split(" | ")))
            else:
                blocks.append(("para", line))
    footer = [ln.text for ln in parsed.lines if ln.kind == "chrome" and "©" in ln.text]
    blocks += [("para", line) for line in footer]
    return front[0], blocks
