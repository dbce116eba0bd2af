"""Case-study finder and force comparison on the bundled reports."""

from __future__ import annotations

import json

import pytest

from assistant.answer import NO_EVIDENCE


def _fold(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def test_case_studies_are_whole_ranked_and_on_topic(bundled):
    cases = bundled.case_studies("children who go missing from home", k=5)
    assert 1 <= len(cases) <= 5
    assert [c.score for c in cases] == sorted((c.score for c in cases), reverse=True)
    assert "missing" in (cases[0].title + cases[0].text).lower()
    for case in cases:
        assert all(p.is_case_study for p in case.passages)
        assert all(p.text in case.text for p in case.passages)  # every chunk of the case is in its text
        assert case.force and case.report_title and case.title and (case.inspected or case.published)
        assert "missing children" in case.themes and case.matched
        assert all(_fold(m).lower() in _fold(case.title + " " + case.text).lower() for m in case.matched)
    assert len({(c.force, c.section) for c in cases}) == len(cases)  # one row per case study
    json.dumps([c.to_dict() for c in cases])


def test_a_case_card_is_one_case_titled_by_what_happened(bundled):
    """Two cases under one finding are two cards; a card ends where the report resumes; an
    untitled case is titled by its opening words, never by the section heading above it."""
    cases = bundled.case_studies("domestic abuse", k=10)
    cambs = [c for c in cases if c.force == "Cambridgeshire"]
    assert len(cambs) >= 2 and len({c.section for c in cambs}) == len(cambs)
    hub = next(c for c in cambs if c.title.startswith("Staff in the demand hub quickly identified children"))
    assert "doesn't always conduct research" not in _fold(hub.text)  # the report's text after the case
    assert not any(c.title == c.section.split(" > ")[-2] for c in cases)
    for case in cases:
        if case.title.endswith("…"):  # an untitled case: its opening words
            assert _fold(case.text).startswith(case.title.rstrip("…").split(" (")[0][:30])


def test_child_sexual_exploitation_cards_are_about_it(bundled):
    cases = bundled.case_studies("child sexual exploitation", k=8)
    assert len(cases) >= 3
    assert all("child sexual exploitation" in c.themes for c in cases)
    # A Cambridgeshire case that never says "exploitation": a man paid girls to perform a sex act.
    paid = [c for c in cases if c.force == "Cambridgeshire" and "paid her" in c.text]
    assert paid and {"paid her", "sex act"} <= {m.lower() for m in paid[0].matched}
    # A topic naming a theme does not list cases that use its word in passing.
    custody = bundled.case_studies("custody", k=10)
    assert custody and all("custody" in c.themes for c in custody)


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
        assert row.sentences and row.citations and len(row.quotes) == len(row.sentences)
        for sentence in row.sentences:
            text, marker = sentence.rsplit(" [", 1)
            cited = comparison.citations[int(marker.rstrip("]")) - 1]
            assert cited.force == row.force and _fold(text) in _fold(cited.text)
        for quote in row.quotes:  # whole sentences; a list's items marked, never a "- " in the text
            assert not quote.text.startswith(("- ", "• ")) and quote.force == row.force
            assert quote.list_item or (quote.text[0].isupper() or quote.text[0].isdigit()) and quote.text[-1] in ".:;!?)”"
        # Each row names its reports with both dates.
        assert row.coverage and all(e.inspected for e in row.coverage)
    numbers = [n for r in comparison.rows for n in r.citations]
    assert sorted(numbers) == list(range(1, len(comparison.citations) + 1))
    # The bundled reports span 2018 to 2023: the comparison says so.
    assert any("2018 to 2023" in note for note in comparison.notes)
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
