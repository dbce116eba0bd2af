"""Eval metric functions on tiny hand-made inputs, and a smoke test of `python -m eval`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.gold import DEFAULT_GOLD


def test_cli_writes_results_report_and_chart(bundled, tmp_path: Path):
    from eval.__main__ import main
    from eval.runner import ASSISTANT

    # Five questions of different types, in the same schema as the gold set.
    lines = DEFAULT_GOLD.read_text(encoding="utf-8").splitlines()
    picked, types = [], set()
    for line in lines:
        if line.strip() and (kind := json.loads(line)["type"]) not in types:
            types.add(kind)
            picked.append(line)
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(picked[:5]) + "\n", encoding="utf-8")
    embedder = bundled.embedder

    out = tmp_path / "out"
    results = main(["--gold", str(gold), "--out", str(out), "--no-baselines", "--fast"], assistant=bundled)

    assert bundled.embedder is embedder  # fast mode undone
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = saved["systems"][ASSISTANT]["questions"]
    assert [r["id"] for r in rows] == [json.loads(p)["id"] for p in picked[:5]]
    assert all("answer" in r and "retrieved" in r and "metrics" in r for r in rows)
    assert saved["order"] == [ASSISTANT] and results["meta"]["questions"] == 5
    assert "# Evaluation report" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "headline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_ablation_is_refused(bundled):
    from eval.runner import run_eval

    with pytest.raises(ValueError, match="unknown config"):
        run_eval(bundled, [], configs=["no-such-thing"])
