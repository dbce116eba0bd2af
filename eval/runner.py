"""Run gold questions through the systems and score them.

`run_eval` takes an existing `Assistant` (the CLI opens one; tests pass the session's), so
the eval never needs its own index. Results are plain dicts, ready for JSON.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

from assistant.api import Assistant
from assistant.records import Answer
from eval import metrics as m
from eval.baselines import (ABLATIONS, BASELINES, LLAMA, QueryCache, System, assistant_system,
                            llama_system, use_query_cache, variant)
from eval.composers import LEGACY, LEXRANK, ComposerSettingMissing, composer_variant, lexrank_system
from eval.gold import GoldQuestion, normalize

ASSISTANT = "assistant"
COMPOSERS = (LEGACY, LEXRANK)  # answer-only systems on the assistant's retrieved passages
# Gated by eval/thresholds.json (floors; ceilings for false abstentions and words) and, but
# for the median word count, bootstrapped.
HEADLINE = ("evidence_recall_chars", "mrr", "force_recall_10", "answer_fact_coverage",
            "abstention_recall", "false_abstention_rate", "force_precision", "cited_force_recall_comparative",
            "gold_evidence_cited", "citation_support", "rouge_l", "followup_correct", "answer_words")
# Reported beside their targets, not gated (none at present: issue 12's metrics are gated now).
REPORTED: tuple[str, ...] = ()
LOWER_IS_BETTER = frozenset({"false_abstention_rate", "answer_words", "search_p50_s", "search_p95_s",
                             "ask_p50_s", "ask_p95_s"})
MEDIAN = frozenset({"answer_words"})  # summarised by the median, not the mean
RETRIEVAL = ("evidence_recall_k", "evidence_recall_chars", "mrr", "ndcg_10", "force_recall_10")
ANSWER = ("answer_fact_coverage", "force_precision", "cited_force_recall", "cited_force_recall_comparative",
          "gold_evidence_cited", "citation_precision", "citation_support", "answer_words", "rouge_l",
          "followup_correct", "abstention_precision", "abstention_recall", "false_abstention_rate")
LATENCY = ("search_p50_s", "search_p95_s", "ask_p50_s", "ask_p95_s")
FOLLOW_UP = "follow-up"  # the conversations' group, beside the question types
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
    row: dict[str, Any] = {"id": q.id, "type": q.type, "question": q.question}
    if q.history:
        row["history"] = list(q.history)
    values: dict[str, float | None] = {}
    if system.search is not None:
        values.update(score_retrieval(system, q, cfg, norm, corpus_norm, quotes, row))
    if system.ask is not None:
        answer, ask_s = system.ask(q.question, q.history)
        row.update(ask_s=ask_s, abstained=answer.abstained, answer=answer.text,
                   citations=[{"id": c.id, "force": c.force} for c in answer.citations])
        if answer.resolved_question and answer.resolved_question != q.question:
            row["resolved_question"] = answer.resolved_question
        values.update(score_answer(answer, q, quotes))
    row["metrics"] = values
    return row


def score_retrieval(system: System, q: GoldQuestion, cfg: EvalConfig, norm: dict[str, str],
                    corpus_norm: list[str], quotes: list[str], row: dict[str, Any]) -> dict[str, float | None]:
    assert system.search is not None
    depth = max(cfg.depth, cfg.k, 10)
    if cfg.fast:  # rankings are prefix-stable, so top-k is the head of the deep list
        deep, search_s = _timed(lambda: system.search(q.question, depth, q.history))
        top = deep[: cfg.k]
    else:
        top, search_s = _timed(lambda: system.search(q.question, cfg.k, q.history))
        deep = system.search(q.question, depth, q.history)
    text = lambda h: norm.get(h.id) or normalize(h.text)  # noqa: E731
    row.update(retrieved=[h.id for h in top], retrieved_forces=[h.force for h in top], search_s=search_s)
    if q.type == "unanswerable":
        return {}
    top_norm, first10 = [text(h) for h in top], deep[:10]
    flags = m.relevant_flags(top_norm, quotes)
    row["relevant_ranks"] = [i + 1 for i, f in enumerate(flags) if f]
    budget = [normalize(t) for t in m.budget_texts([h.text for h in deep], cfg.budget)]
    row["budget_passages"] = len(budget)
    n_relevant = sum(m.relevant_flags(corpus_norm, quotes))
    return {
        "evidence_recall_k": m.evidence_recall(top_norm, quotes),
        "evidence_recall_chars": m.evidence_recall(budget, quotes),
        "mrr": m.reciprocal_rank(flags, cfg.k),
        "ndcg_10": m.ndcg(m.relevant_flags([text(h) for h in first10], quotes), n_relevant, 10),
        "force_recall_10": m.force_recall([h.force for h in first10], q.relevant_forces),
    }


def score_answer(answer: Answer, q: GoldQuestion, quotes: list[str]) -> dict[str, float | None]:
    """Answer metrics; answer quality on answerable questions only, abstention on all."""
    cited_norm = [normalize(c.text) for c in answer.citations]
    forces = [c.force for c in answer.citations]
    # Structured sentences when the composer gives them (a lead cites nothing), else the text's claims.
    claims = [(s.text, s.citations) for s in answer.sentences if s.citations] or answer.text
    answerable = q.type != "unanswerable"
    values: dict[str, float | None] = {
        "citation_precision": m.citation_precision(list(zip(cited_norm, forces)), quotes, q.relevant_forces),
        "citation_support": m.citation_support(claims, cited_norm),
        "abstention_recall": None if answerable else float(answer.abstained),
        "false_abstention_rate": float(answer.abstained) if answerable else None,
    }
    if answerable:
        recall = m.force_recall(forces, q.relevant_forces)
        values.update(
            answer_fact_coverage=m.fact_coverage(answer.text, q.answer_facts),
            force_precision=m.force_precision(forces, q.relevant_forces),
            cited_force_recall=recall,
            cited_force_recall_comparative=recall if q.type == "comparative" else None,
            gold_evidence_cited=float(m.cites_gold_evidence(cited_norm, quotes)),
            answer_words=None if answer.abstained else float(m.answer_words(answer.text)),
            rouge_l=m.rouge_l(answer.text, q.reference_answer),
        )
    if q.history:
        values["followup_correct"] = float(m.answered_right(answer.abstained, forces, q.relevant_forces,
                                                            cited_norm, quotes))
    return values


def summarise(rows: list[dict[str, Any]], cfg: EvalConfig) -> dict[str, Any]:
    """Means (medians for words) per metric, abstention precision, latency percentiles,
    bootstrap CIs; by question type, and for follow-ups apart.

    The summary is over the single-turn questions, so it stays comparable with runs before
    the gold set had conversations; follow-ups count in `followup_correct` (defined on them
    only), in the latencies, and in their own `by_type` group.
    """
    def means(subset: list[dict[str, Any]]) -> dict[str, float | None]:
        names = dict.fromkeys(n for r in subset for n in r["metrics"])
        out = {n: (m.median if n in MEDIAN else m.mean)([r["metrics"].get(n) for r in subset]) for n in names}
        if any("abstained" in r for r in subset):
            out["abstention_precision"] = m.abstention_scores(
                [r["abstained"] for r in subset], [r["type"] == "unanswerable" for r in subset]
            )["abstention_precision"]
        return out

    single = [r for r in rows if "history" not in r]
    follow = [r for r in rows if "history" in r]
    base = single or rows  # a gold file of conversations only is summarised as it is
    summary = means(base)
    if follow:
        summary["followup_correct"] = m.mean([r["metrics"].get("followup_correct") for r in follow])
    for stage in ("search", "ask"):
        times = [r[f"{stage}_s"] for r in rows if f"{stage}_s" in r]
        summary[f"{stage}_p50_s"] = m.percentile(times, 50)
        summary[f"{stage}_p95_s"] = m.percentile(times, 95)
    groups = {t: [r for r in base if r["type"] == t] for t in dict.fromkeys(r["type"] for r in base)}
    if follow and single:
        groups[FOLLOW_UP] = follow
    ci, counted = {}, {}
    for name in (n for n in HEADLINE + REPORTED if n not in MEDIAN):
        ci[name] = m.bootstrap_ci([r["metrics"].get(name) for r in (follow if name == "followup_correct" else base)],
                                  cfg.resamples, cfg.seed)
    for name in summary:
        if name in RETRIEVAL + ANSWER:
            counted[name] = sum(r["metrics"].get(name) is not None for r in (follow if name == "followup_correct"
                                                                               else base))
    return {"summary": summary, "ci": ci, "n": counted,
            "by_type": {name: means(subset) for name, subset in groups.items()}}


def evaluate(systems: Sequence[System], questions: Sequence[GoldQuestion], cfg: EvalConfig,
             progress: Progress | None = None) -> dict[str, dict[str, Any]]:
    """Score every system, question by question, alternating system order per question so
    load from other processes on a shared machine hits all systems' latencies alike."""
    norms: dict[str, dict[str, str]] = {}
    corpora: dict[str, list[str]] = {}
    for system in systems:
        system.warm_up()  # model and index loading are not query latency
        norms[system.name] = {h.id: normalize(h.text) for h in system.corpus()} if system.corpus else {}
        corpora[system.name] = list(norms[system.name].values())
    rows: dict[str, list[dict[str, Any]]] = {s.name: [] for s in systems}
    for i, q in enumerate(questions):
        for system in systems[:: -1 if i % 2 else 1]:
            rows[system.name].append(score_question(system, q, cfg, norms[system.name], corpora[system.name]))
            if progress:
                progress(system.name, i + 1, len(questions))
    return {name: {**summarise(r, cfg), "chunks": len(norms[name]), "questions": r} for name, r in rows.items()}


def run_eval(assistant: Assistant, questions: Sequence[GoldQuestion], *, configs: Sequence[str] = (),
             baselines: bool = True, composers: bool | None = None, cfg: EvalConfig = EvalConfig(),
             progress: Progress | None = None) -> dict[str, Any]:
    """Score the assistant, then other composers, baselines and ablations, on the same
    questions. `composers` defaults to `baselines`."""
    unknown = [c for c in configs if c not in ABLATIONS]
    if unknown:
        raise ValueError(f"unknown config {unknown}; choose from {', '.join(ABLATIONS)}")
    composers = baselines if composers is None else composers
    assistants: dict[str, Assistant] = {ASSISTANT: assistant}
    if baselines:
        assistants.update({name: variant(assistant, sw) for name, sw in BASELINES.items()})
    assistants.update({name: variant(assistant, ABLATIONS[name]) for name in configs})
    skipped: list[str] = []  # columns that could not be built, with the reason
    legacy = None
    if composers:
        try:
            legacy = composer_variant(assistant)
        except ComposerSettingMissing as exc:
            skipped.append(f"{LEGACY}: {exc}")
    cache = QueryCache(assistant.embedder, [q.question for q in questions]) if cfg.fast else None
    undo = [use_query_cache(a, cache) for a in [*assistants.values(), *([legacy] if legacy else [])]] if cache else []
    systems = [assistant_system(name, a) for name, a in assistants.items()]
    if baselines:
        systems.insert(len(BASELINES) + 1, llama_system(assistant, cache or assistant.embedder))
    # Other composers on the assistant's own retrieval, next to it.
    others = [assistant_system(LEGACY, legacy, retrieval=False)] if legacy else []
    others += [lexrank_system(assistant)] if composers else []
    answer_only = [s.name for s in others]
    systems[1:1] = others
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
                 "composers": answer_only, "skipped": skipped,
                 "settings": assistant.settings.retrieval.model_dump(),
                 "answer_settings": assistant.settings.answer.model_dump(),
                 "index": assistant.store.name, "passages": assistant.store.count()},
        "order": [s.name for s in systems],
        "systems": results,
    }
