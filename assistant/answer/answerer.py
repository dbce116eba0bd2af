"""The answer stage: a planned query and its passages in, an `Answer` out.

First the abstention gates (gates.py); then either the extractive composer (verbatim cited
sentences, extractive.py) or an LLM whose reply is checked sentence by sentence (llm.py) and
streamed as drafts before it. The gates passed means the evidence is strong, so a model that
declines, or whose reply loses every sentence to the checks, gives way to the extractive answer.
"""

from __future__ import annotations

from typing import Callable, Iterator

from assistant.answer.compose import FindingsComposer
from assistant.answer.extractive import SentencePicker, compose
from assistant.answer.gates import abstention, closest, why_not
from assistant.answer.llm import fall_back, stream_llm_answer
from assistant.answer.recommendations import from_tracker
from assistant.answer.topics import TopicCheck
from assistant.index import Corpus, Embedder, WordVectors
from assistant.records import Answer, Draft, Mode, Passage, Query
from assistant.retrieve.recommended import RecommendationMatcher
from assistant.settings import Settings
from assistant.text import join_names


Evidence = Callable[[], list[Passage]]  # the passages the extractive composer reads, on demand


class Answerer:
    def __init__(self, corpus: Corpus, embedder: Embedder, settings: Settings, forces: list[str],
                 word_vectors: WordVectors | None = None, matcher: RecommendationMatcher | None = None):
        self.settings = settings
        self.matcher = matcher  # the recommendation tracker, for questions about recommendations
        self.embedder = embedder
        self.forces = forces  # the corpus' forces, named when abstaining
        self.picker = SentencePicker(corpus.df, len(corpus.passages), settings.answer)
        self.topics = TopicCheck(corpus.df, embedder, settings.answer.min_topic_similarity, word_vectors)
        self.composer = FindingsComposer(corpus, settings.answer)

    def answer(self, query: Query, passages: list[Passage], mode: Mode = "extractive",
               evidence: Evidence | None = None) -> Answer:
        """`passages`: what retrieval found, best first; `evidence`: gives what the extractive
        composer may quote from (default: the same), fetched only if it composes (not for an
        abstention, the tracker's answer or a model's reply that stands)."""
        for event in self.answer_stream(query, passages, mode, evidence):
            pass
        return event  # the stream ends with the checked Answer

    def answer_stream(self, query: Query, passages: list[Passage], mode: Mode = "extractive",
                      evidence: Evidence | None = None) -> Iterator[Draft | Answer]:
        """In LLM mode the model's reply as it arrives (unchecked `Draft`s), then the checked
        `Answer`; otherwise the `Answer` alone."""
        reason = why_not(query, passages, self.picker, self.topics, self.settings.answer)
        if reason:
            answer = self.abstain(query, reason, passages, mode)
        elif mode == "llm":  # the model writes from the passages search put first
            checked, unused = yield from stream_llm_answer(query.text, passages, self.settings.llm,
                                                           self.settings.answer, self.embedder,
                                                           self.embedder.count_tokens)
            answer = fall_back(self.without_llm(query, passages, evidence), checked, unused) if unused else checked
        else:
            answer = self.without_llm(query, passages, evidence)
        answer.passages = passages if answer.citations else answer.passages
        answer.question, answer.resolved_question = query.asked or query.text, query.text
        yield answer

    def without_llm(self, query: Query, passages: list[Passage], evidence: Evidence | None = None) -> Answer:
        """The answer no model writes: from the recommendation tracker for a question about
        recommendations, else the extractive composer's."""
        tracked = from_tracker(query, passages, self.matcher, self.picker, self.settings, "extractive")
        return tracked if tracked is not None else self.extractive(query, evidence() if evidence else passages)

    def extractive(self, query: Query, passages: list[Passage]) -> Answer:
        """Verbatim sentences, each cited (compose.py; or the legacy composer below)."""
        if self.settings.answer.composer == "findings":
            answer = self.composer.compose(query, passages)
            if answer is None:
                named = list(query.filters.forces) or list(query.named)
                where = f"the {join_names(named)} reports have" if named else "the passages found have"
                return self.abstain(query, f"{where} no sentence on it", passages, "extractive")
            return answer
        return self.legacy(query, passages)

    def abstain(self, query: Query, reason: str, passages: list[Passage], mode: Mode) -> Answer:
        near = closest(query, passages, self.picker, self.settings.answer.closest_floor)
        return abstention(query.text, reason, self.forces, passages, mode, near)

    def legacy(self, query: Query, passages: list[Passage]) -> Answer:
        """The earlier composer, kept as the eval's baseline: the best-matching sentences,
        one per force with evidence first for a comparative question; a question about one
        force from that force's passages when it has any."""
        cfg = self.settings.answer
        cover = [f for f in query.scope if any(p.force == f for p in passages)] if query.comparative else None
        pool = ([p for p in passages if p.force == query.prefer] or passages) if query.prefer else passages
        picked = self.picker.pick(set(query.terms), pool, cfg.max_sentences, cfg.per_passage, cover)
        if not picked:
            return self.abstain(query, "no sentence in the passages found matches it", passages, "extractive")
        return compose(query.text, picked, passages)
