"""Which tracked recommendations a question is about, and their passages first in search.

A recommendation and what the later review found on it sit in different sections, often
far apart in the ranking: a question about what was recommended (`Query.about_recommendations`)
gets the passages of the recommendations it matches (their own chunks, then the review's
summary of its findings on that area) ahead of the usual results.

A recommendation matches by the idf-weighted share of the question's content words in its
area and text, plus `weight_dense` x the cosine of its chunk to the question. For the forces
the question names (or filters to) the best `max_matched` within `keep_ratio` of the best
are kept; a question across forces keeps the best one of each force that matches at least
`force_keep` as well as the best of all.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from assistant.index import Corpus
from assistant.index.tracker import Tracker
from assistant.records import Passage, Query, Recommendation
from assistant.settings import RecommendationSettings
from assistant.text import idf, terms

_FRONT_STEP = 1e-3  # score step between brought-forward passages, so the list stays sorted
# How such questions ask ("what was recommended ... and what changed by the review?"), not
# what they ask about: matching on them favours "decisions made about them".
ASKING = frozenset(terms(
    "recommend recommends recommended recommendation recommendations made make makes told tell asked ask "
    "change changed changes progress review reviews reviewed revisit revisited found find inspector "
    "inspectors inspected since later next responded respond"
))


class RecommendationMatcher:
    def __init__(self, corpus: Corpus, tracker: Callable[[], Tracker], settings: RecommendationSettings):
        self.df, self.n = corpus.df, max(len(corpus.passages), 1)
        self.glossary = corpus.glossary
        self._words: dict[str, set[str]] = {}  # per recommendation id: its content words
        self.vectors = corpus.vectors
        self.passages = corpus.passages
        self._chapters: dict[tuple[str, str], list[Passage]] | None = None  # (doc_id, area) -> chunks
        self.row = {p.id: i for i, p in enumerate(corpus.passages)}
        self.tracker = tracker  # loaded on first use: most questions never need it
        self.settings = settings

    def score(self, query: Query, rec: Recommendation) -> float:
        words = set(query.terms) - ASKING
        weights = {t: idf(self.n, self.df.get(t, 0)) for t in words}
        total = sum(weights.values())
        lexical = sum(weights[t] for t in words & self.words(rec)) / total if total else 0.0
        rows = [self.row[c.id] for c in rec.chunks if c.id in self.row]
        dense = 0.0
        if rows and query.vector is not None:
            dense = float(np.max(self.vectors[rows] @ query.vector))
        return lexical + self.settings.weight_dense * dense

    def words(self, rec: Recommendation) -> set[str]:
        """Content words of its area and text, with the long forms of its acronyms ("IT")."""
        if rec.id not in self._words:
            text = f"{rec.area} {rec.text}"
            self._words[rec.id] = set(terms(" ".join([text, *self.glossary.expand(text)])))
        return self._words[rec.id]

    def match(self, query: Query) -> list[tuple[Recommendation, float]]:
        """The recommendations the question is about, best first (empty: none matches well)."""
        cfg = self.settings
        forces = query.filters.forces or query.named
        candidates = self.tracker().select(query.filters.with_forces(forces))
        by_force: dict[str, list[tuple[Recommendation, float]]] = {}
        for rec in candidates:
            by_force.setdefault(rec.force, []).append((rec, self.score(query, rec)))
        one_force = len(by_force) == 1 and bool(forces)
        overall = max((s for scored in by_force.values() for _, s in scored), default=0.0)
        out: list[tuple[Recommendation, float]] = []
        for scored in by_force.values():
            scored.sort(key=lambda rs: -rs[1])
            best = scored[0][1]
            bar = max(cfg.min_match, cfg.keep_ratio * best, 0.0 if one_force else cfg.force_keep * overall)
            out += [rs for rs in scored[: cfg.max_matched if one_force else 1] if rs[1] >= bar]
        return sorted(out, key=lambda rs: -rs[1])

    def context(self, rec: Recommendation) -> list[Passage]:
        """What bears on a recommendation besides its own text: the review's detailed findings
        on its area or, for an inspection, the findings of the chapter that made it."""
        if rec.follow_up:
            summary = {p.id for p in rec.review_summary}
            return [p for p in rec.follow_up if p.id not in summary]
        if self._chapters is None:  # built whole, then published: other threads never see it half-filled
            chapters: dict[tuple[str, str], list[Passage]] = {}
            for p in self.passages:
                chapters.setdefault((p.doc_id, p.area), []).append(p)
            self._chapters = chapters
        own = {c.id for c in rec.chunks}
        return [p for p in self._chapters.get((rec.passage.doc_id, rec.area), []) if p.id not in own]

    def bring_forward(self, query: Query, ranked: list[Passage]) -> list[Passage]:
        """The matched recommendations' chunks and review summaries first, then the rest with
        `context_boost` added to their context (`context`): best first, `query.k` of them.
        `ranked` should run deeper than k, so context passages have their own scores."""
        matched = self.match(query)
        if not matched:
            return ranked[: query.k]
        front: dict[str, Passage] = {}
        for rec, _ in matched:
            for p in rec.chunks + rec.review_summary:
                if p.id not in front and query.filters.accepts(p):
                    front[p.id] = p
        boost, floor = self.settings.context_boost, min((p.score for p in ranked), default=0.0)
        context = {p.id: p for rec, _ in matched for p in self.context(rec)
                   if p.id not in front and query.filters.accepts(p)}
        rest = [replace(p, score=round(p.score + boost, 4)) if p.id in context else p
                for p in ranked if p.id not in front]
        seen = {p.id for p in rest}
        rest += [replace(p, score=round(floor + boost, 4)) for pid, p in context.items() if pid not in seen]
        rest.sort(key=lambda p: -p.score)
        top = rest[0].score if rest else 0.0
        firsts = [replace(p, score=round(top + _FRONT_STEP * (len(front) - i), 4)) for i, p in enumerate(front.values())]
        return (firsts + rest)[: query.k]
