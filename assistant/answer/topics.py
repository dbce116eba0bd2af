"""Does the corpus speak of a question's topic at all?

A question about Tasers or police pensions finds *some* passages about custody or staff, so
retrieval scores alone cannot tell it is unanswerable. What gives it away is a content word
the reports never use and that has no close neighbour in their vocabulary: "kids" sits next
to "children" (cosine 0.88 in MiniLM), "taser" next to nothing (0.48). Measured on the gold
set, a 0.505 bar catches 3 more of 12 unanswerable questions and none of 78 answerable ones.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from functools import cached_property

import numpy as np

from assistant.index import Embedder, WordVectors

# "Clare's Law", "Sarah's Law": named schemes users cite by nickname; the reports use the
# formal name, so a possessive proper noun is not a topic the corpus lacks.
_POSSESSIVE_NAME = re.compile(r"\b([A-Z][a-z]+)['’]s\b")


class TopicCheck:
    def __init__(self, df: Counter[str], embedder: Embedder, min_similarity: float,
                 word_vectors: WordVectors | None = None):
        self.df = df
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.word_vectors = word_vectors  # on-disk cache of word vectors, if any
        self._lock = threading.Lock()

    @cached_property
    def vocabulary(self) -> tuple[list[str], np.ndarray]:
        """The corpus' words and their vectors (computed once, on first need)."""
        words = sorted(w for w in self.df if w.isalpha() and len(w) >= 3)
        if not words:
            return words, np.zeros((0, 1), dtype=np.float32)
        if self.word_vectors is not None:
            return words, self.word_vectors.lookup(words, self.embedder.embed)
        return words, self.embedder.embed(words)

    def unknown(self, question: str, query_terms: set[str]) -> list[tuple[str, str, float]]:
        """(word, nearest corpus word, cosine) for question words the corpus has no match for."""
        names = {m[1].lower() for m in _POSSESSIVE_NAME.finditer(question)}
        missing = sorted(t for t in query_terms if t.isalpha() and self.df.get(t, 0) == 0 and t not in names)
        if not missing:
            return []
        with self._lock:
            words, vectors = self.vocabulary
        if not words:
            return [(t, "", 0.0) for t in missing]
        sims = self.embedder.embed(missing) @ vectors.T
        best = sims.argmax(axis=1)
        return [
            (term, words[int(j)], round(float(sims[i, j]), 3))
            for i, (term, j) in enumerate(zip(missing, best))
            if sims[i, j] < self.min_similarity
        ]
