"""Typed records that cross stage boundaries: ingest -> index -> retrieve -> answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Passage:
    """One stored chunk of a report, with where it came from.

    `start`/`end` are character offsets into the report's canonical text (the file itself
    for plain text and Markdown; the extracted text for HTML and PDF). `text` is that span
    with export markup (`**`, `[x](#)`, `<i>`) removed. `score` is filled in by search.
    """

    id: str
    text: str
    force: str
    report_title: str
    report_type: str
    published: str | None  # ISO date or year-month of publication, when the report says
    inspected: str | None  # ISO year-month of the inspection / review fieldwork
    year: int | None  # fieldwork year, else publication year
    section: str  # full heading path, " > "-separated
    area: str  # inspection framework chapter (e.g. "Initial contact")
    is_case_study: bool
    is_recommendation: bool
    source: str  # path of the report file
    start: int
    end: int
    doc_id: str = ""  # stable id of the report file within the index
    chunk_index: int = 0  # position of the chunk within its report
    score: float = 0.0

    @property
    def heading(self) -> str:
        """The innermost heading of the section path."""
        return self.section.rsplit(" > ", 1)[-1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class ReportInfo:
    """What ingestion learnt about one report file."""

    doc_id: str
    source: str
    sha256: str
    format: str
    force: str
    report_title: str
    report_type: str
    published: str | None
    inspected: str | None
    year: int | None
    chunks: int


@dataclass
class IngestReport:
    """The outcome of one ingest run: what was added, skipped, removed and what failed."""

    added: list[ReportInfo] = field(default_factory=list)  # new or changed files, re-embedded
    unchanged: list[str] = field(default_factory=list)  # sources whose hash was known
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, same-as source)
    pruned: list[str] = field(default_factory=list)  # sources removed with --prune
    errors: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_embedded / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Answer:
    """An answer whose every claim carries a citation marker [n] into `citations`."""

    question: str
    text: str  # Markdown with [n] markers
    citations: list[Passage]  # numbered 1..n in order of first use
    abstained: bool
    mode: str = "extractive"
    forces: list[str] = field(default_factory=list)  # forces the cited evidence comes from
    passages: list[Passage] = field(default_factory=list)  # everything retrieved, best first
    notes: list[str] = field(default_factory=list)  # what was removed or flagged, and why

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CaseStudy:
    """A case study from a report, whole: every chunk of its section, in reading order."""

    title: str  # the case study's own heading
    force: str
    report_title: str
    report_type: str
    year: int | None
    section: str
    text: str  # the full case text
    passages: list[Passage]  # its chunks; the best-matching one first
    score: float  # relevance of the best-matching chunk

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Finding:
    """One row of a force comparison: what a force's report(s) say on the theme, cited."""

    force: str
    reports: list[str]  # titles of the force's reports that the row draws on (all, if none)
    found: bool
    sentences: list[str]  # verbatim sentences, each ending with its [n] marker
    citations: list[int]  # the [n] numbers used, into Comparison.citations
    summary: str  # the sentences as one text, or the plain statement that there is no evidence

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Comparison:
    """Every force in scope against one theme; absence of evidence is stated, not hidden."""

    theme: str
    rows: list[Finding]
    citations: list[Passage]  # numbered 1..n in table order
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
