"""The query-side stages over one snapshot of the index: plan -> retrieve -> answer.

Built from the derived state (`Corpus`) in one go and replaced as a whole when the index
changes, so a question never sees a planner and a retriever of two different snapshots
(`LivePipeline` keeps the current one).
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Callable, Iterator, Sequence

import numpy as np

from assistant.answer import Answerer, case_studies, compare
from assistant.errors import InvalidRequest
from assistant.index import Corpus, CorpusCache, Embedder, PassageStore, fingerprint, load_corpus, registry_of
from assistant.index.tracker import Tracker
from assistant.records import (
    MODES,
    Answer,
    CaseStudy,
    Comparison,
    Draft,
    Filters,
    Mode,
    Passage,
    Query,
    Recommendation,
)
from assistant.retrieve import HybridRetriever, Planner
from assistant.retrieve.recommended import RecommendationMatcher
from assistant.settings import Settings


class Pipeline:
    def __init__(self, corpus: Corpus, store: PassageStore, embedder: Embedder, settings: Settings):
        self.corpus = corpus
        self.store = store
        self.settings = settings
        self.planner = Planner(corpus, settings)
        self.retriever = HybridRetriever(corpus, settings.retrieval)
        words = CorpusCache.for_store(settings).words() if settings.use_cache else None
        self._tracker: Tracker | None = None
        self._tracker_lock = threading.Lock()
        self.matcher = RecommendationMatcher(corpus, lambda: self.tracker, settings.recommendations)
        self.answerer = Answerer(corpus, embedder, settings, self.planner.forces, words, self.matcher)

    @classmethod
    def load(cls, store: PassageStore, embedder: Embedder, settings: Settings,
             previous: Corpus | None = None) -> Pipeline:
        """Over everything in the store: derived state from the cache when it matches the
        store's reports, else built (reusing `previous` for unchanged reports) and cached."""
        cache = CorpusCache.for_store(settings) if settings.use_cache else None
        return cls(load_corpus(store, cache, previous), store, embedder, settings)

    @property
    def forces(self) -> list[str]:
        return self.planner.forces

    def query(self, question: str, k: int | None, filters: Filters, embed: Callable[[str], np.ndarray],
              *, steer: bool = True, history: Sequence[str] = ()) -> Query:
        return self.planner.query(question, k, filters, embed, steer=steer, history=history)

    def filter_values(self) -> dict[str, list]:
        """What each filter can take: forces, report types, areas (corpus spelling), years."""
        values = {name: sorted(known.values()) for name, known in self.planner.values.items()}
        return {**values, "years": list(self.planner.years)}

    @property
    def tracker(self) -> Tracker:
        """The recommendations of the stored reports over this snapshot's passages, read from
        the store on first use."""
        with self._tracker_lock:
            if self._tracker is None:
                self._tracker = Tracker.from_rows(self.store.recommendation_rows(), self.corpus.passages,
                                                  self.store.reports())
            return self._tracker

    def search(self, query: Query) -> list[Passage]:
        if not query.about_recommendations:
            return self.retriever.search(query)
        deep = replace(query, k=max(query.k, self.settings.recommendations.search_depth))
        return self.matcher.bring_forward(query, self.retriever.search(deep))

    def ask(self, query: Query, mode: Mode = "extractive") -> Answer:
        check_mode(mode)
        passages = self.search(query)
        return self.answerer.answer(query, passages, mode, lambda: self.evidence(query, passages))

    def evidence(self, query: Query, passages: list[Passage]) -> list[Passage]:
        """What the extractive answer reads: the retrieved passages and, for a question asked
        across forces (comparative, or naming none), each strongest force's own best passages,
        so a force is not missed because others filled the top k."""
        cfg = self.settings.answer
        if cfg.composer != "findings" or (query.named and not query.comparative):
            return passages
        forces = list(query.filters.forces) or list(query.named) or self.forces
        extra = self.retriever.by_force(query, forces, cfg.per_force_passages, cfg.answer_forces)
        seen = {p.id for p in passages}
        return passages + [p for p in extra if p.id not in seen and not seen.add(p.id)]

    def ask_stream(self, query: Query, mode: Mode = "extractive") -> Iterator[Draft | Answer]:
        check_mode(mode)
        passages = self.search(query)
        return self.answerer.answer_stream(query, passages, mode, lambda: self.evidence(query, passages))

    def recommendations(self, filters: Filters) -> list[Recommendation]:
        """Tracked recommendations within the filters; names are checked against the corpus
        (areas also against the tracker's own), unknown ones refused."""
        tracker = self.tracker
        areas = {a.lower(): a for a in tracker.areas} | self.planner.values["areas"]
        unknown = [a for a in filters.areas if a.lower() not in areas]
        if unknown:
            raise InvalidRequest(f"unknown areas {unknown}; the corpus has: {', '.join(sorted(set(areas.values())))}")
        checked = self.planner.filters(Filters(filters.forces, filters.report_types))
        return tracker.select(Filters(checked.forces, checked.report_types,
                                      tuple(areas[a.lower()] for a in filters.areas), filters.years))

    def case_studies(self, query: Query) -> list[CaseStudy]:
        return case_studies(query, self.retriever, self.answerer.composer, self.settings)

    def compare(self, query: Query) -> Comparison:
        served = [r for r in self.store.reports() if r.doc_id in self.corpus.registry]  # not uploads awaiting review
        return compare(query, self.retriever, self.answerer.composer, self.answerer.picker, self.answerer.topics,
                       served, self.forces, self.settings)

    def warm_up(self, embed: Callable[[str], np.ndarray]) -> None:
        """Run a few queries (torch's first calls are slow) and load the topic vocabulary."""
        for question in ("missing children", "registered sex offenders visits", "custody appropriate adult"):
            self.search(self.query(question, None, Filters(), embed))
        _ = self.answerer.topics.vocabulary


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise InvalidRequest(f"mode must be one of {', '.join(MODES)}, got {mode!r}")


class LivePipeline:
    """The pipeline over the index as it is now. Built on first use; after this process
    changes the index, rebuilt on next use (reusing the rows of unchanged reports); after
    another process or machine did, reloaded (the registry's fingerprint is compared at most
    every `refresh_s` seconds, or on `refresh()`)."""

    def __init__(self, store: PassageStore, embedder: Embedder, settings: Settings):
        self.store, self.embedder, self.settings = store, embedder, settings
        self.loaded: Pipeline | None = None
        self._previous: Corpus | None = None  # derived state before the last change
        self._lock = threading.RLock()
        self._checked = 0.0  # when the fingerprint was last compared

    def current(self) -> Pipeline:
        if self.loaded is not None and time.monotonic() - self._checked >= self.settings.refresh_s:
            self.refresh()
        with self._lock:
            if self.loaded is None:
                self.loaded = Pipeline.load(self.store, self.embedder, self.settings, self._previous)
                self._previous = None
                self._checked = time.monotonic()
            return self.loaded

    def refresh(self) -> bool:
        """Forget the pipeline if the index's reports changed since it was loaded; True if
        they had. One small registry read."""
        with self._lock:
            self._checked = time.monotonic()
            if self.loaded is None or \
                    fingerprint(self.store, registry_of(self.store)) == self.loaded.corpus.fingerprint:
                return False
            self.forget()
            return True

    def forget(self) -> None:
        """Rebuild on next use, reusing this one's rows of unchanged reports."""
        with self._lock:
            if self.loaded is not None:
                self._previous = self.loaded.corpus
            self.loaded = None
