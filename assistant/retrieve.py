"""Hybrid retrieval: BM25 and dense search, fused by reciprocal rank, then re-scored.

BM25 comes from llama-index's `BM25Retriever` (bm25s underneath); dense search is the
Chroma collection. Fusion is our own few lines: llama-index's `QueryFusionRetriever` mutates
node scores in place and de-duplicates by text, where we key on passage ids.

The retriever runs on a `Corpus` (assistant/corpus.py): passages, vectors, BM25 index,
glossary and boilerplate shares derived from the whole index, built by `build_corpus` and
kept in a local cache, so a process start loads them instead of re-reading and
re-tokenising every chunk (`HybridRetriever.load_or_build`).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, replace

import bm25s
import bm25s.selection
import numpy as np
import Stemmer
from llama_index.retrievers.bm25 import BM25Retriever

from assistant.corpus import Corpus, CorpusCache, load_or_build
from assistant.coverage import Signals, best_per_force
from assistant.embedder import Embedder
from assistant.extractive import document_frequencies
from assistant.filters import FilterIndex, Filters
from assistant.forces import names_pattern
from assistant.glossary import Glossary
from assistant.proximity import Proximity
from assistant.records import Passage
from assistant.settings import RetrievalSettings
from assistant.store import PassageStore

_TERM = re.compile(r"[a-z0-9]+")
# Words of how people ask, not of what they ask about; they only add noise to BM25.
CHAT_WORDS = frozenset(
    "give show tell need want example examples case cases any there is was were did does do how what "
    "which when where who why please me i my we our find looking look about".split()
)


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
    cosine: float | None  # dense similarity, when the dense retriever returned it
    bm25: float  # BM25 score, 0 when BM25 did not return it


def boilerplate_shares(passages: list[Passage]) -> list[float]:
    """Per passage, the share of its sentences that other reports repeat word for word.

    Forewords, methodology annexes and statutory quotations recur across every report of a
    programme: they match many questions and say nothing about any force.
    """
    where: dict[str, set[str]] = {}
    split = []
    for p in passages:
        sents = [" ".join(s.lower().split()) for s in re.split(r"(?<=[.!?])\s+", p.text) if len(s) > 40]
        split.append(sents)
        for s in sents:
            where.setdefault(s, set()).add(p.doc_id)
    return [
        (sum(len(where[s]) > 1 for s in sents) / len(sents)) if sents else 0.0
        for sents in split
    ]


# llama-index BM25Retriever's tokenisation (English stopwords and stemmer, this pattern).
BM25_TOKENS = r"(?u)\b\w\w+\b"


def bm25_index(passages: list[Passage]) -> bm25s.BM25 | None:
    """The same index `BM25Retriever.from_defaults` builds over "section\ntext" nodes,
    without the copy of every node's metadata it keeps and we never read."""
    if not passages:
        return None
    # Section headings are strong topic words: index them with the text.
    tokens = bm25s.tokenize([f"{p.section}\n{p.text}" for p in passages], stopwords="en",
                            stemmer=Stemmer.Stemmer("english"), token_pattern=BM25_TOKENS, show_progress=False)
    index = bm25s.BM25()
    index.index(tokens, show_progress=False)
    return index


def build_corpus(passages: list[Passage], vectors: np.ndarray) -> Corpus:
    """Everything the retriever and the answer step derive from the whole corpus."""
    return Corpus(
        passages=passages,
        vectors=vectors if len(passages) else np.zeros((0, 1), dtype=np.float32),
        bm25=bm25_index(passages),
        glossary=Glossary.from_texts(p.text for p in passages),
        boilerplate=boilerplate_shares(passages),
        df=document_frequencies(p.text for p in passages),
        proximity=Proximity(passages),
    )


class HybridRetriever:
    def __init__(self, corpus: Corpus, store: PassageStore, embedder: Embedder, config: RetrievalSettings):
        self.corpus = corpus
        passages = self.passages = corpus.passages
        self.by_id = {p.id: i for i, p in enumerate(passages)}
        self.store = store
        self.embedder = embedder
        self.config = config
        self.glossary = corpus.glossary
        # Filterable values in the corpus' own spelling, keyed lowercase; computed once here
        # rather than by scanning every passage on each query.
        self.values: dict[str, dict[str, str]] = {
            "forces": {p.force.lower(): p.force for p in passages},
            "report_types": {p.report_type.lower(): p.report_type for p in passages},
            "areas": {p.area.lower(): p.area for p in passages},
        }
        self._filter_index = FilterIndex(passages)
        self._boilerplate = np.asarray(corpus.boilerplate, dtype=np.float64)
        self._force_names = names_pattern(list(self.values["forces"].values()))
        # build_corpus and the cache always supply it; a hand-made Corpus may not.
        self._proximity = corpus.proximity if corpus.proximity is not None else Proximity(passages)
        # The chunk that carries on the same section, for each passage that has one.
        ordered = sorted(passages, key=lambda p: (p.doc_id, p.chunk_index))
        self._next: dict[str, Passage] = {
            a.id: b for a, b in zip(ordered, ordered[1:])
            if a.doc_id == b.doc_id and b.chunk_index == a.chunk_index + 1 and a.section == b.section
        }
        self._lock = threading.Lock()  # PyStemmer and bm25s' query path are not thread-safe
        self._vectors = corpus.vectors
        self._bm25 = None
        if corpus.bm25 is not None:
            self._bm25 = BM25Retriever(existing_bm25=corpus.bm25, similarity_top_k=min(config.candidates, len(passages)))

    @classmethod
    def load_or_build(cls, store: PassageStore, embedder: Embedder, config: RetrievalSettings,
                      cache: CorpusCache | None = None, previous: Corpus | None = None) -> HybridRetriever:
        """Over everything in the store: derived state from `cache` when it matches the
        store's reports, else built (reusing `previous` for unchanged reports) and cached."""
        return cls(load_or_build(store, cache, build_corpus, previous), store, embedder, config)

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
        rows = self._filter_index.rows(filters)
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
        rows = self._filter_index.rows(filters)
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

    def expand(self, query: str) -> str:
        if not self.config.use_glossary:
            return query
        extra = self.glossary.expand(query)
        # "; " keeps expansions from pairing with the question's last word as a phrase.
        return f"{query} ; {' ; '.join(extra)}" if extra else query

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

    def cosine(self, passage_id: str, vector: np.ndarray) -> float:
        return float(self._vectors[self.by_id[passage_id]] @ vector)

    def candidates(self, query: str, vector: np.ndarray, filters: Filters, n: int,
                   bm25_scores: np.ndarray | None = None, cosines: np.ndarray | None = None) -> list[Candidate]:
        """Fused BM25 + dense candidates, best first, with their signals (whole-corpus
        `bm25_scores` / `cosines` of this query: computed once for many filters)."""
        sparse = self.bm25(query, n, filters, bm25_scores) if self.config.use_bm25 else []
        dense = self.dense(vector, n, filters, cosines) if self.config.use_dense else []
        fused = rrf([[pid for pid, _ in sparse], [p.id for p in dense]], self.config.rrf_k)
        cosine = {p.id: p.score for p in dense}
        bm25 = dict(sparse)
        out = [
            Candidate(replace(self.passages[self.by_id[pid]], score=score), score, cosine.get(pid), bm25.get(pid, 0.0))
            for pid, score in fused.items()
        ]
        out.sort(key=lambda c: -c.fused)
        return out

    def search(
        self,
        query: str,
        k: int,
        filters: Filters,
        *,
        cover: list[str] | None = None,
        prefer: str | None = None,
    ) -> list[Passage]:
        """Top-k passages. `cover`: forces each to be represented when they have evidence;
        `prefer`: the single force a question is about (its passages get a boost)."""
        expanded = self.expand(query)
        if self.config.strip_chat_words:
            expanded = " ".join(w for w in expanded.split() if w.lower().strip("?,.!'\"") not in CHAT_WORDS)
        if self.config.strip_force_names and self._force_names is not None:
            # A named force is served by `prefer`/`cover`; as a keyword it only favours the
            # passages that spell the name out (recommendations, introductions, context).
            expanded = self._force_names.sub(" ", expanded)
        vector = self.embedder.embed_query(query)
        ranked = self.rescore(self.candidates(expanded, vector, filters, self.config.candidates), vector, expanded)
        ranked = self._continue_sections(ranked, filters)
        if prefer:
            boost = self.config.named_force_boost
            ranked = sorted(
                (replace(p, score=round(p.score + boost, 4)) if p.force == prefer else p for p in ranked),
                key=lambda p: -p.score,
            )
        if cover and ranked and self.config.use_force_coverage:
            ranked = self._cover(expanded, vector, filters, ranked, cover, limit=k)
        return ranked[:k]

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

    def _cover(self, query: str, vector: np.ndarray, filters: Filters, ranked: list[Passage],
               forces: list[str], limit: int | None = None) -> list[Passage]:
        """Put each covered force's best passage first, if it scores at least `force_keep` of
        the best; only the `limit` best such forces are needed (assistant/coverage.py)."""
        w = self.config
        index = self._filter_index
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
        bar = w.force_keep * ranked[0].score
        best = best_per_force(signals, near, w.weight_phrase + w.weight_sentence, bar, limit)
        firsts = [replace(self.passages[row], score=score) for row, score in best]
        seen = {p.id for p in firsts}
        return firsts + [p for p in ranked if p.id not in seen]
