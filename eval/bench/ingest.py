"""Cold-ingest throughput: our pipeline against llama-index's default ingestion path.

    python -m eval.bench.ingest [PATH ...] [--repeat N] [--precisions P ...] [--json OUT]

Both pipelines read the same files, use the same local MiniLM weights on the same torch
threads, and write to a fresh embedded Chroma. Models are loaded (and warmed up) before
timing, so the figures are ingest throughput, not start-up cost. Ours runs at the configured
embedding precision ('auto': what this machine measured, `python -m ingest --info`) and at
each of `--precisions` (default float32 and onnx-int8, where installed): what each backend
buys, same run; llama-index's `HuggingFaceEmbedding` runs at its default, torch float32.
All pipelines run interleaved, the order alternating, `--repeat` times; medians are
reported, so other jobs on the machine slow every pipeline alike: compare the ratios. llama-index runs twice:
its defaults, and with chunks that fit the model (`SentenceSplitter` counting MiniLM's own
word pieces, chunk = the window), which embeds all the text, as ours does.

Throughput is given three ways, because the pipelines do different amounts of work:
report chars/s (the files' text / seconds: same numerator for both), chunks/s, and embedded
word pieces/s (tokens actually fed to the model, inside its 256-piece window, context or
metadata prefix included). llama-index's 1024-token chunks are cut at that window, so most
of its text is never embedded: per report char it does a quarter of our work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import assistant  # noqa: F401  (sets the offline switches before any ML import)
import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.core import Document
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import MetadataMode
from llama_index.vector_stores.chroma import ChromaVectorStore

from assistant.api import Assistant
from assistant.index import Embedder
from assistant.settings import Settings, get_settings
from assistant.index import PassageStore
from assistant.index.precision import CONCRETE, cpu_flags, onnx_unavailable
from ingest.pipeline import discover
from ingest.readers import read_source

Figures = dict[str, float]
FLOAT32 = "ours_float32"
EXTRA = ("float32", "onnx-int8")  # precisions measured besides the configured one
LLAMA_CHUNK, LLAMA_OVERLAP = 1024, 200  # SentenceSplitter's defaults, in tokens
FIT_OVERLAP = 25  # word pieces; about the default's share of overlap (200 of 1024)
FIT = "llama_index_fit"
RATIOS = ("seconds", "cpu_seconds", "report_chars_per_s", "chunks_per_s", "embedded_pieces_per_s",
          "embedded_chars_per_s")


class RecordingEmbedder:
    """Our embedder, remembering what it was asked to embed (counted after the clock stops)."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.texts: list[str] = []

    def embed(self, texts, on_batch=None):
        self.texts.extend(texts)
        return self.inner.embed(texts, on_batch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - began


def _cpu_timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Wall and CPU seconds; CPU time is steadier when other jobs share the cores."""
    cpu = time.process_time()
    out, wall = _timed(fn)
    return out, wall, time.process_time() - cpu


def load_llama_embedding(model_dir: str) -> Any:
    """HuggingFaceEmbedding on a local directory: SentenceTransformer never asks a hub."""
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    if not Path(model_dir).is_dir():  # a hub name could trigger a download; refuse it
        raise SystemExit(f"model must be a local directory for an offline benchmark: {model_dir}")
    embedding = HuggingFaceEmbedding(model_name=model_dir, device="cpu")
    embedding.get_text_embedding("warm-up")  # first forward pass allocates; keep it untimed
    SentenceSplitter()  # loads llama-index's global tiktoken encoding, as our tokenizer is loaded
    return embedding


def embedded_pieces(texts: list[str], embedder: Embedder) -> int:
    """Word pieces the model saw: each text's tokens up to the window, special tokens excluded."""
    window = embedder.max_tokens - embedder.special_tokens
    ids = embedder.tokenizer(texts, add_special_tokens=False, truncation=True, max_length=window)["input_ids"]
    return sum(map(len, ids))


def report_chars(files: list[Path], settings: Settings) -> int:
    """Characters of the reports' text (as our readers extract it), the same for both sides."""
    return sum(len(read_source(p, int(settings.max_file_mb * 2**20)).text) for p in files)


def embedded_chars(texts: list[str], embedder: Embedder, skip: list[int] | None = None) -> int:
    """Characters of chunk text inside the model's window, i.e. what the vectors really see;
    `skip` is the length of a metadata prefix ahead of the chunk text in each string."""
    enc = embedder.tokenizer(texts, truncation=True, max_length=embedder.max_tokens,
                             return_offsets_mapping=True)
    ends = [max((e for _, e in offsets), default=0) for offsets in enc["offset_mapping"]]
    return sum(max(0, end - k) for end, k in zip(ends, skip or [0] * len(texts)))


def run_ours(files: list[Path], settings: Settings, embedder: Embedder) -> Figures:
    recording = RecordingEmbedder(embedder)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        s = settings.model_copy(update={"index_dir": Path(tmp) / "index"})
        # Store creation is part of a cold ingest, as is Chroma setup on the llama side.
        report, seconds, cpu = _cpu_timed(lambda: Assistant(s, PassageStore(s), recording).ingest(files))
        if report.errors:
            raise SystemExit(f"our ingest failed: {report.errors}")
        texts = [p.text for p in Assistant(s, PassageStore(s), embedder).passages()]
    # Our chunker sizes chunks (with their context prefix) to fit the window, so all is seen.
    return {"files": len(report.added), "chunks": report.chunks_embedded, "chars": sum(map(len, texts)),
            "embedded_chars": embedded_chars(texts, embedder),
            "embedded_pieces": embedded_pieces(recording.texts, embedder),
            "seconds": seconds, "cpu_seconds": cpu}


def run_llama(files: list[Path], settings: Settings, embedding: Any, embedder: Embedder, fit: bool = False) -> Figures:
    """llama-index's default pipeline; `fit`: its splitter counts MiniLM word pieces and
    makes chunks of the model's window (metadata included), so nothing is truncated."""
    max_bytes = int(settings.max_file_mb * 2**20)
    if fit:
        window = embedder.max_tokens - embedder.special_tokens
        pieces = lambda text: embedder.tokenizer(text, add_special_tokens=False)["input_ids"]  # noqa: E731
        splitter = SentenceSplitter(chunk_size=window, chunk_overlap=FIT_OVERLAP, tokenizer=pieces)
    else:
        splitter = SentenceSplitter(chunk_size=LLAMA_CHUNK, chunk_overlap=LLAMA_OVERLAP)

    def read(path: Path) -> str:  # plain read for text; our readers only for HTML/PDF
        if path.suffix.lower() == ".txt":
            return path.read_text(encoding="utf-8", errors="replace")
        return read_source(path, max_bytes).text

    def ingest(tmp: str) -> list[Any]:
        client = chromadb.PersistentClient(path=tmp, settings=ChromaSettings(anonymized_telemetry=False))
        # No Chroma embedding function: vectors come from the pipeline, so none is fetched.
        collection = client.get_or_create_collection("bench", embedding_function=None)
        pipeline = IngestionPipeline(
            transformations=[splitter, embedding],
            vector_store=ChromaVectorStore(chroma_collection=collection),
        )
        docs = [Document(text=read(p), metadata={"file_name": p.name}) for p in files]
        return pipeline.run(documents=docs)

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        nodes, seconds, cpu = _cpu_timed(lambda: ingest(tmp))
    texts = [n.get_content() for n in nodes]
    seen = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]  # what was encoded
    return {"files": len(files), "chunks": len(nodes), "chars": sum(map(len, texts)),
            "embedded_chars": embedded_chars(seen, embedder, [len(a) - len(b) for a, b in zip(seen, texts)]),
            "embedded_pieces": embedded_pieces(seen, embedder), "seconds": seconds, "cpu_seconds": cpu}


def summarise(runs: list[Figures], chars: int) -> Figures:
    """Median seconds over the repeats; counts are identical run to run."""
    out = dict(runs[-1], report_chars=chars, seconds=statistics.median(r["seconds"] for r in runs),
               cpu_seconds=statistics.median(r["cpu_seconds"] for r in runs))
    for key in ("report_chars", "chunks", "chars", "embedded_chars", "embedded_pieces"):
        out[f"{key}_per_s"] = out[key] / out["seconds"]
    out["runs_seconds"] = [r["seconds"] for r in runs]  # type: ignore[assignment]
    return out


def run(paths: Sequence[Path | str] | None = None, repeat: int = 1,
        embedder: Embedder | None = None, settings: Settings | None = None,
        precisions: Sequence[str] = EXTRA) -> dict[str, Any]:
    """Benchmark both pipelines on the same files; `embedder` may be a preloaded one."""
    import sentence_transformers  # noqa: F401  (import cost is not model load time)
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding  # noqa: F401

    settings = settings or get_settings()
    files, errors = discover(paths or [settings.reports_dir])
    if errors or not files:
        raise SystemExit(f"nothing to ingest: {errors}")
    embedder = embedder or Embedder.from_settings(settings)
    _, ours_load = _timed(lambda: embedder.embed(["warm-up"]))  # loads the model if not yet loaded
    llama_embedding, llama_load = _timed(lambda: load_llama_embedding(settings.model_dir()))
    runners: dict[str, Callable[[], Figures]] = {"ours": lambda: run_ours(files, settings, embedder)}
    load_seconds = {"ours": ours_load, "llama_index": llama_load}
    skipped: dict[str, str] = {}
    for precision in dict.fromkeys(precisions):  # what each backend buys, same run
        if precision == embedder.precision:
            continue
        pinned = settings.model_copy(update={"embedding": settings.embedding.model_copy(update={"precision": precision})})
        if precision == "onnx-int8" and (why := onnx_unavailable(pinned)):
            skipped[precision] = why
            continue
        other = Embedder.from_settings(pinned)
        _, load_seconds[f"ours_{precision}"] = _timed(lambda: other.embed(["warm-up"]))
        runners[f"ours_{precision}"] = lambda s=pinned, e=other: run_ours(files, s, e)
    runners["llama_index"] = lambda: run_llama(files, settings, llama_embedding, embedder)
    runners[FIT] = lambda: run_llama(files, settings, llama_embedding, embedder, fit=True)
    runs: dict[str, list[Figures]] = {name: [] for name in runners}
    for i in range(repeat):  # interleaved, alternating who goes first, so load drift hits all alike
        for name in list(runners)[:: -1 if i % 2 else 1]:
            runs[name].append(runners[name]())
    chars = report_chars(files, settings)
    result: dict[str, Any] = {
        "model": settings.model_dir(), "precision": embedder.precision, "torch_threads": torch.get_num_threads(),
        "cpu_flags": sorted(f for f in cpu_flags() if f.startswith(("avx", "amx"))),
        "loadavg_1m_after": os.getloadavg()[0], "repeat": repeat, "load_seconds": load_seconds, "skipped": skipped,
        "pipelines": {name: summarise(r, chars) for name, r in runs.items()},
    }
    b = result["pipelines"]["llama_index"]
    result["ratio_ours_over_llama"] = {k: result["pipelines"]["ours"][k] / b[k] for k in RATIOS}
    if FLOAT32 in runs:
        result["ratio_float32_over_llama"] = {k: result["pipelines"][FLOAT32][k] / b[k] for k in RATIOS}
    fitted = result["pipelines"][FIT]
    result["ratio_ours_over_llama_fit"] = {k: result["pipelines"]["ours"][k] / fitted[k] for k in RATIOS}
    result["ratios_over_llama_fit"] = {name: {k: f[k] / fitted[k] for k in RATIOS}
                                       for name, f in result["pipelines"].items() if name.startswith("ours")}
    return result


def _label(name: str, result: dict[str, Any]) -> str:
    if name == "ours":
        return f"ours {result['precision']} (configured)"
    if name.startswith("ours_"):
        return f"ours {name[5:]}"
    return {"llama_index": "llama-index defaults", FIT: "llama-index, chunks fit"}[name]


def print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 140)  # the table is wide; logs are not terminals
    console.print(f"CPU flags: {', '.join(result.get('cpu_flags', [])) or 'unknown'}; torch threads "
                  f"{result['torch_threads']}; {result['repeat']} interleaved run(s) per pipeline, medians; "
                  f"1-min load average after: {result.get('loadavg_1m_after', 0):.1f}")
    for name, secs in result["load_seconds"].items():
        console.print(f"model load + warm-up ({name}, untimed below): {secs:.2f} s")
    for name, why in result.get("skipped", {}).items():
        console.print(f"not measured: ours {name}: {why}")
    pipes = result["pipelines"]
    cols = [n for n in pipes if n.startswith("ours")] + [FIT, "llama_index"]
    table = Table(title="Cold ingest, same files, same model weights")
    table.add_column("metric")
    for name in cols:
        table.add_column(_label(name, result), justify="right")
    rows = [("files", "files", "{:.0f}"), ("report chars", "report_chars", "{:,.0f}"),
            ("chunks", "chunks", "{:.0f}"), ("word pieces embedded", "embedded_pieces", "{:,.0f}"),
            ("chars embedded", "embedded_chars", "{:,.0f}"),
            ("seconds", "seconds", "{:.2f}"), ("CPU seconds", "cpu_seconds", "{:.2f}"),
            ("report chars/s", "report_chars_per_s", "{:,.0f}"), ("chunks/s", "chunks_per_s", "{:.1f}"),
            ("word pieces/s", "embedded_pieces_per_s", "{:,.0f}"),
            ("chars embedded/s", "embedded_chars_per_s", "{:,.0f}")]
    for label, key, fmt in rows:
        table.add_row(label, *[fmt.format(pipes[n][key]) for n in cols])
    console.print(table)
    ratios = Table(title="Ours ÷ llama-index in the same run (targets: word pieces/s >= 1.5x and report chars/s "
                         ">= 1.0x llama-index with chunks that fit)")
    ratios.add_column("ours")
    for head in ("word pieces/s ÷ fit", "report chars/s ÷ fit", "chunks/s ÷ fit", "word pieces/s ÷ defaults",
                 "report chars/s ÷ defaults"):
        ratios.add_column(head, justify="right")
    llama, fit = pipes["llama_index"], pipes[FIT]
    for name in cols[:-2]:
        f = pipes[name]
        ratios.add_row(_label(name, result), *[f"{f[k] / fit[k]:.2f}" for k in
                                               ("embedded_pieces_per_s", "report_chars_per_s", "chunks_per_s")],
                       *[f"{f[k] / llama[k]:.2f}" for k in ("embedded_pieces_per_s", "report_chars_per_s")])
    console.print(ratios)
    console.print(
        f"note: llama-index's defaults split into {LLAMA_CHUNK}-token chunks ({LLAMA_OVERLAP} overlap), past "
        "MiniLM's 256-word-piece window, so the rest of each chunk is silently truncated: it embeds a fraction "
        "of the text. 'Chunks fit' counts MiniLM's word pieces and cuts chunks at the window, so all text is "
        "embedded, as ours does: that is the like-for-like comparison."
    )


def main(argv: Sequence[str] | None = None, embedder: Embedder | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m eval.bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: bundled reports)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per pipeline; the median is reported")
    parser.add_argument("--precisions", nargs="*", default=list(EXTRA), choices=CONCRETE,
                        help="our pipeline at these precisions too (default: float32 onnx-int8)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = run(args.paths or None, max(1, args.repeat), embedder, precisions=args.precisions)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
