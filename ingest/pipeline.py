"""Ingestion: files -> canonical text -> sections -> chunks -> vectors -> index.

Idempotent by content hash: a file whose hash the index already holds is skipped; a changed
file's passages are replaced as a whole; `prune` drops reports whose file is gone.
Chunks are embedded as one stream across files, sorted by length so each batch pads to
about its own length, in windows of whole reports (`ingest_window_chunks`): each report
is written as soon as its window is embedded, so little is lost if interrupted. Embedding
and Chroma writes do not overlap: writes are ~8% of an ingest and embedding already keeps
both cores busy (not measurable on the shared machine this was written on). A killed ingest
leaves at most one report half-written and unregistered: the next ingest redoes it, or
drops its chunks if the file is gone (tests/test_faults.py kills it at each write; with a
Chroma server such leftovers stay until that file is ingested again or `--rebuild`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from tqdm import tqdm

from assistant.errors import IngestError
from assistant.index import Embedder, PassageStore
from assistant.records import IngestFailure, IngestReport, Passage, Recommendation, ReportInfo
from assistant.settings import SUPPORTED_SUFFIXES, Settings
from ingest.chunk import chunk_section
from ingest.lock import ingest_lock
from ingest.markup import clean_span
from ingest.readers import load_bytes, read_source
from ingest.recommendations import parse_recommendations, to_records
from ingest.structure import ParsedReport, parse_report

log = logging.getLogger("ingest")


@dataclass
class Prepared:
    info: ReportInfo
    passages: list[Passage]
    embed_texts: list[str]
    recommendations: list[Recommendation]
    warnings: list[str]  # ingested anyway; one line each


def doc_id_for(path: Path) -> str:
    """A report's id in the index: stable for its location, whatever its content."""
    return hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


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


def context_prefix(force: str, path: tuple[str, ...], embedder: Embedder, budget: int) -> str:
    """'Force | Chapter > Heading' for the embedding, cutting outer headings to fit."""
    parts = list(path)
    while True:
        prefix = f"{force} | {' > '.join(parts)}"
        if embedder.count_tokens([prefix])[0] <= budget or len(parts) <= 1:
            break
        parts = parts[1:]
    words = prefix.split()
    while len(words) > 1 and embedder.count_tokens([" ".join(words)])[0] > budget:
        words = words[:-1]
    return " ".join(words)


def prepare(path: Path, data: bytes, data_hash: str, embedder: Embedder, settings: Settings) -> Prepared:
    """Parse and chunk one file's bytes (no embedding yet)."""
    source = read_source(path, int(settings.max_file_mb * 2**20), data)
    parsed: ParsedReport = parse_report(source, settings.parse)
    if not parsed.sections:
        raise IngestError(path, "no body text found under any heading")
    meta, doc_id = parsed.meta, doc_id_for(path)
    limit = min(settings.chunk.max_tokens, embedder.max_tokens) - embedder.special_tokens
    passages, texts = [], []
    for section in parsed.sections:
        prefix = ""
        if settings.chunk.context_prefix:
            prefix = context_prefix(meta.force, section.path, embedder, settings.chunk.prefix_max_tokens)
        # +1 leaves room for the newline-joined boundary token drift of some tokenizers.
        budget = limit - (embedder.count_tokens([prefix])[0] + 1 if prefix else 0)
        for start, end in chunk_section(section, source.text, budget, embedder.count_tokens,
                                        settings.chunk.overlap_sentences):
            text = clean_span(source.text[start:end])
            passages.append(
                Passage(
                    id=f"{doc_id}-{len(passages):05d}",
                    text=text,
                    force=meta.force,
                    report_title=meta.report_title,
                    report_type=meta.report_type,
                    published=meta.published,
                    inspected=meta.inspected,
                    year=meta.year,
                    section=section.title,
                    area=section.area,
                    is_case_study=section.is_case_study,
                    is_recommendation=section.is_recommendation or "we recommend" in text.lower(),
                    source=str(path),
                    start=start,
                    end=end,
                    doc_id=doc_id,
                    chunk_index=len(passages),
                )
            )
            texts.append(f"{prefix}\n{text}" if prefix else text)
    tracked = parse_recommendations(parsed, source.text)
    recommendations = to_records(tracked.found, passages)
    info = ReportInfo(**asdict(meta), doc_id=doc_id, source=str(path), sha256=data_hash, format=source.format,
                      chunks=len(passages), recommendations=len(recommendations),
                      stated_recommendations=tracked.stated)
    return Prepared(info, passages, texts, recommendations, tracked.warnings)


def windows(todo: list[tuple[Path, bytes, str]], embedder: Embedder, settings: Settings,
            report: IngestReport) -> Iterable[list[Prepared]]:
    """Parsed reports in file order, grouped into windows of about `ingest_window_chunks`
    chunks (whole reports); files that fail to parse go to `report.errors`."""
    window: list[Prepared] = []
    size = 0
    for path, data, digest in todo:
        try:
            prep = prepare(path, data, digest, embedder, settings)
        except IngestError as exc:
            report.errors.append(IngestFailure(str(exc.path), exc.reason))
            continue
        window.append(prep)
        size += len(prep.passages)
        if size >= settings.ingest_window_chunks:
            yield window
            window, size = [], 0
    if window:
        yield window


def ingest(
    paths: Iterable[Path | str],
    store: PassageStore,
    embedder: Embedder,
    settings: Settings,
    *,
    prune: bool = False,
    progress: bool = True,
) -> IngestReport:
    """Bring the index in line with the given files; see the module docstring.

    The caller holds the index's ingest lock (`ingest_paths` does).
    """
    began = time.perf_counter()
    report = IngestReport()
    # Debris of a killed ingest. Only where our lock excludes every other writer: with a
    # Chroma server, another machine's ingest may be between a report's chunks and its entry.
    store.say_where_other_precisions_are()
    leftover = store.drop_unregistered() if settings.chroma_server() is None else 0
    if leftover:
        log.warning("removed %d chunks an interrupted ingest left without a registered report", leftover)
    files, report.errors = discover(paths)
    known = {info.source: info for info in store.reports()}
    by_hash = {info.sha256: info.source for info in known.values()}

    todo: list[tuple[Path, bytes, str]] = []
    max_bytes = int(settings.max_file_mb * 2**20)
    for path in files:
        try:
            data = load_bytes(path, max_bytes)  # read once: hashed here, parsed below
        except IngestError as exc:
            report.errors.append(IngestFailure(str(exc.path), exc.reason))
            continue
        digest = hashlib.sha256(data).hexdigest()
        # A report ingested before recommendations were parsed (None) is redone once.
        if known.get(str(path)) and known[str(path)].sha256 == digest and known[str(path)].recommendations is not None:
            report.unchanged.append(str(path))
        elif digest in by_hash and by_hash[digest] != str(path) and Path(by_hash[digest]).exists():
            report.duplicates.append((str(path), by_hash[digest]))
        else:
            todo.append((path, data, digest))
            by_hash[digest] = str(path)

    bar = tqdm(total=0, unit="chunk", desc="embedding", disable=not progress, leave=False)
    for window in windows(todo, embedder, settings, report):
        texts = [t for prep in window for t in prep.embed_texts]
        bar.total += len(texts)
        bar.refresh()
        vectors = embedder.embed(texts, on_batch=bar.update)  # sorted by length across the window's files
        offset = 0
        for prep in window:  # in file order, each report's chunks then its registry entry
            n = len(prep.passages)
            store.replace_report(prep.info, prep.passages, vectors[offset : offset + n], prep.recommendations)
            offset += n
            report.added.append(prep.info)
            report.warnings += [(prep.info.source, warning) for warning in prep.warnings]
        report.chunks_embedded += len(texts)
    bar.close()

    if prune:
        for source, info in known.items():
            if not Path(source).exists():
                store.remove_report(info.doc_id)
                report.pruned.append(source)
    report.seconds = time.perf_counter() - began
    return report


def ingest_paths(
    settings: Settings,
    store: PassageStore,
    embedder: Embedder,
    paths: Iterable[str | Path] | str | Path | None = None,
    *,
    prune: bool = False,
    rebuild: bool = False,
    progress: bool = False,
) -> IngestReport:
    """An ingest under the index's lock (ingest/lock.py): what `python -m ingest` and
    `Assistant.ingest` run. `paths` default to the bundled reports; `rebuild` starts from an
    empty index. A second ingest of the same index waits, then raises `IndexBusy`."""
    if paths is None:
        paths = [settings.reports_dir]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    with ingest_lock(settings):
        if rebuild:
            store.clear()
        return ingest(list(paths), store, embedder, settings, prune=prune, progress=progress)
