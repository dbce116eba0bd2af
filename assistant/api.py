"""`Assistant`: the one object users, the command lines and the app talk to.

A thin façade over the stages: ingest (ingest/), the index (assistant/index/), and the
query-side `Pipeline` (plan -> retrieve -> answer), kept current by `LivePipeline`. It holds
no policy of its own: it turns keyword arguments into `Filters` and passes them on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Sequence

from assistant.index import Embedder, PassageStore
from assistant.pipeline import LivePipeline, Pipeline
from assistant.records import (
    Answer,
    CaseStudy,
    Comparison,
    Draft,
    Filters,
    IngestReport,
    Mode,
    Passage,
    Query,
    Recommendation,
    ReportInfo,
)
from assistant.settings import Settings, get_settings

Names = Iterable[str] | str | None
Years = int | tuple[int, int] | None


class Assistant:
    """Ingest reports, then search and ask them.

    >>> a = Assistant.open()            # index dir from settings; created if missing
    >>> a.ingest(["data/reports"])      # same engine as `python -m ingest`
    >>> a.ask("How did forces handle reactive RSO management?").text
    """

    def __init__(self, settings: Settings, store: PassageStore, embedder: Embedder):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.live = LivePipeline(store, embedder, settings)

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None) -> Assistant:
        settings = settings or get_settings()
        if index_dir is not None:
            settings = settings.model_copy(update={"index_dir": Path(index_dir)})
        return cls(settings, PassageStore(settings), Embedder.from_settings(settings))

    # -- the index -----------------------------------------------------------------------

    def ingest(self, paths: Iterable[str | Path] | str | Path | None = None, *, prune: bool = False,
               rebuild: bool = False, progress: bool = False, as_document: bool = False) -> IngestReport:
        """Add or update reports (default: the bundled ones); `rebuild` starts from an empty
        index; `as_document`: files that are not inspection reports, added on purpose as
        other documents. Writes hold the index's ingest lock: a second ingest waits, then
        raises `IndexBusy`."""
        from ingest.pipeline import ingest_paths  # ingest builds on the index, not on this façade

        return self._changed(ingest_paths(self.settings, self.store, self.embedder, paths, prune=prune,
                                          rebuild=rebuild, progress=progress, as_document=as_document))

    def upload(self, files: Iterable[tuple[str | Path, str]], user: str = "", as_document: bool = False) -> IngestReport:
        """Add uploaded files, given as (where the upload is, the name the user gave it), within
        the upload limits; each is stored under a generated name and marked as uploaded."""
        from ingest.uploads import add_uploads

        files = [(Path(path), name) for path, name in files]
        return self._changed(add_uploads(self.settings, self.store, self.embedder, files, user, as_document))

    def remove(self, *doc_ids: str) -> IngestReport:
        """Take reports (ids or file paths) out of the index: chunks, registry entry, derived
        state and an upload's stored file."""
        from ingest.manage import remove_reports

        return self._changed(remove_reports(self.settings, self.store, doc_ids))

    def accept(self, *doc_ids: str, by: str = "") -> IngestReport:
        """Let answers use uploads that were waiting for review (see settings app.review_uploads)."""
        from ingest.manage import accept_reports

        return self._changed(accept_reports(self.settings, self.store, doc_ids, by))

    def _changed(self, report: IngestReport) -> IngestReport:
        self.live.forget()
        return report

    @property
    def pipeline(self) -> Pipeline:
        """The query-side stages over the index as it is (`LivePipeline`)."""
        return self.live.current()

    def refresh(self) -> bool:
        """Drop derived state if another process or machine changed the index's reports since
        it was loaded; True if it had. Cheap (one small registry read): fine on a timer."""
        return self.live.refresh()

    def warm_up(self) -> None:
        """Build the pipeline and run a few queries: torch's first calls are slow."""
        if self.store.count():
            self.pipeline.warm_up(self.embedder.embed_query)

    # -- questions -----------------------------------------------------------------------

    def query(self, question: str, k: int | None = None, forces: Names = None, report_types: Names = None,
              areas: Names = None, years: Years = None, case_studies: bool = False,
              recommendations: bool = False, *, filters: Filters | None = None,
              history: Sequence[str] | None = None) -> Query:
        """The question as the stages see it: cleaned, made standalone if it follows up
        `history` (earlier questions, oldest first), filters checked, forces found, planned."""
        return self._plan(self.pipeline, question, k, forces, report_types, areas, years, case_studies,
                          recommendations, filters=filters, history=history)

    def _plan(self, pipeline: Pipeline, question: str, k: int | None, *args, filters: Filters | None = None,
              history: Sequence[str] | None = None) -> Query:
        # One snapshot per question: `pipeline` may be reloaded (refresh) between two reads of the property.
        return pipeline.query(question, k, Filters.build(*args, given=filters), self.embedder.embed_query,
                              history=history or ())

    def search(self, question: str, k: int | None = None, forces: Names = None, report_types: Names = None,
               areas: Names = None, years: Years = None, case_studies: bool = False,
               recommendations: bool = False, *, filters: Filters | None = None,
               history: Sequence[str] | None = None) -> list[Passage]:
        """Passages most relevant to the question, best first, within the filters."""
        pipeline = self.pipeline
        return pipeline.search(self._plan(pipeline, question, k, forces, report_types, areas, years, case_studies,
                                          recommendations, filters=filters, history=history))

    def ask(self, question: str, mode: Mode = "extractive", k: int | None = None, forces: Names = None,
            report_types: Names = None, areas: Names = None, years: Years = None, case_studies: bool = False,
            recommendations: bool = False, *, filters: Filters | None = None,
            history: Sequence[str] | None = None) -> Answer:
        """Answer from the reports with cited sentences, or abstain when they do not answer.
        `history`: the conversation's earlier questions, oldest first, for follow-ups."""
        pipeline = self.pipeline  # one snapshot per question (a refresh may swap it)
        return pipeline.ask(self._plan(pipeline, question, k, forces, report_types, areas, years, case_studies,
                                       recommendations, filters=filters, history=history), mode)

    def ask_stream(self, question: str, mode: Mode = "extractive", k: int | None = None, forces: Names = None,
                   report_types: Names = None, areas: Names = None, years: Years = None,
                   case_studies: bool = False, recommendations: bool = False, *,
                   filters: Filters | None = None, history: Sequence[str] | None = None) -> Iterator[Draft | Answer]:
        """As `ask`, as events: in LLM mode the model's unchecked reply so far (`Draft`) as it
        arrives, then always the checked `Answer`, which replaces the drafts. Closing the
        iterator early cancels the request to the model."""
        pipeline = self.pipeline
        yield from pipeline.ask_stream(self._plan(pipeline, question, k, forces, report_types, areas, years,
                                                  case_studies, recommendations, filters=filters, history=history),
                                       mode)

    # -- views for trainers and researchers -----------------------------------------------

    def case_studies(self, topic: str, k: int | None = None, forces: Names = None, report_types: Names = None,
                     areas: Names = None, years: Years = None) -> list[CaseStudy]:
        """Whole case studies on a topic, most relevant first (empty when none deals with it)."""
        filters, pipeline = Filters.build(forces, report_types, areas, years, case_studies=True), self.pipeline
        return pipeline.case_studies(pipeline.query(topic, k, filters, self.embedder.embed_query, steer=False))

    def compare(self, theme: str, forces: Names = None, report_types: Names = None, areas: Names = None,
                years: Years = None) -> Comparison:
        """One row per force (all forces in the corpus unless filtered) on a theme, cited."""
        filters, pipeline = Filters.build(forces, report_types, areas, years), self.pipeline
        return pipeline.compare(pipeline.query(theme, None, filters, self.embedder.embed_query, steer=False))

    def recommendations(self, forces: Names = None, areas: Names = None, report_types: Names = None,
                        years: Years = None) -> list[Recommendation]:
        """Every recommendation the reports make (reviews: repeat), whole, with timescale, area,
        the year it was made (`years` filters on it) and what a later review found."""
        return self.pipeline.recommendations(Filters.build(forces, report_types, areas, years))

    # -- what the index holds ------------------------------------------------------------

    def forces(self) -> list[str]:
        """The forces the corpus covers."""
        return list(self.pipeline.forces)

    def filter_values(self) -> dict[str, list]:
        """What each filter can take: forces, report types, areas (corpus spelling), years."""
        return self.pipeline.filter_values()

    def section(self, passage: Passage) -> list[Passage]:
        """Every chunk of the passage's section in its report, in reading order."""
        return self.store.section(passage)

    def passages(self) -> Iterator[Passage]:
        """Every stored chunk, report by report, in reading order."""
        return self.store.passages()

    def reports(self) -> list[ReportInfo]:
        """The ingested reports with their metadata and chunk counts."""
        return self.store.reports()
