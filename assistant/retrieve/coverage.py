"""Per-force coverage for comparative questions, over every force at once.

A comparative question ("how do forces ...") must show each force that has evidence, so
each covered force gets its own best passage: its top `per_force` BM25 rows and top
`per_force` dense rows, fused by reciprocal rank and re-scored like the main list
(`HybridRetriever.rescore`). A loop doing that force by force cost ~0.5 ms a force, which
at 1,000 reports (1,001 forces in the scale benchmark) was ~550 ms a question. Here the
per-force top-n, fusion and cheap signals are array operations over all forces together,
and word proximity, the one costly signal, is computed only for candidates that could
still place a force among the `limit` shown: a candidate's score without proximity, plus
the most proximity can add, bounds its final score (a threshold algorithm, so the answer
is the same as scoring every candidate; tests hold it to the loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

_BLOCK = 256  # candidates given proximity per step: enough to amortise numpy's call cost


def group_top(scores: np.ndarray, groups: np.ndarray, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows (of `rows`) with the n highest scores in each group, and each one's rank
    (1 = best) inside its group; ties go to the lower row, as in `HybridRetriever.dense`."""
    if not len(rows):
        return rows, rows
    rows = rows[np.lexsort((rows, -scores[rows], groups[rows]))]
    g = groups[rows]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)])) + 1
    keep = rank <= n
    return rows[keep], rank[keep]


@dataclass(frozen=True)
class Signals:
    """One query's whole-corpus signals and the re-score's weights."""

    groups: np.ndarray  # force code of every passage
    allowed: np.ndarray  # rows the question's filters accept, among the covered forces
    bm25: np.ndarray | None  # BM25 score of every passage (None: BM25 off or no query word indexed)
    cosines: np.ndarray | None  # cosine of every passage to the question (None: dense off)
    boilerplate: np.ndarray  # share of repeated sentences, per passage
    per_force: int
    rrf_k: int
    weight_bm25: float
    weight_dense: float
    weight_fused: float
    penalty: float
    rescore: bool  # False: candidates rank by fused score alone (the no-rescore ablation)


def candidates(s: Signals) -> tuple[np.ndarray, np.ndarray]:
    """Every covered force's fused candidates (rows) and their scores without proximity."""
    fused = np.zeros(len(s.groups))
    bm25_top = np.ones(int(s.groups.max(initial=-1)) + 1)  # per force: its best BM25 score, as in rescore
    picked = []
    if s.bm25 is not None:
        rows, rank = group_top(s.bm25, s.groups, s.allowed[s.bm25[s.allowed] > 0], s.per_force)
        fused[rows] += 1.0 / (s.rrf_k + rank)
        first = rows[rank == 1]
        bm25_top[s.groups[first]] = s.bm25[first]
        picked.append(rows)
    if s.cosines is not None:
        rows, rank = group_top(s.cosines, s.groups, s.allowed, s.per_force)
        fused[rows] += 1.0 / (s.rrf_k + rank)
        picked.append(rows)
    if not picked:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    rows = np.unique(np.concatenate(picked))
    if not s.rescore:
        return rows, fused[rows]
    score = s.weight_fused * s.rrf_k * fused[rows] - s.penalty * s.boilerplate[rows]
    if s.bm25 is not None:
        score += s.weight_bm25 * s.bm25[rows] / bm25_top[s.groups[rows]]
    if s.cosines is not None:
        score += s.weight_dense * s.cosines[rows]
    return rows, score


def best_per_force(
    s: Signals,
    proximity: Callable[[np.ndarray], np.ndarray] | None,
    most_proximity: float,
    bar: float,
    limit: int | None,
) -> list[tuple[int, float]]:
    """(row, score) of the best passage of each of the `limit` best-scoring forces whose
    best scores at least `bar`, best first. `proximity(rows)` gives the weighted proximity
    of those rows, at most `most_proximity` each."""
    rows, base = candidates(s)
    if proximity is None or not len(rows):
        return _ranked(s.groups, rows, np.round(base, 4) if s.rescore else base, bar, limit)
    order = np.argsort(-base, kind="stable")
    rows, base = rows[order], base[order]
    best: dict[int, tuple[float, int]] = {}  # force -> (score, row)
    done = 0
    while done < len(rows):
        block = slice(done, done + _BLOCK)
        scores = np.round(base[block] + proximity(rows[block]), 4)
        for row, score in zip(rows[block].tolist(), scores.tolist()):
            g = int(s.groups[row])
            if g not in best or score > best[g][0]:
                best[g] = (score, row)
        done += len(scores)
        kept = sorted((v for v, _ in best.values() if v >= bar), reverse=True)
        floor = max(bar, kept[limit - 1]) if limit and len(kept) >= limit else bar
        if done < len(rows) and base[done] + most_proximity < floor:
            break  # no candidate left can reach the forces already found
    found = np.array([r for _, r in best.values()], dtype=np.int64)
    return _ranked(s.groups, found, np.array([v for v, _ in best.values()]), bar, limit)


def _ranked(groups: np.ndarray, rows: np.ndarray, scores: np.ndarray, bar: float,
            limit: int | None) -> list[tuple[int, float]]:
    """Each force's best row at or above `bar`, best first (ties: lower row), `limit` of them."""
    best: dict[int, tuple[float, int]] = {}
    for row, score in zip(rows.tolist(), scores.tolist()):
        g = int(groups[row])
        if score >= bar and (g not in best or (score, -row) > (best[g][0], -best[g][1])):
            best[g] = (score, row)
    out = sorted(((row, score) for score, row in best.values()), key=lambda rs: (-rs[1], rs[0]))
    return out[:limit] if limit else out
