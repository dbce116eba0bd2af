"""`python -m eval.bench_latency`: warm query latency, ours vs llama-index's default path.

Times `Assistant.search` and extractive `Assistant.ask` on every gold question against the
index in settings (built from the bundled reports if empty), and, in the same run, the
llama-index default query path: `SentenceSplitter` 1024/200 chunks in a `VectorStoreIndex`
with the same embedder, `as_retriever(similarity_top_k=k).retrieve()` (no LLM exists here,
so retrieval is the whole default path). Both sides are warmed up first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Callable

import assistant  # noqa: F401  (offline switches first)
from llama_index.core import Document, Settings as LlamaSettings, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter
from rich.console import Console
from rich.table import Table

from assistant.api import Assistant
from eval.bench_ingest import load_llama_embedding
from eval.gold import DEFAULT_GOLD, load_gold
from ingest.pipeline import discover
from ingest.readers import read_source


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000, "n": len(ordered)}


def time_each(fn: Callable[[str], object], questions: list[str], warm: int = 10) -> dict[str, float]:
    for q in questions[:warm]:  # torch's first calls are slow
        fn(q)
    seconds = []
    for q in questions:
        began = time.perf_counter()
        fn(q)
        seconds.append(time.perf_counter() - began)
    return percentiles(seconds)


def llama_default_retriever(a: Assistant, k: int):
    """llama-index's defaults on the same reports and embedder, in memory."""
    files, _ = discover([a.settings.reports_dir])
    docs = [Document(text=read_source(p, 2**31).text, metadata={"source": str(p)}) for p in files]
    embed = load_llama_embedding(a.settings.model_dir())
    LlamaSettings.llm = None  # no LLM: never let llama-index reach for one
    index = VectorStoreIndex.from_documents(
        docs, embed_model=embed, transformations=[SentenceSplitter(chunk_size=1024, chunk_overlap=200)]
    )
    return index.as_retriever(similarity_top_k=k)


def run(k: int, gold: Path, a: Assistant | None = None) -> dict[str, dict[str, float]]:
    a = a or Assistant.open()
    if a.store.count() == 0:
        a.ingest()
    a.warm_up()
    questions = [q.question for q in load_gold(gold)]
    retriever = llama_default_retriever(a, k)
    return {
        "ours: search": time_each(lambda q: a.search(q, k=k), questions),
        "ours: ask (extractive)": time_each(lambda q: a.ask(q, k=k), questions),
        "llama-index default: retrieve": time_each(retriever.retrieve, questions),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_latency", description=__doc__)
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
