"""Case-study finder and force comparison on the bundled reports."""

from __future__ import annotations

import json

import pytest

from assistant.answer import NO_EVIDENCE


def test_case_studies_are_whole_ranked_and_on_topic(bundled):
    cases = bundled.case_studies("children who go missing from home", k=5)
    assert 1 <= len(cases) <= 5
    assert [c.score for c in cases] == sorted((c.score for c in cases), reverse=True)
    assert "missing" in (cases[0].title + cases[0].text).lower()
    for case in cases:
        assert all(p.is_case_study for p in case.passages)
        assert all(p.text in case.text for p in case.passages)  # every chunk of the case is in its text
        assert case.force and case.report_title and case.title
    assert len({(c.force, c.section) for c in cases}) == len(cases)  # one row per case study
    json.dumps([c.to_dict() for c in cases])


def test_case_studies_follow_filters_and_say_none_when_off_topic(bundled):
    cases = bundled.case_studies("missing children", forces=["Staffordshire"])
    assert cases and {c.force for c in cases} == {"Staffordshire"}
    assert bundled.case_studies("cryptocurrency exchange regulation") == []
    with pytest.raises(ValueError, match="unknown forces"):
        bundled.case_studies("missing children", forces=["Atlantis"])


def test_comparison_has_a_row_per_force_with_cited_verbatim_findings(bundled):
    comparison = bundled.compare("appropriate adults for children detained in custody")
    assert [r.force for r in comparison.rows] == bundled.forces()
    found = [r for r in comparison.rows if r.found]
    assert len(found) >= 3
    for row in found:
        assert row.sentences and row.citations
        for sentence in row.sentences:
            text, marker = sentence.rsplit(" [", 1)
            cited = comparison.citations[int(marker.rstrip("]")) - 1]
            assert cited.force == row.force and text in cited.text
    numbers = [n for r in comparison.rows for n in r.citations]
    assert sorted(numbers) == list(range(1, len(comparison.citations) + 1))
    json.dumps(comparison.to_dict())


def test_comparison_states_absence_of_evidence(bundled):
    comparison = bundled.compare("cryptocurrency exchange regulation")
    assert comparison.rows and not any(r.found for r in comparison.rows)
    assert all(r.summary == NO_EVIDENCE and r.reports for r in comparison.rows)
    assert comparison.citations == [] and comparison.notes


def test_comparison_scope_follows_the_force_filter(bundled):
    comparison = bundled.compare("missing children", forces=["cheshire", "Merseyside"])
    assert [r.force for r in comparison.rows] == ["Cheshire", "Merseyside"]


def test_section_gives_the_passage_in_its_reading_context(bundled):
    passage = bundled.search("reactive management of registered sex offenders", k=1)[0]
    section = bundled.section(passage)
    assert passage.id in [p.id for p in section]
    assert all(p.section == passage.section and p.doc_id == passage.doc_id for p in section)
    assert [p.chunk_index for p in section] == sorted(p.chunk_index for p in section)
