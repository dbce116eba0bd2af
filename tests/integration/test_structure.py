"""Parsing and chunking of the bundled reports, checked against the reports themselves."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from assistant.records import Passage
from ingest.markup import clean_line, clean_span
from ingest.pipeline import context_prefix
from ingest.read_html import read_html
from ingest.read_pdf import read_pdf
from ingest.read_text import read_text
from ingest.structure import CASE_STUDY, parse_report

from conftest import EXPECTED_META, REPORT_IDS, bundled_report
from render import render_html, render_pdf, report_blocks

@pytest.fixture(scope="module")
def by_source(bundled) -> dict[str, list[Passage]]:
    out: dict[str, list[Passage]] = defaultdict(list)
    for p in bundled.passages():
        out[Path(p.source).name.split("-")[0]].append(p)
    return out


@pytest.mark.parametrize("name", REPORT_IDS)
def test_passages_carry_report_metadata(by_source, name):
    force, kind, inspected, published, year = EXPECTED_META[name]
    passages = by_source[name]
    assert passages
    assert {(p.force, p.report_type, p.inspected, p.published, p.year) for p in passages} == {
        (force, kind, inspected, published, year)
    }


@pytest.mark.parametrize("name", REPORT_IDS)
def test_every_contents_chapter_and_area_becomes_a_section(by_source, name):
    text = bundled_report(name).read_text()
    chapters = [clean_line(m[1]) for m in re.finditer(r"^(\d{1,2}\. [^\t\n]+)\t", text, re.M)]
    # Reviews have no contents list: their chapters are the "Area: Summary of ..." prefixes.
    chapters += [m[1] for m in re.finditer(r"^([^:\n]{3,60}): (?:Summary of )?post-inspection review findings", text, re.M)]
    assert chapters, "the test found no chapters to check"
    tops = {p.section.split(" > ")[0] for p in by_source[name]}
    assert set(chapters) <= tops, set(chapters) - tops


@pytest.mark.parametrize("name", REPORT_IDS)
def test_case_studies_are_flagged(by_source, name):
    text = bundled_report(name).read_text()
    passages = sorted(by_source[name], key=lambda p: p.start)
    starts = [m.start() for m in re.finditer(r"^Case stud(?:y|ies)\b", text, re.M)]
    for offset in starts:
        following = next(p for p in passages if p.start > offset)
        assert following.is_case_study, (offset, following.section)
    assert sum(p.is_case_study for p in passages) >= len(starts)
    # A case study is a section of its own, never the whole report.
    assert sum(p.is_case_study for p in passages) < len(passages) / 2


@pytest.mark.parametrize("name", REPORT_IDS)
def test_recommendations_are_flagged(by_source, name):
    recs = [p for p in by_source[name] if p.is_recommendation]
    assert recs
    assert all("recommend" in (p.section + p.text).lower() or "should" in p.text.lower() for p in recs)


@pytest.mark.parametrize("name", REPORT_IDS)
def test_offsets_slice_back_to_the_text(by_source, name):
    text = bundled_report(name).read_text()
    for p in by_source[name]:
        assert clean_span(text[p.start : p.end]) == p.text
        assert text[p.start : p.end].strip() == text[p.start : p.end], "span has stray whitespace"


@pytest.mark.parametrize("name", REPORT_IDS)
def test_every_body_line_is_in_a_chunk(by_source, name):
    """Each non-blank line is chunk text, a heading on a section path, or front matter."""
    path = bundled_report(name)
    text = path.read_text()
    passages = by_source[name]
    covered = bytearray(len(text))
    for p in passages:
        covered[p.start : p.end] = b"\x01" * (p.end - p.start)
    headings = {h for p in passages for h in p.section.split(" > ")}
    parsed = parse_report(read_text(path, path.read_bytes()))
    not_body = {ln.start for ln in parsed.lines if ln.kind in ("toc", "chrome", "front")}
    # A heading directly followed by another heading has no text to lose (an umbrella title).
    content = [ln for ln in parsed.lines if ln.kind in ("heading", "body")]
    not_body |= {a.start for a, b in zip(content, content[1:]) if a.kind == b.kind == "heading"}
    missing = []
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        if not line.strip() or start in not_body:
            continue
        cleaned = clean_line(line).lstrip(" -")
        in_chunk = all(covered[start + i] for i, ch in enumerate(line) if not ch.isspace())
        # An untitled "Case study" heading is named by the case's opening words.
        as_heading = any(cleaned.endswith(h) or h.endswith(cleaned) or h.startswith(f"{cleaned}: ") for h in headings)
        if not (in_chunk or as_heading):
            missing.append(line)
    assert not missing, missing[:5]
    # What the parser set aside is only contents lists, page chrome and the title block.
    skipped = [ln.text for ln in parsed.lines if ln.kind in ("toc", "chrome", "front")]
    assert len(skipped) < 45, skipped


@pytest.mark.parametrize("name", REPORT_IDS)
def test_no_text_is_duplicated_across_chunks(by_source, name):
    spans = sorted((p.start, p.end) for p in by_source[name])
    for (a1, b1), (a2, b2) in zip(spans, spans[1:]):
        assert b1 <= a2, f"chunks overlap: {(a1, b1)} and {(a2, b2)}"


@pytest.mark.parametrize("name", REPORT_IDS)
def test_chunks_fit_the_embedding_model(by_source, embedder, settings, name):
    limit = min(settings.chunk.max_tokens, embedder.max_tokens)
    passages = by_source[name]
    texts = []
    for p in passages:
        prefix = context_prefix(p.force, tuple(p.section.split(" > ")), embedder, settings.chunk.prefix_max_tokens)
        texts.append(f"{prefix}\n{p.text}")
    encoded = embedder.tokenizer(texts, add_special_tokens=True)["input_ids"]
    sizes = [len(ids) for ids in encoded]
    assert max(sizes) <= limit, max(sizes)


@pytest.mark.parametrize("name", REPORT_IDS)
def test_chunks_end_at_sentence_boundaries(by_source, name):
    for p in by_source[name]:
        last = p.text.rstrip()[-1]
        # A sentence, a list item or table row (no closing stop), or a heading-less line.
        assert last in ".!?:;)]\"”’" or "\n" in p.text or p.text.count(".") == 0 or last.isalnum(), p.text[-80:]


# Where each bundled report goes back to its own findings after a case study, with no heading
# between (read from the reports): the opening words of that paragraph.
RESUMED = {
    "cambridgeshire": ["However, we found that the demand hub doesn't always conduct research",
                       "Senior leaders have acknowledged that adverse childhood experiences"],
    "cheshire": ["Comprehensive and regularly updated records for missing children are essential"],
    "staffordshire": ["But staff in NPTs and those working in the hubs aren't trained",
                      "But we also saw examples of police offender managers inconsistently recording",
                      "The force has an agreed process with the National Probation Service"],
}


@pytest.mark.parametrize("name", sorted(RESUMED))
def test_a_case_study_ends_where_the_report_resumes(by_source, name):
    passages = sorted(by_source[name], key=lambda p: p.start)
    for opening in RESUMED[name]:
        here = next(p for p in passages if opening in p.text.replace("’", "'"))
        assert not here.is_case_study, (opening, here.section)
        assert not any(CASE_STUDY.match(part) for part in here.section.split(" > ")), here.section
        case = max((p for p in passages if p.is_case_study and p.start < here.start), key=lambda p: p.start)
        assert opening not in case.text
        # The text after the case belongs to the finding the case illustrates.
        assert case.section.rsplit(" > ", 1)[0] == here.section


def test_each_case_study_is_a_section_of_its_own_titled_by_what_happened(by_source):
    cases = [p for p in by_source["cambridgeshire"] if p.is_case_study]
    roots = {p.section for p in cases}
    assert len(roots) == 9  # nine "Case study" headings, two of them twice under one finding
    assert "5. Initial contact > The constabulary has effective systems to identify risk and prioritise its response " \
           "to the most vulnerable > Case study: A 16-year-old girl was reported missing from home" in roots
    assert all(r.rsplit(" > ", 1)[-1].startswith("Case study: ") for r in roots)


def _case_texts(parsed) -> set[str]:
    return {" ".join(" ".join(ln.text for ln in s.lines).split()) for s in parsed.sections if s.is_case_study}


@pytest.mark.parametrize("name", ["cambridgeshire", "cheshire", "staffordshire"])
def test_case_studies_have_the_same_bounds_in_html_and_pdf(name, tmp_path):
    """The same rules in every format: rendered as a web page and as a PDF (tests/render.py),
    each report's case studies are the plain-text version's, text for text."""
    path = bundled_report(name)
    text = _case_texts(parse_report(read_text(path, path.read_bytes())))
    blocks = report_blocks(path, limit=100_000)
    # The renderer makes paragraphs of lines over 110 characters: those cases have no heading there.
    headed = {b[2] for b in blocks if b[0] == "heading" and CASE_STUDY.match(b[2])}
    assert headed
    page = tmp_path / f"{name}.html"
    page.write_text(render_html(name, blocks), encoding="utf-8")
    pdf = render_pdf(blocks, tmp_path / f"{name}.pdf")
    for parsed in (parse_report(read_html(page, page.read_bytes())), parse_report(read_pdf(pdf, pdf.read_bytes()))):
        rendered = _case_texts(parsed)
        assert rendered <= text, rendered - text
        titled = [s for s in parsed.sections if s.is_case_study and CASE_STUDY.match(s.path[-1])]
        assert len({s.path for s in titled}) >= len(headed) - 1  # the plural block's heading has no text of its own
