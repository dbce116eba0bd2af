"""Typed records that cross stage boundaries: ingest -> index -> retrieve -> answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Literal

import numpy as np

from assistant.errors import InvalidRequest

Mode = Literal["extractive", "llm"]
MODES: tuple[Mode, ...] = ("extractive", "llm")
# What a sentence of an answer does: the system-written scope statement, a finding quoted
# from a report, a sentence carrying a figure, a recommendation, the context a quoted
# sentence depends on, a review's finding on a recommendation, or a system-written note.
Role = Literal["lead", "finding", "figure", "recommendation", "context", "follow_up", "note"]
# An inspection report, or a file a user added deliberately as another document.
Kind = Literal["report", "document"]
# Where a report came from: the bundled corpus (settings reports_dir), a path given to
# `python -m ingest` / `Assistant.ingest`, or an upload through the app.
Origin = Literal["bundled", "path", "upload"]
DOCUMENT_TYPE = "other document"  # the report_type of documents


class Labelled:
    """What a cited passage or a listed report says of where it comes from (for records with
    `force`, `kind` and `origin`): uploads and other documents are never shown as if they
    were the Inspectorate's own findings."""

    force: str
    kind: str
    origin: str

    @property
    def marks(self) -> tuple[str, ...]:
        """What a citation must say besides force and title ("uploaded", "other document")."""
        upload = ("uploaded",) if self.origin == "upload" else ()
        return upload + (("other document",) if self.kind == "document" else ())

    @property
    def who(self) -> str:
        """Whose text it is: the force, or 'Other document' (documents have no force)."""
        return self.force if self.kind == "report" else "Other document"


@dataclass(frozen=True)
class Passage(Labelled):
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
    kind: Kind = "report"  # "document": added deliberately as another document, never a force's evidence
    origin: Origin = "path"  # where its report came from (uploads are marked wherever cited)

    @property
    def heading(self) -> str:
        """The innermost heading of the section path."""
        return self.section.rsplit(" > ", 1)[-1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReportMeta:
    """Report-level facts parsed from a report's text."""

    force: str
    report_title: str
    report_type: str
    published: str | None  # ISO date or year-month of publication, when the report says
    inspected: str | None  # ISO year-month of the inspection / review fieldwork
    year: int | None  # fieldwork year, else publication year


@dataclass(frozen=True)
class Provenance:
    """Where a file came from and who added it, recorded with its report."""

    origin: Origin = "path"
    by: str = ""  # the app user who uploaded it, or the OS user who ran the ingest
    at: str = ""  # when it was added (ISO 8601, UTC)
    name: str = ""  # the file's name as the user gave it (uploads are stored under a generated name)


@dataclass(frozen=True)
class ReportInfo(ReportMeta, Labelled):
    """An ingested report: its parsed facts plus where it is and what the index holds of it.

    The fields after `chunks` were added later: registry entries written before them read as
    these defaults (a recognised report from a path, accepted)."""

    doc_id: str
    source: str
    sha256: str
    format: str  # "text", "html" or "pdf"
    chunks: int
    recommendations: int | None = None  # parsed at ingest (None: ingested before the tracker existed)
    stated_recommendations: int | None = None  # how many the report says it made, when it says so
    kind: Kind = "report"
    origin: Origin = "path"
    added_by: str = ""
    added_at: str = ""
    original_name: str = ""  # the uploaded file's own name (never used as a path)
    size: int = 0  # bytes of the file
    accepted: bool = True  # False: an upload waiting for a reviewer (kept out of answers)
    accepted_by: str = ""

    @property
    def counts_as_force(self) -> bool:
        """A force's own report: counted in comparisons, coverage ledgers and case studies."""
        return self.kind == "report"


@dataclass(frozen=True)
class IngestFailure:
    """A file an ingest could not take, and why (one line, for the user)."""

    source: str
    reason: str


def _names(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """Names as given, stripped, each once (case-insensitively): a force named 5,000 times
    is one force (the planner caps how many different ones a filter may hold)."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    unique: dict[str, str] = {}
    for v in values:
        if v and v.strip():
            unique.setdefault(v.strip().lower(), v.strip())
    return tuple(unique.values())


@dataclass(frozen=True)
class Filters:
    """Which passages a question may draw on (empty = no restriction). Names are the
    corpus' own spelling once the planner has checked them."""

    forces: tuple[str, ...] = ()
    report_types: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    years: tuple[int, int] | None = None  # inclusive range of the inspection year
    case_studies: bool = False
    recommendations: bool = False

    @classmethod
    def build(
        cls,
        forces: Iterable[str] | str | None = None,
        report_types: Iterable[str] | str | None = None,
        areas: Iterable[str] | str | None = None,
        years: int | tuple[int, int] | list[int] | None = None,
        case_studies: bool = False,
        recommendations: bool = False,
        *,
        given: Filters | None = None,
    ) -> Filters:
        """Validate and normalise user-facing filter arguments; `given`: filters built already,
        which the arguments must then leave empty."""
        if given is not None:
            if cls.build(forces, report_types, areas, years, case_studies, recommendations).active:
                raise InvalidRequest("give filters either as keyword arguments or as `filters=`, not both")
            return given
        span: tuple[int, int] | None = None
        if years is not None and years != ():
            if isinstance(years, int):
                span = (years, years)
            else:
                values = [int(y) for y in years]
                if not values or len(values) > 2:
                    raise InvalidRequest(f"years must be a year or a (first, last) pair, got {years!r}")
                span = (min(values), max(values))
        return cls(_names(forces), _names(report_types), _names(areas), span, bool(case_studies), bool(recommendations))

    @property
    def active(self) -> bool:
        return bool(self.forces or self.report_types or self.areas or self.years or self.case_studies or self.recommendations)

    def accepts(self, p: Passage) -> bool:
        if self.forces and p.force.lower() not in {f.lower() for f in self.forces}:
            return False
        if self.report_types and p.report_type.lower() not in {t.lower() for t in self.report_types}:
            return False
        if self.areas and p.area.lower() not in {a.lower() for a in self.areas}:
            return False
        if self.years and not (p.year is not None and self.years[0] <= p.year <= self.years[1]):
            return False
        if self.case_studies and not p.is_case_study:
            return False
        return not (self.recommendations and not p.is_recommendation)

    def where(self) -> dict | None:
        """The same filter as a Chroma `where` clause (names must be canonical)."""
        clauses: list[dict] = []
        if self.forces:
            clauses.append({"force": {"$in": list(self.forces)}})
        if self.report_types:
            clauses.append({"report_type": {"$in": list(self.report_types)}})
        if self.areas:
            clauses.append({"area": {"$in": list(self.areas)}})
        if self.years:
            clauses += [{"year": {"$gte": self.years[0]}}, {"year": {"$lte": self.years[1]}}]
        if self.case_studies:
            clauses.append({"is_case_study": True})
        if self.recommendations:
            clauses.append({"is_recommendation": True})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def with_forces(self, forces: Iterable[str]) -> Filters:
        return Filters(tuple(forces), self.report_types, self.areas, self.years, self.case_studies, self.recommendations)


@dataclass(frozen=True, eq=False)
class Query:
    """One question as every stage sees it, planned once (assistant/retrieve/plan.py) and
    passed from retrieval to the answer."""

    text: str  # the question as searched: cleaned, and made standalone if it was a follow-up
    k: int  # passages wanted
    filters: Filters
    named: tuple[str, ...] = ()  # corpus forces the question names
    outside: tuple[str, ...] = ()  # forces it names that the corpus does not cover
    comparative: bool = False  # asks across forces rather than about one
    scope: tuple[str, ...] = ()  # forces a comparative answer should cover
    keywords: str = ""  # the BM25 query: glossary-expanded, without asking words or force names
    terms: frozenset[str] = frozenset()  # content words that pick sentences (no force names)
    vector: np.ndarray | None = field(default=None, repr=False)  # the question's embedding
    asked: str = ""  # the question as the user typed it (cleaned), before follow-up resolution
    # What kind of answer it asks for (retrieve/intent.py).
    wants_figure: bool = False  # how many, how long, what share
    wants_case: bool = False  # a case or an example
    about_recommendations: bool = False  # what was recommended (and what happened next)

    @property
    def cover(self) -> tuple[str, ...]:
        """Forces that should each be represented in the results (comparative questions)."""
        return self.scope if self.comparative else ()

    @property
    def prefer(self) -> str | None:
        """The single force the question is about, whose passages come first."""
        return self.named[0] if len(self.named) == 1 and not self.comparative else None


@dataclass
class Recommendation:
    """A recommendation a report makes (or, for a review, repeats from the inspection that
    made it), whole, with what the later review found on its area."""

    id: str  # stable: the report's doc_id and the recommendation's position in it
    force: str
    report_title: str
    report_type: str
    published: str | None
    inspected: str | None
    made_in: int | None  # year of the inspection that made it (for a review: the earlier one)
    area: str  # inspection framework chapter
    text: str  # the whole recommendation, its list points included
    timescale: str | None  # "immediately", "within three months", ... or None when not stated
    passage: Passage  # where it stands: a span of its report (start/end offsets into the source)
    follow_up: list[Passage] = field(default_factory=list)  # the review's findings on its area, summary first
    # The stored chunks its span runs over (the app opens them; search brings them forward).
    chunks: list[Passage] = field(default_factory=list)

    @property
    def review_summary(self) -> list[Passage]:
        """The follow-up passages of the review's summary of its findings (all of them when
        the review has no summary heading)."""
        summary = [p for p in self.follow_up if "summary" in p.section.lower()]
        return summary or self.follow_up

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    """The outcome of one ingest run: what was added, skipped, removed and what failed."""

    added: list[ReportInfo] = field(default_factory=list)  # new or changed files, re-embedded
    unchanged: list[str] = field(default_factory=list)  # sources whose hash was known
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, same-as source)
    pruned: list[str] = field(default_factory=list)  # sources removed with --prune
    removed: list[ReportInfo] = field(default_factory=list)  # reports removed on request
    accepted: list[ReportInfo] = field(default_factory=list)  # uploads a reviewer accepted
    errors: list[IngestFailure] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (source, what looked wrong): ingested anyway
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_embedded / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer. Quoted sentences are verbatim from the passages they cite;
    system-written ones (the lead, notes) cite nothing and state only coverage."""

    text: str
    citations: tuple[int, ...] = ()  # [n] numbers into Answer.citations
    force: str | None = None  # whose evidence it is (None: about the answer as a whole)
    role: Role = "finding"
    list_item: bool = False  # an item of the list the sentence before introduces


@dataclass(frozen=True)
class CoverageEntry:
    """One report of a force in the question's scope, and whether the answer found evidence
    in it: the ledger under an answer, so an absent force is said, not silently dropped."""

    force: str
    report_title: str
    report_type: str
    published: str | None
    inspected: str | None
    found: bool
    passages: int = 0  # passages of this report the answer drew on
    doc_id: str = ""


@dataclass
class Answer:
    """An answer whose every claim carries a citation marker [n] into `citations`.

    `text` is the whole answer as Markdown; `sentences` and `coverage` are the same answer as
    data, which the app and exports render from.
    """

    question: str
    text: str  # Markdown with [n] markers
    citations: list[Passage]  # numbered 1..n in order of first use
    abstained: bool
    mode: Mode = "extractive"
    forces: list[str] = field(default_factory=list)  # forces the cited evidence comes from
    passages: list[Passage] = field(default_factory=list)  # everything retrieved, best first
    notes: list[str] = field(default_factory=list)  # what was removed or flagged, and why
    sentences: list[AnswerSentence] = field(default_factory=list)
    coverage: list[CoverageEntry] = field(default_factory=list)  # per report of each force in scope
    resolved_question: str = ""  # the standalone question actually searched (a follow-up made whole)
    # LLM mode asked, but the model's reply was not used (why, in a few words): the answer is
    # then the extractive one for the same passages, and `mode` says "extractive".
    fallback: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Draft:
    """LLM mode, while the model writes: its reply so far, NOT yet checked. A stream of
    drafts always ends with the checked `Answer`, which replaces them."""

    text: str  # the whole reply so far
    delta: str = ""  # what the last piece added


@dataclass
class CaseStudy:
    """A case study from a report, whole: every chunk of its section, in reading order, and
    no more (a case ends where the report's own narrative resumes)."""

    title: str  # what happened: the case's own title, else its opening words
    force: str
    report_title: str
    report_type: str
    year: int | None
    section: str
    text: str  # the full case text
    passages: list[Passage]  # its chunks; the best-matching one first
    score: float  # how it ranks for the topic (higher first)
    inspected: str | None = None  # the report's fieldwork (inspection or review), ISO
    published: str | None = None
    themes: list[str] = field(default_factory=list)  # what it is about (assistant/text/themes.py)
    matched: list[str] = field(default_factory=list)  # why it matched: the topic's words and cues it contains
    relevance: float = 0.0  # share of the topic it covers (1.0 when it shares a theme with it)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Finding:
    """One row of a force comparison: what a force's report(s) say on the theme, cited."""

    force: str
    reports: list[str]  # titles of the force's reports that the row draws on (all, if none);
    # one per report, an uploaded one's marked "(uploaded)" (it may share its title with another)
    found: bool
    sentences: list[str]  # verbatim sentences, each ending with its [n] marker
    citations: list[int]  # the [n] numbers used, into Comparison.citations
    summary: str  # the sentences as one text, or the plain statement that there is no evidence
    # The same quotes as data: whole sentences, a list's items marked (rendered from these).
    quotes: list[AnswerSentence] = field(default_factory=list)
    coverage: list[CoverageEntry] = field(default_factory=list)  # the force's reports, with their dates

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
