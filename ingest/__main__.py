"""`python -m ingest [PATH ...] [--prune] [--rebuild]`: bring the index up to date.

`--info` shows the embedding backend and precision in use, why ('auto': the figures it
measured on this machine) and the index name; `--calibrate` exports the ONNX model if it can
and measures again (scripts/setup runs it once per machine; a new choice means a new index).

Exit codes: 0 all files ingested, 1 some files failed (one `error:` line each), 2 the
embedding model is missing, 3 another ingest kept the index locked for longer than
`ingest_lock_timeout_s`, 4 the Chroma server does not answer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.errors import run_cli
from assistant.index import Embedder, PassageStore, embedding_precision
from assistant.records import IngestReport
from assistant.settings import Settings, get_settings
from assistant.text import printable
from ingest.pipeline import ingest_paths


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories (default: the bundled reports)")
    parser.add_argument("--prune", action="store_true", help="remove reports whose file no longer exists")
    parser.add_argument("--rebuild", action="store_true", help="start from an empty index")
    parser.add_argument("--index-dir", type=Path, default=None, help="index directory (default from settings)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--info", action="store_true", help="show the embedding precision, its figures and the "
                        "index name, and exit")
    parser.add_argument("--calibrate", action="store_true", help="export the ONNX model if possible, measure "
                        "the embedding backends again, record the choice, show it, and exit")
    parser.add_argument("--if-missing", action="store_true", help="with --calibrate: only when nothing is "
                        "recorded yet (scripts/setup)")
    return parser.parse_args(argv)


def print_info(settings: Settings, console: Console) -> None:
    from assistant.index import index_name
    from assistant.index.precision import onnx_unavailable, read_record

    precision = embedding_precision(settings)
    record = read_record(settings) if settings.embedding.precision == "auto" else None
    console.print(f"embedding precision: {precision} (setting: {settings.embedding.precision})")
    console.print(f"index name: {index_name(settings)}")
    others = PassageStore(settings).other_precisions()
    if others:
        console.print("other precisions' indexes in this store (kept; EA_EMBEDDING__PRECISION selects one): "
                      + ", ".join(f"{p} ({n} passages)" for p, n in others))
    console.print(f"ONNX backend: {onnx_unavailable(settings) or 'available'} (export: {settings.onnx_dir()})")
    if record is None:
        console.print(f"measured figures: none (setting is not 'auto'; record file {settings.choice_file()})")
        return
    m = record["machine"]
    console.print(f"measured {record['measured']} on {m['cpu']} ({', '.join(m['flags'])}), torch threads "
                  f"{m['torch_threads']}; {record['texts']} texts, {record['word_pieces']:,} word pieces, fastest of "
                  f"{record['rounds']} interleaved rounds; record: {settings.choice_file()}")
    table = Table(title=f"'auto' keeps the fastest with cosine to float32 >= {record['min_cosine']} on every text")
    for col in ("backend", "word pieces/s", "x float32", "cosine min", "cosine mean", "kept"):
        table.add_column(col, justify="left" if col == "backend" else "right")
    for name, c in sorted(record["candidates"].items(), key=lambda kv: -kv[1]["pieces_per_s"]):
        mark = "chosen" if name == record["choice"] else ("yes" if c["accepted"] else "no (cosine)")
        table.add_row(name, f"{c['pieces_per_s']:,.0f}", f"{c['speed_vs_float32']:.2f}", f"{c['cosine_min']:.4f}",
                      f"{c['cosine_mean']:.4f}", mark)
    for name, why in record["unavailable"].items():
        table.add_row(name, "", "", "", "", f"unavailable: {why}")
    console.print(table)


def calibrate(settings: Settings, console: Console, if_missing: bool) -> int:
    from assistant.index.calibrate import calibrate as measure
    from assistant.index.onnx_backend import OnnxUnavailable, ensure_export
    from assistant.index.precision import read_record

    if if_missing and read_record(settings) is not None:
        return 0
    try:
        ensure_export(settings.model_dir(), settings.onnx_dir())
    except OnnxUnavailable as exc:  # torch backends still work: say why, do not fail
        print(printable(f"note: no ONNX backend on this machine, torch only: {exc}"), file=sys.stderr)
    before = read_record(settings)
    record = measure(settings, force=True)
    if before is not None and before["choice"] != record["choice"]:
        print(f"note: 'auto' now chooses {record['choice']} (was {before['choice']}): a new index, which the next "
              f"`python -m ingest` fills; the {before['choice']} one stays (EA_EMBEDDING__PRECISION="
              f"{before['choice']} keeps using it)", file=sys.stderr)
    print_info(settings, console)
    return 0


def print_summary(report: IngestReport, console: Console) -> None:
    # One plain line per problem on stderr: greppable, never wrapped by the terminal width.
    for failure in report.errors:
        print(printable(f"error: {failure.source}: {failure.reason}"), file=sys.stderr)
    for source, same in report.duplicates:
        print(printable(f"skipped: {source}: same content as {same}"), file=sys.stderr)
    for source, warning in report.warnings:  # ingested, but something looked wrong
        print(printable(f"warning: {source}: {warning}"), file=sys.stderr)
    table = Table(title="Ingest summary", show_header=False)
    table.add_row("files added or updated", str(len(report.added)))
    table.add_row("files unchanged", str(len(report.unchanged)))
    table.add_row("files pruned", str(len(report.pruned)))
    table.add_row("files failed", str(len(report.errors)))
    table.add_row("chunks embedded", str(report.chunks_embedded))
    table.add_row("seconds", f"{report.seconds:.1f}")
    table.add_row("chunks/s", f"{report.chunks_per_second:.1f}")
    console.print(table)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    wide = Console(stderr=False, width=None if sys.stdout.isatty() else 120)
    if args.index_dir is not None:
        settings = settings.model_copy(update={"index_dir": args.index_dir})
    if args.calibrate:
        return calibrate(settings, wide, args.if_missing)
    if args.info:
        print_info(settings, wide)
        return 0
    report = ingest_paths(settings, PassageStore(settings), Embedder.from_settings(settings), args.paths or None,
                          prune=args.prune, rebuild=args.rebuild, progress=not args.quiet)
    print_summary(report, Console(stderr=False))
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_cli(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
