"""`python -m ingest [PATH ...] [--prune] [--rebuild]`: bring the index up to date.

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
from assistant.index import Embedder, PassageStore
from assistant.records import IngestReport
from assistant.settings import get_settings
from assistant.text import printable
from ingest.pipeline import ingest_paths


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories (default: the bundled reports)")
    parser.add_argument("--prune", action="store_true", help="remove reports whose file no longer exists")
    parser.add_argument("--rebuild", action="store_true", help="start from an empty index")
    parser.add_argument("--index-dir", type=Path, default=None, help="index directory (default from settings)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


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
    if args.index_dir is not None:
        settings = settings.model_copy(update={"index_dir": args.index_dir})
    report = ingest_paths(settings, PassageStore(settings), Embedder.from_settings(settings), args.paths or None,
                          prune=args.prune, rebuild=args.rebuild, progress=not args.quiet)
    print_summary(report, Console(stderr=False))
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_cli(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
