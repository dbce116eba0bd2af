"""`python -m ingest [PATH ...] [--prune] [--rebuild] [--as-document]`: bring the index up to date.

Also `--remove PATH_OR_ID ...` (take reports out of the index), `--accept ID ...` (let answers
use uploads waiting for review) and `--list` (what the index holds, with ids and provenance).

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
from assistant.records import IngestReport, ReportInfo
from assistant.settings import Settings, get_settings
from assistant.text import printable
from ingest.manage import accept_reports, remove_reports
from ingest.pipeline import ingest_paths
from ingest.prepare import os_user
from ingest.recognise import NOT_RECOGNISED



def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=str, metavar="PATH",
                        help="files or directories (default: the bundled reports); with --remove or "
                             "--accept, report ids or paths")
    parser.add_argument("--prune", action="store_true", help="remove reports whose file no longer exists")
    parser.add_argument("--rebuild", action="store_true", help="start from an empty index")
    parser.add_argument("--as-document", action="store_true",
                        help="add the files as other documents: cited with that label, never counted as a force")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--remove", action="store_true", help="remove the reports named by PATH (ids or paths)")
    action.add_argument("--accept", action="store_true", help="let answers use the uploads named by PATH (ids)")
    action.add_argument("--list", action="store_true", help="list the reports in the index")
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


def _errors(report: IngestReport) -> None:
    # One plain line per problem on stderr: greppable, never wrapped by the terminal width.
    for failure in report.errors:
        print(printable(f"error: {failure.source}: {failure.reason}"), file=sys.stderr)
    if any(f.reason.startswith(NOT_RECOGNISED) for f in report.errors):
        print("hint: add such files with --as-document to keep them as other documents", file=sys.stderr)


def describe(info: ReportInfo) -> str:
    """One line per report: id, what it is, where it came from (printable)."""
    who = f" by {info.added_by}" if info.added_by else ""
    name = f" '{info.original_name}'" if info.origin == "upload" and info.original_name else ""
    status = "" if info.accepted else "  [awaiting review]"
    what = info.force or "other document"
    return printable(f"{info.doc_id}  {what} – {info.report_title} ({info.report_type}; {info.chunks} passages)  "
                     f"{info.origin}{name}{who} {info.added_at}{status}  {info.source}")


def print_summary(report: IngestReport, console: Console) -> None:
    _errors(report)
    for source, same in report.duplicates:
        print(printable(f"skipped: {source}: same content as {same}"), file=sys.stderr)
    for source, warning in report.warnings:  # ingested, but something looked wrong
        print(printable(f"warning: {source}: {warning}"), file=sys.stderr)
    for info in report.added:
        print(printable(f"added: {describe(info)}"))
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
    store = PassageStore(settings)
    if args.list:
        for info in sorted(store.reports(), key=lambda r: (r.kind, r.force, r.year or 0)):
            print(describe(info))
        return 0
    if args.remove or args.accept:
        if not args.paths:
            print("error: name the reports (ids or paths; see --list)", file=sys.stderr)
            return 2
        if args.remove:
            report = remove_reports(settings, store, args.paths)
            lines = [f"removed: {describe(info)}" for info in report.removed]
        else:
            report = accept_reports(settings, store, args.paths, by=os_user())
            lines = [f"accepted: {describe(info)}" for info in report.accepted]
        _errors(report)
        for line in lines:
            print(printable(line))
        return 0 if report.ok else 1
    report = ingest_paths(settings, store, Embedder.from_settings(settings), args.paths or None,
                          prune=args.prune, rebuild=args.rebuild, progress=not args.quiet,
                          as_document=args.as_document)
    print_summary(report, Console(stderr=False))
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_cli(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
