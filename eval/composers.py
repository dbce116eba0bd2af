"""Answer composers the eval sets beside the assistant's own, on the same retrieved passages.

- `legacy-composer`: the assistant with `answer.composer="legacy"`, the composer of before
  issue 12 kept as a setting (same planner, retrieval and abstention gates).
- `lexrank`: a textbook extractive summariser a user could pick instead: LexRank (sumy) over
  the sentences of the passages the assistant retrieved, each picked sentence cited to its
  passage. It is not query-focused itself; the retrieval is. It abstains where the assistant
  abstains (same gates), so answer metrics compare composition alone.

Both are answer-only systems: they have no retrieval of their own, so the report leaves their
retrieval cells blank.
"""

from __future__ import annotations

import re
import time
from typing import Sequence

from assistant.api import Assistant
from assistant.records import Answer, AnswerSentence, Passage
from assistant.text.sentences import sentences
from eval.baselines import System
from eval.metrics import cited_claims

LEGACY = "legacy-composer"
LEXRANK = "lexrank"
COMPOSER_SETTING = "composer"  # AnswerSettings field the lead's composer switch lives in
LEGACY_VALUE = "legacy"
# Sentences with fewer words are table cells and labels, not statements (the assistant's own
# picker skips them too); LexRank would otherwise rank them like any other sentence.
MIN_WORDS = 4


class ComposerSettingMissing(RuntimeError):
    """The assistant has no `answer.composer` setting (the new composer has not landed)."""


def composer_variant(base: Assistant, value: str = LEGACY_VALUE) -> Assistant:
    """The same index, embedder and retrieval with `answer.composer=value` (validated)."""
    answer = base.settings.answer
    if COMPOSER_SETTING not in type(answer).model_fields:
        raise ComposerSettingMissing(
            f"settings.answer has no {COMPOSER_SETTING!r} field: the {LEGACY} column needs "
            f"answer.{COMPOSER_SETTING} ('findings' | '{LEGACY_VALUE}') from the issue-12 composer")
    changed = type(answer).model_validate({**answer.model_dump(), COMPOSER_SETTING: value})
    settings = base.settings.model_copy(update={"answer": changed})
    return Assistant(settings, base.store, base.embedder)


class Tokenizer:
    """sumy's tokenizer interface on the assistant's own sentence splitter: sumy's default
    Tokenizer needs NLTK's punkt data, which is downloaded at run time (not possible here)."""

    language = "english"
    _WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(self._WORD.findall(sentence))


class LexRank:
    """sumy's LexRankSummarizer with the Snowball English stemmer (NLTK code, no data files)
    and sumy's bundled English stop words."""

    def __init__(self) -> None:
        from sumy.nlp.stemmers import Stemmer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.utils import get_stop_words

        self.tokenizer = Tokenizer()
        self.summarizer = LexRankSummarizer(Stemmer("english"))
        self.summarizer.stop_words = get_stop_words("english")

    def pick(self, passages: Sequence[Passage], n: int) -> list[tuple[str, int]]:
        """The n most central sentences as (sentence, index of its passage), in the passages'
        order (rank, then reading order). A sentence repeated in a later passage counts once."""
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

        where: dict[str, int] = {}
        paragraphs = []
        for i, passage in enumerate(passages):
            kept = []
            for text in self.tokenizer.to_sentences(passage.text):
                text = text.strip()
                if text not in where and len(self.tokenizer.to_words(text)) >= MIN_WORDS:
                    where[text] = i
                    kept.append(Sentence(text, self.tokenizer))
            if kept:
                paragraphs.append(Paragraph(kept))
        if not paragraphs or n <= 0:
            return []
        picked = self.summarizer(ObjectDocumentModel(paragraphs), n)
        return [(str(s), where[str(s)]) for s in picked]

    def compose(self, question: str, passages: Sequence[Passage], n: int) -> Answer:
        """An answer of the n picked sentences, one a line, each cited to its passage."""
        numbers: dict[int, int] = {}  # passage index -> citation number, by first use
        lines, quoted = [], []
        for text, i in self.pick(passages, n):
            number = numbers.setdefault(i, len(numbers) + 1)
            lines.append(f"{text} [{number}]")
            quoted.append(AnswerSentence(text, (number,), passages[i].force, "finding"))
        citations = [passages[i] for i in numbers]
        return Answer(question=question, text="\n".join(lines), citations=citations, abstained=not lines,
                      forces=list(dict.fromkeys(p.force for p in citations)), passages=list(passages),
                      sentences=quoted)


def sentence_count(answer: Answer) -> int:
    """How many sentences an answer quotes: its cited structured sentences, else its cited claims."""
    return sum(1 for s in answer.sentences if s.citations) or len(cited_claims(answer.text))


def lexrank_ask(assistant: Assistant, summariser: LexRank, question: str,
                history: Sequence[str] = ()) -> tuple[Answer, float]:
    """LexRank over the passages the assistant retrieves, as many sentences as the assistant's
    answer quotes; abstains where the assistant abstains. The seconds are retrieval plus
    summarising: the assistant's own answer (for the gate and the length) is not timed."""
    own = assistant.ask(question, history=list(history))
    began = time.perf_counter()
    passages = assistant.search(question, history=list(history))
    if own.abstained:
        return own, time.perf_counter() - began
    answer = summariser.compose(question, passages, max(1, sentence_count(own)))
    answer.resolved_question = own.resolved_question
    return answer, time.perf_counter() - began


def lexrank_system(assistant: Assistant) -> System:
    state: dict[str, LexRank] = {}

    def warm_up() -> None:  # sumy's imports and the first summary stay out of the latencies
        assistant.warm_up()
        state["summariser"] = LexRank()
        state["summariser"].pick(assistant.search("missing children"), 1)

    def ask(question: str, history: Sequence[str]) -> tuple[Answer, float]:
        if "summariser" not in state:
            warm_up()
        return lexrank_ask(assistant, state["summariser"], question, history)

    return System(name=LEXRANK, search=None, corpus=None, ask=ask, warm_up=warm_up)
