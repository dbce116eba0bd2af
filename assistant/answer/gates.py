"""When the reports do not answer: the abstention gates, and how an abstention reads.

Checked in order, each cheap before the next: the question is about a force the corpus
does not cover; no top passage deals with what it asks (too few of its weighted content
words); one of its topic words has no neighbour in the reports' vocabulary (topics.py).
"""

from __future__ import annotations

from assistant.answer.extractive import SentencePicker
from assistant.answer.topics import TopicCheck
from assistant.records import Answer, AnswerSentence, Mode, Passage, Query
from assistant.settings import AnswerSettings
from assistant.text import join_names


def strength(query: Query, passages: list[Passage], picker: SentencePicker, window: int) -> float:
    """How well the best of the top `window` passages covers the question's content words."""
    return max((picker.coverage(set(query.terms), f"{p.heading} {p.text}") for p in passages[:window]), default=0.0)


def why_not(query: Query, passages: list[Passage], picker: SentencePicker, topics: TopicCheck,
            settings: AnswerSettings) -> str | None:
    """Why the reports do not answer the query (the end of "The reports do not answer
    this: ..."), or None when they may."""
    if query.outside and not query.named and not query.filters.forces:
        return f"they do not cover {join_names(list(query.outside))}"
    if strength(query, passages, picker, settings.strength_window) < settings.min_coverage:
        return "no passage deals with what it asks"
    unknown = topics.unknown(query.text, set(query.terms))
    if unknown:
        words = join_names([f"'{word}'" for word, _, _ in unknown])
        return f"they never discuss {words}"
    return None


def closest(query: Query, passages: list[Passage], picker: SentencePicker, floor: float) -> list[Passage]:
    """The passages worth showing beside an abstention: those that hold at least `floor` of
    the question's weighted words (shown as the closest passages, never as an answer)."""
    return [p for p in passages if picker.coverage(set(query.terms), f"{p.heading} {p.text}") >= floor]


def abstention(question: str, reason: str, corpus_forces: list[str], passages: list[Passage], mode: Mode,
               near: list[Passage] | None = None) -> Answer:
    """Say plainly, in one sentence, why the reports do not answer it; list the closest
    passages only when some pass the relevance floor (`near`), labelled as not an answer."""
    if not corpus_forces:
        text = "The index holds no reports yet: add some with `python -m ingest` or the Corpus page's upload."
        return Answer(question, text, [], True, mode, [], [], sentences=[AnswerSentence(text, role="note")])
    text = f"The reports do not answer this: {reason}."
    sentences = [AnswerSentence(text, role="note")]
    if near:
        listed = "The closest passages are listed below; they are not an answer."
        sentences.append(AnswerSentence(listed, role="note"))
        text = f"{text} {listed}"
    covered = f"The collection covers {join_names(corpus_forces)}."
    sentences.append(AnswerSentence(covered, role="note"))
    return Answer(question, f"{text} {covered}", [], True, mode, [], list(near or []), sentences=sentences)
