"""Extractive answers: the retrieved passages' own sentences that best answer the question.

No model writes anything: each answer sentence is copied verbatim from the passage it
cites, chosen by how many of the question's (glossary-expanded) content words it carries,
weighted by their rarity in the corpus, and by how well its passage was ranked.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from assistant.records import Passage
from assistant.sentences import sentences

_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does doing for from had has
    have how i if in into is it its me my no not of on or our should so such than that the
    their them then there these they this those to was we were what when where which while
    who whom why will with would you your about any all also more most other some over only
    own same too very just give show tell example examples case cases find found forces force
    police constabulary report reports inspection inspections hmicfrs did happen happened
    many much""".split()  # "how many", "how much": the asking, not the topic
)


def terms(text: str) -> list[str]:
    """Content words, crudely stemmed (plural s) so 'offenders' meets 'offender'."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or len(word) < 3:
            continue
        plural = len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "is", "us"))  # not crisis, status
        out.append(word[:-1] if plural else word)
    return out


@dataclass(frozen=True)
class Picked:
    passage: Passage
    rank: int  # the passage's position in the search results
    order: int  # the sentence's position in its passage
    text: str
    score: float


def document_frequencies(texts: Iterable[str]) -> Counter[str]:
    """How many texts each content word occurs in."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(terms(text)))
    return df


class SentencePicker:
    """Scores sentences against a question with corpus-wide inverse document frequency."""

    def __init__(self, corpus_texts: list[str]):
        self.n = max(len(corpus_texts), 1)
        self.df: Counter[str] = document_frequencies(corpus_texts)

    @classmethod
    def from_counts(cls, df: Counter[str], n: int) -> SentencePicker:
        """From document frequencies computed before (the cached corpus), over n texts."""
        picker = cls([])
        picker.df, picker.n = df, max(n, 1)
        return picker

    def idf(self, term: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(term, 0)))

    def coverage(self, query_terms: set[str], text: str) -> float:
        """Share of the question's weighted content words present in a text."""
        if not query_terms:
            return 0.0
        present = set(terms(text)) & query_terms
        return sum(self.idf(t) for t in present) / sum(self.idf(t) for t in query_terms)

    def pick(self, query_terms: set[str], passages: list[Passage], limit: int, per_passage: int = 2,
             must_cover: list[str] | None = None) -> list[Picked]:
        """The best sentences, at most `per_passage` from one passage; one per force first."""
        scored: list[Picked] = []
        for rank, p in enumerate(passages):
            position_weight = 1.0 / (1.0 + 0.15 * rank)  # trust the ranking, a little
            for order, sentence in enumerate(sentences(p.text)):
                words = terms(sentence)
                if len(words) < 3:
                    continue  # headings, fragments, table labels
                hits = set(words) & query_terms
                if not hits:
                    continue
                weight = sum(self.idf(t) for t in hits) / math.sqrt(len(set(words)) + 4)
                scored.append(Picked(p, rank, order, sentence, weight * position_weight))
        scored.sort(key=lambda s: -s.score)
        chosen: list[Picked] = []
        used: Counter[str] = Counter()
        for force in must_cover or []:  # comparative answers: every force with evidence
            best = next((s for s in scored if s.passage.force == force), None)
            if best is not None:
                chosen.append(best)
                used[best.passage.id] += 1
        for s in scored:
            if len(chosen) >= limit:
                break
            if s in chosen or used[s.passage.id] >= per_passage:
                continue
            if any(s.text == c.text for c in chosen):
                continue  # summaries repeat findings word for word
            chosen.append(s)
            used[s.passage.id] += 1
        return chosen
