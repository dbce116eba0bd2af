"""HTML and PDF versions of a bundled report parse into the same sections and metadata.

The fixtures are rendered in the test from the plain-text parse: the title as h1, each
heading at its depth, the body as paragraphs, bullets and table rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.markup import clean_span
from ingest.read_html import read_html
from ingest.read_pdf import read_pdf
from ingest.read_text import read_text
from ingest.structure import ParsedReport, parse_report
from render import render_html, render_pdf

from conftest import bundled_reports

CASES = ["cheshire", "staffordshire"]  # one post-inspection review, one full inspection


def _parsed_text(name: str) -> tuple[Path, ParsedReport]:
    path = next(p for p in bundled_reports() if p.name.startswith(name))
    return path, parse_report(read_text(path, path.read_bytes()))


def to_blocks(parsed: ParsedReport, source_text: str) -> tuple[str, list]:
    """The parsed report as renderable blocks, headings one level below the h1 title."""
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


def _signature(parsed: ParsedReport) -> list[tuple]:
    return [(s.path, s.area, s.is_case_study, s.is_recommendation) for s in parsed.sections]


@pytest.mark.parametrize("name", CASES)
def test_html_gives_the_same_sections_and_metadata(tmp_path, name):
    path, expected = _parsed_text(name)
    title, blocks = to_blocks(expected, path.read_text())
    page = tmp_path / f"{name}.html"
    page.write_text(render_html(title, [("heading", 1, title)] + blocks), encoding="utf-8")
    got = parse_report(read_html(page, page.read_bytes()))
    assert got.meta == expected.meta
    assert _signature(got) == _signature(expected)


@pytest.mark.parametrize("name", CASES)
def test_pdf_gives_the_same_sections_and_metadata(tmp_path, name):
    path, expected = _parsed_text(name)
    title, blocks = to_blocks(expected, path.read_text())
    pdf = tmp_path / f"{name}.pdf"
    render_pdf([("heading", 1, title)] + blocks, pdf)
    got = parse_report(read_pdf(pdf, pdf.read_bytes()))
    assert got.meta == expected.meta
    assert _signature(got) == _signature(expected)
