"""The eval's recommendations section on hand-made inputs (no model, no index)."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.records import Passage, Recommendation
from eval.recommendations import section, shows_whole, tables

TEXT = "We recommend that Testshire Police immediately reviews:\n- its policy; and\n- its training."


def _rec(text: str = TEXT) -> Recommendation:
    p = Passage("d-rec001", text, "Testshire", "T", "inspection", None, None, 2021, "5. A > Recommendations",
                "Initial contact", False, True, "t.txt", 0, len(text), "d")
    return Recommendation("d-rec001", "Testshire", "T", "inspection", None, None, 2021, "Initial contact", text,
                          "immediately", p)


def test_whole_means_every_line_list_points_included():
    whole = "- We recommend that Testshire Police immediately reviews: [1]\n    - its policy; and [1]\n    - its training. [1]"
    assert shows_whole(whole, [_rec()])
    cut = "- We recommend that Testshire Police immediately reviews: [1]"  # cut at the colon
    assert not shows_whole(cut, [_rec()]) and not shows_whole(whole, [])


def test_section_counts_reports_and_scores_recommendation_questions():
    reports = [SimpleNamespace(force="Testshire", report_title="T", report_type="inspection", recommendations=2,
                               stated_recommendations=3),
               SimpleNamespace(force="Otherton", report_title="O", report_type="inspection", recommendations=4,
                               stated_recommendations=None)]
    assistant = SimpleNamespace(reports=lambda: reports, recommendations=lambda: [_rec()])
    metrics = {"evidence_recall_chars": 0.5, "evidence_recall_k": 1.0, "mrr": 1.0, "answer_fact_coverage": 0.0,
               "citation_support": 1.0}
    results = {"systems": {"assistant": {"questions": [
        {"id": "r1", "type": "recommendation", "metrics": metrics, "answer": TEXT},
        {"id": "r2", "type": "recommendation", "metrics": {**metrics, "evidence_recall_chars": 1.0}, "answer": "no"},
        {"id": "f1", "type": "factual", "metrics": metrics, "answer": TEXT}]}}}
    sec = section(assistant, results)
    assert [q["id"] for q in sec["questions"]] == ["r1", "r2"]
    assert sec["summary"]["evidence_recall_chars"] == 0.75 and sec["summary"]["whole_recommendation"] == 0.5
    assert (sec["summary"]["reports_stating_a_count"], sec["summary"]["counts_agreeing"]) == (1, 0)
    counts = tables(sec)[1]
    assert counts == [["Testshire", "inspection", "2", "3", "NO"], ["Otherton", "inspection", "4", "–", "–"]]
