"""The answer stage: a planned query and its passages in, an `Answer` out.

First the abstention gates (gates.py); then either the extractive composer (verbatim cited
sentences, extractive.py) or an LLM whose reply is checked sentence by sentence (llm.py).
"""

from __future__ import annotations

from assistant.answer.extractive import SentencePicker, compose
from assistant.answer.gates import abstention, why_not
from assistant.answer.llm import answer_with_llm
from assistant.answer.recommendations import from_tracker
from assistant.answer.topics import TopicCheck
from assistant.index import Corpus, Embedder, WordVectors
from assistant.records import Answer, Mode, Passage, Query
from assistant.retrieve.recommended import RecommendationMatcher
from assistant.settings import Settings


class Answerer:
    def __init__(self, corpus: Corpus, embedder: Embedder, settings: Settings, forces: list[str],
                 word_vectors: WordVectors | None = None, matcher: RecommendationMatcher | None = None):
        self.settings = settings
        self.matcher = matcher  # the recommendation tracker, for questions about recommendations
        self.embedder = embedder
        self.forces = forces  # the corpus' forces, named when abstaining
        self.picker = SentencePicker(corpus.df, len(corpus.passages), settings.answer)
        self.topics = TopicCheck(corpus.df, embedder, settings.answer.min_topic_similarity, word_vectors)

    def answer(self, query: Query, passages: list[Passage], mode: Mode = "extractive") -> Answer:
        reason = why_not(query, passages, self.picker, self.topics, self.settings.answer)
        if reason:
            return abstention(query.text, reason, self.forces, passages, mode)
        if (tracked := from_tracker(query, passages, self.matcher, self.picker, self.settings, mode)) is not None:
            return tracked
        if mode == "llm":
            return answer_with_llm(query.text, passages, self.settings.llm, self.settings.answer, self.embedder)
        return self.extractive(query, passages)

    def extractive(self, query: Query, passages: list[Passage]) -> Answer:
        """Verbatim sentences, each cited: one per force with evidence first for a comparative
        question; a question about one force from that force's passages when it has any."""
        cfg = self.settings.answer
        cover = [f for f in query.scope if any(p.force == f for p in passages)] if query.comparative else None
        pool = ([p for p in passages if p.force == query.prefer] or passages) if query.prefer else passages
        picked = self.picker.pick(set(query.terms), pool, cfg.max_sentences, cfg.per_passage, cover)
        if not picked:
            return abstention(query.text, "no sentence in the passages found matches it", self.forces, passages, "extractive")
        return compose(query.text, picked, passages)
