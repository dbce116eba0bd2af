"""Hybrid retrieval: BM25 and dense search, fused by reciprocal rank, then re-scored.

BM25 comes from llama-index's `BM25Retriever` (bm25s underneath); dense search is exact
cosine over the stored vectors. Fusion is our own few lines: llama-index's
`QueryFusionRetriever` mutates node scores in place and de-duplicates by text, where we key
on passage ids.

The retriever runs on a `Corpus` (assistant/index/): passages, vectors, BM25 index and
the other state derived from the whole index, cached so a process start loads them instead
of re-reading and re-tokenising every chunk. It takes a planned `Query` (plan.py): the
keywords, vector, filters and the forces to prefer or cover are decided there, once.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace

import bm25s
import bm25s.selection
import numpy as np
from llama_index.retrievers.bm25 import BM25Retriever

from assistant.index import Corpus
from assistant.index.proximity import Proximity
from assistant.records import Filters, Passage, Query
from assistant.retrieve.coverage import Signals, best_per_force
from assistant.retrieve.filters import FilterIndex
from assistant.settings import RetrievalSettings


_NARRATIVE = re.compile(r"\b\d{1,2}-year-old\b|\baged \d{1,2}\b|\b(?:teenage|young) (?:girl|boy)\b", re.I)


def rrf(rankings: list[list[str]], k: int) -> dict[str, float]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the rankings an id appears in."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            scores[pid] = scores.get(pid, 0.0) + 1.0 / (k + rank)
    return scores


@dataclass(frozen=True)
class Candidate:
    """A fused candidate and the signals the re-scorer uses."""

    passage: Passage
    fused: float  # reciprocal-rank-fusion score
    bm25: float  # BM25 score, 0 when BM25 did not return it


class HybridRetriever:
    def __init__(self, corpus: Corpus, config: RetrievalSettings):
        self.corpus = corpus
        passages = self.passages = corpus.passages
        self.by_id = {p.id: i for i, p in enumerate(passages)}
        self.config = config
        self.filter_index = FilterIndex(passages)
        self._boilerplate = np.asarray(corpus.boilerplate, dtype=np.float64)
        # build_corpus and the cache always supply it; a hand-made Corpus may not.
        self._proximity = corpus.proximity if corpus.proximity is not None else Proximity(passages)
        # The chunk that carries on the same section, for each passage that has one.
        ordered = sorted(passages, key=lambda p: (p.doc_id, p.chunk_index))
        self._next: dict[str, Passage] = {
            a.id: b for a, b in zip(ordered, ordered[1:])
            if a.doc_id == b.doc_id and b.chunk_index == a.chunk_index + 1 and a.section == b.section
        }
        # Case narratives: marked case studies, and the examples reviews tell without a heading
        # ("a 15-year-old boy was reported missing..."), favoured when a question asks for a case.
        self._case_like = np.array([p.is_case_study or bool(_NARRATIVE.search(p.text)) for p in passages], dtype=bool)
        self._lock = threading.Lock()  # PyStemmer and bm25s' query path are not thread-safe
        self._vectors = corpus.vectors
        self._bm25 = None
        if corpus.bm25 is not None:
            self._bm25 = BM25Retriever(existing_bm25=corpus.bm25, similarity_top_k=min(config.candidates, len(passages)))

    # -- the two retrievers -------------------------------------------------------------

    def bm25_scores(self, query: str) -> np.ndarray | None:
        """BM25 score of every passage (None: no query word is indexed). Computed once per
        query and shared by the per-force passes of a comparative question."""
        if self._bm25 is None:
            return None
        with self._lock:
            tokens = bm25s.tokenize(query, stopwords="en", stemmer=self._bm25.stemmer, show_progress=False)
            words = bm25s.tokenization.convert_tokenized_to_string_list(tokens)[0]
            return self._bm25.bm25.get_scores(words) if words else None

    def bm25(self, query: str, n: int, filters: Filters, scores: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-n BM25 passages within the filter (what bm25s' `retrieve(weight_mask=...)`
        returns), from whole-corpus scores computed once (`scores`, else now) and bm25s'
        own top-k over the filter's rows only."""
        if self._bm25 is None:
            return []
        rows = self.filter_index.rows(filters)
        if rows is not None and not len(rows):
            return []
        scores = self.bm25_scores(query) if scores is None else scores
        if scores is None:
            return []
        if rows is None:
            top, docs = bm25s.selection.topk(scores, k=min(n, len(self.passages)), sorted=True)
        else:
            top, at = bm25s.selection.topk(scores[rows], k=min(n, len(rows)), sorted=True)
            docs = rows[at]
        return [(self.passages[int(i)].id, float(s)) for i, s in zip(docs, top) if s > 0]

    def dense(self, vector: np.ndarray, n: int, filters: Filters, cosines: np.ndarray | None = None) -> list[Passage]:
        """Nearest passages by cosine, exactly, over the vectors already in memory (for the
        re-score). Chroma's HNSW answer is approximate and varied between processes (MRR
        0.857-0.864 on the same index), and its filtered search took ~75 ms per call at ~84k
        chunks, once per force for a comparative question. `cosines`: every passage's cosine
        to `vector`, when computed once for several filters."""
        if not self.passages:
            return []
        rows = self.filter_index.rows(filters)
        if rows is not None and not len(rows):
            return []
        if rows is None:
            sims = cosines if cosines is not None else self._vectors @ vector
        else:
            sims = cosines[rows] if cosines is not None else self._vectors[rows] @ vector
        n = min(n, len(sims))
        top = np.argpartition(-sims, n - 1)[:n]
        best = top[np.lexsort((top, -sims[top]))]  # by score, ties by row: the same order every run
        return [replace(self.passages[int(i) if rows is None else int(rows[i])], score=float(sims[i])) for i in best]

    # -- search -------------------------------------------------------------------------

    def rescore(self, candidates: list[Candidate], vector: np.ndarray, query: str) -> list[Passage]:
        """Final order: normalised BM25 + dense cosine + fused rank + word proximity (phrase
        pairs, best sentence), weights in settings.

        Measured on the gold set (78 answerable questions): fused rank alone gave MRR 0.71;
        BM25 + cosine + fused (0.5 / 0.5 / 0.25) gave 0.75 at evidence recall@6000 chars
        0.86; proximity (0.2 / 0.1) adds ~0.02 MRR. No cross-encoder can be installed
        offline (see shared MODELS.md).
        """
        if not candidates:
            return []
        if not self.config.use_rescore:
            return [c.passage for c in candidates]
        top_bm25 = max(c.bm25 for c in candidates) or 1.0
        w = self.config
        at = np.array([self.by_id[c.passage.id] for c in candidates], dtype=np.int64)
        near = self.proximity_bonus(query, at)
        rows = []
        for c, i, bonus in zip(candidates, at.tolist(), near.tolist()):
            cosine = float(self._vectors[i] @ vector)
            score = w.weight_bm25 * c.bm25 / top_bm25 + w.weight_dense * cosine + w.weight_fused * c.fused * w.rrf_k
            score += bonus - w.boilerplate_penalty * self._boilerplate[i]
            rows.append(replace(c.passage, score=round(score, 4)))
        rows.sort(key=lambda p: -p.score)
        return rows

    def proximity_bonus(self, query: str, rows: np.ndarray) -> np.ndarray:
        """Weighted word proximity (phrase pairs, best sentence) of the passages at `rows`;
        at most `weight_phrase + weight_sentence` each."""
        w = self.config
        if not (w.weight_phrase or w.weight_sentence) or not len(rows):
            return np.zeros(len(rows))
        pairs = np.array(self._proximity.scores(query, rows)).reshape(-1, 2)
        return w.weight_phrase * pairs[:, 0] + w.weight_sentence * pairs[:, 1]

    def candidates(self, query: str, vector: np.ndarray, filters: Filters, n: int,
                   bm25_scores: np.ndarray | None = None, cosines: np.ndarray | None = None) -> list[Candidate]:
        """Fused BM25 + dense candidates, best first, with their signals (whole-corpus
        `bm25_scores` / `cosines` of this query: computed once for many filters)."""
        sparse = self.bm25(query, n, filters, bm25_scores) if self.config.use_bm25 else []
        dense = self.dense(vector, n, filters, cosines) if self.config.use_dense else []
        fused = rrf([[pid for pid, _ in sparse], [p.id for p in dense]], self.config.rrf_k)
        bm25 = dict(sparse)
        out = [
            Candidate(replace(self.passages[self.by_id[pid]], score=score), score, bm25.get(pid, 0.0))
            for pid, score in fused.items()
        ]
        out.sort(key=lambda c: -c.fused)
        return out

    def search(self, query: Query) -> list[Passage]:
        """The query's top-k passages: fused, re-scored, sections continued, the one force it
        is about preferred, or each force it compares covered."""
        keywords, vector, filters = query.keywords, query.vector, query.filters
        ranked = self.rescore(self.candidates(keywords, vector, filters, self.config.candidates), vector, keywords)
        if query.wants_case and self.config.case_boost:  # before continuation: a case's next chunk is the case
            ranked = sorted((replace(p, score=round(p.score + self.config.case_boost, 4))
                             if self._case_like[self.by_id[p.id]] else p for p in ranked), key=lambda p: -p.score)
        ranked = self._continue_sections(ranked, filters)
        if query.prefer:
            boost = self.config.named_force_boost
            ranked = sorted(
                (replace(p, score=round(p.score + boost, 4)) if p.force == query.prefer else p for p in ranked),
                key=lambda p: -p.score,
            )
        if query.cover and ranked and self.config.use_force_coverage:
            ranked = self._cover(keywords, vector, filters, ranked, list(query.cover), limit=query.k)
        return ranked[: query.k]

    def _continue_sections(self, ranked: list[Passage], filters: Filters) -> list[Passage]:
        """A top passage's section often goes on in the next chunk (a case study's outcome, the
        figures "detailed below"), which shares few of the question's words: it scores at least
        the top passage's score minus `continuation_gap`."""
        out = {p.id: p for p in ranked}
        for p in ranked[: self.config.continuation_depth]:
            nxt = self._next.get(p.id)
            if nxt is None or not filters.accepts(nxt):
                continue
            floor = round(p.score - self.config.continuation_gap, 4)
            if nxt.id not in out or out[nxt.id].score < floor:
                out[nxt.id] = replace(out.get(nxt.id, nxt), score=floor)
        return sorted(out.values(), key=lambda p: -p.score)

    def _signals(self, query: str, vector: np.ndarray, filters: Filters, forces: list[str]):
        """The whole-corpus signals of one query for per-force ranking (coverage.py), and the
        proximity scorer to apply to the candidates that can still place."""
        w = self.config
        index = self.filter_index
        signals = Signals(
            groups=index.force_column, allowed=index.rows(filters.with_forces(forces)),
            bm25=self.bm25_scores(query) if w.use_bm25 else None,
            cosines=self._vectors @ vector if w.use_dense else None,
            boilerplate=self._boilerplate, per_force=w.per_force, rrf_k=w.rrf_k,
            weight_bm25=w.weight_bm25, weight_dense=w.weight_dense, weight_fused=w.weight_fused,
            penalty=w.boilerplate_penalty, rescore=w.use_rescore,
        )
        near = None
        if w.use_rescore and (w.weight_phrase or w.weight_sentence):
            near = lambda rows: self.proximity_bonus(query, rows)  # noqa: E731
        return signals, near

    def _cover(self, query: str, vector: np.ndarray, filters: Filters, ranked: list[Passage],
               forces: list[str], limit: int | None = None) -> list[Passage]:
        """Put each covered force's best passage first, if it scores at least `force_keep` of
        the best; only the `limit` best such forces are needed (coverage.py)."""
        w = self.config
        signals, near = self._signals(query, vector, filters, forces)
        bar = w.force_keep * ranked[0].score
        best = best_per_force(signals, near, w.weight_phrase + w.weight_sentence, bar, limit)
        firsts = [replace(self.passages[row], score=score) for row, score in best]
        seen = {p.id for p in firsts}
        return firsts + [p for p in ranked if p.id not in seen]

    def by_force(self, query: Query, forces: list[str], n: int, limit: int) -> list[Passage]:
        """The top `n` passages of each of the `limit` forces (of `forces`) whose best passage
        scores highest, strongest force first: for answers that must speak for every force in
        scope, each from its own best evidence, not only what made the overall top k."""
        keywords, vector, w = query.keywords, query.vector, self.config
        if not forces or not self.passages:
            return []
        if len(forces) > limit:  # many forces: rank them all at once, deepen only the best
            signals, near = self._signals(keywords, vector, query.filters, forces)
            best = best_per_force(signals, near, w.weight_phrase + w.weight_sentence, float("-inf"), limit)
            forces = [self.passages[row].force for row, _ in best]
        scores = self.bm25_scores(keywords) if w.use_bm25 else None
        cosines = self._vectors @ vector if w.use_dense else None
        out: list[Passage] = []
        for force in forces:
            own = query.filters.with_forces([force])
            ranked = self.rescore(self.candidates(keywords, vector, own, w.per_force, scores, cosines),
                                  vector, keywords)
            out += self._continue_sections(ranked, own)[:n]
        return out
