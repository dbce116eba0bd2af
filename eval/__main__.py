"""Evaluate the assistant on a gold set, side by side with baselines and ablations.

    python -m eval [--gold FILE] [--k 10] [--json OUT] [--out DIR] [--config NAME ...]
                   [--baselines all|composers|retrieval|none] [--no-baselines] [--fast] [--index DIR]

Systems side by side: the assistant; the other composers on its retrieved passages (the
legacy composer, LexRank); the retrieval baselines (BM25-only, dense-only, llama-index); and
any ablations asked for.

Writes <out>/results.json (or --json), <out>/report.md and <out>/headline.png, and prints
the metrics table. Exit code 1 if a headline metric breaks eval/thresholds.json (--gate).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import assistant.offline  # noqa: F401  (sets the offline switches before any ML import)
from assistant.api import Assistant
from eval.baselines import ABLATIONS
from eval.gold import DEFAULT_GOLD, load_gold
from eval.gate import THRESHOLDS, check
from eval.report import chart, markdown, print_table
from eval.runner import EvalConfig, run_eval

DEFAULT_OUT = Path(__file__).with_name("results")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold JSONL (same schema as eval/gold.jsonl)")
    p.add_argument("--k", type=int, default=10, help="passages per search (default 10)")
    p.add_argument("--json", type=Path, help="results file (default <out>/results.json)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default eval/results)")
    p.add_argument("--config", action="append", default=[], choices=list(ABLATIONS), metavar="NAME",
                   help=f"ablation to run as an extra column, repeatable: {', '.join(ABLATIONS)}")
    p.add_argument("--baselines", choices=("all", "composers", "retrieval", "none"), default="all",
                   help="comparison systems to run: other composers (legacy, LexRank), retrieval baselines "
                   "(BM25-only, dense-only, llama-index), both (default) or none")
    p.add_argument("--no-baselines", action="store_const", const="none", dest="baselines",
                   help="the assistant alone (same as --baselines none)")
    p.add_argument("--fast", action="store_true",
                   help="embed all questions in one batch and search once per question (latency excludes encoding)")
    p.add_argument("--index", type=Path, help="index directory (default: from settings)")
    p.add_argument("--gate", action="store_true", help="exit 1 if a headline metric breaks eval/thresholds.json")
    args = p.parse_args(argv)
    if args.k <= 0:
        p.error("--k must be positive")
    return args


def open_assistant(index: Path | None) -> Assistant:
    """The configured index; an empty one is filled from the bundled reports first."""
    a = Assistant.open(index)
    if not a.store.count():
        print(f"index is empty: ingesting {a.settings.reports_dir} first", file=sys.stderr)
        report = a.ingest()
        if not report.ok:
            raise SystemExit(f"ingest failed: {report.errors}")
    return a


def main(argv: Sequence[str] | None = None, assistant: Assistant | None = None) -> dict[str, Any]:
    """CLI entry; `assistant` lets callers (tests) reuse an open index and embedder."""
    from rich.progress import Progress

    args = parse(argv)
    questions = load_gold(args.gold)
    a = assistant or open_assistant(args.index)
    cfg = EvalConfig(k=args.k, fast=args.fast)
    with Progress(transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)

        results = run_eval(a, questions, configs=list(dict.fromkeys(args.config)),
                           baselines=args.baselines in ("all", "retrieval"),
                           composers=args.baselines in ("all", "composers"), cfg=cfg, progress=progress)
    results["meta"]["gold"] = str(args.gold)
    for reason in results["meta"]["skipped"]:
        print(f"warning: not run: {reason}", file=sys.stderr)
    results["gate"] = check(results)

    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.json or args.out / "results.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (args.out / "report.md").write_text(markdown(results), encoding="utf-8")
    chart(results, args.out / "headline.png")

    print_table(results)
    failures = results["gate"]["failures"]
    print(f"thresholds ({THRESHOLDS.name}): " + ("all met" if not failures else "; ".join(failures)))
    print(f"wrote {json_path}, {args.out / 'report.md'}, {args.out / 'headline.png'}")
    if args.gate and failures:
        raise SystemExit(1)
    return results


if __name__ == "__main__":
    main()
