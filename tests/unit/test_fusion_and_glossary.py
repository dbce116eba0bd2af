"""Reciprocal rank fusion and the acronym glossary, on hand-made text."""

from __future__ import annotations

import pytest

from assistant.index.glossary import Glossary, long_form
from assistant.retrieve import rrf


def test_rrf_matches_the_formula():
    scores = rrf([["a", "b", "c"], ["b", "d"]], k=60)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61) and scores["d"] == pytest.approx(1 / 62)
    assert max(scores, key=scores.get) == "b"


def test_glossary_learns_definitions_from_text():
    g = Glossary.from_texts([
        "It manages registered sex offenders (RSOs) through its multi-agency safeguarding hub (MASH).",
        "Visits are recorded on the violent and sex offender register (ViSOR).",
    ])
    assert g.expand("reactive RSO management") == ["registered sex offender"]
    assert "rso" in g.expand("management of registered sex offenders")
    assert g.expand("what is in ViSOR?") == ["violent and sex offender register"]
    assert long_form("the police and crime commissioner", "PCC") == "police and crime commissioner"
    assert long_form("a completely unrelated phrase", "PCC") is None


def test_acronyms_that_are_also_words_need_capitals():
    g = Glossary.from_texts([
        "Information technology (IT) is not good enough, and it fails often.",
        "Officers attended a domestic abuse, stalking and harassment (DASH) course.",
    ])
    assert g.expand("How did it respond?") == []  # the pronoun, not IT
    assert g.expand("What IT problems were there?") == ["information technology"]
    assert g.expand("dash risk assessments") == ["domestic abuse stalking and harassment"]  # never lowercase in the text
