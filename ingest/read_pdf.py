"""PDF reader: the text layer rebuilt as one line per block, headings from font sizes.

Why pdfminer.six rather than pypdf: pdfminer hands us every glyph with its font name, size
and exact position, so lines, paragraph gaps, right margins and table cell gaps can be
measured. pypdf's `visitor_text` hands over whole runs of text (often several operators
at once) with one matrix, so glyph positions and gaps are not available, and it drops glyphs
it cannot map (e.g. the WinAnsi bullet below, which reportlab and others emit).

Rebuilding, in order: glyphs -> lines (by baseline) -> drop running headers/footers and page
numbers -> merge lines into paragraphs (same style, normal leading, previous line wrapped) ->
headings (larger, or bold and short) levelled by size rank, largest = 1 (at most 6).

Hyphenation choice: a line ending in "-" after a letter, followed by a lowercase letter, is
joined WITHOUT a space and the hyphen is KEPT. Report prose breaks at real hyphens
("multi-\\nagency", "child-\\ncentred") far more often than it soft-hyphenates, and keeping the
hyphen never deletes a character; only an explicit soft hyphen (U+00AD) is removed.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTPage
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser

from assistant.errors import IngestError
from ingest.limits import OverBudget, ParseLimits, stream_budget
from ingest.source import SourceText

NO_TEXT = "no extractable text (scanned PDF without a text layer?)"
BULLETS = "•▪●◦‣∙·■□➢➤-–\uf0b7\uf0a7\uf0d8\uf076"
_BULLET = re.compile(rf"^[{re.escape(BULLETS)}][ \t]+(?=\S)")
_PAGE_NO = re.compile(r"^(page\s*)?(\d{1,4}|(?=[ivxlc])c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3}))"
                      r"(\s*(of|/)\s*\d{1,4})?$", re.I)
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "\xa0": " "})
# PDF 32000 Annex D: in WinAnsiEncoding the unused codes render as a bullet (reportlab uses 127).
_WINANSI_UNUSED = {0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D}


class _Aggregator(PDFPageAggregator):
    def __init__(self, manager: PDFResourceManager, limits: ParseLimits):
        super().__init__(manager, laparams=None)  # no layout analysis: we group glyphs
        self.limits = limits
        self.glyphs = self.on_page = 0

    def begin_page(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.on_page = 0
        super().begin_page(*args, **kwargs)

    def render_char(self, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
        # Counted as drawn: a short stream of text operators (or a form drawn many times)
        # can paint millions of glyphs, each an object kept until its page ends.
        self.glyphs += 1
        self.on_page += 1
        if self.on_page > self.limits.max_page_glyphs:
            raise OverBudget(f"draws over {self.limits.max_page_glyphs:,} glyphs on one page "
                             "(limit EA_PARSE__MAX_PAGE_GLYPHS)")
        if self.glyphs > self.limits.max_chars:
            raise OverBudget(f"draws over {self.limits.max_chars:,} glyphs (limit EA_PARSE__MAX_CHARS)")
        return super().render_char(*args, **kwargs)

    def handle_undefined_char(self, font, cid: int) -> str:  # type: ignore[no-untyped-def]
        return "•" if not font.is_multibyte() and cid in _WINANSI_UNUSED else ""


@dataclass
class _Line:
    page: int
    text: str
    size: float  # dominant glyph size, rounded to 0.5pt
    bold: bool
    x0: float
    x1: float
    base: float  # baseline y (PDF space: larger = higher on the page)
    x_second: float  # x0 of the second glyph: where a bullet item's text starts
    cols: list[float]  # x0 of each tab-separated segment (table cells)
    word: float  # width of the first word: would it have fitted on the line before?


@dataclass
class _Block:
    kind: str  # "para", "bullet" or "row"
    parts: list[str]  # one part, or one per table cell
    first: _Line
    last: _Line
    cols: list[float]  # where continuation lines must start (text x0, or cell x0s)


def _chars(item: LTContainer) -> list[LTChar]:
    out: list[LTChar] = []
    for child in item:
        if isinstance(child, LTChar):
            if child.upright and child.get_text():  # skip rotated text and unmapped glyphs
                out.append(child)
        elif isinstance(child, LTContainer):  # form XObjects (LTFigure)
            out.extend(_chars(child))
    return out


def _page_lines(page_no: int, layout: LTPage) -> list[_Line]:
    chars = sorted(_chars(layout), key=lambda c: (-round(c.matrix[5], 1), c.x0))
    groups: list[list[LTChar]] = []
    base, size = 0.0, 0.0
    for c in chars:  # glyphs whose baselines are within half a font size share a line
        if groups and abs(c.matrix[5] - base) <= 0.5 * max(size, c.size):
            groups[-1].append(c)
            if c.size > size:
                base, size = c.matrix[5], c.size
        else:
            groups.append([c])
            base, size = c.matrix[5], c.size
    lines: list[_Line] = []
    for group in groups:
        group.sort(key=lambda c: c.x0)
        ink = [c for c in group if c.get_text().strip()]
        if not ink:
            continue
        parts: list[str] = []
        cols = [ink[0].x0]
        word_end = None
        prev: LTChar | None = None
        for c in group:
            t = c.get_text().translate(_LIGATURES)
            if prev is not None:
                gap = c.x0 - prev.x1
                if t == prev.get_text() and abs(c.x0 - prev.x0) < 0.1 * c.size:
                    continue  # fake bold: the same glyph painted twice
                if gap > 1.0 * c.size and t.strip():  # wider than a word space: a table column
                    parts.append("\t")
                    cols.append(c.x0)
                elif gap > 0.15 * c.size:
                    parts.append(" ")
                if word_end is None and (gap > 0.15 * c.size or not t.strip()):
                    word_end = prev.x1
            parts.append(t)
            prev = c
        text = re.sub(r" *\t[ \t]*", "\t", re.sub(r" +", " ", "".join(parts))).strip(" \t")
        sizes = Counter(round(c.size * 2) / 2 for c in ink)
        bold = sum(bool(_BOLD.search(c.fontname)) for c in ink) * 2 > len(ink)
        top = max(group, key=lambda c: c.size)
        lines.append(_Line(page_no, text, sizes.most_common(1)[0][0], bold,
                           ink[0].x0, ink[-1].x1, top.matrix[5],
                           ink[min(1, len(ink) - 1)].x0, cols,
                           (word_end or ink[-1].x1) - ink[0].x0))
    return lines


def _extract(path: Path, data: bytes, limits: ParseLimits) -> list[list[_Line]]:
    if not data.strip():
        raise IngestError(path, "not a readable PDF: empty file")
    if b"%PDF-" not in data[:1024]:
        raise IngestError(path, "not a readable PDF: no %PDF header")
    if b"%%EOF" not in data[-2048:]:  # pdfminer's recovery would silently read half a file
        raise IngestError(path, "not a readable PDF: truncated (no %%EOF marker)")
    try:
        with stream_budget(limits):
            doc = PDFDocument(PDFParser(io.BytesIO(data)), password="")
            manager = PDFResourceManager()
            device = _Aggregator(manager, limits)
            interpreter = PDFPageInterpreter(manager, device)
            pages: list[list[_Line]] = []
            for n, page in enumerate(PDFPage.create_pages(doc)):
                interpreter.process_page(page)
                pages.append(_page_lines(n, device.get_result()))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise IngestError(path, "encrypted PDF") from None
    except OverBudget as exc:
        raise IngestError(path, f"refused: the PDF {exc}") from None
    except (IngestError, MemoryError):
        raise
    except Exception as exc:  # pdfminer raises many types (PSEOF, PDFSyntaxError, KeyError...)
        cause = f"{type(exc).__name__}: {exc}"[:100]
        raise IngestError(path, f"not a readable PDF: {cause}") from None
    if not pages:
        raise IngestError(path, "not a readable PDF: no pages")
    return pages


def _body_size(lines: list[_Line]) -> float:
    weights: Counter[float] = Counter()
    for ln in lines:
        weights[ln.size] += len(ln.text)
    return weights.most_common(1)[0][0]  # the body font: the size most text is set in


def _drop_furniture(pages: list[list[_Line]], body: float) -> list[_Line]:
    """Running headers/footers (same text, digits aside, near the top or bottom of at least
    half the pages, not set larger than body text: a title page's heading stays) and lone
    page numbers at the top or bottom of a page."""
    def edges(lines: list[_Line]) -> list[_Line]:
        return lines[:3] + lines[-3:] if len(lines) > 6 else lines

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    seen = Counter(k for lines in pages for k in {key(ln) for ln in edges(lines)})
    need = max(2, (len(pages) + 1) // 2)
    out: list[_Line] = []
    for lines in pages:
        drop = {id(ln) for ln in edges(lines)
                if _PAGE_NO.match(ln.text)
                or (len(pages) > 1 and seen[key(ln)] >= need and ln.size <= body + 0.5)}
        out.extend(ln for ln in lines if id(ln) not in drop)
    return out


def _join(a: str, b: str) -> str:
    if a.endswith("\xad"):
        return a[:-1] + b
    if len(a) > 1 and a.endswith("-") and a[-2].isalpha() and b[:1].islower():
        return a + b  # see module docstring: keep the hyphen, no space
    return a + " " + b


def _near(a: _Line, b: _Line) -> bool:
    """`b` follows `a` on the same page at (about) normal line spacing."""
    return a.page == b.page and 0 < a.base - b.base <= 1.5 * b.size


def _blocks(lines: list[_Line], right: float, width: float) -> list[_Block]:
    def wrapped(a: _Line, b: _Line) -> bool:  # b's first word would not have fitted on a
        return a.x1 + 0.25 * b.size + b.word >= right - 0.05 * width

    def continues(prev: _Block, ln: _Line) -> bool:  # ln is the next line of paragraph/item prev
        last = prev.last
        if prev.kind == "row" or "\t" in ln.text or (ln.size, ln.bold) != (last.size, last.bold):
            return False
        if not wrapped(last, ln) or ln.x0 < prev.cols[0] - 2:  # short line, or back at the margin
            return False
        if ln.page == last.page:
            return _near(last, ln)
        # across a page break, unless a sentence visibly ended there
        return ln.page == last.page + 1 and not (last.text[-1:] in ".!?:" and ln.text[:1].isupper())

    blocks: list[_Block] = []
    for ln in lines:
        prev = blocks[-1] if blocks else None
        bullet = _BULLET.match(ln.text)
        if bullet and ln.text[0] in "-–" and prev and continues(prev, ln) \
                and abs(ln.x0 - prev.last.x0) < 2:
            bullet = None  # a dash that wrapped onto the next line ("forces\n– working")
        text = ln.text[bullet.end():] if bullet else ln.text
        cells = text.split("\t")
        if prev and not bullet and prev.kind == "row" and _near(prev.last, ln) \
                and ln.size == prev.last.size:
            # a wrapped table cell: every segment starts at one of the row's columns
            cols = ln.cols[-len(cells):]
            idx = [next((i for i, x in enumerate(prev.cols) if abs(x - c) < 3), -1) for c in cols]
            if -1 not in idx:
                for i, cell in zip(idx, cells):
                    prev.parts[i] = _join(prev.parts[i], cell) if prev.parts[i] else cell
                prev.last = ln
                continue
        if prev and not bullet and continues(prev, ln):
            prev.parts[0] = _join(prev.parts[0], text)
            prev.last = ln
        elif len(cells) > 1:
            blocks.append(_Block("row", cells, ln, ln, ln.cols[-len(cells):]))
        else:
            kind = "bullet" if bullet else "para"
            blocks.append(_Block(kind, [text], ln, ln, [ln.x_second if bullet else ln.x0]))
    return blocks


def read_pdf(path: Path, data: bytes, limits: ParseLimits = ParseLimits()) -> SourceText:
    pages = _extract(path, data, limits)
    if not any(pages):
        raise IngestError(path, NO_TEXT)
    lines = _drop_furniture(pages, _body_size([ln for page in pages for ln in page]))
    if not lines:
        raise IngestError(path, NO_TEXT)
    body = _body_size(lines)
    body_lines = [ln for ln in lines if ln.size == body and len(ln.cols) == 1] or lines
    rights = sorted(ln.x1 for ln in body_lines)
    right = rights[int(0.95 * (len(rights) - 1))]
    blocks = _blocks(lines, right, right - min(ln.x0 for ln in body_lines))

    def is_heading(b: _Block) -> bool:
        text, size = b.parts[0], b.first.size
        if b.kind != "para" or len(text) > 200:
            return False
        return size >= body + 1 or (b.first.bold and size >= body - 0.5 and len(text) <= 120
                                    and not text.endswith("."))

    sizes = sorted({b.first.size for b in blocks if is_heading(b)}, reverse=True)
    out: list[str] = []
    headings: dict[int, int] = {}
    for b in blocks:
        text = "\t".join(" ".join(part.split()) for part in b.parts)
        if not text.strip():
            continue
        if is_heading(b):
            headings[len(out)] = min(sizes.index(b.first.size) + 1, 6)  # largest = 1, as h1-h6
        out.append("- " + text if b.kind == "bullet" else text)
    if not out:
        raise IngestError(path, NO_TEXT)
    # no heading found by font: None lets the structure parser infer headings itself
    return SourceText(path=path, text="\n".join(out), format="pdf", headings=headings or None)
