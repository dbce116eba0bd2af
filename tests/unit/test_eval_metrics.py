"""Eval metric functions on tiny hand-made inputs."""

from __future__ import annotations

import math

import pytest

from eval import metrics as m
from eval.gold import normalize


def test_evidence_recall_counts_quotes_found_after_normalising():
    texts = [normalize("The ratio of **RSOs** to offender managers is 70:1."), normalize("Nothing here.")]
    quotes = [normalize("ratio of RSOs to offender managers"), normalize("not in any passage")]
    assert m.found_quotes(texts, quotes) == [True, False]
    assert m.evidence_recall(texts, quotes) == 0.5
    assert m.evidence_recall(texts, []) is None  # undefined, not zero


def test_budget_walk_cuts_the_last_passage():
    assert m.budget_texts(["a" * 4000, "b" * 4000, "c"], 6000) == ["a" * 4000, "b" * 2000]
    assert m.budget_texts(["a" * 7000], 6000) == ["a" * 6000]
    assert m.budget_texts([], 6000) == []


def test_reciprocal_rank_within_k():
    assert m.reciprocal_rank([False, False, True], 10) == pytest.approx(1 / 3)
    assert m.reciprocal_rank([False, False, True], 2) == 0.0
    assert m.reciprocal_rank([True], 10) == 1.0


def test_ndcg_known_value():
    # Relevant at ranks 1 and 3 of 2 relevant in the corpus: (1 + 1/log2 4) / (1 + 1/log2 3).
    expected = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert m.ndcg([True, False, True], n_relevant=2, k=10) == pytest.approx(expected)
    assert m.ndcg([True, False, True], n_relevant=2, k=10) == pytest.approx(0.9197, abs=1e-4)
    assert m.ndcg([True, True], n_relevant=2, k=10) == 1.0
    assert m.ndcg([False, False], n_relevant=3, k=10) == 0.0
    assert m.ndcg([False], n_relevant=0, k=10) is None


def test_force_recall_and_fact_coverage():
    assert m.force_recall(["Cheshire", "Cheshire", "lancashire"], ["Cheshire", "Lancashire", "Merseyside"]) == (
        pytest.approx(2 / 3))
    assert m.force_recall(["Cheshire"], []) is None
    assert m.fact_coverage("It manages **1,655** RSOs; ratio 70:1 [1]", ["1,655", "70:1", "SHPO"]) == (
        pytest.approx(2 / 3))


def test_citation_precision_by_quote_or_force():
    quotes = [normalize("reactively managing 145 RSOs")]
    cited = [(normalize("SOMU was reactively managing 145 RSOs."), "Staffordshire"),
             (normalize("Something else."), "Merseyside"),
             (normalize("Unrelated text."), "Cheshire")]
    assert m.citation_precision(cited, quotes, ["Staffordshire", "Merseyside"]) == pytest.approx(2 / 3)
    assert m.citation_precision([], quotes, []) is None


def test_citation_support_ignores_report_footnotes():
    answer = ("Evidence from Lancashire:\n\n**Lancashire** (review, 2018)\n"
              "- Prevention interviews[6] are not routinely carried out. [1]\n"
              "- A claim the passage does not make. [2]\n- Both cite. [1, 2]")
    assert m.cited_lines(answer)[0] == ("Prevention interviews[6] are not routinely carried out.", [1])
    passages = [normalize("Audits showed prevention interviews[6] are not routinely carried out. Both cite."),
                normalize("Other text.")]
    assert m.citation_support(answer, passages) == pytest.approx(2 / 3)
    assert m.citation_support("No markers at all.", passages) is None


def test_abstention_scores():
    scores = m.abstention_scores([True, True, False, False, True], [True, False, True, False, False])
    assert scores["abstention_precision"] == pytest.approx(1 / 3)
    assert scores["abstention_recall"] == pytest.approx(1 / 2)
    assert scores["false_abstention_rate"] == pytest.approx(2 / 3)
    assert m.abstention_scores([False], [False])["abstention_recall"] is None


def test_bootstrap_ci_contains_the_mean_and_is_reproducible():
    values = [0.0, 1.0, 1.0, 0.5, None, 0.25, 1.0, 0.0, 0.75]
    mean = m.mean(values)
    lo, hi = m.bootstrap_ci(values, resamples=500, seed=3)
    assert lo <= mean <= hi and lo < hi
    assert m.bootstrap_ci(values, resamples=500, seed=3) == (lo, hi)
    assert m.bootstrap_ci([None], resamples=10) is None
    assert m.bootstrap_ci([0.4, 0.4], resamples=10) == pytest.approx((0.4, 0.4))


def test_percentile_and_mean():
    assert m.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert m.percentile([], 95) is None
    assert m.mean([None, 1.0, 0.0]) == 0.5
