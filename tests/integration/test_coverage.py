"""Per-force coverage (assistant/coverage.py) against the plain loop it replaces: for each
force, fuse its own BM25 and dense top-n, re-score, keep its best if close enough."""

from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np
import pytest

from assistant.index import build_corpus
from assistant.pipeline import Pipeline
from assistant.records import Filters
from assistant.retrieve import HybridRetriever

QUESTIONS = [
    "How did forces handle reactive RSO management?",
    "Compare the forces on children detained overnight in police custody",
    "How do forces respond to children who go missing from home?",
]
COPIES = 12


@pytest.fixture(scope="module")
def many_forces(bundled) -> Pipeline:
    """The bundled passages under COPIES x 5 force names, each copy missing a different
    third of the passages and its vectors nudged, so forces differ but stay alike."""
    base = bundled.pipeline.corpus
    rng = np.random.default_rng(3)
    passages, rows = [], []
    for copy in range(COPIES):
        for i, p in enumerate(base.passages):
            if zlib.crc32(f"{copy}:{p.id}".encode()) % 3 == 0:
                continue
            force = f"{p.force} {copy}"
            passages.append(replace(p, id=f"{copy}-{p.id}", doc_id=f"{copy}-{p.doc_id}", force=force))
            rows.append(i)
    vectors = base.vectors[rows] + rng.normal(0, 0.01, (len(rows), base.vectors.shape[1])).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    corpus = build_corpus(passages, vectors, bundled.settings)
    return Pipeline(corpus, bundled.store, bundled.embedder, bundled.settings)


def loop_cover(r: HybridRetriever, query: str, vector: np.ndarray, filters: Filters, bar: float,
               forces: list[str]) -> dict[str, float]:
    """Each force's best re-scored passage, one force at a time (the reference)."""
    scores = r.bm25_scores(query) if r.config.use_bm25 else None
    cosines = r.corpus.vectors @ vector
    best = {}
    for force in forces:
        own = r.rescore(r.candidates(query, vector, filters.with_forces([force]), r.config.per_force, scores, cosines),
                        vector, query)
        if own and own[0].score >= bar:
            best[force] = own[0].score
    return best


@pytest.mark.parametrize("config", [{}, {"use_rescore": False}, {"use_bm25": False}, {"weight_phrase": 0.0}])
@pytest.mark.parametrize("filters", [Filters(), Filters(report_types=("inspection",)), Filters(case_studies=True)])
def test_cover_finds_the_same_forces_and_scores_as_the_loop(many_forces, config, filters) -> None:
    r = HybridRetriever(many_forces.corpus, many_forces.settings.retrieval.model_copy(update=config))
    forces = many_forces.forces
    assert len(forces) == COPIES * 5
    for question in QUESTIONS:
        query = many_forces.query(question, 10, filters, many_forces.answerer.embedder.embed_query, steer=False)
        keywords, vector = query.keywords, query.vector
        ranked = r.rescore(r.candidates(keywords, vector, filters, r.config.candidates), vector, keywords)
        if not ranked:
            continue
        bar = r.config.force_keep * ranked[0].score
        expected = loop_cover(r, keywords, vector, filters, bar, forces)
        everything = len(r.passages)
        for limit in (10, everything):  # as many as the loop finds, and all of them
            got = r.search(replace(query, k=limit, comparative=True, scope=tuple(forces)))
            firsts = got[: min(limit, len(expected))]
            want = sorted(expected.values(), reverse=True)[: len(firsts)]
            assert [p.score for p in firsts] == pytest.approx(want, abs=2e-4), (question, limit)
            assert len({p.force for p in firsts}) == len(firsts)  # one passage a force
            for p in firsts:
                assert p.score == pytest.approx(expected[p.force], abs=2e-4)
                assert filters.accepts(p)
            if limit == everything:
                assert {p.id for p in got} >= {p.id for p in ranked}  # nothing of the main list lost
