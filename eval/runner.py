"""Run gold questions through the systems and score them.

`run_eval` takes an existing `Assistant` (the CLI opens one; tests pass the session's), so
the eval never needs its own index. Results are plain dicts, ready for JSON.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

from assistant.api import Assistant
from eval import metrics as m
from eval.baselines import (ABLATIONS, BASELINES, LLAMA, QueryCache, System, assistant_system,
                            llama_system, use_query_cache, variant)
from eval.gold import GoldQuestion, normalize

ASSISTANT = "assistant"
# Gated by eval/thresholds.json and bootstrapped; the first four are higher-is-better.
HEADLINE = ("evidence_recall_chars", "mrr", "force_recall_10", "answer_fact_coverage",
            "abstention_recall", "false_abstention_rate")
LOWER_IS_BETTER = frozenset({"false_abstention_rate", "search_p50_s", "search_p95_s", "ask_p50_s", "ask_p95_s"})
RETRIEVAL = ("evidence_recall_k", "evidence_recall_chars", "mrr", "ndcg_10", "force_recall_10")
ANSWER = ("answer_fact_coverage", "citation_precision", "citation_support",
          "abstention_precision", "abstention_recall", "false_abstention_rate")
LATENCY = ("search_p50_s", "search_p95_s", "ask_p50_s", "ask_p95_s")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class EvalConfig:
    k: int = 10
    depth: int = 40  # passages fetched for the character-budget walk
    budget: int = 6000  # characters of retrieved text a reader (or an LLM prompt) gets
    resamples: int = 1000
    seed: int = 0
    fast: bool = False  # batch query embeddings, one search per question


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - began


def score_question(system: System, q: GoldQuestion, cfg: EvalConfig, norm: dict[str, str],
                   corpus_norm: list[str]) -> dict[str, Any]:
    """Retrieve (and answer) one question; every figure kept for results.json."""
    quotes = [normalize(e.quote) for e in q.evidence]
    answerable = q.type != "unanswerable"
    depth = max(cfg.depth, cfg.k, 10)
    if cfg.fast:  # rankings are prefix-stable, so top-k is the head of the deep list
        deep, search_s = _timed(lambda: system.search(q.question, depth))
        top = deep[: cfg.k]
    else:
        top, search_s = _timed(lambda: system.search(q.question, cfg.k))
        deep = system.search(q.question, depth)
    text = lambda h: norm.get(h.id) or normalize(h.text)  # noqa: E731
    row: dict[str, Any] = {
        "id": q.id, "type": q.type, "question": q.question,
        "retrieved": [h.id for h in top], "retrieved_forces": [h.force for h in top],
        "search_s": search_s,
    }
    values: dict[str, float | None] = {}
    if answerable:
        top_norm, first10 = [text(h) for h in top], deep[:10]
        flags = m.relevant_flags(top_norm, quotes)
        row["relevant_ranks"] = [i + 1 for i, f in enumerate(flags) if f]
        values["evidence_recall_k"] = m.evidence_recall(top_norm, quotes)
        budget = [normalize(t) for t in m.budget_texts([h.text for h in deep], cfg.budget)]
        row["budget_passages"] = len(budget)
        values["evidence_recall_chars"] = m.evidence_recall(budget, quotes)
        values["mrr"] = m.reciprocal_rank(flags, cfg.k)
        n_relevant = sum(m.relevant_flags(corpus_norm, quotes))
        values["ndcg_10"] = m.ndcg(m.relevant_flags([text(h) for h in first10], quotes), n_relevant, 10)
        values["force_recall_10"] = m.force_recall([h.force for h in first10], q.relevant_forces)
    if system.ask is not None:
        answer, ask_s = _timed(lambda: system.ask(q.question))
        cited_norm = [normalize(c.text) for c in answer.citations]
        row.update(ask_s=ask_s, abstained=answer.abstained, answer=answer.text,
                   citations=[{"id": c.id, "force": c.force} for c in answer.citations])
        values["answer_fact_coverage"] = m.fact_coverage(answer.text, q.answer_facts) if answerable else None
        values["citation_precision"] = m.citation_precision(
            list(zip(cited_norm, (c.force for c in answer.citations))), quotes, q.relevant_forces)
        values["citation_support"] = m.citation_support(answer.text, cited_norm)
        values["abstention_recall"] = None if answerable else float(answer.abstained)
        values["false_abstention_rate"] = float(answer.abstained) if answerable else None
    row["metrics"] = values
    return row


def summarise(rows: list[dict[str, Any]], cfg: EvalConfig) -> dict[str, Any]:
    """Means overall and per type, abstention precision, latency percentiles, bootstrap CIs."""
    def means(subset: list[dict[str, Any]]) -> dict[str, float | None]:
        names = dict.fromkeys(n for r in subset for n in r["metrics"])
        out = {n: m.mean([r["metrics"].get(n) for r in subset]) for n in names}
        if any("abstained" in r for r in subset):
            out["abstention_precision"] = m.abstention_scores(
                [r["abstained"] for r in subset], [r["type"] == "unanswerable" for r in subset]
            )["abstention_precision"]
        return out

    summary = means(rows)
    for stage in ("search", "ask"):
        times = [r[f"{stage}_s"] for r in rows if f"{stage}_s" in r]
        summary[f"{stage}_p50_s"] = m.percentile(times, 50)
        summary[f"{stage}_p95_s"] = m.percentile(times, 95)
    types = dict.fromkeys(r["type"] for r in rows)
    ci = {}
    for name in HEADLINE:
        values = [r["metrics"].get(name) for r in rows]
        ci[name] = m.bootstrap_ci(values, cfg.resamples, cfg.seed)
    counted = {n: sum(r["metrics"].get(n) is not None for r in rows) for n in summary if n in RETRIEVAL + ANSWER}
    return {"summary": summary, "ci": ci, "n": counted,
            "by_type": {t: means([r for r in rows if r["type"] == t]) for t in types}}


def evaluate(systems: Sequence[System], questions: Sequence[GoldQuestion], cfg: EvalConfig,
             progress: Progress | None = None) -> dict[str, dict[str, Any]]:
    """Score every system, question by question, alternating system order per question so
    load from other processes on a shared machine hits all systems' latencies alike."""
    norms, corpora = {}, {}
    for system in systems:
        system.warm_up()  # model and index loading are not query latency
        norms[system.name] = {h.id: normalize(h.text) for h in system.corpus()}
        corpora[system.name] = list(norms[system.name].values())
    rows: dict[str, list[dict[str, Any]]] = {s.name: [] for s in systems}
    for i, q in enumerate(questions):
        for system in systems[:: -1 if i % 2 else 1]:
            rows[system.name].append(score_question(system, q, cfg, norms[system.name], corpora[system.name]))
            if progress:
                progress(system.name, i + 1, len(questions))
    return {name: {**summarise(r, cfg), "chunks": len(norms[name]), "questions": r} for name, r in rows.items()}


def run_eval(assistant: Assistant, questions: Sequence[GoldQuestion], *, configs: Sequence[str] = (),
             baselines: bool = True, cfg: EvalConfig = EvalConfig(),
             progress: Progress | None = None) -> dict[str, Any]:
    """Score the assistant, then baselines and ablations, on the same questions."""
    unknown = [c for c in configs if c not in ABLATIONS]
    if unknown:
        raise ValueError(f"unknown config {unknown}; choose from {', '.join(ABLATIONS)}")
    assistants: dict[str, Assistant] = {ASSISTANT: assistant}
    if baselines:
        assistants.update({name: variant(assistant, sw) for name, sw in BASELINES.items()})
    assistants.update({name: variant(assistant, ABLATIONS[name]) for name in configs})
    cache = QueryCache(assistant.embedder, [q.question for q in questions]) if cfg.fast else None
    undo = [use_query_cache(a, cache) for a in assistants.values()] if cache else []
    systems = [assistant_system(name, a) for name, a in assistants.items()]
    if baselines:
        systems.insert(len(BASELINES) + 1, llama_system(assistant, cache or assistant.embedder))
    try:
        results = evaluate(systems, questions, cfg, progress)
    finally:
        for restore in undo:  # the caller's assistant goes back as it came
            restore()
    from eval.recommendations import section  # noqa: PLC0415 (it imports this module)

    tracked = section(assistant, {"systems": results})
    return {
        "recommendations": tracked,
        "meta": {"questions": len(questions), "config": asdict(cfg), "ablations": list(configs),
                 "baselines": [*BASELINES, LLAMA] if baselines else [],
                 "settings": assistant.settings.retrieval.model_dump(),
                 "index": assistant.store.name, "passages": assistant.store.count()},
        "order": [s.name for s in systems],
        "systems": results,
    }
