"""The regression gate's thresholds file covers every headline metric."""

from __future__ import annotations

from eval.gate import load_thresholds
from eval.runner import HEADLINE


def test_thresholds_cover_every_headline_metric():
    limits = load_thresholds()
    assert set(limits["floors"]) | set(limits["ceilings"]) == set(HEADLINE)


def test_issue_targets_are_shown_not_gated():
    from eval.gate import check, load_targets
    from eval.report import target
    from eval.runner import ASSISTANT, REPORTED

    targets = load_targets()
    assert {"force_precision", "gold_evidence_cited", "followup_correct"} <= set(targets["floors"])
    assert targets["ceilings"]["answer_words"] == 200 and target("answer_words") == "≤ 200"
    assert target("force_precision") == "≥ 0.95" and target("mrr") == ""
    limits = load_thresholds()
    summary = {name: floor + 0.01 for name, floor in limits["floors"].items()}
    summary |= {name: ceiling / 2 for name, ceiling in limits["ceilings"].items()}
    summary |= {name: 0.0 for name in REPORTED}  # reported only: never a gate failure
    results = {"systems": {ASSISTANT: {"summary": summary}}}
    assert check(results)["failures"] == []
    summary["mrr"] = limits["floors"]["mrr"] - 0.01
    assert check(results)["failures"] == [f"mrr {round(summary['mrr'], 4)} < floor {limits['floors']['mrr']}"]
