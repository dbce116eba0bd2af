"""Removing reports and accepting uploads: `python -m ingest --remove/--accept`,
`Assistant.remove/accept` and the app's Corpus page all come here.

Removal holds the ingest lock and goes in the order that makes an interruption harmless:
the registry entry first (from then on the report is out of every answer: derived state
is built from registered reports only), then its chunks, then its uploaded file. Killed
after the first step, the next ingest drops the chunks and deletes the file (the same repair
as for an interrupted ingest), so the removal is finished, never half-visible. A report's
share of the derived state goes with the fingerprint change: the next load rebuilds
without its rows.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

from assistant.index import PassageStore
from assistant.records import IngestFailure, IngestReport, ReportInfo
from assistant.settings import Settings
from ingest.lock import ingest_lock
from ingest.prepare import doc_id_for
from ingest.uploads import is_generated

NOT_FOUND = "no such report in the index (give its id or its file's path; `python -m ingest --list` shows both)"


def find(reports: list[ReportInfo], target: str) -> ReportInfo | None:
    """The report a user means by an id or a path (as given, or resolved)."""
    target = str(target).strip()
    for info in reports:
        if target in (info.doc_id, info.source):
            return info
    try:
        resolved = Path(target).resolve()
    except (OSError, ValueError):
        return None
    wanted = {str(resolved), doc_id_for(resolved)}
    return next((r for r in reports if r.source in wanted or r.doc_id in wanted), None)


def _each(settings: Settings, store: PassageStore, targets: Iterable[str],
          act: Callable[[IngestReport, ReportInfo, list[ReportInfo]], None]) -> IngestReport:
    """Under the ingest lock, find each target (an id or a path) and act on it; one that is
    not in the index is an error line, the others still go ahead."""
    report = IngestReport()
    with ingest_lock(settings):
        reports = store.reports()
        for target in targets:
            info = find(reports, target)
            if info is None:
                report.errors.append(IngestFailure(str(target), NOT_FOUND))
            else:
                act(report, info, reports)
    return report


def remove_reports(settings: Settings, store: PassageStore, targets: Iterable[str]) -> IngestReport:
    """Remove reports (ids or paths): chunks, registry entry, and an upload's stored file."""

    def remove(report: IngestReport, info: ReportInfo, reports: list[ReportInfo]) -> None:
        store.remove_report(info.doc_id)  # registry entry, then chunks
        stored = Path(info.source)
        if info.origin == "upload" and is_generated(stored):  # never a file the user keeps elsewhere
            stored.unlink(missing_ok=True)
        reports.remove(info)
        report.removed.append(info)

    return _each(settings, store, targets, remove)


def accept_reports(settings: Settings, store: PassageStore, targets: Iterable[str], by: str) -> IngestReport:
    """Let answers use uploads that were waiting for review."""

    def accept(report: IngestReport, info: ReportInfo, reports: list[ReportInfo]) -> None:
        if not info.accepted:  # the entry just read, rewritten (no second registry scan)
            info = replace(info, accepted=True, accepted_by=by)
            store.update_report(info)
        report.accepted.append(info)

    return _each(settings, store, targets, accept)
