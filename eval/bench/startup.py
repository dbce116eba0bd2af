"""`python -m eval.bench.startup [--copies 200] [--server]`: process start to first answer,
with and without the derived-state cache (assistant/corpus.py), on a large index.

The index is made without embedding anything: the bundled reports' stored passages and
vectors are copied `--copies` times (5 reports each), each copy under another England and
Wales force (its name replaced in the text too) and with its vectors nudged by a little
noise so the HNSW graph holds no exact duplicates. 200 copies = 1,000 reports, ~84k chunks.
Cost figures (reads, tokenising, memory) track the chunk count; copies repeat sentences,
so boilerplate shares and vocabulary size are not those of 1,000 distinct reports.

Each start runs in a fresh interpreter and answers one comparative question:
  no cache     derived state built from the store, nothing written (`EA_USE_CACHE=false`)
  cold cache   built and written (first start after an ingest elsewhere)
  warm cache   loaded
  one changed  one report re-registered with a new hash: rows of the others are reused
  one more     in a process already answering (warm cache), one more report file is
               ingested (embedded with the configured precision), then the first answer
               after it is timed: the derived state is updated from the new report only
               (target: <= 10 s at 1,000 reports)
With `--latency N`, the warm start then times search / ask on N gold questions.
`--server` puts the index on a `chroma run` server (HTTP) instead of the embedded store.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import assistant  # noqa: F401  (offline switches first)
import numpy as np

from assistant.settings import REPO_ROOT

QUESTION = "How did forces handle reactive RSO management?"  # comparative: a pass per force
NOISE = 0.02  # per-dimension std of the noise added to copied vectors (cosine to the original ~0.9)
DEFAULT_WORK = REPO_ROOT / "eval" / "out" / "startup"
ENGLAND_AND_WALES = 43  # the first 43 of assistant.forces.KNOWN_FORCES


# -- the synthetic index ----------------------------------------------------------------

def clone_index(source, target, copies: int, seed: int = 0) -> int:
    """Write `copies` renamed copies of every report of store `source` into store `target`."""
    from assistant.text import KNOWN_FORCES

    forces = KNOWN_FORCES[:ENGLAND_AND_WALES]
    rng = np.random.default_rng(seed)
    reports = sorted(source.reports(), key=lambda r: r.doc_id)
    rows = {r.doc_id: source.fetch(where={"doc_id": r.doc_id}) for r in reports}
    made = 0
    for c in range(copies):
        for info in reports:
            passages, vectors = rows[info.doc_id]
            force = forces[made % len(forces)]
            doc_id = hashlib.sha1(f"{info.doc_id}-{c}".encode()).hexdigest()[:16]
            source_path = f"synthetic/{c:04d}/{Path(info.source).name}"
            rename = lambda text: text.replace(info.force, force)  # noqa: E731
            copied = [
                replace(p, id=f"{doc_id}-{i:05d}", text=rename(p.text), force=force, section=rename(p.section),
                        report_title=rename(p.report_title), source=source_path, doc_id=doc_id)
                for i, p in enumerate(passages)
            ]
            nudged = vectors + rng.normal(0, NOISE, vectors.shape).astype(np.float32)
            nudged /= np.linalg.norm(nudged, axis=1, keepdims=True)
            new_info = replace(info, doc_id=doc_id, source=source_path, force=force,
                               report_title=rename(info.report_title),
                               sha256=hashlib.sha256(f"{info.sha256}-{c}".encode()).hexdigest())
            target.replace_report(new_info, copied, nudged)
            made += 1
        print(f"\rcopied {made} reports", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return made


def touch_one_report(store) -> str:
    """Re-register one report with a new content hash, as re-ingesting a changed file would."""
    info = sorted(store.reports(), key=lambda r: r.doc_id)[0]
    passages, vectors = store.fetch(where={"doc_id": info.doc_id})
    store.replace_report(replace(info, sha256=hashlib.sha256(info.sha256.encode()).hexdigest()), passages, vectors)
    return info.doc_id


# -- steps, each in a child process (two processes never share an embedded Chroma) -------

def child_prepare(copies: int, work: Path) -> dict[str, Any]:
    """Make the synthetic index unless it is there; return its size."""
    from assistant.api import Assistant
    from assistant.index import PassageStore
    from assistant.settings import Settings

    target = PassageStore(Settings())  # index dir / server from the environment
    if target.count() == 0:
        source = Assistant.open(work / "bundled", Settings(chroma_url="", chroma_host=""))  # embedded
        if source.store.count() == 0:
            source.ingest()
        began = time.time()
        clone_index(source.store, target, copies)
        print(f"synthetic index: {target.count()} chunks in {time.time() - began:.0f} s", file=sys.stderr)
    return {"chunks": target.count(), "reports": len(target.reports())}


def child_touch() -> dict[str, Any]:
    from assistant.index import PassageStore
    from assistant.settings import Settings

    return {"touched": touch_one_report(PassageStore(Settings()))}


def child_start(started: float, latency: int) -> dict[str, Any]:
    """Open, derive or load the state, answer one question; then warm latencies if asked."""
    from assistant.api import Assistant

    a = Assistant.open()
    began = time.time()
    corpus = a.pipeline.corpus
    state_s = time.time() - began
    answer = a.ask(QUESTION)
    result: dict[str, Any] = {
        "first_answer_s": time.time() - started, "import_open_s": began - started, "derived_state_s": state_s,
        "origin": corpus.origin, "rows_read": corpus.fetched, "chunks": len(corpus.passages),
        "answer_forces": len(answer.forces),
    }
    if latency:
        from eval.bench.latency import time_each
        from eval.gold import DEFAULT_GOLD, load_gold

        questions = [q.question for q in load_gold(DEFAULT_GOLD)][:latency]
        a.warm_up()
        result["search"] = time_each(lambda q: a.search(q), questions)
        result["ask"] = time_each(lambda q: a.ask(q), questions)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def child_one_more(work: Path) -> dict[str, Any]:
    """Ingest one more report into a running assistant, then time the first answer after it."""
    from assistant.api import Assistant
    from assistant.settings import get_settings

    a = Assistant.open()
    a.ask(QUESTION)  # a process already serving: state loaded, model warm
    template = sorted(get_settings().reports_dir.glob("*.txt"))[0]
    new = work / "one-more" / f"one-more-{time.time_ns()}-{template.name}"
    new.parent.mkdir(parents=True, exist_ok=True)
    new.write_text(template.read_text() + f"\n\nAddendum {new.name}.\n")  # new content, new hash
    began = time.time()
    report = a.ingest([new])
    ingest_s = time.time() - began
    began = time.time()
    corpus = a.pipeline.corpus
    state_s = time.time() - began
    answer = a.ask(QUESTION)
    result = {"ingest_s": ingest_s, "chunks_embedded": report.chunks_embedded, "first_answer_s": time.time() - began,
              "derived_state_s": state_s, "origin": corpus.origin, "rows_read": corpus.fetched,
              "chunks": len(corpus.passages), "answer_forces": len(answer.forces), "precision": a.embedder.precision,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    a.store.remove_report(report.added[0].doc_id)  # leave the synthetic index as it was
    new.unlink()
    return result


def step(env: dict[str, str], work: Path, name: str, *args: str) -> dict[str, Any]:
    result = work / f"{name}.json"
    cmd = [sys.executable, "-m", "eval.bench.startup", "--step", *args, "--json", str(result)]
    subprocess.run(cmd, cwd=REPO_ROOT, env=env, check=True)
    return json.loads(result.read_text())


# -- the benchmark ----------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(prog="python -m eval.bench.startup", description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=200, help="copies of the 5 bundled reports (200 = 1,000 reports)")
    p.add_argument("--work", type=Path, default=DEFAULT_WORK, help="folder for the indexes and results")
    p.add_argument("--server", action="store_true", help="index on a `chroma run` server instead of embedded")
    p.add_argument("--latency", type=int, default=0, help="gold questions timed after the warm start")
    p.add_argument("--keep", action="store_true", help="keep the synthetic index (it is reused if present)")
    p.add_argument("--step", nargs="+", help=argparse.SUPPRESS)  # prepare | touch | start STARTED | one-more
    p.add_argument("--json", type=Path, help="results file (default WORK/results.json)")
    args = p.parse_args(argv)
    if args.copies <= 0:
        p.error(f"--copies must be positive, got {args.copies}")
    if args.step:
        kind = args.step[0]
        if kind == "prepare":
            result = child_prepare(args.copies, args.work)
        elif kind == "touch":
            result = child_touch()
        elif kind == "one-more":
            result = child_one_more(args.work)
        else:
            result = child_start(float(args.step[1]), args.latency)
        args.json.write_text(json.dumps(result))
        return result

    from eval.bench.chroma_server import ChromaServer

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    index = work / f"index-{args.copies}"
    env = {**os.environ, "EA_INDEX_DIR": str(index), "EA_CACHE_DIR": str(work / "derived")}
    env.pop("EA_CHROMA_HOST", None)
    server = None
    if args.server:
        server = ChromaServer(work / f"chroma-{args.copies}", work / "chroma.log")
        server.start()
        env["EA_CHROMA_URL"] = server.url
    else:
        env.pop("EA_CHROMA_URL", None)
    common = ["--copies", str(args.copies), "--work", str(work)]
    try:
        size = step(env, work, "prepare", "prepare", *common)
        shutil.rmtree(work / "derived", ignore_errors=True)
        rows = {}
        for name, extra in (("no cache", {"EA_USE_CACHE": "false"}), ("cold cache", {}), ("warm cache", {}),
                            ("one changed", {}), ("warm again", {})):
            if name == "one changed":
                step(env, work, "touch", "touch", *common)
            print(f"start: {name}", file=sys.stderr)
            latency = args.latency if name == "warm again" else 0
            rows[name] = step({**env, **extra}, work, name.replace(" ", "-"), "start", str(time.time()), *common,
                              "--latency", str(latency))
        print("one more report, then the first answer after it", file=sys.stderr)
        rows["one more"] = step(env, work, "one-more", "one-more", *common)
    finally:
        if server is not None:
            server.stop()
    results = {"copies": args.copies, "reports": size["reports"], "chunks": size["chunks"],
               "server": args.server, "starts": rows}
    print(table(results))
    (args.json or work / "results.json").write_text(json.dumps(results, indent=2))
    if not args.keep:
        for folder in (index, work / f"chroma-{args.copies}", work / "derived"):
            shutil.rmtree(folder, ignore_errors=True)
    return results


def table(results: dict[str, Any]) -> str:
    starts = results["starts"]
    base = starts["no cache"]
    where = "Chroma server (HTTP)" if results["server"] else "embedded Chroma"
    lines = [
        f"Start to first answer, {results['reports']} reports / {results['chunks']} chunks, {where}",
        "",
        "| start | first answer s | x no cache | derived state s | rows read | origin | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in starts.items():
        if name == "one more":
            continue
        lines.append(f"| {name} | {r['first_answer_s']:.1f} | {r['first_answer_s'] / base['first_answer_s']:.2f} | "
                     f"{r['derived_state_s']:.1f} | {r['rows_read']} | {r['origin']} | {r['peak_rss_mb']:.0f} |")
    more = starts.get("one more")
    if more:
        lines.append(f"\none more report ({more['chunks_embedded']} chunks, {more['precision']}) into the running "
                     f"assistant: ingest {more['ingest_s']:.1f} s, then first answer {more['first_answer_s']:.1f} s "
                     f"(derived state {more['derived_state_s']:.1f} s, {more['origin']}, {more['rows_read']} rows read, "
                     f"{more['chunks']} chunks; target <= 10 s)")
    warm = starts["warm again"]
    if "ask" in warm:
        lines.append(f"\nwarm latency over {warm['ask']['n']:.0f} gold questions: search p50 "
                     f"{warm['search']['p50_ms']:.0f} / p95 {warm['search']['p95_ms']:.0f} ms, ask p50 "
                     f"{warm['ask']['p50_ms']:.0f} / p95 {warm['ask']['p95_ms']:.0f} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
