"""The regression gate's thresholds file covers every headline metric."""

from __future__ import annotations

from eval.gate import load_thresholds
from eval.runner import HEADLINE


def test_thresholds_cover_every_headline_metric():
    limits = load_thresholds()
    assert set(limits["floors"]) | set(limits["ceilings"]) == set(HEADLINE)
