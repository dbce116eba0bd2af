"""One file's bytes -> its report (or document) and chunks, ready to embed; no index access.

Runs before the ingest lock is taken (ingest/pipeline.py), reading HTML and PDF within the
parse budget (ingest/sandbox.py), and decides what the file is (ingest/recognise.py): an
inspection report, a document the user added on purpose, or neither (refused).
"""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from assistant.errors import IngestError
from assistant.index import Embedder
from assistant.records import DOCUMENT_TYPE, Passage, Provenance, Recommendation, ReportInfo, ReportMeta
from assistant.settings import Settings
from ingest.chunk import chunk_section
from ingest.markup import clean_span
from ingest.recognise import recognise
from ingest.recommendations import parse_recommendations, to_records
from ingest.sandbox import read_bounded
from ingest.structure import ParsedReport, parse_report


@dataclass(frozen=True)
class Item:
    """A file to ingest: where its bytes are read, where the report lives (its id, and what
    citations point to), how messages name it, and where it came from."""

    path: Path
    source: Path
    name: str
    provenance: Provenance

    @property
    def placed(self) -> bool:
        """Whether the bytes still have to be written to `source` (an upload) once ingested."""
        return self.path != self.source


@dataclass
class Prepared:
    item: Item
    data: bytes
    info: ReportInfo
    passages: list[Passage]
    embed_texts: list[str]
    recommendations: list[Recommendation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # ingested anyway; one line each


def doc_id_for(path: Path) -> str:
    """A report's id in the index: stable for its location, whatever its content."""
    return hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return ""


def local_provenance(path: Path, settings: Settings) -> Provenance:
    """A file given to `python -m ingest` or `Assistant.ingest`: bundled, or a path."""
    bundled = path.resolve().is_relative_to(Path(settings.reports_dir).resolve())
    return Provenance("bundled" if bundled else "path", os_user(), now(), path.name)


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


def _meta(parsed: ParsedReport, text: str, item: Item, as_document: bool) -> ReportMeta:
    """The report's facts; a document's force and type say it is none of a force's reports."""
    if as_document:
        title = parsed.meta.report_title if parsed.meta.report_title != "Untitled report" else item.name
        return replace(parsed.meta, force="", report_type=DOCUMENT_TYPE, report_title=title)
    found = recognise(parsed, text)
    if not found.is_report:
        raise IngestError(item.name, found.reason)
    return replace(parsed.meta, force=found.force)


def prepare(item: Item, data: bytes, digest: str, embedder: Embedder, settings: Settings,
            as_document: bool = False) -> Prepared:
    """Read, recognise and chunk one file's bytes (no embedding yet)."""
    try:
        source = read_bounded(item.source, data, settings)  # the bytes are given: only its suffix is used
    except IngestError as exc:
        raise IngestError(item.name, exc.reason) from None
    parsed = parse_report(source, settings.parse)
    if not parsed.sections:
        raise IngestError(item.name, "no body text found under any heading")
    meta, doc_id = _meta(parsed, source.text, item, as_document), doc_id_for(item.source)
    kind, origin = ("document" if as_document else "report"), item.provenance.origin
    limit = min(settings.chunk.max_tokens, embedder.max_tokens) - embedder.special_tokens
    passages, texts = [], []
    for section in parsed.sections:
        prefix = ""
        if settings.chunk.context_prefix:
            prefix = context_prefix(meta.force or meta.report_title, section.path, embedder,
                                    settings.chunk.prefix_max_tokens)
        # +1 leaves room for the newline-joined boundary token drift of some tokenizers.
        budget = limit - (embedder.count_tokens([prefix])[0] + 1 if prefix else 0)
        for start, end in chunk_section(section, source.text, budget, embedder.count_tokens,
                                        settings.chunk.overlap_sentences):
            text = clean_span(source.text[start:end])
            report_section = kind == "report"  # a document holds no case studies or recommendations
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
                    is_case_study=section.is_case_study and report_section,
                    is_recommendation=report_section and (section.is_recommendation or "we recommend" in text.lower()),
                    source=str(item.source),
                    start=start,
                    end=end,
                    doc_id=doc_id,
                    chunk_index=len(passages),
                    kind=kind,
                    origin=origin,
                )
            )
            texts.append(f"{prefix}\n{text}" if prefix else text)
    recommendations, stated, warnings = [], None, []
    if kind == "report":  # a document's "we recommend" is not an inspection's recommendation
        tracked = parse_recommendations(parsed, source.text)
        recommendations, stated, warnings = to_records(tracked.found, passages), tracked.stated, tracked.warnings
    p = item.provenance
    waits = origin == "upload" and settings.reviews_uploads()
    info = ReportInfo(**asdict(meta), doc_id=doc_id, source=str(item.source), sha256=digest, format=source.format,
                      chunks=len(passages), recommendations=len(recommendations), stated_recommendations=stated,
                      kind=kind, origin=origin, added_by=p.by, added_at=p.at or now(),
                      original_name=p.name, size=len(data), accepted=not waits)
    return Prepared(item, data, info, passages, texts, recommendations, warnings)
