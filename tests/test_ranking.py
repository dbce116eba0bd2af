"""Ranking signals: word proximity, force names in the keyword query, boilerplate."""

from __future__ import annotations

import pytest

from assistant.forces import names_pattern
from assistant.proximity import Proximity, word_pairs
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


def test_a_named_force_comes_first_though_its_name_is_not_a_keyword(bundled):
    top = bundled.search("What IT system does Merseyside use to give frontline staff information on sex offenders?", k=10)
    assert {p.force for p in top} == {"Merseyside"}


def test_dense_search_is_exact_and_filtered(bundled):
    from assistant.filters import Filters

    r = bundled.retriever
    vector = bundled.embedder.embed_query("children waiting for an appropriate adult in custody")
    filters = Filters(forces=("Cheshire",), case_studies=False)
    got = r.dense(vector, 5, filters)
    cheshire = [p for p in r.passages if p.force == "Cheshire"]
    best = sorted(cheshire, key=lambda p: -float(r._vectors[r.by_id[p.id]] @ vector))[:5]
    assert [p.id for p in got] == [p.id for p in best]
    assert all(a.score >= b.score for a, b in zip(got, got[1:]))
    assert r.dense(vector, 5, Filters(forces=("Cheshire",), case_studies=True, recommendations=True)) == []


def test_a_section_split_over_chunks_comes_with_its_continuation(bundled):
    """The Lancashire grooming case study runs over two chunks; the outcome (a three-week
    delay) is in the second, which shares almost no words with the question."""
    top = bundled.search("Case study on online grooming risk: a young girl in contact with older boys "
                         "on social media and the police were slow to act.", k=5)
    first = next(i for i, p in enumerate(top) if "12-year-old daughter" in p.text)
    follow = next(i for i, p in enumerate(top) if "three-week delay" in p.text)
    assert top[follow].section == top[first].section
    assert top[follow].chunk_index == top[first].chunk_index + 1
