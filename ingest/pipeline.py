"""Ingestion: files -> canonical text -> sections -> chunks -> vectors -> index.

Idempotent by content hash: a file whose hash the index already holds is skipped; a changed
file's passages are replaced as a whole; `prune` drops reports whose file is gone.

Files are read, recognised and chunked without the ingest lock (ingest/prepare.py; HTML and
PDF within a bounded budget), so a slow or hostile file never keeps other ingests and uploads
waiting, in windows of whole reports of about `ingest_window_chunks` chunks. Then, under the
lock, the registry is read again (another ingest may have added the same file meanwhile), the
window is embedded as one stream sorted by length (each batch pads to about its own length)
and each report written as soon as its window is embedded (little lost if interrupted), its
registry entry last. Embedding and Chroma writes do not overlap: writes are ~8% of an ingest
and embedding already keeps both cores busy.

A killed ingest leaves at most one report half-written and unregistered; its chunks are never
served (derived state is built from registered reports only) and the next ingest drops them,
and an uploaded file nobody registered (ingest/uploads.py). tests/integration/test_faults.py
kills it at each write; with a Chroma server such leftover chunks stay until that file is
ingested again or `--rebuild`.

A file that fails at any step is one `IngestFailure`; the other files of the run go on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from tqdm import tqdm

from assistant.errors import AssistantError, IngestError
from assistant.index import Embedder, PassageStore
from assistant.records import IngestFailure, IngestReport, Provenance, ReportInfo
from assistant.settings import SUPPORTED_SUFFIXES, Settings
from ingest.lock import ingest_lock
from ingest.prepare import Item, Prepared, context_prefix, doc_id_for, local_provenance, prepare
from ingest.readers import load_bytes
from ingest.uploads import place, sweep

__all__ = ["context_prefix", "discover", "doc_id_for", "ingest_items", "ingest_paths"]

log = logging.getLogger("ingest")


def discover(paths: Iterable[Path | str]) -> tuple[list[Path], list[IngestFailure]]:
    """Report files under the given paths, and errors for paths that hold none."""
    files, errors = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not found:
                errors.append(IngestFailure(str(path), f"no supported files in directory ({', '.join(SUPPORTED_SUFFIXES)})"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(IngestFailure(str(path), "no such file or directory"))
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return unique, errors


@dataclass
class _Run:
    """One ingest's state: its report, and what the index held when last looked at."""

    settings: Settings
    store: PassageStore
    report: IngestReport
    known: dict[str, ReportInfo] = field(default_factory=dict)  # by source
    tidied: bool = False

    def look(self) -> None:
        self.known = {info.source: info for info in self.store.reports()}

    def skip(self, item: Item, digest: str) -> bool:
        """Record and skip a file the index already holds (this file, or the same bytes elsewhere)."""
        held = self.known.get(str(item.source))
        # A report ingested before recommendations were parsed (None) is redone once.
        if held and held.sha256 == digest and (held.recommendations is not None or not held.counts_as_force):
            self.report.unchanged.append(str(item.source))
            return True
        same = next((i.source for i in self.known.values() if i.sha256 == digest and i.source != str(item.source)), None)
        if same and Path(same).exists():
            self.report.duplicates.append((item.name, same))
            return True
        return False

    def fail(self, name: str, reason: str) -> None:
        self.report.errors.append(IngestFailure(name, reason))


def _load(run: _Run, items: list[Item]) -> list[tuple[Item, bytes, str]]:
    todo, digests = [], set()
    max_bytes = int(run.settings.max_file_mb * 2**20)
    for item in items:
        try:
            data = load_bytes(item.path, max_bytes, kind=item.source)  # read once: hashed here, parsed later
        except IngestError as exc:
            run.fail(item.name, exc.reason)
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in digests:  # the same bytes twice in one run
            first = next(i for i, _, d in todo if d == digest)
            run.report.duplicates.append((item.name, str(first.source)))
        elif not run.skip(item, digest):
            todo.append((item, data, digest))
            digests.add(digest)
    return todo


def _windows(run: _Run, todo: list[tuple[Item, bytes, str]], embedder: Embedder,
             as_document: bool) -> Iterable[list[Prepared]]:
    """Prepared reports in file order, in windows of about `ingest_window_chunks` chunks
    (whole reports); files that cannot be prepared go to the run's errors."""
    window: list[Prepared] = []
    size = 0
    for item, data, digest in todo:
        try:
            window.append(prepare(item, data, digest, embedder, run.settings, as_document))
        except IngestError as exc:
            run.fail(item.name, exc.reason)
            continue
        except AssistantError:  # no model, no store: nothing of this run can succeed
            raise
        except Exception as exc:  # a reader bug on a strange file must not cost the others
            log.debug("preparing %s failed", item.name, exc_info=True)
            run.fail(item.name, f"not readable ({type(exc).__name__}: {str(exc)[:100]})")
            continue
        size += len(window[-1].passages)
        if size >= run.settings.ingest_window_chunks:
            yield window
            window, size = [], 0
    yield window  # possibly empty: the run still tidies the index once


def _tidy(run: _Run, rebuild: bool) -> bool:
    """Under the lock, once per run: start empty (rebuild), then clear an interrupted run's
    debris; True if it ran (and so has just looked at the registry)."""
    if run.tidied:
        return False
    run.tidied = True
    if rebuild:
        run.store.clear()
    run.store.say_where_other_precisions_are()
    # Only where our lock excludes every other writer: with a Chroma server, another
    # machine's ingest may be between a report's chunks and its entry.
    leftover = run.store.drop_unregistered() if run.settings.chroma_server() is None else 0
    if leftover:
        log.warning("removed %d chunks an interrupted ingest left without a registered report", leftover)
    run.look()
    sweep(run.settings, run.known.values())
    return True


def _write(run: _Run, group: list[Prepared], embedder: Embedder, bar: tqdm) -> None:
    """Under the lock: embed what is still new and write it, one report at a time."""
    fresh = [prep for prep in group if not run.skip(prep.item, prep.info.sha256)]
    texts = [t for prep in fresh for t in prep.embed_texts]
    bar.total += len(texts)
    bar.refresh()
    try:
        vectors = embedder.embed(texts, on_batch=bar.update)
    except AssistantError:
        raise
    except Exception:  # find the file it fails on; the others still go in
        log.debug("embedding a group failed; embedding file by file", exc_info=True)
        vectors = None
    offset = 0
    for prep in fresh:
        n = len(prep.passages)
        offset += n
        try:
            own = vectors[offset - n : offset] if vectors is not None else embedder.embed(prep.embed_texts)
        except AssistantError:
            raise
        except Exception as exc:  # noqa: BLE001  (nothing written yet: an older version stays)
            log.debug("embedding %s failed", prep.item.name, exc_info=True)
            run.fail(prep.item.name, f"could not be embedded ({type(exc).__name__}: {str(exc)[:150]})")
            continue
        try:
            place(prep.item, prep.data)
            run.store.replace_report(prep.info, prep.passages, own, prep.recommendations)
        except Exception as exc:  # noqa: BLE001  (one line for this file; the run goes on)
            log.debug("writing %s failed", prep.item.name, exc_info=True)
            _undo(run, prep)
            run.fail(prep.item.name, f"could not be stored ({type(exc).__name__}: {str(exc)[:150]})")
        else:
            run.report.added.append(prep.info)
            run.report.warnings += [(prep.info.source, warning) for warning in prep.warnings]
            run.report.chunks_embedded += n
            run.known[prep.info.source] = prep.info


def _undo(run: _Run, prep: Prepared) -> None:
    try:
        run.store.remove_report(prep.info.doc_id)
    except Exception:  # noqa: BLE001  (the next ingest drops unregistered chunks)
        log.debug("could not remove the chunks of %s", prep.item.name, exc_info=True)
    if prep.item.placed:
        prep.item.source.unlink(missing_ok=True)


def ingest_items(settings: Settings, store: PassageStore, embedder: Embedder, items: list[Item], *,
                 as_document: bool = False, prune: bool = False, rebuild: bool = False, progress: bool = False,
                 errors: Iterable[IngestFailure] = ()) -> IngestReport:
    """Bring the index in line with the given files; see the module docstring."""
    began = time.perf_counter()
    run = _Run(settings, store, IngestReport(errors=list(errors)))
    if not rebuild:
        run.look()  # a first look without the lock: unchanged files are never read further
    todo = _load(run, items)
    bar = tqdm(total=0, unit="chunk", desc="embedding", disable=not progress, leave=False)
    for group in _windows(run, todo, embedder, as_document):
        with ingest_lock(settings):
            looked = _tidy(run, rebuild)
            if group:
                if not looked:  # the registry as it is under the lock
                    run.look()
                _write(run, group, embedder, bar)
    bar.close()
    if prune:
        with ingest_lock(settings):
            run.look()
            for source, info in sorted(run.known.items()):
                if not Path(source).exists():
                    store.remove_report(info.doc_id)
                    run.report.pruned.append(source)
    run.report.seconds = time.perf_counter() - began
    return run.report


def ingest_paths(
    settings: Settings,
    store: PassageStore,
    embedder: Embedder,
    paths: Iterable[str | Path] | str | Path | None = None,
    *,
    prune: bool = False,
    rebuild: bool = False,
    progress: bool = False,
    as_document: bool = False,
    provenance: Provenance | None = None,
) -> IngestReport:
    """An ingest of files and folders: what `python -m ingest` and `Assistant.ingest` run.
    `paths` default to the bundled reports; `rebuild` starts from an empty index;
    `as_document` adds files as other documents, not inspection reports. Writes hold the
    index's ingest lock (ingest/lock.py): a second ingest waits, then raises `IndexBusy`."""
    if paths is None:
        paths = [settings.reports_dir]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    files, errors = discover(list(paths))
    items = [Item(p, p, str(p), provenance or local_provenance(p, settings)) for p in files]
    return ingest_items(settings, store, embedder, items, as_document=as_document, prune=prune, rebuild=rebuild,
                        progress=progress, errors=errors)
