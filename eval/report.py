"""Presenting eval results: rich console table, Markdown report, PNG chart of headline metrics."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from eval.gate import load_targets
from eval.runner import (ANSWER, ASSISTANT, FOLLOW_UP, HEADLINE, LATENCY, LOWER_IS_BETTER, MEDIAN, REPORTED,
                         RETRIEVAL)

LABELS = {
    "evidence_recall_k": "evidence recall@k",
    "evidence_recall_chars": "evidence recall@{budget} chars",
    "mrr": "MRR (first gold passage, top k)",
    "ndcg_10": "nDCG@10",
    "force_recall_10": "force recall@10",
    "answer_fact_coverage": "fact recall (answer-fact coverage)",
    "force_precision": "force precision (cited)",
    "cited_force_recall": "force recall (cited)",
    "cited_force_recall_comparative": "force recall (cited), comparative",
    "gold_evidence_cited": "cites gold evidence",
    "citation_precision": "citation precision",
    "citation_support": "citation support",
    "answer_words": "words per answer (median)",
    "rouge_l": "ROUGE-L F1 vs reference",
    "followup_correct": "follow-ups answered right",
    "abstention_precision": "abstention precision",
    "abstention_recall": "abstention recall",
    "false_abstention_rate": "false-abstention rate",
    "search_p50_s": "search p50 (s)",
    "search_p95_s": "search p95 (s)",
    "ask_p50_s": "ask p50 (s)",
    "ask_p95_s": "ask p95 (s)",
}
METRICS = RETRIEVAL + ANSWER + LATENCY
# What answer-only systems (other composers) show for retrieval: it is the assistant's.
OWN_RETRIEVAL = frozenset(RETRIEVAL + ("search_p50_s", "search_p95_s"))
BLANK = "—"


def label(name: str, results: dict[str, Any]) -> str:
    cfg = results["meta"]["config"]
    text = LABELS.get(name, name).format(budget=f"{cfg['budget']:,}")
    return text.replace("@k", f"@{cfg['k']}")


def _num(value: float | None, name: str) -> str:
    if value is None:
        return "n/a"
    if name in MEDIAN:
        return f"{value:.0f}"
    return f"{value:.3f}" if name in LATENCY else f"{value:.2f}"


def target(name: str) -> str:
    """The issue's target for a metric, as "≥ 0.95" / "≤ 200", or empty."""
    targets = load_targets()
    if name in targets["floors"]:
        return f"≥ {_num(targets['floors'][name], name)}"
    if name in targets["ceilings"]:
        return f"≤ {_num(targets['ceilings'][name], name)}"
    return ""


def cell(results: dict[str, Any], system: str, name: str, with_ci: bool = False) -> str:
    """Value, the assistant's 95% CI if asked, and for other systems the ratio assistant ÷ it."""
    if system in results["meta"].get("composers", ()) and name in OWN_RETRIEVAL:
        return BLANK
    value = results["systems"][system]["summary"].get(name)
    text = _num(value, name)
    ci = results["systems"][system]["ci"].get(name)
    if with_ci and ci:
        text += f" [{ci[0]:.2f}–{ci[1]:.2f}]"
    base = results["systems"][ASSISTANT]["summary"].get(name)
    if system != ASSISTANT and value is not None and base is not None:
        text += f" ({base / value:.2f}×)" if value else " (∞×)" if base else " (1.00×)"
    return text


def mark(name: str) -> str:
    return (" *" if name in HEADLINE else " †" if name in REPORTED else "") + (" ↓" if name in LOWER_IS_BETTER else "")


def header(results: dict[str, Any]) -> list[str]:
    return ["metric", *results["order"], "target"]


def rows(results: dict[str, Any]) -> list[list[str]]:
    out = []
    for name in METRICS:
        if all(results["systems"][s]["summary"].get(name) is None for s in results["order"]):
            continue
        out.append([label(name, results) + mark(name)]
                   + [cell(results, s, name, with_ci=s == ASSISTANT) for s in results["order"]] + [target(name)])
    return out


def legend(results: dict[str, Any]) -> str:
    meta = results["meta"]
    composers = meta.get("composers", [])
    follow_ups = sum("history" in q for q in results["systems"][ASSISTANT]["questions"])
    text = (f"{meta['questions']} gold questions, k={meta['config']['k']}, index {meta['index']} "
            f"({meta['passages']} passages). "
            + (f"Columns summarise the {meta['questions'] - follow_ups} single-turn questions; the {follow_ups} "
               "follow-ups (asked with their conversation's earlier questions) count in 'follow-ups answered right', "
               "the latencies and their own group below. " if follow_ups else "") +
            f"* gated headline (eval/thresholds.json); 95% bootstrap CI in brackets, "
            f"{meta['config']['resamples']} resamples; ↓ lower is better; (n×) = assistant ÷ that system; "
            "target = issue 12's. Retrieval metrics on answerable questions only; answer quality on answerable "
            "questions (words: on the ones answered); llama-index has no answer step.")
    if composers:
        text += (f" {', '.join(composers)}: other composers on the assistant's own retrieved passages, so their "
                 f"retrieval cells are blank ({BLANK}); lexrank abstains where the assistant does and picks as many "
                 "sentences as the assistant's answer quotes; its latency is retrieval plus summarising.")
    for reason in meta.get("skipped", []):
        text += f" Not run: {reason}."
    if meta["config"]["fast"]:
        text += " Fast mode: query vectors embedded in one batch, so latencies exclude encoding."
    return text


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Evaluation on the gold set")
    for i, name in enumerate(header(results)):
        table.add_column(name, justify="left" if i == 0 else "right")
    for row in rows(results):
        table.add_row(*row)
    console = Console(width=max(120, 40 + 24 * len(results["order"])))
    console.print(table)
    console.print(legend(results))
    if "recommendations" in results:
        from eval.recommendations import print_section

        print_section(results["recommendations"])


def _md_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def _follow_ups(results: dict[str, Any]) -> list[str]:
    """Each conversation as asked, how the assistant read it, and whether it was answered right."""
    rows = [q for q in results["systems"][ASSISTANT]["questions"] if "history" in q]
    if not rows:
        return []
    body = []
    for q in rows:
        right = q["metrics"].get("followup_correct")
        forces = ", ".join(dict.fromkeys(c["force"] for c in q.get("citations", []))) or "none"
        turns = " → ".join([*q["history"], q["question"]])
        body.append([f"`{q['id']}`", turns.replace("|", "\\|"), (q.get("resolved_question") or "").replace("|", "\\|"),
                     forces, "abstained" if q.get("abstained") else "yes" if right else "no" if right is not None
                     else "n/a"])
    return ["", "## Follow-up conversations (assistant)", "",
            "Answered right: no abstention, every cited force in scope, a gold-evidence passage cited.", "",
            _md_table(["id", "conversation", "read as", "cited forces", "answered right"], body)]


def markdown(results: dict[str, Any]) -> str:
    parts = ["# Evaluation report", "", legend(results), "",
             _md_table(header(results), rows(results)), "", "## Assistant by question type", ""]
    by_type = results["systems"][ASSISTANT]["by_type"]
    types = list(by_type)
    names = [n for n in RETRIEVAL + ANSWER if any(by_type[t].get(n) is not None for t in types)]
    parts.append(_md_table(["metric", *types], [
        [label(n, results)] + [_num(by_type[t].get(n), n) for t in types] for n in names]))
    parts += _follow_ups(results)
    parts += ["", "## Misses (assistant)", ""]
    misses = [q for q in results["systems"][ASSISTANT]["questions"]
              if q["metrics"].get("evidence_recall_chars") == 0.0
              or (q["type"] == "unanswerable" and not q.get("abstained", True))
              or (q["type"] != "unanswerable" and q.get("abstained"))
              or q["metrics"].get("followup_correct") == 0.0]
    parts += [f"- `{q['id']}` ({q['type']}{', ' + FOLLOW_UP if 'history' in q else ''}): {q['question']}"
              for q in misses] or ["none"]
    if "recommendations" in results:
        from eval.recommendations import markdown as recommendations_md

        parts += ["", recommendations_md(results["recommendations"], _md_table)]
    return "\n".join(parts).rstrip() + "\n"


def chart(results: dict[str, Any], path: Path) -> None:
    """Grouped bars: headline metrics for the assistant, the other composers and the baselines
    (ablations live in the tables)."""
    import matplotlib

    matplotlib.use("Agg")  # no display; safe in tests and CI
    import matplotlib.pyplot as plt
    import numpy as np

    composers = set(results["meta"].get("composers", []))
    shown = set(results["meta"]["baselines"]) | composers
    order = [ASSISTANT, *(s for s in results["order"] if s in shown)]
    names = HEADLINE + REPORTED
    x = np.arange(len(names))
    width = 0.8 / len(order)
    fig, ax = plt.subplots(figsize=(14, 5))
    for i, system in enumerate(order):
        summary = results["systems"][system]["summary"]
        values = [summary.get(n) for n in names]
        bars = ax.bar(x + (i - (len(order) - 1) / 2) * width, [v or 0.0 for v in values], width, label=system)
        for bar, v, n in zip(bars, values, names):  # printed values make zeros and "not measured" visible
            # Nothing for an answer-only system's retrieval: that is the assistant's bar.
            text = "" if system in composers and n in OWN_RETRIEVAL else "n/a" if v is None else f"{v:.2f}"
            ax.text(bar.get_x() + bar.get_width() / 2, (v or 0.0) + 0.01, text,
                    ha="center", va="bottom", fontsize=6, rotation=90)
    ax.set_xticks(x, [textwrap.fill(label(n, results).replace(" (first gold passage, top k)", "")
                                    + (" ↓" if n in LOWER_IS_BETTER else ""), 16) for n in names], fontsize=7)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("score")
    follow_ups = sum("history" in q for q in results["systems"][ASSISTANT]["questions"])
    ax.set_title(f"Headline metrics, {results['meta']['questions'] - follow_ups} single-turn gold questions"
                 + (f" ({follow_ups} follow-ups for 'follow-ups answered right')" if follow_ups else ""))
    ax.legend(fontsize=8, ncols=len(order), loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
