"""Regression gate: headline metrics on the gold set must not fall below eval/thresholds.json.

Runs in fast mode on the session's bundled index (no baselines), so it adds seconds, not minutes.
If a change lowers a metric on purpose, write the reason next to the new threshold.
"""

from __future__ import annotations

from eval.gate import check
from eval.gold import load_gold
from eval.runner import ASSISTANT, HEADLINE, EvalConfig, run_eval


def test_headline_metrics_meet_thresholds(bundled):
    results = run_eval(bundled, load_gold(), baselines=False, cfg=EvalConfig(fast=True, resamples=200))
    summary = results["systems"][ASSISTANT]["summary"]
    gate = check(results)
    measured = {name: round(summary[name], 3) for name in HEADLINE if summary.get(name) is not None}
    assert not gate["failures"], f"{gate['failures']} (measured {measured})"
    # Extractive answers quote their sources: every cited line must be in its passage.
    assert summary["citation_support"] == 1.0
