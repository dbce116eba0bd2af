"""`Assistant`: the one object users and the app talk to."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

import re
import threading
from dataclasses import dataclass, replace

from assistant.embedder import Embedder
from assistant.filters import Filters
from assistant.forces import forces_in
from assistant.answer import abstention, compose_extractive, join_names
from assistant.extractive import SentencePicker, terms
from assistant import findings
from assistant.records import Answer, CaseStudy, Comparison, IngestReport, Passage, ReportInfo
from assistant.corpus import Corpus, CorpusCache, fingerprint, registry_of
from assistant.retrieve import HybridRetriever
from assistant.topics import TopicCheck
from assistant.settings import Settings, get_settings
from assistant.store import PassageStore


# Questions that ask across forces rather than about one.
COMPARATIVE = re.compile(
    r"\b(compare[sd]?|comparison|comparing|across|versus|vs\.?|differ\w*|each force|every force|"
    r"all (?:the )?(?:forces|reports)|which forces|what forces|how (?:did|do|have|are) (?:the )?forces|"
    r"forces'? (?:approach|handl\w*|response)|between (?:the )?forces)\b",
    re.I,
)


MODES = ("extractive", "llm")


def check_question(question: str, max_chars: int) -> str:
    """A usable question, or a ValueError that says what is wrong with it."""
    if not isinstance(question, str):
        raise ValueError("the question must be text")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise ValueError("Ask a question: the text is empty.")
    if len(cleaned) > max_chars:
        raise ValueError(f"The question is {len(cleaned)} characters long; the limit is {max_chars}. Shorten it.")
    return cleaned


@dataclass(frozen=True)
class Plan:
    named: list[str]  # corpus forces the question names
    outside: list[str]  # forces it names that the corpus does not cover
    comparative: bool
    scope: list[str]  # forces a comparative answer should cover


class Assistant:
    """Ingest reports, then search and ask them.

    >>> a = Assistant.open()            # index dir from settings; created if missing
    >>> a.ingest(["data/reports"])      # same engine as `python -m ingest`
    >>> next(a.passages()).force
    """

    def __init__(self, settings: Settings, store: PassageStore, embedder: Embedder):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._retriever: HybridRetriever | None = None
        self._picker: SentencePicker | None = None
        self._topics: TopicCheck | None = None
        self._previous: Corpus | None = None  # derived state before the last ingest
        self._lock = threading.RLock()

    @classmethod
    def open(cls, index_dir: str | Path | None = None, settings: Settings | None = None) -> Assistant:
        settings = settings or get_settings()
        if index_dir is not None:
            settings = settings.model_copy(update={"index_dir": Path(index_dir)})
        embedder = Embedder.from_settings(settings)
        return cls(settings, PassageStore(settings), embedder)

    def ingest(
        self,
        paths: Iterable[str | Path] | str | Path | None = None,
        *,
        prune: bool = False,
        rebuild: bool = False,
        progress: bool = False,
    ) -> IngestReport:
        """Add or update reports in the index; `rebuild` starts from an empty index.

        Holds the index's ingest lock throughout (`ingest/lock.py`): a second ingest of the
        same index waits for it, and raises `IndexBusy` after `ingest_lock_timeout_s`.
        """
        from ingest.lock import ingest_lock  # ingest builds on assistant's records and store
        from ingest.pipeline import ingest

        if paths is None:
            paths = [self.settings.reports_dir]
        elif isinstance(paths, (str, Path)):
            paths = [paths]
        with ingest_lock(self.settings):
            if rebuild:
                self._clear()
            report = ingest(list(paths), self.store, self.embedder, self.settings, prune=prune, progress=progress)
        with self._lock:
            self._forget()
        return report

    def reset(self) -> None:
        """Empty this index, under the ingest lock (other models' collections are left alone)."""
        from ingest.lock import ingest_lock

        with ingest_lock(self.settings):
            self._clear()
        with self._lock:
            self._forget()

    def _clear(self) -> None:
        for info in self.store.reports():
            self.store.remove_report(info.doc_id)
        self.store.collection.delete(where={"chunk_index": {"$gte": 0}})

    # -- retrieval ---------------------------------------------------------------------

    @property
    def retriever(self) -> HybridRetriever:
        """On first use: derived state loaded from the cache if it matches the index's
        reports, else built from the stored passages (assistant/corpus.py)."""
        with self._lock:
            if self._retriever is None:
                cache = CorpusCache.for_store(self.settings) if self.settings.use_cache else None
                self._retriever = HybridRetriever.load_or_build(
                    self.store, self.embedder, self.settings.retrieval, cache, self._previous
                )
                self._previous = None
            return self._retriever

    def refresh(self) -> bool:
        """Drop derived state if the index's reports changed since it was loaded (another
        process or machine ingested, e.g. into a shared server); True if they had."""
        with self._lock:
            if self._retriever is None:
                return False
            current = fingerprint(self.settings.index_name(), registry_of(self.store))
            if current == self._retriever.corpus.fingerprint:
                return False
            self._forget()
            return True

    def _forget(self) -> None:
        """Rebuild derived state on next use, reusing this one's rows of unchanged reports."""
        if self._retriever is not None:
            self._previous = self._retriever.corpus
        self._retriever = self._picker = self._topics = None

    def warm_up(self) -> None:
        """Build the retriever and run a few queries: torch's first calls are slow."""
        if self.store.count():
            for question in ("missing children", "registered sex offenders visits", "custody appropriate adult"):
                self.search(question)
            _ = self.topics.vocabulary

    def forces(self) -> list[str]:
        """The forces the corpus covers (from the loaded passages: no index round trip)."""
        return sorted(self.retriever.values["forces"].values())

    def plan(self, question: str, filters: Filters) -> Plan:
        """What the question asks of the corpus: forces named, comparative or not."""
        corpus = self.forces()
        named, outside = forces_in(question, corpus)
        comparative = bool(COMPARATIVE.search(question)) or len(named) >= 2
        scope = list(filters.forces) or named if (filters.forces or len(named) >= 2) else corpus
        return Plan(named=named, outside=outside, comparative=comparative, scope=scope)

    def search(
        self,
        question: str,
        k: int | None = None,
        forces: Iterable[str] | str | None = None,
        report_types: Iterable[str] | str | None = None,
        areas: Iterable[str] | str | None = None,
        years: int | tuple[int, int] | None = None,
        case_studies: bool = False,
        recommendations: bool = False,
    ) -> list[Passage]:
        """Passages most relevant to the question, best first, within the filters."""
        question = check_question(question, self.settings.max_question_chars)
        k = self._top_k(k)
        filters = self._filters(forces, report_types, areas, years, case_studies, recommendations)
        return self._retrieve(question, k, filters, self.plan(question, filters))

    def _retrieve(self, question: str, k: int, filters: Filters, plan: Plan) -> list[Passage]:
        return self.retriever.search(
            question, k, filters,
            cover=plan.scope if plan.comparative else None,
            prefer=plan.named[0] if len(plan.named) == 1 and not plan.comparative else None,
        )

    def ask(
        self,
        question: str,
        mode: str = "extractive",
        k: int | None = None,
        forces: Iterable[str] | str | None = None,
        report_types: Iterable[str] | str | None = None,
        areas: Iterable[str] | str | None = None,
        years: int | tuple[int, int] | None = None,
        case_studies: bool = False,
        recommendations: bool = False,
    ) -> Answer:
        """Answer from the reports with cited sentences, or abstain when they do not answer."""
        question = check_question(question, self.settings.max_question_chars)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        k = self._top_k(k)
        filters = self._filters(forces, report_types, areas, years, case_studies, recommendations)
        plan = self.plan(question, filters)
        passages = self._retrieve(question, k, filters, plan)
        corpus = self.forces()
        if plan.outside and not plan.named and not filters.forces:
            return abstention(question, f"they do not cover {join_names(plan.outside)}", corpus, passages, mode)
        query_terms = self.query_terms(question, plan.outside)
        strength = max((self.picker.coverage(query_terms, f"{p.heading} {p.text}") for p in passages[:3]), default=0.0)
        if strength < self.settings.answer.min_coverage:
            return abstention(question, "no passage deals with what it asks", corpus, passages, mode)
        unknown = self.topics.unknown(question, query_terms)
        if unknown:
            words = join_names([f"'{word}'" for word, _, _ in unknown])
            return abstention(question, f"they never discuss {words}", corpus, passages, mode)
        if mode == "llm":
            from assistant.llm import answer_with_llm

            return answer_with_llm(question, passages, self.settings.llm, self.settings.answer, self.embedder)
        cover = [f for f in plan.scope if any(p.force == f for p in passages)] if plan.comparative else None
        if len(plan.named) == 1 and not plan.comparative:
            # A question about one force is answered from that force's report when it has evidence.
            pool = [p for p in passages if p.force == plan.named[0]] or passages
        else:
            pool = passages
        picked = self.picker.pick(query_terms, pool, self.settings.answer.max_sentences,
                                  self.settings.answer.per_passage, cover)
        if not picked:
            return abstention(question, "no sentence in the passages found matches it", corpus, passages, mode)
        return compose_extractive(question, picked, passages)

    def query_terms(self, question: str, also_forces: Iterable[str] = ()) -> set[str]:
        """The question's content words, glossary-expanded, without force names: those say
        where to look, not what to find, so they must not pick sentences."""
        force_words = set(terms(" ".join([*self.forces(), *also_forces])))
        return set(terms(self.retriever.expand(question))) - force_words

    # -- views for trainers and researchers ---------------------------------------------

    def case_studies(
        self,
        topic: str,
        k: int | None = None,
        forces: Iterable[str] | str | None = None,
        report_types: Iterable[str] | str | None = None,
        areas: Iterable[str] | str | None = None,
        years: int | tuple[int, int] | None = None,
    ) -> list[CaseStudy]:
        """Whole case studies on a topic, most relevant first (empty when none deals with it)."""
        topic = check_question(topic, self.settings.max_question_chars)
        filters = self._filters(forces, report_types, areas, years, True, False)
        return findings.case_studies(self, topic, self._top_k(k), filters)

    def compare(
        self,
        theme: str,
        forces: Iterable[str] | str | None = None,
        report_types: Iterable[str] | str | None = None,
        areas: Iterable[str] | str | None = None,
        years: int | tuple[int, int] | None = None,
    ) -> Comparison:
        """One row per force (all forces in the corpus unless filtered) on a theme, cited."""
        theme = check_question(theme, self.settings.max_question_chars)
        filters = self._filters(forces, report_types, areas, years, False, False)
        return findings.compare(self, theme, filters)

    def section(self, passage: Passage) -> list[Passage]:
        """Every chunk of the passage's section in its report, in reading order."""
        where = {"$and": [{"doc_id": passage.doc_id}, {"section": passage.section}]}
        chunks = sorted(self.store.passages(where), key=lambda p: p.chunk_index)
        return chunks or [passage]

    @property
    def topics(self) -> TopicCheck:
        with self._lock:
            if self._topics is None:
                words = CorpusCache.for_store(self.settings).words() if self.settings.use_cache else None
                self._topics = TopicCheck(self.picker.df, self.embedder, self.settings.answer.min_topic_similarity, words)
            return self._topics

    @property
    def picker(self) -> SentencePicker:
        with self._lock:
            if self._picker is None:
                self._picker = SentencePicker.from_counts(self.retriever.corpus.df, len(self.retriever.passages))
            return self._picker

    def _top_k(self, k: int | None) -> int:
        k = self.settings.retrieval.top_k if k is None else k
        if k <= 0:
            raise ValueError(f"k must be greater than 0, got {k}")
        return k

    def _filters(self, forces, report_types, areas, years, case_studies, recommendations) -> Filters:
        """Build filters, mapping names to the corpus' spelling and refusing unknown ones."""
        f = Filters.build(forces, report_types, areas, years, case_studies, recommendations)
        fixed = {}
        for field, known in self.retriever.values.items():
            values = getattr(f, field)
            unknown = [v for v in values if v.lower() not in known]
            if unknown:
                raise ValueError(f"unknown {field.replace('_', ' ')} {unknown}; the corpus has: {', '.join(sorted(known.values()))}")
            fixed[field] = tuple(known[v.lower()] for v in values)
        return replace(f, **fixed)

    def passages(self) -> Iterator[Passage]:
        """Every stored chunk, report by report, in reading order."""
        return self.store.passages()

    def reports(self) -> list[ReportInfo]:
        """The ingested reports with their metadata and chunk counts."""
        return sorted(self.store.reports(), key=lambda r: (r.force, r.year or 0))
