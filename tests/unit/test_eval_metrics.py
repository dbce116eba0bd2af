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
    assert m.cited_claims(answer)[0] == ("Prevention interviews[6] are not routinely carried out.", [1])
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


# -- answer metrics (issue 12) ---------------------------------------------------------------

PASSAGES = [normalize("We recommend that Cheshire Constabulary immediately improves the way it manages registered "
                      "sex offenders, paying particular attention to:\n- ensuring its risk management processes "
                      "are clearer; and\n- making sure offender managers record the VoC."),
            normalize("At the time of our inspection, SOMU was reactively managing 145 RSOs. There wasn\u2019t a "
                      "process in place to review the status of these offenders.")]


def test_citation_support_with_a_lead_nested_items_and_two_claims_on_a_line():
    answer = ("Evidence in 2 of 5 reports; nothing relevant in the Lancashire 2018 review.\n\n"
              "**Cheshire** (post-inspection review, 2023)\n"
              "- We recommend that Cheshire Constabulary immediately improves the way it manages registered sex "
              "offenders, paying particular attention to: [1]\n"
              "  - ensuring its risk management processes are clearer; and [1]\n"
              "    * making sure offender managers record the VoC. [1]\n"
              "SOMU was reactively managing 145 RSOs. [2] There wasn't a process in place to review the status "
              "of these offenders. [2] [1]")
    claims = m.cited_claims(answer)
    assert [c for c, _ in claims][1:3] == ["ensuring its risk management processes are clearer; and",
                                           "making sure offender managers record the VoC."]
    assert claims[-1] == ("There wasn't a process in place to review the status of these offenders.", [2, 1])
    assert len(claims) == 5  # the lead and the heading cite nothing, so they are not claims
    assert m.citation_support(answer, PASSAGES) == 1.0
    # A figure moved next to the wrong passage is caught, and so is a marker past the citations.
    assert m.citation_support("SOMU was reactively managing 145 RSOs. [1]", PASSAGES) == 0.0
    assert m.citation_support("SOMU was reactively managing 145 RSOs. [3]", PASSAGES) == 0.0
    # A list lead-in and its item joined on one line still read verbatim (bullets are formatting).
    joined = "paying particular attention to: ensuring its risk management processes are clearer; and [1]"
    assert m.citation_support(joined, PASSAGES) == 1.0
    # Structured sentences (text, citation numbers) are checked the same way.
    assert m.citation_support([("SOMU was reactively managing 145 RSOs.", (2,)),
                               ("A paraphrase of the passage.", (2,))], PASSAGES) == 0.5


def test_answer_words_leave_out_markers_bullets_and_emphasis():
    answer = "**Staffordshire** (inspection, 2021)\n- It manages 1,655 RSOs; ratio 70:1 [1, 2]\n  - don't [3]"
    assert m.plain_text(answer) == "Staffordshire (inspection, 2021)\nIt manages 1,655 RSOs; ratio 70:1\ndon't"
    assert m.answer_words(answer) == 10
    assert m.answer_words("") == 0


def test_force_precision_and_recall_of_cited_forces():
    cited = ["Cheshire", "Cheshire", "Lancashire"]
    assert m.force_precision(cited, ["Cheshire", "Merseyside"]) == 0.5  # distinct forces, not citations
    assert m.force_precision(["cheshire"], ["Cheshire"]) == 1.0
    assert m.force_precision([], ["Cheshire"]) is None  # nothing cited: undefined, not perfect
    assert m.force_recall(cited, ["Cheshire", "Merseyside"]) == 0.5


def test_gold_evidence_cited_and_follow_up_answered_right():
    quotes = [normalize("SOMU was reactively managing 145 RSOs.")]
    assert m.cites_gold_evidence([PASSAGES[0], PASSAGES[1]], quotes)
    assert not m.cites_gold_evidence([PASSAGES[0]], quotes)
    right = dict(abstained=False, cited_forces=["Staffordshire"], relevant_forces=["Staffordshire"],
                 cited_norm=[PASSAGES[1]], quotes_norm=quotes)
    assert m.answered_right(**right)
    assert not m.answered_right(**{**right, "abstained": True})
    assert not m.answered_right(**{**right, "cited_forces": ["Staffordshire", "Cheshire"]})  # a stray force
    assert not m.answered_right(**{**right, "cited_norm": [PASSAGES[0]]})  # no gold evidence cited
    assert not m.answered_right(**{**right, "cited_forces": [], "cited_norm": []})


def test_rouge_l_on_the_answer_as_read():
    reference = "The force was managing 145 RSOs reactively."
    assert m.rouge_l("The force was managing 145 RSOs reactively. [1]", reference) == pytest.approx(1.0)
    # LCS "the force managing 145 rsos" = 5 of 7 reference and 5 of 8 answer tokens.
    value = m.rouge_l("- **The** force kept managing many 145 RSOs today [2]", reference)
    assert value == pytest.approx(2 * (5 / 8) * (5 / 7) / (5 / 8 + 5 / 7))
    assert m.rouge_l("Anything.", "  ") is None
    assert m.rouge_l("", reference) == 0.0
