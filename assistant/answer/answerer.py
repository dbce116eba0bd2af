"""The answer stage: a planned query and its passages in, an `Answer` out.

First the abstention gates (gates.py); then either the extractive composer (verbatim cited
sentences, extractive.py) or an LLM whose reply is checked sentence by sentence (llm.py) and
streamed as drafts before it. The gates passed means the evidence is strong, so a model that
declines, or whose reply loses every sentence to the checks, gives way to the extractive answer.
"""

from __future__ import annotations

from typing import Iterator

from assistant.answer.extractive import SentencePicker, compose
from assistant.answer.gates import abstention, why_not
from assistant.answer.llm import fall_back, stream_llm_answer
from assistant.answer.topics import TopicCheck
from assistant.index import Corpus, Embedder, WordVectors
from assistant.records import Answer, Draft, Mode, Passage, Query
from assistant.settings import Settings


class Answerer:
    def __init__(self, corpus: Corpus, embedder: Embedder, settings: Settings, forces: list[str],
                 word_vectors: WordVectors | None = None):
        self.settings = settings
        self.embedder = embedder
        self.forces = forces  # the corpus' forces, named when abstaining
        self.picker = SentencePicker(corpus.df, len(corpus.passages), settings.answer)
        self.topics = TopicCheck(corpus.df, embedder, settings.answer.min_topic_similarity, word_vectors)

    def answer(self, query: Query, passages: list[Passage], mode: Mode = "extractive") -> Answer:
        for event in self.answer_stream(query, passages, mode):
            pass
        return event  # the stream ends with the checked Answer

    def answer_stream(self, query: Query, passages: list[Passage], mode: Mode = "extractive"
                      ) -> Iterator[Draft | Answer]:
        """In LLM mode the model's reply as it arrives (unchecked `Draft`s), then the checked
        `Answer`; otherwise the `Answer` alone."""
        reason = why_not(query, passages, self.picker, self.topics, self.settings.answer)
        if reason:
            yield abstention(query.text, reason, self.forces, passages, mode)
        elif mode == "llm":
            checked, unused = yield from stream_llm_answer(query.text, passages, self.settings.llm, self.settings.answer,
                                                           self.embedder, self.embedder.count_tokens)
            yield fall_back(self.extractive(query, passages), checked, unused) if unused else checked
        else:
            yield self.extractive(query, passages)

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
