"""Presenting eval results: rich console table, Markdown report, PNG chart of headline metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.runner import ANSWER, ASSISTANT, HEADLINE, LATENCY, LOWER_IS_BETTER, RETRIEVAL

LABELS = {
    "evidence_recall_k": "evidence recall@k",
    "evidence_recall_chars": "evidence recall@{budget} chars",
    "mrr": "MRR (first gold passage, top k)",
    "ndcg_10": "nDCG@10",
    "force_recall_10": "force recall@10",
    "answer_fact_coverage": "answer-fact coverage",
    "citation_precision": "citation precision",
    "citation_support": "citation support",
    "abstention_precision": "abstention precision",
    "abstention_recall": "abstention recall",
    "false_abstention_rate": "false-abstention rate",
    "search_p50_s": "search p50 (s)",
    "search_p95_s": "search p95 (s)",
    "ask_p50_s": "ask p50 (s)",
    "ask_p95_s": "ask p95 (s)",
}
METRICS = RETRIEVAL + ANSWER + LATENCY


def label(name: str, results: dict[str, Any]) -> str:
    cfg = results["meta"]["config"]
    text = LABELS.get(name, name).format(budget=f"{cfg['budget']:,}")
    return text.replace("@k", f"@{cfg['k']}")


def _num(value: float | None, name: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if name in LATENCY else f"{value:.2f}"


def cell(results: dict[str, Any], system: str, name: str, with_ci: bool = False) -> str:
    """Value, the assistant's 95% CI if asked, and for other systems the ratio assistant ÷ it."""
    value = results["systems"][system]["summary"].get(name)
    text = _num(value, name)
    ci = results["systems"][system]["ci"].get(name)
    if with_ci and ci:
        text += f" [{ci[0]:.2f}–{ci[1]:.2f}]"
    base = results["systems"][ASSISTANT]["summary"].get(name)
    if system != ASSISTANT and value is not None and base is not None:
        text += f" ({base / value:.2f}×)" if value else " (∞×)" if base else " (1.00×)"
    return text


def rows(results: dict[str, Any]) -> list[list[str]]:
    out = []
    for name in METRICS:
        if all(results["systems"][s]["summary"].get(name) is None for s in results["order"]):
            continue
        mark = " ↓" if name in LOWER_IS_BETTER else ""
        star = " *" if name in HEADLINE else ""
        out.append([label(name, results) + star + mark]
                   + [cell(results, s, name, with_ci=s == ASSISTANT) for s in results["order"]])
    return out


def legend(results: dict[str, Any]) -> str:
    meta = results["meta"]
    return (f"{meta['questions']} gold questions, k={meta['config']['k']}, index {meta['index']} "
            f"({meta['passages']} passages). * headline (95% bootstrap CI in brackets, "
            f"{meta['config']['resamples']} resamples); ↓ lower is better; (n×) = assistant ÷ that system. "
            "Retrieval metrics on answerable questions only; llama-index has no answer step."
            + (" Fast mode: query vectors embedded in one batch, so latencies exclude encoding."
               if meta["config"]["fast"] else ""))


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Evaluation on the gold set")
    table.add_column("metric")
    for system in results["order"]:
        table.add_column(system, justify="right")
    for row in rows(results):
        table.add_row(*row)
    console = Console(width=max(120, 30 + 24 * len(results["order"])))
    console.print(table)
    console.print(legend(results))
    if "recommendations" in results:
        from eval.recommendations import print_section

        print_section(results["recommendations"])


def _md_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    order = results["order"]
    parts = ["# Evaluation report", "", legend(results), "",
             _md_table(["metric", *order], rows(results)), "", "## Assistant by question type", ""]
    by_type = results["systems"][ASSISTANT]["by_type"]
    types = list(by_type)
    names = [n for n in RETRIEVAL + ANSWER if any(by_type[t].get(n) is not None for t in types)]
    parts.append(_md_table(["metric", *types], [
        [label(n, results)] + [_num(by_type[t].get(n), n) for t in types] for n in names]))
    parts += ["", "## Misses (assistant)", ""]
    misses = [q for q in results["systems"][ASSISTANT]["questions"]
              if q["metrics"].get("evidence_recall_chars") == 0.0
              or (q["type"] == "unanswerable" and not q.get("abstained", True))
              or (q["type"] != "unanswerable" and q.get("abstained"))]
    parts += [f"- `{q['id']}` ({q['type']}): {q['question']}" for q in misses] or ["none"]
    if "recommendations" in results:
        from eval.recommendations import markdown as recommendations_md

        parts += ["", recommendations_md(results["recommendations"], _md_table)]
    return "\n".join(parts).rstrip() + "\n"


def chart(results: dict[str, Any], path: Path) -> None:
    """Grouped bars: headline metrics for the assistant and the baselines (ablations live in the tables)."""
    import matplotlib

    matplotlib.use("Agg")  # no display; safe in tests and CI
    import matplotlib.pyplot as plt
    import numpy as np

    baselines = [s for s in results["order"] if s in results["meta"]["baselines"]]
    order = [ASSISTANT, *baselines] if baselines else results["order"]
    x = np.arange(len(HEADLINE))
    width = 0.8 / len(order)
    fig, ax = plt.subplots(figsize=(11, 5))
    for i, system in enumerate(order):
        summary = results["systems"][system]["summary"]
        values = [summary.get(n) for n in HEADLINE]
        bars = ax.bar(x + (i - (len(order) - 1) / 2) * width, [v or 0.0 for v in values], width, label=system)
        for bar, v in zip(bars, values):  # printed values make zeros and "not measured" visible
            ax.text(bar.get_x() + bar.get_width() / 2, (v or 0.0) + 0.01, "n/a" if v is None else f"{v:.2f}",
                    ha="center", va="bottom", fontsize=6, rotation=90)
    ax.set_xticks(x, [label(n, results).replace(" (first gold passage, top k)", "") +
                      (" ↓" if n in LOWER_IS_BETTER else "") for n in HEADLINE], fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("score")
    ax.set_title(f"Headline metrics, {results['meta']['questions']} gold questions")
    ax.legend(fontsize=8, ncols=len(order), loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
