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


def _questions(*ids: str):
    from eval.gold import load_gold

    wanted = {q.id: q for q in load_gold() if q.id in ids}
    return [wanted[i] for i in ids]


def test_composers_side_by_side_on_the_assistants_passages(bundled, tmp_path: Path):
    """The other composers are answer-only columns: blank retrieval cells, every answer metric."""
    from eval.composers import LEGACY, LEXRANK, LexRank, lexrank_ask
    from eval.report import BLANK, cell, markdown
    from eval.runner import ASSISTANT, EvalConfig, run_eval

    questions = _questions("cmp-02", "fac-22", "una-01", "fu-01")
    results = run_eval(bundled, questions, baselines=False, composers=True, cfg=EvalConfig(fast=True, resamples=50))
    legacy_ready = not results["meta"]["skipped"]
    assert results["order"] == [ASSISTANT, *([LEGACY] if legacy_ready else []), LEXRANK]
    assert legacy_ready or "answer.composer" in results["meta"]["skipped"][0]
    lex = results["systems"][LEXRANK]
    assert lex["summary"].get("mrr") is None and cell(results, LEXRANK, "mrr") == BLANK
    for name in ("answer_fact_coverage", "force_precision", "gold_evidence_cited", "citation_support",
                 "answer_words", "rouge_l", "followup_correct", "ask_p95_s"):
        assert lex["summary"].get(name) is not None, name
    assert lex["summary"]["citation_support"] == 1.0  # LexRank quotes whole sentences too
    rows = {r["id"]: r for r in lex["questions"]}
    assert rows["una-01"]["abstained"] and not rows["cmp-02"]["abstained"]  # the assistant's gate
    assert rows["fu-01"]["history"] == list(questions[-1].history)
    assert "## Follow-up conversations" in markdown(results) and LEXRANK in markdown(results)

    # Same retrieved passages: what LexRank summarises is what the assistant's answer drew on.
    for q in questions[:2] + questions[3:]:
        own = bundled.ask(q.question, history=list(q.history))
        answer, seconds = lexrank_ask(bundled, LexRank(), q.question, q.history)
        assert [p.id for p in answer.passages] == [p.id for p in own.passages], q.id
        assert {p.id for p in answer.citations} <= {p.id for p in own.passages} and seconds > 0


def test_follow_ups_are_asked_with_their_history(bundled):
    """The runner passes history= to search and ask: the same words alone read differently."""
    from eval.runner import ASSISTANT, EvalConfig, run_eval

    [follow_up] = _questions("fu-01")  # "and what about Staffordshire?" after a Cheshire question
    assert follow_up.history
    with_history = run_eval(bundled, [follow_up], baselines=False, cfg=EvalConfig(fast=True, resamples=20))
    row = with_history["systems"][ASSISTANT]["questions"][0]
    asked_alone = bundled.search(follow_up.question, 10)
    searched = bundled.search(follow_up.question, 10, history=list(follow_up.history))
    assert row["retrieved"] == [p.id for p in searched] != [p.id for p in asked_alone]
    assert row["metrics"]["followup_correct"] in (0.0, 1.0)
    summary = with_history["systems"][ASSISTANT]
    assert summary["summary"]["followup_correct"] == row["metrics"]["followup_correct"]
    assert summary["n"]["followup_correct"] == 1
