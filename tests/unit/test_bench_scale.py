"""The scale benchmark's synthetic reports: they parse, with the new force and the template's
dates and sections, and they really are rearranged."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from eval.bench.scale_report import growth_lines
from eval.bench.synth import ENGLAND_AND_WALES, Synthesiser, SynthStats, force_name, rename
from ingest.readers import read_source
from ingest.structure import parse_report
from tests.conftest import REPORTS


@pytest.fixture(scope="module")
def synth() -> Synthesiser:
    return Synthesiser.from_paths(REPORTS.iterdir(), seed=7)


def test_force_names_are_real_then_numbered() -> None:
    assert force_name(0) == ENGLAND_AND_WALES[0] and len(ENGLAND_AND_WALES) == 43
    assert "Police Scotland" not in ENGLAND_AND_WALES
    assert force_name(43) == "Force-044" and force_name(999) == "Force-1000"


@pytest.mark.parametrize("i", [3, 4, 50, 57, 61])  # every template format, real and numbered forces
def test_a_written_report_parses_with_its_new_force_dates_and_sections(synth: Synthesiser, tmp_path: Path, i: int) -> None:
    name, text, template = synth.report(i)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    parsed = parse_report(read_source(path, 2**26))

    force = force_name(i)
    assert parsed.meta.force == force != template.force
    before = template.parsed.meta
    assert (parsed.meta.published, parsed.meta.inspected, parsed.meta.report_type, parsed.meta.year) == (
        before.published, before.inspected, before.report_type, before.year)
    assert Counter(s.title for s in parsed.sections) == Counter(
        rename(s.title, template.force, force) for s in template.parsed.sections)
    assert template.force not in text


def test_reports_are_rearranged_not_copied(synth: Synthesiser) -> None:
    stats = SynthStats()
    reports = [synth.report(i, stats) for i in range(10)]
    assert stats.reports == 10 and stats.reordered >= 3 and stats.recombined >= 3
    # A report whose every rearrangement parsed differently is kept as a renamed copy: rare.
    copies = sum(text == rename(t.text, t.force, force_name(i)) for i, (_, text, t) in enumerate(reports))
    assert copies <= 2
    assert len({name for name, _, _ in reports}) == 10
    assert synth.report(5) == reports[5]  # deterministic for (seed, i)


def test_recombined_paragraphs_come_from_another_report_with_the_same_heading(synth: Synthesiser) -> None:
    # A review template (Cheshire, Lancashire, Merseyside) takes "Next steps" / summary
    # paragraphs from the other reviews; each paragraph must exist verbatim in some template.
    stats = SynthStats()
    _, text, template = synth.report(1, stats)
    assert stats.recombined == 1
    force = force_name(1)
    others = [t for t in synth.templates if t is not template]
    borrowed = [
        line for line in text.split("\n")
        if len(line) > 80 and line not in rename(template.text, template.force, force)
    ]
    assert borrowed, "no paragraph from another report"
    for line in borrowed:
        assert any(line in rename(t.text, t.force, force) for t in others), line


def test_growth_is_reported_between_sizes() -> None:
    rows = [
        {"size": n, "ingest": {"chunks": 80 * n, "ingest_s": 0.9 * n, "peak_rss_mb": 900 + n},
         "disk": {"total_mb": 2.0 * n, "derived_mb": 0.5 * n}}
        for n in (100, 1000)
    ]
    lines = growth_lines(rows)
    assert lines[0] == "From 100 to 1,000 reports (×10):"
    assert "- chunks: ×10.0" in lines and "- ingest time: ×10.0" in lines
