"""Where a question's words meet in a passage: shared word pairs and the best single sentence.

BM25 and the embedding score a passage as a whole, so a long section that mentions
"strategy", "discussions" and "recorded" in three different paragraphs ties with the one
sentence that says "strategy discussions are prompt ... and usually recorded". Two cheap,
learned-free signals separate them:

- phrase: the idf-weighted share of the question's adjacent content-word pairs ("police
  protection", "voice ... child") that the passage (headings included) also has side by side;
- sentence: the idf-weighted share of the question's content words found in the passage's
  single best sentence.

Words are `extractive.terms` (stopwords out, plural s off), so both sides fold alike.
Pairs never cross punctuation: "Cheshire, Lancashire" is a list, not a phrase.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable

from assistant.extractive import terms
from assistant.records import Passage
from assistant.sentences import sentences

_CLAUSE = re.compile(r"[.;:!?,()\[\]\n|>]+")

Pair = tuple[str, str]


def word_pairs(text: str) -> set[Pair]:
    """Adjacent content-word pairs within each clause of a text."""
    out: set[Pair] = set()
    for clause in _CLAUSE.split(text):
        words = terms(clause)
        out.update(zip(words, words[1:]))
    return out


class Proximity:
    """Per-passage word pairs and sentence word sets, with their document frequencies."""

    def __init__(self, passages: Iterable[Passage]):
        self.pairs: list[set[Pair]] = []
        self.sentences: list[list[set[str]]] = []
        self.df: Counter[str] = Counter()
        self.pair_df: Counter[Pair] = Counter()
        for p in passages:
            self.pairs.append(word_pairs(f"{p.section}\n{p.text}"))
            self.sentences.append([set(terms(s)) for s in sentences(p.text)])
            self.df.update(set(terms(f"{p.section} {p.text}")))
            self.pair_df.update(self.pairs[-1])
        self.n = len(self.pairs)

    def _idf(self, df: int) -> float:
        return math.log(1 + self.n / (1 + df))

    def scores(self, query: str, rows: list[int]) -> list[tuple[float, float]]:
        """(phrase, sentence) for the passages at `rows`, each in 0..1."""
        words = {t: self._idf(self.df[t]) for t in set(terms(query))}
        # Pairs no passage has cannot tell passages apart; they would only shrink the share.
        pairs = {p: self._idf(self.pair_df[p]) for p in word_pairs(query) if self.pair_df[p]}
        # fsum: exact sums, so set order (string hashing differs per process) cannot flip ties.
        word_total, pair_total = math.fsum(words.values()), math.fsum(pairs.values())
        out = []
        for row in rows:
            phrase = math.fsum(w for p, w in pairs.items() if p in self.pairs[row]) / pair_total if pairs else 0.0
            best = max((math.fsum(w for t, w in words.items() if t in s) for s in self.sentences[row]), default=0.0)
            out.append((phrase, best / word_total if word_total else 0.0))
        return out
