"""When the reports do not answer: the abstention gates, and how an abstention reads.

Checked in order, each cheap before the next: the question is about a force the corpus
does not cover; no top passage deals with what it asks (too few of its weighted content
words); one of its topic words has no neighbour in the reports' vocabulary (topics.py).
"""

from __future__ import annotations

from assistant.answer.extractive import SentencePicker
from assistant.answer.topics import TopicCheck
from assistant.records import Answer, Mode, Passage, Query
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


def abstention(question: str, reason: str, corpus_forces: list[str], passages: list[Passage], mode: Mode) -> Answer:
    """Say plainly that the reports do not answer it, and show the nearest passages anyway."""
    if not corpus_forces:
        text = "The index holds no reports yet: add some with `python -m ingest` or the Corpus page's upload."
        return Answer(question, text, [], True, mode, [], passages)
    text = (
        f"The reports do not answer this: {reason}. The collection covers "
        f"{join_names(corpus_forces)}."
    )
    if passages:
        nearest = "; ".join(f"{p.force} – {p.heading}" for p in passages[:3])
        text += f" The nearest passages are listed below ({nearest})."
    return Answer(question, text, [], True, mode, [], passages)
