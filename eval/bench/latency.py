"""`python -m eval.bench.latency`: warm query latency, ours vs llama-index's default path.

Times `Assistant.search` and extractive `Assistant.ask` on every gold question against the
index in settings (built from the bundled reports if empty), and, in the same run, the
llama-index default query path: `SentenceSplitter` 1024/200 chunks in a `VectorStoreIndex`
with the same embedder, `as_retriever(similarity_top_k=k).retrieve()` (no LLM exists here,
so retrieval is the whole default path). Both sides are warmed up first.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Callable

import assistant  # noqa: F401  (offline switches first)
from rich.console import Console
from rich.table import Table

from assistant.api import Assistant
from eval.baselines import llama_system
from eval.gold import DEFAULT_GOLD, load_gold
from eval.metrics import percentile


def percentiles(seconds: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(seconds, 50) * 1000, "p95_ms": percentile(seconds, 95) * 1000, "n": len(seconds)}


def time_each(fn: Callable[[str], object], questions: list[str], warm: int = 10,
              seconds_each: dict[str, float] | None = None) -> dict[str, float]:
    """p50 / p95 of fn over the questions after a warm-up; `seconds_each` gets each time."""
    for q in questions[:warm]:  # torch's first calls are slow
        fn(q)
    seconds = []
    for q in questions:
        began = time.perf_counter()
        fn(q)
        seconds.append(time.perf_counter() - began)
        if seconds_each is not None:
            seconds_each[q] = seconds[-1]
    return percentiles(seconds)


def run(k: int, gold: Path, a: Assistant | None = None) -> dict[str, dict[str, float]]:
    a = a or Assistant.open()
    if a.store.count() == 0:
        a.ingest()
    a.warm_up()
    questions = [q.question for q in load_gold(gold)]
    llama = llama_system(a)  # the eval's llama-index baseline: SentenceSplitter 1024/200, same embedder
    llama.warm_up()
    return {
        "ours: search": time_each(lambda q: a.search(q, k=k), questions),
        "ours: ask (extractive)": time_each(lambda q: a.ask(q, k=k), questions),
        "llama-index default: retrieve": time_each(lambda q: llama.search(q, k), questions),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench.latency", description=__doc__)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    figures = run(args.k, args.gold)
    base = figures["llama-index default: retrieve"]
    table = Table(title=f"Warm query latency, {figures['ours: ask (extractive)']['n']:.0f} questions, k={args.k}")
    for col in ("path", "p50 ms", "p95 ms", "p50 ratio to llama-index", "p95 ratio"):
        table.add_column(col, justify="right" if col != "path" else "left")
    for name, f in figures.items():
        table.add_row(name, f"{f['p50_ms']:.1f}", f"{f['p95_ms']:.1f}",
                      f"{f['p50_ms'] / base['p50_ms']:.2f}", f"{f['p95_ms'] / base['p95_ms']:.2f}")
    Console().print(table)
    Console().print("targets for ours: ask p50 <= 150 ms, p95 <= 400 ms")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
