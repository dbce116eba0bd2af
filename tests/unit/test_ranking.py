"""Ranking signals: word proximity, force names in the keyword query, boilerplate."""

from __future__ import annotations

import pytest

from assistant.text import names_pattern
from assistant.index.proximity import Proximity, word_pairs
from assistant.records import Passage


def passage(pid: str, text: str, section: str = "Findings", force: str = "Cheshire") -> Passage:
    return Passage(id=pid, text=text, force=force, report_title="t", report_type="inspection",
                   published=None, inspected=None, year=None, section=section, area="", is_case_study=False,
                   is_recommendation=False, source="s", start=0, end=len(text), doc_id=force)


def test_word_pairs_skip_stopwords_but_not_punctuation():
    assert ("voice", "child") in word_pairs("recording the voice of the child")
    assert ("cheshire", "lancashire") not in word_pairs("Cheshire, Lancashire and Merseyside")
    assert ("offender", "manager") in word_pairs("offenders' managers")  # plural s folded


def test_proximity_prefers_the_passage_where_the_words_meet():
    together = passage("a", "Strategy discussions are prompt and the decisions are recorded.")
    scattered = passage("b", "Some discussions took place. Many strategy documents exist. "
                             "Officers were prompt at incidents. Arrests were recorded.")
    unrelated = passage("c", "Custody staff receive training twice a year.")
    prox = Proximity([together, scattered, unrelated])
    (p_together, s_together), (p_scattered, s_scattered), (p_unrelated, s_unrelated) = prox.scores(
        "Are strategy discussions prompt and recorded?", [0, 1, 2])
    assert p_together == pytest.approx(1.0) and p_scattered == 0.0 and p_unrelated == 0.0
    assert s_together == pytest.approx(1.0) and 1.0 > s_scattered > s_unrelated == 0.0


def test_proximity_of_a_query_without_content_words_is_zero():
    prox = Proximity([passage("a", "Strategy discussions are prompt.")])
    assert prox.scores("how is it?", [0]) == [(0.0, 0.0)]


def test_force_names_pattern_takes_whole_names_and_possessives():
    pattern = names_pattern(["Cheshire", "Devon and Cornwall"])
    assert pattern.sub("_", "Cheshire's and Devon and Cornwall's IT") == "_ and _ IT"
    assert pattern.sub("_", "Cheshires") == "Cheshires"
    assert names_pattern([]) is None
