"""Regression gate: the assistant's headline metrics against eval/thresholds.json."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from eval.runner import ASSISTANT

THRESHOLDS = Path(__file__).with_name("thresholds.json")


def _limits(data: dict) -> dict[str, dict[str, float]]:
    return {kind: {k: float(v) for k, v in data.get(kind, {}).items() if not k.startswith("_")}
            for kind in ("floors", "ceilings")}


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    """Floors (higher is better) and ceilings (lower is better); "_"-keys are comments."""
    return _limits(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=4)
def load_targets(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    """The issue's targets (not gated): "floors" (at least) and "ceilings" (at most); read
    once (the report asks for one per metric row)."""
    return _limits(json.loads(path.read_text(encoding="utf-8")).get("targets", {}))


def check(results: dict[str, Any], path: Path = THRESHOLDS) -> dict[str, Any]:
    """Which thresholds the assistant breaks; a metric that could not be measured breaks its own."""
    limits = load_thresholds(path)
    summary = results["systems"][ASSISTANT]["summary"]
    failures = []
    for name, floor in limits["floors"].items():
        value = summary.get(name)
        if value is None or value < floor:
            failures.append(f"{name} {value if value is None else round(value, 4)} < floor {floor}")
    for name, ceiling in limits["ceilings"].items():
        value = summary.get(name)
        if value is None or value > ceiling:
            failures.append(f"{name} {value if value is None else round(value, 4)} > ceiling {ceiling}")
    return {"thresholds": limits, "failures": failures}
