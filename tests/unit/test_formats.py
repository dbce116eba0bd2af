"""HTML and PDF versions of a bundled report parse into the same sections and metadata.

The fixtures are rendered in the test from the plain-text parse: the title as h1, each
heading at its depth, the body as paragraphs, bullets and table rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.read_html import read_html
from ingest.read_pdf import read_pdf
from ingest.read_text import read_text
from ingest.structure import ParsedReport, parse_report
from render import render_html, render_pdf, to_blocks

from conftest import bundled_reports

CASES = ["cheshire", "staffordshire"]  # one post-inspection review, one full inspection


def _parsed_text(name: str) -> tuple[Path, ParsedReport]:
    path = next(p for p in bundled_reports() if p.name.startswith(name))
    return path, parse_report(read_text(path, path.read_bytes()))


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
