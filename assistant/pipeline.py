"""The query-side stages over one snapshot of the index: plan -> retrieve -> answer.

Built from the derived state (`Corpus`) in one go and replaced as a whole when the index
changes, so a question never sees a planner and a retriever of two different snapshots.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from assistant.answer import Answerer, case_studies, compare
from assistant.index import Corpus, CorpusCache, Embedder, PassageStore, load_corpus
from assistant.records import Answer, CaseStudy, Comparison, Filters, Mode, Passage, Query, ReportInfo
from assistant.retrieve import HybridRetriever, Planner
from assistant.settings import Settings


class Pipeline:
    def __init__(self, corpus: Corpus, store: PassageStore, embedder: Embedder, settings: Settings):
        self.corpus = corpus
        self.store = store
        self.settings = settings
        self.planner = Planner(corpus, settings)
        self.retriever = HybridRetriever(corpus, settings.retrieval)
        words = CorpusCache.for_store(settings).words() if settings.use_cache else None
        self.answerer = Answerer(corpus, embedder, settings, self.planner.forces, words)

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
              *, steer: bool = True) -> Query:
        return self.planner.query(question, k, filters, embed, steer=steer)

    def search(self, query: Query) -> list[Passage]:
        return self.retriever.search(query)

    def ask(self, query: Query, mode: Mode = "extractive") -> Answer:
        return self.answerer.answer(query, self.retriever.search(query), mode)

    def case_studies(self, query: Query) -> list[CaseStudy]:
        return case_studies(query, self.retriever, self.store, self.answerer.picker, self.settings)

    def compare(self, query: Query, reports: list[ReportInfo]) -> Comparison:
        served = [r for r in reports if r.doc_id in self.corpus.registry]  # not uploads awaiting review
        return compare(query, self.retriever, self.answerer.picker, self.answerer.topics, served,
                       self.forces, self.settings)

    def warm_up(self, embed: Callable[[str], np.ndarray]) -> None:
        """Run a few queries (torch's first calls are slow) and load the topic vocabulary."""
        for question in ("missing children", "registered sex offenders visits", "custody appropriate adult"):
            self.search(self.query(question, None, Filters(), embed))
        _ = self.answerer.topics.vocabulary
