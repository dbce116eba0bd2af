"""`python -m eval.bench.scale [--sizes 100 1000] [--out DIR]`: cost against corpus size.

For each size N: synthesise N reports from the bundled ones (`eval/bench/synth.py`), ingest them
into a fresh index, then start the assistant twice (the first start after an ingest
derives and caches the retrieval state, a restart loads it) and time warm `search` and
`ask` over the gold questions; optionally load the running app with concurrent clients
(`eval/bench/load.py`). Ingest and each start run in a child process of their own, so
peak memory (max RSS) is per step. In the same run, our ingest and llama-index's default
pipeline process the same first `--baseline-reports` synthetic reports
(`eval/bench/ingest.py`), for the throughput ratio.

Writes results.json, results.md (tables) and latency.png (latency and ingest rate
against size) to --out (default eval/out/scale/). Indexes are deleted after measuring
unless --keep. Not part of the test run: N=1,000 embeds ~80k chunks.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

import assistant  # noqa: F401  (offline switches first)
from assistant.index import embedding_precision, index_name
from assistant.settings import REPO_ROOT, get_settings

DEFAULT_OUT = REPO_ROOT / "eval" / "out" / "scale"
FIRST_QUESTION = "How do forces manage registered sex offenders who live with children?"


# -- steps run in a child process ------------------------------------------------------

def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def child_ingest(index: Path, files: list[Path], slices: int) -> dict[str, Any]:
    """Ingest in `slices` consecutive calls, timing each: a rate that falls as the index
    grows would show cost growing faster than corpus size (the load average shows how much
    of the machine other jobs took meanwhile)."""
    from assistant.api import Assistant
    from ingest.readers import read_source

    a = Assistant.open(index)
    load_began = time.perf_counter()
    a.embedder.embed(["warm-up"])  # model load, kept out of the ingest rate
    load = time.perf_counter() - load_began
    steps, chunks, seconds, cpu_total = [], 0, 0.0, 0.0
    size = max(1, -(-len(files) // max(1, slices)))
    for i in range(0, len(files), size):
        indexed = a.store.count()
        cpu, began = time.process_time(), time.perf_counter()
        report = a.ingest(files[i : i + size], progress=True)
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        if not report.ok:
            raise SystemExit(f"ingest failed: {report.errors[:5]}")
        steps.append({"indexed_before": indexed, "reports": len(report.added), "chunks": report.chunks_embedded,
                      "seconds": wall, "cpu_seconds": cpu, "chunks_per_s": report.chunks_embedded / wall,
                      "loadavg_1m": os.getloadavg()[0]})
        chunks, seconds, cpu_total = chunks + report.chunks_embedded, seconds + wall, cpu_total + cpu
    chars = sum(len(read_source(p, int(a.settings.max_file_mb * 2**20)).text) for p in files)
    return {
        "reports": len(files), "chunks": chunks, "report_chars": chars,
        "model_load_s": load, "ingest_s": seconds, "ingest_cpu_s": cpu_total,
        "chunks_per_s": chunks / seconds, "report_chars_per_s": chars / seconds,
        "peak_rss_mb": _peak_rss_mb(), "slices": steps,
    }


def child_query(index: Path, started: float, questions: int, k: int) -> dict[str, Any]:
    """First answer after process start, then (if questions) warm search / ask latencies."""
    from assistant.api import Assistant
    from eval.bench.latency import time_each
    from eval.gold import DEFAULT_GOLD, load_gold

    a = Assistant.open(index)
    a.ask(FIRST_QUESTION, k=k)
    out: dict[str, Any] = {"first_answer_s": time.time() - started}
    if questions:
        gold = [q.question for q in load_gold(DEFAULT_GOLD)][:questions]
        a.warm_up()
        for name, fn in (("search", lambda q: a.search(q, k=k)), ("ask", lambda q: a.ask(q, k=k))):
            each: dict[str, float] = {}
            out[name] = time_each(fn, gold, seconds_each=each)
            out[name]["slowest"] = sorted(each.items(), key=lambda kv: -kv[1])[:5]
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def child_main(argv: Sequence[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m eval.bench.scale --child")
    p.add_argument("--child", choices=("ingest", "query"), required=True)
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--files", type=Path, help="file listing the reports to ingest, one path a line")
    p.add_argument("--slices", type=int, default=10, help="ingest in this many timed calls")
    p.add_argument("--started", type=float, default=0.0, help="time.time() when the parent started us")
    p.add_argument("--questions", type=int, default=0)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--json", type=Path, required=True)
    args = p.parse_args(argv)
    if args.child == "ingest":
        files = [Path(line) for line in args.files.read_text().splitlines() if line]
        result = child_ingest(args.index, files, args.slices)
    else:
        result = child_query(args.index, args.started, args.questions, args.k)
    args.json.write_text(json.dumps(result, indent=2))


def run_child(out: Path, name: str, *args: str) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its stderr (progress bars) goes to ours."""
    result = out / f"{name}.json"
    started = time.time()
    cmd = [sys.executable, "-m", "eval.bench.scale", "--child", *args, "--started", str(started), "--json", str(result)]
    subprocess.run(cmd, cwd=REPO_ROOT, check=True)
    return json.loads(result.read_text())


# -- the benchmark ---------------------------------------------------------------------

def synthesise(n: int, folder: Path) -> tuple[list[Path], dict[str, Any]]:
    """The first n synthetic reports in folder, made unless already there (deterministic)."""
    from eval.bench.synth import Synthesiser, SynthStats

    synth = Synthesiser.from_paths(get_settings().reports_dir.iterdir())
    names = [synth.report_name(i) for i in range(n)]
    if folder.is_dir() and all((folder / name).is_file() for name in names):
        return [folder / name for name in names], {"reused": True}
    stats: SynthStats = synth.write(n, folder, progress=True)
    return [folder / name for name in names], asdict(stats)


def measure_size(n: int, files: list[Path], out: Path, args: argparse.Namespace) -> dict[str, Any]:
    from eval.bench import load as bench_load

    index = out / f"index-{n}"
    shutil.rmtree(index, ignore_errors=True)
    listing = out / f"files-{n}.txt"
    listing.write_text("\n".join(str(p) for p in files[:n]))
    print(f"[{n} reports] ingest", file=sys.stderr)
    row: dict[str, Any] = {"size": n, "ingest": run_child(out, f"ingest-{n}", "ingest", "--index", str(index),
                                                          "--files", str(listing))}
    print(f"[{n} reports] first start (derives the retrieval state)", file=sys.stderr)
    row["first_start"] = run_child(out, f"start1-{n}", "query", "--index", str(index))
    print(f"[{n} reports] restart, warm latency over {args.questions} questions", file=sys.stderr)
    row["restart"] = run_child(out, f"start2-{n}", "query", "--index", str(index),
                               "--questions", str(args.questions))
    derived = get_settings().model_copy(update={"index_dir": index}).derived_dir()
    row["disk"] = {"total_mb": _du_mb(index), "derived_mb": _du_mb(derived)}  # after a start cached the state
    if args.load_clients:
        print(f"[{n} reports] load test: {args.load_clients} clients x {args.load_questions}", file=sys.stderr)
        load = bench_load.run(index, args.load_clients, args.load_questions, args.load_time_limit,
                              log=out / f"app-{n}.log")
        row["load"] = asdict(load)
    if not args.keep:
        shutil.rmtree(index, ignore_errors=True)
    return row


def baseline(files: list[Path], out: Path, repeat: int) -> dict[str, Any]:
    """Ours vs llama-index's default ingest on the same synthetic reports, in a child process;
    runs interleaved `repeat` times, medians (one run is at the mercy of other jobs' load)."""
    result = out / "bench_ingest.json"
    cmd = [sys.executable, "-m", "eval.bench.ingest", *map(str, files), "--repeat", str(repeat), "--json", str(result)]
    subprocess.run(cmd, cwd=REPO_ROOT, check=True)
    return json.loads(result.read_text())


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--child" in argv:
        child_main(argv)
        return {}
    p = argparse.ArgumentParser(prog="python -m eval.bench.scale", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="corpus sizes in reports")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default eval/out/scale)")
    p.add_argument("--questions", type=int, default=90, help="gold questions timed per size (default all 90)")
    p.add_argument("--baseline-reports", type=int, default=20,
                   help="synthetic reports for the ours-vs-llama-index ingest comparison (0 = skip)")
    p.add_argument("--baseline-repeat", type=int, default=3, help="interleaved runs of that comparison (median)")
    p.add_argument("--load-clients", type=int, default=16, help="concurrent app clients (0 = no load test)")
    p.add_argument("--load-questions", type=int, default=4, help="requests per client")
    p.add_argument("--load-time-limit", type=float, default=300.0, help="seconds for the load test's requests")
    p.add_argument("--keep", action="store_true", help="keep the indexes under --out")
    args = p.parse_args(argv)
    if any(n <= 0 for n in args.sizes):
        p.error(f"sizes must be positive, got {args.sizes}")
    from eval.bench.scale_report import chart, markdown

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    largest = max(args.sizes + [args.baseline_reports])
    files, synth_stats = synthesise(largest, out / "corpus")
    results: dict[str, Any] = {
        "settings": {"precision": embedding_precision(get_settings()), "index_name": index_name(get_settings())},
        "synthesis": synth_stats, "sizes": [],
    }
    if args.baseline_reports:
        print(f"ingest baseline on {args.baseline_reports} synthetic reports", file=sys.stderr)
        results["baseline"] = baseline(files[: args.baseline_reports], out, args.baseline_repeat)
    for n in sorted(set(args.sizes)):
        results["sizes"].append(measure_size(n, files, out, args))
        (out / "results.json").write_text(json.dumps(results, indent=2))  # partial results survive a crash
    (out / "results.md").write_text(markdown(results), encoding="utf-8")
    chart(results, out / "latency.png")
    print(markdown(results))
    print(f"wrote {out / 'results.json'}, {out / 'results.md'}, {out / 'latency.png'}")
    return results


if __name__ == "__main__":
    main()
